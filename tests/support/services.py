"""Real services for daemon tests and benchmarks: a private session bus, an Xvfb display, a PulseAudio
null sink with its monitor recorded, and ``readaloud daemon`` running the real model.

The pytest fixtures over these live in ``tests/integration/daemon_fixtures.py``; ``bench/`` uses the
same functions directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from readaloud.dbus.names import BUS_NAME, INTERFACE, OBJECT_PATH
from tests.support.xvfb import start_xvfb

RATE = 24000
SINK = "readaloud_test"
SOUND_RMS = 0.01  # speech from Kokoro sits far above this; the null sink's silence is exactly 0
REPO = Path(__file__).resolve().parents[2]
BASE_CONFIG = "[tray]\nenabled = false\n"


class MissingToolError(RuntimeError):
    """A program the private services need is not installed."""


def _need(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise MissingToolError(
            f"missing tools for the private services: {', '.join(missing)} (.ci/run installs them)"
        )


def _wait(predicate: Any, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class Services:
    """Environment variables that point programs at the private bus and sound server."""

    env: dict[str, str]
    root: Path


@contextlib.contextmanager
def private_services(*, sound_server: bool = True) -> Iterator[Services]:
    """A private session bus, an Xvfb display, and a user-mode PulseAudio whose only sink is a null sink.

    With ``sound_server=False`` there is no PulseAudio yet (as at a login where the daemon starts
    before PipeWire): start it later with :func:`start_sound_server`.
    """
    _need("dbus-daemon", "pulseaudio", "pactl", "parec", "Xvfb", "xclip")
    root = Path(tempfile.mkdtemp(prefix="readaloud-daemon-test-"))
    runtime = root / "run"
    runtime.mkdir(mode=0o700)
    processes: list[subprocess.Popen[Any]] = []
    try:
        # The bus looks for activatable services under $XDG_DATA_HOME/dbus-1/services.
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:dir={root}"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env=dict(os.environ, XDG_DATA_HOME=str(root / "data")),
        )
        processes.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        env = {
            key: value for key, value in os.environ.items()
            if key not in ("DISPLAY", "WAYLAND_DISPLAY", "PULSE_SERVER", "DBUS_SESSION_BUS_ADDRESS")
        }
        env.update(
            DBUS_SESSION_BUS_ADDRESS=address,
            XDG_RUNTIME_DIR=str(runtime),
            XDG_SESSION_TYPE="x11",
            PULSE_SERVER=f"unix:{runtime}/pulse/native",
            XDG_CONFIG_HOME=str(root / "config"),
            XDG_STATE_HOME=str(root / "state"),
            XDG_DATA_HOME=str(root / "data"),
            XDG_CACHE_HOME=os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),
            PYTHONUNBUFFERED="1",
        )
        # An X server for the selection (xclip) and the hotkey listener; no tray host, so the tray
        # is off in the config (its own tests cover it).
        xvfb, env["DISPLAY"] = start_xvfb()
        processes.append(xvfb)
        config = root / "config" / "readaloud" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(BASE_CONFIG)
        services = Services(env, root)
        if sound_server:
            processes.append(start_sound_server(services))
        yield services
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(root, ignore_errors=True)


def start_sound_server(services: Services) -> subprocess.Popen[bytes]:
    """Start PulseAudio with the null sink on the services' socket; the caller ends the process."""
    with open(services.root / "pulse.log", "ab") as pulse_log:
        process = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
             "--disable-shm=yes", "-L", "module-native-protocol-unix",
             "-L", f"module-null-sink sink_name={SINK} sink_properties=device.description=ReadAloudTest"],
            env=services.env, stdout=subprocess.DEVNULL, stderr=pulse_log,
        )
    env = services.env
    try:
        _wait(lambda: subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0,
              15, "PulseAudio")
        subprocess.run(["pactl", "set-default-sink", SINK], env=env, check=True, capture_output=True)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process


