"""readaloud as a Spiel speech provider (``org.freedesktop.Speech.Provider``)."""
