"""Word events against what the speakers played: the real model, the real sink, a private
PulseAudio null sink recorded, and Whisper's word timestamps on that recording."""

from __future__ import annotations

import difflib
import statistics
import time
from collections.abc import Iterator

import pytest

from readaloud.core import ReaderListener, State
from readaloud.playback.player import Reader
from tests.fakes import Owner
from tests.speech_check import heard_words, words
from tests.support import pulse

pytestmark = [pytest.mark.audio, pytest.mark.model]

PARAGRAPH = (
    "The museum opens its new gallery on Saturday morning. Visitors will see old maps, "
    "ship models and letters written by sailors. Tickets cost ten dollars, and children enter free."
)


class Stamped(ReaderListener):
    """Each word event with the moment it arrived on the owning thread."""

    def __init__(self) -> None:
        self.words: list[tuple[str, float]] = []
        self.order: list[tuple[int, int]] = []

    def on_word_started(self, job: int, sentence: int, start: int, end: int) -> None:
        self.words.append((PARAGRAPH[start:end], time.monotonic()))
        self.order.append((sentence, start))


@pytest.fixture(scope="module")
def pulse_server() -> Iterator[pulse.PulseServer]:
    if not pulse.available():
        pytest.fail("PulseAudio is not installed (apt install pulseaudio pulseaudio-utils)")
    with pulse.PulseServer() as server:
        yield server


def test_word_events_come_when_the_words_are_heard(pulse_server: pulse.PulseServer, synthesizer) -> None:
    from readaloud.playback.sink import SoundDeviceSink

    list(synthesizer.synthesize(synthesizer.sentences("Warm up.")[0], "af_heart", 1.0))  # load G2P and model
    owner = Owner()
    stamped = Stamped()
    reader = Reader(synthesizer, SoundDeviceSink(""), voice="af_heart", speed=1.0, post=owner.post,
                    post_later=owner.post_later)
    reader.add_listener(stamped)
    recording = pulse_server.record()
    try:
        reader.say(PARAGRAPH)
        owner.run_until(lambda: reader.state is State.IDLE, timeout=300)
        time.sleep(0.3)
    finally:
        reader.close()
    audio = recording.stop()
    assert stamped.order == sorted(stamped.order), "word events out of order"
    events = [(word, moment) for text, moment in stamped.words for word in words(text)[:1]]
    heard = [(word, recording.time_of(round(start * pulse.RATE)))
             for text, start, _end in heard_words(audio, pulse.RATE) for word in words(text)]
    expected = words(PARAGRAPH)
    matcher = difflib.SequenceMatcher(a=[w for w, _ in events], b=[w for w, _ in heard], autojunk=False)
    pairs = [(events[block.a + i][0], events[block.a + i][1] - heard[block.b + i][1])
             for block in matcher.get_matching_blocks() for i in range(block.size)]
    print(" ".join(f"{word}:{difference:+.2f}" for word, difference in pairs))
    signed = [difference for _, difference in pairs]
    differences = [abs(difference) for difference in signed]
    within = [difference for difference in differences if difference <= 0.15]
    print(f"{len(events)} word events for {len(expected)} words; {len(differences)} matched Whisper's words; "
          f"{len(within)} within 0.15 s; median {statistics.median(differences):.3f} s, "
          f"signed {statistics.median(signed):+.3f} s")
    assert len(events) == len(expected), "one event per spoken word"
    # As in test_daemon_words: no latency left out, and the captions' spread.
    assert len(differences) >= 0.9 * len(expected), "the events name the words that were heard"
    assert abs(statistics.median(signed)) <= 0.05
    assert statistics.median(differences) <= 0.12
