"""sd_readaloud's logic: recorded Speech Dispatcher sessions replayed against a fake daemon."""

from __future__ import annotations

import asyncio
import logging
import math

import pytest

from readaloud.speechd import protocol
from readaloud.speechd.module import SpeechdModule
from tests.speechd_transcripts import FakeDaemon, load, settle


def run(coro):
    return asyncio.run(coro)


def comparable(lines):
    """Protocol lines minus what legitimately differs between modules (voice lists, init details)."""
    return [line for line in lines if not line.startswith(("200-", "299-"))]


async def replay(name: str, daemon: FakeDaemon) -> tuple[list[str], list[str]]:
    """Feed the server's side of a recorded session; deliver the daemon's events where the module
    sent them. Returns (what our module wrote, what the recorded module wrote)."""
    written: list[str] = []
    module = SpeechdModule(daemon, lambda text: written.extend(text.split("\n")), lambda: "af_heart")
    recorded: list[str] = []
    for line in load(name):
        if line.to_module:
            await module.feed(line.text + "\n")
            await settle()
            continue
        recorded.append(line.text)
        job = daemon.next_job - 1
        if line.text == protocol.EVENT_BEGIN:
            module.on_sentence_started(job)
        elif line.text.startswith("700-"):
            module.on_mark(job, line.text[4:])
        elif line.text == protocol.EVENT_END:
            module.on_job_finished(job, "done")
        elif line.text in (protocol.EVENT_STOP, protocol.EVENT_PAUSE):
            module.on_job_finished(job, "stopped")
        elif line.text == "200 OK VOICE LIST SENT":
            # Recordings may keep only the first voices of a list: keep as many of ours.
            kept = 0
            while kept < len(recorded) - 1 and recorded[-2 - kept].startswith("200-"):
                kept += 1
            end = len(written) - 1
            start = end
            while start > 0 and written[start - 1].startswith("200-"):
                start -= 1
            del written[start + kept : end]
        await settle()
    return written, recorded


def test_recorded_session_gets_the_same_answers_in_the_same_order():
    daemon = FakeDaemon()
    written, recorded = run(replay("generic-session.txt", daemon))
    assert comparable(written) == comparable(recorded)
    # Our own voice list went out (as many lines kept as sd_generic had), default voice first.
    voice_lines = [line for line in written if line.startswith("200-")]
    assert voice_lines[:2] == ["200-af_heart\ten-US\tfemale", "200-af_alloy\ten-US\tfemale"]


def test_recorded_session_becomes_these_daemon_requests():
    daemon = FakeDaemon()
    run(replay("generic-session.txt", daemon))
    texts = [request.text for request in daemon.requests]
    assert texts[0] == "Rate thirty, volume minus twenty."
    assert texts[2:6] == ["a.", "shift a.", "dot", "message"]
    first = daemon.requests[0]
    assert math.isclose(first.speed, 2 ** 0.3)  # rate=30
    assert math.isclose(first.gain, 0.4)  # volume=-20
    assert first.voice is None  # language en, and the daemon's voice speaks English
    marked = daemon.requests[1]
    names = [name for name, _ in marked.marks]
    assert names == ["__spd_0", "m1", "__spd_1", "m2", "__spd_2"]
    offsets = dict(marked.marks)
    assert marked.text[: offsets["__spd_0"]] == "One two three."
    assert marked.text[offsets["m2"] :].startswith("Seven")
    assert marked.speed == 1.0 and marked.gain == 1.0
    # Both long messages were stopped through their own jobs.
    assert daemon.stopped == [7, 8]


def test_recorded_readaloud_session_replays_exactly():
    """sd_readaloud behind a logging shim with the real server and daemon: index marks, PAUSE, the
    message the server sent again from the last mark, STOP. Our module must answer the same."""
    daemon = FakeDaemon()
    written, recorded = run(replay("readaloud-session.txt", daemon))
    assert written == recorded
    texts = [request.text for request in daemon.requests]
    assert texts[0].startswith("Amber light spilled")
    # After PAUSE the server sent the message again, starting at the last mark reported (s1).
    assert texts[1].lstrip().startswith("A fisherman counted") and "Amber" not in texts[1]
    marks = [name for name, _ in daemon.requests[1].marks]
    assert marks[:2] == ["s1", "__spd_0"]
    assert daemon.stopped == [1, 3]  # the paused message, then the one spd-say -S stopped


