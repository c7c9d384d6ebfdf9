"""A small progress bar for terminals, and plain one-line messages everywhere else."""

from __future__ import annotations

import sys
import time
from typing import IO


def human_size(size: float) -> str:
    for unit in ("B", "kB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.2f} GB"


class Reporter:
    """Tells the user what the asset store is doing, on ``stream`` (stderr by default).

    On a terminal it draws progress bars; otherwise it writes one plain line per step, so logs
    and pipes stay readable. ``enabled=False`` silences it (library use, tests).
    """

    def __init__(
        self, stream: IO[str] | None = None, *, tty: bool | None = None, enabled: bool = True
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.tty = tty
        self.enabled = enabled

    def message(self, text: str) -> None:
        if self.enabled:
            print(f"readaloud: {text}", file=self.stream, flush=True)

    def progress(self, label: str, total: int | None) -> Progress:
        return Progress(self, label, total)


class Progress:
    """One task's bar: ``update(n)`` as bytes arrive, ``close()`` at the end (or use ``with``)."""

    WIDTH = 30
    INTERVAL = 0.1

    def __init__(self, reporter: Reporter, label: str, total: int | None) -> None:
        self._reporter = reporter
        self._label = label
        self._total = total
        self._done = 0
        self._last_draw = 0.0
        self._closed = False
        if reporter.enabled and not reporter.tty:
            extra = f" ({human_size(total)})" if total else ""
            reporter.message(f"{label}{extra}…")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, amount: int) -> None:
        self._done += amount
        now = time.monotonic()
        if now - self._last_draw >= self.INTERVAL:
            self._last_draw = now
            self._draw()

    def _draw(self, end: str = "") -> None:
        if not (self._reporter.enabled and self._reporter.tty):
            return
        if self._total:
            fraction = min(self._done / self._total, 1.0)
            filled = int(fraction * self.WIDTH)
            bar = "█" * filled + "░" * (self.WIDTH - filled)
            line = f"{self._label} {bar} {fraction:4.0%} {human_size(self._done)}/{human_size(self._total)}"
        else:
            line = f"{self._label} {human_size(self._done)}"
        print(f"\r\x1b[2K{line}", end=end, file=self._reporter.stream, flush=True)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._draw(end="\n")
