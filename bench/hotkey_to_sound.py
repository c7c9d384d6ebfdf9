"""Highlight → hotkey → first sound, against `readaloud say` → first sound, through the real daemon.

    .venv/bin/python bench/hotkey_to_sound.py [--rounds 5] [--text "..."]

Starts its own private session bus, a PulseAudio null sink (its monitor is what "heard" means),
an Xvfb, and `readaloud daemon` with the real model; then alternates the two paths and prints a
Markdown table. Needs the model (`readaloud setup`) and the desktop frontend wired in the daemon.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

RATE = 24000
SINK = "readaloud_bench"
TEXT = "The quick brown fox jumps over the lazy dog."


class Monitor:
    """The null sink's monitor, read in 20 ms blocks with arrival times."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            ["parec", "-d", f"{SINK}.monitor", "--raw", f"--rate={RATE}", "--channels=1", "--format=s16le",
             "--latency-msec=10"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.blocks: list[tuple[float, float]] = []  # (arrival, peak)
        self.lock = threading.Lock()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while data := os.read(fd, 960):
            samples = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")
            peak = float(np.max(np.abs(samples))) / 32768 if samples.size else 0.0
            with self.lock:
                self.blocks.append((time.monotonic(), peak))

    def first_sound(self, since: float, timeout: float = 60) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                hit = next((t for t, peak in self.blocks if t >= since and peak > 0.02), None)
            if hit is not None:
                return hit
            time.sleep(0.01)
        raise TimeoutError("no sound")

    def silence(self, since: float, hold: float = 0.8, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                recent = [(t, p) for t, p in self.blocks if t >= since]
            if recent and recent[-1][0] - since > hold and all(p < 0.002 for t, p in recent
                                                                    if t > recent[-1][0] - hold):
                return
            time.sleep(0.05)
        raise TimeoutError("never silent")


def wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.2)
    raise TimeoutError(what)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--text", default=TEXT)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="readaloud-bench-"))
    (root / "run").mkdir(mode=0o700)
    procs: list[subprocess.Popen[bytes] | subprocess.Popen[str]] = []
    try:
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1",
                                f"--address=unix:dir={root}"], stdout=subprocess.PIPE, text=True)
        procs.append(bus)
        assert bus.stdout is not None
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(xvfb)
        assert xvfb.stdout is not None
        env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "PULSE_SERVER")}
        env.update(DBUS_SESSION_BUS_ADDRESS=bus.stdout.readline().strip(),
                   DISPLAY=":" + xvfb.stdout.readline().strip(), XDG_RUNTIME_DIR=str(root / "run"),
                   PULSE_SERVER=f"unix:{root}/run/pulse/native", XDG_CONFIG_HOME=str(root / "config"),
                   XDG_STATE_HOME=str(root / "state"), NO_AT_BRIDGE="1")
        procs.append(subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "-L", "module-native-protocol-unix",
             "-L", f"module-null-sink sink_name={SINK}"], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
        wait(lambda: subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0, 15,
             "PulseAudio")
        subprocess.run(["pactl", "set-default-sink", SINK], env=env, check=True, capture_output=True)
        monitor = Monitor(env)
        procs.append(monitor.proc)
        cli = [sys.executable, "-m", "readaloud"]
        procs.append(subprocess.Popen([*cli, "daemon"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=open(root / "daemon.log", "wb")))  # noqa: SIM115
        wait(lambda: b'"idle"' in subprocess.run([*cli, "status", "--json"], env=env,
                                                 capture_output=True).stdout, 300, "the daemon")
        hotkey, say = [], []
        for _ in range(args.rounds):
            subprocess.run(["xclip", "-selection", "primary"], input=args.text.encode(), env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.3)
            pressed = time.monotonic()
            subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+alt+r"], env=env, check=True)
            heard = monitor.first_sound(pressed)
            hotkey.append((heard - pressed) * 1000)
            monitor.silence(heard)
            started = time.monotonic()
            subprocess.run([*cli, "say", args.text], env=env, check=True, capture_output=True)
            heard = monitor.first_sound(started)
            say.append((heard - started) * 1000)
            monitor.silence(heard)
        words = len(args.text.split())
        print(f"| path ({words} words, {args.rounds} rounds) | median ms | min ms | max ms |")
        print("| --- | ---: | ---: | ---: |")
        for name, samples in (("highlight → hotkey → first sound", hotkey),
                              ("`readaloud say` → first sound", say)):
            print(f"| {name} | {statistics.median(samples):.0f} | {min(samples):.0f} | {max(samples):.0f} |")
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
