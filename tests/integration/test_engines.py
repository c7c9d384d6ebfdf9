"""The Engine contract, run against every engine: ONNX on the real model, torch on a random KModel.

There are no real PyTorch weights reachable from CI, so the torch engine is checked with a
randomly initialised ``KModel`` of Kokoro-82M's exact architecture (its audio is noise, but shapes,
lengths, speed handling and limits must behave like the real thing).
"""

from __future__ import annotations

import numpy as np
import pytest

from readaloud.speech.engine import FRAME_SAMPLES, MAX_PHONEME_TOKENS, SAMPLE_RATE, Engine, TimedEngine
from readaloud.speech.phonemes import token_ids
from readaloud.speech.voices import style_for

SHORT = token_ids("hˈɛlO wˈɜɹld.")
LONG = token_ids("ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˈOvəɹ ðə lˈAzi dˈɔɡ, ænd ðˈɛn ɪt ɹˈʌnz fˈɑɹ əwˈA.")


@pytest.fixture(scope="module")
def random_torch_engine(tmp_path_factory):
    from readaloud.speech.torch_engine import TorchEngine
    from tests.support.random_kmodel import save_random_weights

    weights = save_random_weights(tmp_path_factory.mktemp("kmodel") / "random.pth")
    return TorchEngine(weights, device="cpu")


@pytest.fixture(scope="module")
def style():
    rng = np.random.default_rng(7)
    return (rng.standard_normal((510, 256)) * 0.15).astype(np.float32)


@pytest.fixture(params=["onnx", "torch"])
def engine(request) -> Engine:
    if request.param == "onnx":
        return request.getfixturevalue("onnx_engine")
    return request.getfixturevalue("random_torch_engine")


@pytest.fixture
def real_style(engine, style, voice_store):
    return voice_store.get("af_heart") if engine.name == "onnx" else style


def test_engine_reports_kokoro_sample_rate(engine):
    assert isinstance(engine, Engine)
    assert engine.sample_rate == SAMPLE_RATE
    assert engine.device in ("cpu", "cuda")


def test_audio_is_mono_float32_and_not_silent(engine, real_style):
    audio = engine.synthesize(SHORT, style_for(real_style, len(SHORT)), 1.0)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 0.3 < len(audio) / SAMPLE_RATE < 5.0
    assert np.isfinite(audio).all()
    assert float(np.sqrt(np.mean(audio**2))) > 1e-3


def test_longer_text_gives_longer_audio(engine, real_style):
    short = engine.synthesize(SHORT, style_for(real_style, len(SHORT)), 1.0)
    long = engine.synthesize(LONG, style_for(real_style, len(LONG)), 1.0)
    assert len(long) > 2 * len(short)


def test_faster_speed_gives_shorter_audio(engine, real_style):
    style = style_for(real_style, len(LONG))
    normal = len(engine.synthesize(LONG, style, 1.0))
    fast = len(engine.synthesize(LONG, style, 2.0))
    slow = len(engine.synthesize(LONG, style, 0.5))
    assert 0.35 < fast / normal < 0.7
    assert 1.5 < slow / normal < 2.6


def test_empty_input_gives_empty_audio(engine, real_style):
    assert len(engine.synthesize((), style_for(real_style, 1), 1.0)) == 0


def test_over_limit_input_is_refused(engine, real_style):
    too_long = SHORT * (MAX_PHONEME_TOKENS // len(SHORT) + 1)
    with pytest.raises(ValueError, match="limit"):
        engine.synthesize(too_long, style_for(real_style, 510), 1.0)


def test_full_context_is_accepted(engine, real_style):
    full = (SHORT * (MAX_PHONEME_TOKENS // len(SHORT) + 1))[:MAX_PHONEME_TOKENS]
    audio = engine.synthesize(full, style_for(real_style, len(full)), 1.0)
    assert len(audio) / SAMPLE_RATE > 10


@pytest.mark.parametrize("speed", [1.0, 1.6])
def test_timed_synthesis_gives_frames_per_token_that_add_up_to_the_audio(engine, real_style, speed):
    assert isinstance(engine, TimedEngine) and engine.has_durations
    style = style_for(real_style, len(LONG))
    timed = engine.synthesize_timed(LONG, style, speed)
    assert len(timed.frames) == len(LONG) + 2  # the pads around the phonemes
    assert (timed.frames >= 1).all()
    assert len(timed.audio) == FRAME_SAMPLES * int(timed.frames.sum())
    plain = engine.synthesize(LONG, style, speed)
    if engine.name == "onnx":
        np.testing.assert_array_equal(timed.audio, plain)
    else:  # the random KModel's vocoder draws noise: only the lengths repeat
        assert len(timed.audio) == len(plain)


def test_torch_engine_on_cuda_matches_cpu_and_is_chosen_by_auto(tmp_path):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs an NVIDIA GPU with CUDA; this machine has none")
    from readaloud.speech.synthesizer import create_engine
    from readaloud.speech.torch_engine import TorchEngine
    from tests.support.random_kmodel import save_random_weights

    weights = save_random_weights(tmp_path / "random.pth")
    style = np.random.default_rng(3).standard_normal((1, 256)).astype(np.float32) * 0.15
    on_gpu = TorchEngine(weights, device="cuda").synthesize(LONG, style, 1.0)
    on_cpu = TorchEngine(weights, device="cpu").synthesize(LONG, style, 1.0)
    assert abs(len(on_gpu) - len(on_cpu)) <= 0.02 * len(on_cpu)

    class LocalWeights:
        def torch_weights(self, fetch: bool = True):
            return weights

        def onnx_model(self):
            raise AssertionError("auto must not pick onnx on a CUDA machine with torch weights")

    engine = create_engine("auto", LocalWeights())  # type: ignore[arg-type]
    assert (engine.name, engine.device) == ("torch", "cuda")


def test_onnx_synthesis_in_flight_can_be_cancelled(onnx_engine, voice_store):
    """Stop and skip must not wait for a long chunk to finish synthesizing."""
    import threading
    import time

    full = (LONG * (MAX_PHONEME_TOKENS // len(LONG) + 1))[:MAX_PHONEME_TOKENS]
    style = style_for(voice_store.get("af_heart"), len(full))
    outcome: dict[str, object] = {}

    def synthesize() -> None:
        try:
            outcome["audio"] = onnx_engine.synthesize(full, style, 1.0)
        except Exception as error:  # onnxruntime reports the termination as its own error type
            outcome["error"] = error

    worker = threading.Thread(target=synthesize)
    worker.start()
    time.sleep(0.3)
    onnx_engine.cancel()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert "error" in outcome and "audio" not in outcome
    assert len(onnx_engine.synthesize(SHORT, style_for(voice_store.get("af_heart"), len(SHORT)), 1.0)) > 0
