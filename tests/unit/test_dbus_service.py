"""The D-Bus service and MPRIS layers translate calls into Reader commands, with a fake Reader."""

from __future__ import annotations

import enum
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from dbus_fast import DBusError, Variant

from readaloud.core import AudioStatus, FinishReason, Underruns
from readaloud.dbus.marks import MarkTracker
from readaloud.dbus.mpris import MprisPlayer, playback_status, track_metadata
from readaloud.dbus.names import ERROR_PREFIX
from readaloud.dbus.service import ReadAloudService, guarded, parse_say_options
from readaloud.errors import NotReadyError, TextTooLongError, UnknownVoiceError, UsageError
from readaloud.speech.types import Sentence


class FakeVoiceCheckingReader:
    """Stands in for the Reader where only voice checks matter; checks names as the real one does."""

    voice = "af_heart"
    speed = 1.0
    current_job = None
    current_sentence = None
    underruns = Underruns()
    audio = AudioStatus.OK

    @property
    def state(self) -> Any:
        return FakeState.IDLE

    def add_listener(self, listener: Any) -> None:
        pass

    def set_voice(self, name: str) -> None:
        from readaloud.speech.voices import voice_info

        voice_info(name)

    def say(self, text: str, *, voice: str | None = None, **options: Any) -> int:
        self.set_voice(voice or self.voice)
        return 1


class FakeState(str, enum.Enum):
    IDLE = "idle"
    SPEAKING = "speaking"
    PAUSED = "paused"


@dataclass
class FakeReader:
    """Records commands; validates like the real Reader (empty text, voices, speed range)."""

    state: FakeState = FakeState.IDLE
    voice: str = "af_heart"
    speed: float = 1.0
    current_job: int | None = None
    current_sentence: Sentence | None = None
    underruns: Underruns = field(default_factory=Underruns)
    audio: AudioStatus = AudioStatus.OK
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    listeners: list[Any] = field(default_factory=list)

    def add_listener(self, listener: Any) -> None:
        self.listeners.append(listener)

    def say(self, text: str, *, voice: str | None = None, speed: float | None = None,
            queue: bool = False, interrupt: bool = False, gain: float = 1.0,
            breaks: Sequence[int] = ()) -> int:
        if not text.strip():
            raise UsageError("nothing to say: the text is empty")
        if voice is not None and voice != "af_heart" and voice != "bf_emma":
            raise UnknownVoiceError(f"unknown voice {voice!r}")
        self.calls.append(("say", text, voice, speed, queue))
        if interrupt or gain != 1.0 or breaks:
            self.calls.append(("say-extra", interrupt, gain, list(breaks)))
        self.state = FakeState.SPEAKING
        return 7

    def stop_job(self, job_id: int) -> None:
        self.calls.append(("stop_job", job_id))

    def _record(name: str) -> Any:  # type: ignore[misc]
        def command(self: FakeReader) -> None:
            self.calls.append((name,))
        return command

    pause = _record("pause")
    resume = _record("resume")
    toggle = _record("toggle")
    stop = _record("stop")
    skip = _record("skip")
    back = _record("back")

    def set_voice(self, name: str) -> None:
        if name not in ("af_heart", "bf_emma"):
            raise UnknownVoiceError(f"unknown voice {name!r}")
        self.calls.append(("set_voice", name))

    def set_speed(self, speed: float) -> None:
        if not 0.5 <= speed <= 2.0:
            raise UsageError(f"speed {speed:g} is out of range")
        self.calls.append(("set_speed", speed))


def make_service(**kwargs: Any) -> ReadAloudService:
    return ReadAloudService(voice="af_heart", speed=1.0, voices=["af_heart", "bf_emma"], **kwargs)


def test_loading_state_until_a_reader_is_attached() -> None:
    service = make_service()
    assert service.state == "loading"
    with pytest.raises(NotReadyError):
        service.say("hello", {})
    service.transport("pause")  # nothing plays while loading: a no-op, not an error
    reader = FakeReader()
    service.attach(reader)
    assert service.state == "idle"
    assert service in reader.listeners


