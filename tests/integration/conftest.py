"""Fixtures for tests on the real Kokoro-82M model (fetched into the XDG cache by `readaloud setup`)."""

from __future__ import annotations

import pytest

from readaloud.speech.voices import VoiceStore


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
