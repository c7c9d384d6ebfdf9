"""Checksums, atomic writes and the small manifests that record what a cached file should hash to."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from readaloud.errors import AssetDownloadError
from readaloud.speech.assets.catalog import Expected
from readaloud.speech.assets.progress import Progress

log = logging.getLogger(__name__)

CHUNK = 1 << 20
MANIFEST_SUFFIX = ".manifest.json"
DAMAGED_SUFFIX = ".damaged"  # a cached file that failed its checksum, kept until a verified copy exists


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def iter_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every file system lets a directory be opened.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def temp_beside(dest: Path) -> Iterator[Path]:
    """A temporary path in ``dest``'s folder (same file system, so ``os.replace`` is atomic).

    The temporary file is removed when the block fails or leaves it behind.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    while True:
        temp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.part")
        try:
            # Not mkstemp: its 0600 mode would stick to the final file; 0666 minus umask is usual.
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield temp
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def commit(temp: Path, dest: Path) -> None:
    """fsync ``temp`` and move it over ``dest`` atomically."""
    with temp.open("rb+") as stream:
        os.fsync(stream.fileno())
    os.replace(temp, dest)
    _fsync_dir(dest.parent)


def write_verified(
    dest: Path,
    chunks: Iterable[bytes],
    expected: Expected | None,
    *,
    what: str,
    progress: Progress | None = None,
) -> str:
    """Write ``chunks`` to ``dest`` atomically; return the SHA-256.

    With ``expected`` the size and hash must match, or nothing is written and
    :class:`AssetDownloadError` names the file.
    """
    digest = hashlib.sha256()
    size = 0
    with temp_beside(dest) as temp:
        with temp.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if progress is not None:
                    progress.update(len(chunk))
        sha = digest.hexdigest()
        if expected is not None:
            check(what, sha, size, expected)
        commit(temp, dest)
    return sha


def check(what: str, sha: str, size: int, expected: Expected) -> None:
    """Raise :class:`AssetDownloadError` unless ``sha`` and ``size`` are the expected ones."""
    if size != expected.size:
        raise AssetDownloadError(
            f"{what} is {size:,} bytes, expected {expected.size:,} (truncated or wrong file); it was not kept"
        )
    if sha != expected.sha256:
        raise AssetDownloadError(
            f"{what} has sha256 {sha[:12]}…, expected {expected.sha256[:12]}… (corrupt or wrong file); "
            "it was not kept"
        )


@dataclass(frozen=True)
class Manifest:
    """What a cached file hashed to when it was written, and where it came from.

    Stored beside the file as ``NAME.manifest.json``; a matching size and mtime lets later runs
    trust the file without hashing it again.
    """

    sha256: str
    size: int
    mtime_ns: int
    source: str
    verified: bool  # True when the hash matched a checksum known in advance or published by the source

    @staticmethod
    def path_for(path: Path) -> Path:
        return path.with_name(path.name + MANIFEST_SUFFIX)

    @classmethod
    def record(cls, path: Path, sha256: str, *, source: str, verified: bool) -> Manifest:
        stat = path.stat()
        manifest = cls(sha256, stat.st_size, stat.st_mtime_ns, source, verified)
        target = cls.path_for(path)
        with temp_beside(target) as temp:
            temp.write_text(json.dumps(asdict(manifest), indent=1) + "\n")
            commit(temp, target)
        return manifest

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        try:
            data = json.loads(cls.path_for(path).read_text())
            return cls(
                str(data["sha256"]),
                int(data["size"]),
                int(data["mtime_ns"]),
                str(data["source"]),
                bool(data["verified"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def matches_stat(self, path: Path) -> bool:
        try:
            stat = path.stat()
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


def damaged_path(path: Path) -> Path:
    return path.with_name(path.name + DAMAGED_SUFFIX)


def drop_damaged(path: Path) -> None:
    """``path`` is verified now: remove the damaged copy that was set aside for it, if any."""
    damaged = damaged_path(path)
    if damaged.exists():
        log.info("a verified copy replaced %s; removing it", damaged)
        damaged.unlink(missing_ok=True)
