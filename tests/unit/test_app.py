"""The daemon's policy (``readaloud.app.App``) on the real Reader driven by fakes: no model, bus or sound."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from readaloud.app import App
from readaloud.config import Config, parse_config_text
from readaloud.core import State
from readaloud.desktop.choices import Choices
from readaloud.errors import (
    ConfigError,
    NothingSelectedError,
    NotReadyError,
    ReadaloudError,
    TextTooLongError,
    UsageError,
)
from readaloud.playback.player import Reader
from tests.fakes import SAMPLE_RATE, EventLog, FakeSink, FakeSynthesizer, ManualPost

FIRST = "One two three. Four five six."
SELECTED = "The selected words."


@dataclass
class Selection:
    """The selection reader: returns ``text`` and remembers how it was asked."""

    text: str = SELECTED
    error: ReadaloudError | None = None
    asked: list[tuple[str, bool]] = field(default_factory=list)

    def __call__(self, source: str, *, copy_first: bool) -> str:
        self.asked.append((source, copy_first))
        if self.error is not None:
            raise self.error
        return self.text


class ConfigFile:
    """The config loader: hands out whatever the test wrote last (a ConfigError for a broken file)."""

    def __init__(self, text: str = "") -> None:
        self.text = text

    def __call__(self) -> Config:
        return parse_config_text(self.text, source="config.toml")


async def run_here(fn: Callable[[], str], name: str) -> str:
    return fn()  # the fakes do not block: no thread needed


class Rig:
    """An App over a Reader wired to the fakes, with the notifier's messages collected."""

    def __init__(self, config_text: str = "", **app_args: object) -> None:
        self.config_file = ConfigFile(config_text)
        self.selection = Selection()
        self.app = App(self.config_file(), load_config=self.config_file, read_selection=self.selection,
                       run_blocking=run_here, **app_args)  # type: ignore[arg-type]
        self.notified: list[BaseException] = []
        self.app.set_notifier(self.notified.append)
        self.sink = FakeSink()
        self.post = ManualPost()
        self.log = EventLog()
        self.text_options: list[Config] = []
        self.reader = Reader(FakeSynthesizer(), self.sink, voice="af_heart", speed=1.0,
                             sentence_pause=0.0, post=self.post)
        self.reader.add_listener(self.log)

    def attach(self) -> None:
        self.app.attach(self.reader, apply_text_options=self.text_options.append)

    def read_selection(self, source: str = "") -> int | None:
        return asyncio.run(self.app.read_selection(source))

    def play_to_end(self) -> None:
        for _ in range(round(30 * SAMPLE_RATE / self.sink.block)):
            if self.reader.state is State.IDLE:
                return
            assert self.reader.wait_until_synthesis_idle(timeout=10)
            self.sink.pull()
            self.post.run()
        raise AssertionError("reading did not finish")


@pytest.fixture
def rig() -> Iterator[Callable[..., Rig]]:
    made: list[Rig] = []

    def make(config_text: str = "", **app_args: object) -> Rig:
        made.append(Rig(config_text, **app_args))
        return made[-1]

    yield make
    for r in made:
        r.reader.close()


# -- the loading gate ---------------------------------------------------------------------------------


def test_while_loading_reading_the_selection_fails_and_the_user_is_told(rig) -> None:
    r = rig()
    assert not r.app.ready
    with pytest.raises(NotReadyError, match="still loading"):
        r.read_selection()
    assert r.selection.asked == []  # the selection is not even read
    assert len(r.notified) == 1 and isinstance(r.notified[0], NotReadyError)
    with pytest.raises(NotReadyError):
        _ = r.app.reader


def test_once_attached_the_selection_is_read_aloud(rig) -> None:
    r = rig()
    r.attach()
    assert r.app.ready and r.app.reader is r.reader
    job = r.read_selection()
    assert job == r.reader.current_job and r.reader.state is State.SPEAKING
    r.play_to_end()
    assert r.log.of("job") == [("job", job, "done")]
    assert r.notified == []


# -- reading the selection while speaking -------------------------------------------------------------


def test_read_while_speaking_stop_only_stops(rig) -> None:
    r = rig()  # on_read_while_speaking = "stop" is the default
    r.attach()
    first = r.reader.say(FIRST)
    assert r.read_selection() is None
    assert r.reader.state is State.IDLE
    assert r.selection.asked == []
    assert r.log.of("job") == [("job", first, "stopped")]