def test_say_passes_text_and_options_to_the_reader() -> None:
    service, reader = make_service(), FakeReader()
    service.attach(reader)
    job = service.say("Hello there.", {"voice": Variant("s", "bf_emma"), "speed": Variant("d", 1.5),
                                       "queue": Variant("b", True)})
    assert job == 7
    assert reader.calls == [("say", "Hello there.", "bf_emma", 1.5, True)]


def test_say_starts_its_job_through_the_say_handler_the_daemon_gives() -> None:
    started: list[tuple[str, dict[str, Any]]] = []

    def say(text: str, **options: Any) -> int:
        started.append((text, options))
        return 12

    service, reader = make_service(say=say), FakeReader()
    with pytest.raises(NotReadyError):
        service.say("Hello there.", {})  # still loading: the handler is not even asked
    service.attach(reader)
    assert service.say("Hello there.", {"queue": Variant("b", True)}) == 12
    assert started == [("Hello there.", {"queue": True, "breaks": []})] and reader.calls == []


@pytest.mark.parametrize(
    "options",
    [
        {"pitch": Variant("d", 1.0)},
        {"volume": Variant("d", 1.5)},
        {"volume": Variant("d", float("nan"))},
        {"marks": Variant("as", ["m1"])},
        {"interrupt": Variant("s", "yes")},
        {"speed": Variant("s", "fast")},
        {"queue": Variant("s", "yes")},
        {"speed": Variant("d", float("nan"))},
        {"speed": Variant("d", float("inf"))},
    ],
)
def test_bad_say_options_are_usage_errors(options: dict[str, Variant]) -> None:
    with pytest.raises(UsageError):
        parse_say_options(options)


def test_text_over_the_limit_is_refused_before_the_reader_sees_it() -> None:
    service, reader = make_service(max_chars=10), FakeReader()
    service.attach(reader)
    with pytest.raises(TextTooLongError, match="limit is 10"):
        service.say("x" * 11, {})
    assert reader.calls == []
    assert service.say("x" * 10, {}) == 7


def test_transport_commands_reach_the_reader() -> None:
    service, reader = make_service(), FakeReader()
    service.attach(reader)
    for command in ("pause", "resume", "toggle", "stop", "skip", "back"):
        service.transport(command)
    assert [call[0] for call in reader.calls] == ["pause", "resume", "toggle", "stop", "skip", "back"]


def test_speed_nan_is_refused_before_the_reader() -> None:
    service, reader = make_service(), FakeReader()
    service.attach(reader)
    with pytest.raises(UsageError):
        service.set_speed(float("nan"))
    with pytest.raises(UsageError):
        service.set_speed(100.0)
    assert reader.calls == []


def test_errors_become_dbus_errors_named_after_the_error_class() -> None:
    service, reader = make_service(), FakeReader()
    service.attach(reader)
    with pytest.raises(DBusError) as caught:
        guarded("SetVoice", lambda: service.set_voice("xx_nobody"))
    assert caught.value.type == ERROR_PREFIX + "UnknownVoice"
    assert "xx_nobody" in caught.value.text
    with pytest.raises(DBusError) as caught:
        guarded("Say", lambda: service.say("  ", {}))
    assert caught.value.type == ERROR_PREFIX + "InvalidArgs"


def test_unexpected_errors_hide_their_message(caplog: pytest.LogCaptureFixture) -> None:
    def boom() -> None:
        raise ValueError("the user's secret sentence")

    with caplog.at_level(logging.INFO), pytest.raises(DBusError) as caught:
        guarded("Say", boom)
    assert caught.value.type == ERROR_PREFIX + "Failed"
    assert "secret" not in caught.value.text
    assert "secret" not in "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)


def test_reload_without_a_handler_is_a_clear_error() -> None:
    with pytest.raises(Exception, match="cannot reload"):
        make_service().reload()


