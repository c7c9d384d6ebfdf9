"""Placeholders that keep finished spoken forms away from later normalization stages.

A lexicon entry such as ``[Kokoro](/kəkˈɔɹO/)`` or a respelling such as "koh-KOH-roh" must reach G2P
exactly as written, although later stages would read "/" or "KOH" as things to convert. Such text is
replaced by one private-use character (cleanup removed any from the input) and put back last.
"""

from __future__ import annotations

import re

from readaloud.text.mapped import Editor, MappedText

_FIRST = 0xF0000
_LIMIT = 0x10FFFE - _FIRST  # planes 15 and 16 of private use, minus the non-characters at the top
PLACEHOLDER_CLASS = "\U000f0000-\U0010fffd"
_PLACEHOLDER_RE = re.compile(f"[{PLACEHOLDER_CLASS}]")


class Protector:
    """Hands out placeholder characters for protected text and restores them at the end."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: list[str] = []

    def placeholder(self, spoken: str) -> str:
        """A one-character stand-in for ``spoken`` (or ``spoken`` itself once placeholders run out)."""
        if len(self._items) >= _LIMIT:
            return spoken
        self._items.append(spoken)
        return chr(_FIRST + len(self._items) - 1)

    def protect_all(self, src: MappedText, spans: list[tuple[int, int, str]]) -> MappedText:
        """Replace each ``(start, end, spoken)`` of ``src`` by a placeholder for ``spoken``."""
        if not spans:
            return src
        editor = Editor(src)
        for start, end, spoken in spans:
            editor.replace(start, end, self.placeholder(spoken))
        return editor.finish()

    def restore(self, src: MappedText) -> MappedText:
        """Put the protected text back in place of its placeholders."""
        if not self._items:
            return src
        editor = Editor(src)
        items = self._items
        for m in _PLACEHOLDER_RE.finditer(src.text):
            editor.replace(m.start(), m.end(), items[ord(m.group()) - _FIRST])
        return editor.finish()
