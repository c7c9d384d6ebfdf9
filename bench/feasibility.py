"""The best any schedule could do on this machine: a bound to hold issue 10's targets against.

It measures what synthesis costs here, idle and with cores kept busy by another process (the
median of three calls of each of 3 to 30 words through the engine the daemon uses; between those
lengths the cost is interpolated), and the synthesis time of each text's first four words idle.
Then, for each text of ``bench/contention.py``, it searches every way of cutting the text into
calls (a cut between any two words, calls across sentences allowed, up to Kokoro's 510 tokens) for
the earliest first sound that keeps the silences within issue 10's limits, knowing every call's cost
exactly (no safety margin, no noise, no time to start the command or the sound server). A real
scheduler cannot do better than this bound. Where the bound misses a target, no way of scheduling
Kokoro meets it on this machine at this load (within those limits): only faster synthesis can.

Limits searched (issue 10's "done when"): idle, at most 0.15 s of silence at a cut inside a
sentence, for first calls of 3 to 8 words ("the first chunk as short as gives natural speech"),
against first sound ≤ 1.2 × the first call's synthesis; with cores busy, at most 1.0 s between
sentences and, inside a sentence, no wait at all (what readaloud plans: a wait there is a stutter),
at most 0.15 s, or at most 0.3 s (the issue's limit) at each cut, against first sound ≤ 2.5 × the
first four words' synthesis idle; and with no wait inside a sentence again, planned for calls 10 %
and 20 % slower than measured (what a schedule that must not stutter has to allow for here).
``--cost`` replaces a measured cost line with a given one.

    .venv/bin/python bench/feasibility.py [--loads 0,1] [--varied] [--cost CORES:FIXED,RATE]
"""

from __future__ import annotations

import argparse
import bisect
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from contention import (  # noqa: E402
    LONG_SENTENCES,
    PARAGRAPHS,
    VARIED,
    VOICE,
    WARM_UP,
    first_words_seconds,
    hog,
)

from readaloud.speech.trim import KEEP_AFTER, KEEP_BEFORE  # noqa: E402

MAX_TOKENS = 510
# The calls measured for the cost curve: the first (index in LONG_SENTENCES, words) of a sentence.
COST_SPANS = ((0, 3), (0, 5), (1, 8), (0, 12), (1, 20), (0, 30))
# Issue 10's limits with cores busy: the longest silence between sentences, and (the last) the
# silence allowed at a cut inside a sentence beyond the model's own; readaloud plans none there.
BUSY_BETWEEN = 1.0
BUSY_INSIDE = (0.0, 0.15, 0.3)
# How much slower than its measured median a call may turn out: a schedule that must not stutter
# plans for that. The daemon's calls of one length vary by about ±10 % within a reading here, and
# two runs of this bench within the hour measured a busy 3-word call at 1.22 and 1.46 s.
SLOWER = (0.1, 0.2)
IDLE_INSIDE = 0.15
FIRST_CHUNK_WORDS = range(3, 9)


@dataclass(frozen=True)
class Cost:
    """Synthesis seconds of a call by its seconds of audio: straight lines between measured calls.

    One line over all lengths (the daemon's running model) fits the long calls and underrates the
    short ones, which a bound mostly uses; between measured points this is exact, and beyond the
    longest or shortest it extends the nearest segment.
    """

    points: tuple[tuple[float, float], ...]  # (audio seconds, synthesis seconds), ascending

    @classmethod
    def line(cls, fixed: float, rate: float) -> Cost:
        return cls(((0.0, fixed), (10.0, fixed + 10.0 * rate)))

    def seconds(self, audio: float) -> float:
        points = self.points
        index = min(max(bisect.bisect_left([x for x, _ in points], audio), 1), len(points) - 1)
        (x0, y0), (x1, y1) = points[index - 1], points[index]
        return y0 + (y1 - y0) * (audio - x0) / (x1 - x0)

    def scaled(self, factor: float) -> Cost:
        return Cost(tuple((x, y * factor) for x, y in self.points))

    def describe(self) -> str:
        return ", ".join(f"{x:.1f} s of audio in {y:.2f} s" for x, y in self.points)


@dataclass(frozen=True)
class Word:
    audio: float  # seconds of trimmed audio this word takes
    tokens: int
    ends_sentence: bool


