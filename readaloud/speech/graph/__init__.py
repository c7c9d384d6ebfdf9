"""A faster copy of the Kokoro ONNX graph that also outputs the predicted durations.

``readaloud setup`` writes it beside the model (``prepare_model``); the ONNX engine loads it when it is
there and intact, prepares it (in a child process, so its memory goes back to the system) when it
is missing or stale, and falls back to the model as downloaded when that fails. What each rewrite
does and what it buys is in ``rewrites.py`` and ``bench/graph.py``.
"""

from readaloud.errors import GraphPreparationError
from readaloud.speech.graph.choose import GraphChoice, choose_graph
from readaloud.speech.graph.prepare import (
    PreparedManifest,
    find_prepared,
    prepared_path,
)
from readaloud.speech.graph.prepare import prepare as prepare_model

__all__ = [
    "GraphChoice",
    "GraphPreparationError",
    "PreparedManifest",
    "choose_graph",
    "find_prepared",
    "prepare_model",
    "prepared_path",
]
