"""Kokoro's phoneme vocabulary, and a sentence's phonemes as words with their token counts."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from importlib import resources

from readaloud.speech.engine import MAX_PHONEME_TOKENS
from readaloud.speech.types import Break, PhonemeWord, TextMark

_STRONG_PUNCTUATION = ".!?…"
_CLAUSE_PUNCTUATION = ",;:—"


@functools.lru_cache(maxsize=1)
def vocab() -> dict[str, int]:
    data = json.loads(resources.files("readaloud.speech").joinpath("data/kokoro_vocab.json").read_text())
    return dict(data["vocab"])


def token_ids(phonemes: str) -> tuple[int, ...]:
    """Map phonemes to Kokoro token ids, dropping symbols the model does not know."""
    table = vocab()
    return tuple(table[symbol] for symbol in phonemes if symbol in table)


def count_tokens(phonemes: str) -> int:
    table = vocab()
    return sum(1 for symbol in phonemes if symbol in table)


def _ends_with(word: str, marks: str) -> bool:
    stripped = word.rstrip('")”')
    return bool(stripped) and stripped[-1] in marks


def break_after(word: str) -> Break:
    """How natural a cut after phoneme ``word`` is (punctuation stays attached to words)."""
    if _ends_with(word, _STRONG_PUNCTUATION):
        return Break.SENTENCE
    if _ends_with(word, _CLAUSE_PUNCTUATION):
        return Break.CLAUSE
    return Break.WORD


def phoneme_words(
    phonemes: str,
    max_tokens: int = MAX_PHONEME_TOKENS,
    *,
    marks: Sequence[TextMark] = (),
    to_original: Callable[[int, int], tuple[int, int]] | None = None,
) -> tuple[PhonemeWord, ...]:
    """A sentence's phonemes as words (separated by spaces), each with its token count.

    A "word" longer than the model's context (a run of symbols with no space) is the only thing
    ever split inside, so that any cut between words gives chunks the model accepts.

    ``marks`` (from the G2P) say which text each part of ``phonemes`` was read from; a word's span
    covers the text of every mark it overlaps, mapped through ``to_original`` (the sentence's map
    back to the user's text) when given.
    """
    words: list[PhonemeWord] = []
    ordered = sorted(marks, key=lambda mark: mark.phoneme_start)
    first_mark = 0
    for match in re.finditer(r"\S+", phonemes):
        while first_mark < len(ordered) and ordered[first_mark].phoneme_end <= match.start():
            first_mark += 1
        span = _text_span(ordered, first_mark, match.start(), match.end())
        if span is not None and to_original is not None:
            span = to_original(*span)
        for piece in _split_oversized(match.group(), max_tokens - 1):
            words.append(PhonemeWord(piece, count_tokens(piece) + 1, break_after(piece), span))
    return tuple(words)


def _text_span(marks: Sequence[TextMark], first: int, start: int, end: int) -> tuple[int, int] | None:
    """The text covered by the marks (from index ``first``) that overlap ``phonemes[start:end]``."""
    covered = []
    for mark in marks[first:]:
        if mark.phoneme_start >= end:
            break
        if mark.phoneme_end > start:
            covered.append(mark)
    if not covered:
        return None
    return min(mark.text_start for mark in covered), max(mark.text_end for mark in covered)


def _split_oversized(word: str, max_tokens: int) -> list[str]:
    if count_tokens(word) <= max_tokens:
        return [word]
    pieces, current = [], ""
    for symbol in word:
        if count_tokens(current + symbol) > max_tokens:
            pieces.append(current)
            current = ""
        current += symbol
    return [*pieces, current] if current else pieces
