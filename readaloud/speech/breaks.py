"""Sentences that never straddle given offsets (SSML marks become sentence boundaries).

A mark is reported when the audio before it has played; the player knows when a sentence has
finished, so the text is split at every mark and each piece is split into sentences on its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from readaloud.speech.types import Sentence


def sentences_at_breaks(
    split: Callable[[str], list[Sentence]], text: str, breaks: Iterable[int]
) -> list[Sentence]:
    """``split(text)``, except that no sentence contains a break offset in its middle.

    Offsets of the result are into the whole ``text``; indexes run from 0.
    """
    cuts = sorted({offset for offset in breaks if 0 < offset < len(text)})
    if not cuts:
        return split(text)
    bounds = [0, *cuts, len(text)]
    result: list[Sentence] = []
    for start, end in itertools.pairwise(bounds):
        for sentence in split(text[start:end]):
            result.append(Sentence(len(result), sentence.text, sentence.start + start, sentence.end + start))
    return result
