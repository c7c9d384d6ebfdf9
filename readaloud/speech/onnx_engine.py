"""Kokoro-82M on onnxruntime: fp32, fp16 or int8 exports, CPU or CUDA."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from readaloud.errors import EngineError
from readaloud.speech.engine import MAX_PHONEME_TOKENS, SAMPLE_RATE, TimedAudio
from readaloud.speech.graph.choose import GraphChoice, choose_graph
from readaloud.speech.graph.runtime import (
    DURATIONS_OUTPUT,
    KokoroIO,
    default_threads,
    session_options,
    shrinking_run_options,
)

log = logging.getLogger(__name__)


class OnnxEngine:
    """Runs a Kokoro ONNX export. Session options suit a resident process on a small machine.

    On the CPU it loads the prepared copy of the model (``readaloud.speech.graph``: faster, and it
    also outputs the predicted durations), preparing it first when it is missing or stale, unless
    ``optimize`` is false; ``graph`` says which one runs ("prepared" or "stock").

    ``synthesize`` returns the audio. ``synthesize_timed`` returns it with the frames the model gave
    each token (see :class:`readaloud.speech.engine.TimedAudio`), the raw material for word timing;
    the audio is the same, sample for sample, as ``synthesize`` gives for the same input.
    """

    name = "onnx"

    def __init__(
        self, model_path: Path, *, threads: int = 0, use_cuda: bool | None = None, optimize: bool = True
    ) -> None:
        import onnxruntime as ort

        available = ort.get_available_providers()
        want_cuda = "CUDAExecutionProvider" in available if use_cuda is None else use_cuda
        providers = (
            ["CUDAExecutionProvider", "CPUExecutionProvider"] if want_cuda else ["CPUExecutionProvider"]
        )
        self.threads = threads or default_threads()
        if optimize and not want_cuda:
            choice = choose_graph(model_path, threads=self.threads)
        else:
            choice = GraphChoice(model_path, False, "on CUDA" if want_cuda else "optimization off")
        model: str | bytes = str(choice.path)
        if not choice.prepared:
            model = _with_durations(model_path) or model
        try:
            self._session = ort.InferenceSession(model, session_options(self.threads), providers=providers)
        except Exception as error:  # onnxruntime raises its own untyped errors
            raise EngineError(
                f"cannot load ONNX model {choice.path}: {error}; run 'readaloud setup' to fetch it again"
            ) from error
        self._io = KokoroIO.of(self._session, model_path)
        self._durations = DURATIONS_OUTPUT if DURATIONS_OUTPUT in self._io.outputs else None
        self.graph = "prepared" if choice.prepared else "stock"
        self.device = "cuda" if "CUDAExecutionProvider" in self._session.get_providers() else "cpu"
        self.sample_rate = SAMPLE_RATE
        self.model_path = choice.path
        self.source_path = model_path
        self._run_options: Any = None
        self._run_lock = threading.Lock()
        log.info(
            "onnx engine: %s graph of %s on %s, %d threads%s",
            self.graph,
            model_path.name,
            self.device,
            self.threads,
            "" if choice.prepared else f" ({choice.note})",
        )

    @property
    def has_durations(self) -> bool:
        """Whether :meth:`synthesize_timed` works (the graph outputs the durations)."""
        return self._durations is not None

    def synthesize(self, token_ids: Sequence[int], style: np.ndarray, speed: float) -> np.ndarray:
        if not token_ids:
            return np.zeros(0, dtype=np.float32)
        (audio,) = self._run([self._io.audio], token_ids, style, speed)
        return np.asarray(audio, dtype=np.float32).reshape(-1)

    def synthesize_timed(self, token_ids: Sequence[int], style: np.ndarray, speed: float) -> TimedAudio:
        """Audio plus frames per token (``frames[0]``/``frames[-1]`` are the pad tokens).

        Raises :class:`EngineError` when the loaded graph has no durations output (``has_durations``).
        """
        if self._durations is None:
            raise EngineError(
                "this ONNX model gives no word timing (its prepared copy could not be made); "
                "run 'readaloud setup' to prepare it"
            )
        if not token_ids:
            return TimedAudio(np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64))
        audio, frames = self._run([self._io.audio, self._durations], token_ids, style, speed)
        return TimedAudio(
            np.asarray(audio, dtype=np.float32).reshape(-1), np.asarray(frames, dtype=np.int64).reshape(-1)
        )

    def _run(
        self, outputs: list[str], token_ids: Sequence[int], style: np.ndarray, speed: float
    ) -> list[Any]:
        if len(token_ids) > MAX_PHONEME_TOKENS:
            raise ValueError(f"{len(token_ids)} tokens is over Kokoro's limit of {MAX_PHONEME_TOKENS}")
        feed = self._io.feed(token_ids, style, speed)
        run_options = shrinking_run_options()
        with self._run_lock:
            self._run_options = run_options
        try:
            return list(self._session.run(outputs, feed, run_options))
        finally:
            with self._run_lock:
                self._run_options = None

    def cancel(self) -> None:
        """Abort the synthesis in flight, if any (from any thread); it raises in its caller."""
        with self._run_lock:
            if self._run_options is not None:
                self._run_options.terminate = True


def _with_durations(model_path: Path) -> bytes | None:
    """The model with its durations exposed, serialized in memory; None when that is impossible."""
    try:
        import onnx

        from readaloud.speech.graph.editor import GraphEditor
        from readaloud.speech.graph.rewrites import expose_durations

        model = onnx.load(str(model_path))
        if not expose_durations(GraphEditor(model)):
            return None
        return bytes(model.SerializeToString())
    except Exception as error:  # a missing onnx package or an unusual export: audio still works
        log.debug("no durations output for %s: %s", model_path.name, error)
        return None
