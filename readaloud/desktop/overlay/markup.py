"""What the reading bar shows for a sentence and a word: pure functions, no Qt.

A long sentence is shown as an excerpt around the word being heard, cut at spaces, so the bar keeps
its size; the word is drawn on a solid highlight colour (Qt rich text).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

# The bar is dark with light text; the word being heard is dark on amber (contrast ratio > 12:1).
BAR_BACKGROUND = "#202124"
BAR_TEXT = "#f1f3f4"
HIGHLIGHT_BACKGROUND = "#ffd54a"
HIGHLIGHT_TEXT = "#000000"

# About three lines of the bar at its usual width.
EXCERPT_CHARS = 240
ELLIPSIS = "…"

Span = tuple[int, int]


@dataclass(frozen=True)
class Shown:
    """The text the bar shows and where the highlighted word is in it (None: no word yet)."""

    text: str
    word: Span | None


def clamp(span: Span | None, length: int) -> Span | None:
    """``span`` limited to a text of ``length`` characters; None when nothing of it is left."""
    if span is None:
        return None
    start, end = max(0, min(span[0], length)), max(0, min(span[1], length))
    return (start, end) if start < end else None


def excerpt(text: str, word: Span | None, limit: int = EXCERPT_CHARS) -> Shown:
    """``text`` itself when it fits in ``limit`` characters, else about ``limit`` characters around
    ``word`` (the start of the text before the first word), cut at spaces and marked with "…"."""
    # Line breaks inside a sentence (wrapped source text) are spaces here; offsets keep their meaning.
    flat = "".join(" " if char.isspace() else char for char in text)
    word = clamp(word, len(flat))
    if len(flat) <= limit:
        return Shown(flat, word)
    focus_start, focus_end = word if word is not None else (0, 0)
    # A third of the room before the word, the rest after it: reading goes forward.
    start = max(0, min(focus_start - limit // 3, len(flat) - limit))
    end = min(len(flat), max(start + limit, focus_end))
    if start > 0:
        space = flat.find(" ", start, focus_start)
        start = space + 1 if space != -1 else start
    if end < len(flat):
        space = flat.rfind(" ", focus_end, end)
        end = space if space != -1 else end
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(flat) else ""
    shift = len(prefix) - start
    moved = None if word is None else (word[0] + shift, word[1] + shift)
    return Shown(prefix + flat[start:end] + suffix, moved)


def highlight_html(shown: Shown) -> str:
    """Qt rich text for ``shown``, the word (if any) on the highlight colour."""
    if shown.word is None:
        return html.escape(shown.text)
    start, end = shown.word
    before, word, after = shown.text[:start], shown.text[start:end], shown.text[end:]
    return (
        f"{html.escape(before)}"
        f'<span style="background-color:{HIGHLIGHT_BACKGROUND}; color:{HIGHLIGHT_TEXT};">'
        f"{html.escape(word)}</span>"
        f"{html.escape(after)}"
    )
