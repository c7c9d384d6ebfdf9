"""The reading bar: a small always-on-top window that shows the sentence being read, with the word
being heard highlighted, and pause / skip / stop buttons (``[overlay] enabled``).

It runs in a process of its own (``python -m readaloud.desktop.overlay``) so that Qt never loads
into the daemon (memory, and no second GUI loop competing with the audio thread), and so that the
text being read travels over a private pipe rather than the session bus.

* :mod:`.protocol` — the JSON-lines messages both sides exchange (pure; no Qt);
* :mod:`.markup` — what the window shows: the excerpt of a long sentence, the highlight (pure);
* :mod:`.window` and :mod:`.__main__` — the bar itself (PySide6, the ``overlay`` extra);
* :mod:`.process` — the daemon's side of the pipe: spawning, restarting with backoff, closing;
* :mod:`.frontend` — the daemon's reader listener that feeds the bar and hands its buttons over.
"""
