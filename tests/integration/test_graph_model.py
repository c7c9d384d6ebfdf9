"""The prepared graph on the real Kokoro-82M int8 model: same words, same timing, durations that
match the audio, and memory that goes back after a long chunk.

Why not a waveform SNR against the stock model: the int8 export rounds every activation to 8 bits
on the fly, so any change in the last bit of a float (these rewrites, or scaling the style vector
by 1 + 1e-6) moves rounding decisions and shifts the waveform by 15-20 dB. The audio checks are
therefore what a listener would notice: Whisper's transcript, and spectra no further from the stock
model's than the stock model's own one-in-a-million perturbation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from readaloud.speech.engine import FRAME_SAMPLES
from readaloud.speech.g2p import G2PRegistry
from readaloud.speech.graph.editor import GraphEditor
from readaloud.speech.graph.prepare import prepare, spectral_snr_db
from readaloud.speech.graph.rewrites import expose_durations
from readaloud.speech.graph.runtime import DURATIONS_OUTPUT, KokoroIO, session_options
from readaloud.speech.phonemes import token_ids
from readaloud.speech.voices import style_for
from tests.speech_check import transcribe, word_error_rate

pytestmark = pytest.mark.model

SENTENCES = [
    "Please remember to water the plants while I am away this weekend.",
    "The train to the coast leaves from platform seven every morning.",
    "She opened the window and listened to the rain falling on the garden.",
    "Our team finished the project two days before the deadline.",
]
VOICE = "af_heart"


class Runner:
    """One model in onnxruntime with readaloud's session settings."""

    def __init__(self, model: Path | bytes) -> None:
        self.session = ort.InferenceSession(
            model if isinstance(model, bytes) else str(model), session_options(2)
        )
        self.io = KokoroIO.of(self.session, Path("model.onnx"))

    def audio(self, tokens: list[int], style: np.ndarray, speed: float = 1.0) -> np.ndarray:
        (audio,) = self.session.run([self.io.audio], self.io.feed(tokens, style, speed))
        return np.asarray(audio).reshape(-1)

    def timed(
        self, tokens: list[int], style: np.ndarray, speed: float = 1.0
    ) -> tuple[np.ndarray, np.ndarray]:
        audio, frames = self.session.run(
            [self.io.audio, DURATIONS_OUTPUT], self.io.feed(tokens, style, speed)
        )
        return np.asarray(audio).reshape(-1), np.asarray(frames).reshape(-1)


