"""The ``Sink`` contract, run against ``FakeSink`` and against ``SoundDeviceSink`` on a real sound server.

The real sink plays into a private PulseAudio null sink and what it played is recorded from the
sink's monitor, so "heard" means heard. (Tests marked ``audio`` start that server themselves.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from readaloud.core import AudioStatus
from readaloud.errors import AudioDeviceError
from readaloud.playback.sink import LinearResampler
from tests.fakes import FakeSink, dominant_frequency
from tests.support import pulse

RATE = 24_000


class Tone:
    """A callback that plays a 440 Hz tone and records how it was called."""

    def __init__(self) -> None:
        self.phase = 0
        self.calls = 0
        self.shapes: set[tuple[tuple[int, ...], str]] = set()

    def __call__(self, out: np.ndarray) -> None:
        self.calls += 1
        self.shapes.add((out.shape, str(out.dtype)))
        t = (self.phase + np.arange(len(out))) / RATE
        out[:] = 0.5 * np.sin(2 * np.pi * 440 * t)
        self.phase += len(out)


class Driver:
    """How a test lets time pass and hears the result, for one kind of sink."""

    sink: Any  # FakeSink or SoundDeviceSink: only the Sink contract is used

    def run(self, seconds: float) -> None:
        raise NotImplementedError

    def heard(self) -> np.ndarray:
        raise NotImplementedError

    def close(self) -> None:
        pass


class FakeDriver(Driver):
    def __init__(self) -> None:
        self.fake = self.sink = FakeSink()

    def run(self, seconds: float) -> None:
        self.fake.pull_seconds(seconds)

    def heard(self) -> np.ndarray:
        return self.fake.output


class DeviceDriver(Driver):
    def __init__(self, server: pulse.PulseServer) -> None:
        from readaloud.playback.sink import SoundDeviceSink

        self.sink = SoundDeviceSink("", linger=0.5)
        self.recording = server.record()

    def run(self, seconds: float) -> None:
        time.sleep(seconds)

    def heard(self) -> np.ndarray:
        return self.recording.samples()

    def close(self) -> None:
        self.sink.close()
        self.recording.stop()


@pytest.fixture(scope="module")
def pulse_server() -> Iterator[pulse.PulseServer]:
    if not pulse.available():
        pytest.fail("PulseAudio is not installed (apt install pulseaudio pulseaudio-utils)")
    with pulse.PulseServer() as server:
        yield server


@pytest.fixture(params=["fake", pytest.param("device", marks=pytest.mark.audio)])
def driver(request: pytest.FixtureRequest) -> Iterator[Driver]:
    if request.param == "fake":
        made: Driver = FakeDriver()
    else:
        made = DeviceDriver(request.getfixturevalue("pulse_server"))
    yield made
    made.close()


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_runs_at_kokoros_sample_rate(driver: Driver) -> None:
    assert driver.sink.sample_rate == RATE


def test_what_the_callback_writes_is_heard(driver: Driver) -> None:
    tone = Tone()
    driver.sink.start(tone)
    driver.run(1.5)
    heard = driver.heard()
    loud = heard[np.abs(heard) > 0.05]
    assert len(loud) > 0.5 * RATE
    assert dominant_frequency(heard) == pytest.approx(440, abs=5)


def test_callback_fills_small_mono_float32_blocks(driver: Driver) -> None:
    tone = Tone()
    driver.sink.start(tone)
    driver.run(0.5)
    assert tone.calls > 0
    assert all(len(shape) == 1 and 0 < shape[0] <= 480 and dtype == "float32" for shape, dtype in tone.shapes)


def test_stop_silences_and_the_callback_is_no_longer_called(driver: Driver) -> None:
    tone = Tone()
    driver.sink.start(tone)
    driver.run(0.5)
    driver.sink.stop()
    driver.run(0.2)  # what the device held plays out
    calls = tone.calls
    before = len(driver.heard())
    driver.run(0.5)
    assert tone.calls == calls
    after = driver.heard()[before:]
    assert len(after) > 0 and np.max(np.abs(after)) < 0.01


def test_start_after_stop_plays_again(driver: Driver) -> None:
    tone = Tone()
    driver.sink.start(tone)
    driver.run(0.3)
    driver.sink.stop()
    driver.run(0.3)
    before = len(driver.heard())
    driver.sink.start(tone)
    driver.run(1.0)
    assert np.max(np.abs(driver.heard()[before:])) > 0.3


def test_close_is_final_and_idempotent(driver: Driver) -> None:
    tone = Tone()
    driver.sink.start(tone)
    driver.run(0.3)
    driver.sink.close()
    driver.sink.close()
    calls = tone.calls
    driver.run(0.3)
    assert tone.calls == calls


# -- SoundDeviceSink only --------------------------------------------------------------------------


@pytest.mark.audio
def test_idle_stream_is_closed_after_the_linger(pulse_server: pulse.PulseServer) -> None:
    from readaloud.playback.sink import SoundDeviceSink

    sink = SoundDeviceSink("", linger=0.3)
    try:
        sink.start(Tone())
        assert sink.is_open
        sink.stop()
        assert sink.is_open  # kept warm for a quick resume
        assert wait_for(lambda: not sink.is_open)
    finally:
        sink.close()


@pytest.mark.audio
def test_unknown_device_name_is_a_clear_error(pulse_server: pulse.PulseServer) -> None:
    from readaloud.playback.sink import SoundDeviceSink

    sink = SoundDeviceSink("no such speakers")
    try:
        with pytest.raises(AudioDeviceError,
                           match=r"no audio output device matches 'no such speakers'.*pulse"):
            sink.start(Tone())
    finally:
        sink.close()  # it probes for the device in the background until closed


@pytest.mark.audio
def test_device_chosen_by_name(pulse_server: pulse.PulseServer) -> None:
    from readaloud.playback.sink import SoundDeviceSink

    sink = SoundDeviceSink("PULSE")
    recording = pulse_server.record()
    try:
        sink.start(Tone())
        time.sleep(1.0)
    finally:
        sink.close()
    assert dominant_frequency(recording.stop()) == pytest.approx(440, abs=5)


@pytest.mark.audio
def test_lost_sound_server_is_reported_once_and_playback_comes_back() -> None:
    from readaloud.playback.sink import SoundDeviceSink

    if not pulse.available():
        pytest.fail("PulseAudio is not installed (apt install pulseaudio pulseaudio-utils)")
    errors: list[str] = []
    server = pulse.PulseServer().start()
    try:
        statuses: list[AudioStatus] = []
        sink = SoundDeviceSink("", on_error=errors.append)
        sink.set_status_handler(statuses.append)
        tone = Tone()
        sink.start(tone)
        time.sleep(0.5)
        server.kill()
        assert wait_for(lambda: bool(errors))
        assert sink.audio_status is AudioStatus.LOST
        restarted = pulse.PulseServer(server.sink)
        restarted.runtime_dir = server.runtime_dir
        # The sink re-initialises PortAudio itself while reconnecting; doing it here as well raced
        # its reconnect thread (PortAudio is not thread-safe: "PortAudio not initialized" here, or
        # the stream it had just reopened closed again and the loss reported twice).
        restarted.start(reinit_sounddevice=False)
        try:
            calls = tone.calls
            assert wait_for(lambda: tone.calls > calls + 10, timeout=30)
            recording = restarted.record()
            time.sleep(1.0)
            assert dominant_frequency(recording.stop()) == pytest.approx(440, abs=5)
            assert errors == ["lost the audio device; reconnecting"]
            assert statuses == [AudioStatus.LOST, AudioStatus.OK]
        finally:
            sink.close()
            restarted.stop()
    finally:
        server.stop()


# -- resampling (when a device refuses 24 kHz) -----------------------------------------------------


@pytest.mark.parametrize("target", [44_100, 48_000, 16_000])
def test_resampler_keeps_pitch_and_joins_blocks_smoothly(target: int) -> None:
    resampler = LinearResampler(RATE, target)
    tone = Tone()
    blocks = []
    for size in [441, 480, 100, 1024, 7] * 20:
        out = np.zeros(size, dtype=np.float32)
        resampler.fill(out, tone)
        blocks.append(out)
    audio = np.concatenate(blocks)
    assert dominant_frequency(audio, target) == pytest.approx(440, abs=3)
    # A smooth 440 Hz sine never jumps by more than its slope allows between two samples.
    max_step = 0.5 * 2 * np.pi * 440 / target
    assert np.max(np.abs(np.diff(audio))) <= max_step * 1.05
    # Duration is preserved: output length * source rate / target rate ≈ source samples consumed.
    assert tone.phase == pytest.approx(len(audio) * RATE / target, abs=3)
