"""Text that remembers where each of its characters came from in the original.

Every normalization stage reads a :class:`MappedText` and writes a new one through an
:class:`Editor`. The map is kept as segments, not per character, so a stage costs time in proportion
to its edits rather than to the length of the text:

- a *copy* segment is original text carried through unchanged: its i-th character is original
  character ``start + i``;
- a *replacement* segment ("five dollars" for "$5") maps every one of its characters to the whole
  original span ``[start, end)``.

Coordinates always refer to the text the user gave, so stages compose without extra bookkeeping; the
per-character offsets are built once, at the end (:meth:`MappedText.char_offsets`).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate


class MappedText:
    """A string plus segments mapping it back to the original text (see the module docstring)."""

    __slots__ = ("copies", "ends", "lengths", "starts", "text")

    def __init__(
        self, text: str, lengths: list[int], starts: list[int], ends: list[int], copies: list[bool]
    ) -> None:
        self.text = text
        self.lengths = lengths
        self.starts = starts
        self.ends = ends
        self.copies = copies

    @classmethod
    def identity(cls, text: str) -> MappedText:
        n = len(text)
        return cls(text, [n], [0], [n], [True]) if n else cls(text, [], [], [], [])

    def char_offsets(self) -> tuple[list[int], list[int]]:
        """Per character of ``text``: the start and the end of the original text it stands for."""
        firsts: list[int] = []
        lasts: list[int] = []
        for length, start, end, copy in zip(self.lengths, self.starts, self.ends, self.copies, strict=True):
            if copy:
                firsts.extend(range(start, start + length))
                lasts.extend(range(start + 1, start + length + 1))
            else:
                firsts.extend([start] * length)
                lasts.extend([end] * length)
        return firsts, lasts


class Editor:
    """Builds the next :class:`MappedText` from left-to-right copies and replacements of ``src``."""

    __slots__ = ("_bounds", "_copies", "_ends", "_lengths", "_parts", "_seg", "_starts", "pos", "src")

    def __init__(self, src: MappedText) -> None:
        self.src = src
        self.pos = 0
        # _bounds[i] is where segment i starts in src.text; the last entry is len(src.text).
        self._bounds = [0, *accumulate(src.lengths)]
        self._seg = 0
        self._parts: list[str] = []
        self._lengths: list[int] = []
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._copies: list[bool] = []

    def _segment_of(self, pos: int) -> int:
        """Index of the source segment holding character ``pos`` (searching from the cursor)."""
        bounds = self._bounds
        seg = self._seg
        if bounds[seg] <= pos < bounds[seg + 1]:
            return seg
        return bisect_right(bounds, pos, seg) - 1

    def _emit(self, length: int, start: int, end: int, copy: bool) -> None:
        if length <= 0:
            return
        lengths = self._lengths
        if copy and lengths and self._copies[-1] and self._ends[-1] == start:
            lengths[-1] += length  # merge with the copy segment before it
            self._ends[-1] = end
            return
        lengths.append(length)
        self._starts.append(start)
        self._ends.append(end)
        self._copies.append(copy)

    def _emit_part(self, seg: int, a: int, b: int) -> None:
        """Copy characters ``[a, b)`` of source segment ``seg``."""
        src = self.src
        if src.copies[seg]:
            start = src.starts[seg] + (a - self._bounds[seg])
            self._emit(b - a, start, start + (b - a), True)
        else:
            self._emit(b - a, src.starts[seg], src.ends[seg], False)

    def copy_to(self, end: int) -> None:
        """Keep ``src.text[pos:end]`` unchanged."""
        pos = self.pos
        if end <= pos:
            return
        bounds = self._bounds
        first = self._segment_of(pos)
        last = first if end <= bounds[first + 1] else bisect_right(bounds, end - 1, first) - 1
        if first == last:
            self._emit_part(first, pos, end)
        else:
            self._emit_part(first, pos, bounds[first + 1])
            if last > first + 1:
                src = self.src
                # Whole segments in between: slices, at C speed. Merge the first one by hand.
                inner = first + 1
                self._emit(src.lengths[inner], src.starts[inner], src.ends[inner], src.copies[inner])
                self._lengths.extend(src.lengths[inner + 1 : last])
                self._starts.extend(src.starts[inner + 1 : last])
                self._ends.extend(src.ends[inner + 1 : last])
                self._copies.extend(src.copies[inner + 1 : last])
            self._emit_part(last, bounds[last], end)
        self._parts.append(self.src.text[pos:end])
        self._seg = last
        self.pos = end

    def _original_start(self, pos: int) -> int:
        src = self.src
        if pos >= len(src.text):
            return self._original_end(pos - 1) if pos > 0 else 0
        seg = self._segment_of(pos)
        if src.copies[seg]:
            return src.starts[seg] + (pos - self._bounds[seg])
        return src.starts[seg]

    def _original_end(self, pos: int) -> int:
        src = self.src
        seg = self._segment_of(pos)
        if src.copies[seg]:
            return src.starts[seg] + (pos - self._bounds[seg]) + 1
        return src.ends[seg]

    def replace(self, start: int, end: int, new: str) -> None:
        """Replace ``src.text[start:end]`` (``start >= pos``) with ``new``; empty ``new`` deletes."""
        self.copy_to(start)
        if new:
            if end > start:
                first = self._original_start(start)
                last = self._original_end(end - 1)
            else:
                first = last = self._original_start(start)
            self._parts.append(new)
            self._emit(len(new), first, last, False)
        if end > self.pos:
            self.pos = end
            if end < len(self.src.text):
                self._seg = self._segment_of(end)

    def insert(self, pos: int, new: str) -> None:
        """Insert ``new`` before ``src.text[pos]``."""
        self.replace(pos, pos, new)

    def finish(self) -> MappedText:
        if not self._parts and self.pos == 0:
            return self.src  # nothing was edited
        self.copy_to(len(self.src.text))
        return MappedText("".join(self._parts), self._lengths, self._starts, self._ends, self._copies)
