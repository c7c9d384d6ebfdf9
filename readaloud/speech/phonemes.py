"""Kokoro's phoneme vocabulary, and splitting phoneme strings into chunks the model accepts."""

from __future__ import annotations

import functools
import json
from importlib import resources

from readaloud.speech.engine import MAX_PHONEME_TOKENS

_STRONG_PUNCTUATION = ".!?…"
_CLAUSE_PUNCTUATION = ",;:—"
# The first chunk of a request is a clause of a handful of words: enough for natural prosody,
# short enough that the first sound comes after very little synthesis.
FIRST_CLAUSE_MIN_WORDS = 3
FIRST_CLAUSE_MAX_WORDS = 10
FIRST_CLAUSE_CUT_WORDS = 4
RAMP = 1.5
# Sentences this short are synthesized whole: splitting them would save little time and cost prosody.
SHORT_SENTENCE_WORDS = 6


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


def split_phonemes(
    phonemes: str, max_tokens: int = MAX_PHONEME_TOKENS, *, first_clause: bool = False
) -> list[str]:
    """Split a sentence's phonemes into chunks of at most ``max_tokens`` tokens.

    Splits fall between words (phoneme words are separated by spaces), preferring the end of a
    sentence, then a clause, then any word boundary; a word is never cut. A single "word" longer
    than the limit (a run of symbols with no space) is the only thing ever split inside.
    With ``first_clause`` the first chunk ends after the first clause of a few words.
    """
    words = phonemes.split()
    if not words:
        return []
    chunks: list[list[str]] = []
    rest = words
    if first_clause:
        head = _first_clause(words)
        if head < len(words):
            chunks.extend(_fit(words[:head], max_tokens))
            rest = words[head:]
            # Ramp up: each following chunk holds at most RAMP times the words made before it, so
            # it is synthesized while those play (the engine runs at 0.3-0.7 x real time on CPUs).
            made = head
            while len(rest) > int(RAMP * made):
                window = rest[: int(RAMP * made)]
                cut = _best_cut(window)
                chunks.extend(_fit(window[:cut], max_tokens))
                rest = rest[cut:]
                made += cut
    chunks.extend(_fit(rest, max_tokens))
    return [" ".join(chunk) for chunk in chunks if chunk]


def _first_clause(words: list[str]) -> int:
    """Number of words in the first clause, or len(words) when the sentence is short already."""
    if len(words) <= SHORT_SENTENCE_WORDS:
        return len(words)
    for index in range(FIRST_CLAUSE_MIN_WORDS - 1, min(FIRST_CLAUSE_MAX_WORDS, len(words) - 2)):
        if _ends_with(words[index], _CLAUSE_PUNCTUATION + _STRONG_PUNCTUATION):
            return index + 1
    return min(FIRST_CLAUSE_CUT_WORDS, len(words))


def _fit(words: list[str], max_tokens: int) -> list[list[str]]:
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for word in words:
        for piece in _split_oversized(word, max_tokens):
            cost = count_tokens(piece)
            # A cut may leave words behind that still do not fit with this one: cut again.
            while current and size + 1 + cost > max_tokens:
                cut = _best_cut(current)
                chunks.append(current[:cut])
                current = current[cut:]
                size = count_tokens(" ".join(current))
            size += cost + (1 if current else 0)
            current.append(piece)
    if current:
        chunks.append(current)
    return chunks


def _best_cut(words: list[str]) -> int:
    """Where to end a full chunk: after the last sentence end, else clause, in its second half."""
    half = len(words) // 2
    for marks in (_STRONG_PUNCTUATION, _CLAUSE_PUNCTUATION):
        for index in range(len(words) - 1, half - 1, -1):
            if _ends_with(words[index], marks):
                return index + 1
    return len(words)


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
