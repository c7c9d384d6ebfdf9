"""Reading bar benchmark: start-up time, memory and idle CPU of the bar process on a private Xvfb.

Starts the real bar (``python -m readaloud.desktop.overlay``) the way the daemon does, through
:class:`readaloud.desktop.overlay.process.BarProcess`, and reads /proc for its memory (RSS, and PSS,
which shares Qt's libraries fairly with other Qt programs) and CPU time.

    .venv/bin/python bench/overlay.py [--sentences 500] [--idle-seconds 20]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from readaloud.desktop.overlay import protocol  # noqa: E402
from readaloud.desktop.overlay.process import BarProcess, spawn_bar  # noqa: E402

TEXT = ("The old lighthouse stood at the edge of the cliff for more than a century, and every night "
        "its lamp turned slowly, sweeping light across the dark water.")


def memory_kib(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    for name in ("status", "smaps_rollup"):
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Pss", "RssAnon") and rest.strip().endswith("kB"):
                values[key] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    args = parser.parse_args()

    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert xvfb.stdout is not None
    os.environ["DISPLAY"] = ":" + xvfb.stdout.readline().strip()
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    os.environ.pop("WAYLAND_DISPLAY", None)
    ready = threading.Event()
    try:
        started = time.monotonic()
        bar = BarProcess(spawn_bar(), on_message=lambda m: ready.set(), on_exit=lambda status: ready.set())
        bar.start()
        assert ready.wait(60), "the bar did not start"
        startup = time.monotonic() - started
        rows: list[tuple[str, dict[str, int], float]] = [("started (hidden)", memory_kib(bar.pid), 0.0)]
        bar.send(protocol.SetState(protocol.BarState.SPEAKING))
        bar.send(protocol.ShowSentence(TEXT, 1, 0))
        time.sleep(2)
        rows.append(("showing a sentence", memory_kib(bar.pid), 0.0))
        before = cpu_seconds(bar.pid)
        begun = time.monotonic()
        for index in range(args.sentences):
            bar.send(protocol.ShowSentence(TEXT, 1, index))
            for word_start in range(0, len(TEXT), 6):
                bar.send(protocol.ShowWord(word_start, word_start + 5))
        bar.send(protocol.SetState(protocol.BarState.IDLE))
        time.sleep(3)
        busy = (cpu_seconds(bar.pid) - before) / (time.monotonic() - begun)
        rows.append((f"after {args.sentences} sentences, {args.sentences * ((len(TEXT) + 5) // 6)} words",
                     memory_kib(bar.pid), busy))
        before = cpu_seconds(bar.pid)
        time.sleep(args.idle_seconds)
        idle = (cpu_seconds(bar.pid) - before) / args.idle_seconds
        rows.append((f"hidden, idle {args.idle_seconds:.0f} s", memory_kib(bar.pid), idle))
        bar.close()
    finally:
        xvfb.terminate()
        xvfb.wait(10)

    print(f"bar start-up (spawn → window ready): {startup:.2f} s   load average: {os.getloadavg()[0]:.1f}")
    print(f"{'moment':<44} {'RSS MiB':>8} {'PSS MiB':>8} {'anon MiB':>9} {'peak MiB':>9} {'CPU %':>6}")
    for name, memory, cpu in rows:
        print(f"{name:<44} {memory['VmRSS'] / 1024:8.1f} {memory['Pss'] / 1024:8.1f} "
              f"{memory['RssAnon'] / 1024:9.1f} {memory['VmHWM'] / 1024:9.1f} {cpu * 100:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
