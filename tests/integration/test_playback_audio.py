"""Real playback: the real model, the real sink, a private PulseAudio null sink, and what it played.

The recording of the null sink's monitor is exactly what a user would hear. Speech is checked with
Whisper (``tests/speech_check.py``), gaps and silences by level. The fixtures start PulseAudio
themselves; the model must be in the XDG cache (``readaloud setup``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

from readaloud.core import FinishReason, State
from readaloud.playback.player import Reader
from tests.fakes import EventLog, Owner, TimedSynthesizer
from tests.support import pulse

pytestmark = [pytest.mark.audio, pytest.mark.model]

PAUSE = 0.25
VOICE = "af_heart"
PARAGRAPH = (
    "The library opens at nine in the morning. "
    "Visitors may borrow up to five books at a time. "
    "Please return them within two weeks."
)
LONG_SENTENCE = (
    "The old lighthouse keeper climbed the narrow stairs every evening, "
    "carrying a lantern and a small notebook in which he wrote down the ships he saw."
)


@pytest.fixture(scope="module")
def pulse_server() -> Iterator[pulse.PulseServer]:
    if not pulse.available():
        pytest.fail("PulseAudio is not installed (apt install pulseaudio pulseaudio-utils)")
    with pulse.PulseServer() as server:
        yield server


@pytest.fixture
def rig(
    pulse_server: pulse.PulseServer, synthesizer
) -> Iterator[tuple[Reader, Owner, EventLog, pulse.Recording]]:
    from readaloud.playback.sink import SoundDeviceSink

    owner = Owner()
    log = EventLog()
    reader = Reader(synthesizer, SoundDeviceSink(""), voice=VOICE, speed=1.0, sentence_pause=PAUSE,
                    post=owner.post)
    reader.add_listener(log)
    recording = pulse_server.record()
    yield reader, owner, log, recording
    reader.close()
    recording.stop()


def transcript(audio: np.ndarray) -> str:
    from tests.speech_check import transcribe

    return transcribe(audio)


def wer(reference: str, audio: np.ndarray) -> tuple[float, str]:
    from tests.speech_check import word_error_rate

    heard = transcript(audio)
    return word_error_rate(reference, heard), heard


# Sentences of this paragraph last 2-3 s; the next one is ready within the current one plus the pause
# when synthesis runs at up to about 0.65 x real time (this 2-core machine, idle: 0.3-0.6).


def test_speech_is_intelligible_and_flows_without_gaps(pulse_server: pulse.PulseServer, synthesizer) -> None:
    from readaloud.playback.sink import SoundDeviceSink
    from readaloud.playback.speak import speak_text

    list(synthesizer.synthesize(synthesizer.sentences("Warm up.")[0], VOICE, 1.0))  # load G2P and model
    timed = TimedSynthesizer(synthesizer)
    recording = pulse_server.record()
    reason = speak_text(timed, SoundDeviceSink(""), PARAGRAPH, VOICE, 1.0, sentence_pause=PAUSE)
    time.sleep(0.3)
    audio = recording.stop()
    assert reason is FinishReason.DONE
    error, heard = wer(PARAGRAPH, audio)
    assert error <= 0.2, heard
    start = pulse.first_sound(audio)
    assert start is not None
    longest = max((length for _, length in pulse.gaps(audio[start:])), default=0.0)
    slowest = max(timed.real_time_factors)
    assert longest <= PAUSE + 0.3, f"synthesis ran at up to {slowest:.2f} x real time"


def test_pause_silences_and_resume_continues_the_same_sentence(rig) -> None:
    reader, owner, log, recording = rig
    reader.say(LONG_SENTENCE)
    owner.run_until(lambda: bool(log.of("started")))
    owner.run_for(1.5)
    reader.pause()
    paused_at = time.monotonic()
    owner.run_for(2.0)
    resumed_at = time.monotonic()
    reader.resume()
    owner.run_until(lambda: reader.state is State.IDLE)
    owner.run_for(0.3)
    audio = recording.stop()
    # The device plays out what it already held (its latency), then nothing until resume.
    silent = audio[recording.sample_at(paused_at + 0.3) : recording.sample_at(resumed_at)]
    assert len(silent) > 1.5 * pulse.RATE and np.max(np.abs(silent)) < 0.01
    # Every word once, in order: nothing lost at the pause, nothing repeated after it.
    error, heard = wer(LONG_SENTENCE, audio)
    assert error <= 0.2, heard
    assert [event[2] for event in log.of("started")] == [0]


def test_stop_silences_and_nothing_more_plays(rig) -> None:
    reader, owner, log, recording = rig
    job = reader.say(PARAGRAPH)
    owner.run_until(lambda: bool(log.of("started")))
    owner.run_for(1.0)
    reader.stop()
    stopped_at = time.monotonic()
    owner.run_for(3.0)
    audio = recording.stop()
    after = audio[recording.sample_at(stopped_at + 0.3) :]
    assert len(after) > 2 * pulse.RATE and np.max(np.abs(after)) < 0.01
    assert np.max(np.abs(audio[: recording.sample_at(stopped_at)])) > 0.05
    assert log.of("job") == [("job", job, "stopped")]
    assert reader.state is State.IDLE


def test_skip_moves_on_to_the_next_sentence(rig) -> None:
    reader, owner, log, recording = rig
    text = f"{LONG_SENTENCE} Seven green parrots sang loudly."
    reader.say(text)
    owner.run_until(lambda: bool(log.of("started")))
    owner.run_for(1.0)
    reader.skip()
    owner.run_until(lambda: reader.state is State.IDLE)
    owner.run_for(0.3)
    heard = transcript(recording.stop()).lower()
    assert "parrot" in heard
    assert "notebook" not in heard and "ships" not in heard  # the end of the skipped sentence
    assert [event[2] for event in log.of("started")] == [0, 1]
