"""Kokoro-82M on onnxruntime: fp32, fp16 or int8 exports, CPU or CUDA."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from readaloud.errors import EngineError
from readaloud.speech.engine import MAX_PHONEME_TOKENS, SAMPLE_RATE

log = logging.getLogger(__name__)

# Exports name their inputs differently (kokoro-onnx: tokens; onnx-community: input_ids).
_TOKEN_INPUTS = ("tokens", "input_ids")
_STYLE_INPUTS = ("style", "ref_s")
_SPEED_INPUTS = ("speed",)


def _pick(names: Sequence[str], candidates: Sequence[str], what: str, path: Path) -> str:
    for candidate in candidates:
        if candidate in names:
            return candidate
    raise EngineError(
        f"{path} is not a Kokoro ONNX export (no {what} input among {list(names)}); "
        "run 'readaloud setup' to fetch a known model"
    )


class OnnxEngine:
    """Runs a Kokoro ONNX export. Session options suit a resident process on a small machine."""

    name = "onnx"

    def __init__(self, model_path: Path, *, threads: int = 0, use_cuda: bool | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        # Input shapes vary with every sentence; memory-pattern planning would keep growing.
        options.enable_mem_pattern = False
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        available = ort.get_available_providers()
        want_cuda = "CUDAExecutionProvider" in available if use_cuda is None else use_cuda
        providers = (
            ["CUDAExecutionProvider", "CPUExecutionProvider"] if want_cuda else ["CPUExecutionProvider"]
        )
        try:
            self._session = ort.InferenceSession(str(model_path), options, providers=providers)
        except Exception as error:  # onnxruntime raises its own untyped errors
            raise EngineError(
                f"cannot load ONNX model {model_path}: {error}; run 'readaloud setup' to fetch it again"
            ) from error
        inputs = {i.name: i for i in self._session.get_inputs()}
        names = list(inputs)
        self._tokens = _pick(names, _TOKEN_INPUTS, "token", model_path)
        self._style = _pick(names, _STYLE_INPUTS, "style", model_path)
        self._speed = _pick(names, _SPEED_INPUTS, "speed", model_path)
        speed_type = inputs[self._speed].type
        self._speed_dtype: Any = np.int32 if "int32" in speed_type else np.float32
        self._output = self._session.get_outputs()[0].name
        self.device = "cuda" if "CUDAExecutionProvider" in self._session.get_providers() else "cpu"
        self.sample_rate = SAMPLE_RATE
        self.model_path = model_path
        self._ort = ort
        self._run_options: Any = None
        self._run_lock = threading.Lock()
        log.debug("onnx engine: %s on %s", model_path.name, self.device)

    def synthesize(self, token_ids: Sequence[int], style: np.ndarray, speed: float) -> np.ndarray:
        if not token_ids:
            return np.zeros(0, dtype=np.float32)
        if len(token_ids) > MAX_PHONEME_TOKENS:
            raise ValueError(f"{len(token_ids)} tokens is over Kokoro's limit of {MAX_PHONEME_TOKENS}")
        tokens = np.array([[0, *token_ids, 0]], dtype=np.int64)
        feed = {
            self._tokens: tokens,
            self._style: np.ascontiguousarray(style, dtype=np.float32).reshape(1, -1),
            self._speed: np.array([speed], dtype=self._speed_dtype),
        }
        run_options = self._ort.RunOptions()
        with self._run_lock:
            self._run_options = run_options
        try:
            (audio,) = self._session.run([self._output], feed, run_options)
        finally:
            with self._run_lock:
                self._run_options = None
        return np.asarray(audio, dtype=np.float32).reshape(-1)

    def cancel(self) -> None:
        """Abort the synthesis in flight, if any (from any thread); it raises in its caller."""
        with self._run_lock:
            if self._run_options is not None:
                self._run_options.terminate = True
