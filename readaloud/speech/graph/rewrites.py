"""Algebra-preserving rewrites of a Kokoro ONNX graph, and the durations output.

Each pass finds a pattern, queues its replacement on the :class:`GraphEditor`, commits, and returns
how many places it changed. A pass that finds nothing changes nothing, so the passes are safe on any
export (fp32, fp16, the int8 kokoro-onnx one); what each buys on this project's CPUs is in
``bench/graph.py`` and the README.

Why the results are not bit-identical to the source model: the int8 export quantizes every
activation on the fly, so a change in the last bit of a float can move a value across a rounding
boundary. That makes the stock model itself this sensitive: scaling its style vector by 1 + 1e-6
changes the waveform as much as these rewrites do. The tests therefore compare speech (Whisper) and
spectra, and require the durations to be exactly the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import onnx

from readaloud.speech.graph.editor import GraphEditor, attributes, other_input
from readaloud.speech.graph.runtime import DURATIONS_OUTPUT

log = logging.getLogger(__name__)

# Kokoro's vocoder (iSTFTNet) is ``decoder.generator`` in the PyTorch module tree, and torch's
# exporter names nodes after it in every export seen so far.
VOCODER_SCOPE = "/generator/"


def square_pows(editor: GraphEditor) -> int:
    """``Pow(x, 2)`` -> ``Mul(x, x)`` (onnxruntime's Pow takes a slower general path)."""
    count = 0
    for node in editor.nodes("Pow"):
        if editor.scalar(node.input[1]) == 2.0:
            square = editor.make_node(
                "Mul", [node.input[0], node.input[0]], list(node.output), node.name + "/square"
            )
            editor.replace([node], [square])
            count += 1
    editor.commit()
    return count


def _reduces_last_axis(editor: GraphEditor, node: onnx.NodeProto) -> bool:
    attrs = attributes(node)
    if attrs.get("keepdims", 1) != 1:
        return False
    axes = attrs.get("axes")
    if axes is None and len(node.input) > 1:
        value = editor.array(node.input[1])
        axes = None if value is None else value.tolist()
    return axes in ([2], [-1])


def _is_square_of(editor: GraphEditor, node: onnx.NodeProto | None, name: str) -> bool:
    if node is None:
        return False
    if node.op_type == "Mul":
        return list(node.input) == [name, name]
    return node.op_type == "Pow" and node.input[0] == name and editor.scalar(node.input[1]) == 2.0


def _normalization(
    editor: GraphEditor, div: onnx.NodeProto
) -> tuple[str, float, list[onnx.NodeProto]] | None:
    """Match ``(x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps)`` over the last axis of [1, C, T].

    Returns the input, epsilon and the matched nodes (the Div last).
    """
    sub = editor.producer_of(div.input[0], "Sub")
    sqrt = editor.producer_of(div.input[1], "Sqrt")
    if sub is None or sqrt is None:
        return None
    x = sub.input[0]
    mean = editor.producer_of(sub.input[1], "ReduceMean")
    add = editor.producer_of(sqrt.input[0], "Add")
    if mean is None or mean.input[0] != x or not _reduces_last_axis(editor, mean) or add is None:
        return None
    variance_name = add.input[1] if add.input[0] in editor.initializers else add.input[0]
    epsilon_name = other_input(add, variance_name)
    epsilon = editor.scalar(epsilon_name) if epsilon_name else None
    variance = editor.producer_of(variance_name, "ReduceMean")
    if epsilon is None or variance is None or not _reduces_last_axis(editor, variance):
        return None
    square = editor.producer(variance.input[0])
    if not _is_square_of(editor, square, sub.output[0]):
        return None
    assert square is not None
    matched = [mean, sub, square, variance, add, sqrt, div]
    inside = {node.name for node in matched}
    for node in matched[:-1]:
        for output in node.output:
            if output in editor.outputs or any(user.name not in inside for user in editor.consumers(output)):
                return None
    return x, epsilon, matched


def _channel_vector(editor: GraphEditor, name: str) -> bool:
    """True when ``name`` is a [1, C, 1] tensor: a constant of that shape, or one shape inference
    could not see but that comes from the style vector (AdaIN's gamma and beta)."""
    value = editor.array(name)
    if value is not None:
        return value.ndim == 3 and value.shape[0] == 1 and value.shape[2] == 1
    return True


def _snake(editor: GraphEditor, h: str) -> tuple[str, str, list[onnx.NodeProto]] | None:
    """Match ``h + inv_alpha * sin(alpha * h)^2`` (the Snake activation); return alpha, inv_alpha."""
    users = editor.consumers(h)
    if h in editor.outputs or len(users) != 2:
        return None
    scale = next((u for u in users if u.op_type == "Mul" and other_input(u, h) in editor.initializers), None)
    add = next((u for u in users if u.op_type == "Add"), None)
    if scale is None or add is None:
        return None
    alpha = other_input(scale, h)
    sin = editor.sole_consumer(scale.output[0], "Sin")
    square = editor.sole_consumer(sin.output[0]) if sin else None
    if sin is None or not _is_square_of(editor, square, sin.output[0]):
        return None
    assert square is not None
    weight = editor.sole_consumer(square.output[0], "Mul")
    inv_alpha = other_input(weight, square.output[0]) if weight else None
    if weight is None or inv_alpha is None or inv_alpha not in editor.initializers:
        return None
    last = editor.sole_consumer(weight.output[0])
    if last is None or last.name != add.name or other_input(add, weight.output[0]) != h:
        return None
    assert alpha is not None
    if not (_channel_vector(editor, alpha) and _channel_vector(editor, inv_alpha)):
        return None
    return alpha, inv_alpha, [scale, sin, square, weight, add]


def fold_instance_norms(editor: GraphEditor, *, snake: bool = True) -> tuple[int, int]:
    """AdaIN's normalization chain plus its affine ``(1 + gamma) * n + beta`` -> one
    ``InstanceNormalization`` with gamma and beta as its scale and bias.

    With ``snake``, a Snake activation that follows, ``h + sin(alpha h)^2 / alpha``, is computed as
    ``(u + sin(u)^2) / alpha`` with ``u = alpha h``, and ``alpha`` goes into the normalization's
    scale and bias: five full-size passes become four and the per-channel products are done on
    [C] vectors. Returns (normalizations, snakes) folded.
    """
    flat = editor.add_initializer("readaloud/flat", np.array([-1], dtype=np.int64))
    norms = snakes = 0
    for div in editor.nodes("Div"):
        matched = _normalization(editor, div)
        if matched is None or editor.claimed(matched[2]):
            continue
        x, epsilon, chain = matched
        affines: list[tuple[onnx.NodeProto, onnx.NodeProto, str, str]] = []
        for mul in editor.consumers(div.output[0]):
            add = editor.sole_consumer(mul.output[0], "Add") if mul.op_type == "Mul" else None
            gamma = other_input(mul, div.output[0]) if add else None
            beta = other_input(add, mul.output[0]) if add else None
            if add is None or gamma is None or beta is None:
                affines = []
                break
            if not (_channel_vector(editor, gamma) and _channel_vector(editor, beta)):
                affines = []
                break
            affines.append((mul, add, gamma, beta))
        if not affines or div.output[0] in editor.outputs:
            continue
        remove = list(chain)
        add_nodes: list[onnx.NodeProto] = []
        for mul, add, gamma, beta in affines:
            base = add.name.rsplit("/", 1)[0] + "/InstanceNorm"
            h = add.output[0]
            folded = _snake(editor, h) if snake else None
            remove += [mul, add]
            if folded is not None:
                alpha, inv_alpha, snake_nodes = folded
                remove += snake_nodes
                gamma_a, beta_a = (
                    editor.unique_name(base + "/scale_alpha"),
                    editor.unique_name(base + "/bias_alpha"),
                )
                add_nodes += [
                    editor.make_node("Mul", [gamma, alpha], [gamma_a], base + "/scale_alpha"),
                    editor.make_node("Mul", [beta, alpha], [beta_a], base + "/bias_alpha"),
                ]
                gamma, beta = gamma_a, beta_a
            scale, bias = editor.unique_name(base + "/scale"), editor.unique_name(base + "/bias")
            add_nodes += [
                editor.make_node("Reshape", [gamma, flat], [scale], base + "/scale"),
                editor.make_node("Reshape", [beta, flat], [bias], base + "/bias"),
            ]
            if folded is None:
                add_nodes.append(
                    editor.make_node("InstanceNormalization", [x, scale, bias], [h], base, epsilon=epsilon)
                )
                continue
            u = editor.unique_name(base + "/u")
            sin, square, total = (editor.unique_name(f"{u}_{part}") for part in ("sin", "sin2", "sum"))
            add_nodes += [
                editor.make_node("InstanceNormalization", [x, scale, bias], [u], base, epsilon=epsilon),
                editor.make_node("Sin", [u], [sin], base + "/snake_sin"),
                editor.make_node("Mul", [sin, sin], [square], base + "/snake_square"),
                editor.make_node("Add", [u, square], [total], base + "/snake_add"),
                editor.make_node(
                    "Mul", [total, inv_alpha], [snake_nodes[-1].output[0]], base + "/snake_scale"
                ),
            ]
            snakes += 1
        editor.replace(remove, add_nodes)
        norms += 1
    editor.commit()
    return norms, snakes


@dataclass(frozen=True)
class _QuantizedConv:
    quantize: onnx.NodeProto  # DynamicQuantizeLinear of the input
    int_bias_add: onnx.NodeProto | None  # older quantizers add an int32 bias before the Cast
    cast: onnx.NodeProto
    mul: onnx.NodeProto  # accumulator * scale
    scale: str  # input scale * weight scale, computed at run time
    weight_scale: float | None
    float_bias_add: onnx.NodeProto | None  # newer ones add the float bias after the Mul
    bias: np.ndarray | None  # the float bias, either way

    @property
    def output(self) -> str:
        last = self.float_bias_add or self.mul
        return str(last.output[0])


def _quantized_conv(editor: GraphEditor, conv: onnx.NodeProto) -> _QuantizedConv | None:
    """Match a dynamic-int8 convolution as onnxruntime's quantizer writes it:
    ``DynamicQuantizeLinear(x) -> ConvInteger -> Cast -> * (sx sw)`` with the bias either added
    as ``floor(b / (sx sw))`` before the Cast (kokoro-onnx's export) or as ``+ b`` after the Mul."""
    if len(conv.input) != 4:
        return None
    quantize = editor.producer_of(conv.input[0], "DynamicQuantizeLinear")
    if quantize is None or quantize.output[2] != conv.input[2]:
        return None
    int_bias_add = editor.sole_consumer(conv.output[0], "Add")
    bias: np.ndarray | None = None
    after = conv.output[0]
    if int_bias_add is not None:
        bias_name = other_input(int_bias_add, conv.output[0])
        bias = _integer_bias(editor, bias_name) if bias_name else None
        if bias is None:
            return None
        after = int_bias_add.output[0]
    cast = editor.sole_consumer(after, "Cast")
    mul = editor.sole_consumer(cast.output[0], "Mul") if cast else None
    scale = other_input(mul, cast.output[0]) if mul and cast else None
    scale_node = editor.producer_of(scale, "Mul") if scale else None
    if cast is None or mul is None or scale is None or scale_node is None:
        return None
    weight_scale_name = other_input(scale_node, quantize.output[1])
    weight_scale = editor.scalar(weight_scale_name) if weight_scale_name else None
    float_bias_add = editor.sole_consumer(mul.output[0], "Add") if int_bias_add is None else None
    if float_bias_add is not None:
        float_bias = _float_bias(editor, other_input(float_bias_add, mul.output[0]))
        if float_bias is None:
            float_bias_add = None
        else:
            bias = float_bias
    return _QuantizedConv(quantize, int_bias_add, cast, mul, scale, weight_scale, float_bias_add, bias)


def _integer_bias(editor: GraphEditor, name: str) -> np.ndarray | None:
    """The float bias behind ``Reshape(Cast(Floor(bias / scale)))``."""
    reshape = editor.producer_of(name, "Reshape")
    cast = editor.producer_of(reshape.input[0], "Cast") if reshape else None
    floor = editor.producer_of(cast.input[0], "Floor") if cast else None
    div = editor.producer_of(floor.input[0], "Div") if floor else None
    return editor.array(div.input[0]) if div else None


def _float_bias(editor: GraphEditor, name: str | None) -> np.ndarray | None:
    """A per-channel constant, given as [C] reshaped to [1, C, 1] or directly as [1, C, 1]."""
    if name is None:
        return None
    reshape = editor.producer_of(name, "Reshape")
    value = editor.array(reshape.input[0]) if reshape else editor.array(name)
    if (
        value is None
        or value.ndim not in (1, 3)
        or (value.ndim == 3 and (value.shape[0], value.shape[2]) != (1, 1))
    ):
        return None
    return value.reshape(-1)


def dequantize_convs(editor: GraphEditor, scope: str = VOCODER_SCOPE) -> int:
    """Dynamic-int8 convolutions inside ``scope`` -> float ``Conv`` with the dequantized weights.

    Float convolutions let onnxruntime fuse the bias, use its blocked (NCHWc) kernels, and let the
    Snake's ``1 / alpha`` fold into the weights; the activations are then no longer rounded to 8 bits.
    """
    count = 0
    for conv in editor.nodes("ConvInteger"):
        match = _quantized_conv(editor, conv) if scope in conv.name else None
        weight, zero = editor.array(conv.input[1]), editor.array(conv.input[3])
        if match is None or match.weight_scale is None or weight is None or zero is None:
            continue
        dequantized = (weight.astype(np.float32) - zero.astype(np.float32)) * np.float32(match.weight_scale)
        inputs = [match.quantize.input[0], editor.add_initializer(conv.name + "/weight", dequantized)]
        if match.bias is not None:
            inputs.append(editor.add_initializer(conv.name + "/bias", match.bias.astype(np.float32)))
        float_conv = editor.make_node(
            "Conv", inputs, [match.output], conv.name + "/float", **attributes(conv)
        )
        editor.replace([match.float_bias_add or match.mul], [float_conv])
        count += 1
    editor.commit()
    return count


def int8_conv_outputs(editor: GraphEditor) -> tuple[int, int]:
    """``Cast -> Mul(scale)`` after a ConvInteger -> one ``DequantizeLinear`` (one pass, not two);
    the bias is dropped where an instance normalization follows (it subtracts the per-channel
    mean, so a per-channel constant cancels). Returns (rewritten, biases dropped)."""
    rewritten = dropped = 0
    for conv in editor.nodes("ConvInteger"):
        match = _quantized_conv(editor, conv)
        if match is None:
            continue
        bias_add = match.int_bias_add or match.float_bias_add
        norm = editor.sole_consumer(match.output, "InstanceNormalization")
        drop = bias_add is not None and norm is not None and norm.input[0] == match.output
        source = conv.output[0] if drop or match.int_bias_add is None else match.cast.input[0]
        target = match.output if drop else match.mul.output[0]
        remove = [match.cast, match.mul] + ([bias_add] if drop and bias_add is not None else [])
        dequantize = editor.make_node(
            "DequantizeLinear", [source, match.scale], [target], conv.name + "/dequantize"
        )
        editor.replace(remove, [dequantize])
        rewritten += 1
        dropped += int(drop)
    editor.commit()
    return rewritten, dropped


def fold_channel_scales_into_convs(editor: GraphEditor) -> int:
    """``Conv(x * c, W)`` with a per-input-channel constant ``c`` -> ``Conv(x, W * c)``."""
    count = 0
    for mul in editor.nodes("Mul"):
        constant = next((name for name in mul.input if name in editor.initializers), None)
        x = other_input(mul, constant) if constant else None
        conv = editor.sole_consumer(mul.output[0], "Conv")
        if constant is None or x is None or conv is None or conv.input[0] != mul.output[0]:
            continue
        scale, weight = editor.array(constant), editor.array(conv.input[1])
        if scale is None or weight is None or attributes(conv).get("group", 1) != 1:
            continue
        if scale.ndim != weight.ndim or scale.shape[0] != 1 or scale.shape[1] != weight.shape[1]:
            continue
        if any(size != 1 for size in scale.shape[2:]):
            continue
        folded = (weight * scale.reshape(1, -1, *([1] * (weight.ndim - 2)))).astype(weight.dtype)
        inputs = [x, editor.add_initializer(conv.name + "/weight_scaled", folded), *conv.input[2:]]
        editor.replace(
            [mul, conv], [editor.make_node("Conv", inputs, list(conv.output), conv.name, **attributes(conv))]
        )
        count += 1
    editor.commit()
    return count


def drop_bias_before_instance_norms(editor: GraphEditor) -> int:
    """A float Conv's bias is a per-channel constant that the instance normalization after it
    removes again."""
    count = 0
    for conv in editor.nodes("Conv"):
        norm = editor.sole_consumer(conv.output[0], "InstanceNormalization")
        if len(conv.input) == 3 and norm is not None and norm.input[0] == conv.output[0]:
            plain = editor.make_node(
                "Conv", list(conv.input[:2]), list(conv.output), conv.name, **attributes(conv)
            )
            editor.replace([conv], [plain])
            count += 1
    editor.commit()
    return count


def convs_as_2d(editor: GraphEditor, scope: str = VOCODER_SCOPE) -> int:
    """1-D float convolutions -> height-1 2-D ones, which onnxruntime runs with its blocked NCHWc
    kernels (it converts only 2-D convolutions)."""
    axis = editor.add_initializer("readaloud/height_axis", np.array([2], dtype=np.int64))
    count = 0
    for conv in editor.nodes("Conv"):
        weight = editor.array(conv.input[1])
        attrs = attributes(conv)
        if scope not in conv.name or weight is None or weight.ndim != 3:
            continue
        if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            continue
        pads = attrs.get("pads", [0, 0])
        new_attrs = {
            "kernel_shape": [1, int(weight.shape[2])],
            "pads": [0, pads[0], 0, pads[1]],
            "strides": [1, attrs.get("strides", [1])[0]],
            "dilations": [1, attrs.get("dilations", [1])[0]],
            "group": attrs.get("group", 1),
        }
        weight_2d = editor.add_initializer(
            conv.name + "/weight_2d", np.ascontiguousarray(weight[:, :, None, :])
        )
        x_2d, y_2d = editor.unique_name(conv.name + "/x_2d"), editor.unique_name(conv.name + "/y_2d")
        editor.replace(
            [conv],
            [
                editor.make_node("Unsqueeze", [conv.input[0], axis], [x_2d], conv.name + "/unsqueeze"),
                editor.make_node(
                    "Conv", [x_2d, weight_2d, *conv.input[2:]], [y_2d], conv.name + "/2d", **new_attrs
                ),
                editor.make_node("Squeeze", [y_2d, axis], [conv.output[0]], conv.name + "/squeeze"),
            ],
        )
        count += 1
    editor.commit()
    return count


def durations_source(editor: GraphEditor) -> str | None:
    """The tensor holding Kokoro's per-token durations (frames), or None if the graph has none.

    Kokoro computes them as ``clip(round(sum(sigmoid(logits)) / speed), min=1)``; the tensor is the
    Clip's output, found by that shape rather than by node names.
    """
    speed_inputs = {name for name in editor.inputs if name == "speed"}
    for clip in editor.nodes("Clip"):
        round_node = editor.producer_of(clip.input[0], "Round")
        div = editor.producer_of(round_node.input[0], "Div") if round_node else None
        if div is not None and div.input[1] in speed_inputs:
            return str(clip.output[0])
    return None


def expose_durations(editor: GraphEditor) -> bool:
    """Add ``durations`` (int64 [1, tokens]: frames per token, pads included) as a second output.

    Only a Cast on a side branch is added; the audio's computation is untouched.
    """
    if DURATIONS_OUTPUT in editor.outputs:
        return True
    source = durations_source(editor)
    if source is None:
        return False
    cast = editor.make_node(
        "Cast", [source], [DURATIONS_OUTPUT], "readaloud/durations", to=onnx.TensorProto.INT64
    )
    editor.replace([], [cast])
    editor.graph.output.append(
        onnx.helper.make_tensor_value_info(DURATIONS_OUTPUT, onnx.TensorProto.INT64, [1, None])
    )
    editor.commit()
    return True
