"""One synthesis call for a span of a sentence's words, as ``speech.schedule`` plans them.

The player and the Spiel provider both cut sentences where the cost model says; each call's audio
is trimmed for where it was cut (``speech.trim.cut_bounds``) and teaches the cost model what
synthesis costs right now. The timed form also says when each word is heard in the trimmed audio.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from readaloud.speech.schedule import SynthesisCost
from readaloud.speech.timing import after_cut
from readaloud.speech.trim import cut_bounds
from readaloud.speech.types import Break, Phonemized, Synthesizer, TimedSpan

log = logging.getLogger(__name__)


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
