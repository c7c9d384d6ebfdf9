"""A private user-mode PulseAudio with a null sink, and recordings of what it plays.

For integration tests and benchmarks: what ``parec`` records from the sink's monitor is exactly
what a user would have heard. The server runs in its own ``XDG_RUNTIME_DIR``; PortAudio reaches
it through ALSA's pulse plugin. PortAudio's device list is frozen when it initialises, so
``start`` re-initialises sounddevice if it was imported before the server existed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

SINK = "readaloud_test"
RATE = 24_000


def available() -> bool:
    """Whether the PulseAudio binaries are installed."""
    return all(shutil.which(tool) for tool in ("pulseaudio", "pactl", "parec"))


def _reinit_sounddevice() -> None:
    if "sounddevice" in sys.modules:
        sd = sys.modules["sounddevice"]
        sd._terminate()
        sd._initialize()


class PulseServer:
    """Starts ``pulseaudio`` with one null sink; use as a context manager."""

    def __init__(self, sink: str = SINK) -> None:
        self.sink = sink
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="readaloud-pulse-"))
        self._process: subprocess.Popen[bytes] | None = None
        self._saved: dict[str, str | None] = {}

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "XDG_RUNTIME_DIR": str(self.runtime_dir),
                "PULSE_SERVER": f"unix:{self.runtime_dir}/pulse/native"}

    def start(self, *, reinit_sounddevice: bool = True) -> PulseServer:
        """Start the server; ``reinit_sounddevice=False`` leaves PortAudio to a sink that re-reads
        its device list itself (re-initialising it from here would race that sink's threads)."""
        self.runtime_dir.chmod(0o700)
        log = open(self.runtime_dir / "pulse.log", "wb")  # noqa: SIM115 - lives as long as the server
        self._process = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
             "-L", "module-native-protocol-unix",
             "-L", f"module-null-sink sink_name={self.sink} "
                   "sink_properties=device.description=ReadAloudTest"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode != 0:
            if self._process.poll() is not None or time.monotonic() > deadline:
                log_text = (self.runtime_dir / "pulse.log").read_text()
                raise RuntimeError(f"pulseaudio did not start: {log_text}")
            time.sleep(0.05)
        for key in ("XDG_RUNTIME_DIR", "PULSE_SERVER"):
            self._saved[key] = os.environ.get(key)
            os.environ[key] = self.env[key]
        if reinit_sounddevice:
            _reinit_sounddevice()
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()
        _reinit_sounddevice()
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def kill(self) -> None:
        """Make the server vanish as if it crashed (for device-loss tests)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def record(self) -> Recording:
        return Recording(self).start()

    def __enter__(self) -> PulseServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Recording:
    """``parec`` on the null sink's monitor, read by a thread that time-stamps what arrives."""

    def __init__(self, server: PulseServer) -> None:
        self._server = server
        self._chunks: list[bytes] = []
        self._offset = float("inf")  # best estimate of the monotonic time of sample 0
        self._count = 0
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self.started_at = 0.0

    def start(self) -> Recording:
        self._process = subprocess.Popen(
            ["parec", "-d", f"{self._server.sink}.monitor", "--raw", f"--rate={RATE}", "--channels=1",
             "--format=s16le", "--latency-msec=10"],
            env=self._server.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self.started_at = time.monotonic()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        # Recording is live once the first bytes arrive.
        deadline = time.monotonic() + 10
        while self._count == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        return self

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        stream = self._process.stdout
        while True:
            data = os.read(stream.fileno(), 960)
            now = time.monotonic()
            if not data:
                return
            with self._lock:
                self._chunks.append(data)
                self._count += len(data) // 2
                # Data is read no earlier than it was played: the smallest (now - position) is the
                # closest estimate of when sample 0 played.
                self._offset = min(self._offset, now - self._count / RATE)

    def samples(self) -> np.ndarray:
        """Everything recorded so far, float32 in [-1, 1]."""
        with self._lock:
            data = b"".join(self._chunks)
        usable = len(data) - len(data) % 2
        return np.frombuffer(data[:usable], dtype="<i2").astype(np.float32) / 32768.0

    def time_of(self, sample: int) -> float:
        """The monotonic time at which ``sample`` was played."""
        return self._offset + sample / RATE

    def sample_at(self, moment: float) -> int:
        """The index of the sample played at monotonic time ``moment``."""
        return max(0, int((moment - self._offset) * RATE))

    def stop(self) -> np.ndarray:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=5)
            self._process = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        return self.samples()


def gaps(
    audio: np.ndarray, *, threshold: float = 0.01, rate: int = RATE, window: float = 0.01
) -> list[tuple[float, float]]:
    """Silences inside ``audio`` (between its first and last sound): ``[(start_s, length_s), ...]``."""
    size = int(window * rate)
    frames = len(audio) // size
    if frames == 0:
        return []
    loud = np.abs(audio[: frames * size]).reshape(frames, size).max(axis=1) > threshold
    indices = np.flatnonzero(loud)
    if len(indices) == 0:
        return []
    result = []
    run_start = None
    for i in range(indices[0], indices[-1] + 1):
        if not loud[i] and run_start is None:
            run_start = i
        elif loud[i] and run_start is not None:
            result.append((run_start * window, (i - run_start) * window))
            run_start = None
    return result


def first_sound(audio: np.ndarray, *, threshold: float = 0.01, start: int = 0) -> int | None:
    """Index of the first sample from ``start`` on louder than ``threshold``."""
    loud = np.flatnonzero(np.abs(audio[start:]) > threshold)
    return int(loud[0]) + start if len(loud) else None
