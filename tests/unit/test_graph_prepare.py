"""The prepared copy: written atomically beside the source, keyed by the source's checksum and the
recipe, re-made when stale or damaged, and loaded by the ONNX engine (on a tiny Kokoro-shaped model)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import onnx
import pytest

from readaloud.errors import GraphPreparationError
from readaloud.speech.assets.integrity import sha256_file
from readaloud.speech.engine import FRAME_SAMPLES
from readaloud.speech.graph import choose, prepare
from readaloud.speech.graph.choose import choose_graph
from readaloud.speech.graph.prepare import (
    PREPARED_SUFFIX,
    PreparedManifest,
    find_prepared,
    load_probe,
    prepared_path,
)
from tests.support.toy_kokoro import float_model, save_float_model, save_int8_model


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return save_int8_model(tmp_path / "kokoro-v1.0.int8.onnx")


@pytest.fixture
def prepared(source: Path) -> Path:
    return prepare.prepare(source, threads=1)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_prepared_copy_is_written_beside_the_source_with_its_manifest(source: Path, prepared: Path) -> None:
    assert prepared == source.with_name("kokoro-v1.0.int8" + PREPARED_SUFFIX)
    manifest = PreparedManifest.load(prepared)
    assert manifest is not None
    assert manifest.source_sha256 == sha256_file(source)
    assert manifest.sha256 == sha256_file(prepared)
    assert manifest.recipe == prepare.RECIPE
    assert manifest.changes["instance_norms"] == 4 and manifest.changes["durations"] == 1
    assert find_prepared(source) == prepared
    assert leftovers(source.parent) == []


def test_preparing_again_reuses_a_valid_copy(source: Path, prepared: Path) -> None:
    before = prepared.stat().st_mtime_ns
    messages: list[str] = []
    assert prepare.prepare(source, report=messages.append) == prepared
    assert prepared.stat().st_mtime_ns == before
    assert any("already prepared" in message for message in messages)


def test_a_changed_source_model_is_prepared_again(source: Path, prepared: Path) -> None:
    save_int8_model(source, seed=1)
    assert find_prepared(source) is None
    again = prepare.prepare(source, threads=1)
    manifest = PreparedManifest.load(again)
    assert manifest is not None and manifest.source_sha256 == sha256_file(source)
    assert find_prepared(source) == again


def test_a_truncated_copy_is_not_trusted(source: Path, prepared: Path) -> None:
    data = prepared.read_bytes()
    prepared.write_bytes(data[: len(data) // 2])
    assert find_prepared(source) is None


def test_a_same_size_copy_with_other_bytes_is_not_trusted(source: Path, prepared: Path) -> None:
    data = bytearray(prepared.read_bytes())
    data[len(data) // 2] ^= 0xFF
    prepared.write_bytes(bytes(data))  # same size, new mtime: the hash decides
    assert find_prepared(source) is None


def test_a_copy_touched_but_unchanged_is_still_used(source: Path, prepared: Path) -> None:
    os.utime(prepared, ns=(1, 1))
    assert find_prepared(source) == prepared


def test_a_copy_from_another_recipe_is_prepared_again(
    source: Path, prepared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prepare, "RECIPE", "next")
    assert find_prepared(source) is None


@pytest.mark.parametrize("manifest_text", [None, "", "{not json", json.dumps({"recipe": "1"})])
def test_a_missing_or_unreadable_manifest_means_no_copy(
    source: Path, prepared: Path, manifest_text: str | None
) -> None:
    path = PreparedManifest.path_for(prepared)
    if manifest_text is None:
        path.unlink()
    else:
        path.write_text(manifest_text)
    assert find_prepared(source) is None


def test_a_read_only_model_folder_prepares_into_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    source = save_float_model(folder / "model.onnx")
    cache = tmp_path / "cache"
    real_access = os.access
    # chmod would not stop root, who runs these tests in CI; the decision is what is under test.
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != folder and real_access(path, mode))
    target = prepare.prepare(source, cache_dir=cache, threads=1)
    assert target == cache / "prepared" / ("model" + PREPARED_SUFFIX)
    assert find_prepared(source, cache_dir=cache) == target
    assert not (folder / ("model" + PREPARED_SUFFIX)).exists()


def test_a_copy_that_fails_its_check_is_never_written(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def sounds_wrong(prepared: Path, source: Path, *, threads: int = 0) -> float:
        raise GraphPreparationError("the prepared model sounds different from the original")

    monkeypatch.setattr(prepare, "check_against_source", sounds_wrong)
    with pytest.raises(GraphPreparationError):
        prepare.prepare(source)
    assert not prepared_path(source).exists()
    assert not PreparedManifest.path_for(prepared_path(source)).exists()
    assert leftovers(source.parent) == []


def test_the_check_rejects_a_copy_that_says_something_else(source: Path, tmp_path: Path) -> None:
    # A "prepared" model with the same durations but a scrambled vocoder.
    model = onnx.load(str(source))
    for init in model.graph.initializer:
        if "convs1" in init.name and init.data_type == onnx.TensorProto.UINT8 and len(init.dims) == 3:
            weights = onnx.numpy_helper.to_array(init)
            init.CopyFrom(onnx.numpy_helper.from_array(np.ascontiguousarray(weights[::-1]), init.name))
    from readaloud.speech.graph.editor import GraphEditor
    from readaloud.speech.graph.rewrites import expose_durations

    expose_durations(GraphEditor(model))
    other = tmp_path / "other.onnx"
    onnx.save(model, str(other))
    with pytest.raises(GraphPreparationError, match="sounds different"):
        prepare.check_against_source(other, source, threads=1)


def test_a_model_without_durations_cannot_be_prepared(tmp_path: Path) -> None:
    model = float_model()
    clip = next(node for node in model.graph.node if node.op_type == "Clip")
    clip.op_type = "Relu"
    del clip.input[1:]
    source = tmp_path / "odd.onnx"
    onnx.save(model, str(source))
    with pytest.raises(GraphPreparationError, match="duration"):
        prepare.prepare(source)
    assert not prepared_path(source).exists()


def test_choose_graph_prepares_a_missing_copy_in_a_child_process(source: Path) -> None:
    choice = choose_graph(source, threads=1)
    assert choice.prepared and choice.path == prepared_path(source)
    assert find_prepared(source) == choice.path


def test_choose_graph_falls_back_to_the_source_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = float_model()
    clip = next(node for node in model.graph.node if node.op_type == "Clip")
    clip.op_type = "Relu"
    del clip.input[1:]
    source = tmp_path / "odd.onnx"
    onnx.save(model, str(source))
    with caplog.at_level(logging.WARNING):
        choice = choose_graph(source, threads=1)
    assert not choice.prepared and choice.path == source
    assert "duration" in choice.note
    assert any("using the model as downloaded" in record.getMessage() for record in caplog.records)


def test_choose_graph_without_preparing(source: Path) -> None:
    choice = choose_graph(source, prepare_missing=False)
    assert not choice.prepared and choice.path == source
    assert not prepared_path(source).exists()


def test_choose_graph_reports_a_hung_preparation(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(choose, "PREPARE_TIMEOUT_S", 0.01)
    choice = choose_graph(source, threads=1)
    assert not choice.prepared and "longer than" in choice.note


def test_engine_runs_the_prepared_graph_and_times_its_audio(source: Path) -> None:
    from readaloud.speech.onnx_engine import OnnxEngine

    engine = OnnxEngine(source, threads=1)
    assert engine.graph == "prepared" and engine.has_durations
    probe = load_probe()
    audio = engine.synthesize(probe.tokens, probe.style, 1.0)
    timed = engine.synthesize_timed(probe.tokens, probe.style, 1.0)
    np.testing.assert_array_equal(timed.audio, audio)
    assert len(timed.frames) == len(probe.tokens) + 2
    assert int(timed.frames.sum()) * FRAME_SAMPLES == len(audio)


def test_engine_without_optimization_still_times_its_audio(source: Path) -> None:
    from readaloud.speech.onnx_engine import OnnxEngine

    engine = OnnxEngine(source, threads=1, optimize=False)
    assert engine.graph == "stock" and engine.has_durations
    assert not prepared_path(source).exists()
    probe = load_probe()
    timed = engine.synthesize_timed(probe.tokens, probe.style, 1.0)
    np.testing.assert_array_equal(timed.audio, engine.synthesize(probe.tokens, probe.style, 1.0))