def test_current_job_and_sentence_properties() -> None:
    service, reader = make_service(), FakeReader()
    service.attach(reader)
    assert (service.current_job, service.current_sentence) == (0, -1)
    reader.current_job, reader.current_sentence = 3, Sentence(2, "Third one.", 20, 30)
    assert (service.current_job, service.current_sentence) == (3, 2)


# -- MPRIS ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "status"),
    [("speaking", "Playing"), ("paused", "Paused"), ("idle", "Stopped"), ("loading", "Stopped")],
)
def test_playback_status(state: str, status: str) -> None:
    assert playback_status(state) == status


def test_metadata_carries_the_sentence_as_title() -> None:
    meta = track_metadata(4, Sentence(1, "The second sentence.", 10, 30), "af_heart")
    assert meta["xesam:title"].value == "The second sentence."
    assert meta["mpris:trackid"].signature == "o"
    assert track_metadata(None, None, "af_heart")["mpris:trackid"].value.endswith("NoTrack")
    long = track_metadata(1, Sentence(0, "word " * 200, 0, 1000), "af_heart")
    assert len(long["xesam:title"].value) <= 300


def test_mpris_playpause_toggles_only_while_reading() -> None:
    player, reader = MprisPlayer(voice="af_heart", speed=1.0), FakeReader()
    player.attach(reader)
    player.play_pause()  # idle: nothing to toggle
    assert reader.calls == []
    reader.state = FakeState.SPEAKING
    player.play_pause()
    player.next()
    player.previous()
    assert [call[0] for call in reader.calls] == ["toggle", "skip", "back"]


def test_mpris_play_resumes_and_pause_pauses() -> None:
    player, reader = MprisPlayer(voice="af_heart", speed=1.0), FakeReader()
    player.attach(reader)
    reader.state = FakeState.PAUSED
    player.pause()  # already paused
    player.play()
    reader.state = FakeState.SPEAKING
    player.play()  # already playing
    player.pause()
    assert [call[0] for call in reader.calls] == ["resume", "pause"]


def test_mpris_rate_is_speed_clamped_and_zero_pauses() -> None:
    player, reader = MprisPlayer(voice="af_heart", speed=1.0), FakeReader()
    player.attach(reader)
    player.set_rate(1.25)
    player.set_rate(5.0)
    player.set_rate(0.1)
    player.set_rate(-5.0)
    reader.state = FakeState.SPEAKING
    player.set_rate(0.0)
    assert reader.calls == [("set_speed", 1.25), ("set_speed", 2.0), ("set_speed", 0.5), ("set_speed", 0.5),
                            ("pause",)]


@pytest.mark.parametrize("rate", [float("nan"), float("inf"), float("-inf")])
def test_mpris_rate_refuses_what_is_not_a_number_like_set_speed(rate: float) -> None:
    player, reader = MprisPlayer(voice="af_heart", speed=1.0), FakeReader()
    service = ReadAloudService(voice="af_heart", speed=1.0, voices=["af_heart"])
    player.attach(reader)
    service.attach(reader)
    for door in (lambda: guarded("MPRIS Rate", lambda: player.set_rate(rate)),
                 lambda: guarded("SetSpeed", lambda: service.set_speed(rate))):
        with pytest.raises(DBusError) as caught:
            door()
        assert caught.value.type == ERROR_PREFIX + "InvalidArgs"
    assert reader.calls == []


def test_error_replies_cut_what_the_client_sent_and_refusals_are_logged_at_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = ReadAloudService(voice="af_heart", speed=1.0, voices=["af_heart"])
    service.attach(FakeVoiceCheckingReader())
    huge = "x" * 10_000
    caplog.set_level(logging.INFO, logger="readaloud.dbus.service")
    for member, call in (
        ("SetVoice", lambda: service.set_voice(huge)),
        ("Say", lambda: service.say("hi", {huge: Variant("b", True)})),
        ("Say", lambda: service.say("hi", {"voice": Variant("s", huge)})),
    ):
        with pytest.raises(DBusError) as caught:
            guarded(member, call)
        message = str(caught.value.text)
        assert len(message) < 200 and "x" * 40 not in message and "…" in message, message
    refusals = [record for record in caplog.records if "refused" in record.getMessage()]
    assert len(refusals) == 3 and all(record.levelno == logging.INFO for record in refusals)
    assert all("xxxx" not in record.getMessage() for record in caplog.records)


