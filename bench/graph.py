"""The prepared Kokoro graph against the model as downloaded, in the same run. Prints Markdown tables.

    .venv/bin/python bench/graph.py [--rounds 5] [--threads 1,2] [--sections speed,memory,daemon]
                                    [--busy] [--sections threads]

* speed: time per call and real-time factor (synthesis seconds per second of audio; lower is
  faster) of the stock int8 model and the prepared copy with 1 and 2 intra-op threads, interleaved
  call by call in random order, for a short, a medium and a long sentence. Medians over the rounds;
  CPU seconds per audio second beside them (less sensitive to other processes than wall time).
  With ``--busy`` the table is repeated with one core kept busy by a shell loop this script starts.
* threads: the prepared graph with 1 and 2 threads, worker spinning on and off (spinning shows up as
  CPU burnt, not speed).
* memory: each model in its own process through readaloud's OnnxEngine (as the daemon runs it):
  load time, RSS after load, after a long sentence, peak.
* daemon: ``readaloud daemon`` (default install: the prepared graph) on a private bus and null sink:
  RSS when ready, after reading a paragraph, and idle 10 s later.

Timing needs a quiet machine: the load average is printed with every table; run it at normal
priority, without other benchmarks. The model is the one `readaloud setup` fetched; the prepared
copy is made first if missing (one time, about a minute).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VOICE = "af_heart"
TEXTS = {
    "short (4 words)": "Press the key now.",
    "medium (12 words)": "She opened the window and listened to the rain falling on the garden.",
    "long (40 words)": (
        "When the train finally pulled into the quiet mountain station, the travellers gathered their "
        "bags, thanked the conductor for his patience, and stepped out into the cold morning air that "
        "smelled of pine trees and fresh snow."
    ),
}
HOG = ["sh", "-c", "while :; do :; done"]


@dataclass
class Case:
    """A phoneme input: token ids (no pads) and the voice's style row for that length."""

    name: str
    tokens: list[int]
    style: np.ndarray


@dataclass
class Variant:
    label: str
    session: Any
    io: Any
    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def run(self, case: Case, key: str) -> None:
        feed = self.io.feed(case.tokens, case.style, 1.0)
        started, cpu_started = time.perf_counter(), time.process_time()
        (audio,) = self.session.run([self.io.audio], feed)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        seconds = np.asarray(audio).size / 24_000
        self.seconds[case.name] = seconds
        self.wall.setdefault(key, []).append(wall / seconds)
        self.cpu.setdefault(key, []).append(cpu / seconds)


def cases() -> list[Case]:
    from readaloud.speech.assets import AssetStore
    from readaloud.speech.g2p import G2PRegistry
    from readaloud.speech.phonemes import token_ids
    from readaloud.speech.voices import VoiceStore, style_for

    store = AssetStore()
    voices = VoiceStore(store.voice)
    g2p = G2PRegistry().for_voice(VOICE)
    result = []
    for name, text in TEXTS.items():
        tokens = token_ids(g2p.phonemize(text))
        result.append(Case(name, tokens, style_for(voices.get(VOICE), len(tokens))))
    return result


def models() -> tuple[Path, Path]:
    from readaloud.speech.assets import AssetStore
    from readaloud.speech.graph import choose_graph

    source = AssetStore().onnx_model()
    choice = choose_graph(source)
    if not choice.prepared:
        raise SystemExit(f"no prepared copy of {source}: {choice.note}")
    return source, choice.path


def session(path: Path, threads: int, spinning: bool = False) -> tuple[Any, Any]:
    import onnxruntime as ort

    from readaloud.speech.graph.runtime import KokoroIO, session_options

    created = ort.InferenceSession(str(path), session_options(threads, spinning=spinning))
    return created, KokoroIO.of(created, path)


