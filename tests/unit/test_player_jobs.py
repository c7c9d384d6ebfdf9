"""The Reader's per-job controls used by the desktop's system voice: cut in, stop one job, volume, breaks."""

from __future__ import annotations

import numpy as np
import pytest

from readaloud.core import ReaderListener, State
from readaloud.errors import NothingToSayError, UsageError
from readaloud.speech.types import Sentence
from tests.fakes import pitch_segments
from tests.unit.test_player import OTHER_VOICE, TEXT, Rig, assert_segments, freq

# TEXT has sentences of 4, 3 and 5 words; the rig speaks 0.1 s per word with 0.25 s between sentences.


@pytest.fixture
def rig():
    made: list[Rig] = []

    def make(**kwargs: object) -> Rig:
        made.append(Rig(**kwargs))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_cutting_in_plays_at_once_and_the_interrupted_reading_continues(rig) -> None:
    r = rig()
    reading = r.reader.say(TEXT)
    r.play(0.4 + 0.25 + 0.1)  # the first sentence, the pause, and one word of the second
    cut = r.reader.say("Hello there.", voice=OTHER_VOICE, interrupt=True)
    assert r.reader.state is State.SPEAKING
    r.play_to_end()
    assert_segments(r, [
        (freq(0), 0.4), (0, 0.25), (freq(1), 0.1),  # interrupted after one word
        (freq(0, OTHER_VOICE), 0.2), (0, 0.25),  # the message that cut in
        (freq(1), 0.3), (0, 0.25), (freq(2), 0.5),  # the second sentence again, whole, then the rest
    ])
    assert r.log.of("job") == [("job", cut, "done"), ("job", reading, "done")]
    started = [event for event in r.log.of("started") if event[1] == reading]
    assert [index for _, _, index in started] == [0, 1, 1, 2]


def test_cutting_in_keeps_the_queue(rig) -> None:
    r = rig()
    first = r.reader.say("One two three. Four.")
    queued = r.reader.say("Five six.", queue=True)
    r.play(0.15)
    cut = r.reader.say("Seven.", voice=OTHER_VOICE, interrupt=True)
    r.play_to_end()
    assert r.log.of("job") == [("job", cut, "done"), ("job", first, "done"), ("job", queued, "done")]
    assert_segments(r, [
        (freq(0), 0.15), (freq(0, OTHER_VOICE), 0.1), (0, 0.25),
        (freq(0), 0.3), (0, 0.25), (freq(1), 0.1), (0, 0.25), (freq(0), 0.2),
    ])


def test_cutting_into_a_paused_reading_leaves_it_paused_afterwards(rig) -> None:
    r = rig()
    reading = r.reader.say(TEXT)
    r.play(0.2)
    r.reader.pause()
    cut = r.reader.say("Hello.", interrupt=True)
    assert r.reader.state is State.SPEAKING
    r.play(1.0)
    assert r.log.of("job") == [("job", cut, "done")]
    assert r.reader.state is State.PAUSED
    silent = r.play(0.5)
    assert not np.any(silent)
    r.reader.resume()
    r.play_to_end()
    assert r.log.of("job")[-1] == ("job", reading, "done")


def test_stopping_the_job_that_cut_in_returns_to_the_reading_at_once(rig) -> None:
    r = rig()
    reading = r.reader.say(TEXT)
    r.play(0.2)
    cut = r.reader.say("Hello there my friend.", voice=OTHER_VOICE, interrupt=True)
    r.play(0.15)
    r.reader.stop_job(cut)
    assert r.log.of("job") == [("job", cut, "stopped")]
    heard = pitch_segments(r.play(0.05))
    assert heard == [(freq(0), pytest.approx(0.05, abs=0.011))]  # the reading again, at once
    r.play_to_end()
    assert r.log.of("job")[-1] == ("job", reading, "done")
    pitches = [pitch for pitch, _ in pitch_segments(r.sink.output) if pitch]
    assert pitches == [freq(0), freq(0, OTHER_VOICE), freq(0), freq(1), freq(2)]


def test_stopping_a_queued_job_leaves_the_current_one_playing(rig) -> None:
    r = rig()
    reading = r.reader.say("One two three four five.")
    queued = r.reader.say("Six seven.", voice=OTHER_VOICE, queue=True)
    r.play(0.2)
    r.reader.stop_job(queued)
    r.reader.stop_job(12345)  # unknown: nothing happens
    r.play_to_end()
    assert r.log.of("job") == [("job", queued, "stopped"), ("job", reading, "done")]
    assert_segments(r, [(freq(0), 0.5)])


def test_stopping_the_only_job_stops_the_reader(rig) -> None:
    r = rig()
    job = r.reader.say(TEXT)
    r.play(0.1)
    r.reader.stop_job(job)
    assert r.reader.state is State.IDLE
    assert r.log.of("job") == [("job", job, "stopped")]


