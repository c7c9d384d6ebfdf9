"""Cutting a long text into blocks that can be prepared for speech one at a time.

A 2 MB text takes seconds to normalize; reading can start after its first block, and the rest is
prepared as reading gets to it. Blocks end where nothing a normalizer does can reach across: at a
blank line outside a fenced code block (paragraphs, list items, headings), else at a line that ends
a sentence, else after a sentence-ending mark followed by a space. A block without any of those is
cut at a space, and only as a last resort anywhere; a fenced code block is never cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

BLOCK_CHARS = 4000

_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)", re.MULTILINE)
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_AT_LINE_END = re.compile(r"[.!?…][\"')\]]*[ \t]*\n\s*")
_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*\s+")
_SPACE = re.compile(r"\s+")


def _fenced_spans(text: str) -> list[tuple[int, int]]:
    """Spans of fenced code blocks (an unclosed fence runs to the end)."""
    spans = []
    opened: int | None = None
    for match in _FENCE.finditer(text):
        if opened is None:
            opened = match.start()
        else:
            spans.append((opened, match.end()))
            opened = None
    if opened is not None:
        spans.append((opened, len(text)))
    return spans


def split_blocks(text: str, size: int = BLOCK_CHARS) -> Iterator[tuple[int, int]]:
    """``(start, end)`` spans that cover ``text`` in order, each about ``size`` characters or more."""
    fences = _fenced_spans(text)
    start = 0
    length = len(text)
    while length - start > 2 * size:
        end = _cut(text, start + size, min(length, start + 4 * size), fences)
        yield start, end
        start = end
    if start < length:
        yield start, length


def _cut(text: str, lowest: int, highest: int, fences: list[tuple[int, int]]) -> int:
    """The first good place to end a block in ``text[lowest:highest]``."""

    def outside_fences(position: int) -> bool:
        return not any(a < position < b for a, b in fences)

    # A code block longer than a block: look past its end rather than cut it.
    highest = max([highest, *(b + 1 for a, b in fences if a < highest < b)])
    highest = min(highest, len(text))
    for pattern in (_BLANK_LINE, _SENTENCE_AT_LINE_END, _SENTENCE_END, _SPACE):
        for match in pattern.finditer(text, lowest, highest):
            if outside_fences(match.end()):
                return match.end()
    return highest
