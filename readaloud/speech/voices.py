"""Loading of Kokoro voice packs (style vectors); the catalogue itself lives in ``catalogue``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

# Re-exported: the numpy-free catalogue is the one home of voice names and languages.
from readaloud.speech.catalogue import LANGUAGES, VOICES, VoiceInfo, voice_info

__all__ = ["LANGUAGES", "PACK_ROWS", "STYLE_DIM", "VOICES", "VoiceInfo", "VoiceStore", "load_voice_pack",
           "style_for", "voice_info"]

STYLE_DIM = 256
PACK_ROWS = 510


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