def written_by(module_events):
    return [line for text in module_events for line in text.split("\n")]


async def started(daemon: FakeDaemon, text: str = "<speak>Hello there.</speak>"):
    out: list[str] = []
    module = SpeechdModule(daemon, out.append)
    await module.feed("INIT\n")
    for line in ("SPEAK", text, "."):
        await module.feed(line + "\n")
    await settle()
    return module, out


def test_pause_stops_the_job_and_reports_pause_with_the_last_mark_before_it():
    async def scenario():
        daemon = FakeDaemon()
        text = '<speak>One.<mark name="__spd_0"/> Two.<mark name="__spd_1"/></speak>'
        module, out = await started(daemon, text)
        module.on_sentence_started(1)
        module.on_mark(1, "__spd_0")
        await module.feed("PAUSE\n")
        await settle()
        assert daemon.stopped == [1]
        module.on_job_finished(1, "stopped")
        return written_by(out)

    lines = run(scenario())
    assert lines[-5:] == ["200 OK SPEAKING", "701 BEGIN", "700-__spd_0", "700 INDEX MARK", "704 PAUSE"]


def test_stop_before_the_daemon_answered_still_stops_the_job():
    async def scenario():
        daemon = FakeDaemon(say_gate=asyncio.Event())
        module, out = await started(daemon)
        await module.feed("STOP\n")
        await settle()
        assert daemon.stopped == []  # no job yet
        daemon.say_gate.set()
        await settle()
        assert daemon.stopped == [1]
        module.on_job_finished(1, "stopped")
        return written_by(out)

    assert run(scenario())[-3:] == ["200 OK SPEAKING", "701 BEGIN", "703 STOP"]


def test_events_never_come_between_a_command_and_its_reply():
    async def scenario():
        daemon = FakeDaemon()
        module, out = await started(daemon)
        await module.feed("SET\n")
        module.on_sentence_started(1)  # audio starts while the server sends settings
        module.on_job_finished(1, "done")
        await module.feed("rate=10\n")
        await module.feed(".\n")
        return written_by(out)

    lines = run(scenario())
    assert lines[-4:] == ["203 OK RECEIVING SETTINGS", "203 OK SETTINGS RECEIVED", "701 BEGIN", "702 END"]


def test_events_of_other_jobs_and_after_the_end_are_ignored():
    async def scenario():
        daemon = FakeDaemon()
        module, out = await started(daemon)
        module.on_sentence_started(99)  # readaloud's own reading
        module.on_mark(99, "x")
        module.on_sentence_started(1)
        module.on_job_finished(1, "done")
        module.on_mark(1, "late")
        module.on_job_finished(1, "stopped")
        return written_by(out)

    assert run(scenario())[-3:] == ["200 OK SPEAKING", "701 BEGIN", "702 END"]


def test_replaced_by_the_user_is_a_stop_and_a_lost_daemon_ends_the_message():
    async def scenario():
        daemon = FakeDaemon()
        module, out = await started(daemon)
        module.on_job_finished(1, "replaced")
        for line in ("SPEAK", "<speak>Again.</speak>", "."):
            await module.feed(line + "\n")
        await settle()
        module.on_sentence_started(2)
        module.on_daemon_lost()
        return written_by(out)

    lines = run(scenario())
    assert lines[-7:] == ["200 OK SPEAKING", "701 BEGIN", "703 STOP", "202 OK RECEIVING MESSAGE",
                          "200 OK SPEAKING", "701 BEGIN", "703 STOP"]


def test_failures_and_empty_messages_still_end_properly():
    async def scenario(daemon, text):
        _, out = await started(daemon, text)
        return written_by(out)

    assert run(scenario(FakeDaemon(say_error=RuntimeError("boom")), "<speak>Hi.</speak>"))[-3:] == [
        "200 OK SPEAKING", "701 BEGIN", "703 STOP"]
    ended = ["200 OK SPEAKING", "701 BEGIN", "702 END"]
    assert run(scenario(FakeDaemon(), "<speak>...</speak>"))[-3:] == ended
    assert run(scenario(FakeDaemon(), "<speak> </speak>"))[-3:] == ended