def test_mpris_is_inert_while_loading() -> None:
    player = MprisPlayer(voice="af_heart", speed=1.0)
    player.play_pause()
    player.stop()
    assert player.state == "loading"
    assert player.rate == 1.0


# -- CLI-side helpers ---------------------------------------------------------------------------------


def test_status_fields_and_text() -> None:
    from readaloud.commands.control import format_status, status_fields

    fields = status_fields({"State": "speaking", "Voice": "af_heart", "Speed": 1.25,
                            "CurrentJob": 3, "CurrentSentence": 1, "Underruns": 2}, pid=4242)
    # One rule for text and JSON: sentences count from 1 (D-Bus index 1 is the second sentence).
    assert fields == {"state": "speaking", "voice": "af_heart", "speed": 1.25, "job": 3, "sentence": 2,
                      "underruns": 2, "pid": 4242,
                      "audio": "ok"}
    assert "sentence 2" in format_status(fields)
    assert "pid:   4242" in format_status(fields)
    assert "under-runs: 2" in format_status(fields)
    idle = status_fields({"State": "idle", "Voice": "af_heart", "Speed": 1.0,
                          "CurrentJob": 0, "CurrentSentence": -1})
    assert idle["job"] is None and idle["sentence"] is None
    assert "job" not in format_status(idle)
    assert "under-runs" not in format_status(idle)


@pytest.mark.parametrize(("audio", "line"), [
    ("ok", "audio: ok"),
    ("lost", "audio: lost (the sound server went away"),
    ("none", "audio: none (no sound server"),
])
def test_status_tells_whether_sound_reaches_the_user(audio: str, line: str) -> None:
    from readaloud.commands.control import format_status, status_fields

    fields = status_fields({"State": "speaking", "Voice": "af_heart", "Speed": 1.0, "Audio": audio})
    assert fields["audio"] == audio
    assert line in format_status(fields)


def test_audio_property_follows_the_reader_and_is_announced() -> None:
    service = make_service()
    reader = FakeReader(audio=AudioStatus.NONE)
    service.attach(reader)  # type: ignore[arg-type]
    assert service.audio == "none"
    announced: list[dict[str, Any]] = []
    service.emit_properties_changed = announced.append  # type: ignore[method-assign]
    reader.audio = AudioStatus.LOST
    service.on_audio_changed(AudioStatus.LOST)
    assert service.audio == "lost"
    assert announced == [{"Audio": "lost"}]


def test_clean_text_replaces_invalid_utf8_and_nul() -> None:
    from readaloud.commands.say_daemon import clean_text

    stderr = io.StringIO()
    text = clean_text("caf\udce9 ok\0 \ud800", stderr)
    text.encode("utf-8")  # must be sendable over D-Bus
    assert text == "caf\ufffd ok  \ufffd"
    assert "replaced 2" in stderr.getvalue()
    quiet = io.StringIO()
    assert clean_text("plain", quiet) == "plain" and quiet.getvalue() == ""


def test_error_replies_map_back_to_error_classes() -> None:
    from dbus_fast import Message, MessageType

    from readaloud.client import error_from_reply

    def reply(name: str, text: str) -> Message:
        return Message(message_type=MessageType.ERROR, error_name=name, reply_serial=1,
                       signature="s", body=[text])

    voice = error_from_reply(reply(ERROR_PREFIX + "UnknownVoice", "unknown voice 'x'"))
    assert isinstance(voice, UnknownVoiceError) and str(voice) == "unknown voice 'x'"
    usage = error_from_reply(reply(ERROR_PREFIX + "InvalidArgs", "speed 100 is out of range"))
    assert isinstance(usage, UsageError) and usage.exit_status == 2
    assert isinstance(error_from_reply(reply(ERROR_PREFIX + "TextTooLong", "too long")), TextTooLongError)
    other = error_from_reply(reply(ERROR_PREFIX + "NothingSelected", "nothing selected"))
    assert str(other) == "nothing selected" and other.exit_status == 1


