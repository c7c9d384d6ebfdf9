"""``engine = "auto"``: torch only where it can run (CUDA, torch weights, the kokoro package), else onnx."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from readaloud.speech import onnx_engine, synthesizer, torch_engine

WEIGHTS = Path("/assets/kokoro-v1_0.pth")
ONNX_MODEL = Path("/assets/kokoro-v1.0.int8.onnx")


class Store:
    def __init__(self, weights: Path | None) -> None:
        self.weights = weights

    def torch_weights(self, fetch: bool = True) -> Path | None:
        assert not fetch, "auto must not download torch weights"
        return self.weights

    def onnx_model(self) -> Path:
        return ONNX_MODEL


class FakeEngine:
    def __init__(self, name: str, model: Path, **options: Any) -> None:
        self.name, self.model, self.options = name, model, options


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """A machine with CUDA whose kokoro package a test may take away; engines are fakes."""
    facts = {"kokoro": True}
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        if name == "kokoro":
            return object() if facts["kokoro"] else None
        return real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(synthesizer, "_cuda_available", lambda: True)
    monkeypatch.setattr(onnx_engine, "OnnxEngine", lambda model, **kw: FakeEngine("onnx", model, **kw))
    monkeypatch.setattr(torch_engine, "TorchEngine", lambda model, **kw: FakeEngine("torch", model, **kw))
    return facts


def test_auto_uses_torch_on_cuda_with_weights_and_kokoro(machine: dict[str, bool]) -> None:
    engine: Any = synthesizer.create_engine("auto", Store(WEIGHTS))  # type: ignore[arg-type]
    assert (engine.name, engine.model, engine.options) == ("torch", WEIGHTS, {"device": "cuda"})


def test_auto_without_kokoro_falls_back_to_onnx_instead_of_failing(machine: dict[str, bool]) -> None:
    # Python 3.13+: readaloud[torch] installs a CUDA torch but not kokoro, which needs Python < 3.13.
    machine["kokoro"] = False
    engine: Any = synthesizer.create_engine("auto", Store(WEIGHTS), threads=2)  # type: ignore[arg-type]
    assert (engine.name, engine.model, engine.options) == ("onnx", ONNX_MODEL, {"threads": 2})


def test_auto_without_torch_weights_uses_onnx(machine: dict[str, bool]) -> None:
    engine: Any = synthesizer.create_engine("auto", Store(None))  # type: ignore[arg-type]
    assert engine.name == "onnx"
