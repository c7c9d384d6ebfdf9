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
from itertools import accumulate, chain, repeat


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

    def char_offsets(self, total: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Per character of ``text``: the start and the end of the original text it stands for.

        The starts get one more entry, ``total`` (the original's length), as a sentinel.
        """
        segments = list(zip(self.lengths, self.starts, self.ends, self.copies, strict=True))
        firsts = tuple(
            chain(
                chain.from_iterable(
                    range(start, start + length) if copy else repeat(start, length)
                    for length, start, _end, copy in segments
                ),
                (total,),
            )
        )
        lasts = tuple(
            chain.from_iterable(
                range(start + 1, start + length + 1) if copy else repeat(end, length)
                for length, start, end, copy in segments
            )
        )
        return firsts, lasts


def apply_edits(src: MappedText, edits: list[tuple[int, int, str]]) -> MappedText:
    """Apply ``(start, end, new)`` edits, in increasing, non-overlapping order, to ``src``.

    One pass over the edits and the source segments, with everything inlined: this is the hot loop of
    every normalization stage. Several insertions at one position keep their order.
    """
    if not edits:
        return src
    text = src.text
    n = len(text)
    lengths, starts, ends, copies = src.lengths, src.starts, src.ends, src.copies
    bounds = [0, *accumulate(lengths)]
    parts: list[str] = []
    out_lengths: list[int] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    out_copies: list[bool] = []
    seg = 0
    pos = 0

    for edit_start, edit_end, new in edits:
        if edit_start < pos:
            edit_start = pos  # overlapping edit: keep what is left of it
            if edit_end < pos:
                edit_end = pos
        # Copy src[pos:edit_start] segment by segment.
        if edit_start > pos:
            parts.append(text[pos:edit_start])
            while pos < edit_start:
                seg_end = bounds[seg + 1]
                stop = edit_start if edit_start < seg_end else seg_end
                count = stop - pos
                if copies[seg]:
                    first = starts[seg] + (pos - bounds[seg])
                    if out_lengths and out_copies[-1] and out_ends[-1] == first:
                        out_lengths[-1] += count
                        out_ends[-1] = first + count
                    else:
                        out_lengths.append(count)
                        out_starts.append(first)
                        out_ends.append(first + count)
                        out_copies.append(True)
                else:
                    out_lengths.append(count)
                    out_starts.append(starts[seg])
                    out_ends.append(ends[seg])
                    out_copies.append(False)
                pos = stop
                if pos == seg_end:
                    seg += 1
        # The replacement maps to the original span of src[edit_start:edit_end].
        if new:
            if edit_end > edit_start or edit_start < n:
                if bounds[seg + 1] <= edit_start:
                    seg = bisect_right(bounds, edit_start, seg) - 1
                first = starts[seg] + (edit_start - bounds[seg]) if copies[seg] else starts[seg]
                if edit_end == edit_start and not copies[seg] and edit_start > bounds[seg]:
                    last = ends[seg]  # inserted inside a replacement: it stands for that whole span
                elif edit_end > edit_start:
                    last_char = edit_end - 1
                    end_seg = seg
                    if bounds[end_seg + 1] <= last_char:
                        end_seg = bisect_right(bounds, last_char, seg) - 1
                    if copies[end_seg]:
                        last = starts[end_seg] + (last_char - bounds[end_seg]) + 1
                    else:
                        last = ends[end_seg]
                else:
                    last = first
            else:  # insertion at the very end
                last_seg = len(lengths) - 1
                first = last = (ends[last_seg] if last_seg >= 0 else 0)
            parts.append(new)
            out_lengths.append(len(new))
            out_starts.append(first)
            out_ends.append(last)
            out_copies.append(False)
        if edit_end > pos:
            pos = edit_end
            if pos < n and bounds[seg + 1] <= pos:
                seg = bisect_right(bounds, pos, seg) - 1
    # The rest of the text, as whole segments where possible.
    if pos < n:
        parts.append(text[pos:])
        seg_end = bounds[seg + 1]
        count = seg_end - pos
        if copies[seg]:
            first = starts[seg] + (pos - bounds[seg])
            if out_lengths and out_copies[-1] and out_ends[-1] == first:
                out_lengths[-1] += count
                out_ends[-1] = first + count
            else:
                out_lengths += (count,)
                out_starts += (first,)
                out_ends += (first + count,)
                out_copies += (True,)
        else:
            out_lengths += (count,)
            out_starts += (starts[seg],)
            out_ends += (ends[seg],)
            out_copies += (False,)
        out_lengths.extend(lengths[seg + 1 :])
        out_starts.extend(starts[seg + 1 :])
        out_ends.extend(ends[seg + 1 :])
        out_copies.extend(copies[seg + 1 :])
    return MappedText("".join(parts), out_lengths, out_starts, out_ends, out_copies)


class Editor:
    """Collects left-to-right replacements of ``src`` and applies them in one pass (:func:`apply_edits`)."""

    __slots__ = ("_edits", "pos", "src")

    def __init__(self, src: MappedText) -> None:
        self.src = src
        self.pos = 0
        self._edits: list[tuple[int, int, str]] = []

    def copy_to(self, end: int) -> None:
        """Keep ``src.text[pos:end]`` unchanged (nothing to record: unedited text is copied)."""
        if end > self.pos:
            self.pos = end

    def replace(self, start: int, end: int, new: str) -> None:
        """Replace ``src.text[start:end]`` (``start >= pos``) with ``new``; empty ``new`` deletes."""
        if end > start or new:
            self._edits.append((start, end, new))
        if end > self.pos:
            self.pos = end

    def insert(self, pos: int, new: str) -> None:
        """Insert ``new`` before ``src.text[pos]``."""
        self.replace(pos, pos, new)

    def finish(self) -> MappedText:
        return apply_edits(self.src, self._edits)
