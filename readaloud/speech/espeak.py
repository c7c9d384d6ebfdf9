"""espeak-ng through phonemizer, with its IPA mapped to Kokoro's phoneme set (as misaki 0.9.4 does).

Two uses: the last resort for English words that misaki's dictionaries cannot read, and the whole G2P
for Kokoro's other espeak languages (Spanish, French, Hindi, Italian, Portuguese...). The espeak-ng
library and its data come from the ``espeakng-loader`` wheel, so no system espeak-ng is needed.
"""

from __future__ import annotations

import functools
import re
from typing import Any


@functools.lru_cache(maxsize=1)
def _use_bundled_espeak() -> None:
    import espeakng_loader
    from phonemizer.backend.espeak.wrapper import EspeakWrapper

    EspeakWrapper.set_library(espeakng_loader.get_library_path())
    EspeakWrapper.set_data_path(espeakng_loader.get_data_path())


def _backend(language: str, **options: Any) -> Any:
    _use_bundled_espeak()
    from phonemizer.backend import EspeakBackend

    return EspeakBackend(language=language, preserve_punctuation=True, with_stress=True, tie="^", **options)


class EspeakFallback:
    """English words, one at a time, for what the dictionaries cannot read (rating 2)."""

    # espeak's IPA (ties as "^") -> Kokoro's English phonemes; longest first.
    _TO_KOKORO = sorted(
        {
            "ʔˌn\u0329": "ʔn",
            "ʔn\u0329": "ʔn",
            "a^ɪ": "I",
            "a^ʊ": "W",
            "d^ʒ": "ʤ",
            "e^ɪ": "A",
            "e": "A",
            "t^ʃ": "ʧ",
            "ɔ^ɪ": "Y",
            "ə^l": "ᵊl",
            "ʲo": "jo",
            "ʲə": "jə",
            "ʲ": "",
            "ɚ": "əɹ",
            "r": "ɹ",
            "x": "k",
            "ç": "k",
            "ɐ": "ə",
            "ɬ": "l",
            "\u0303": "",
        }.items(),
        key=lambda pair: -len(pair[0]),
    )

    def __init__(self, british: bool) -> None:
        self.british = british
        self._backend = _backend(f"en-{'gb' if british else 'us'}")

    def __call__(self, text: str) -> tuple[str | None, int | None]:
        phonemized = self._backend.phonemize([text])
        if not phonemized:
            return None, None
        ps = str(phonemized[0]).strip()
        for old, new in self._TO_KOKORO:
            ps = ps.replace(old, new)
        ps = re.sub(r"(\S)\u0329", r"ᵊ\1", ps).replace(chr(809), "")
        if self.british:
            ps = ps.replace("e^ə", "ɛː").replace("iə", "ɪə").replace("ə^ʊ", "Q")
        else:
            ps = ps.replace("o^ʊ", "O").replace("ɜːɹ", "ɜɹ").replace("ɜː", "ɜɹ").replace("ɪə", "iə")
            ps = ps.replace("ː", "")
        ps = ps.replace("o", "ɔ")  # for espeak-ng < 1.52
        # Kokoro v1.0 writes flaps and glottal stops as T and t.
        ps = ps.replace("ɾ", "T").replace("ʔ", "t")
        return ps.replace("^", ""), 2


class EspeakG2P:
    """A whole sentence in one of Kokoro's espeak languages (``es``, ``fr-fr``, ``hi``, ...)."""

    _TO_KOKORO = sorted(
        {
            "a^ɪ": "I",
            "a^ʊ": "W",
            "d^z": "ʣ",
            "d^ʒ": "ʤ",
            "e^ɪ": "A",
            "o^ʊ": "O",
            "ə^ʊ": "Q",
            "s^s": "S",
            "t^s": "ʦ",
            "t^ʃ": "ʧ",
            "ɔ^ɪ": "Y",
        }.items()
    )

    def __init__(self, language: str) -> None:
        self.language = language
        self._backend = _backend(language, language_switch="remove-flags")

    def __call__(self, text: str) -> str:
        # Parentheses survive espeak as angle quotes; real angle quotes become curly ones first.
        text = text.replace("«", chr(8220)).replace("»", chr(8221))
        text = text.replace("(", "«").replace(")", "»")
        phonemized = self._backend.phonemize([text])
        if not phonemized:
            return ""
        ps = str(phonemized[0]).strip()
        for old, new in self._TO_KOKORO:
            ps = ps.replace(old, new)
        ps = ps.replace("^", "").replace("-", "")
        return ps.replace("«", "(").replace("»", ")")
