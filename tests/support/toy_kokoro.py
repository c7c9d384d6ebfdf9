"""A tiny ONNX model shaped like Kokoro's export, for fast tests of the graph rewrites.

Same inputs (``tokens`` int64 [1, T], ``style`` float [1, 256], ``speed`` float [1]) and output
(``audio``, 600 samples per duration frame); a duration predictor ending in Kokoro's
``clip(round(sum(sigmoid(.)) / speed), 1)``; and a "vocoder" built from Kokoro's pieces, named like
them: AdaIN normalizations written out as ReduceMean/Sub/Pow/Sqrt/Div with a style-driven affine,
Snake activations ``x + sin(alpha x)^2 / alpha``, 1-D convolutions and a residual. ``int8_model``
runs onnxruntime's dynamic quantizer over it, which writes the same ConvInteger pattern as the
kokoro-onnx int8 export.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CHANNELS = 16
FRAME_SAMPLES = 600


class _Builder:
    def __init__(self, seed: int) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.rng = np.random.default_rng(seed)
        self.count = 0

    def const(self, name: str, value: np.ndarray | float | list[int]) -> str:
        array = np.asarray(value)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs: list[str], name: str, outputs: int = 1, **attrs: object) -> list[str]:
        names = [f"{name}_output_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, names, name=name, **attrs))
        return names

    def one(self, op_type: str, inputs: list[str], name: str, **attrs: object) -> str:
        return self.op(op_type, inputs, name, **attrs)[0]

    def adain(self, x: str, scope: str) -> str:
        """AdaIN1d as torch exports it: instance norm, then (1 + gamma) * n + beta from the style."""
        fc = self.const(f"{scope}.fc.weight", self.rng.normal(0, 0.05, (256, 2 * CHANNELS)))
        bias = self.const(f"{scope}.fc.bias", self.rng.normal(0, 0.05, (2 * CHANNELS,)))
        h = self.one("MatMul", ["style", fc], f"{scope}/fc/MatMul")
        h = self.one("Add", [h, bias], f"{scope}/fc/Add")
        h = self.one("Unsqueeze", [h, "axis2"], f"{scope}/Unsqueeze")
        gamma, beta = self.op("Split", [h, "halves"], f"{scope}/Split", outputs=2, axis=1)
        gamma = self.one("Add", [gamma, "one"], f"{scope}/Add_1")
        mean = self.one("ReduceMean", [x, "axis2"], f"{scope}/ReduceMean", keepdims=1)
        centred = self.one("Sub", [x, mean], f"{scope}/Sub")
        square = self.one("Pow", [centred, "two"], f"{scope}/Pow")
        variance = self.one("ReduceMean", [square, "axis2"], f"{scope}/ReduceMean_2", keepdims=1)
        variance = self.one("Add", [variance, "eps"], f"{scope}/Add_2")
        deviation = self.one("Sqrt", [variance], f"{scope}/Sqrt")
        normal = self.one("Div", [centred, deviation], f"{scope}/Div_1")
        scaled = self.one("Mul", [gamma, normal], f"{scope}/Mul_3")
        return self.one("Add", [scaled, beta], f"{scope}/Add_3")

    def snake(self, x: str, scope: str) -> str:
        alpha = self.rng.uniform(0.5, 2.0, (1, CHANNELS, 1)).astype(np.float32)
        a = self.const(f"{scope}.alpha", alpha)
        inverse = self.const(f"{scope}.inv_alpha", (1.0 / alpha).astype(np.float32))
        h = self.one("Mul", [a, x], f"{scope}/Mul")
        h = self.one("Sin", [h], f"{scope}/Sin")
        h = self.one("Pow", [h, "two"], f"{scope}/Pow")
        h = self.one("Mul", [inverse, h], f"{scope}/Mul_1")
        return self.one("Add", [x, h], f"{scope}/Add")

    def conv(self, x: str, scope: str, kernel: int, dilation: int) -> str:
        weight = self.const(f"{scope}.weight", self.rng.normal(0, 0.2, (CHANNELS, CHANNELS, kernel)))
        bias = self.const(f"{scope}.bias", self.rng.normal(0, 0.1, (CHANNELS,)))
        pad = dilation * (kernel - 1) // 2
        return self.one(
            "Conv",
            [x, weight, bias],
            f"{scope}/Conv",
            kernel_shape=[kernel],
            dilations=[dilation],
            pads=[pad, pad],
        )


def float_model(seed: int = 0) -> onnx.ModelProto:
    b = _Builder(seed)
    b.const("axis2", np.array([2], dtype=np.int64))
    b.const("halves", np.array([CHANNELS, CHANNELS], dtype=np.int64))
    b.const("one", np.array(1.0, dtype=np.float32))
    b.const("two", np.array(2.0, dtype=np.float32))
    b.const("eps", np.array(1e-5, dtype=np.float32))
    # Durations: clip(round(sum(sigmoid(w * token)) / speed), 1), as /encoder/Round -> /encoder/Clip.
    x = b.one("Cast", ["tokens"], "/encoder/Cast", to=TensorProto.FLOAT)
    x = b.one("Unsqueeze", [x, "axis2"], "/encoder/Unsqueeze")
    logits = b.one("Mul", [x, b.const("w_dur", b.rng.normal(0, 0.05, (1, 1, 6)))], "/encoder/predictor/Mul")
    logits = b.one("Sigmoid", [logits], "/encoder/predictor/Sigmoid")
    last = b.const("last", np.array([-1], dtype=np.int64))
    summed = b.one("ReduceSum", [logits, last], "/encoder/predictor/ReduceSum", keepdims=0)
    divided = b.one("Div", [summed, "speed"], "/encoder/Div")
    rounded = b.one("Round", [divided], "/encoder/Round")
    durations = b.one("Clip", [rounded, "one"], "/encoder/Clip")
    # The decoder runs on as many frames as the durations add up to.
    zero_i, one_i = b.const("zero_i", np.array(0, np.int64)), b.const("one_i", np.array(1, np.int64))
    frames = b.one("ReduceSum", [durations], "/decoder/ReduceSum", keepdims=0)
    frames = b.one("Cast", [frames], "/decoder/Cast", to=TensorProto.INT64)
    steps = b.one("Range", [zero_i, frames, one_i], "/decoder/Range")
    steps = b.one("Cast", [steps], "/decoder/Cast_1", to=TensorProto.FLOAT)
    steps = b.one("Mul", [steps, b.const("rate", np.array(0.37, np.float32))], "/decoder/Mul")
    steps = b.one("Sin", [steps], "/decoder/Sin")
    steps = b.one("Unsqueeze", [steps, b.const("axes01", np.array([0, 1], np.int64))], "/decoder/Unsqueeze")
    channels = b.one("Unsqueeze", ["style", "axis2"], "/decoder/Unsqueeze_1")
    bounds = [
        b.const("c0", np.array([0], np.int64)),
        b.const("c1", np.array([CHANNELS], np.int64)),
        b.const("ax1", np.array([1], np.int64)),
    ]
    channels = b.one("Slice", [channels, *bounds], "/decoder/Slice")
    h = b.one("Mul", [channels, steps], "/decoder/Mul_1")
    scope = "/decoder/decoder/generator/resblocks.0"
    residual = h
    for index, (kernel, dilation) in enumerate(((3, 1), (5, 2))):
        t = b.adain(h, f"{scope}/adain1.{index}")
        t = b.snake(t, f"{scope}/snake1.{index}")
        t = b.conv(t, f"{scope}/convs1.{index}", kernel, dilation)
        t = b.adain(t, f"{scope}/adain2.{index}")
        t = b.snake(t, f"{scope}/snake2.{index}")
        t = b.conv(t, f"{scope}/convs2.{index}", kernel, 1)
        h = b.one("Add", [t, residual], f"{scope}/Add_{index}")
        residual = h
    # "iSTFT": an envelope stretched to 600 samples per frame, on a carrier.
    channel_axis = b.const("ax1b", np.array([1], np.int64))
    envelope = b.one("ReduceMean", [h, channel_axis], "/decoder/ReduceMean", keepdims=1)
    envelope = b.one("Tanh", [envelope], "/decoder/Tanh")
    samples = b.one("Mul", [frames, b.const("hop", np.array(FRAME_SAMPLES, np.int64))], "/decoder/Mul_2")
    samples = b.one("Unsqueeze", [samples, b.const("ax0", np.array([0], np.int64))], "/decoder/Unsqueeze_2")
    sizes = b.one(
        "Concat", [b.const("one_one", np.array([1, 1], np.int64)), samples], "/decoder/Concat", axis=0
    )
    stretched = b.one("Resize", [envelope, "", "", sizes], "/decoder/Resize", mode="linear")
    stretched = b.one("Reshape", [stretched, b.const("flat", np.array([-1], np.int64))], "/decoder/Reshape")
    length = b.one("Cast", [samples], "/decoder/Cast_2", to=TensorProto.FLOAT)
    zero_f, one_f = b.const("zero_f", np.array(0, np.float32)), b.const("one_f", np.array(1, np.float32))
    carrier = b.one("Range", [zero_f, length, one_f], "/decoder/Range_1")
    carrier = b.one("Mul", [carrier, b.const("tone", np.array(0.05, np.float32))], "/decoder/Mul_3")
    carrier = b.one("Sin", [carrier], "/decoder/Sin_1")
    b.nodes.append(helper.make_node("Mul", [stretched, carrier], ["audio"], name="/decoder/Mul_4"))
    graph = helper.make_graph(
        b.nodes,
        "toy-kokoro",
        [
            helper.make_tensor_value_info("tokens", TensorProto.INT64, [1, "sequence_length"]),
            helper.make_tensor_value_info("style", TensorProto.FLOAT, [1, 256]),
            helper.make_tensor_value_info("speed", TensorProto.FLOAT, [1]),
        ],
        [helper.make_tensor_value_info("audio", TensorProto.FLOAT, ["audio_length"])],
        b.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    return model


def save_float_model(path: Path, seed: int = 0) -> Path:
    onnx.save(float_model(seed), str(path))
    return path


def save_int8_model(path: Path, seed: int = 0) -> Path:
    """The toy model through onnxruntime's dynamic quantizer (uint8 weights, as kokoro-onnx did)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = path.with_name(path.stem + ".float.onnx")
    save_float_model(source, seed)
    quantize_dynamic(source, path, weight_type=QuantType.QUInt8, op_types_to_quantize=["Conv", "MatMul"])
    source.unlink()
    return path
