"""Property tests: normalization never crashes, stays linear on adversarial input, emits only what
G2P reads, and keeps a valid map back to the original text."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readaloud.text.normalize import NormalizedText, normalize
from readaloud.text.options import NormalizeOptions
from readaloud.text.segment import split_sentences

# What misaki's English G2P reads well: Latin letters, spaces, line breaks, apostrophes and hyphens,
# and the punctuation Kokoro uses for prosody. No digits: numbers are read as words.
_SAFE_ENGLISH = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff \n'\-.,!?;:—…\"()]*")
_OVERRIDE = re.compile(r"\[[^\]\n]+\]\(/[^)\n]*/\)")

_SYMBOLS = "$€£¥%&@#*_~`^|\\/<>=+-–—…·•°±×÷→←§©®™½¼²³µαβ😀👍🏽‍❤️東京Москва\u200b\u00ad\x00\x07\t\r"
_PIECES = st.sampled_from(
    [
        "word", "Word", "WORD", " ", "  ", "\n", "\n\n", ".", ",", "!", "?", ":", ";", "'", '"', "(", ")",
        "[", "]", "{", "}", "-", "--", "...", "1", "42", "3.14", "1,234", "2024", "2024-01-15", "9:30",
        "a.m.", "$", "5%", "1/2", "1st", "kg", " kg", "e.g.", "Dr.", "etc.", "U.S.", "http://x.io/a",
        "www.a.com", "a@b.co", "README.md", "~/x/y", "/usr/bin", "C:\\x", "snake_case", "camelCase",
        "MAX_X", "--flag", "-v", "Ctrl+C", "C#", "#tag", "@who", "# ", "## ", "- ", "* ", "1. ", "> ",
        "| ", "```", "`", "**", "__", "~~", "![", "](", "<b>", "</b>", "<p>", "&amp;", "&#8212;",
        "[^1]", "[1]", "IV", "Henry", "Chapter", "January", "$5.99", "€3", "10–20", "3:1", "v2.0.1",
        "x²", "½", "α", "😀", "東京", "\u200b", "\t", "\x0c",
    ]
)
_TEXTS = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list(_SYMBOLS) + list("aZ09 .\n")), max_size=300),
    st.lists(_PIECES, max_size=60).map("".join),
)
_OPTIONS = st.builds(
    NormalizeOptions,
    urls=st.sampled_from(["domain", "full", "skip"]),
    code_blocks=st.sampled_from(["announce", "read", "skip"]),
    emoji=st.sampled_from(["skip", "name"]),
    language=st.sampled_from(["en", "en-gb", "es", "fr-fr", "ja", "cmn", "hi", "it", "pt-br"]),
)
# Lower-case words the rules deliberately expand ("vs" → "versus").
_EXPANDED_WORDS = frozenset({"vs", "aka", "approx", "etc"})
_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_valid_map(original: str, result: NormalizedText) -> None:
    text = result.text
    assert len(result.offsets) == len(text) + 1
    assert len(result.ends) == len(text)
    assert all(0 <= o <= len(original) for o in result.offsets)
    assert all(a <= b for a, b in pairwise(result.offsets))
    assert all(a <= b for a, b in pairwise(result.ends))
    pairs = zip(result.offsets, result.ends, strict=False)  # offsets has one more entry
    assert all(first <= last <= len(original) for first, last in pairs)


def assert_speakable_english(text: str) -> None:
    bare = _OVERRIDE.sub("x", text)
    bad = sorted({c for c in bare if not _SAFE_ENGLISH.fullmatch(c)})
    assert not bad, f"unspeakable characters {bad!r} in {text!r}"


@_SETTINGS
@given(_TEXTS, _OPTIONS)
def test_never_crashes_and_keeps_a_valid_map(text: str, options: NormalizeOptions) -> None:
    result = normalize(text, options)
    assert_valid_map(text, result)
    assert result.text == result.text.strip()


@_SETTINGS
@given(_TEXTS, st.sampled_from(["en", "en-gb"]))
def test_english_output_is_only_what_g2p_reads(text: str, language: str) -> None:
    result = normalize(text, NormalizeOptions(language=language, emoji="name"))
    assert_speakable_english(result.text)


@_SETTINGS
@given(_TEXTS)
def test_sentences_map_back_in_order(text: str) -> None:
    result = normalize(text)
    spans = split_sentences(result.text)
    previous_end = 0
    for start, end in spans:
        first, last = result.original_span(start, end)
        assert previous_end <= first <= last <= len(text)
        previous_end = first


@_SETTINGS
@given(
    st.lists(
        st.from_regex(r"[a-z]{1,12}", fullmatch=True).filter(lambda w: w not in _EXPANDED_WORDS),
        min_size=1,
        max_size=40,
    )
)
def test_plain_lower_case_prose_is_left_alone(words: list[str]) -> None:
    text = " ".join(words)
    result = normalize(text)
    assert result.text == text
    assert result.offsets == tuple(range(len(text) + 1))


@_SETTINGS
@given(_TEXTS)
def test_split_sentences_spans_are_trimmed_ordered_and_disjoint(text: str) -> None:
    spans = split_sentences(text)
    position = 0
    for start, end in spans:
        assert position <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        position = end


_ADVERSARIAL_SYMBOLS = [*"[]()<>*_#-.=~`|\\/&@$%^+!?:;,'\"a1 \n", "😀", "東", "\u200b", "…", "—"]


@pytest.mark.parametrize("symbol", _ADVERSARIAL_SYMBOLS, ids=lambda s: f"U+{ord(s):04X}")
def test_100kb_of_one_symbol(symbol: str) -> None:
    text = symbol * 100_000
    result = normalize(text)
    assert_valid_map(text, result)
    assert_speakable_english(result.text)
    split_sentences(result.text)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 20_000 + "x" + "](" * 20_000 + "y" + ")" * 20_000,
        "<b>" * 20_000 + "x" + "</b>" * 20_000,
        "> " * 20_000 + "deep quote",
        "*" * 20_000 + "x" + "*" * 20_000,
        "`" * 20_000 + "x",
        "(" * 30_000 + "x" + ")" * 30_000,
        "- " * 20_000 + "item",
        "#" * 20_000 + " heading",
        "<!--" * 20_000,
        "<script>" * 20_000,
        "&amp;" * 20_000,
        "| a " * 20_000 + "|\n" + "|---" * 20_000 + "|",
        "```\n" * 20_000,
        "1." * 50_000,
        "a." * 50_000,
        "$1" * 50_000,
        "http://" + "a." * 40_000 + "com",
        "a" * 100_000 + "@" + "b" * 100_000 + ".com",
        "_" * 5_000 + "a" * 5_000 + "_" * 5_000,
        "aB" * 50_000,
        "exam-\n" * 30_000,
    ],
    ids=lambda t: repr(t[:12]),
)
def test_deeply_nested_or_repeated_markup(text: str) -> None:
    result = normalize(text, NormalizeOptions(code_blocks="read"))
    assert_valid_map(text, result)
    assert_speakable_english(result.text)


@_SETTINGS
@given(_TEXTS, st.integers(min_value=5, max_value=120))
def test_split_sentences_respects_max_chars_except_for_single_long_words(text: str, limit: int) -> None:
    spans = split_sentences(text, max_chars=limit)
    position = 0
    for start, end in spans:
        assert position <= start < end <= len(text)
        assert end - start <= limit or not any(c.isspace() for c in text[start:end])
        position = end
    # Cutting loses no words and splits none.
    assert " ".join(text[a:b] for a, b in spans).split() == " ".join(
        text[a:b] for a, b in split_sentences(text)
    ).split()