def measure_cost(synth: Any, repeat: int = 3) -> Cost:
    """Median synthesis time of calls of several lengths, as ``speech.spans`` makes them."""
    from readaloud.speech.schedule import SynthesisCost
    from readaloud.speech.spans import synthesize_span

    points = []
    for index, words in COST_SPANS:
        (sentence,) = synth.sentences(LONG_SENTENCES[index], VOICE)
        phonemized = synth.phonemize(sentence, VOICE)
        end = min(words, len(phonemized.words))
        audio, seconds = 0.0, []
        for _ in range(repeat):
            began = time.perf_counter()
            made = synthesize_span(synth, phonemized, 0, end, VOICE, 1.0, SynthesisCost(), time.perf_counter)
            seconds.append(time.perf_counter() - began)
            audio = len(made) / synth.sample_rate
        points.append((audio, statistics.median(seconds)))
    return Cost(tuple(sorted(points)))


def text_words(synth: Any, text: str) -> list[Word]:
    """Each word's share of its sentence's trimmed audio (by its tokens), sentence by sentence."""
    from readaloud.speech.schedule import SynthesisCost
    from readaloud.speech.spans import synthesize_span

    found = []
    for sentence in synth.sentences(text, VOICE):
        phonemized = synth.phonemize(sentence, VOICE)
        spans = synth.whole_sentence_spans(phonemized)
        audio = sum(len(synthesize_span(synth, phonemized, start, end, VOICE, 1.0, SynthesisCost(),
                                        time.perf_counter)) for start, end in spans) / synth.sample_rate
        tokens = sum(word.tokens for word in phonemized.words)
        last = len(phonemized.words) - 1
        found += [Word(audio * word.tokens / tokens, word.tokens, index == last)
                  for index, word in enumerate(phonemized.words)]
    return found


@dataclass(frozen=True)
class Bound:
    first_sound: float  # from the daemon having the text to its first sample played
    first_chunk: float  # synthesis seconds of the first call
    first_words: int
    ends: tuple[int, ...]  # the word index after each call

    def calls(self, words: Sequence[Word]) -> str:
        """Words per call, sentences apart by '/' (a call across sentences shows no '/')."""
        shown, start = [], 0
        for end in self.ends:
            between = words[end - 1].ends_sentence and end < len(words)
            shown.append(f"{end - start}" + (" /" if between else ""))
            start = end
        return " ".join(shown)


def earliest_first_sound(words: Sequence[Word], cost: Cost, inside: float, between: float,
                         first_words: int | None = None) -> Bound:
    """The earliest first sound over every cutting of ``words`` into calls made one after another.

    Silence allowed: ``inside`` at a cut inside a sentence (beyond what the model leaves there),
    ``between`` in all (the configured pause and the trimmed edges included) between sentences.
    With the cuts fixed, the first sound must be late enough that each call is ready when the
    audio before it, stretched by every allowed silence, has played: ``max_i(ready_i -
    allowed_i)``. The search keeps, per word position, the cuttings no other beats in both that
    maximum and the debt carried on (synthesis time so far minus the audio and silence it bought).
    """
    from readaloud.config import PlaybackConfig

    # Trimmed audio keeps its edges, so between two sentences the schedule adds only the pause;
    # what is heard is the pause, the edges and any wait.
    pause = PlaybackConfig().sentence_pause
    between_gap = max(pause, between - (KEEP_BEFORE + KEEP_AFTER))
    count = len(words)
    # front[p]: Pareto list of (worst, debt, first call seconds, cuts) for words[:p].
    front: list[list[_Cutting]] = [[] for _ in range(count + 1)]
    front[0] = [(-math.inf, 0.0, 0.0, ())]
    for start in range(count):
        if not front[start]:
            continue
        audio = tokens = 0.0
        for end in range(start + 1, count + 1):
            word = words[end - 1]
            tokens += word.tokens
            if tokens > MAX_TOKENS:
                break
            audio += word.audio + (pause if word.ends_sentence and end < count else 0.0)
            if start == 0 and first_words is not None and end != first_words:
                continue
            seconds = cost.seconds(audio)
            # The pause inside a call across sentences plays as part of its audio.
            played = audio - (pause if word.ends_sentence and end < count else 0.0)
            allowed = between_gap if word.ends_sentence else inside
            for worst, debt, first, ends in front[start]:
                _keep(front[end], (max(worst, debt + seconds), debt + seconds - played - allowed,
                                   first or seconds, (*ends, end)))
    best = min(front[count], key=lambda c: c[0])
    return Bound(max(0.0, best[0]), best[2], best[3][0], best[3])


