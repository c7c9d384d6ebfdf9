"""Word events from the Reader: one per word heard, in order, each when its audio is played, with
the span of the job's text it was read from; none for words that are skipped or stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from readaloud.core import ReaderListener
from readaloud.playback.player import Reader
from readaloud.speech.schedule import SynthesisCost
from tests.fakes import SAMPLE_RATE, FakeSink, FakeSynthesizer, ManualPost, sound_runs
from tests.unit.test_player import TEXT, Rig

WORD = 0.1  # seconds per word of the fake synthesizer


@pytest.fixture
def rig() -> Iterator[Callable[..., Rig]]:
    made: list[Rig] = []

    def make(**kwargs: object) -> Rig:
        made.append(Rig(**kwargs))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for r in made:
        r.close()


class Heard(ReaderListener):
    """Words as they are announced, with how much audio the sink had played by then."""

    def __init__(self, sink: FakeSink) -> None:
        self.sink = sink
        self.words: list[tuple[int, int, str, int]] = []  # job, sentence, text, frames played
        self.text = TEXT

    def on_word_started(self, job: int, sentence: int, start: int, end: int) -> None:
        self.words.append((job, sentence, self.text[start:end], len(self.sink.output)))


def _listen(r: Rig) -> Heard:
    heard = Heard(r.sink)
    r.reader.add_listener(heard)
    return heard


def test_every_word_is_announced_in_order_with_its_text(rig) -> None:
    r = rig(word_seconds=WORD)
    heard = _listen(r)
    job = r.reader.say(TEXT)
    r.play_to_end()
    assert [(j, s, text) for j, s, text, _ in heard.words] == [
        (job, index, word)
        for index, sentence in enumerate(["One two three four.", "Five six seven.",
                                          "Eight nine ten eleven twelve."])
        for word in sentence.split()
    ]


def test_each_word_is_announced_in_the_block_where_its_sound_starts(rig) -> None:
    r = rig(word_seconds=WORD, cut=2)  # chunks of two words: markers inside and across chunks
    heard = _listen(r)
    r.reader.say(TEXT)
    r.play_to_end()
    runs = sound_runs(r.sink.output)
    words_per_sentence = [4, 3, 5]
    expected_starts = [
        run.start + round(i * WORD * SAMPLE_RATE)
        for run, count in zip(runs, words_per_sentence, strict=True) for i in range(count)
    ]
    played_by_then = [frames for *_, frames in heard.words]
    for start, played in zip(expected_starts, played_by_then, strict=True):
        # Announced after the block holding its first sample was played, and not a block later.
        assert start < played <= start + r.sink.block


def test_skipped_words_are_not_announced(rig) -> None:
    r = rig(word_seconds=WORD)
    heard = _listen(r)
    r.reader.say(TEXT)
    r.play(0.15)  # into the second word of the first sentence
    r.reader.skip()
    r.play_to_end()
    texts = [text for _, _, text, _ in heard.words]
    assert texts[:2] == ["One", "two"]
    assert "three" not in texts and "four." not in texts
    assert texts[2:] == ["Five", "six", "seven.", "Eight", "nine", "ten", "eleven", "twelve."]


def test_a_sentence_heard_again_from_memory_announces_its_words_again(rig) -> None:
    r = rig(word_seconds=WORD)
    heard = _listen(r)
    heard.text = "Hello there friend."
    r.reader.say(heard.text)
    r.play_to_end()
    calls = len(r.synth.calls)
    heard.text = "Oh. Hello there friend."
    r.reader.say(heard.text)
    r.play_to_end()
    assert len(r.synth.calls) == calls + 1  # only "Oh." was synthesized
    assert [text for _, _, text, _ in heard.words] == ["Hello", "there", "friend.", "Oh.", "Hello", "there",
                                                        "friend."]


class _LateSink(FakeSink):
    output_latency = 0.2


def test_words_are_announced_after_the_device_latency() -> None:
    sink = _LateSink()
    post = ManualPost()
    delays: list[float] = []

    def post_later(delay: float, call: Callable[[], None]) -> None:
        delays.append(delay)
        call()

    reader = Reader(FakeSynthesizer(word_seconds=WORD), sink, voice="af_heart", speed=1.0, post=post,
                    cost=SynthesisCost(fixed=0.001, rate=0.001), post_later=post_later, preroll=0.0)
    try:
        reader.say("One two three.")
        for _ in range(40):
            assert reader.wait_until_synthesis_idle(timeout=10)
            sink.pull()
            post.run()
        assert len(delays) == 3
        # The device latency plus where in its block the word starts (a block is 20 ms).
        assert all(0.2 <= delay < 0.2 + sink.block / SAMPLE_RATE for delay in delays)
    finally:
        reader.close()


def test_back_in_a_long_sentence_replays_it_with_its_words(rig) -> None:
    long = " ".join(f"w{number}" for number in range(120)) + "."
    r = rig(word_seconds=WORD)
    heard = _listen(r)
    heard.text = long
    r.reader.say(long)
    r.play(8.0)  # 80 words in: far more word markers than sentences behind the read position
    r.reader.back()
    r.play(0.25)
    texts = [text for _, _, text, _ in heard.words]
    assert texts[-3:] == ["w0", "w1", "w2"]  # the sentence again, from its first word
