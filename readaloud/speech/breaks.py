"""Sentences that never straddle given offsets (SSML marks become sentence boundaries).

A mark is reported when the audio before it has played; the player knows when a sentence has
finished, so the text is split at every mark and each piece is split into sentences on its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

from readaloud.speech.types import Sentence


def prepare_at_breaks(
    prepare: Callable[[str], Iterable[list[Sentence]]], text: str, breaks: Iterable[int]
) -> Iterator[list[Sentence]]:
    """``prepare(text)`` (blocks of sentences, made as they are asked for), except that no
    sentence contains a break offset in its middle.

    The pieces between breaks are prepared one after another, each only when the blocks before it
    have been taken, so a long text stays lazy. Offsets of the result are into the whole ``text``;
    indexes run from 0 across all blocks.
    """
    cuts = sorted({offset for offset in breaks if 0 < offset < len(text)})
    if not cuts:
        yield from prepare(text)
        return
    index = 0
    for start, end in itertools.pairwise([0, *cuts, len(text)]):
        for block in prepare(text[start:end]):
            yield [
                Sentence(index + number, sentence.text, sentence.start + start, sentence.end + start)
                for number, sentence in enumerate(block)
            ]
            index += len(block)


def sentences_at_breaks(
    split: Callable[[str], list[Sentence]], text: str, breaks: Iterable[int]
) -> list[Sentence]:
    """``split(text)``, except that no sentence contains a break offset in its middle.

    Offsets of the result are into the whole ``text``; indexes run from 0.
    """
    blocks = prepare_at_breaks(lambda piece: [split(piece)], text, breaks)
    return [sentence for block in blocks for sentence in block]
