"""Fetching single files from the official Hugging Face repositories with ``huggingface_hub``."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readaloud.errors import AssetDownloadError, HubUnavailable
from readaloud.speech.assets.catalog import Expected
from readaloud.speech.assets.integrity import check, commit, sha256_file
from readaloud.speech.assets.meter import DownloadObserver, metered
from readaloud.speech.assets.progress import Reporter

log = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class HubFile:
    """A file fetched from the hub: its hash, and whether the hub published the same hash."""

    path: Path
    sha256: str
    source: str
    verified: bool


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def fetch(
    repo: str,
    filename: str,
    dest: Path,
    *,
    revision: str,
    endpoint: str | None,
    probe_timeout: float,
    reporter: Reporter,
    expected: Expected | None = None,
    observer: DownloadObserver | None = None,
) -> HubFile:
    """Download ``repo``/``filename`` to ``dest`` atomically, verified against the hub's checksum.

    Raises :class:`HubUnavailable` when the hub cannot be reached within ``probe_timeout``.
    """
    if hub_offline():
        raise HubUnavailable("HF_HUB_OFFLINE is set")
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url

    endpoint = endpoint or os.environ.get("HF_ENDPOINT") or None
    url = hf_hub_url(repo, filename, revision=revision, endpoint=endpoint)
    try:
        metadata = get_hf_file_metadata(url, timeout=probe_timeout, endpoint=endpoint)
    except Exception as error:
        raise _classify(error, f"{repo}/{filename}") from None
    published = (metadata.etag or "").strip('"')
    commit_hash = metadata.commit_hash or revision
    what = f"{repo}/{filename}"
    label = f"downloading {what} from Hugging Face"
    if not reporter.tty:
        reporter.progress(label, metadata.size)  # one plain line; the hub draws bars on terminals
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".hf-") as temp, metered(
        Path(temp), observer, what=filename.rsplit("/", 1)[-1], source=f"Hugging Face ({repo})",
        total=metadata.size,
    ):
        try:
            local = Path(
                str(
                    hf_hub_download(
                        repo,
                        filename,
                        revision=commit_hash,
                        local_dir=temp,
                        endpoint=endpoint,
                        etag_timeout=probe_timeout,
                        tqdm_class=None if reporter.tty and reporter.enabled else _silent_tqdm(),
                    )
                )
            )
        except Exception as error:
            raise _classify(error, what) from None
        sha = sha256_file(local)
        size = local.stat().st_size
        verified = False
        if metadata.size is not None and size != metadata.size:
            raise AssetDownloadError(
                f"{what} is {size:,} bytes, the hub says {metadata.size:,}; it was not kept"
            )
        if _SHA256.fullmatch(published):
            check(what, sha, size, Expected(published, size))
            verified = True
        if expected is not None:
            check(what, sha, size, expected)
            verified = True
        commit(local, dest)
    return HubFile(dest, sha, f"hf:{repo}@{commit_hash[:12]}", verified)


def _classify(error: Exception, what: str) -> AssetDownloadError:
    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(error, HfHubHTTPError):
        status = getattr(getattr(error, "response", None), "status_code", "?")
        return AssetDownloadError(f"Hugging Face refused {what} (HTTP {status})")
    log.debug("hub unreachable for %s: %r", what, error)
    return HubUnavailable(f"Hugging Face is unreachable ({type(error).__name__}: {error})")


def _silent_tqdm() -> Any:
    from tqdm.auto import tqdm

    class Silent(tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

    return Silent
