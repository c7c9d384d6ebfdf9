"""The daemon's side of the reading bar, against a fake bar process on real pipes: what the bar is
told, what its buttons do, and how a bar that dies, hangs or is not installed is handled."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO

import pytest

from readaloud.app import App
from readaloud.config import Config
from readaloud.core import State
from readaloud.desktop.overlay import protocol
from readaloud.desktop.overlay.frontend import GIVE_UP_AFTER, OverlayActions, OverlayFrontend
from readaloud.desktop.overlay.protocol import BarState, Command, SetState, ShowSentence, ShowWord
from readaloud.playback.player import Reader
from readaloud.speech.types import Sentence
from tests.fakes import SAMPLE_RATE, FakeSink, FakeSynthesizer, ManualPost

JOB_TEXT = "Dr. Smith arrived at 10:30.  He paid $5 for the 2nd ticket!"
# What the speech frontend makes of it: normalized text, offsets into the original.
SENTENCES = [
    Sentence(0, "Doctor Smith arrived at ten thirty.", 0, 27),
    Sentence(1, "He paid five dollars for the second ticket!", 29, len(JOB_TEXT)),
]


class FakeBar:
    """A bar process: real pipes, driven by the test (it reads what the daemon sent, clicks)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        to_bar_r, to_bar_w = os.pipe()
        from_bar_r, from_bar_w = os.pipe()
        self.stdin: IO[bytes] | None = os.fdopen(to_bar_w, "wb")
        self.stdout: IO[bytes] | None = os.fdopen(from_bar_r, "rb")
        self._inbox = os.fdopen(to_bar_r, "rb")
        self._outbox = os.fdopen(from_bar_w, "wb")
        self._exited = threading.Event()
        self.status: int | None = None
        self.signals: list[str] = []
        self.obeys_quit = True
        self._received: queue.Queue[protocol.Message | None] = queue.Queue()
        self._reader: threading.Thread | None = None

    def read_stdin(self) -> None:
        """Start reading what the daemon sends (a hung bar never does)."""

        def loop() -> None:
            for line in self._inbox:
                message = protocol.decode(line)
                self._received.put(message)
                if isinstance(message, protocol.Quit) and self.obeys_quit:
                    self.exit(0)
            self._received.put(None)  # EOF

        self._reader = threading.Thread(target=loop, daemon=True)
        self._reader.start()

    def next_message(self, timeout: float = 5.0) -> protocol.Message | None:
        return self._received.get(timeout=timeout)

    def nothing_received(self, within: float = 0.2) -> bool:
        try:
            self._received.get(timeout=within)
        except queue.Empty:
            return True
        return False

    def click(self, command: Command) -> None:
        self._outbox.write(protocol.encode(protocol.Clicked(command)))
        self._outbox.flush()

    def exit(self, status: int) -> None:
        if self._exited.is_set():
            return
        self.status = status
        self._exited.set()
        self._outbox.close()

    # -- the Popen subset -------------------------------------------------------------------------

    def wait(self, timeout: float | None = None) -> int:
        if not self._exited.wait(timeout):
            raise subprocess.TimeoutExpired("bar", timeout or 0)
        assert self.status is not None
        return self.status

    def poll(self) -> int | None:
        return self.status

    def terminate(self) -> None:
        self.signals.append("TERM")
        self.exit(-15)

    def kill(self) -> None:
        self.signals.append("KILL")
        self.exit(-9)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Harness:
    """A frontend with fake bars, a fake clock and a queue standing in for the daemon's loop."""

    def __init__(self, *, available: bool = True, hung: bool = False) -> None:
        self.clock = Clock()
        self.bars: list[FakeBar] = []
        self.calls: list[str] = []
        self.posted: queue.Queue[Callable[[], None]] = queue.Queue()
        self.texts = {7: JOB_TEXT}
        self.hung = hung
        actions = OverlayActions(
            toggle_pause=lambda: self.calls.append("toggle_pause"),
            skip=lambda: self.calls.append("skip"),
            stop=lambda: self.calls.append("stop"),
        )
        self.frontend = OverlayFrontend(
            actions, self.posted.put, self.texts.get, spawn=self.spawn,
            available=lambda: available, clock=self.clock,
        )

    def spawn(self) -> FakeBar:
        bar = FakeBar(pid=1000 + len(self.bars))
        if not self.hung:
            bar.read_stdin()
        self.bars.append(bar)
        return bar

    def run_loop(self, until: Callable[[], bool], timeout: float = 5.0) -> None:
        """Run what the bar's threads posted to the daemon loop until ``until()``."""
        deadline = time.monotonic() + timeout
        while not until():
            remaining = deadline - time.monotonic()
            assert remaining > 0, "timed out waiting for the daemon loop"
            with contextlib.suppress(queue.Empty):
                self.posted.get(timeout=remaining)()

    def start_reading(self) -> FakeBar:
        self.frontend.on_state_changed(State.SPEAKING)
        self.frontend.on_sentence_started(7, SENTENCES[0])
        return self.bars[-1]