def test_read_while_speaking_restart_replaces_what_is_read(rig) -> None:
    r = rig('[hotkeys]\non_read_while_speaking = "restart"\n')
    r.attach()
    first = r.reader.say(FIRST)
    second = r.read_selection()
    assert r.log.of("job") == [("job", first, "replaced")]
    r.play_to_end()
    assert r.log.of("job") == [("job", first, "replaced"), ("job", second, "done")]


def test_read_while_speaking_queue_reads_it_afterwards(rig) -> None:
    r = rig('[hotkeys]\non_read_while_speaking = "queue"\n')
    r.attach()
    first = r.reader.say(FIRST)
    second = r.read_selection()
    assert r.reader.current_job == first
    r.play_to_end()
    assert r.log.of("job") == [("job", first, "done"), ("job", second, "done")]


def test_a_paused_reader_counts_as_busy(rig) -> None:
    r = rig()
    r.attach()
    first = r.reader.say(FIRST)
    r.reader.pause()
    assert r.read_selection() is None
    assert r.log.of("job") == [("job", first, "stopped")]


def test_the_configured_source_is_used_unless_one_is_asked_for(rig) -> None:
    r = rig('[selection]\nsource = "primary"\ncopy_first = true\n')
    r.attach()
    r.read_selection()
    r.reader.stop()
    r.read_selection("clipboard")
    assert r.selection.asked == [("primary", True), ("clipboard", True)]


def test_an_over_long_selection_is_refused_and_the_user_is_told(rig) -> None:
    r = rig("[text]\nmax_chars = 10\n")
    r.attach()
    with pytest.raises(TextTooLongError, match="limit is 10"):
        r.read_selection()
    assert r.reader.state is State.IDLE and r.reader.current_job is None
    assert [type(error) for error in r.notified] == [TextTooLongError]


def test_nothing_selected_reaches_the_notifier(rig) -> None:
    r = rig()
    r.attach()
    r.selection.error = NothingSelectedError("nothing selected: highlight some text first")
    with pytest.raises(NothingSelectedError):
        r.read_selection()
    assert r.notified == [r.selection.error]


def test_fire_and_forget_reading_logs_instead_of_raising(rig, caplog: pytest.LogCaptureFixture) -> None:
    r = rig()

    async def hotkey() -> None:
        r.app.start_read_selection()
        await asyncio.sleep(0.01)

    with caplog.at_level(logging.WARNING, logger="readaloud.app"):
        asyncio.run(hotkey())
    assert "still loading" in caplog.text
    assert len(r.notified) == 1


# -- the text of each job ------------------------------------------------------------------------------


def test_a_jobs_text_is_kept_while_it_is_read_and_forgotten_when_it_ends(rig) -> None:
    r = rig()
    r.attach()
    job = r.app.say(FIRST)
    assert r.app.job_text(job) == FIRST
    r.play_to_end()
    assert r.log.of("job") == [("job", job, "done")]
    assert r.app.job_text(job) is None


def test_queued_jobs_keep_their_texts_and_replaced_ones_lose_theirs(rig) -> None:
    r = rig()
    r.attach()
    first = r.app.say(FIRST)
    second = r.app.say(SELECTED, queue=True)
    assert (r.app.job_text(first), r.app.job_text(second)) == (FIRST, SELECTED)
    third = r.app.say(SELECTED)  # replaces both
    assert r.app.job_text(first) is None and r.app.job_text(second) is None
    assert r.app.job_text(third) == SELECTED
    r.reader.stop()
    assert r.app.job_text(third) is None


def test_the_selection_read_aloud_keeps_its_text_too(rig) -> None:
    r = rig()
    r.attach()
    job = r.read_selection()
    assert job is not None and r.app.job_text(job) == SELECTED


def test_a_refused_request_keeps_no_text(rig) -> None:
    r = rig()
    with pytest.raises(NotReadyError):
        r.app.say(FIRST)
    r.attach()
    with pytest.raises(UsageError):
        r.app.say("   ")
    assert r.app.job_text(0) is None and r.app.job_text(1) is None


# -- reload -------------------------------------------------------------------------------------------


