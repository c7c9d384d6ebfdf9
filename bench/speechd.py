"""System-voice benchmark: ``spd-say -o readaloud`` against ``readaloud say`` on the same warm daemon.

Starts a private session bus and PulseAudio null sink, the daemon with the real model, installs the
module with ``readaloud install-speechd`` and runs Debian's speech-dispatcher with that user
configuration. Every row is a shell command → its effect at the sink's monitor (parec), so each
includes the command's own start-up: ``spd-say`` → speech-dispatcher → sd_readaloud → D-Bus →
daemon, against ``readaloud say`` → D-Bus → daemon. Each run speaks sentences no run spoke before
(no cache can help either side), alternating which command goes first.

    .venv/bin/python bench/speechd.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.services import (  # noqa: E402
    Recorder,
    Services,
    private_services,
    readaloud,
    recording,
    start_daemon,
    stop_daemon,
)

SENTENCES = [
    "A red canoe drifted past the willow trees at noon.",
    "The baker sold every loaf before the church bells rang.",
    "Snow covered the tracks of the fox behind the barn.",
    "Our neighbor painted his fence a bright shade of green.",
    "Two owls watched the empty road from the old oak.",
    "The museum opened a new room full of silver clocks.",
    "She found a brass key under the loose kitchen tile.",
    "Rain tapped on the tin roof of the garden shed.",
    "The children built a tall tower out of wooden blocks.",
    "A small boat carried letters across the grey lake.",
    "The violinist tuned each string twice before the concert.",
    "Wild strawberries grew along the edge of the meadow.",
    "The mechanic whistled while he fixed the blue truck.",
    "Lanterns glowed in every window of the mountain inn.",
    "A curious goat climbed onto the roof of the car.",
    "The librarian stamped the books with a heavy seal.",
    "Thunder rolled over the hills just after midnight.",
    "He poured warm milk into a chipped yellow mug.",
    "The river carried autumn leaves down to the mill.",
    "A tired dog slept in the shade of the wagon.",
]
LONG = (
    "The lighthouse keeper wrote a letter every evening. He described the ships, the weather and the "
    "birds. Nobody ever answered, but he kept writing for twenty years. In the end the letters filled "
    "a whole cupboard, and his granddaughter read them all one winter."
)
QUIET_HOLD = 0.5
BUFFER_SECONDS = 6.0


def start_speechd(services: Services) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(["speech-dispatcher", "-s", "-t", "0"], env=services.env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = Path(services.env["XDG_RUNTIME_DIR"]) / "speech-dispatcher" / "speechd.sock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.connect(str(path))
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("speech-dispatcher did not start")


def first_sound(recorder: Recorder, command: list[str], env: dict[str, str]) -> float:
    """Seconds from running ``command`` to the first sound at the sink; waits for the end of it."""
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)
    heard = recorder.wait_for_sound(started, timeout=60)
    recorder.wait_for_silence(heard, hold=QUIET_HOLD, timeout=60)
    return heard - started


def stop_latency(recorder: Recorder, env: dict[str, str], stop: list[str]) -> float | None:
    """Seconds from ``spd-say -S``/``-C`` to the last sound at the sink, or None when it landed in
    a silence (between sentences, or an underrun) where its effect cannot be seen.

    Synthesis gets ahead first (the message is paused through readaloud for a few seconds, and the
    player keeps synthesizing meanwhile), so the stop is measured, not a busy machine's underruns.
    """
    speaking = subprocess.Popen(["spd-say", "-o", "readaloud", LONG], env=env)
    readaloud_cli = [sys.executable, "-m", "readaloud"]
    try:
        recorder.wait_for_sound(time.monotonic() - 0.1, timeout=60)
        subprocess.run([*readaloud_cli, "pause"], env=env, check=True, capture_output=True, timeout=30)
        time.sleep(BUFFER_SECONDS)
        subprocess.run([*readaloud_cli, "resume"], env=env, check=True, capture_output=True, timeout=30)
        time.sleep(1.0)
        asked = time.monotonic()
        subprocess.run(stop, env=env, check=True, capture_output=True, timeout=30)
        quiet_from = recorder.wait_for_silence(asked, hold=QUIET_HOLD, timeout=10)
        with recorder.lock:
            loud = [t for t, block in recorder.chunks
                    if asked <= t < quiet_from and block.size and float(abs(block).max()) > 0.002]
        return max(loud) - asked if loud else None
    finally:
        speaking.wait(30)


def stop_latencies(recorder: Recorder, env: dict[str, str], how: str, repeat: int) -> list[float]:
    found: list[float] = []
    for _ in range(3 * repeat):
        if len(found) >= repeat:
            break
        value = stop_latency(recorder, env, ["spd-say", how])
        if value is not None:
            found.append(value)
        time.sleep(0.5)
    return found


def row(name: str, values: list[float], target: str = "") -> str:
    return (f"| {name} | {statistics.median(values) * 1000:.0f} ms | {max(values) * 1000:.0f} ms | "
            f"{len(values)} | {target} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if 2 * args.repeat > len(SENTENCES):
        parser.error(f"--repeat at most {len(SENTENCES) // 2} (each run needs two fresh sentences)")

    with private_services() as services, recording(services) as recorder:
        env = services.env
        env["HOME"] = str(services.root / "home")
        env["PYTHONPATH"] = str(REPO)
        Path(env["HOME"]).mkdir(exist_ok=True)
        daemon = start_daemon(services)
        speechd = None
        try:
            result = readaloud(services, "install-speechd")
            assert result.returncode == 0, result.stderr.decode()
            speechd = start_speechd(services)
            # Warm both paths once (speech-dispatcher starts the module on its first message).
            first_sound(recorder, ["spd-say", "-o", "readaloud", "-w", "Ready."], env)
            first_sound(recorder, [sys.executable, "-m", "readaloud", "say", "Ready."], env)
            say: list[float] = []
            spd: list[float] = []
            for run in range(args.repeat):
                one, two = SENTENCES[2 * run], SENTENCES[2 * run + 1]
                commands = [
                    (say, [sys.executable, "-m", "readaloud", "say", one]),
                    (spd, ["spd-say", "-o", "readaloud", two]),
                ]
                for results, command in commands if run % 2 == 0 else reversed(commands):
                    results.append(first_sound(recorder, command, env))
                    time.sleep(0.5)
            stops = {how: stop_latencies(recorder, env, how, args.repeat) for how in ("-S", "-C")}
        finally:
            if speechd is not None:
                speechd.terminate()
                speechd.wait(10)
            stop_daemon(daemon)

    ratio = statistics.median(spd) / statistics.median(say)
    print(f"\nsystem-voice bench ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end, "
          f"{args.repeat} runs; every row includes the command's start-up)\n")
    print("| measure | median | worst | runs | target |")
    print("| --- | --- | --- | --- | --- |")
    print(row("`readaloud say` → first sound at the sink", say))
    print(row("`spd-say -o readaloud` → first sound at the sink", spd, "≤ 1.5 × `readaloud say`"))
    print(row("`spd-say -S` (stop) → silence at the sink", stops["-S"], "< 500 ms"))
    print(row("`spd-say -C` (cancel) → silence at the sink", stops["-C"], "< 500 ms"))
    print(f"| first sound, spd-say / readaloud say (medians) | {ratio:.2f} × | | | ≤ 1.5 × |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
