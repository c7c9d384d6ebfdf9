"""When each word is heard: the model's per-token durations turned into per-word sample ranges.

Kokoro predicts how many frames (``FRAME_SAMPLES`` samples each, already divided by the speed)
every token lasts; a span of words is synthesized from their phonemes joined by spaces, between
two pad tokens. So word ``i`` starts where its first token starts and ends where its last spoken
token ends: the space after it and its trailing punctuation (a pause, not speech) are left out.
A "word" of punctuation alone (a dash) is not heard and gets no timing; words that were read from
the same text ("five dollars" from "$5") are heard as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from readaloud.speech.engine import FRAME_SAMPLES
from readaloud.speech.phonemes import vocab
from readaloud.speech.types import PhonemeWord, WordTiming

# Kokoro's punctuation symbols: they get durations (pauses) but are not part of the spoken word.
_PUNCTUATION = frozenset(';:,.!?¡¿—…"«»“”()')


def word_timings(
    frames: np.ndarray, words: Sequence[PhonemeWord], *, frame_samples: int = FRAME_SAMPLES
) -> tuple[WordTiming, ...]:
    """Sample ranges of ``words`` in the audio of one synthesis call that gave ``frames``.

    ``frames`` is the engine's durations output for ``" ".join(word.phonemes for word in words)``
    (pads included, see :class:`readaloud.speech.engine.TimedAudio`).
    """
    table = vocab()
    symbols = [[symbol for symbol in word.phonemes if symbol in table] for word in words]
    # Every word but the last is followed by a space token.
    expected = sum(len(spoken) for spoken in symbols) + max(len(words) - 1, 0) + 2
    if len(frames) != expected:
        raise ValueError(f"{len(frames)} durations for {expected} tokens (pads included)")
    # Sample where each token (pad first) starts.
    starts = np.concatenate(([0], np.cumsum(np.asarray(frames, dtype=np.int64)))) * frame_samples
    timings: list[WordTiming] = []
    token = 1  # the leading pad is token 0
    for word, spoken in zip(words, symbols, strict=True):
        first, heard = token, len(spoken)
        token += len(spoken) + 1
        while heard and spoken[heard - 1] in _PUNCTUATION:
            heard -= 1
        lead = 0
        while lead < heard and spoken[lead] in _PUNCTUATION:
            lead += 1
        if lead == heard:
            continue
        span = word.span
        timing = WordTiming(int(starts[first + lead]), int(starts[first + heard]),
                            span[0] if span else None, span[1] if span else None)
        timings = merge_same_text(timings, timing)
    return tuple(timings)


def is_heard(phonemes: str) -> bool:
    """Whether a word of these phonemes is spoken (gets timing), not punctuation alone."""
    table = vocab()
    return any(symbol in table and symbol not in _PUNCTUATION for symbol in phonemes)


def merge_same_text(timings: list[WordTiming], timing: WordTiming) -> list[WordTiming]:
    """``timings`` with ``timing`` added, or joined to the last one when both were read from text
    that overlaps ("five dollars" from "$5"; "March fourth" and "twenty twenty-five." from "3/4/2025.")."""
    last = timings[-1] if timings else None
    if (last is not None and last.text_start is not None and last.text_end is not None
            and timing.text_start is not None and timing.text_end is not None
            and timing.text_start < last.text_end):
        timings[-1] = WordTiming(last.start, timing.end, last.text_start, max(last.text_end, timing.text_end))
    else:
        timings.append(timing)
    return timings


def after_cut(timings: Sequence[WordTiming], start: int, length: int) -> tuple[WordTiming, ...]:
    """``timings`` in ``audio[start:start + length]`` (what trimming kept), clamped to it."""
    return tuple(
        replace(timing, start=min(max(timing.start - start, 0), length),
                end=min(max(timing.end - start, 0), length))
        for timing in timings
    )


def shifted(timings: Sequence[WordTiming], offset: int) -> tuple[WordTiming, ...]:
    """``timings`` moved ``offset`` samples later (audio placed after other audio)."""
    return tuple(replace(timing, start=timing.start + offset, end=timing.end + offset) for timing in timings)
