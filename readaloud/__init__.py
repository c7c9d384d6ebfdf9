"""readaloud: a local read-aloud daemon built on Kokoro-82M."""

__version__ = "0.1.0"
