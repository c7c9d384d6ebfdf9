"""The daemon's side of the reading bar's pipe: one bar process, its two pipes and their threads.

Messages to the bar are queued and written by a writer thread, so a bar that hangs never blocks
the daemon's loop; a reader thread decodes what the bar writes. ``on_message`` and ``on_exit`` are
called on the reader thread: hand them to the daemon's loop.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import IO, Protocol

from readaloud.desktop.overlay import protocol
from readaloud.errors import BarProtocolError

log = logging.getLogger(__name__)

BAR_ARGV = (sys.executable, "-m", "readaloud.desktop.overlay")
# Seconds the bar gets to close after "quit" (and then after SIGTERM) before the next step.
CLOSE_GRACE = 2.0


class BarChild(Protocol):
    """The part of ``subprocess.Popen`` used here (a fake implements it in the tests)."""

    stdin: IO[bytes] | None
    stdout: IO[bytes] | None
    pid: int

    def wait(self, timeout: float | None = None) -> int: ...
    def poll(self) -> int | None: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...


def spawn_bar(argv: Sequence[str] = BAR_ARGV) -> BarChild:
    """Start the bar; its stderr is the daemon's (Qt's own complaints land in the daemon's log)."""
    return subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)


class BarProcess:
    """A running bar: :meth:`start` it; :meth:`send` never blocks; :meth:`close` ends it (quit, then
    signals)."""

    def __init__(
        self,
        child: BarChild,
        on_message: Callable[[protocol.FromBar], None],
        on_exit: Callable[[int], None],
    ) -> None:
        if child.stdin is None or child.stdout is None:
            raise ValueError("the bar needs pipes on stdin and stdout")
        self._child = child
        self._stdin: IO[bytes] = child.stdin
        self._stdout: IO[bytes] = child.stdout
        self._on_message = on_message
        self._on_exit = on_exit
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_loop, name="readaloud-overlay-writer", daemon=True)
        self._reader = threading.Thread(target=self._read_loop, name="readaloud-overlay-reader", daemon=True)
        self._closed = False

    def start(self) -> None:
        """Start the threads that write to and read from the bar."""
        self._writer.start()
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._child.pid

    def send(self, message: protocol.ToBar) -> None:
        if not self._closed:
            self._outbox.put(protocol.encode(message))

    def close(self, timeout: float = CLOSE_GRACE) -> None:
        """Ask the bar to quit, wait a little, then terminate (and kill) it; waits for its threads."""
        if self._closed:
            return
        self.send(protocol.Quit())
        self._closed = True
        self._outbox.put(None)  # the writer closes stdin: EOF ends the bar too
        try:
            self._child.wait(timeout)
        except subprocess.TimeoutExpired:
            self._child.terminate()
            try:
                self._child.wait(timeout)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()
        if self._writer.is_alive():
            self._writer.join(timeout)
        if self._reader.is_alive() and self._reader is not threading.current_thread():
            self._reader.join(timeout)

    # -- threads ----------------------------------------------------------------------------------

    def _write_loop(self) -> None:
        try:
            while (line := self._outbox.get()) is not None:
                self._stdin.write(line)
                self._stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the bar is gone; the reader thread reports its exit
        finally:
            with contextlib.suppress(OSError):
                self._stdin.close()

    def _read_loop(self) -> None:
        for line in self._stdout:
            try:
                message = protocol.decode(line)
            except BarProtocolError as error:
                log.warning("the reading bar wrote something unexpected: %s", error)
                continue
            if isinstance(message, (protocol.Ready, protocol.Clicked)):
                self._on_message(message)
            else:
                log.warning("the reading bar sent a message meant for it: %s", type(message).__name__)
        status = self._child.wait()
        self._outbox.put(None)  # the writer may be waiting for the next line: let it end
        self._on_exit(status)