@dataclass
class Recorder:
    """Everything played on the null sink, recorded from its monitor with arrival times."""

    process: subprocess.Popen[bytes]
    # Minutes of audio: printed in a failure report, it kept pytest busy for over ten minutes.
    chunks: list[tuple[float, np.ndarray]] = field(default_factory=list, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _pump(self) -> None:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while True:
            data = os.read(fd, 960)  # up to 20 ms
            if not data:
                return
            samples = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.float32) / 32768
            with self.lock:
                self.chunks.append((time.monotonic(), samples))

    def audio(self, start: float, end: float | None = None) -> np.ndarray:
        with self.lock:
            parts = [s for t, s in self.chunks if t >= start and (end is None or t <= end)]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

    def rms(self, start: float, end: float) -> float:
        audio = self.audio(start, end)
        return float(np.sqrt(np.mean(audio**2))) if audio.size else 0.0

    def wait_for_sound(self, since: float, timeout: float = 30.0) -> float:
        """The arrival time of the first 20 ms block with sound after ``since``."""
        deadline = time.monotonic() + timeout
        checked = 0
        while time.monotonic() < deadline:
            with self.lock:
                recent = [(t, s) for t, s in self.chunks[checked:] if t >= since]
                checked = len(self.chunks)
            for t, samples in recent:
                if samples.size and float(np.sqrt(np.mean(samples**2))) > SOUND_RMS:
                    return t
            time.sleep(0.02)
        raise TimeoutError(f"no sound at the sink within {timeout:.0f} s")

    def wait_for_silence(self, since: float, hold: float = 0.3, timeout: float = 10.0) -> float:
        """The start of the first ``hold`` seconds of silence after ``since``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                blocks = [(t, s) for t, s in self.chunks if t >= since]
            quiet_from: float | None = None
            for t, samples in blocks:
                loud = samples.size and float(np.max(np.abs(samples))) > 0.002
                if loud:
                    quiet_from = None
                elif quiet_from is None:
                    quiet_from = t
                if quiet_from is not None and t - quiet_from >= hold:
                    return quiet_from
            time.sleep(0.05)
        raise TimeoutError("the sink never fell silent")


@contextlib.contextmanager
def recording(services: Services) -> Iterator[Recorder]:
    """Record the null sink's monitor for as long as the block runs."""
    process = subprocess.Popen(
        ["parec", "-d", f"{SINK}.monitor", "--raw", f"--rate={RATE}", "--channels=1", "--format=s16le",
         "--latency-msec=10"],
        env=services.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    rec = Recorder(process)
    thread = threading.Thread(target=rec._pump, daemon=True)
    thread.start()
    _wait(lambda: bool(rec.chunks), 10, "the sink monitor")
    try:
        yield rec
    finally:
        process.terminate()
        process.wait(5)


def readaloud(services: Services, *args: str, input: bytes | None = None,
              timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI as a user would, against the private bus."""
    return subprocess.run([sys.executable, "-m", "readaloud", *args], env=services.env, input=input,
                          capture_output=True, timeout=timeout, cwd=REPO)


@dataclass
class DaemonProcess:
    process: subprocess.Popen[bytes]
    log_path: Path
    services: Services

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None


def start_daemon(services: Services, *extra: str, ready_timeout: float = 180) -> DaemonProcess:
    log_path = services.root / f"daemon-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "readaloud", "-v", "daemon", *extra],
                                   env=services.env, stdout=log_file, stderr=log_file, cwd=REPO)
    daemon = DaemonProcess(process, log_path, services)

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the daemon exited with {process.returncode}:\n{daemon.log()}")
        result = readaloud(services, "status", "--json")
        return (result.returncode == 0 and b'"loading"' not in result.stdout
                and _name_owner_pid(services) == process.pid)

    _wait(ready, ready_timeout, "the daemon to load the model", interval=0.3)
    return daemon


def _name_owner_pid(services: Services) -> int | None:
    """The pid of the process that owns the daemon's name (another daemon may still answer)."""
    from dbus_fast import MessageType

    client = Bus(services.env["DBUS_SESSION_BUS_ADDRESS"])
    try:
        reply = client.call("GetConnectionUnixProcessID", "s", [BUS_NAME],
                            interface="org.freedesktop.DBus", destination="org.freedesktop.DBus",
                            path="/org/freedesktop/DBus")
    finally:
        client.close()
    return int(reply.body[0]) if reply.message_type == MessageType.METHOD_RETURN else None


def stop_daemon(daemon: DaemonProcess) -> int:
    if daemon.alive():
        daemon.process.send_signal(signal.SIGTERM)
    try:
        return daemon.process.wait(40)
    except subprocess.TimeoutExpired:
        daemon.process.kill()
        return daemon.process.wait(5)


class Bus:
    """A test's own D-Bus connection (a second client beside the CLI), driven synchronously."""

    def __init__(self, address: str, loop: asyncio.AbstractEventLoop | None = None) -> None:
        from dbus_fast.aio import MessageBus

        self._own_loop = loop is None
        self.loop = loop or asyncio.new_event_loop()
        async def connect() -> MessageBus:
            return await MessageBus(bus_address=address).connect()

        self.bus = self.loop.run_until_complete(connect())
        self.signals: list[tuple[float, str, list[Any]]] = []
        self.bus.add_message_handler(self._on_message)

    def _on_message(self, message: Any) -> None:
        from dbus_fast import MessageType

        if message.message_type == MessageType.SIGNAL:
            self.signals.append((time.monotonic(), str(message.member), list(message.body)))

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def call(self, member: str, signature: str = "", body: list[Any] | None = None, *,
             interface: str = INTERFACE, destination: str = BUS_NAME, path: str = OBJECT_PATH) -> Any:
        from dbus_fast import Message

        return self.run(self.bus.call(Message(destination=destination, path=path, interface=interface,
                                               member=member, signature=signature, body=body or [])))

    def watch(self, rule: str) -> None:
        reply = self.call("AddMatch", "s", [rule], interface="org.freedesktop.DBus",
                          destination="org.freedesktop.DBus", path="/org/freedesktop/DBus")
        assert reply.error_name is None, reply.body

    def pump(self, seconds: float) -> None:
        self.run(asyncio.sleep(seconds))

    def wait_signal(self, member: str, predicate: Any = lambda body: True, timeout: float = 30.0,
                    since: float = 0.0) -> tuple[float, list[Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, name, body in self.signals:
                if t >= since and name == member and predicate(body):
                    return t, body
            self.pump(0.02)
        raise TimeoutError(f"no {member} signal within {timeout:.0f} s")

    def close(self) -> None:
        self.bus.disconnect()
        self.loop.run_until_complete(asyncio.sleep(0))
        if self._own_loop:
            self.loop.close()
