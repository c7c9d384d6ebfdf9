"""Kokoro's phoneme vocabulary, and a sentence's phonemes as words with their token counts."""

from __future__ import annotations

import functools
import json
from importlib import resources

from readaloud.speech.engine import MAX_PHONEME_TOKENS
from readaloud.speech.types import Break, PhonemeWord

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


def phoneme_words(phonemes: str, max_tokens: int = MAX_PHONEME_TOKENS) -> tuple[PhonemeWord, ...]:
    """A sentence's phonemes as words (separated by spaces), each with its token count.

    A "word" longer than the model's context (a run of symbols with no space) is the only thing
    ever split inside, so that any cut between words gives chunks the model accepts.
    """
    words: list[PhonemeWord] = []
    for word in phonemes.split():
        for piece in _split_oversized(word, max_tokens - 1):
            words.append(PhonemeWord(piece, count_tokens(piece) + 1, break_after(piece)))
    return tuple(words)


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
