"""Trimming the silence Kokoro puts around every chunk, so pauses are the ones we choose.

Kokoro-82M pads each synthesized chunk with about 0.3 s of silence before the speech and 0.5 s
after it. Between two sentences that adds 0.8 s to the configured pause, and inside a sentence
split for a fast start (first clause, rest) it puts a pause where there is none. Keeping a short
margin on both sides avoids clipping soft consonants and breaths.
"""

from __future__ import annotations

import numpy as np

from readaloud.speech.types import Break

THRESHOLD = 0.005  # about -46 dBFS: below anything Kokoro says, above its padding
KEEP_BEFORE = 0.05
KEEP_AFTER = 0.12
# Where a sentence was cut for streaming, keep what a reading of the whole sentence would have:
# almost nothing between two words of a phrase, the model's own pause at a comma.
KEEP_AT_WORD_CUT = 0.025
KEEP_BEFORE_CONTINUATION = 0.015
KEEP_AT_CLAUSE_CUT = 0.25


def trim_silence(
    audio: np.ndarray,
    sample_rate: int,
    *,
    threshold: float = THRESHOLD,
    keep_before: float = KEEP_BEFORE,
    keep_after: float = KEEP_AFTER,
) -> np.ndarray:
    """``audio`` without leading/trailing silence beyond the margins (a view; empty if all silent)."""
    start, end = silence_bounds(audio, sample_rate, threshold=threshold, keep_before=keep_before,
                                keep_after=keep_after)
    return audio[start:end]


def silence_bounds(
    audio: np.ndarray,
    sample_rate: int,
    *,
    threshold: float = THRESHOLD,
    keep_before: float = KEEP_BEFORE,
    keep_after: float = KEEP_AFTER,
) -> tuple[int, int]:
    """The ``[start, end)`` that :func:`trim_silence` keeps (``(0, 0)`` if all silent): timings of
    the untrimmed audio move by ``-start``."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if len(loud) == 0:
        return 0, 0
    start = max(0, int(loud[0]) - int(keep_before * sample_rate))
    end = min(len(audio), int(loud[-1]) + 1 + int(keep_after * sample_rate))
    return start, end


def trim_cut(audio: np.ndarray, sample_rate: int, *, first: bool, follows: Break) -> np.ndarray:
    """``audio`` of a chunk trimmed for where it sits in its sentence.

    ``first``: the chunk starts the sentence; ``follows``: what comes after its last word.
    """
    start, end = cut_bounds(audio, sample_rate, first=first, follows=follows)
    return audio[start:end]


def cut_bounds(audio: np.ndarray, sample_rate: int, *, first: bool, follows: Break) -> tuple[int, int]:
    """The ``[start, end)`` of ``audio`` that :func:`trim_cut` keeps."""
    keep_after = {Break.SENTENCE: KEEP_AFTER, Break.CLAUSE: KEEP_AT_CLAUSE_CUT,
                  Break.WORD: KEEP_AT_WORD_CUT}[follows]
    keep_before = KEEP_BEFORE if first else KEEP_BEFORE_CONTINUATION
    return silence_bounds(audio, sample_rate, keep_before=keep_before, keep_after=keep_after)
