"""``SoundDeviceSink``: the ``Sink`` port on a sounddevice (PortAudio) output stream.

The stream is opened when playback starts and kept warm for ``linger`` seconds after it stops (so
a pause, or the next request, starts without reopening and without clipping its first word); after
that it is closed, so an idle daemon costs no CPU. If the device or the sound server goes away the
stream is reopened in the background with growing delays, and the loss is reported once.

PortAudio reads the device list once, when it initialises: a daemon started before the sound server
(at login, before PipeWire) would never see it. So while no stream is open, a request that finds no
device re-initialises PortAudio and looks again, and a background probe does the same with growing
delays, so that ``audio_status`` turns ``ok`` by itself once a sound server appears.

The audio callback only calls the player's callback (or zero-fills); it never blocks or logs.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from readaloud.core import AudioStatus
from readaloud.errors import AudioDeviceError
from readaloud.playback import alsa_errors
from readaloud.speech.engine import SAMPLE_RATE

log = logging.getLogger(__name__)

AudioCallback = Callable[[np.ndarray], None]
StatusHandler = Callable[[AudioStatus], None]


class Sink(Protocol):
    """Audio output at ``sample_rate``: calls ``callback(out)`` from its audio thread to fill ``out``.

    ``out`` is a float32 mono block of at most 20 ms. ``start`` begins (or keeps) calling the
    callback; after ``stop`` returns it is no longer called and the output is silent; ``close``
    releases the device (idempotent). ``SoundDeviceSink`` and the tests' ``FakeSink`` implement it,
    and the same contract tests run on both. ``audio_status`` says whether sound reaches the user.
    """

    sample_rate: int
    audio_status: AudioStatus

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

    def set_status_handler(self, handler: StatusHandler | None) -> None:
        """Who hears each change of ``audio_status``, called on one of the sink's threads (the
        ``Reader`` sets this). A sink whose status never changes may ignore it."""
        ...


# Delays between attempts to reopen a lost stream, and between probes for a device while there is none.
RECONNECT_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
PROBE_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
_PA_INVALID_SAMPLE_RATE = -9997
_PA_INVALID_CHANNEL_COUNT = -9998
_NO_DEVICE_HINT = (
    "start a sound server (PipeWire or PulseAudio) or set [playback] device; "
    "'readaloud say --output FILE' works without one"
)
# PortAudio is not thread-safe, and terminating it closes every stream of the process: one
# re-initialisation at a time, process-wide, and none while any sink has a stream open.
_PORTAUDIO_LOCK = threading.Lock()
_open_streams = 0  # streams of this process open now; guarded by _PORTAUDIO_LOCK


class Backoff:
    """Delays that grow along ``delays`` and then stay at the last one (one per attempt)."""

    def __init__(self, delays: Sequence[float]) -> None:
        if not delays:
            raise ValueError("Backoff needs at least one delay")
        self._delays = tuple(delays)
        self.attempts = 0

    def next(self) -> float:
        """The delay before the next attempt (counting it)."""
        delay = self._delays[min(self.attempts, len(self._delays) - 1)]
        self.attempts += 1
        return delay


def reinitialize_portaudio(sd: Any) -> bool:
    """Re-read the device list (frozen when PortAudio initialised). Terminating PortAudio would
    close every open stream, so while any sink of this process has one this does nothing: False."""
    with _PORTAUDIO_LOCK:
        if _open_streams:
            return False
        try:
            sd._terminate()
        except sd.PortAudioError as error:  # not initialised (a failed earlier attempt): fine
            log.debug("terminating PortAudio: %s", error)
        sd._initialize()
        return True


def _count_streams(change: int) -> None:
    global _open_streams
    with _PORTAUDIO_LOCK:
        _open_streams += change


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
    # ALSA's messages ("underrun occurred", probing errors) would go to stderr, i.e. the daemon log.
    alsa_errors.install()
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
        reconnect_delays: Sequence[float] = RECONNECT_DELAYS,
        probe_delays: Sequence[float] = PROBE_DELAYS,
        portaudio: Callable[[], Any] = _sounddevice,
    ) -> None:
        self._device_name = device
        self._block = max(1, int(block_seconds * self.sample_rate))
        self._latency = latency
        self._linger = linger
        self._on_error = on_error
        self._on_status: StatusHandler | None = None
        self._reconnect_delays = tuple(reconnect_delays)
        self._probe_delays = tuple(probe_delays)
        self._portaudio = portaudio
        self._lock = threading.RLock()  # stream lifecycle; never taken by the audio callback
        self._stream: Any = None
        self._callback: AudioCallback | None = None
        self._active = False  # read by the audio callback: call the player or play silence
        self._wanted = False  # the stream should be running (started, or lingering)
        self._closed = False  # close() ends the background threads
        self._generation = 0  # bumped whenever we open or close a stream
        self._linger_timer: threading.Timer | None = None
        self._reconnect_thread: threading.Thread | None = None
        self._probe_thread: threading.Thread | None = None
        self._wake = threading.Event()  # ends a background thread's wait early (close)
        self._lost_reported = False
        self._channels = 1
        self._mono = np.zeros(0, dtype=np.float32)
        self._stream_latency = latency
        self._heard_after: float | None = None
        self._resampler: LinearResampler | None = None
        self.audio_status = AudioStatus.OK
        self.device_rate = self.sample_rate
        self.callback_errors = 0

    @property
    def is_open(self) -> bool:
        """Whether a stream is open now (False when idle: the daemon then costs nothing)."""
        return self._stream is not None

    @property
    def output_latency(self) -> float:
        """How long the audio handed over now takes to be heard: as the device last said in the
        audio callback (the sound server raises its buffering after under-runs), else as PortAudio
        reported it when the stream opened (the requested latency before that).

        Read by the audio callback: plain attributes."""
        heard_after = self._heard_after
        return self._stream_latency if heard_after is None else heard_after

    def set_error_handler(self, handler: Callable[[str], None] | None) -> None:
        """Who hears about a lost device (called on a background thread). The ``Reader`` sets this."""
        self._on_error = handler

    def set_status_handler(self, handler: StatusHandler | None) -> None:
        """Who hears each change of ``audio_status`` (on a background thread or the caller's)."""
        self._on_status = handler

    def check(self) -> None:
        """Raise ``AudioDeviceError`` now if the configured output device does not exist; then
        ``audio_status`` is ``none`` and a background probe looks for one with growing delays."""
        with self._lock:
            self._reopen()
            try:
                find_output_device(self._portaudio(), self._device_name)
            except AudioDeviceError:
                self._set_status(AudioStatus.NONE)
                self._start_probe()
                raise
            if self.audio_status is AudioStatus.NONE:
                self._set_status(AudioStatus.OK)

    def start(self, callback: AudioCallback) -> None:
        """Open (or keep) the stream and have it call ``callback(out)`` for every block."""
        with self._lock:
            self._reopen()
            self._cancel_linger()
            self._callback = callback
            self._active = True
            self._wanted = True
            if self._stream is None and not self._reconnecting():
                try:
                    self._open_fresh()
                except Exception:
                    self._active = self._wanted = False
                    raise

    def stop(self) -> None:
        """Stop calling the callback at once (silence); close the stream after ``linger`` seconds."""
        with self._lock:
            self._active = False
            if self._stream is None:
                if not self._reconnecting():
                    self._wanted = False
                return
            self._schedule_linger()

    def close(self) -> None:
        """Play out what the device holds, then release it."""
        with self._lock:
            self._active = False
            self._wanted = False
            self._closed = True
            self._wake.set()
            self._cancel_linger()
            self._close_stream()

    def _reopen(self) -> None:
        """Used again after ``close``: background threads may run again."""
        if self._closed:
            self._closed = False
            self._wake.clear()

    # -- status ------------------------------------------------------------------------------------

    def _set_status(self, status: AudioStatus) -> None:
        if status is self.audio_status:
            return
        self.audio_status = status
        log.info("audio output: %s", status.value)
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:
                log.exception("audio status handler failed")

    # -- stream lifecycle (under _lock) --------------------------------------------------------

    def _reconnecting(self) -> bool:
        return self._reconnect_thread is not None and self._reconnect_thread.is_alive()

    def _schedule_linger(self) -> None:
        if self._linger_timer is not None:
            return
        self._linger_timer = threading.Timer(self._linger, self._linger_expired)
        self._linger_timer.daemon = True
        self._linger_timer.start()

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
            counts = alsa_errors.counts()
            if counts.messages:
                log.debug("ALSA messages so far: %d (%d under-runs)", counts.messages, counts.underruns)

    def _open_fresh(self) -> None:
        """Open a stream; when that fails, re-read PortAudio's device list and try once more."""
        sd = self._portaudio()
        try:
            self._open(sd)
        except AudioDeviceError as error:
            # No stream is open (we hold none), so re-initialising closes nothing of ours.
            log.debug("no usable output device (%s); re-reading the device list", error)
            try:
                if not reinitialize_portaudio(sd):
                    raise
                self._open(sd)
            except Exception:
                self._set_status(AudioStatus.NONE)
                self._start_probe()
                raise
        self._set_status(AudioStatus.OK)

    def _open(self, sd: Any) -> None:
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
        self._stream_latency = float(stream.latency)
        self._heard_after = None
        _count_streams(+1)
        stream.start()
        log.debug("audio stream open on %r at %d Hz, %d channel(s), latency %.3f s",
                  info["name"], self.device_rate, self._channels, stream.latency)

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        _count_streams(-1)
        self._generation += 1  # its finished callback is now stale, not a lost device
        try:
            stream.stop()
            stream.close()
        except Exception as error:  # the server may be gone already
            log.debug("closing the audio stream failed: %s", error)

    # -- no device: probe for one ------------------------------------------------------------------

    def _start_probe(self) -> None:
        if self._probe_thread is not None or self._closed:
            return
        self._wake.clear()
        self._probe_thread = threading.Thread(target=self._probe, name="readaloud-audio-probe",
                                              daemon=True)
        self._probe_thread.start()

    def _probe(self) -> None:
        backoff = Backoff(self._probe_delays)
        while True:
            self._wake.wait(backoff.next())
            with self._lock:
                if (self._closed or self.audio_status is not AudioStatus.NONE or self._stream is not None
                        or self._reconnecting()):
                    self._probe_thread = None
                    return
                try:
                    sd = self._portaudio()
                    if not reinitialize_portaudio(sd):
                        continue  # another sink of this process plays: try again later
                    find_output_device(sd, self._device_name)
                except Exception as error:
                    log.debug("still no audio output (probe %d): %s", backoff.attempts, error)
                    continue
                self._probe_thread = None
                self._set_status(AudioStatus.OK)
                return

    # -- a lost stream: reopen it ------------------------------------------------------------------

    # -- audio thread ------------------------------------------------------------------------------

    def _audio(self, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        mono = outdata[:, 0] if self._channels == 1 else self._mono[:frames]
        try:
            heard_after = float(time.outputBufferDacTime - time.currentTime)
        except (AttributeError, TypeError):
            heard_after = 0.0
        if 0.0 < heard_after < 10.0:  # some backends give no times (0) here
            self._heard_after = heard_after
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
            if self._reconnecting():
                return
            self._stream = None  # ended by PortAudio; re-initialising it frees what is left
            _count_streams(-1)
            self._generation += 1
            self._set_status(AudioStatus.LOST)
            self._reconnect_thread = threading.Thread(
                target=self._reconnect, name="readaloud-audio-reconnect", daemon=True
            )
            self._reconnect_thread.start()

    def _reconnect(self) -> None:
        if not self._lost_reported:
            self._lost_reported = True
            self._report("lost the audio device; reconnecting")
        backoff = Backoff(self._reconnect_delays)
        while True:
            self._wake.wait(backoff.next())
            with self._lock:
                if not self._wanted:
                    return
                try:
                    sd = self._portaudio()
                    # PortAudio's device list is frozen at initialisation: see a restarted server.
                    reinitialize_portaudio(sd)
                    self._open(sd)
                except Exception as error:
                    log.debug("reconnecting audio failed (attempt %d): %s", backoff.attempts, error)
                    continue
                self._lost_reported = False
                self._set_status(AudioStatus.OK)
                log.info("audio device back after %d attempt(s)", backoff.attempts)
                if not self._active:
                    self._schedule_linger()  # nothing to play any more: close it when idle
                return

    def _report(self, message: str) -> None:
        log.warning("%s", message)
        if self._on_error is not None:
            try:
                self._on_error(message)
            except Exception:
                log.exception("on_error handler failed")
