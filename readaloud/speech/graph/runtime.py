"""onnxruntime session settings for a resident process on a small, shared machine."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from readaloud.errors import EngineError


def physical_cores() -> int:
    """Cores this process may run on, counting SMT siblings once (``cpu_count()`` counts both)."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
    cores: set[str] = set()
    for cpu in allowed:
        siblings = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list")
        try:
            cores.add(siblings.read_text().strip())
        except OSError:
            cores.add(str(cpu))
    return max(1, len(cores))


def default_threads() -> int:
    """Intra-op threads when the config says 0 (automatic): every physical core.

    Measured on a 2-core machine (bench/graph.py, README): two threads beat one when the machine is
    idle and lose only a little when another process keeps a core busy, as long as the workers do
    not spin; SMT siblings add nothing to these convolution-bound kernels.
    """
    return physical_cores()


def session_options(threads: int, *, spinning: bool = False) -> Any:
    """SessionOptions for Kokoro: ``threads`` intra-op threads (0 = :func:`default_threads`).

    ``spinning`` exists for benchmarks; readaloud runs with it off.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    # Input shapes vary with every sentence; memory-pattern planning would keep growing.
    options.enable_mem_pattern = False
    options.intra_op_num_threads = threads or default_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Spinning workers burn a core between operators and while idle; on a busy machine that time
    # is taken from the processes (and the audio) that need it.
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    options.log_severity_level = 3
    return options


def shrinking_run_options() -> Any:
    """RunOptions that hand the arena's free memory back to the system when a run ends.

    The CPU arena otherwise keeps the peak of the longest chunk ever synthesized (about 650 MB more
    after 510 tokens) for the life of the daemon; giving it back measured no CPU cost (the next run
    re-faults the pages it needs, a few ms against seconds of synthesis).
    """
    import onnxruntime as ort

    options = ort.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


# The second output the prepared graph adds (readaloud.speech.graph.rewrites.expose_durations).
DURATIONS_OUTPUT = "durations"

# Exports name their inputs differently (kokoro-onnx: tokens; onnx-community: input_ids).
_TOKEN_INPUTS = ("tokens", "input_ids")
_STYLE_INPUTS = ("style", "ref_s")
_SPEED_INPUTS = ("speed",)


@dataclass(frozen=True)
class KokoroIO:
    """The input and output names of one Kokoro export, and how to feed it."""

    tokens: str
    style: str
    speed: str
    speed_dtype: Any
    audio: str
    outputs: tuple[str, ...]

    @classmethod
    def of(cls, session: Any, path: Path) -> KokoroIO:
        """Read the names from an ``InferenceSession``; EngineError if it is not a Kokoro export."""
        inputs = {i.name: i for i in session.get_inputs()}
        names = list(inputs)

        def pick(candidates: tuple[str, ...], what: str) -> str:
            for candidate in candidates:
                if candidate in names:
                    return candidate
            raise EngineError(
                f"{path} is not a Kokoro ONNX export (no {what} input among {names}); "
                "run 'readaloud setup' to fetch a known model"
            )

        tokens, style, speed = (
            pick(_TOKEN_INPUTS, "token"),
            pick(_STYLE_INPUTS, "style"),
            pick(_SPEED_INPUTS, "speed"),
        )
        outputs = tuple(o.name for o in session.get_outputs())
        speed_dtype = np.int32 if "int32" in inputs[speed].type else np.float32
        return cls(tokens, style, speed, speed_dtype, outputs[0], outputs)

    def feed(self, token_ids: Sequence[int], style: np.ndarray, speed: float) -> dict[str, np.ndarray]:
        """Inputs for ``token_ids`` (without the pad tokens, which are added here)."""
        return {
            self.tokens: np.array([[0, *token_ids, 0]], dtype=np.int64),
            self.style: np.ascontiguousarray(style, dtype=np.float32).reshape(1, -1),
            self.speed: np.array([speed], dtype=self.speed_dtype),
        }
