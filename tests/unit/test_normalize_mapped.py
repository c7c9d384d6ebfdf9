"""The offset map that every normalization stage carries: edits compose back to the original."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from readaloud.text.mapped import Editor, MappedText, apply_edits


def spans(mapped: MappedText, total: int) -> list[tuple[int, int]]:
    firsts, lasts = mapped.char_offsets(total)
    return list(zip(firsts, lasts, strict=False))


def test_replacement_maps_every_character_to_the_replaced_span() -> None:
    src = MappedText.identity("pay $5 now")
    out = apply_edits(src, [(4, 6, "five dollars")])
    assert out.text == "pay five dollars now"
    assert spans(out, 10)[4:16] == [(4, 6)] * 12
    assert spans(out, 10)[17:] == [(7, 8), (8, 9), (9, 10)]


def test_stages_compose_to_original_offsets() -> None:
    first = apply_edits(MappedText.identity("a  $5"), [(1, 3, " ")])  # "a $5"
    second = apply_edits(first, [(2, 4, "five dollars")])  # "a five dollars"
    assert second.text == "a five dollars"
    assert spans(second, 5)[2] == (3, 5)  # "five dollars" stands for "$5" at 3..5 of the original
    assert spans(second, 5)[1] == (1, 3)  # the collapsed space stands for both original spaces


def test_insertions_keep_their_order_and_anchor_where_they_are_inserted() -> None:
    src = MappedText.identity("Title")
    editor = Editor(src)
    editor.insert(5, ".")
    editor.insert(5, "\n")
    out = editor.finish()
    assert out.text == "Title.\n"
    assert spans(out, 5)[5:] == [(5, 5), (5, 5)]


def test_deletions_leave_later_characters_in_place() -> None:
    out = apply_edits(MappedText.identity("a\u200bb"), [(1, 2, "")])
    assert out.text == "ab"
    assert spans(out, 3) == [(0, 1), (2, 3)]


def test_no_edits_returns_the_same_text() -> None:
    src = MappedText.identity("unchanged")
    assert apply_edits(src, []) is src


_EDITS = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5), st.text(max_size=4)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), _EDITS, _EDITS)
def test_random_edit_chains_keep_a_monotonic_map_within_the_original(text: str, one: list, two: list) -> None:
    mapped = MappedText.identity(text)
    for edits in (one, two):
        n = len(mapped.text)
        ordered, position = [], 0
        for start, length, new in sorted(edits):
            start = min(max(start, position), n)
            end = min(start + length, n)
            ordered.append((start, end, new))
            position = end
        mapped = apply_edits(mapped, ordered)
        assert sum(mapped.lengths) == len(mapped.text)
    firsts, lasts = mapped.char_offsets(len(text))
    assert len(firsts) == len(mapped.text) + 1 and len(lasts) == len(mapped.text)
    assert list(firsts) == sorted(firsts) and list(lasts) == sorted(lasts)
    assert all(0 <= a <= b <= len(text) for a, b in zip(firsts, lasts, strict=False))
