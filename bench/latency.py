"""Time to first audio, gaps and control latency of streaming playback, measured at the sink.

Plays into a private PulseAudio null sink and records its monitor (what a user would hear).
For a short and a long three-sentence paragraph it compares the streaming ``Reader`` with the
naive path (synthesize the whole paragraph, then play it), in the same run, on the same model:

* TTFA: request -> first non-silent sample in the recording;
* the first synthesis call's time (what TTFA cannot beat);
* underruns and the longest silence inside the paragraph (vs the configured pause);
* CPU of this process while speaking, and while idle afterwards;
* pause / resume / stop latency: call -> first audio block that reflects it, in the process
  (the audio callback) and at the sink (the recording).

Needs pulseaudio + parec and the model in the XDG cache. Run: ``.venv/bin/python bench/latency.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from readaloud.core import ReaderListener, State
from readaloud.playback.player import Reader
from readaloud.playback.sink import SoundDeviceSink
from readaloud.speech.types import Sentence
from tests.fakes import Owner, TimedSynthesizer
from tests.support import pulse

VOICE = "af_heart"
PAUSE = 0.25
SHORT = "Good morning. The kettle is on. Tea will be ready soon."
LONG = (
    "The library opens at nine in the morning, and the reading room stays quiet until noon. "
    "Visitors may borrow up to five books at a time, as long as they bring their card. "
    "Please return everything within two weeks, or renew it online from home."
)
SILENT = 1e-4  # "nothing plays": the block or the recording is exactly (or all but) zero
AUDIBLE = 0.01  # level of speech in the recording


class ProbeSink(SoundDeviceSink):
    """A ``SoundDeviceSink`` that notes, for every block it hands the device, when and how loud."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.blocks: list[tuple[float, float]] = []

    def _audio(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        super()._audio(outdata, frames, time_info, status)
        self.blocks.append((time.perf_counter(), float(np.abs(outdata).max())))

    def first_block_after(self, moment: float, loud: bool) -> float | None:
        for at, level in list(self.blocks):
            if at >= moment and ((level > SILENT) if loud else (level <= SILENT)):
                return at
        return None


@dataclass
class Row:
    name: str
    values: dict[str, str] = field(default_factory=dict)


def cpu_seconds() -> float:
    return time.process_time()


def longest_gap(audio: np.ndarray) -> float:
    start = pulse.first_sound(audio, threshold=AUDIBLE)
    if start is None:
        return float("nan")
    return max((length for _, length in pulse.gaps(audio[start:], threshold=AUDIBLE)), default=0.0)


def run_streaming(server: pulse.PulseServer, synth: TimedSynthesizer, text: str,
                  block: float) -> dict[str, float]:
    owner = Owner()
    sink = ProbeSink("", linger=1.0, block_seconds=block)
    reader = Reader(synth, sink, voice=VOICE, speed=1.0, sentence_pause=PAUSE, post=owner.post)
    recording = server.record()
    owner.run_for(0.3)
    synth.chunks.clear()
    cpu0 = cpu_seconds()
    requested = time.monotonic()
    reader.say(text)
    owner.run_until(lambda: reader.state is State.IDLE)
    wall = time.monotonic() - requested
    cpu = cpu_seconds() - cpu0
    owner.run_for(0.4)  # the tail still in the device
    audio = recording.stop()
    owner.run_until(lambda: not sink.is_open)  # the stream closes after its linger
    cpu_idle0, idle0 = cpu_seconds(), time.monotonic()
    time.sleep(2.0)  # an idle daemon: its loop sleeps, and nothing else of ours should run
    idle_cpu = (cpu_seconds() - cpu_idle0) / (time.monotonic() - idle0)
    reader.close()
    first = pulse.first_sound(audio, threshold=AUDIBLE, start=recording.sample_at(requested))
    first_started, first_ready, _ = synth.chunks[0]
    return {
        "ttfa": recording.time_of(first) - requested if first is not None else float("nan"),
        "first_call": first_ready - first_started,
        "first_call_audio": synth.chunks[0][2],
        "gap": longest_gap(audio),
        "underruns": reader.underruns.count,
        "cpu": cpu / wall,
        "idle_cpu": idle_cpu,
        "synthesis": sum(ready - started for started, ready, _ in synth.chunks),
        "audio": sum(seconds for _, _, seconds in synth.chunks),
    }


def run_naive(server: pulse.PulseServer, synth: TimedSynthesizer, text: str) -> dict[str, float]:
    """Synthesize everything, then play it: what a non-streaming reader does."""
    sink = SoundDeviceSink("", linger=1.0)
    recording = server.record()
    time.sleep(0.3)
    requested = time.monotonic()
    parts: list[np.ndarray] = []
    gap = np.zeros(int(synth.sample_rate * PAUSE), dtype=np.float32)
    for sentence in synth.sentences(text):
        if parts:
            parts.append(gap)
        parts.extend(synth.synthesize(sentence, VOICE, 1.0))
    audio = np.concatenate(parts)
    position = 0
    done = False

    def play(out: np.ndarray) -> None:
        nonlocal position, done
        chunk = audio[position : position + len(out)]
        out[: len(chunk)] = chunk
        out[len(chunk) :] = 0.0
        position += len(out)
        done = position >= len(audio)

    sink.start(play)
    while not done:
        time.sleep(0.01)
    time.sleep(0.3)
    sink.close()
    heard = recording.stop()
    first = pulse.first_sound(heard, threshold=AUDIBLE, start=recording.sample_at(requested))
    return {"ttfa": recording.time_of(first) - requested if first is not None else float("nan")}


def run_controls(server: pulse.PulseServer, synth: TimedSynthesizer, rounds: int,
                 block: float) -> dict[str, list[float]]:
    """Pause, resume and stop in the middle of sentences; latency in-process and at the sink."""
    results: dict[str, list[float]] = {key: [] for key in (
        "pause", "resume", "stop", "pause@sink", "resume@sink", "stop@sink")}
    owner = Owner()
    sink = ProbeSink("", linger=5.0, block_seconds=block)
    reader = Reader(synth, sink, voice=VOICE, speed=1.0, sentence_pause=PAUSE, post=owner.post)
    started: list[int] = []

    class Listener(ReaderListener):
        def on_sentence_started(self, job: int, sentence: Sentence) -> None:
            started.append(sentence.index)

    reader.add_listener(Listener())
    recording = server.record()

    def measure(name: str, command: Callable[[], None], loud: bool) -> None:
        at = time.perf_counter()
        at_monotonic = time.monotonic()
        command()
        owner.run_for(0.6)
        block = sink.first_block_after(at, loud)
        if block is not None:
            results[name].append((block - at) * 1000)
        heard = recording.samples()
        start = recording.sample_at(at_monotonic)
        level = np.abs(heard[start:])
        window = int(0.01 * pulse.RATE)
        for i in range(0, len(level) - window, window):
            piece = level[i : i + window].max()
            if (piece > AUDIBLE) if loud else (piece <= SILENT):
                results[name + "@sink"].append((i / pulse.RATE) * 1000)
                break

    text = " ".join([LONG] * 3)
    for _ in range(rounds):
        started.clear()
        reader.say(text)
        owner.run_until(lambda: bool(started))
        owner.run_for(1.0)
        measure("pause", reader.pause, loud=False)
        measure("resume", reader.resume, loud=True)
        owner.run_for(0.5)
        measure("stop", reader.stop, loud=False)
    reader.close()
    recording.stop()
    return results


def fmt(value: float, unit: str = "s", digits: int = 2) -> str:
    return "n/a" if value != value else f"{value:.{digits}f} {unit}".strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="repetitions of each measurement")
    parser.add_argument("--block", type=float, default=0.02, help="audio block in seconds (<= 0.02)")
    args = parser.parse_args(argv)
    if not pulse.available():
        print("needs pulseaudio and parec (apt install pulseaudio pulseaudio-utils)", file=sys.stderr)
        return 1
    from readaloud.config import load_config
    from readaloud.speech.synthesizer import build_synthesizer

    with pulse.PulseServer() as server:
        real = build_synthesizer(load_config())
        synth = TimedSynthesizer(real)
        for warm in real.sentences(SHORT + " " + LONG):  # load G2P, voice and model: a warm daemon
            list(real.synthesize(warm, VOICE, 1.0))
        rows: list[Row] = []
        for name, text in (("short", SHORT), ("long", LONG)):
            streaming = [run_streaming(server, synth, text, args.block) for _ in range(args.rounds)]
            naive = [run_naive(server, synth, text) for _ in range(args.rounds)]

            def median(key: str, runs: list[dict[str, float]] = streaming) -> float:
                return float(np.median([run[key] for run in runs]))

            ttfa, ttfa_naive, clause = median("ttfa"), median("ttfa", naive), median("first_call")
            rows.append(Row(f"{name} paragraph ({median('audio'):.1f} s of speech)", {
                "TTFA streaming": fmt(ttfa),
                "TTFA naive": fmt(ttfa_naive),
                "streaming / naive": fmt(ttfa / ttfa_naive, "", 2),
                "first call's synthesis": f"{fmt(clause)} for {fmt(median('first_call_audio'))} of audio",
                "TTFA / first call": fmt(ttfa / clause, "", 2),
                "real-time factor": fmt(median("synthesis") / median("audio"), "", 2),
                "underruns": str(int(max(run["underruns"] for run in streaming))),
                "longest silence": f"{fmt(max(run['gap'] for run in streaming))} "
                                   f"(pause {PAUSE} s, limit {PAUSE + 0.3:.2f} s)",
                "CPU while speaking": f"{median('cpu') * 100:.0f} % of one core",
                "CPU idle afterwards": f"{median('idle_cpu') * 100:.1f} % of one core",
            }))
        controls = run_controls(server, synth, 3 * args.rounds, args.block)

    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"engine {getattr(real.engine, 'name', '?')}, voice {VOICE}, "
          f"audio block {args.block * 1000:.0f} ms, {args.rounds} round(s), median")
    for row in rows:
        print(f"\n| {row.name} | |\n|---|---|")
        for key, value in row.values.items():
            print(f"| {key} | {value} |")
    print("\n| control | in process (callback) | at the sink (recording) |\n|---|---|---|")
    for key in ("pause", "resume", "stop"):
        inner, outer = controls[key], controls[key + "@sink"]
        print(f"| {key} | {fmt(float(np.median(inner)) if inner else float('nan'), 'ms', 0)} median, "
              f"{fmt(max(inner) if inner else float('nan'), 'ms', 0)} max "
              f"| {fmt(float(np.median(outer)) if outer else float('nan'), 'ms', 0)} median |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
