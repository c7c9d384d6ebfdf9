"""Sentence segmentation: where a listener hears a sentence end, and where they must not."""

from __future__ import annotations

import pytest

from readaloud.text.segment import split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello there. How are you?", ["Hello there.", "How are you?"]),
        ("Dr. Smith arrived. He sat down.", ["Dr. Smith arrived.", "He sat down."]),
        ("Mr. and Mrs. Jones left.", ["Mr. and Mrs. Jones left."]),
        ("Use fruit, e.g. apples. Then eat.", ["Use fruit, e.g. apples.", "Then eat."]),
        ("That is, i.e. the end. Next.", ["That is, i.e. the end.", "Next."]),
        ("Pi is 3.14 roughly. Yes.", ["Pi is 3.14 roughly.", "Yes."]),
        ("It costs $2.50 today.", ["It costs $2.50 today."]),
        ("Wait... what happened? Nothing.", ["Wait... what happened?", "Nothing."]),
        ("He paused… Then he spoke.", ["He paused…", "Then he spoke."]),
        ("He paused… and spoke.", ["He paused… and spoke."]),
        ('"Stop." Then silence.', ['"Stop."', "Then silence."]),
        ('"Really?" she asked. Yes.', ['"Really?" she asked.', "Yes."]),
        ("What?! No way!", ["What?!", "No way!"]),
        ("Apples, pears, etc. are fruit.", ["Apples, pears, etc. are fruit."]),
        ("I bought apples, pears, etc. Then I left.", ["I bought apples, pears, etc.", "Then I left."]),
        ("She lives in the U.S. Her sister does not.", ["She lives in the U.S.", "Her sister does not."]),
        ("See p. 5 for details.", ["See p. 5 for details."]),
        ("J. R. R. Tolkien wrote it.", ["J. R. R. Tolkien wrote it."]),
        ("Cats vs. dogs. A classic.", ["Cats vs. dogs.", "A classic."]),
        ("We met at 5 p.m. It was late.", ["We met at 5 p.m.", "It was late."]),
        ("Title\nFirst line of text.", ["Title", "First line of text."]),
        ("  spaced out.   ", ["spaced out."]),
        ("", []),
        ("   \n\n  ", []),
        ("no punctuation at all", ["no punctuation at all"]),
        ("He said (quietly.) Then left.", ["He said (quietly.)", "Then left."]),
        ("[Dr.](/dˈɑktəɹ/) Who is here.", ["[Dr.](/dˈɑktəɹ/) Who is here."]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_spans_are_trimmed_ordered_and_cover_all_words() -> None:
    text = " One.  Two!\n\nThree?  "
    spans = split_sentences(text)
    assert spans == sorted(spans)
    for start, end in spans:
        assert text[start:end] == text[start:end].strip()
    assert "".join(text[a:b] for a, b in spans).replace(" ", "") == "One.Two!Three?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("東京は大きい。大阪も大きい！本当？", ["東京は大きい。", "大阪も大きい！", "本当？"]),
        ("你好。我很好。", ["你好。", "我很好。"]),
        ("「行こう。」と言った。", ["「行こう。」", "と言った。"]),
        ("यह एक वाक्य है। यह दूसरा है।", ["यह एक वाक्य है।", "यह दूसरा है।"]),
    ],
)
def test_sentences_in_other_scripts(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_long_sentence_is_cut_at_clause_punctuation_then_spaces() -> None:
    text = "one two three four, five six seven eight; nine ten eleven twelve thirteen fourteen"
    pieces = [text[a:b] for a, b in split_sentences(text, max_chars=30)]
    assert pieces == [
        "one two three four,",
        "five six seven eight;",
        "nine ten eleven twelve",
        "thirteen fourteen",
    ]
    assert all(len(p) <= 30 for p in pieces)


def test_a_word_longer_than_the_limit_is_never_split() -> None:
    word = "x" * 50
    text = f"short {word} tail"
    assert [text[a:b] for a, b in split_sentences(text, max_chars=20)] == ["short", word, "tail"]


def test_without_a_limit_long_sentences_stay_whole() -> None:
    text = "word " * 500
    assert len(split_sentences(text)) == 1
