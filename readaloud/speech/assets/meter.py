"""How far a download has got, measured from outside the client that does it (pip, npm, the hub).

The clients run as subprocesses or libraries with their own progress bars, which a daemon cannot
show. What every one of them does is write the bytes it receives into the scratch folder we give
it, so a thread that adds up the file sizes there sees the download move, whichever client it is.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DownloadStatus:
    """One moment of a download: what, from where, how many bytes of how many, how fast."""

    what: str
    source: str
    done: int
    total: int | None  # None: the size is not known in advance
    rate: float  # bytes per second over the last few seconds
    note: str = ""  # why it happens when that is news to the user (a damaged file is replaced)


DownloadObserver = Callable[[DownloadStatus | None], None]  # None: no download any more


def received_bytes(folder: Path) -> int:
    """Bytes received so far under ``folder``.

    Each file name counts once, at its largest: pip copies a finished wheel out of its temporary
    folder under the same name, and that copy holds no new bytes.
    """
    sizes: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for path in folder.rglob("*"):
            with contextlib.suppress(OSError):
                if path.is_file():
                    sizes[path.name] = max(sizes.get(path.name, 0), path.stat().st_size)
    return sum(sizes.values())


class DirectoryMeter:
    """Polls :func:`received_bytes` of a folder on a thread and tells ``observer`` as it grows."""

    INTERVAL = 0.5
    RATE_WINDOW = 3.0

    def __init__(self, scratch: Path, observer: DownloadObserver, *, what: str, source: str,
                 total: int | None) -> None:
        self._scratch = scratch
        self._observer = observer
        self._what = what
        self._source = source
        self._total = total
        self._done = 0
        self._samples: deque[tuple[float, int]] = deque()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="readaloud-download-meter", daemon=True)

    def start(self) -> None:
        self._report(time.monotonic())
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample(time.monotonic())

    def _run(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            self._sample(time.monotonic())

    def _sample(self, now: float) -> None:
        # Clients delete their temporary files when they finish: the count never goes back.
        self._done = max(self._done, received_bytes(self._scratch))
        self._report(now)

    def _report(self, now: float) -> None:
        self._samples.append((now, self._done))
        while len(self._samples) > 2 and now - self._samples[0][0] > self.RATE_WINDOW:
            self._samples.popleft()
        first_time, first_done = self._samples[0]
        rate = (self._done - first_done) / (now - first_time) if now > first_time else 0.0
        try:
            self._observer(DownloadStatus(self._what, self._source, self._done, self._total, rate))
        except Exception:
            log.warning("the download observer failed", exc_info=True)


@contextlib.contextmanager
def metered(scratch: Path, observer: DownloadObserver | None, *, what: str, source: str,
            total: int | None) -> Iterator[None]:
    """Report the download into ``scratch`` to ``observer`` while the block runs (if there is one)."""
    if observer is None:
        yield
        return
    meter = DirectoryMeter(scratch, observer, what=what, source=source, total=total)
    meter.start()
    try:
        yield
    finally:
        meter.stop()
        observer(None)
