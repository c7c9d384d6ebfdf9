"""``SoundDeviceSink`` heals when a sound server appears after it started: re-reading PortAudio's
frozen device list on a request and on a backoff timer, and reporting ``audio_status`` truthfully.

PortAudio is replaced by ``FakePortAudio``, which behaves like the real one in the way that matters
here: its device list is a snapshot taken when it initialises. (The real-process test of the same
healing is ``tests/integration/test_sound_server_faults.py``.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from readaloud.core import AudioStatus
from readaloud.errors import AudioDeviceError
from readaloud.playback.sink import Backoff, SoundDeviceSink

PULSE = {"name": "pulse", "max_output_channels": 32, "default_samplerate": 44100.0}


class FakeStream:
    def __init__(self, **kwargs: Any) -> None:
        self.channels = kwargs["channels"]
        self.samplerate = kwargs["samplerate"]
        self.latency = 0.05
        self.finished_callback: Callable[[], None] = kwargs["finished_callback"]
        self.callback: Callable[..., None] = kwargs["callback"]
        self.running = False

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False

    def close(self) -> None:
        pass


class FakePortAudio:
    """Stands in for the ``sounddevice`` module: the device list is frozen at ``_initialize``."""

    class PortAudioError(Exception):
        pass

    class _Default:
        device = (-1, -1)

    def __init__(self) -> None:
        self.system: list[dict[str, Any]] = []  # what the machine has now
        self._listed: list[dict[str, Any]] = []  # what PortAudio saw when it initialised
        self.initialized = True
        self.inits = 0
        self.streams: list[FakeStream] = []
        self.default = self._Default()
        self.lock = threading.Lock()

    def query_devices(self, index: int | None = None) -> Any:
        return self._listed if index is None else self._listed[index]

    def _terminate(self) -> None:
        if not self.initialized:
            raise self.PortAudioError("PortAudio not initialized")
        self.initialized = False
        for stream in self.streams:
            stream.running = False

    def _initialize(self) -> None:
        with self.lock:
            self.initialized = True
            self.inits += 1
            self._listed = [dict(device) for device in self.system]

    def OutputStream(self, **kwargs: Any) -> FakeStream:
        stream = FakeStream(**kwargs)
        self.streams.append(stream)
        return stream


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def silence(out: np.ndarray) -> None:
    out.fill(0.0)


@pytest.fixture
def portaudio() -> FakePortAudio:
    return FakePortAudio()


@pytest.fixture
def make_sink(portaudio: FakePortAudio) -> Iterator[Callable[..., tuple[SoundDeviceSink, list[AudioStatus]]]]:
    made: list[SoundDeviceSink] = []

    def make(device: str = "", **kwargs: Any) -> tuple[SoundDeviceSink, list[AudioStatus]]:
        kwargs.setdefault("probe_delays", (3600.0,))  # no background probe unless a test wants one
        sink = SoundDeviceSink(device, portaudio=lambda: portaudio, **kwargs)
        statuses: list[AudioStatus] = []
        sink.set_status_handler(statuses.append)
        made.append(sink)
        return sink, statuses

    yield make
    for sink in made:
        sink.close()


def test_backoff_grows_to_its_cap_and_stays_there() -> None:
    backoff = Backoff((1.0, 2.0, 4.0))
    assert [backoff.next() for _ in range(5)] == [1.0, 2.0, 4.0, 4.0, 4.0]
    assert backoff.attempts == 5
    with pytest.raises(ValueError):
        Backoff(())


def test_no_device_at_start_is_status_none(make_sink, portaudio: FakePortAudio) -> None:
    sink, statuses = make_sink()
    with pytest.raises(AudioDeviceError, match="start a sound server"):
        sink.check()
    assert sink.audio_status is AudioStatus.NONE
    assert statuses == [AudioStatus.NONE]


def test_the_first_request_after_the_sound_server_appears_plays(make_sink, portaudio: FakePortAudio) -> None:
    sink, statuses = make_sink()
    with pytest.raises(AudioDeviceError):
        sink.check()
    portaudio.system.append(PULSE)  # the sound server starts; PortAudio's list is still empty
    sink.start(silence)
    assert sink.is_open and portaudio.streams[-1].running
    assert sink.audio_status is AudioStatus.OK
    assert statuses == [AudioStatus.NONE, AudioStatus.OK]


def test_a_request_without_a_sound_server_still_fails_clearly(make_sink, portaudio: FakePortAudio) -> None:
    sink, statuses = make_sink()
    with pytest.raises(AudioDeviceError, match="start a sound server"):
        sink.start(silence)
    assert portaudio.inits == 1  # it did look again before giving up
    assert sink.audio_status is AudioStatus.NONE and not sink.is_open
    assert statuses == [AudioStatus.NONE]


def test_a_working_device_is_not_re_read_on_each_request(make_sink, portaudio: FakePortAudio) -> None:
    portaudio.system.append(PULSE)
    portaudio._initialize()
    inits = portaudio.inits
    sink, statuses = make_sink()
    sink.check()
    sink.start(silence)
    sink.close()
    sink.start(silence)
    assert portaudio.inits == inits  # re-initialising costs ~0.2 s: only when the list fails
    assert statuses == []


def test_the_probe_finds_a_late_sound_server_by_itself(make_sink, portaudio: FakePortAudio) -> None:
    sink, statuses = make_sink(probe_delays=(0.01, 0.02))
    with pytest.raises(AudioDeviceError):
        sink.check()
    assert wait_for(lambda: portaudio.inits >= 3)  # probing, with nothing found yet
    assert sink.audio_status is AudioStatus.NONE
    portaudio.system.append(PULSE)
    assert wait_for(lambda: sink.audio_status is AudioStatus.OK)
    assert statuses == [AudioStatus.NONE, AudioStatus.OK]
    inits = portaudio.inits
    time.sleep(0.1)
    assert portaudio.inits == inits  # the probe ended once the device was there
    assert not sink.is_open  # finding the device opens nothing: an idle daemon costs nothing


def test_portaudio_is_not_re_initialised_while_another_sink_plays(make_sink,
                                                                  portaudio: FakePortAudio) -> None:
    # Terminating PortAudio closes every stream of the process: the probe must wait its turn.
    portaudio.system.append(PULSE)
    portaudio._initialize()
    playing, _ = make_sink()
    playing.start(silence)
    inits = portaudio.inits
    waiting, statuses = make_sink("usb headset", probe_delays=(0.01,))  # not plugged in yet
    with pytest.raises(AudioDeviceError):
        waiting.start(silence)
    time.sleep(0.1)
    assert portaudio.inits == inits and portaudio.streams[0].running
    playing.close()
    assert wait_for(lambda: portaudio.inits > inits)  # now it may look again
    assert statuses == [AudioStatus.NONE]


def test_close_ends_the_probe(make_sink, portaudio: FakePortAudio) -> None:
    sink, _ = make_sink(probe_delays=(0.01,))
    with pytest.raises(AudioDeviceError):
        sink.check()
    assert wait_for(lambda: portaudio.inits >= 2)
    sink.close()
    time.sleep(0.05)
    inits = portaudio.inits
    time.sleep(0.1)
    assert portaudio.inits == inits


def test_a_lost_stream_is_status_lost_until_it_is_reopened(make_sink, portaudio: FakePortAudio) -> None:
    portaudio.system.append(PULSE)
    portaudio._initialize()
    sink, statuses = make_sink(reconnect_delays=(0.01,))
    errors: list[str] = []
    sink.set_error_handler(errors.append)
    sink.start(silence)
    portaudio.system.clear()  # the sound server dies...
    portaudio.streams[-1].finished_callback()  # ...and PortAudio ends the stream
    assert wait_for(lambda: sink.audio_status is AudioStatus.LOST)
    assert wait_for(lambda: portaudio.inits >= 3)  # reconnecting, nothing there yet
    assert sink.audio_status is AudioStatus.LOST
    portaudio.system.append(PULSE)
    assert wait_for(lambda: sink.audio_status is AudioStatus.OK)
    assert sink.is_open and portaudio.streams[-1].running
    assert statuses == [AudioStatus.LOST, AudioStatus.OK]
    assert errors == ["lost the audio device; reconnecting"]


def test_a_stream_reopened_after_playback_stopped_is_closed_when_idle(make_sink,
                                                                      portaudio: FakePortAudio) -> None:
    portaudio.system.append(PULSE)
    portaudio._initialize()
    sink, _ = make_sink(reconnect_delays=(0.01,), linger=0.05)
    sink.start(silence)
    portaudio.streams[-1].finished_callback()
    assert wait_for(lambda: sink.audio_status is AudioStatus.LOST)
    sink.stop()  # the reader stopped meanwhile
    assert wait_for(lambda: sink.audio_status is AudioStatus.OK)
    assert wait_for(lambda: not sink.is_open)


def test_word_timing_follows_the_latency_the_device_reports_as_it_plays(make_sink,
                                                                        portaudio: FakePortAudio) -> None:
    """After under-runs the sound server buffers more: what is handed over is heard later, and the
    audio callback's times say by how much (PortAudio's figure at open does not change)."""
    from types import SimpleNamespace

    portaudio.system.append(PULSE)
    sink, _ = make_sink()
    sink.start(silence)
    stream = portaudio.streams[-1]
    assert sink.output_latency == pytest.approx(0.05)
    out = np.zeros((256, stream.channels), dtype=np.float32)
    stream.callback(out, 256, SimpleNamespace(outputBufferDacTime=12.4, currentTime=12.0), None)
    assert sink.output_latency == pytest.approx(0.4)
    # A backend that gives no times leaves the last figure.
    stream.callback(out, 256, SimpleNamespace(outputBufferDacTime=0.0, currentTime=0.0), None)
    assert sink.output_latency == pytest.approx(0.4)
