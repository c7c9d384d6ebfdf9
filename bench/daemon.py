"""Daemon benchmark: shell command → effect at the sink, `status` wall time, idle CPU and memory.

Starts its own private session bus and PulseAudio null sink, runs ``readaloud daemon`` with the real
model, and records the sink's monitor with parec (what a user would hear). Every latency includes
the CLI's own start-up, as when a user runs the command from a shell or a desktop shortcut, plus
the recorder's pipe latency (10–36 ms measured here).

    .venv/bin/python bench/daemon.py [--repeat 5] [--idle-seconds 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.services import (  # noqa: E402
    Bus,
    DaemonProcess,
    Recorder,
    Services,
    private_services,
    readaloud,
    recording,
    start_daemon,
    stop_daemon,
)

TEXT = " ".join(
    [
        "The old lighthouse stood at the edge of the cliff for more than a century.",
        "Every night its lamp turned slowly, sweeping light across the dark water.",
        "Sailors far out at sea looked for it and knew that they were close to home.",
        "When the storms came in winter, the keeper climbed the stairs again and again.",
        "He cleaned the glass, trimmed the wick, and wrote everything in his heavy book.",
    ]
    * 4
)
QUIET_HOLD = 0.5  # silence longer than any pause inside speech (sentence pause is 0.25 s)
BUFFER_SECONDS = 6.0  # paused this long before measuring, so that playback never waits on synthesis


def cli(services: Services, *args: str) -> float:
    """Run ``readaloud ARGS`` and return when it was started (monotonic)."""
    started = time.monotonic()
    result = readaloud(services, *args)
    if result.returncode != 0:
        raise RuntimeError(f"readaloud {' '.join(args)} failed: {result.stderr.decode()}")
    return started


def silenced_at(
    recorder: Recorder, invoked: float, hold: float = QUIET_HOLD, timeout: float = 10.0
) -> float | None:
    """When the sink fell silent for good after ``invoked``: the arrival of its last loud block.

    None when nothing loud played after ``invoked`` (the command landed in a pause between
    sentences, where its effect cannot be seen): the caller measures again.
    """
    quiet_from = recorder.wait_for_silence(invoked, hold=hold, timeout=timeout)
    with recorder.lock:
        loud = [t for t, block in recorder.chunks
                if invoked <= t < quiet_from and block.size and float(abs(block).max()) > 0.002]
    return max(loud) if loud else None


def measure_silence(recorder: Recorder, command: Callable[[], float]) -> float | None:
    invoked = command()
    at = silenced_at(recorder, invoked)
    return None if at is None else at - invoked


def speak_buffered(services: Services, recorder: Recorder) -> None:
    """Start reading and let synthesis get ahead: pause at the first sound and wait.

    On a busy machine synthesis can fall behind playback; a command measured then would see the
    silence of an underrun (or wait for synthesis), not its own effect. The player keeps
    synthesizing while paused, so after a few seconds the lookahead buffer is full.
    """
    started = cli(services, "say", TEXT)
    recorder.wait_for_sound(started, timeout=60)
    cli(services, "pause")
    time.sleep(BUFFER_SECONDS)


def transport_latencies(services: Services, recorder: Recorder, repeat: int) -> dict[str, list[float]]:
    """Each command from the shell (CLI start-up included) and, for comparison, as a bare D-Bus
    call from a connected client (the daemon and audio path alone)."""
    results: dict[str, list[float]] = {
        key: [] for key in ("pause", "resume", "stop", "cli wall", "dbus pause", "dbus resume")
    }

    def keep(key: str, value: float | None) -> None:
        if value is not None:
            results[key].append(value)

    def dbus(member: str) -> float:
        invoked = time.monotonic()
        bus.call(member)
        return invoked

    def timed_pause() -> float:
        invoked = cli(services, "pause")
        results["cli wall"].append(time.monotonic() - invoked)
        return invoked

    bus = Bus(services.env["DBUS_SESSION_BUS_ADDRESS"])
    try:
        for _ in range(3 * repeat):
            if min(len(v) for v in results.values()) >= repeat:
                break
            speak_buffered(services, recorder)
            invoked = cli(services, "resume")
            results["resume"].append(recorder.wait_for_sound(invoked, timeout=10) - invoked)
            time.sleep(1.0)
            keep("pause", measure_silence(recorder, timed_pause))
            time.sleep(0.5)
            invoked = dbus("Resume")
            results["dbus resume"].append(recorder.wait_for_sound(invoked, timeout=10) - invoked)
            time.sleep(1.0)
            keep("dbus pause", measure_silence(recorder, lambda: dbus("Pause")))
            cli(services, "stop")
            # Stop gets a fresh start, well inside the first sentences.
            speak_buffered(services, recorder)
            dbus("Resume")
            time.sleep(1.0)
            keep("stop", measure_silence(recorder, lambda: cli(services, "stop")))
            time.sleep(0.5)
    finally:
        bus.close()
    return results


def status_times(services: Services, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.monotonic()
        result = readaloud(services, "status")
        times.append(time.monotonic() - started)
        assert result.returncode == 0, result.stderr
    return times


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5); after the ')' they are at index 11 and 12.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def idle_cpu(daemon: DaemonProcess, seconds: float) -> float:
    """Percent of one core used over ``seconds`` while idle."""
    pid = daemon.process.pid
    before, started = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - before) / (time.monotonic() - started)


def row(name: str, values: list[float], unit: str, scale: float = 1.0, target: str = "") -> str:
    median = statistics.median(values) * scale
    worst = max(values) * scale
    return f"| {name} | {median:.0f} {unit} | {worst:.0f} {unit} | {len(values)} | {target} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    args = parser.parse_args()

    with private_services() as services, recording(services) as recorder:
        load_started = time.monotonic()
        daemon = start_daemon(services)
        load_seconds = time.monotonic() - load_started
        try:
            rss_loaded = rss_mib(daemon.process.pid)
            latencies = transport_latencies(services, recorder, args.repeat)
            rss_after_speech = rss_mib(daemon.process.pid)
            status = status_times(services, max(10, args.repeat))
            # Let a synthesis call that was in flight at the last stop finish, and the audio stream
            # close after its linger time, before measuring idle.
            time.sleep(10.0)
            idle = idle_cpu(daemon, args.idle_seconds)
            rss_idle = rss_mib(daemon.process.pid)
        finally:
            stop_daemon(daemon)

    load = os.getloadavg()[0]
    print(f"\nreadaloud daemon bench ({os.cpu_count()} CPUs, load average {load:.1f} at the end, "
          f"{args.repeat} runs; `readaloud …` rows include CLI start-up)\n")
    print("| measure | median | worst | runs | target |")
    print("| --- | --- | --- | --- | --- |")
    print(row("`readaloud pause` → silence at the sink", latencies["pause"], "ms", 1000, "< 300 ms"))
    print(row("`readaloud resume` → sound at the sink", latencies["resume"], "ms", 1000, "< 300 ms"))
    print(row("`readaloud stop` → silence at the sink", latencies["stop"], "ms", 1000, "< 300 ms"))
    print(row("`readaloud pause` wall time, while speaking", latencies["cli wall"], "ms", 1000))
    print(row("D-Bus `Pause()` → silence (no CLI)", latencies["dbus pause"], "ms", 1000))
    print(row("D-Bus `Resume()` → sound (no CLI)", latencies["dbus resume"], "ms", 1000))
    print(row("`readaloud status` wall time, idle", status, "ms", 1000, "< 500 ms"))
    print(f"| daemon start → ready (model load + warm-up) | {load_seconds:.1f} s | | 1 | |")
    print(f"| idle daemon CPU over {args.idle_seconds:.0f} s | {idle:.2f} % of one core | | 1 | < 1 % |")
    print(f"| daemon RSS: ready / after speech / idle | {rss_loaded:.0f} / {rss_after_speech:.0f} / "
          f"{rss_idle:.0f} MiB | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