def test_init_without_a_bus_fails_with_the_reason():
    async def scenario():
        out: list[str] = []
        module = SpeechdModule(FakeDaemon(fail_connect=True), out.append)
        await module.feed("INIT\n")
        return module, out

    module, out = run(scenario())
    assert module.quit
    assert out[-1].endswith("399 ERR CANT INIT MODULE")
    assert "session bus" in out[-1]


def test_voice_from_settings_language_and_voice_type():
    async def scenario(settings_lines, current="af_heart"):
        daemon = FakeDaemon(voice=current)
        out: list[str] = []
        module = SpeechdModule(daemon, out.append)
        await module.feed("INIT\n")
        for line in ("SET", *settings_lines, ".", "SPEAK", "<speak>Bonjour.</speak>", "."):
            await module.feed(line + "\n")
        await settle()
        return daemon.requests[-1].voice

    assert run(scenario(["synthesis_voice=bm_george", "language=en"])) == "bm_george"
    assert run(scenario(["language=en-GB", "synthesis_voice=NULL"])) == "bf_alice"
    assert run(scenario(["language=fr", "synthesis_voice=NULL"])) == "ff_siwis"
    assert run(scenario(["language=en-US", "voice=male1"], current="bf_emma")) == "am_adam"
    assert run(scenario(["language=en", "voice=male1"], current="bf_emma")) is None  # keeps the user's voice
    assert run(scenario(["language=tlh"])) is None  # no Klingon voice: the current one reads it


def test_loglevel_debug_and_quit(tmp_path):
    async def scenario():
        daemon = FakeDaemon()
        module, out = await started(daemon)
        for line in ("LOGLEVEL", "log_level=5", "."):
            await module.feed(line + "\n")
        assert logging.getLogger("readaloud").level == logging.DEBUG
        for line in ("LOGLEVEL", "log_level=2", "."):
            await module.feed(line + "\n")
        assert logging.getLogger("readaloud").level == logging.WARNING
        await module.feed(f"DEBUG ON {tmp_path / 'debug.log'}\n")
        await module.feed(f"DEBUG ON {tmp_path / 'missing' / 'debug.log'}\n")
        await module.feed("DEBUG OFF\n")
        await module.feed("QUIT\n")
        assert module.quit
        assert daemon.stopped == [1]  # the message still playing is stopped with speechd
        return written_by(out)

    try:
        lines = run(scenario())
    finally:
        logging.getLogger("readaloud").setLevel(logging.NOTSET)
    assert lines[-8:] == [
        "207 OK RECEIVING LOGLEVEL SETTINGS", "203 OK LOGLEVEL SET",
        "207 OK RECEIVING LOGLEVEL SETTINGS", "203 OK LOGLEVEL SET",
        "200 OK DEBUGGING ON", "303 CANT OPEN CUSTOM DEBUG FILE", "200 OK DEBUGGING OFF", "210 OK QUIT",
    ]


@pytest.mark.parametrize("value", ["fast", "1.5"])
def test_bad_numbers_in_settings_are_refused(value):
    async def scenario():
        out: list[str] = []
        module = SpeechdModule(FakeDaemon(), out.append)
        for line in ("SET", f"rate={value}", "."):
            await module.feed(line + "\n")
        return out

    assert run(scenario())[-1] == protocol.BAD_PARAMETER


def test_messages_become_say_options_that_cut_in():
    from dbus_fast import Variant

    from readaloud.speechd.link import say_options
    from readaloud.speechd.port import SayRequest

    options = say_options(SayRequest("Hi there.", (("m1", 3),), "bf_emma", 1.5, 0.25))
    assert options == {
        "interrupt": Variant("b", True), "speed": Variant("d", 1.5), "volume": Variant("d", 0.25),
        "voice": Variant("s", "bf_emma"), "marks": Variant("a(su)", [["m1", 3]]),
    }
    assert set(say_options(SayRequest("Hi."))) == {"interrupt", "speed", "volume"}