@pytest.fixture
def harness() -> Harness:
    h = Harness()
    yield h
    h.frontend.stop()


def test_the_bar_starts_with_the_first_sentence_and_shows_the_original_text(harness: Harness) -> None:
    harness.frontend.on_state_changed(State.SPEAKING)
    assert harness.bars == []  # nothing read yet: no Qt, no process
    harness.frontend.on_sentence_started(7, SENTENCES[0])
    bar = harness.bars[0]
    assert bar.next_message() == SetState(BarState.SPEAKING)
    assert bar.next_message() == ShowSentence("Dr. Smith arrived at 10:30.", 7, 0)
    harness.frontend.on_sentence_started(7, SENTENCES[1])
    assert bar.next_message() == ShowSentence("He paid $5 for the 2nd ticket!", 7, 1)
    assert len(harness.bars) == 1


def test_words_arrive_relative_to_the_sentence_and_stale_ones_are_dropped(harness: Harness) -> None:
    bar = harness.start_reading()
    harness.frontend.on_sentence_started(7, SENTENCES[1])
    for _ in range(3):
        bar.next_message()
    paid = JOB_TEXT.index("paid")
    harness.frontend.on_word_started(7, 1, paid, paid + 4)
    message = bar.next_message()
    assert message == ShowWord(paid - SENTENCES[1].start, paid - SENTENCES[1].start + 4)
    assert "He paid $5 for the 2nd ticket!"[message.start:message.end] == "paid"
    harness.frontend.on_word_started(7, 0, 4, 9)  # the sentence before: late
    harness.frontend.on_word_started(8, 1, 4, 9)  # another job
    assert bar.nothing_received()


def test_a_sentence_that_is_the_whole_job_gets_its_words(harness: Harness) -> None:
    harness.texts[8] = "Hello."
    harness.frontend.on_state_changed(State.SPEAKING)
    harness.frontend.on_sentence_started(8, Sentence(0, "Hello.", 0, 6))
    harness.frontend.on_word_started(8, 0, 0, 5)
    bar = harness.bars[0]
    assert [bar.next_message() for _ in range(3)][1:] == [ShowSentence("Hello.", 8, 0), ShowWord(0, 5)]


def test_a_job_whose_text_is_unknown_shows_the_spoken_form_without_words(harness: Harness) -> None:
    harness.frontend.on_state_changed(State.SPEAKING)
    harness.frontend.on_sentence_started(9, SENTENCES[0])
    bar = harness.bars[0]
    bar.next_message()
    assert bar.next_message() == ShowSentence(SENTENCES[0].text, 9, 0)
    harness.frontend.on_word_started(9, 0, 4, 9)
    assert bar.nothing_received()


def test_states_reach_the_bar_and_idle_keeps_the_process(harness: Harness) -> None:
    bar = harness.start_reading()
    bar.next_message(), bar.next_message()
    harness.frontend.on_state_changed(State.PAUSED)
    harness.frontend.on_state_changed(State.IDLE)
    assert [bar.next_message(), bar.next_message()] == [SetState(BarState.PAUSED), SetState(BarState.IDLE)]
    assert bar.status is None