@pytest.mark.parametrize("command", [["status"], ["pause"], ["voice"], ["say", "hello"], ["read-selection"]])
def test_control_commands_import_no_heavy_modules(command: list[str], tmp_path: Any) -> None:
    """`readaloud pause` must start fast: no numpy, torch, onnxruntime or sounddevice in the client."""
    import os
    import subprocess
    import sys

    probe = (
        f"import sys\nfrom readaloud.cli import main\nstatus = main({command!r})\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'torch', 'onnxruntime', 'sounddevice', 'phonemizer', 'spacy'))\n"
        "print('HEAVY', heavy, 'STATUS', status)\n"
    )
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=f"unix:path={tmp_path}/no-bus")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                            timeout=60)
    assert "HEAVY [] STATUS 1" in result.stdout, result.stdout + result.stderr
    assert "session bus" in result.stderr


def test_current_word_follows_word_events_and_clears_when_the_sentence_ends() -> None:
    service = make_service()
    service.attach(FakeReader())
    changed: list[dict[str, Any]] = []
    service.emit_properties_changed = changed.append  # type: ignore[method-assign]
    service.on_word_started(3, 1, 10, 15)
    service.on_word_started(3, 1, 16, 20)
    service.on_sentence_finished(3, Sentence(1, "Two words.", 10, 20))
    service.on_job_finished(3, FinishReason.DONE)
    words = [change["CurrentWord"] for change in changed if "CurrentWord" in change]
    assert words == [[3, 1, 10, 15], [3, 1, 16, 20], [0, 0, -1, -1]]  # cleared once


def test_system_voice_options_reach_the_reader_and_marks_come_back_as_signals() -> None:
    service = make_service()
    reader = FakeReader()
    service.attach(reader)
    reached: list[tuple[int, str]] = []
    service.MarkReached = lambda job, name: reached.append((job, name))  # type: ignore[method-assign]
    text = "One two. Three four."
    options = {
        "interrupt": Variant("b", True), "volume": Variant("d", 0.5),
        "marks": Variant("a(su)", [["end", len(text)], ["middle", 9], ["start", 0]]),
    }
    job = service.say(text, options)
    assert reader.calls[-1] == ("say-extra", True, 0.5, [len(text), 9, 0])
    service.on_sentence_started(job, Sentence(0, "One two.", 0, 8))
    assert reached == [(7, "start")]
    service.on_sentence_started(job, Sentence(1, "Three four.", 9, 20))
    assert reached == [(7, "start"), (7, "middle")]
    service.on_job_finished(job, FinishReason.DONE)
    assert reached[-1] == (7, "end")
    with pytest.raises(UsageError, match="outside the text"):
        service.say("Hi.", {"marks": Variant("a(su)", [["x", 4]])})
    service.stop_job(12)
    assert reader.calls[-1] == ("stop_job", 12)


def test_marks_of_a_stopped_job_are_never_reported() -> None:
    reached: list[tuple[int, str]] = []
    tracker = MarkTracker(lambda job, name: reached.append((job, name)))
    tracker.watch(3, [("a", 0), ("b", 10), ("c", 20)])
    tracker.watch(4, [])
    tracker.on_sentence_started(3, Sentence(0, "x", 0, 9))
    tracker.on_sentence_started(9, Sentence(0, "x", 0, 99))  # another job
    tracker.on_job_finished(3, FinishReason.STOPPED)
    tracker.on_sentence_started(3, Sentence(2, "y", 20, 30))
    tracker.on_job_finished(4, FinishReason.DONE)
    assert reached == [(3, "a")]
