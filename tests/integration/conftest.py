"""Integration fixtures: the real Kokoro-82M model (in the XDG cache, from `readaloud setup`), an Xvfb."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from readaloud.speech.voices import VoiceStore
from tests.support.xvfb import start_xvfb


@pytest.fixture(scope="session")
def asset_store():
    from readaloud.speech.assets import AssetStore

    return AssetStore()


@pytest.fixture(scope="session")
def onnx_engine(asset_store):
    from readaloud.speech.onnx_engine import OnnxEngine

    return OnnxEngine(asset_store.onnx_model())


@pytest.fixture(scope="session")
def voice_store(asset_store):
    return VoiceStore(asset_store.voice)


@pytest.fixture(scope="session")
def synthesizer(onnx_engine, voice_store):
    from readaloud.speech.synthesizer import KokoroSynthesizer

    return KokoroSynthesizer(onnx_engine, voice_store)


@pytest.fixture(scope="module")
def xserver() -> Iterator[str]:
    """A private Xvfb; returns its DISPLAY (":N", N picked by Xvfb itself)."""
    proc, display = start_xvfb()
    yield display
    proc.terminate()
    proc.wait(10)