@pytest.fixture(scope="module")
def source(asset_store: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A link in a fresh folder: the test prepares its own copy and leaves the cache alone.
    link = tmp_path_factory.mktemp("graph") / "kokoro-v1.0.int8.onnx"
    link.symlink_to(asset_store.onnx_model())
    return link


@pytest.fixture(scope="module")
def prepared(source: Path) -> Path:
    return prepare(source)


@pytest.fixture(scope="module")
def stock(source: Path) -> Runner:
    return Runner(source)


@pytest.fixture(scope="module")
def stock_with_durations(source: Path) -> Runner:
    model = onnx.load(str(source))
    assert expose_durations(GraphEditor(model))
    return Runner(model.SerializeToString())


@pytest.fixture(scope="module")
def fast(prepared: Path) -> Runner:
    return Runner(prepared)


@pytest.fixture(scope="module")
def inputs(voice_store: Any) -> list[tuple[list[int], np.ndarray]]:
    g2p = G2PRegistry().for_voice(VOICE)
    pack = voice_store.get(VOICE)
    result = []
    for sentence in SENTENCES:
        tokens = token_ids(g2p.phonemize(sentence))
        result.append((tokens, style_for(pack, len(tokens))))
    return result


def test_prepared_graph_is_heard_saying_the_same_words(stock: Runner, fast: Runner, inputs: list) -> None:
    gap = np.zeros(6_000, dtype=np.float32)
    stock_audio = np.concatenate(
        [part for tokens, style in inputs for part in (stock.audio(tokens, style), gap)]
    )
    fast_audio = np.concatenate(
        [part for tokens, style in inputs for part in (fast.audio(tokens, style), gap)]
    )
    text = " ".join(SENTENCES)
    stock_wer, fast_wer = (
        word_error_rate(text, transcribe(stock_audio)),
        word_error_rate(text, transcribe(fast_audio)),
    )
    print(f"Whisper WER: stock {stock_wer:.3f}, prepared {fast_wer:.3f}")
    assert fast_wer <= stock_wer


def test_prepared_graph_differs_from_stock_no_more_than_stock_differs_from_itself(
    stock: Runner, fast: Runner, inputs: list
) -> None:
    ours, noise_floor = [], []
    for tokens, style in inputs:
        reference = stock.audio(tokens, style)
        ours.append(spectral_snr_db(reference, fast.audio(tokens, style)))
        noise_floor.append(spectral_snr_db(reference, stock.audio(tokens, style * np.float32(1 + 1e-6))))
    print(f"spectral SNR vs stock: prepared {np.round(ours, 1)}, stock perturbed {np.round(noise_floor, 1)}")
    assert min(ours) >= 15.0
    assert np.mean(ours) >= np.mean(noise_floor) - 1.0


def test_durations_output_leaves_the_audio_sample_exact(prepared: Path, fast: Runner, inputs: list) -> None:
    model = onnx.load(str(prepared))
    graph = model.graph
    kept = [output for output in graph.output if output.name != DURATIONS_OUTPUT]
    graph.ClearField("output")
    graph.output.extend(kept)
    editor = GraphEditor(model)
    editor.commit()  # drops the Cast that fed the removed output
    without = Runner(model.SerializeToString())
    for tokens, style in inputs:
        for speed in (0.8, 1.0, 1.25):
            audio, _ = fast.timed(tokens, style, speed)
            np.testing.assert_array_equal(audio, without.audio(tokens, style, speed))


def test_stock_model_with_durations_output_is_sample_exact_too(
    stock: Runner, stock_with_durations: Runner, inputs: list
) -> None:
    for tokens, style in inputs[:2]:
        audio, _ = stock_with_durations.timed(tokens, style)
        np.testing.assert_array_equal(audio, stock.audio(tokens, style))


@pytest.mark.parametrize("speed", [0.7, 1.0, 1.4])
def test_durations_add_up_to_the_audio_and_match_the_stock_model(
    stock_with_durations: Runner, fast: Runner, inputs: list, speed: float
) -> None:
    for tokens, style in inputs:
        audio, frames = fast.timed(tokens, style, speed)
        assert len(frames) == len(tokens) + 2  # the pad token at each end
        assert frames.min() >= 1
        assert int(frames.sum()) * FRAME_SAMPLES == len(audio)
        # The rewrites are all downstream of the duration predictor: timing is exactly the stock model's.
        _, stock_frames = stock_with_durations.timed(tokens, style, speed)
        np.testing.assert_array_equal(frames, stock_frames)


def test_durations_scale_with_speed(fast: Runner, inputs: list) -> None:
    tokens, style = inputs[0]
    slow, normal, quick = (int(fast.timed(tokens, style, speed)[1].sum()) for speed in (0.5, 1.0, 2.0))
    assert 1.8 < slow / normal < 2.2
    assert 0.4 < quick / normal < 0.6


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_engine_gives_memory_back_after_a_long_chunk(prepared: Path, inputs: list, source: Path) -> None:
    from readaloud.speech.onnx_engine import OnnxEngine

    engine = OnnxEngine(source)
    assert engine.graph == "prepared"
    tokens, style = inputs[0]
    engine.synthesize(tokens, style, 1.0)
    settled = _rss_mb()
    long = (tokens * 8)[:480]
    timed = engine.synthesize_timed(long, style, 1.0)
    assert len(timed.audio) == FRAME_SAMPLES * int(timed.frames.sum())
    # The arena grows by about 600 MB for 480 tokens; it must not keep that while idle.
    assert _rss_mb() - settled < 120
