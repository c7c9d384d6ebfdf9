"""Text that remembers where each of its characters came from in the original.

Every normalization stage reads a :class:`MappedText` and writes a new one through an
:class:`Editor`. Unchanged runs copy their coordinates by slicing (C speed); a replacement maps all of
its characters to the span of original text it replaced. Coordinates always refer to the text the user
gave, so stages compose without any extra bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence


class MappedText:
    """A string plus, per character, the ``[start, end)`` span of original text it stands for."""

    __slots__ = ("ends", "starts", "text")

    def __init__(self, text: str, starts: Sequence[int], ends: Sequence[int]) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends

    @classmethod
    def identity(cls, text: str) -> MappedText:
        return cls(text, range(len(text)), range(1, len(text) + 1))

    def anchor(self, pos: int) -> int:
        """The original offset at which something inserted before ``text[pos]`` belongs."""
        if pos < len(self.text):
            return self.starts[pos]
        return self.ends[-1] if self.text else 0


class Editor:
    """Builds the next :class:`MappedText` from left-to-right copies and replacements of ``src``."""

    __slots__ = ("_ends", "_parts", "_starts", "pos", "src")

    def __init__(self, src: MappedText) -> None:
        self.src = src
        self.pos = 0
        self._parts: list[str] = []
        self._starts: list[int] = []
        self._ends: list[int] = []

    def copy_to(self, end: int) -> None:
        """Keep ``src.text[pos:end]`` unchanged."""
        pos = self.pos
        if end <= pos:
            return
        self._parts.append(self.src.text[pos:end])
        self._starts.extend(self.src.starts[pos:end])
        self._ends.extend(self.src.ends[pos:end])
        self.pos = end

    def replace(self, start: int, end: int, new: str) -> None:
        """Replace ``src.text[start:end]`` (``start >= pos``) with ``new``; empty ``new`` deletes."""
        self.copy_to(start)
        if new:
            if end > start:
                first, last = self.src.starts[start], self.src.ends[end - 1]
            else:
                first = last = self.src.anchor(start)
            n = len(new)
            self._parts.append(new)
            self._starts.extend([first] * n)
            self._ends.extend([last] * n)
        self.pos = max(self.pos, end)

    def insert(self, pos: int, new: str) -> None:
        """Insert ``new`` before ``src.text[pos]``."""
        self.replace(pos, pos, new)

    def finish(self) -> MappedText:
        self.copy_to(len(self.src.text))
        return MappedText("".join(self._parts), self._starts, self._ends)
