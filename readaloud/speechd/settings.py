"""Speech Dispatcher's per-message settings (the SET block) and what they mean for readaloud.

- ``rate`` −100…100 becomes the speed 2^(rate/100): 0.5 (slowest) … 1 … 2.0 (fastest).
- ``volume`` −100…100 scales the output linearly: 100 (Speech Dispatcher's default) is full
  volume, 0 half, −100 silence.
- ``pitch`` and ``pitch_range`` are accepted and ignored: Kokoro has no pitch control.
- The voice: ``synthesis_voice`` when it names a Kokoro voice; otherwise the daemon's current voice
  if it speaks the requested ``language``; otherwise the first voice of that language, of the
  gender ``voice`` (male1, female2, …) asks for when there is one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from readaloud.speech.catalogue import VOICES, language_matches, voices_for_language

__all__ = ["MessageSettings", "choose_voice", "language_matches", "voice_list"]

_NUMBERS = ("rate", "pitch", "pitch_range", "volume")
_STRINGS = {
    "punctuation_mode": "punctuation_mode",
    "spelling_mode": "spelling_mode",
    "cap_let_recogn": "cap_let_recogn",
    "voice": "voice_type",
    "language": "language",
    "synthesis_voice": "synthesis_voice",
}


def _clamp(value: int) -> int:
    return max(-100, min(100, value))


@dataclass(frozen=True)
class MessageSettings:
    """The settings Speech Dispatcher sends before each message (``None`` for ``NULL``)."""

    rate: int = 0
    pitch: int = 0
    pitch_range: int = 0
    volume: int = 100
    punctuation_mode: str | None = None
    spelling_mode: str | None = None
    cap_let_recogn: str | None = None
    voice_type: str | None = None
    language: str | None = None
    synthesis_voice: str | None = None

    def updated(self, values: Mapping[str, str]) -> MessageSettings:
        """These settings with a SET block applied; ValueError for a number that is not one."""
        changes: dict[str, object] = {}
        for name, value in values.items():
            if name in _NUMBERS:
                changes[name] = _clamp(int(value))
            elif name in _STRINGS:
                changes[_STRINGS[name]] = None if value == "NULL" else value
            # Unknown names are ignored, as Speech Dispatcher's own modules do.
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def speed(self) -> float:
        return float(2.0 ** (self.rate / 100))

    @property
    def gain(self) -> float:
        return (self.volume + 100) / 200

    @property
    def capitals_spoken(self) -> bool:
        return self.cap_let_recogn in ("spell", "icon")


def _gender(voice_type: str | None) -> str | None:
    if not voice_type:
        return None
    kind = voice_type.lower()
    if kind.startswith("male"):
        return "male"
    if kind.startswith(("female", "child")):
        return "female"
    return None


def choose_voice(settings: MessageSettings, current: str | None) -> str | None:
    """The Kokoro voice for a message, or None to keep the daemon's ``current`` voice."""
    if settings.synthesis_voice in VOICES:
        return settings.synthesis_voice
    language = settings.language
    if not language:
        return None
    if current in VOICES and language_matches(language, VOICES[current]):
        return None
    candidates = voices_for_language(language)
    if not candidates:
        return None  # a language Kokoro cannot speak: read it with the current voice
    exact = [voice for voice in candidates if voice.bcp47.lower() == language.replace("_", "-").lower()]
    candidates = exact or candidates
    gender = _gender(settings.voice_type)
    preferred = [voice for voice in candidates if voice.gender == gender]
    return (preferred or candidates)[0].name


def voice_list(default: str | None) -> list[tuple[str, str, str]]:
    """``LIST VOICES`` rows (name, BCP 47 language, gender as the variant), ``default`` first."""
    voices = sorted(VOICES.values(), key=lambda voice: voice.name != default)
    return [(voice.name, voice.bcp47, voice.gender) for voice in voices]
