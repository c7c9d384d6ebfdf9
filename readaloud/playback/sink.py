"""``SoundDeviceSink``: the ``Sink`` port on a sounddevice (PortAudio) output stream.

The stream is opened when playback starts and kept warm for ``linger`` seconds after it stops (so
a pause, or the next request, starts without reopening and without clipping its first word); after
that it is closed, so an idle daemon costs no CPU. If the device or the sound server goes away the
stream is reopened in the background with growing delays, and the loss is reported once.

The audio callback only calls the player's callback (or zero-fills); it never blocks or logs.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from readaloud.errors import AudioDeviceError
from readaloud.speech.engine import SAMPLE_RATE

log = logging.getLogger(__name__)

AudioCallback = Callable[[np.ndarray], None]


class Sink(Protocol):
    """Audio output at ``sample_rate``: calls ``callback(out)`` from its audio thread to fill ``out``.

    ``out`` is a float32 mono block of at most 20 ms. ``start`` begins (or keeps) calling the
    callback; after ``stop`` returns it is no longer called and the output is silent; ``close``
    releases the device (idempotent). ``SoundDeviceSink`` and the tests' ``FakeSink`` implement it,
    and the same contract tests run on both.
    """

    sample_rate: int

    def start(self, callback: AudioCallback) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...

    @property
    def output_latency(self) -> float:
        """Seconds from the callback filling a block to that block being heard (0 if unknown)."""
        ...

    def check(self) -> None:
        """Raise ``AudioDeviceError`` now if the output device does not exist (before any start)."""
        ...

    def set_error_handler(self, handler: Callable[[str], None] | None) -> None:
        """Who hears about later trouble (the device was lost), called on one of the sink's threads;
        the ``Reader`` sets this. A sink that cannot fail later may ignore it."""
        ...

_BACKOFF = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
_PA_INVALID_SAMPLE_RATE = -9997
_PA_INVALID_CHANNEL_COUNT = -9998
_NO_DEVICE_HINT = (
    "start a sound server (PipeWire or PulseAudio) or set [playback] device; "
    "'readaloud say --output FILE' works without one"
)


class LinearResampler:
    """Streams audio from ``source`` (at ``source_rate``) out at ``target_rate`` by linear interpolation.

    Used only when the device refuses 24 kHz; the sound server usually resamples better. Keeps
    fractional position and unread samples between calls, so blocks join without clicks.
    """

    def __init__(self, source_rate: int, target_rate: int, max_frames: int = 8192) -> None:
        self.step = source_rate / target_rate
        self._phase = 0.0  # position of the next output sample, in source samples from _buffer[0]
        self._buffer = np.zeros(int(max_frames * self.step) + 8, dtype=np.float32)
        self._have = 0

    def fill(self, out: np.ndarray, source: AudioCallback) -> None:
        """Fill ``out`` with resampled audio, pulling what it needs from ``source(block)``."""
        frames = len(out)
        positions = self._phase + self.step * np.arange(frames)
        need = int(positions[-1]) + 2
        if need > len(self._buffer):
            grown = np.zeros(need * 2, dtype=np.float32)
            grown[: self._have] = self._buffer[: self._have]
            self._buffer = grown
        if self._have < need:
            source(self._buffer[self._have : need])
            self._have = need
        np.copyto(out, np.interp(positions, np.arange(need), self._buffer[:need]).astype(np.float32))
        consumed = min(int(self._phase + self.step * frames), self._have)
        self._buffer[: self._have - consumed] = self._buffer[consumed : self._have].copy()
        self._have -= consumed
        self._phase = self._phase + self.step * frames - consumed


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as error:  # no PortAudio library
        raise AudioDeviceError(f"cannot use audio output ({error}); install libportaudio2") from None
    return sounddevice


def find_output_device(sd: Any, name: str) -> int:
    """The PortAudio index of the output device whose name contains ``name`` (empty: the default)."""
    devices = [(index, info) for index, info in enumerate(sd.query_devices())
               if info["max_output_channels"] > 0]
    if not devices:
        raise AudioDeviceError(f"no audio output device found; {_NO_DEVICE_HINT}")
    if not name:
        default = sd.default.device[1] if isinstance(sd.default.device, (list, tuple)) else sd.default.device
        if isinstance(default, int) and default >= 0:
            return default
        for preferred in ("pipewire", "pulse", "default"):
            for index, info in devices:
                if info["name"] == preferred:
                    return index
        return devices[0][0]
    wanted = name.lower()
    exact = [index for index, info in devices if info["name"].lower() == wanted]
    if exact:
        return exact[0]
    matches = [index for index, info in devices if wanted in info["name"].lower()]
    if matches:
        return matches[0]
    names = ", ".join(repr(info["name"]) for _, info in devices)
    raise AudioDeviceError(
        f"no audio output device matches {name!r}; set [playback] device to one of {names}"
    )


class SoundDeviceSink:
    """Plays the player's audio on a PortAudio output device (by name substring; empty = default)."""

    sample_rate = SAMPLE_RATE

    def __init__(
        self,
        device: str = "",
        *,
        block_seconds: float = 0.02,
        latency: float = 0.05,
        linger: float = 3.0,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._device_name = device
        self._block = max(1, int(block_seconds * self.sample_rate))
        self._latency = latency
        self._linger = linger
        self._on_error = on_error
        self._lock = threading.RLock()  # stream lifecycle; never taken by the audio callback
        self._stream: Any = None
        self._callback: AudioCallback | None = None
        self._active = False  # read by the audio callback: call the player or play silence
        self._wanted = False  # the stream should be running (started, or lingering)
        self._generation = 0  # bumped whenever we open or close a stream
        self._linger_timer: threading.Timer | None = None
        self._reconnect_thread: threading.Thread | None = None
        self._lost_reported = False
        self._channels = 1
        self._mono = np.zeros(0, dtype=np.float32)
        self._resampler: LinearResampler | None = None
        self.device_rate = self.sample_rate
        self.callback_errors = 0

    @property
    def is_open(self) -> bool:
        """Whether a stream is open now (False when idle: the daemon then costs nothing)."""
        return self._stream is not None

    @property
    def output_latency(self) -> float:
        """The open stream's output latency as PortAudio reports it; the requested one otherwise."""
        stream = self._stream
        try:
            return float(stream.latency) if stream is not None else self._latency
        except Exception:  # a stream closing under us: the request is the best guess
            return self._latency

    def set_error_handler(self, handler: Callable[[str], None] | None) -> None:
        """Who hears about a lost device (called on a background thread). The ``Reader`` sets this."""
        self._on_error = handler

    def check(self) -> None:
        """Raise ``AudioDeviceError`` now if the configured output device does not exist."""
        find_output_device(_sounddevice(), self._device_name)

    def start(self, callback: AudioCallback) -> None:
        """Open (or keep) the stream and have it call ``callback(out)`` for every block."""
        with self._lock:
            self._cancel_linger()
            self._callback = callback
            self._active = True
            self._wanted = True
            reconnecting = self._reconnect_thread is not None and self._reconnect_thread.is_alive()
            if self._stream is None and not reconnecting:
                self._open()

    def stop(self) -> None:
        """Stop calling the callback at once (silence); close the stream after ``linger`` seconds."""
        with self._lock:
            self._active = False
            if self._stream is None or self._linger_timer is not None:
                return
            self._linger_timer = threading.Timer(self._linger, self._linger_expired)
            self._linger_timer.daemon = True
            self._linger_timer.start()

    def close(self) -> None:
        """Play out what the device holds, then release it."""
        with self._lock:
            self._active = False
            self._wanted = False
            self._cancel_linger()
            self._close_stream()

    # -- stream lifecycle (under _lock) --------------------------------------------------------

    def _cancel_linger(self) -> None:
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None

    def _linger_expired(self) -> None:
        with self._lock:
            if self._linger_timer is None or self._active:
                return
            self._linger_timer = None
            self._wanted = False
            self._close_stream()
            log.debug("audio stream closed after %.1f s idle", self._linger)

    def _open(self) -> None:
        sd = _sounddevice()
        index = find_output_device(sd, self._device_name)
        info = sd.query_devices(index)
        stream = None
        for rate in (self.sample_rate, int(info["default_samplerate"])):
            for channels in (1, 2):
                try:
                    stream = sd.OutputStream(
                        device=index, samplerate=rate, channels=channels, dtype="float32",
                        blocksize=int(self._block * rate / self.sample_rate), latency=self._latency,
                        callback=self._audio,
                        finished_callback=functools.partial(self._finished, self._generation + 1),
                    )
                    break
                except sd.PortAudioError as error:
                    code = error.args[1] if len(error.args) > 1 else None
                    if code not in (_PA_INVALID_SAMPLE_RATE, _PA_INVALID_CHANNEL_COUNT):
                        raise AudioDeviceError(
                            f"cannot open audio device {info['name']!r}: {error.args[0]}; {_NO_DEVICE_HINT}"
                        ) from None
            if stream is not None:
                break
        if stream is None:
            raise AudioDeviceError(
                f"audio device {info['name']!r} accepts no usable format; {_NO_DEVICE_HINT}"
            )
        self._channels = stream.channels
        self.device_rate = int(stream.samplerate)
        resample = self.device_rate != self.sample_rate
        self._resampler = LinearResampler(self.sample_rate, self.device_rate) if resample else None
        self._mono = np.zeros(max(4096, self._block * 8), dtype=np.float32)
        self._generation += 1
        self._stream = stream
        stream.start()
        log.debug("audio stream open on %r at %d Hz, %d channel(s), latency %.3f s",
                  info["name"], self.device_rate, self._channels, stream.latency)

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        self._generation += 1  # its finished callback is now stale, not a lost device
        try:
            stream.stop()
            stream.close()
        except Exception as error:  # the server may be gone already
            log.debug("closing the audio stream failed: %s", error)

    # -- audio thread ------------------------------------------------------------------------------

    def _audio(self, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        mono = outdata[:, 0] if self._channels == 1 else self._mono[:frames]
        callback = self._callback if self._active else None
        try:
            if callback is None:
                mono.fill(0.0)
            elif self._resampler is None:
                callback(mono)
            else:
                self._resampler.fill(mono, callback)
        except Exception:
            self.callback_errors += 1
            mono.fill(0.0)
        if self._channels != 1:
            outdata[:] = mono[:, None]

    def _finished(self, generation: int) -> None:
        # PortAudio calls this on its own thread when a stream ends. If we did not end it, the
        # device or the sound server went away. Never block here: PortAudio may be joining us.
        if generation == self._generation:
            threading.Thread(target=self._lost, args=(generation,), name="readaloud-audio-lost",
                             daemon=True).start()

    def _lost(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation or not self._wanted:
                return
            if self._reconnect_thread is not None and self._reconnect_thread.is_alive():
                return
            self._stream = None
            self._generation += 1
            self._reconnect_thread = threading.Thread(
                target=self._reconnect, name="readaloud-audio-reconnect", daemon=True
            )
            self._reconnect_thread.start()

    def _reconnect(self) -> None:
        if not self._lost_reported:
            self._lost_reported = True
            self._report("lost the audio device; reconnecting")
        attempt = 0
        stop = threading.Event()
        while True:
            stop.wait(_BACKOFF[min(attempt, len(_BACKOFF) - 1)])
            attempt += 1
            with self._lock:
                if not self._wanted:
                    return
                try:
                    sd = _sounddevice()
                    # PortAudio's device list is frozen at initialisation: see a restarted server.
                    sd._terminate()
                    sd._initialize()
                    self._open()
                except Exception as error:
                    log.debug("reconnecting audio failed (attempt %d): %s", attempt, error)
                    continue
                self._lost_reported = False
                log.info("audio device back after %d attempt(s)", attempt)
                return

    def _report(self, message: str) -> None:
        log.warning("%s", message)
        if self._on_error is not None:
            try:
                self._on_error(message)
            except Exception:
                log.exception("on_error handler failed")