@pytest.mark.parametrize("command", list(Command))
def test_each_button_runs_its_action_on_the_daemon_loop(harness: Harness, command: Command) -> None:
    bar = harness.start_reading()
    bar.click(command)
    harness.run_loop(lambda: bool(harness.calls))
    assert harness.calls == [command.value]


def test_a_failing_action_does_not_break_the_bar(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    from readaloud.errors import ReadaloudError

    def refuse() -> None:
        raise ReadaloudError("nothing to skip")

    harness.frontend._actions = OverlayActions(toggle_pause=refuse, skip=refuse, stop=refuse)
    bar = harness.start_reading()
    with caplog.at_level(logging.INFO):
        bar.click(Command.SKIP)
        harness.run_loop(lambda: "nothing to skip" in caplog.text)
    harness.frontend.on_sentence_started(7, SENTENCES[1])
    assert ShowSentence("He paid $5 for the 2nd ticket!", 7, 1) in [bar.next_message() for _ in range(3)]


def test_a_bar_that_dies_comes_back_with_the_next_sentence_after_a_backoff(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bar = harness.start_reading()
    with caplog.at_level(logging.WARNING):
        bar.exit(1)
        harness.run_loop(lambda: harness.frontend.pid is None)
        harness.frontend.on_sentence_started(7, SENTENCES[1])
        assert len(harness.bars) == 1  # too soon
        harness.clock.now += 1.5
        harness.frontend.on_sentence_started(7, SENTENCES[1])
    assert len(harness.bars) == 2
    again = harness.bars[1]
    # The new bar picks up where reading is.
    assert again.next_message() == SetState(BarState.SPEAKING)
    assert again.next_message() == ShowSentence("He paid $5 for the 2nd ticket!", 7, 1)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "exited with status 1" in warnings[0].getMessage()


def test_a_bar_that_keeps_dying_is_given_up_with_one_more_line(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        for attempt in range(GIVE_UP_AFTER):
            harness.clock.now += 120
            bar = harness.start_reading()
            assert len(harness.bars) == attempt + 1
            bar.exit(134)
            harness.run_loop(lambda: harness.frontend.pid is None)
        harness.clock.now += 1000
        harness.start_reading()
    assert len(harness.bars) == GIVE_UP_AFTER
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2
    assert "stays off until the daemon restarts" in warnings[1]


def test_a_reload_that_leaves_the_setting_as_it_was_does_not_bring_back_a_bar_given_up(
    harness: Harness,
) -> None:
    for _ in range(GIVE_UP_AFTER):
        harness.clock.now += 120
        harness.start_reading().exit(134)
        harness.run_loop(lambda: harness.frontend.pid is None)
    harness.frontend.set_enabled(True)  # every reload hands the setting over again
    harness.clock.now += 1000
    harness.start_reading()
    assert len(harness.bars) == GIVE_UP_AFTER and not harness.frontend.enabled


def test_a_bar_that_ran_for_a_while_starts_the_backoff_afresh(harness: Harness) -> None:
    for _ in range(GIVE_UP_AFTER + 2):
        bar = harness.start_reading()
        harness.clock.now += 60  # each one worked for a minute
        bar.exit(1)
        harness.run_loop(lambda: harness.frontend.pid is None)
        harness.clock.now += 1.5
    assert len(harness.bars) == GIVE_UP_AFTER + 2
    assert harness.frontend.enabled


def test_without_pyside6_one_line_says_how_to_install_and_nothing_starts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        harness = Harness(available=False)
        harness.frontend.on_state_changed(State.SPEAKING)
        harness.frontend.on_sentence_started(7, SENTENCES[0])
        harness.frontend.on_word_started(7, 0, 0, 2)
    assert harness.bars == []
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "pip install 'readaloud[overlay]'" in lines[0]


def test_a_hung_bar_never_blocks_the_daemon_and_is_killed_at_shutdown() -> None:
    harness = Harness(hung=True)
    bar = harness.start_reading()
    long_sentence = Sentence(0, "x", 0, len(JOB_TEXT))
    started = time.monotonic()
    for _ in range(2000):  # far more than a pipe holds (64 KiB)
        harness.frontend.on_sentence_started(7, long_sentence)
    assert time.monotonic() - started < 2.0
    harness.frontend.stop()
    assert bar.signals == ["TERM"]


def test_shutdown_asks_the_bar_to_quit_and_its_exit_is_not_a_failure(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bar = harness.start_reading()
    with caplog.at_level(logging.WARNING):
        harness.frontend.stop()
        assert isinstance([bar.next_message() for _ in range(3)][-1], protocol.Quit)
        assert bar.status == 0 and bar.signals == []
        while not harness.posted.empty():
            harness.posted.get()()
        harness.frontend.on_sentence_started(7, SENTENCES[1])
    assert len(harness.bars) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_turned_off_on_reload_the_bar_closes_and_turned_on_it_returns(harness: Harness) -> None:
    bar = harness.start_reading()
    harness.frontend.set_enabled(False)
    assert bar.status == 0
    harness.frontend.on_sentence_started(7, SENTENCES[1])
    assert len(harness.bars) == 1
    harness.frontend.set_enabled(True)
    harness.frontend.on_sentence_started(7, SENTENCES[1])
    assert len(harness.bars) == 2
    assert harness.bars[1].next_message() == SetState(BarState.SPEAKING)


def test_off_by_default_nothing_starts_and_nothing_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    harness = Harness()
    with caplog.at_level(logging.DEBUG):
        frontend = OverlayFrontend(
            OverlayActions(lambda: None, lambda: None, lambda: None), harness.posted.put,
            harness.texts.get, enabled=False, spawn=harness.spawn, available=lambda: False,
        )
        frontend.on_state_changed(State.SPEAKING)
        frontend.on_sentence_started(7, SENTENCES[0])
    assert harness.bars == [] and caplog.records == []


class NormalizingSynthesizer(FakeSynthesizer):
    """Speaks an upper-case "normalized" form of each sentence, with offsets into the original."""

    def prepare(self, text: str, voice: str | None = None) -> Iterator[list[Sentence]]:
        for block in super().prepare(text, voice):
            yield [dataclasses.replace(s, text=s.text.upper()) for s in block]


def test_with_the_reader_the_bar_shows_each_sentence_as_written_then_hides(harness: Harness) -> None:
    sink, post = FakeSink(), ManualPost()
    reader = Reader(NormalizingSynthesizer(word_seconds=0.05), sink, voice="af_heart", speed=1.0,
                    sentence_pause=0.0, post=post)
    app = App(Config(), load_config=Config, read_selection=lambda source, *, copy_first: "")
    app.attach(reader, apply_text_options=lambda config: None)
    frontend = OverlayFrontend(OverlayActions(reader.toggle, reader.skip, reader.stop), harness.posted.put,
                               app.job_text, spawn=harness.spawn, available=lambda: True)
    reader.add_listener(frontend)
    try:
        job = app.say("First one here.  And the second!")
        for _ in range(round(30 * SAMPLE_RATE / sink.block)):
            if reader.state is State.IDLE:
                break
            assert reader.wait_until_synthesis_idle(timeout=10)
            sink.pull()
            post.run()
        bar = harness.bars[0]
        received = []
        while (message := bar.next_message(timeout=1)) != SetState(BarState.IDLE):
            received.append(message)
        # Each sentence as written, then each of its words as it is heard (offsets into the sentence).
        assert received == [SetState(BarState.SPEAKING),
                            ShowSentence("First one here.", job, 0),
                            ShowWord(0, 5), ShowWord(6, 9), ShowWord(10, 15),
                            ShowSentence("And the second!", job, 1),
                            ShowWord(0, 3), ShowWord(4, 7), ShowWord(8, 15)]
    finally:
        frontend.stop()
        reader.close()
