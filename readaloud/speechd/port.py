"""What the Speech Dispatcher module needs of the readaloud daemon, and what it hears back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SayRequest:
    """One message for the daemon: plain text, SSML marks (name, offset into ``text``), settings."""

    text: str
    marks: tuple[tuple[str, int], ...] = ()
    voice: str | None = None
    speed: float = 1.0
    gain: float = 1.0


class Daemon(Protocol):
    """The module's view of the daemon (``link.DaemonLink`` on the session bus)."""

    async def connect(self) -> None: ...
    async def ensure_ready(self) -> None: ...
    async def say(self, request: SayRequest) -> int:
        """The daemon's job for ``request``; ``NothingToSayError`` when it has nothing speakable."""
        ...

    async def stop_job(self, job: int) -> None: ...
    async def current_voice(self) -> str | None: ...
    def close(self) -> None: ...


class DaemonEvents(Protocol):
    """The daemon's signals about the module's jobs, delivered on the module's event loop."""

    def on_sentence_started(self, job: int) -> None: ...
    def on_mark(self, job: int, name: str) -> None: ...
    def on_job_finished(self, job: int, reason: str) -> None: ...
    def on_daemon_lost(self) -> None: ...