@contextlib.contextmanager
def hog(busy: bool) -> Iterator[None]:
    """One core kept busy by another process (normal priority) while the block runs."""
    if not busy:
        yield
        return
    process = subprocess.Popen(HOG, start_new_session=True)
    time.sleep(0.5)
    try:
        yield
    finally:
        process.kill()
        process.wait()


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} / {five:.1f}"


def interleave(variants: list[Variant], work: list[Case], rounds: int, tag: str) -> None:
    for case in work:  # warm-up: the first run of a session allocates its arena
        for variant in variants:
            variant.run(case, "warm-up")
    for _ in range(rounds):
        for case in work:
            order = list(variants)
            random.shuffle(order)
            for variant in order:
                variant.run(case, f"{tag}|{case.name}")


def speed_section(
    source: Path, prepared: Path, work: list[Case], rounds: int, thread_counts: list[int], busy: bool
) -> None:
    print(f"\n### Stock vs prepared graph (spinning off, {rounds} rounds, interleaved; medians)\n")
    print(
        "| machine | threads | sentence | audio | stock s/call | prepared s/call | stock RTF "
        "| prepared RTF | speed-up | CPU s/s stock | prepared |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for threads in thread_counts:
        stock = Variant("stock int8", *session(source, threads))
        fast = Variant("prepared", *session(prepared, threads))
        for hogged in (False, True) if busy else (False,):
            tag = "one core busy" if hogged else "as found"
            before = load()
            with hog(hogged):
                interleave([stock, fast], work, rounds, tag)
            machine = f"{tag} (load {before} -> {load()})"
            for case in work:
                key = f"{tag}|{case.name}"
                a, b = statistics.median(stock.wall[key]), statistics.median(fast.wall[key])
                cpu_a, cpu_b = statistics.median(stock.cpu[key]), statistics.median(fast.cpu[key])
                audio = stock.seconds[case.name]
                print(
                    f"| {machine} | {threads} | {case.name} | {audio:.1f} s | {a * audio:.2f} "
                    f"| {b * audio:.2f} | {a:.3f} | {b:.3f} | {a / b:.2f}x | {cpu_a:.2f} | {cpu_b:.2f} |",
                    flush=True,
                )
        del stock, fast


def threads_section(prepared: Path, work: list[Case], rounds: int) -> None:
    medium = [case for case in work if case.name.startswith("medium")]
    variants = [
        Variant(f"{threads} thread{'s' if threads > 1 else ''}, spinning {'on' if spin else 'off'}",
                *session(prepared, threads, spin))
        for threads in (1, 2)
        for spin in (False, True)
    ]  # fmt: skip
    print(f"\n### Threads (prepared graph, medium sentence, {rounds} rounds, interleaved)\n")
    print("| machine | setting | RTF (wall) | CPU seconds per audio second |")
    print("|---|---|---|---|")
    for busy in (False, True):
        tag = "one core busy" if busy else "idle"
        before = load()
        with hog(busy):
            interleave(variants, medium, rounds, tag)
        for variant in variants:
            key = f"{tag}|{medium[0].name}"
            print(
                f"| {tag} (load {before}) | {variant.label} | {statistics.median(variant.wall[key]):.3f} "
                f"| {statistics.median(variant.cpu[key]):.2f} |"
            )


def rss_mb() -> tuple[float, float]:
    fields = dict(
        line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def memory_child(path: Path, optimize: bool, tokens: list[int], style: list[float]) -> dict[str, float]:
    import onnxruntime  # noqa: F401  # imported before the clock starts, like a daemon would have it

    from readaloud.speech.onnx_engine import OnnxEngine

    baseline, _ = rss_mb()
    started = time.perf_counter()
    engine = OnnxEngine(path, optimize=optimize)
    loaded = time.perf_counter() - started
    after_load, _ = rss_mb()
    engine.synthesize(tokens, np.asarray(style, dtype=np.float32), 1.0)
    after_long, peak = rss_mb()
    return {
        "load_s": loaded,
        "base": baseline,
        "after_load": after_load,
        "after_long": after_long,
        "peak": peak,
        "graph": engine.graph == "prepared",
    }


def memory_section(source: Path, prepared: Path, work: list[Case]) -> None:
    long = work[-1]
    tokens = len(long.tokens)
    print(
        f"\n### Memory and load time (OnnxEngine, each model in its own process; RSS in MB; "
        f"{tokens}-token sentence)\n"
    )
    print("| model | file | load | RSS after import | after load | after the long sentence | peak |")
    print("|---|---|---|---|---|---|---|")
    for label, path, optimize in (("stock int8", source, False), ("prepared", prepared, True)):
        payload = json.dumps(
            {
                "path": str(source),
                "optimize": optimize,
                "tokens": long.tokens,
                "style": long.style.reshape(-1).tolist(),
            }
        )
        result = subprocess.run(
            [sys.executable, __file__, "--memory-child"],
            input=payload,
            capture_output=True,
            text=True,
            check=True,
        )
        m = json.loads(result.stdout.strip().splitlines()[-1])
        if bool(m["graph"]) != optimize:
            raise SystemExit(f"the engine did not load the {label} graph")
        print(
            f"| {label} | {path.stat().st_size / 1e6:.0f} MB | {m['load_s']:.2f} s | {m['base']:.0f} "
            f"| {m['after_load']:.0f} | {m['after_long']:.0f} | {m['peak']:.0f} |"
        )


PARAGRAPH = (
    "When the train finally pulled into the quiet mountain station, the travellers gathered their bags. "
    "They thanked the conductor for his patience and stepped out into the cold morning air. "
    "It smelled of pine trees and fresh snow, and somewhere below a river was running fast."
)


def daemon_section() -> None:
    from tests.support.services import private_services, readaloud, start_daemon, stop_daemon

    def rss(pid: int) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def state(services: Any) -> str:
        result = readaloud(services, "status", "--json")
        return str(json.loads(result.stdout).get("state", "")) if result.returncode == 0 else ""

    with private_services() as services:
        daemon = start_daemon(services)
        try:
            pid = daemon.process.pid
            graph = "prepared" if "prepared graph" in daemon.log() else "stock (see the daemon log)"
            ready = rss(pid)
            readaloud(services, "say", PARAGRAPH)
            deadline = time.monotonic() + 120
            time.sleep(1.0)
            while state(services) not in ("idle", "stopped") and time.monotonic() < deadline:
                time.sleep(0.5)
            after = rss(pid)
            time.sleep(10.0)
            idle = rss(pid)
        finally:
            stop_daemon(daemon)
    print("\n### readaloud daemon RSS (default install; MB)\n")
    print("| graph | ready | after reading a 3-sentence paragraph | idle 10 s later | budget |")
    print("|---|---|---|---|---|")
    print(f"| {graph} | {ready:.0f} | {after:.0f} | {idle:.0f} | 700 |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", default="1,2", help="intra-op thread counts for the speed table")
    parser.add_argument("--busy", action="store_true", help="repeat the speed table with a core kept busy")
    parser.add_argument("--sections", default="speed,memory,daemon", help="also: threads")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        request = json.loads(sys.stdin.read())
        result = memory_child(Path(request["path"]), request["optimize"], request["tokens"], request["style"])
        print(json.dumps(result))
        return 0
    import onnxruntime

    source, prepared = models()
    work = cases()
    sections = args.sections.split(",")
    print(
        f"Machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"onnxruntime {onnxruntime.__version__}, load average at start {load()} (1 / 5 minutes)"
    )
    if "speed" in sections:
        thread_counts = [int(n) for n in args.threads.split(",")]
        speed_section(source, prepared, work, args.rounds, thread_counts, args.busy)
    if "threads" in sections:
        threads_section(prepared, work, args.rounds)
    if "memory" in sections:
        memory_section(source, prepared, work)
    if "daemon" in sections:
        daemon_section()
    print(f"\nLoad average at the end: {load()} (1 / 5 minutes).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
