"""One synthesis call for a span of a sentence's words, as ``speech.schedule`` plans them.

The player and the Spiel provider both cut sentences where the cost model says; each call's audio
is trimmed for where it was cut (``speech.trim.cut_bounds``) and teaches the cost model what
synthesis costs right now. The timed form also says when each word is heard in the trimmed audio.
A run of whole short sentences can also be made in one call and cut apart again by that timing.
"""

from __future__ import annotations

import bisect
import itertools
import logging
from collections.abc import Callable, Sequence

import numpy as np

from readaloud.speech.schedule import SynthesisCost
from readaloud.speech.timing import after_cut, is_heard
from readaloud.speech.trim import THRESHOLD, cut_bounds
from readaloud.speech.types import Break, Phonemized, Synthesizer, TimedSpan, WordTiming

log = logging.getLogger(__name__)

# Where to look for the silence between two sentences made in one call, around the gap between
# the last word's timing and the next one's.
CUT_SEARCH_BEFORE = 0.15
CUT_SEARCH_AFTER = 0.1


def synthesize_span(synthesizer: Synthesizer, words: Phonemized, start: int, end: int, voice: str,
                    speed: float, cost: SynthesisCost, clock: Callable[[], float]) -> np.ndarray:
    """Audio of ``words.words[start:end]``, trimmed for where it was cut; ``cost`` learns from it."""
    return _synthesize(synthesizer, words, start, end, voice, speed, cost, clock, timed=False).audio


def synthesize_timed_span(synthesizer: Synthesizer, words: Phonemized, start: int, end: int, voice: str,
                          speed: float, cost: SynthesisCost, clock: Callable[[], float]) -> TimedSpan:
    """``synthesize_span`` with when each word is heard in that audio (no words when the
    synthesizer gives no timing)."""
    return _synthesize(synthesizer, words, start, end, voice, speed, cost, clock,
                       timed=synthesizer.has_word_timing)


def _synthesize(synthesizer: Synthesizer, words: Phonemized, start: int, end: int, voice: str,
                speed: float, cost: SynthesisCost, clock: Callable[[], float], *, timed: bool) -> TimedSpan:
    rate = synthesizer.sample_rate
    began = clock()
    if timed:
        made = synthesizer.synthesize_words_timed(words, start, end, voice, speed)
    else:
        made = TimedSpan(synthesizer.synthesize_words(words, start, end, voice, speed), ())
    seconds = clock() - began
    last = words.words[end - 1].follows if end < len(words.words) else Break.SENTENCE
    raw = np.asarray(made.audio, dtype=np.float32).reshape(-1)
    cut_start, cut_end = cut_bounds(raw, rate, first=start == 0, follows=last)
    audio = raw[cut_start:cut_end]
    tokens = sum(word.tokens for word in words.words[start:end])
    predicted = cost.seconds(len(audio) / rate)
    cost.observe(tokens, speed, len(audio) / rate, seconds)
    log.debug("sentence %d, words %d-%d of %d: %.2f s of audio in %.2f s (expected %.2f s)",
              words.sentence.index, start, end, len(words.words), len(audio) / rate, seconds, predicted)
    return TimedSpan(audio, after_cut(made.words, cut_start, len(audio)))


def can_split_after(words: Phonemized) -> bool:
    """Whether ``words``, synthesized in one call with other sentences, can be cut back out of its
    audio: every word placed in the text, and at least one heard (so it has timing of its own)."""
    return bool(words.words) and all(word.span is not None for word in words.words) and any(
        is_heard(word.phonemes) for word in words.words)


def synthesize_joined(synthesizer: Synthesizer, run: Sequence[Phonemized], voice: str, speed: float,
                      cost: SynthesisCost, clock: Callable[[], float]) -> list[TimedSpan] | None:
    """Whole sentences of one text, consecutive, in one synthesis call, cut back into one span each.

    Kokoro's fixed cost per call (the silence it pads every call with, mostly) is then paid once:
    a run of short sentences ("Stop. Listen.") is ready much sooner. Each sentence's audio is
    trimmed as if it had been synthesized alone, so the player puts its own pause between them.
    None when the audio cannot be cut where the sentences meet (no timing said where each was
    heard): the caller synthesizes them one by one instead.
    """
    rate = synthesizer.sample_rate
    joined = Phonemized(run[0].sentence, tuple(word for words in run for word in words.words))
    began = clock()
    made = synthesizer.synthesize_words_timed(joined, 0, len(joined.words), voice, speed)
    seconds = clock() - began
    raw = np.asarray(made.audio, dtype=np.float32).reshape(-1)
    heard: list[list[WordTiming]] = [[] for _ in run]
    starts = [words.words[0].span[0] for words in run if words.words[0].span is not None]
    if len(starts) != len(run):
        return None
    for timing in made.words:
        if timing.text_start is None:
            return None
        heard[bisect.bisect_right(starts, timing.text_start) - 1].append(timing)
    if not all(heard):
        return None
    # Cut in the pause between two sentences; trimming then keeps what it keeps around a sentence
    # made alone.
    meeting = itertools.pairwise(heard)
    cuts = [0, *(_cut_between(raw, rate, before[-1], after[0]) for before, after in meeting), len(raw)]
    spans: list[TimedSpan] = []
    for (start, end), timings in zip(itertools.pairwise(cuts), heard, strict=True):
        piece = raw[start:end]
        cut_start, cut_end = cut_bounds(piece, rate, first=True, follows=Break.SENTENCE)
        audio = piece[cut_start:cut_end]
        spans.append(TimedSpan(audio, after_cut(timings, start + cut_start, len(audio))))
    audio_seconds = sum(len(span.audio) for span in spans) / rate
    tokens = sum(word.tokens for word in joined.words)
    predicted = cost.seconds(audio_seconds)
    cost.observe(tokens, speed, audio_seconds, seconds)
    log.debug("sentences %d-%d in one call: %.2f s of audio in %.2f s (expected %.2f s)",
              run[0].sentence.index, run[-1].sentence.index, audio_seconds, seconds, predicted)
    return spans


def _cut_between(audio: np.ndarray, rate: int, before: WordTiming, after: WordTiming) -> int:
    """The middle of the longest silence between two words (the quietest moment if none is silent).

    The durations place a word only roughly: its sound may start a few tens of milliseconds
    before its first frame, and fade out before its last.
    """
    block = max(1, rate // 200)
    low = max(before.start, min(before.end, after.start) - round(CUT_SEARCH_BEFORE * rate))
    high = min(after.end, max(before.end, after.start) + round(CUT_SEARCH_AFTER * rate))
    count = (high - low) // block
    if count < 1:
        return (before.end + after.start) // 2
    loudness = np.abs(audio[low:low + count * block]).reshape(count, block).max(axis=1)
    quiet = np.flatnonzero(loudness < THRESHOLD)
    if len(quiet) == 0:
        return low + int(np.argmin(loudness)) * block + block // 2
    # Runs of consecutive quiet blocks: (first, last) of the longest.
    breaks = np.flatnonzero(np.diff(quiet) > 1)
    firsts = np.concatenate(([quiet[0]], quiet[breaks + 1]))
    lasts = np.concatenate((quiet[breaks], [quiet[-1]]))
    longest = int(np.argmax(lasts - firsts))
    return low + (int(firsts[longest]) + int(lasts[longest]) + 1) * block // 2
