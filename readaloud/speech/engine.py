"""The ``Engine`` port: phoneme token ids + style vector + speed -> float32 audio at 24 kHz."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

SAMPLE_RATE = 24_000
# Kokoro's context is 512 positions, two of which are the pad tokens around the phonemes.
MAX_PHONEME_TOKENS = 510
# Audio samples per predicted duration frame (40 frames a second at 24 kHz), at every speed:
# the model divides the durations by the speed before it rounds them.
FRAME_SAMPLES = 600


@dataclass(frozen=True)
class TimedAudio:
    """Audio with the model's own timing: how many frames it gave each token.

    ``frames[0]`` and ``frames[-1]`` belong to the pad tokens Kokoro puts around the phonemes
    (leading and trailing silence); ``frames[1:-1]`` match ``token_ids`` one to one. Token ``i``
    is heard from sample ``FRAME_SAMPLES * sum(frames[:i + 1])`` (pad included) for
    ``FRAME_SAMPLES * frames[i + 1]`` samples, and ``len(audio) == FRAME_SAMPLES * sum(frames)``.
    """

    audio: np.ndarray
    frames: np.ndarray


@runtime_checkable
class Engine(Protocol):
    """A Kokoro-82M runtime. Implementations: ``OnnxEngine``, ``TorchEngine`` and test fakes."""

    name: str
    device: str
    sample_rate: int

    def synthesize(self, token_ids: Sequence[int], style: np.ndarray, speed: float) -> np.ndarray:
        """Return mono float32 audio for ``token_ids`` (without pad tokens, at most 510).

        ``style`` has shape [1, 256]; ``speed`` 1.0 is normal, 2.0 twice as fast (the range is
        ``readaloud.core.MIN_SPEED`` to ``MAX_SPEED``).
        """
        ...

    def cancel(self) -> None:
        """Abort the synthesis in flight from another thread, where the runtime can (ONNX can;
        torch cannot, and does nothing); returns at once."""
        ...