_Cutting = tuple[float, float, float, tuple[int, ...]]


def _keep(front: list[_Cutting], candidate: _Cutting) -> None:
    if any(o[0] <= candidate[0] and o[1] <= candidate[1] for o in front):
        return
    front[:] = [o for o in front if not (candidate[0] <= o[0] and candidate[1] <= o[1])] + [candidate]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", default="0,1", help="busy cores to measure, e.g. 0,1")
    parser.add_argument("--varied", action="store_true", help="also the eight varied texts")
    parser.add_argument("--cost", action="append", default=[], metavar="CORES:FIXED,RATE",
                        help="use this cost line for a load instead of measuring it (e.g. one fitted "
                             "to the daemon's debug log, 1:0.85,0.8)")
    args = parser.parse_args(argv)
    given = {int(cores): Cost.line(*map(float, line.split(",")))
             for cores, line in (item.split(":") for item in args.cost)}
    from readaloud.config import load_config
    from readaloud.speech.synthesizer import build_synthesizer

    synth = build_synthesizer(load_config())
    list(synth.synthesize(synth.sentences(WARM_UP, VOICE)[0], VOICE, 1.0))
    texts: dict[str, tuple[str, ...]] = {"paragraph": PARAGRAPHS, "long sentence": LONG_SENTENCES}
    if args.varied:
        texts["varied"] = VARIED
    words = {text: text_words(synth, text) for group in texts.values() for text in group}
    four_words = {text: first_words_seconds(synth, text) for group in texts.values() for text in group}

    costs = {}
    for cores in (int(c) for c in args.loads.split(",")):
        if cores in given:
            costs[cores] = given[cores]
            print(f"{cores} busy: {given[cores].describe()} (given)")
            continue
        hogs = hog(cores)
        try:
            time.sleep(1.0)
            costs[cores] = measure_cost(synth)
        finally:
            for process in hogs:
                process.kill()
        print(f"{cores} busy, calls (medians of 3): {costs[cores].describe()}")

    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"voice {VOICE}; first sound counted from the daemon having the text (the command's own "
          "start and the sound server come on top)")
    for cores, cost in costs.items():
        if cores == 0:
            print("\n| busy cores | text | earliest first sound | with first call | ÷ first call "
                  "(target ≤ 1.2) | words per call |")
            print("|---|---|---|---|---|---|")
        else:
            print("\n| busy cores | text | target: 2.5 × four words idle | earliest first sound, "
                  "no wait inside a sentence | "
                  + " | ".join(f"the same, planned for calls {slower:.0%} slower" for slower in SLOWER)
                  + " | ≤ 0.15 s at each cut | ≤ 0.3 s at each cut | words per call (0.3 s) |")
            print("|---|---|---|---|" + "---|" * len(SLOWER) + "---|---|---|")
        for kind, group in texts.items():
            for text in group:
                label = f"{kind}: {text[:28]}…"
                if cores == 0:
                    bounds = [earliest_first_sound(words[text], cost, IDLE_INSIDE, math.inf, first)
                              for first in FIRST_CHUNK_WORDS if first <= len(words[text])]
                    best = min(bounds, key=lambda b: b.first_sound / b.first_chunk)
                    print(f"| 0 | {label} | {best.first_sound:.2f} s "
                          f"| {best.first_words} words, {best.first_chunk:.2f} s "
                          f"| {best.first_sound / best.first_chunk:.2f} | {best.calls(words[text])} |")
                else:
                    bounds = [earliest_first_sound(words[text], cost, inside, BUSY_BETWEEN)
                              for inside in BUSY_INSIDE]
                    bounds[1:1] = [earliest_first_sound(words[text], cost.scaled(1.0 + slower), 0.0,
                                                        BUSY_BETWEEN) for slower in SLOWER]
                    print(f"| {cores} | {label} | {2.5 * four_words[text]:.2f} s | "
                          + " | ".join(f"{b.first_sound:.2f} s" for b in bounds)
                          + f" | {bounds[-1].calls(words[text])} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
