"""The catalogue of Kokoro-82M v1.0 voices: names, languages, genders and readable labels.

Numpy-free on purpose: control commands, the Speech Dispatcher module and the Spiel provider list
voices without loading anything heavy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from readaloud.errors import UnknownVoiceError, echo

# Voice prefix letter -> (language tag, readable language, espeak/misaki language code).
LANGUAGES: dict[str, tuple[str, str, str]] = {
    "a": ("en-us", "English (US)", "en-us"),
    "b": ("en-gb", "English (UK)", "en-gb"),
    "e": ("es", "Spanish", "es"),
    "f": ("fr-fr", "French", "fr-fr"),
    "h": ("hi", "Hindi", "hi"),
    "i": ("it", "Italian", "it"),
    "j": ("ja", "Japanese", "ja"),
    "p": ("pt-br", "Portuguese (BR)", "pt-br"),
    "z": ("cmn", "Mandarin Chinese", "cmn"),
}
# Voice prefix letter -> BCP 47 tag with its region, as Speech Dispatcher and Spiel clients match them.
BCP47: dict[str, str] = {
    "a": "en-US",
    "b": "en-GB",
    "e": "es-ES",
    "f": "fr-FR",
    "h": "hi-IN",
    "i": "it-IT",
    "j": "ja-JP",
    "p": "pt-BR",
    "z": "zh-CN",
}
_SHORT_LANGUAGE = {
    "a": "US",
    "b": "UK",
    "e": "ES",
    "f": "FR",
    "h": "HI",
    "i": "IT",
    "j": "JA",
    "p": "BR",
    "z": "ZH",
}


@dataclass(frozen=True)
class VoiceInfo:
    """One Kokoro voice: ``af_heart`` is American English, female, named Heart."""

    name: str
    sha256: str
    size: int

    @property
    def prefix(self) -> str:
        return self.name[0]

    @property
    def language(self) -> str:
        return LANGUAGES[self.prefix][0]

    @property
    def language_name(self) -> str:
        return LANGUAGES[self.prefix][1]

    @property
    def bcp47(self) -> str:
        """The language as a BCP 47 tag with region (``en-US``)."""
        return BCP47[self.prefix]

    @property
    def gender(self) -> str:
        return "female" if self.name[1] == "f" else "male"

    @property
    def is_english(self) -> bool:
        return self.prefix in ("a", "b")

    @property
    def display_name(self) -> str:
        """Readable label, e.g. ``Heart (US, female)``."""
        given = self.name.split("_", 1)[1].replace("_", " ").title()
        return f"{given} ({_SHORT_LANGUAGE[self.prefix]}, {self.gender})"


def _load_catalogue() -> dict[str, VoiceInfo]:
    data = json.loads(resources.files("readaloud.speech").joinpath("data/voice_checksums.json").read_text())
    return {name: VoiceInfo(name, entry["sha256"], entry["size"]) for name, entry in sorted(data.items())}


VOICES: dict[str, VoiceInfo] = _load_catalogue()


def voice_info(name: str) -> VoiceInfo:
    """Look a voice up by name, with a did-you-mean in the error."""
    try:
        return VOICES[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(VOICES), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UnknownVoiceError(
            f"unknown voice {echo(name)}{hint}; run 'readaloud voices' to list them"
        ) from None


def language_matches(requested: str, voice: VoiceInfo) -> bool:
    """Whether a language tag (``en``, ``en-US``, ``en_GB``, ``zh``, ``cmn``) fits ``voice``."""
    wanted = requested.replace("_", "-").lower()
    tag = voice.bcp47.lower()
    primary = tag.split("-")[0]
    if wanted in (tag, primary, voice.language):
        return True
    return primary == "zh" and wanted.split("-")[0] in ("zh", "cmn")


def voices_for_language(requested: str) -> list[VoiceInfo]:
    """The voices that speak ``requested``, those of its exact region (if it names one) first."""
    exact = requested.replace("_", "-").lower()
    found = [voice for voice in VOICES.values() if language_matches(requested, voice)]
    return sorted(found, key=lambda voice: voice.bcp47.lower() != exact)
