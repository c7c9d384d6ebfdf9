"""The catalogue of Kokoro-82M v1.0 voices, and loading of voice packs (style vectors)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from readaloud.errors import UnknownVoiceError, echo

STYLE_DIM = 256
PACK_ROWS = 510

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


def load_voice_pack(path: Path) -> np.ndarray:
    """Read a raw little-endian float32 pack into shape [510, 256]."""
    raw = np.fromfile(path, dtype="<f4")
    if raw.size != PACK_ROWS * STYLE_DIM:
        raise ValueError(f"{path}: expected {PACK_ROWS * STYLE_DIM} floats, found {raw.size}")
    return raw.reshape(PACK_ROWS, STYLE_DIM).astype(np.float32, copy=False)


def style_for(pack: np.ndarray, n_tokens: int) -> np.ndarray:
    """The style vector [1, 256] for an utterance of ``n_tokens`` phoneme tokens.

    Kokoro's own pipeline indexes the pack by ``len(phonemes) - 1``.
    """
    row = min(max(n_tokens - 1, 0), pack.shape[0] - 1)
    return pack[row : row + 1]


class VoiceStore:
    """Loads each voice pack once and keeps it; ``locate`` maps a name to its file."""

    def __init__(self, locate: Callable[[str], Path]) -> None:
        self._locate = locate
        self._packs: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> np.ndarray:
        voice_info(name)
        with self._lock:
            pack = self._packs.get(name)
            if pack is None:
                pack = load_voice_pack(self._locate(name))
                self._packs[name] = pack
            return pack
