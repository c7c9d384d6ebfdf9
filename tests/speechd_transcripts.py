"""Recorded Speech Dispatcher sessions (tests/data/speechd) and a fake daemon to replay them against."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from readaloud.errors import NothingToSayError
from readaloud.speechd.port import SayRequest

DATA = Path(__file__).parent / "data" / "speechd"


@dataclass(frozen=True)
class Line:
    """One protocol line: ``to_module`` when the server sent it."""

    to_module: bool
    text: str


def load(name: str) -> list[Line]:
    lines = []
    for raw in (DATA / name).read_text().splitlines():
        if raw.startswith("> "):
            lines.append(Line(True, raw[2:]))
        elif raw.startswith("< "):
            lines.append(Line(False, raw[2:]))
    return lines


@dataclass
class FakeDaemon:
    """The daemon as the module sees it: records requests; tests deliver its events by hand."""

    voice: str | None = "af_heart"
    connected: bool = False
    fail_connect: bool = False
    say_error: Exception | None = None
    requests: list[SayRequest] = field(default_factory=list)
    stopped: list[int] = field(default_factory=list)
    say_gate: asyncio.Event | None = None
    next_job: int = 1

    async def connect(self) -> None:
        if self.fail_connect:
            raise ConnectionError("no bus")
        self.connected = True

    async def ensure_ready(self) -> None:
        pass

    async def say(self, request: SayRequest) -> int:
        if self.say_gate is not None:
            await self.say_gate.wait()
        if self.say_error is not None:
            raise self.say_error
        if not request.text.strip(". "):
            raise NothingToSayError("nothing to read: the text has no speakable words")
        self.requests.append(request)
        job = self.next_job
        self.next_job += 1
        return job

    async def stop_job(self, job: int) -> None:
        self.stopped.append(job)

    async def current_voice(self) -> str | None:
        return self.voice

    def close(self) -> None:
        self.connected = False


async def settle() -> None:
    """Let the module's background tasks (Say, StopJob) run to completion."""
    for _ in range(5):
        await asyncio.sleep(0)
