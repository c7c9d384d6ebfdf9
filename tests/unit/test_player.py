"""The Reader core with a fake synthesizer (tones) and a fake sink the test drives block by block.

Each sentence is a tone whose pitch says which sentence (and voice) it is, so what was *heard* can
be checked: order, gaps, what pause/stop/skip/back did, and which voice read which sentence.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import numpy as np
import pytest

from readaloud.core import AudioStatus, FinishReason, ReaderListener, State
from readaloud.errors import AudioDeviceError, UnknownVoiceError, UsageError
from readaloud.playback import player
from readaloud.playback.player import Reader
from readaloud.speech import trim
from readaloud.speech.schedule import Plan, SynthesisCost
from readaloud.speech.types import PhonemeWord, Sentence
from tests.fakes import (
    SAMPLE_RATE,
    EventLog,
    FakeSink,
    FakeSynthesizer,
    ManualPost,
    Run,
    pitch_segments,
    sound_runs,
    wait_for,
)

TEXT = "One two three four. Five six seven. Eight nine ten eleven twelve."
PAUSE = 0.25
OTHER_VOICE = "am_adam"


class Rig:
    """A reader wired to fakes, and a driver that plays it like an audio thread would."""

    def __init__(self, *, word_seconds: float = 0.1, lookahead: float = 10.0, preroll: float = 0.0,
                 synth: FakeSynthesizer | None = None, cache_seconds: float = 300.0,
                 cut: int | None = None) -> None:
        self.synth = synth or FakeSynthesizer(word_seconds=word_seconds)
        self.sink = FakeSink()
        self.post = ManualPost()
        self.log = EventLog()
        # The fake engine is instant: a cost model that knows it reads every sentence whole.
        self.reader = Reader(self.synth, self.sink, voice="af_heart", speed=1.0, sentence_pause=PAUSE,
                             lookahead=lookahead, preroll=preroll, post=self.post,
                             cost=SynthesisCost(fixed=0.001, rate=0.001), cache_seconds=cache_seconds,
                             **({} if cut is None else {"planner": cut_every(cut)}))
        self.reader.add_listener(self.log)

    def play(self, seconds: float) -> np.ndarray:
        """Play ``seconds`` of audio, letting synthesis catch up before each block (fast engine)."""
        played = []
        for _ in range(round(seconds * SAMPLE_RATE / self.sink.block)):
            assert self.reader.wait_until_synthesis_idle(timeout=10)
            played.append(self.sink.pull())
            self.post.run()
        return np.concatenate(played)

    def play_to_end(self, limit: float = 60.0) -> None:
        for _ in range(round(limit * SAMPLE_RATE / self.sink.block)):
            if self.reader.state is State.IDLE:
                return
            self.play(self.sink.block / SAMPLE_RATE)
        raise AssertionError("reading did not finish")

    def runs(self) -> list[Run]:
        return sound_runs(self.sink.output)

    def close(self) -> None:
        self.reader.close()


@pytest.fixture
def rig():
    made: list[Rig] = []

    def make(**kwargs: object) -> Rig:
        made.append(Rig(**kwargs))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for r in made:
        r.close()


def cut_every(words: int) -> Callable[..., Plan]:
    """A planner that cuts sentences every ``words`` words and never waits."""

    def plan(rest: list[PhonemeWord], buffered: float, cost: SynthesisCost, *, speed: float = 1.0,
             wait_weight: float = 1.0, then: float = 0.0) -> Plan:
        return Plan((*range(words, len(rest), words), len(rest)), 0.0)

    return plan


def freq(index: int, voice: str = "af_heart") -> float:
    return FakeSynthesizer.tone_frequency(index, voice)


def assert_pitches(runs: list[Run], expected: list[float]) -> None:
    assert [round(r.frequency / 10) * 10 for r in runs] == expected


def assert_segments(r: Rig, expected: list[tuple[float, float]]) -> None:
    """What was heard, as (pitch, seconds) segments, after the leading and before the trailing silence."""
    segments = pitch_segments(r.sink.output)
    while segments and segments[0][0] == 0:
        segments.pop(0)
    while segments and segments[-1][0] == 0:
        segments.pop()
    assert [pitch for pitch, _ in segments] == [pitch for pitch, _ in expected]
    assert [length for _, length in segments] == pytest.approx([length for _, length in expected], abs=0.011)


def seconds(frames: int) -> float:
    return frames / SAMPLE_RATE


def test_reads_every_sentence_in_order_with_the_configured_pause(rig) -> None:
    r = rig()
    r.reader.say(TEXT)
    r.play_to_end()
    runs = r.runs()
    assert_pitches(runs, [freq(0), freq(1), freq(2)])
    assert [seconds(run.frames) for run in runs] == pytest.approx([0.4, 0.3, 0.5], abs=0.001)
    gaps = [seconds(b.start - a.end) for a, b in itertools.pairwise(runs)]
    assert gaps == pytest.approx([PAUSE, PAUSE], abs=0.001)
    assert r.reader.underruns.count == 0


def test_silence_the_engine_pads_chunks_with_is_trimmed(rig) -> None:
    r = rig(synth=FakeSynthesizer(word_seconds=1.0, padding=0.4))
    r.reader.say(TEXT)
    r.play_to_end()
    segments = [(pitch, length) for pitch, length in pitch_segments(r.sink.output)]
    while segments[0][0] == 0:
        segments.pop(0)
    # Between sentences: the configured pause plus the margins, not the engine's 0.8 s.
    margins = trim.KEEP_BEFORE + trim.KEEP_AFTER
    assert [pitch for pitch, _ in segments[:5]] == [freq(0), 0, freq(1), 0, freq(2)]
    assert segments[1][1] == pytest.approx(PAUSE + margins, abs=0.011)
    assert segments[3][1] == pytest.approx(PAUSE + margins, abs=0.011)


def test_events_follow_the_audio(rig) -> None:
    r = rig()
    job = r.reader.say(TEXT)
    r.play_to_end()
    assert r.log.events == [
        ("state", "speaking"),
        ("started", job, 0), ("finished", job, 0),
        ("started", job, 1), ("finished", job, 1),
        ("started", job, 2), ("finished", job, 2),
        ("job", job, "done"),
        ("state", "idle"),
    ]


def test_sentence_offsets_point_into_the_original_text(rig) -> None:
    r = rig()
    seen = []

    class Listener(ReaderListener):
        def on_sentence_started(self, job: int, sentence) -> None:
            seen.append(TEXT[sentence.start:sentence.end])

    r.reader.add_listener(Listener())
    r.reader.say(TEXT)
    r.play_to_end()
    assert seen == ["One two three four.", "Five six seven.", "Eight nine ten eleven twelve."]


def test_sink_runs_only_while_speaking(rig) -> None:
    r = rig()
    assert not r.sink.running
    r.reader.say(TEXT)
    assert r.sink.running
    r.play_to_end()
    assert not r.sink.running


def test_preroll_silence_comes_before_the_first_word(rig) -> None:
    r = rig(preroll=0.1)
    r.reader.say(TEXT)
    r.play_to_end()
    assert r.runs()[0].start >= 0.1 * SAMPLE_RATE
    plain = rig(preroll=0.0)
    plain.reader.say(TEXT)
    plain.play_to_end()
    assert plain.runs()[0].start < 0.01 * SAMPLE_RATE


def test_synthesis_stays_within_the_lookahead(rig) -> None:
    r = rig(lookahead=1.0)
    r.reader.say(" ".join(["Alpha beta gamma delta."] * 200))
    r.play(0.02)
    # Each sentence is 0.4 s plus the 0.25 s pause: about two fit in one second of lookahead.
    assert len(r.synth.calls) <= 3
    r.play(3.0)
    assert len(r.synth.calls) <= 3 + 3.0 / 0.65 + 1
    assert r.reader.underruns.count == 0


def test_pause_silences_and_resume_continues_mid_sentence(rig) -> None:
    r = rig()
    r.reader.say(TEXT)
    r.play(0.2)
    r.reader.pause()
    assert r.reader.state is State.PAUSED
    assert not np.any(r.play(0.5))
    r.reader.resume()
    assert r.reader.state is State.SPEAKING
    r.play_to_end()
    runs = r.runs()
    assert_pitches(runs, [freq(0), freq(0), freq(1), freq(2)])
    first, rest = runs[0], runs[1]
    assert seconds(rest.start - first.end) == pytest.approx(0.5, abs=0.021)
    # Nothing lost, nothing repeated: the two halves make exactly the sentence.
    out = r.sink.output
    before, after = int(0.2 * SAMPLE_RATE), int(0.7 * SAMPLE_RATE)
    heard = np.concatenate([out[:before], out[after : after + int(0.2 * SAMPLE_RATE)]])
    sentence = FakeSynthesizer().sentences(TEXT)[0]
    chunks = FakeSynthesizer().synthesize(sentence, "af_heart", 1.0)
    assert np.array_equal(heard, np.concatenate(list(chunks)))
    assert r.log.of("started") == [("started", 1, 0), ("started", 1, 1), ("started", 1, 2)]


def test_toggle_pauses_and_resumes(rig) -> None:
    r = rig()
    r.reader.say(TEXT)
    r.play(0.1)
    r.reader.toggle()
    assert r.reader.state is State.PAUSED
    r.reader.toggle()
    assert r.reader.state is State.SPEAKING


def test_stop_silences_at_once_and_nothing_more_plays(rig) -> None:
    r = rig(lookahead=1.0)
    job = r.reader.say(" ".join(["Alpha beta gamma delta."] * 50))
    r.play(0.2)
    r.reader.stop()
    assert r.reader.state is State.IDLE
    assert r.log.events[-3:] == [("finished", job, 0), ("job", job, "stopped"), ("state", "idle")]
    calls = len(r.synth.calls)
    assert not np.any(r.play(2.0))
    assert r.reader.wait_until_synthesis_idle(timeout=10)
    assert len(r.synth.calls) == calls  # pending synthesis was cancelled


def test_a_chunk_in_flight_when_stopped_is_never_heard(rig) -> None:
    r = rig()
    r.synth.gate = threading.Event()
    r.reader.say(TEXT)
    assert wait_for(lambda: r.synth.chunks_started >= 1)
    r.reader.stop()
    r.reader.say("Hello there.", voice=OTHER_VOICE)
    r.synth.gate.set()
    r.play_to_end()
    assert_pitches(r.runs(), [freq(0, OTHER_VOICE)])


def test_skip_moves_on_to_the_next_sentence_at_once(rig) -> None:
    r = rig()
    job = r.reader.say(TEXT)
    r.play(0.1)
    r.reader.skip()
    r.play_to_end()
    # The next sentence starts in the very next audio block, without the pause.
    assert_segments(r, [(freq(0), 0.1), (freq(1), 0.3), (0, PAUSE), (freq(2), 0.5)])
    assert r.log.of("started") == [("started", job, 0), ("started", job, 1), ("started", job, 2)]
    assert r.log.of("finished")[0] == ("finished", job, 0)


def test_skip_does_not_wait_for_the_chunk_being_synthesized(rig) -> None:
    r = rig(cut=2)
    r.synth.gate, r.synth.gate_from = threading.Event(), 2  # the rest of the first sentence takes forever
    r.reader.say(TEXT)
    assert wait_for(lambda: r.synth.chunks_started == 2)
    r.sink.pull(5)  # the first clause plays
    r.post.run()
    r.reader.skip()
    # The engine is asked to drop the rest of the sentence; the next sentence is synthesized now.
    assert wait_for(lambda: r.synth.chunks_started == 3)
    assert r.synth.cancels == 1
    r.synth.gate.set()
    r.play_to_end()
    assert r.log.of("error") == []
    assert [event[2] for event in r.log.of("started")] == [0, 1, 2]


def test_skipping_the_last_sentence_finishes_the_job(rig) -> None:
    r = rig()
    job = r.reader.say("One two three.")
    r.play(0.1)
    r.reader.skip()
    r.play_to_end()
    assert ("job", job, "done") in r.log.events
    assert r.reader.state is State.IDLE


def test_back_within_the_first_second_goes_to_the_previous_sentence(rig) -> None:
    r = rig(word_seconds=0.5)  # sentences of 2, 1.5 and 2.5 s
    r.reader.say(TEXT)
    r.play(2.0 + PAUSE + 0.5)
    r.reader.back()
    r.play_to_end()
    assert_segments(r, [(freq(0), 2.0), (0, PAUSE), (freq(1), 0.5), (freq(0), 2.0), (0, PAUSE),
                        (freq(1), 1.5), (0, PAUSE), (freq(2), 2.5)])
    assert r.synth.calls[0][0] == "One two three four." and len(r.synth.calls) == 3  # no new synthesis


def test_back_later_in_a_sentence_restarts_it(rig) -> None:
    r = rig(word_seconds=0.5)
    r.reader.say(TEXT)
    r.play(2.0 + PAUSE + 1.2)
    r.reader.back()
    r.play_to_end()
    # 1.2 s of the second sentence, then all of it again from its start.
    assert_segments(r, [(freq(0), 2.0), (0, PAUSE), (freq(1), 2.7), (0, PAUSE), (freq(2), 2.5)])


def test_back_beyond_the_remembered_audio_replays_the_sentence_from_memory(rig, monkeypatch) -> None:
    monkeypatch.setattr(player, "HISTORY_SECONDS", 0.5)
    r = rig(word_seconds=0.5)
    r.reader.say(TEXT)
    r.play(2.0 + PAUSE + 1.2)
    r.reader.back()
    r.play_to_end()
    assert_segments(r, [(freq(0), 2.0), (0, PAUSE), (freq(1), 2.7), (0, PAUSE), (freq(2), 2.5)])
    assert [call[0] for call in r.synth.calls].count("Five six seven.") == 1  # no new synthesis


def test_back_beyond_what_is_remembered_at_all_synthesizes_again(rig, monkeypatch) -> None:
    monkeypatch.setattr(player, "HISTORY_SECONDS", 0.5)
    r = rig(word_seconds=0.5, cache_seconds=0.0)
    r.reader.say(TEXT)
    r.play(2.0 + PAUSE + 1.2)
    r.reader.back()
    r.play_to_end()
    assert_segments(r, [(freq(0), 2.0), (0, PAUSE), (freq(1), 2.7), (0, PAUSE), (freq(2), 2.5)])
    assert [call[0] for call in r.synth.calls].count("Five six seven.") == 2


def test_reading_the_same_text_again_needs_no_synthesis(rig) -> None:
    r = rig()
    r.reader.say(TEXT)
    r.play_to_end()
    first = r.sink.output.copy()
    calls = len(r.synth.calls)
    r.reader.say(TEXT)
    r.play_to_end()
    assert len(r.synth.calls) == calls
    assert np.array_equal(r.sink.output[len(first):][: len(first)], first)


def test_voice_change_applies_from_the_next_sentence_without_restart(rig) -> None:
    r = rig()
    r.reader.say(TEXT)
    r.play(0.1)
    r.reader.set_voice(OTHER_VOICE)
    assert r.reader.voice == OTHER_VOICE
    r.play_to_end()
    runs = r.runs()
    assert_pitches(runs, [freq(0), freq(1, OTHER_VOICE), freq(2, OTHER_VOICE)])
    assert seconds(runs[0].frames) == pytest.approx(0.4, abs=0.001)
    assert ("voice", OTHER_VOICE) in r.log.events


def test_speed_change_applies_from_the_next_sentence(rig) -> None:
    r = rig()
    r.reader.say(TEXT)
    r.play(0.1)
    r.reader.set_speed(2.0)
    r.play_to_end()
    runs = r.runs()
    assert [seconds(run.frames) for run in runs] == pytest.approx([0.4, 0.15, 0.25], abs=0.001)
    # The pause after a sentence read at double speed is half as long.
    assert seconds(runs[2].start - runs[1].end) == pytest.approx(PAUSE / 2, abs=0.001)
    assert r.reader.speed == 2.0


def test_queued_text_follows_after_a_pause(rig) -> None:
    r = rig()
    first = r.reader.say("One two three.")
    second = r.reader.say("Four five.", voice=OTHER_VOICE, queue=True)
    r.play_to_end()
    runs = r.runs()
    assert_pitches(runs, [freq(0), freq(0, OTHER_VOICE)])
    assert seconds(runs[1].start - runs[0].end) == pytest.approx(PAUSE, abs=0.001)
    assert r.log.of("job") == [("job", first, "done"), ("job", second, "done")]
    assert r.log.of("state") == [("state", "speaking"), ("state", "idle")]


def test_new_text_replaces_what_is_being_read(rig) -> None:
    r = rig()
    first = r.reader.say(TEXT)
    r.play(0.1)
    second = r.reader.say("Hello there.", voice=OTHER_VOICE)
    r.play_to_end()
    assert_segments(r, [(freq(0), 0.1), (freq(0, OTHER_VOICE), 0.2)])
    assert r.log.of("job") == [("job", first, "replaced"), ("job", second, "done")]


def test_new_text_while_paused_starts_speaking(rig) -> None:
    r = rig()
    r.reader.say(TEXT)
    r.play(0.1)
    r.reader.pause()
    r.reader.say("Hello there.", voice=OTHER_VOICE)
    assert r.reader.state is State.SPEAKING
    r.play_to_end()
    assert_segments(r, [(freq(0), 0.1), (freq(0, OTHER_VOICE), 0.2)])


def test_bad_requests_are_refused(rig) -> None:
    r = rig()
    with pytest.raises(UsageError):
        r.reader.say("   ")
    with pytest.raises(UnknownVoiceError):
        r.reader.say("Hello.", voice="xx_nobody")
    with pytest.raises(UsageError):
        r.reader.set_speed(3.0)
    with pytest.raises(UnknownVoiceError):
        r.reader.set_voice("xx_nobody")
    assert r.reader.state is State.IDLE


def test_a_synthesis_failure_is_reported_after_what_was_read(rig) -> None:
    r = rig(synth=FakeSynthesizer(fail_on="Five"))
    job = r.reader.say(TEXT)
    r.play_to_end()
    assert_pitches(r.runs(), [freq(0)])
    assert r.log.of("error") == [("error", "speech synthesis failed: engine exploded")]
    assert r.log.of("job") == [("job", job, FinishReason.ERROR.value)]
    assert r.reader.state is State.IDLE




def test_idle_commands_do_nothing(rig) -> None:
    r = rig()
    for command in (r.reader.pause, r.reader.resume, r.reader.stop, r.reader.skip, r.reader.back):
        command()
    assert r.log.events == []
    assert r.reader.current_job is None and r.reader.current_sentence is None


class _PulledSink(FakeSink):
    """A FakeSink with its own audio thread, for code that blocks while it plays."""

    def start(self, callback: Callable[[np.ndarray], None]) -> None:
        super().start(callback)
        if not hasattr(self, "_thread"):
            self._done = threading.Event()
            self._thread = threading.Thread(target=self._pump, daemon=True)
            self._thread.start()

    def _pump(self) -> None:
        while not self._done.wait(0.0005):
            if self.running:
                self.pull()

    def close(self) -> None:
        super().close()
        if hasattr(self, "_thread"):
            self._done.set()
            self._thread.join()


def test_speak_text_returns_once_everything_was_played() -> None:
    from readaloud.playback.speak import speak_text

    sink = _PulledSink()
    reason = speak_text(FakeSynthesizer(), sink, TEXT, "af_heart", 1.0, sentence_pause=PAUSE)
    assert reason is FinishReason.DONE
    assert_pitches(sound_runs(sink.output), [freq(0), freq(1), freq(2)])
    assert sink.closed


def test_speak_text_stops_cleanly_on_ctrl_c() -> None:
    from readaloud.playback.speak import speak_text

    class Interrupt(EventLog):
        def on_sentence_started(self, job: int, sentence: Sentence) -> None:
            if sentence.index == 1:
                raise KeyboardInterrupt

    sink = _PulledSink()
    reason = speak_text(FakeSynthesizer(), sink, TEXT, "af_heart", 1.0, listener=Interrupt())
    assert reason is FinishReason.STOPPED
    assert sink.closed
    assert freq(2) not in [round(run.frequency / 10) * 10 for run in sound_runs(sink.output)]


def test_no_audio_device_fails_the_request_and_leaves_the_reader_idle(rig) -> None:
    from readaloud.errors import AudioDeviceError

    r = rig()

    def refuse(callback: Callable[[np.ndarray], None]) -> None:
        raise AudioDeviceError("no audio output device found")

    r.sink.start = refuse
    with pytest.raises(AudioDeviceError):
        r.reader.say(TEXT)
    assert r.reader.state is State.IDLE and r.reader.current_job is None


def test_sink_errors_reach_listeners_on_the_owning_thread(rig) -> None:
    r = rig()
    handlers: list[Callable[[str], None]] = []
    sink = FakeSink()
    sink.set_error_handler = handlers.append  # type: ignore[attr-defined]
    reader = Reader(r.synth, sink, voice="af_heart", speed=1.0, post=r.post)
    reader.add_listener(r.log)
    handlers[0]("lost the audio device; reconnecting")
    assert r.log.events == []
    r.post.run()
    assert r.log.events == [("error", "lost the audio device; reconnecting")]
    reader.close()


def test_audio_status_of_the_sink_reaches_listeners_on_the_owning_thread(rig) -> None:
    r = rig()
    assert r.reader.audio is AudioStatus.OK
    r.sink.change_status(AudioStatus.LOST)
    assert r.reader.audio is AudioStatus.OK and r.log.of("audio") == []  # not on the sink's thread
    r.post.run()
    assert r.reader.audio is AudioStatus.LOST
    r.sink.change_status(AudioStatus.OK)
    r.post.run()
    assert r.log.of("audio") == [("audio", "lost"), ("audio", "ok")]


def test_a_request_that_finds_no_device_says_so_at_once(rig) -> None:
    r = rig()

    def no_device(callback: Callable[[np.ndarray], None]) -> None:
        r.sink.audio_status = AudioStatus.NONE
        raise AudioDeviceError("no audio output device found")

    r.sink.start = no_device
    with pytest.raises(AudioDeviceError):
        r.reader.say(TEXT)
    # Without waiting for the sink's posted news: status right after the failed request is true.
    assert r.reader.audio is AudioStatus.NONE
    assert r.log.of("audio") == [("audio", "none")]


def test_a_long_text_is_prepared_as_it_is_read(rig) -> None:
    r = rig()
    r.synth.block_sentences = 2
    text = " ".join(f"Sentence number {n} is here." for n in range(12))
    job = r.reader.say(text)
    assert r.synth.blocks_prepared == 1  # say() returned after the first block only
    r.play_to_end()
    assert [event[2] for event in r.log.of("started")] == list(range(12))
    assert r.log.of("job") == [("job", job, "done")]
    assert r.synth.blocks_prepared == 6


def test_the_job_ends_right_after_the_last_sentence_of_a_long_text(rig) -> None:
    r = rig()
    r.synth.block_sentences = 1
    r.reader.say("One two. Three four. Five six.")
    r.play_to_end()
    last_sound = max(run.end for run in r.runs())
    # Finished with the last sentence's audio, not a pause (or a block) later.
    assert (len(r.sink.output) - last_sound) / SAMPLE_RATE < PAUSE + 0.05
