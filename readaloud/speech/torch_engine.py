"""Kokoro-82M on PyTorch through the ``kokoro`` package's ``KModel`` (CUDA when available)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from readaloud.errors import EngineError
from readaloud.python_support import current, kokoro_fix
from readaloud.speech.engine import MAX_PHONEME_TOKENS, SAMPLE_RATE
from readaloud.speech.phonemes import vocab

log = logging.getLogger(__name__)


def kokoro_config() -> dict[str, Any]:
    """Kokoro-82M v1.0's config.json (hyper-parameters shipped with us, vocabulary included)."""
    config: dict[str, Any] = json.loads(
        resources.files("readaloud.speech").joinpath("data/kokoro_config.json").read_text()
    )
    config["vocab"] = vocab()
    return config


class TorchEngine:
    """Runs ``kokoro.KModel``; ``weights`` is a ``kokoro-v1_0.pth`` state dict."""

    name = "torch"

    def __init__(
        self, weights: Path, *, device: str | None = None, config: dict[str, Any] | None = None
    ) -> None:
        try:
            import torch
            from kokoro import KModel
        except ImportError as error:
            raise EngineError(
                "the torch engine needs the 'kokoro' package: " + kokoro_fix(current()).replace("`", "")
            ) from error
        self._torch = torch
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            model = KModel(repo_id="hexgrad/Kokoro-82M", config=config or kokoro_config(), model=str(weights))
        except Exception as error:  # torch.load and state-dict mismatches raise many types
            raise EngineError(f"cannot load torch weights {weights}: {error}") from error
        self._model = model.to(self.device).eval()
        self.sample_rate = SAMPLE_RATE
        log.debug("torch engine on %s", self.device)

    def synthesize(self, token_ids: Sequence[int], style: np.ndarray, speed: float) -> np.ndarray:
        if not token_ids:
            return np.zeros(0, dtype=np.float32)
        if len(token_ids) > MAX_PHONEME_TOKENS:
            raise ValueError(f"{len(token_ids)} tokens is over Kokoro's limit of {MAX_PHONEME_TOKENS}")
        torch = self._torch
        ids = torch.tensor([[0, *token_ids, 0]], dtype=torch.long, device=self.device)
        ref = torch.from_numpy(np.ascontiguousarray(style, dtype=np.float32).reshape(1, -1)).to(self.device)
        with torch.inference_mode():
            audio, _durations = self._model.forward_with_tokens(ids, ref, speed)
        return audio.float().cpu().numpy().reshape(-1)

    def cancel(self) -> None:
        """A torch forward pass cannot be interrupted: the chunk in flight finishes and is dropped."""
