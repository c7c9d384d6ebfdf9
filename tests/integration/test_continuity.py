"""Speech that never stutters: the real model and a real sink while another program keeps a core busy.

What the null sink played is what a user hears. A silence inside a sentence is one that ends before
the next sentence starts; it counts against the reader only beyond the longest pause the model
itself puts in that sentence when it reads it whole (at a comma, say).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from readaloud.core import State
from readaloud.playback.player import Reader
from readaloud.speech.types import Sentence
from tests.fakes import EventLog, Owner
from tests.support import pulse
from tests.support.continuity import excess_inside_sentences, model_pauses

pytestmark = [pytest.mark.audio, pytest.mark.model]

VOICE = "af_heart"
TEXT = (
    "A quiet library is the best place to finish a difficult chapter. The reading room opens at nine, "
    "and most of the tables by the window are free until noon. When the storm finally passed over the "
    "valley late in the evening, the farmers walked out into their fields to see how much of the "
    "harvest could still be saved. Bring a pencil, because pens are not allowed near the old maps."
)


@pytest.fixture
def busy_core() -> Iterator[None]:
    """Another program keeping one core busy, as a browser or a build would."""
    hog = subprocess.Popen(["sh", "-c", "while :; do :; done"])
    try:
        yield
    finally:
        hog.kill()
        hog.wait()


def test_no_silence_inside_a_sentence_while_another_program_keeps_a_core_busy(synthesizer, busy_core) -> None:
    from readaloud.playback.sink import SoundDeviceSink

    if not pulse.available():
        pytest.fail("PulseAudio is not installed (apt install pulseaudio pulseaudio-utils)")
    own = model_pauses(synthesizer, TEXT, VOICE)  # also warms up G2P and the model
    started: list[float] = []

    class Starts(EventLog):
        def on_sentence_started(self, job: int, sentence: Sentence) -> None:
            started.append(time.monotonic())

    with pulse.PulseServer() as server:
        owner = Owner()
        reader = Reader(synthesizer, SoundDeviceSink(""), voice=VOICE, speed=1.0, post=owner.post)
        reader.add_listener(Starts())
        recording = server.record()
        try:
            reader.say(TEXT)
            owner.run_until(lambda: reader.state is State.IDLE, timeout=180)
            owner.run_for(0.3)
        finally:
            reader.close()
            audio = recording.stop()
    assert len(started) == len(own) == 4
    excess = excess_inside_sentences(audio, [recording.sample_at(t) for t in started], own)
    assert max(excess) <= 0.3, (
        f"silences inside sentences beyond the model's own pauses: {excess}; {reader.underruns}")
