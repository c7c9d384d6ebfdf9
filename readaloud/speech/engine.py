"""The ``Engine`` port: phoneme token ids + style vector + speed -> float32 audio at 24 kHz."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

SAMPLE_RATE = 24_000
# Kokoro's context is 512 positions, two of which are the pad tokens around the phonemes.
MAX_PHONEME_TOKENS = 510


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
