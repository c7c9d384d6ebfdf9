"""One synthesis call for a span of a sentence's words, as ``speech.schedule`` plans them.

The player and the Spiel provider both cut sentences where the cost model says; each call's audio
is trimmed for where it was cut (``speech.trim.trim_cut``) and teaches the cost model what
synthesis costs right now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from readaloud.speech.schedule import SynthesisCost
from readaloud.speech.trim import trim_cut
from readaloud.speech.types import Break, Phonemized, Synthesizer

log = logging.getLogger(__name__)


def synthesize_span(synthesizer: Synthesizer, words: Phonemized, start: int, end: int, voice: str,
                    speed: float, cost: SynthesisCost, clock: Callable[[], float]) -> np.ndarray:
    """Audio of ``words.words[start:end]``, trimmed for where it was cut; ``cost`` learns from it."""
    rate = synthesizer.sample_rate
    began = clock()
    raw = synthesizer.synthesize_words(words, start, end, voice, speed)
    seconds = clock() - began
    last = words.words[end - 1].follows if end < len(words.words) else Break.SENTENCE
    audio = trim_cut(np.asarray(raw, dtype=np.float32).reshape(-1), rate, first=start == 0, follows=last)
    tokens = sum(word.tokens for word in words.words[start:end])
    predicted = cost.seconds(len(audio) / rate)
    cost.observe(tokens, speed, len(audio) / rate, seconds)
    log.debug("sentence %d, words %d-%d of %d: %.2f s of audio in %.2f s (expected %.2f s)",
              words.sentence.index, start, end, len(words.words), len(audio) / rate, seconds, predicted)
    return audio
