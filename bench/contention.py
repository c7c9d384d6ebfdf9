"""Does speech flow on a small, busy CPU? The warm daemon, heard at a real sink, idle and loaded.

For a three-sentence paragraph and one long sentence, read by ``readaloud say`` through the warm
daemon into a private PulseAudio null sink (what a user would hear), with 0 and then 1 core kept
busy by another process (``sh -c 'while :; do :; done'``), it prints:

* time to first sound (from the command to the first audible sample at the sink), and that time
  over the synthesis time of the sentence's first four words on the idle machine, and over the
  synthesis time of the first chunk the daemon chose (from its debug log);
* the longest silence anywhere, and silences inside sentences beyond the pauses the model itself
  puts in that sentence when it reads it whole (commas and the like);
* under-runs, from ``readaloud status --json``.

With ``--varied`` it also reads eight held-out-like texts (dialogue, numbers, money, a list,
abbreviations, a run of very short sentences, a URL and an e-mail address); their row gives the
median first sound and the worst silences over all eight.

Each condition gets a freshly started daemon (so no sentence is replayed from its memory) that is
warmed up on other text first. Needs pulseaudio, parec, dbus-daemon and the model in the XDG cache.

    .venv/bin/python bench/contention.py [--rounds 2] [--loads 0,1] [--varied | --only-varied] [--each]

``--each`` also prints one line per text read (to stderr), to see which text a row's worst comes from.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support import pulse  # noqa: E402
from tests.support.continuity import (  # noqa: E402
    AUDIBLE,
    excess_inside_sentences,
    longest_pause,
    model_pauses,
)
from tests.support.services import (  # noqa: E402
    SINK,
    Bus,
    DaemonProcess,
    Services,
    private_services,
    readaloud,
    start_daemon,
    stop_daemon,
)

VOICE = "af_heart"
PARAGRAPHS = (
    "A quiet library is the best place to finish a difficult chapter. The reading room opens at nine, "
    "and most of the tables by the window are free until noon. Bring a pencil, because pens are not "
    "allowed near the old maps.",
    "The ferry leaves the harbour twice a day, weather permitting. In winter the crossing takes longer, "
    "so passengers are asked to arrive at least twenty minutes early. Tickets can be bought on board "
    "with cash or a card.",
)
LONG_SENTENCES = (
    "When the storm finally passed over the valley late in the evening, the farmers walked out into "
    "their fields to see how much of the harvest could still be saved before the frost arrived.",
    "Although the museum had been closed for almost two years while the builders repaired its roof, "
    "the curators used the time to clean every painting and to write new labels for the galleries.",
)
# Held-out-like input for ``--varied``: dialogue, numbers and money, a list in parentheses,
# abbreviations, a run of very short sentences, a URL and an e-mail address, long clauses.
VARIED = (
    '"Are you coming?" she asked. "Not yet," he said, "but I will be there by half past six."',
    "The invoice, dated 12 March 2024, lists 3 items at $14.99 each, plus 8% tax; the total is $48.57.",
    "Pack the following: a torch, two spare batteries, a map of the area (the 1:25,000 one), and "
    "enough water for the day.",
    "Dr. Smith arrived at 9 a.m. on Tuesday. She checked the results, frowned, and called the lab again.",
    "Stop. Listen. Can you hear it? The sound of the sea, far below the cliffs, never quite goes away.",
    "In 1969, the first people walked on the Moon; it took the crew of Apollo 11 about four days to get "
    "there, and their footprints are still in the dust today.",
    "Visit example.com/help or write to support@example.com if the installer fails with error 0x80070005.",
    "Our grandmother, who had lived through two wars and three moves across the continent, kept every "
    "letter she had ever received in a tin box under her bed.",
)
WARM_UP = "The kettle is on, and the tea will be ready in a minute."


# The first call: part of the first sentence, or the first sentences made in one call.
FIRST_CHUNK = re.compile(
    r"(?:sentence 0, words 0-\d+ of \d+|sentences 0-\d+ in one call): [\d.]+ s of audio in ([\d.]+) s")


@dataclass
class Reading:
    first_sound: float
    first_chunk: float  # synthesis seconds of the first chunk the daemon chose
    longest_silence: float
    inside_excess: list[float]  # per sentence: longest silence inside it beyond the model's own
    underruns: int


def hog(cores: int) -> list[subprocess.Popen[bytes]]:
    """``cores`` busy loops (killed by the caller; no ``timeout`` wrapper that would orphan them)."""
    return [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(cores)]


class _Server:
    """What ``pulse.Recording`` needs of a server: the sink and the environment to reach it."""

    def __init__(self, services: Services) -> None:
        self.sink = SINK
        self.env = services.env


def read_once(services: Services, daemon: DaemonProcess, bus: Bus, text: str,
              own_pauses: list[float]) -> Reading:
    logged = len(daemon.log())
    recording = pulse.Recording(_Server(services)).start()  # type: ignore[arg-type]
    time.sleep(0.3)
    since = time.monotonic()
    result = readaloud(services, "say", text)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode())
    bus.wait_signal("JobFinished", since=since, timeout=120)
    time.sleep(0.5)
    audio = recording.stop()
    first = pulse.first_sound(audio, threshold=AUDIBLE, start=recording.sample_at(since))
    if first is None:
        raise RuntimeError("nothing was heard")
    starts = [recording.sample_at(t) for t, name, _ in bus.signals
              if name == "SentenceStarted" and t >= since]
    heard = audio[first:]
    excess = excess_inside_sentences(heard, [max(0, start - first) for start in starts], own_pauses)
    status = json.loads(readaloud(services, "status", "--json").stdout)
    chunk = FIRST_CHUNK.search(daemon.log()[logged:])
    if chunk is None:
        raise RuntimeError("the daemon's debug log names no first chunk")
    return Reading(
        first_sound=recording.time_of(first) - since,
        first_chunk=float(chunk.group(1)),
        longest_silence=longest_pause(heard),
        inside_excess=excess,
        underruns=int(status.get("underruns", -1)),
    )


def first_words_seconds(synth: Any, text: str, words: int = 4, repeat: int = 3) -> float:
    (sentence, *_) = synth.sentences(text, VOICE)
    timings = []
    for _ in range(repeat):
        phonemized = synth.phonemize(sentence, VOICE)
        began = time.perf_counter()
        synth.synthesize_words(phonemized, 0, words, VOICE, 1.0)
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="texts of each kind per condition (max 2)")
    parser.add_argument("--loads", default="0,1", help="busy cores to test, e.g. 0,1")
    parser.add_argument("--varied", action="store_true",
                        help="also read eight varied texts (numbers, quotes, lists, short sentences, URLs)")
    parser.add_argument("--only-varied", action="store_true", help="read the eight varied texts only")
    parser.add_argument("--each", action="store_true", help="also print a line per text read (stderr)")
    args = parser.parse_args(argv)
    from readaloud.config import load_config
    from readaloud.speech.synthesizer import build_synthesizer

    synth = build_synthesizer(load_config())
    list(synth.synthesize(synth.sentences(WARM_UP, VOICE)[0], VOICE, 1.0))
    kinds = {"paragraph": PARAGRAPHS[: args.rounds], "long sentence": LONG_SENTENCES[: args.rounds]}
    if args.only_varied:
        kinds = {}
    if args.varied or args.only_varied:
        kinds["varied (8 texts)"] = VARIED
    own = {text: model_pauses(synth, text, VOICE) for texts in kinds.values() for text in texts}
    four_words = {text: first_words_seconds(synth, text) for texts in kinds.values() for text in texts}
    del synth

    rows: list[tuple[int, str, list[Reading], float]] = []
    for cores in (int(c) for c in args.loads.split(",")):
        with private_services() as services:
            daemon = start_daemon(services)
            bus = Bus(services.env["DBUS_SESSION_BUS_ADDRESS"])
            bus.watch("type='signal',interface='io.github.readaloud.ReadAloud1'")
            hogs = hog(cores)
            try:
                read_once(services, daemon, bus, WARM_UP, [0.0])
                for kind, texts in kinds.items():
                    readings = [read_once(services, daemon, bus, text, own[text]) for text in texts]
                    for text, reading in zip(texts, readings, strict=True) if args.each else ():
                        inside = max(reading.inside_excess)
                        print(f"{cores} busy, {text[:32]!r}: first sound {reading.first_sound:.2f} s, "
                              f"longest silence {reading.longest_silence:.2f} s, inside {inside:.2f} s, "
                              f"under-runs {reading.underruns}", file=sys.stderr)
                    ratio = statistics.median(
                        r.first_sound / four_words[t] for r, t in zip(readings, texts, strict=True))
                    rows.append((cores, kind, readings, ratio))
            finally:
                for process in hogs:
                    process.kill()
                bus.close()
                stop_daemon(daemon)

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"voice {VOICE}; load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("\n| busy cores | text | first sound | first sound / first 4 words idle "
          "| first sound / first chunk's synthesis | longest silence "
          "| worst silence inside a sentence, beyond the model's own | under-runs |")
    print("|---|---|---|---|---|---|---|---|")
    for cores, kind, readings, ratio in rows:
        print(f"| {cores} | {kind} | {statistics.median(r.first_sound for r in readings):.2f} s "
              f"| {ratio:.2f} | {statistics.median(r.first_sound / r.first_chunk for r in readings):.2f} "
              f"| {max(r.longest_silence for r in readings):.2f} s "
              f"| {max(max(r.inside_excess) for r in readings):.2f} s "
              f"| {sum(r.underruns for r in readings)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
