"""normalize(): the offset map back to the original, options, languages and the lexicon working
together with the rules. The written → spoken rules themselves are in the corpus tests."""

from __future__ import annotations

import pytest

from readaloud.text.lexicon import Lexicon
from readaloud.text.normalize import NormalizedText, normalize
from readaloud.text.options import NormalizeOptions
from readaloud.text.segment import split_sentences


def spans_of(text: str, result: NormalizedText) -> list[str]:
    """The original text behind each sentence of the normalized text."""
    return [text[slice(*result.original_span(start, end))] for start, end in split_sentences(result.text)]


def test_replacement_maps_to_the_whole_original_token() -> None:
    result = normalize("Pay $5 now")
    assert result.text == "Pay five dollars now"
    start = result.text.index("five")
    assert result.original_span(start, start + len("five dollars")) == (4, 6)
    assert result.original_span(start + 2, start + 3) == (4, 6)  # inside a replacement: the whole token
    now = result.text.index("now")
    assert result.original_span(now, now + 3) == (7, 10)


def test_unchanged_text_maps_one_to_one() -> None:
    text = "plain words stay"
    result = normalize(text)
    assert result.offsets == tuple(range(len(text) + 1))
    assert result.ends == tuple(range(1, len(text) + 1))


def test_sentences_map_back_to_their_original_text() -> None:
    text = "# Intro\n\nDr. Smith paid $5.99. See https://example.com/x now!\n\n- one item\n- two"
    result = normalize(text)
    assert split_sentences(result.text) and spans_of(text, result) == [
        "Intro",
        "Dr. Smith paid $5.99.",
        "See https://example.com/x now!",
        "one item",
        "two",
    ]


def test_removed_characters_do_not_shift_later_offsets() -> None:
    text = "a\u200bb \x07c"
    result = normalize(text)
    assert result.text == "ab c"
    assert [text[result.offsets[i]] for i in range(len(result.text))] == ["a", "b", " ", "c"]


def test_empty_and_blank_text() -> None:
    for text in ("", "   \n\t "):
        result = normalize(text)
        assert result.text == ""
        assert result.offsets == (len(text),)
        assert result.original_span(0, 0) == (len(text), len(text))


def test_original_span_clamps_out_of_range_positions() -> None:
    result = normalize("Hello there")
    assert result.original_span(-5, 999) == (0, 11)


@pytest.mark.parametrize("field", ["urls", "code_blocks", "emoji"])
def test_unknown_option_values_are_rejected(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        NormalizeOptions(**{field: "bogus"})


def test_british_english_keeps_and_in_numbers() -> None:
    assert normalize("It is 105 km.", NormalizeOptions(language="en-gb")).text == (
        "It is one hundred and five kilometers."
    )
    assert normalize("It is 105 km.").text == "It is one hundred five kilometers."


def test_other_languages_get_cleanup_and_markup_but_keep_numbers_for_their_g2p() -> None:
    options = NormalizeOptions(language="es")
    assert normalize("## Hola\n\nTengo **5** gatos y 東京.", options).text == "Hola.\nTengo 5 gatos y."


def test_japanese_voice_keeps_japanese_but_drops_cyrillic() -> None:
    options = NormalizeOptions(language="ja")
    assert normalize("東京は大きい。Москва", options).text == "東京は大きい。"


def test_hindi_voice_keeps_devanagari() -> None:
    assert normalize("नमस्ते दुनिया", NormalizeOptions(language="hi")).text == "नमस्ते दुनिया"


def test_lexicon_wins_over_the_built_in_rules() -> None:
    lexicon = Lexicon.from_config({"SQL": "S Q L", "JSON": "jay son", "v2": "version two point oh"})
    spoken = normalize("Use SQL with JSON v2.", lexicon=lexicon).text
    assert spoken == "Use S Q L with jay son version two point oh."


def test_lexicon_applies_inside_markup() -> None:
    lexicon = Lexicon.from_config({"Kokoro": "/kəkˈɔɹO/"})
    assert normalize("## About **Kokoro**", lexicon=lexicon).text == "About [Kokoro](/kəkˈɔɹO/)."


def test_phoneme_override_survives_sentence_splitting() -> None:
    lexicon = Lexicon.from_config({"Dr.": "/dˈɑktəɹ/"})
    result = normalize("Dr. Who is here. Yes.", lexicon=lexicon)
    assert [result.text[a:b] for a, b in split_sentences(result.text)] == [
        "[Dr.](/dˈɑktəɹ/) Who is here.",
        "Yes.",
    ]


def test_emoji_named_only_when_asked() -> None:
    assert normalize("Done ✅").text == "Done"
    assert normalize("Done ✅", NormalizeOptions(emoji="name")).text == "Done white heavy check mark"


def test_urls_full_mode_reads_the_path() -> None:
    options = NormalizeOptions(urls="full")
    assert normalize("See https://example.com/docs/intro.html", options).text == (
        "See example dot com slash docs slash intro dot HTML"
    )


def test_code_block_announcement_counts_non_blank_lines() -> None:
    text = "```\na = 1\n\nb = 2\n```"
    assert normalize(text).text == "Code block, two lines."
