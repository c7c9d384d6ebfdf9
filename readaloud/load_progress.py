"""What the terminal shows while the daemon downloads its model on a first run.

The daemon publishes its ``LoadProgress`` property (what, source, bytes done and total, rate, and a
note when a damaged file is being replaced); the CLI polls it while it waits and draws one updating
line on a terminal, or a line now and then (every ``PLAIN_EVERY`` seconds) into a pipe or log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import IO, Any

PLAIN_EVERY = 10.0  # seconds between plain lines when stderr is not a terminal


def megabytes(size: float) -> str:
    return f"{size / 1e6:.1f} MB"


def describe(progress: Mapping[str, Any]) -> str:
    """One line: what, from where, how far, how fast."""
    done = int(progress.get("done", 0))
    total = int(progress.get("total", 0))
    rate = float(progress.get("rate", 0.0))
    amount = megabytes(done)
    if total:
        amount += f" of {megabytes(total)} ({min(done / total, 1.0):.0%})"
    speed = f", {megabytes(rate)}/s" if rate > 0 else ", waiting for data"
    what, source = progress.get("what", "the model"), progress.get("source", "?")
    return f"downloading {what} from {source}: {amount}{speed}"


class LoadProgressView:
    """Turns successive ``LoadProgress`` values into terminal output."""

    def __init__(self, stream: IO[str], *, tty: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._tty = tty if tty is not None else bool(getattr(stream, "isatty", lambda: False)())
        self._clock = clock
        self._current: str | None = None  # what is being downloaded
        self._notes: set[str] = set()
        self._last_plain = 0.0
        self._line_open = False

    @property
    def active(self) -> bool:
        return self._current is not None

    def show(self, progress: Mapping[str, Any]) -> None:
        if not progress:
            self.finish()
            return
        note = str(progress.get("note", ""))
        if note and note not in self._notes:  # said once, before the bytes start to count
            self._notes.add(note)
            self._end_line()
            self._print(f"readaloud: {note}")
        what = str(progress.get("what", ""))
        line = describe(progress)
        if what != self._current:
            self._end_line()
            self._current = what
            self._last_plain = self._clock()
            if not self._tty:
                self._print(f"readaloud: {line}")
                return
        if self._tty:
            self._stream.write(f"\r\x1b[2Kreadaloud: {line}")
            self._stream.flush()
            self._line_open = True
        elif self._clock() - self._last_plain >= PLAIN_EVERY:
            self._last_plain = self._clock()
            self._print(f"readaloud: {line}")

    def finish(self) -> None:
        """The download ended (the daemon goes on loading the model)."""
        if self._current is not None:
            self._end_line()
            self._print(f"readaloud: download of {self._current} ended")
            self._current = None

    def close(self) -> None:
        """Stop drawing (the wait is over, whatever the daemon is doing)."""
        self._end_line()

    def _end_line(self) -> None:
        if self._line_open:
            self._stream.write("\n")
            self._line_open = False

    def _print(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()
