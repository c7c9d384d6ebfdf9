"""Undo hyphenation that a line break introduced ("exam-\\nple" → "example", "well-\\nknown" stays)."""

from __future__ import annotations

import re

from readaloud.text.english.wordlist import english_words

_WORD_BEFORE = re.compile(r"[^\W\d_]+$")
_WORD_AFTER = re.compile(r"[^\W\d_]+")


def join_at_line_break(text: str, start: int, end: int) -> bool:
    """Whether the hyphen and line break in ``text[start:end]`` split one word (so they vanish).

    Joins when the joined form is a dictionary word, keeps the hyphen when both halves are words
    and the joined form is not, and joins otherwise (typesetters hyphenate syllables, not compounds).
    """
    before = _WORD_BEFORE.search(text, max(0, start - 64), start)
    after = _WORD_AFTER.match(text, end)
    if before is None or after is None:
        return True
    left, right = before.group().lower(), after.group().lower()
    words = english_words()
    if not words or (left + right) in words:
        return True
    return not (left in words and right in words)