def test_reload_applies_live_keys_to_the_reader_at_once(rig) -> None:
    r = rig()
    r.attach()
    seen: list[int] = []
    r.app.on_config_changed(lambda config: seen.append(config.text.max_chars))
    r.config_file.text = '[speech]\nvoice = "bf_emma"\nspeed = 1.5\n[text]\nmax_chars = 99\n'
    reloaded = r.app.reload()
    assert reloaded.changed == ("speech.voice", "speech.speed", "text.max_chars")
    assert reloaded.restart == ()
    assert (r.reader.voice, r.reader.speed) == ("bf_emma", 1.5)
    assert r.log.of("voice") == [("voice", "bf_emma")] and r.log.of("speed") == [("speed", 1.5)]
    assert seen == [99]
    assert r.app.config.text.max_chars == 99


def test_reload_hands_new_text_options_to_speech_only_when_they_changed(rig) -> None:
    r = rig()
    r.attach()
    r.config_file.text = "[speech]\nspeed = 1.25\n"
    r.app.reload()
    assert r.text_options == []
    r.config_file.text = '[text]\nurls = "full"\n[pronunciations]\nkokoro = "koh-KOH-roh"\n'
    r.app.reload()
    assert [config.text.urls for config in r.text_options] == ["full"]
    assert dict(r.text_options[0].pronunciations) == {"kokoro": "koh-KOH-roh"}


def test_reload_names_what_needs_a_restart_and_leaves_it(rig, caplog: pytest.LogCaptureFixture) -> None:
    r = rig()
    r.attach()
    r.config_file.text = '[speech]\nengine = "torch"\nspeed = 0.75\n[hotkeys]\nstop = "<ctrl>+<alt>+s"\n'
    with caplog.at_level(logging.WARNING, logger="readaloud.app"):
        reloaded = r.app.reload()
    assert reloaded.restart == ("speech.engine", "hotkeys.stop")
    assert "restart the daemon to apply: speech.engine, hotkeys.stop" in caplog.text
    assert r.reader.speed == 0.75  # the live key in the same file still applies


def test_a_broken_config_file_changes_nothing(rig) -> None:
    r = rig('[speech]\nvoice = "bf_emma"\n')
    r.attach()
    before = r.app.config
    r.config_file.text = "[speech]\nspeed = 9\n"
    with pytest.raises(ConfigError, match=r"speech\.speed"):
        r.app.reload()
    assert r.app.config is before and r.reader.speed == 1.0


def test_reload_while_loading_keeps_the_new_config_for_later(rig) -> None:
    r = rig()
    r.config_file.text = "[text]\nmax_chars = 5\n"
    assert r.app.reload().changed == ("text.max_chars",)
    r.attach()
    with pytest.raises(TextTooLongError, match="limit is 5"):
        r.read_selection()


# -- the voice and speed to start with -------------------------------------------------------------------


def test_a_remembered_tray_choice_wins_over_the_config_it_was_made_over(rig) -> None:
    remembered = Choices(voice="bf_emma", voice_over="af_heart", speed=1.5, speed_over=1.0)
    assert rig(load_choices=lambda: remembered).app.starting_voice_and_speed() == ("bf_emma", 1.5)
    # The user edited the config since: the config wins.
    edited = rig('[speech]\nvoice = "am_adam"\nspeed = 0.75\n', load_choices=lambda: remembered)
    assert edited.app.starting_voice_and_speed() == ("am_adam", 0.75)


def test_a_broken_choices_file_falls_back_to_the_config(rig, caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> Choices:
        raise OSError("permission denied")

    with caplog.at_level(logging.WARNING, logger="readaloud.app"):
        assert rig(load_choices=broken).app.starting_voice_and_speed() == ("af_heart", 1.0)
    assert "ignoring remembered voice and speed" in caplog.text


def test_every_live_key_is_one_the_app_or_an_edge_applies() -> None:
    """A key marked live must have someone who applies it; a new one must be added here knowingly."""
    from readaloud.config import SECTIONS, is_live

    live = {
        f"{section}.{f.name}" for section, cls in SECTIONS.items() for f in dataclasses.fields(cls)
        if is_live(f"{section}.{f.name}")
    }
    assert live == {
        "speech.voice", "speech.speed", "playback.sentence_pause",  # reader, on reload
        "text.urls", "text.code_blocks", "text.emoji", "text.lexicon_file",  # speech, on reload
        "text.max_chars",  # the app and the D-Bus service read it per request
        "hotkeys.on_read_while_speaking", "selection.source", "selection.copy_first",  # per request
        "daemon.autospawn",  # read by each CLI command
        "overlay.enabled",  # the reading bar's frontend, on reload
    }
