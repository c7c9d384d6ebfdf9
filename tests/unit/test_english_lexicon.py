"""The English dictionary layer of the G2P (no spaCy needed): lookups, inflections, numbers, stress."""

from __future__ import annotations

import pytest

from readaloud import python_support
from readaloud.speech.english.lexicon import Lexicon
from readaloud.speech.english.stress import apply_stress
from readaloud.speech.english.tokens import Context, Hints, Token, subtokenize
from readaloud.text.english import dictionaries
from readaloud.text.english.wordlist import english_words


@pytest.fixture(scope="module")
def us() -> Lexicon:
    return Lexicon(british=False)


def _read(lexicon: Lexicon, text: str, tag: str = "NN", currency: str | None = None) -> str | None:
    token = Token(text, tag, "", hints=Hints(is_head=True, prespace=False, currency=currency))
    return lexicon(token, Context())[0]


def test_dictionary_words_and_their_inflections(us: Lexicon) -> None:
    assert _read(us, "cat") == "kˈæt"
    # Inflections the dictionaries lack are built from the stem, with the ending a speaker would use.
    assert "emails" not in us.golds and "emails" not in us.silvers
    assert _read(us, "emails", "NNS") == "ˈimˌAlz"
    assert _read(us, "emailed", "VBD") == "ˈimˌAld"
    assert _read(us, "wanted", "VBD") == "wˈɑntᵻd"


def test_british_and_american_dictionaries_differ() -> None:
    assert _read(Lexicon(british=True), "tomato") == "təmˈɑːtQ"
    assert _read(Lexicon(british=False), "tomato") == "təmˈAɾO"


def test_numbers_are_read(us: Lexicon) -> None:
    assert _read(us, "1999", "CD") == "nˌIntˈin nˈIndi nˈIn"  # a year
    assert _read(us, "42nd", "JJ") == "fˈɔɹɾi sˈɛkənd"
    assert _read(us, "5", "CD", currency="$") == "fˈIv dˈɑləɹz"
    assert _read(us, "-3", "CD") == "mˈInəs θɹˈi"


def test_unreadable_words_are_left_to_espeak(us: Lexicon) -> None:
    assert _read(us, "Zyxtrophic", "NNP") is None
    assert _read(us, "naïve", "JJ") is None  # outside A-Z: the espeak fallback reads it


def test_stress_can_be_demoted_removed_or_added() -> None:
    assert apply_stress("kˈæt", -1) == "kˌæt"
    assert apply_stress("kˈæt", -2) == "kæt"
    assert apply_stress("kæt", 2) == "kˈæt"  # the mark goes before the vowel
    assert apply_stress("ðə", None) == "ðə"


def test_identifiers_are_split_into_words() -> None:
    assert subtokenize("camelCase") == ["camel", "Case"]
    assert subtokenize("getHTTP") == ["get", "HTTP"]
    assert subtokenize("snake_case") == ["snake", "_", "case"]
    assert subtokenize("R2-D2") == ["R", "2", "-", "D", "2"]


def test_a_damaged_dictionary_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    real = dictionaries.load
    monkeypatch.setattr(
        dictionaries, "load", lambda accent, grade: {**real(accent, grade), "oops": "kˈæt§"}
    )
    with pytest.raises(ValueError, match="outside Kokoro's vocabulary"):
        Lexicon(british=False)


def test_the_normalizer_word_list_comes_from_the_same_dictionary() -> None:
    words = english_words()
    assert len(words) > 80_000
    assert "max" in words and "http" not in words


def test_python_support_names_the_versions_needed() -> None:
    assert python_support.is_tested((3, 10)) and python_support.is_tested((3, 14))
    assert not python_support.is_tested((3, 9)) and not python_support.is_tested((3, 15))
    assert python_support.kokoro_fix((3, 12)) == "`pip install 'readaloud[torch]'`"
    assert "needs Python 3.10–3.12 (this is 3.14)" in python_support.kokoro_fix((3, 14))
