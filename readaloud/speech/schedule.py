"""Where to cut a sentence for synthesis, chosen from what synthesis costs on this machine right now.

Kokoro costs a fixed amount per call plus an amount per second of audio, and both grow when other
programs take the CPU. ``SynthesisCost`` learns them from every chunk; ``plan_chunks`` then picks
the cuts of a sentence that let it play without a gap from the audio already buffered, preferring
few cuts, and cuts at clauses to cuts between other words. When no plan can keep up, it says how
long playback must wait first, so the player can hold a sentence back until it is safe to start it:
the wait then falls between sentences, not inside one. Told what the next sentence will need, it
starts this one a little later rather than leave that one a long wait.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from readaloud.speech.types import Break, PhonemeWord

# Before the first measurement: the int8 model on two busy-ish desktop cores.
PRIOR_FIXED_SECONDS = 0.35
PRIOR_SECONDS_PER_AUDIO_SECOND = 0.6
PRIOR_AUDIO_SECONDS_PER_TOKEN = 0.075
# The smallest safety margin for a chunk's deadline, and how many recent errors it covers.
MIN_MARGIN_SECONDS = 0.12
ERROR_SPREAD = 1.5
# How many observations shape the cost line; older ones fade by this factor each.
HISTORY = 24
FADE = 0.85
# How fast the correction for sudden load follows a chunk that was slower (or faster) than predicted.
RISE = 0.6
FALL = 0.25


# The price of a cut, in seconds of waiting it is worth: a cut between two words of a phrase
# costs prosody; a cut at a comma costs little.
CUT_PRICE = {Break.WORD: 0.5, Break.CLAUSE: 0.08, Break.SENTENCE: 0.0}
# A chunk shorter than this sounds clipped (unless the sentence is, or the context forbids more).
MIN_CHUNK_WORDS = 3
# A last chunk of a word or two after a cut sounds tacked on: cut earlier if at all possible.
STUB_PRICE = 1.0
# How much dearer a second of silence before a sentence starts is than one cut (CUT_PRICE): before
# a request's first sound, and between sentences once what is buffered has run out.
BEFORE_SENTENCE_WAIT_WEIGHT = 2.0
# And in the middle of a sentence that is already playing, where a wait is a stutter: dearer than
# any number of cuts a sentence could need.
MID_SENTENCE_WAIT_WEIGHT = 8.0
# A planned wait this short is inside the plan's own safety margin: no silence is added before a
# sentence for it, and a sentence that plays is not held at a clause for it.
NEGLIGIBLE_WAIT_SECONDS = MIN_MARGIN_SECONDS
# The longest wait before a sentence (beyond the pause between sentences) that planning the one
# before it lets stand: with the pause (0.25 s) and the edges kept when trimming (0.17 s), the
# silence between two sentences then stays under a second. Beyond it, the sentence before starts
# later instead, so the deficit of a machine that cannot keep up is not saved up for one long gap;
# but by no more than LATER_START_SECONDS: on a machine far slower than real time, several
# moderate waits are better than one first sound that takes many seconds.
BETWEEN_SENTENCES_WAIT_SECONDS = 0.4
LATER_START_SECONDS = 0.6
# Sentences are synthesized in one call only when that saves at least this much silence: a near
# tie is not worth a later first sound, nor the risk of a wrong guess on a long call.
JOIN_MARGIN_SECONDS = 0.1
# Partial plans kept per cut position (a beam: exact search is not worth its time on long sentences).
BEAM = 6


class SynthesisCost:
    """A running estimate of synthesis time: ``fixed + rate × audio seconds``, per call.

    The line is fitted to recent chunks (older ones fade), and a fast correction factor follows
    sudden changes of load before the fit catches up. The spread of recent prediction errors sets
    the safety margin.
    """

    def __init__(
        self,
        fixed: float = PRIOR_FIXED_SECONDS,
        rate: float = PRIOR_SECONDS_PER_AUDIO_SECOND,
        audio_per_token: float = PRIOR_AUDIO_SECONDS_PER_TOKEN,
    ) -> None:
        self.fixed = fixed
        self.rate = rate
        self.audio_per_token = audio_per_token
        self._correction = 1.0
        self._error = 0.1  # typical |log(observed / predicted)|
        self._observations: deque[tuple[float, float]] = deque(maxlen=HISTORY)
        self.count = 0

    def audio_seconds(self, tokens: int, speed: float = 1.0) -> float:
        """Expected (trimmed) audio of ``tokens`` phoneme tokens at ``speed``."""
        return self.audio_per_token * tokens / speed

    def seconds(self, audio_seconds: float) -> float:
        """Expected time to synthesize a call that yields ``audio_seconds`` of audio."""
        return self._correction * (self.fixed + self.rate * audio_seconds)

    def margin(self, seconds: float) -> float:
        """How much earlier than its deadline a chunk of ``seconds`` should be planned to be ready."""
        return max(MIN_MARGIN_SECONDS, seconds * (math.exp(ERROR_SPREAD * self._error) - 1.0))

    def observe(self, tokens: int, speed: float, audio_seconds: float, seconds: float) -> None:
        """Learn from one call: ``tokens`` at ``speed`` gave ``audio_seconds`` in ``seconds``."""
        if tokens <= 0 or audio_seconds <= 0 or seconds <= 0:
            return
        self.count += 1
        per_token = audio_seconds * speed / tokens
        self.audio_per_token += (0.5 if self.count > 1 else 1.0) * (per_token - self.audio_per_token)
        surprise = math.log(seconds / self.seconds(audio_seconds))
        self._error += 0.3 * (abs(surprise) - self._error)
        self._observations.append((audio_seconds, seconds))
        self._refit()
        # Follow the last call quickly: the load right now matters more than the fitted mean.
        residual = math.log(seconds / (self.fixed + self.rate * audio_seconds))
        self._correction = math.exp((RISE if residual > 0 else FALL) * residual)

    def _refit(self) -> None:
        """Weighted least squares over recent calls; keeps the old shape when they cannot tell."""
        points = list(self._observations)
        weights = [FADE ** (len(points) - 1 - i) for i in range(len(points))]
        total = sum(weights)
        mean_x = sum(w * x for w, (x, _) in zip(weights, points, strict=True)) / total
        mean_y = sum(w * y for w, (_, y) in zip(weights, points, strict=True)) / total
        spread = sum(w * (x - mean_x) ** 2 for w, (x, _) in zip(weights, points, strict=True)) / total
        if len(points) >= 2 and spread >= 0.25:
            covariance = sum(
                w * (x - mean_x) * (y - mean_y) for w, (x, y) in zip(weights, points, strict=True)
            ) / total
            rate = covariance / spread
            fixed = mean_y - rate * mean_x
            if rate > 0.02 and fixed >= 0.0:
                self.fixed, self.rate = fixed, rate
                return
        # Too little spread to tell the two terms apart: scale the line we have to the mean.
        scale = mean_y / (self.fixed + self.rate * mean_x)
        self.fixed *= scale
        self.rate *= scale


@dataclass(frozen=True)
class Plan:
    """Cuts for the rest of a sentence: ``ends[i]`` is the word index after chunk ``i``.

    ``wait`` is how long after now playback of the first chunk must start, at the earliest, for
    every chunk to be ready in time (0 when the audio already buffered covers it).
    """

    ends: tuple[int, ...]
    wait: float

    @property
    def first_end(self) -> int:
        return self.ends[0]


class Planner(Protocol):
    """Chooses the cuts of what is left of a sentence (``plan_chunks``, or a test's own)."""

    def __call__(self, words: Sequence[PhonemeWord], buffered: float, cost: SynthesisCost, *,
                 speed: float = 1.0, wait_weight: float = 1.0, then: float = 0.0) -> Plan: ...


# A partial plan: (lateness, debt, price, end, previous). Lateness is the largest (ready - play
# start) of its chunks, i.e. the buffer it needs; debt is synthesis time so far minus audio so far.
_Partial = tuple[float, float, float, int, "_Partial | None"]


def plan_chunks(
    words: Sequence[PhonemeWord],
    buffered: float,
    cost: SynthesisCost,
    *,
    speed: float = 1.0,
    wait_weight: float = 1.0,
    then: float = 0.0,
    max_tokens: int = 510,
    min_words: int = MIN_CHUNK_WORDS,
) -> Plan:
    """The best cuts of ``words`` into chunks, synthesized one after another from now on.

    ``buffered`` is the audio (seconds) that will play before the first of these words. A chunk
    must be ready, with margin, before the audio in front of it has played. Among plans, the one
    that needs the least extra wait wins; cuts are priced by ``CUT_PRICE`` so that a plan with
    fewer, better-placed cuts wins when waiting longer would not pay for them. ``wait_weight``
    makes waiting dearer (before the first sound of a request, where every moment is felt).
    ``then`` is how long before these words finish playing they must all be made, for what comes
    next to start in time: a plan that leaves less starts later by the difference, by
    ``LATER_START_SECONDS`` at most.
    """
    count = len(words)
    if count == 0:
        return Plan((), 0.0)
    audio = [cost.audio_seconds(word.tokens, speed) for word in words]
    prices = [CUT_PRICE[word.follows] for word in words]
    # Words read from the same text ("two dollars" from "$2") are one word to the listener: its
    # timing, its signal and its prosody belong to one call.
    joined = [_same_text(words[index], words[index + 1]) for index in range(count - 1)] + [False]
    pending: list[list[_Partial]] = [[] for _ in range(count + 1)]
    pending[0] = [(0.0, 0.0, 0.0, 0, None)]
    for start in range(count):
        front = _prune(pending[start], buffered, wait_weight)
        pending[start] = []
        if not front:
            continue
        chunk_audio = 0.0
        chunk_tokens = 0
        for end in range(start + 1, count + 1):
            chunk_audio += audio[end - 1]
            chunk_tokens += words[end - 1].tokens
            if chunk_tokens > max_tokens and end > start + 1:
                break
            short = end - start < min_words and (start > 0 or end < count)
            if (short or joined[end - 1]) and end < count and chunk_tokens + words[end].tokens <= max_tokens:
                continue
            seconds = cost.seconds(chunk_audio)
            need = seconds + cost.margin(seconds)
            gain = seconds - chunk_audio
            price = prices[end - 1] if end < count else STUB_PRICE if short and start > 0 else 0.0
            bucket = pending[end]
            for partial in front:
                lateness, debt = partial[0], partial[1]
                bucket.append((max(lateness, debt + need), debt + gain, partial[2] + price, end, partial))
    finished = [(_with_time_for_next(p[0], p[1] + then, buffered), p[1], p[2], p[3], p[4])
                for p in pending[count]]
    best = min(finished, key=lambda p: _score(p, buffered, wait_weight))
    ends: list[int] = []
    node: _Partial | None = best
    while node is not None and node[3] > 0:
        ends.append(node[3])
        node = node[4]
    return Plan(tuple(reversed(ends)), max(0.0, best[0] - buffered))


def _with_time_for_next(lateness: float, next_needs: float, buffered: float) -> float:
    """The lateness of a plan that also leaves the next thing ``next_needs`` (as far as it may)."""
    return max(lateness, min(next_needs, max(lateness, buffered) + LATER_START_SECONDS))


def _same_text(word: PhonemeWord, following: PhonemeWord) -> bool:
    return (word.span is not None and following.span is not None
            and following.span[0] < word.span[1] and word.span[0] < following.span[1])


def _score(partial: _Partial, buffered: float, wait_weight: float) -> float:
    return wait_weight * max(0.0, partial[0] - buffered) + partial[2]


def _prune(candidates: list[_Partial], buffered: float, wait_weight: float) -> list[_Partial]:
    """The best few partial plans that no other beats in lateness, debt and price at once."""
    # A lower debt leaves more room for the chunks still to come.
    ranked = sorted(candidates, key=lambda p: _score(p, buffered, wait_weight) + 0.5 * max(0.0, p[1]))
    kept: list[_Partial] = []
    for candidate in ranked:
        if any(o[0] <= candidate[0] and o[1] <= candidate[1] and o[2] <= candidate[2] for o in kept):
            continue
        kept.append(candidate)
        if len(kept) == BEAM:
            break
    return kept


def joining_pays(first_audio: float, next_audio: float, next_needs: float, buffered: float,
                 pause: float, cost: SynthesisCost) -> bool:
    """Whether the next sentence should be synthesized in one call with the one(s) before it.

    ``first_audio``: the audio of the sentences before (made whole in one call), which plays after
    ``buffered`` seconds; ``next_audio``: the next sentence's; ``next_needs``: how long after its
    synthesis starts the next one could start playing when made on its own (its plan's wait from
    nothing buffered); ``pause``: the silence between the two. One call pays Kokoro's fixed cost
    once, but nothing of it plays until all of it is made. Joining wins when the silence it adds
    before the first sentence is less than the wait it saves the next one.
    """
    def ready(audio: float) -> float:
        seconds = cost.seconds(audio)
        return seconds + cost.margin(seconds)

    first_ready = ready(first_audio)
    first_plays = max(buffered, first_ready)
    next_wait = max(0.0, cost.seconds(first_audio) + next_needs - (first_plays + first_audio + pause))
    apart = max(0.0, first_ready - buffered) + next_wait
    together = max(0.0, ready(first_audio + next_audio) - buffered)
    return together + JOIN_MARGIN_SECONDS < apart