def test_volume_scales_only_that_job(rig) -> None:
    r = rig()
    r.reader.say("One two.", gain=0.5)
    r.reader.say("Three four.", queue=True)
    r.play_to_end()
    audio = r.sink.output
    loud = np.abs(audio)
    first_half = loud[: len(audio) // 3]
    last_part = loud[-len(audio) // 4 :]
    assert first_half.max() == pytest.approx(0.25, abs=0.01)  # the fake speaks at 0.5
    assert last_part.max() == pytest.approx(0.5, abs=0.01)
    with pytest.raises(UsageError):
        r.reader.say("Loud.", gain=1.5)


def test_breaks_split_sentences_where_asked(rig) -> None:
    r = rig()
    text = "One two three four five"
    job = r.reader.say(text, breaks=[len("One two "), 0, len(text) + 5])
    r.play_to_end()
    assert [index for _, j, index in r.log.of("started") if j == job] == [0, 1]
    assert_segments(r, [(freq(0), 0.2), (0, 0.25), (freq(1), 0.3)])


def test_nothing_to_say_has_its_own_error(rig) -> None:
    r = rig()
    with pytest.raises(NothingToSayError):
        r.reader.say("   ")
    with pytest.raises(NothingToSayError):
        r.reader.say("...")


def test_cutting_in_between_sentences_does_not_read_the_finished_one_again(rig) -> None:
    r = rig()
    reading = r.reader.say(TEXT)
    r.play(0.4 + 0.1)  # the first sentence and part of the pause after it
    r.reader.say("Hello.", voice=OTHER_VOICE, interrupt=True)
    r.play_to_end()
    started = [index for _, job, index in r.log.of("started") if job == reading]
    assert started == [0, 1, 2]
    assert_segments(r, [
        (freq(0), 0.4), (0, 0.1), (freq(0, OTHER_VOICE), 0.1), (0, 0.25),
        (freq(1), 0.3), (0, 0.25), (freq(2), 0.5),
    ])


def test_skip_inside_a_job_that_cut_in_keeps_the_interrupted_reading(rig) -> None:
    # "skip" drops audio up to the sentence playing, by sequence number: the reading that was
    # interrupted plays after the job that cut in, so its sentences must number after it.
    r = rig()
    reading = r.reader.say(TEXT)
    r.play(0.2)
    cut = r.reader.say("Hello there. Good morning to you.", voice=OTHER_VOICE, interrupt=True)
    r.play(0.1)
    r.reader.skip()
    r.play_to_end()
    assert r.log.of("job") == [("job", cut, "done"), ("job", reading, "done")]
    assert_segments(r, [
        (freq(0), 0.2), (freq(0, OTHER_VOICE), 0.1), (freq(1, OTHER_VOICE), 0.4), (0, 0.25),
        (freq(0), 0.4), (0, 0.25), (freq(1), 0.3), (0, 0.25), (freq(2), 0.5),
    ])


def test_back_in_a_reading_resumed_after_an_interruption_restarts_its_sentence(rig) -> None:
    r = rig()
    reading = r.reader.say(TEXT)
    r.play(0.2)
    r.reader.say("Hello.", voice=OTHER_VOICE, interrupt=True)
    r.play(0.1 + 0.25 + 0.3)  # the message, the pause, most of the first sentence again
    r.reader.back()
    r.play_to_end()
    started = [index for _, job, index in r.log.of("started") if job == reading]
    assert started == [0, 0, 0, 1, 2]


def test_a_cached_sentence_plays_at_the_volume_of_its_new_job(rig) -> None:
    r = rig()
    r.reader.say("One two.", gain=0.5)
    r.play_to_end()
    calls = len(r.synth.calls)
    heard = len(r.sink.output)
    r.reader.say("One two.")
    r.play_to_end()
    assert len(r.synth.calls) == calls  # from the cache
    assert np.abs(r.sink.output[:heard]).max() == pytest.approx(0.25, abs=0.01)
    assert np.abs(r.sink.output[heard:]).max() == pytest.approx(0.5, abs=0.01)


def test_breaks_apply_to_a_long_text_prepared_as_it_is_read(rig) -> None:
    r = rig()
    r.synth.block_sentences = 2
    text = " ".join(f"Sentence number {n} is here." for n in range(6))
    cut_at = text.index("number 4") + len("number ")  # inside the fifth sentence
    spans: list[tuple[int, str]] = []

    class Spans(ReaderListener):
        def on_sentence_started(self, job: int, sentence: Sentence) -> None:
            spans.append((sentence.index, text[sentence.start : sentence.end]))

    r.reader.add_listener(Spans())
    r.reader.say(text, breaks=[cut_at])
    assert r.synth.blocks_prepared == 1  # say() returned after the first block only
    r.play_to_end()
    assert spans == [
        (0, "Sentence number 0 is here."), (1, "Sentence number 1 is here."),
        (2, "Sentence number 2 is here."), (3, "Sentence number 3 is here."),
        (4, "Sentence number"), (5, "4 is here."), (6, "Sentence number 5 is here."),
    ]


def test_stopping_a_queued_job_synthesis_has_not_reached_leaves_the_reading_alone(rig) -> None:
    r = rig(lookahead=0.5, cache_seconds=0.0)
    reading = r.reader.say(TEXT)
    queued = r.reader.say("Thirteen fourteen.", voice=OTHER_VOICE, queue=True)
    r.play(0.3)  # the second sentence is synthesized, the queued job not yet
    r.reader.stop_job(queued)
    r.play_to_end()
    assert r.log.of("job") == [("job", queued, "stopped"), ("job", reading, "done")]
    assert_segments(r, [(freq(0), 0.4), (0, 0.25), (freq(1), 0.3), (0, 0.25), (freq(2), 0.5)])
    # Nothing was synthesized twice: the audio already made for the reading was kept.
    assert [words for words, _, _ in r.synth.calls] == [
        "One two three four.", "Five six seven.", "Eight nine ten eleven twelve."]
