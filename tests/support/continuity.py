"""Where silences fall in what a sink played: inside sentences or between them.

Shared by the continuity test and ``bench/contention.py``. A sentence's start is known from the
reader's ``SentenceStarted`` event (the moment its first sample left for the device); the pause
before a sentence ends when that sentence becomes audible, so a silence that ends after the next
sentence's start belongs between the two, and one that ends before it is inside a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from readaloud.speech.types import Synthesizer

RATE = 24_000
AUDIBLE = 0.01
MIN_SILENCE = 0.05


def silences(audio: np.ndarray, start: int = 0, end: int | None = None, *,
             threshold: float = AUDIBLE, shortest: float = MIN_SILENCE) -> list[tuple[int, int]]:
    """Silent stretches of at least ``shortest`` seconds in ``audio[start:end]``, as sample ranges."""
    end = len(audio) if end is None else end
    window = int(0.01 * RATE)
    piece = audio[start:end]
    frames = len(piece) // window
    if frames == 0:
        return []
    loud = np.abs(piece[: frames * window]).reshape(frames, window).max(axis=1) > threshold
    result = []
    quiet_from: int | None = None
    for index, is_loud in enumerate(loud):
        if not is_loud and quiet_from is None:
            quiet_from = index
        elif is_loud and quiet_from is not None:
            if (index - quiet_from) * 0.01 >= shortest - 1e-9:
                result.append((start + quiet_from * window, start + index * window))
            quiet_from = None
    return result


def longest_pause(audio: np.ndarray) -> float:
    """The longest silence inside ``audio`` (seconds), e.g. a sentence read whole by the model."""
    loud = np.flatnonzero(np.abs(audio) > AUDIBLE)
    if len(loud) == 0:
        return 0.0
    return max(((b - a) / RATE for a, b in silences(audio, int(loud[0]), int(loud[-1]) + 1)), default=0.0)


def excess_inside_sentences(
    audio: np.ndarray, starts: Sequence[int], own_pauses: Sequence[float]
) -> list[float]:
    """For each sentence: its longest silence inside it, beyond the longest the model itself puts in
    it (``own_pauses``); ``starts`` are the samples at which each sentence started playing."""
    loud = np.flatnonzero(np.abs(audio) > AUDIBLE)
    if len(loud) == 0 or not starts:
        return []
    first, last = int(loud[0]), int(loud[-1]) + 1
    gaps = silences(audio, first, last)
    ends = [*starts[1:], last]
    result = []
    for index, (begin, end) in enumerate(zip(starts, ends, strict=True)):
        inside = [(b - a) / RATE for a, b in gaps if a >= max(begin, first) and b < end]
        own = own_pauses[index] if index < len(own_pauses) else 0.0
        result.append(max(0.0, max(inside, default=0.0) - own))
    return result


def model_pauses(synthesizer: Synthesizer, text: str, voice: str) -> list[float]:
    """Each sentence of ``text`` read whole by the model, trimmed as the player trims: its longest pause."""
    from readaloud.speech.trim import trim_silence

    result = []
    for sentence in synthesizer.sentences(text, voice):
        chunks = synthesizer.synthesize(sentence, voice, 1.0)
        result.append(longest_pause(np.concatenate([trim_silence(c, RATE) for c in chunks])))
    return result
