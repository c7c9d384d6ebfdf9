"""Long texts are prepared a block at a time; blocks end where no normalization reaches across."""

from hypothesis import given, settings
from hypothesis import strategies as st

from readaloud.text.blocks import split_blocks


def pieces(text: str, size: int) -> list[str]:
    return [text[a:b] for a, b in split_blocks(text, size)]


def test_a_short_text_is_one_block() -> None:
    assert pieces("Hello there. How are you?", 100) == ["Hello there. How are you?"]


def test_blocks_end_at_paragraph_breaks() -> None:
    paragraph = "One sentence here. Another one follows it.\n"
    text = "\n".join([paragraph] * 20)
    for block in pieces(text, 100)[:-1]:
        assert block.endswith("\n\n")


def test_a_code_block_is_never_cut_at_its_blank_lines() -> None:
    code = "```\n" + "x = 1\n\n" * 40 + "```\n"
    text = "Intro paragraph.\n\n" + code + "\nAfter the code.\n\n" + "More text here. " * 30
    for block in pieces(text, 60):
        assert block.count("```") % 2 == 0


def test_text_without_paragraphs_is_cut_after_a_sentence() -> None:
    text = "This is a sentence that goes on. " * 40
    blocks = pieces(text, 100)
    assert len(blocks) > 1
    assert all(block.rstrip().endswith(".") for block in blocks)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ab .\n`", max_size=3000), size=st.integers(min_value=1, max_value=400))
def test_blocks_cover_the_text_in_order(text: str, size: int) -> None:
    spans = list(split_blocks(text, size))
    assert "".join(text[a:b] for a, b in spans) == text
    assert all(b > a for a, b in spans)
