"""The graph rewrites on a tiny Kokoro-shaped model: each finds its pattern and keeps the output."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from readaloud.speech.engine import FRAME_SAMPLES
from readaloud.speech.graph import rewrites
from readaloud.speech.graph.editor import GraphEditor
from readaloud.speech.graph.prepare import load_probe, spectral_snr_db
from tests.support.toy_kokoro import float_model, save_int8_model

PROBE = load_probe()


def run(model: onnx.ModelProto, outputs: list[str] | None = None, speed: float = 1.0) -> list[np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feed = {
        "tokens": np.array([[0, *PROBE.tokens, 0]], dtype=np.int64),
        "style": PROBE.style,
        "speed": np.array([speed], dtype=np.float32),
    }
    return list(session.run(outputs or ["audio"], feed))


def ops(model: onnx.ModelProto) -> Counter[str]:
    return Counter(node.op_type for node in model.graph.node)


@pytest.fixture(scope="module")
def int8_model(tmp_path_factory: pytest.TempPathFactory) -> onnx.ModelProto:
    path = save_int8_model(Path(tmp_path_factory.mktemp("toy")) / "toy.int8.onnx")
    return onnx.load(str(path))


def rewritten(model: onnx.ModelProto, *passes: str) -> tuple[onnx.ModelProto, list[object]]:
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    editor = GraphEditor(copy)
    results: list[object] = []
    for name in passes:
        results.append(getattr(rewrites, name)(editor))
    onnx.checker.check_model(copy)
    return copy, results


def test_squares_become_products_with_the_same_output() -> None:
    model = float_model()
    changed, (count,) = rewritten(model, "square_pows")
    assert count == 8 and ops(changed)["Pow"] == 0
    np.testing.assert_array_equal(run(changed)[0], run(model)[0])


def test_normalization_chains_fold_into_instance_norms() -> None:
    model = float_model()
    changed, ((norms, snakes),) = rewritten(model, "fold_instance_norms")
    assert (norms, snakes) == (4, 4)
    counted = ops(changed)
    assert counted["InstanceNormalization"] == 4
    assert counted["ReduceMean"] == 1  # only the envelope's, outside any normalization
    assert counted["Sqrt"] == 0
    np.testing.assert_allclose(run(changed)[0], run(model)[0], atol=1e-5)


def test_snake_folds_alpha_into_the_normalization() -> None:
    model = float_model()
    plain, _ = rewritten(model, "square_pows")
    folded, _ = rewritten(model, "square_pows", "fold_instance_norms")
    # Per Snake: Mul(alpha), Sin, square, Mul(1/alpha), Add -> Sin, square, Add, Mul(1/alpha).
    assert ops(plain)["Mul"] - ops(folded)["Mul"] >= 4
    assert ops(folded)["Sin"] == ops(plain)["Sin"]
    np.testing.assert_allclose(run(folded)[0], run(model)[0], atol=1e-5)


def test_int8_conv_outputs_dequantize_in_one_step(int8_model: onnx.ModelProto) -> None:
    changed, (_, (rewritten_count, dropped)) = rewritten(
        int8_model, "fold_instance_norms", "int8_conv_outputs"
    )
    assert rewritten_count == 4
    assert dropped == 2  # the convs followed by a normalization
    counted = ops(changed)
    assert counted["DequantizeLinear"] == 4
    assert counted["ConvInteger"] == 4
    assert spectral_snr_db(run(int8_model)[0], run(changed)[0]) > 60


def test_dequantized_convs_are_float_convs(int8_model: onnx.ModelProto) -> None:
    changed, (count,) = rewritten(int8_model, "dequantize_convs")
    assert count == 4 and ops(changed)["ConvInteger"] == 0
    # Unrounded activations: close to the int8 model, not equal to it.
    assert spectral_snr_db(run(int8_model)[0], run(changed)[0]) > 25


def test_channel_scales_and_biases_fold_into_float_convs() -> None:
    model = float_model()
    changed, (_, _, scales, biases) = rewritten(
        model,
        "square_pows",
        "fold_instance_norms",
        "fold_channel_scales_into_convs",
        "drop_bias_before_instance_norms",
    )
    assert scales == 4  # every Snake's 1 / alpha
    assert biases == 2
    np.testing.assert_allclose(run(changed)[0], run(model)[0], atol=1e-5)


def test_convs_become_height_one_2d_convs() -> None:
    model = float_model()
    changed, (count,) = rewritten(model, "convs_as_2d")
    assert count == 4
    weights = {init.name: init for init in changed.graph.initializer}
    convs = [node for node in changed.graph.node if node.op_type == "Conv"]
    assert all(len(weights[node.input[1]].dims) == 4 for node in convs)
    np.testing.assert_allclose(run(changed)[0], run(model)[0], atol=1e-5)


def test_a_pass_without_its_pattern_changes_nothing() -> None:
    model = float_model()
    changed, results = rewritten(model, "int8_conv_outputs", "dequantize_convs")
    assert results == [(0, 0), 0]
    assert ops(changed) == ops(model)


@pytest.mark.parametrize("speed", [0.8, 1.0, 1.3])
def test_durations_output_leaves_the_audio_bit_identical(speed: float) -> None:
    model, _ = rewritten(float_model(), "square_pows", "fold_instance_norms")
    with_durations, (added,) = rewritten(model, "expose_durations")
    assert added is True
    audio, frames = run(with_durations, ["audio", rewrites.DURATIONS_OUTPUT], speed)
    np.testing.assert_array_equal(audio, run(model, speed=speed)[0])
    assert frames.dtype == np.int64 and frames.shape == (1, len(PROBE.tokens) + 2)
    assert frames.min() >= 1
    assert int(frames.sum()) * FRAME_SAMPLES == len(audio)


def test_durations_are_found_by_shape_not_by_name() -> None:
    model = float_model()
    for index, node in enumerate(model.graph.node):
        node.name = f"n{index}"
    editor = GraphEditor(model)
    assert rewrites.durations_source(editor) == "/encoder/Clip_output_0"


def test_a_graph_without_a_duration_predictor_has_no_durations() -> None:
    model = float_model()
    clip = next(node for node in model.graph.node if node.op_type == "Clip")
    clip.op_type = "Relu"
    del clip.input[1:]
    editor = GraphEditor(model)
    assert rewrites.durations_source(editor) is None
    assert rewrites.expose_durations(editor) is False
