"""What ``readaloud doctor`` looks at, gathered from the real system.

Each fact comes from one method of :class:`SystemProbe`; tests build the probe with another
environment (PATH, bus address) or hand in their own audio query, so the checks in
``readaloud.doctor.checks`` run unchanged against simulated machines.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from readaloud.config import Config, load_config
from readaloud.dbus.names import BUS_NAME, INTERFACE, OBJECT_PATH, SNI_WATCHER_NAME, SNI_WATCHER_PATH
from readaloud.errors import ConfigError

log = logging.getLogger(__name__)

NOTIFICATIONS_NAME = "org.freedesktop.Notifications"
PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SHORTCUTS_INTERFACE = "org.freedesktop.portal.GlobalShortcuts"
BUS_TIMEOUT = 3.0
PORTAL_TIMEOUT = 10.0


@dataclass(frozen=True)
class BusFacts:
    """The session bus as doctor sees it; ``error`` is set when it cannot be reached."""

    address: str
    error: str | None = None
    owned: frozenset[str] = frozenset()
    activatable: frozenset[str] = frozenset()
    shortcuts_portal_version: int | None = None
    daemon_state: str | None = None
    daemon_pid: int | None = None
    # The watcher's RegisteredStatusNotifierItems; None when there is no watcher or it did not say.
    tray_items: tuple[str, ...] | None = None
    daemon_audio: str | None = None  # the running daemon's Audio property: ok, lost or none

    @property
    def reachable(self) -> bool:
        return self.error is None

    def available(self, name: str) -> bool:
        """Owned now, or startable by D-Bus activation."""
        return name in self.owned or name in self.activatable


@dataclass(frozen=True)
class AudioFacts:
    """Output devices PortAudio sees; ``error`` is set when PortAudio itself is unusable."""

    outputs: tuple[str, ...] = ()
    default: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class TorchFacts:
    version: str
    cuda: bool
    device: str = ""


@dataclass(frozen=True)
class ServiceFacts:
    """The systemd user manager and readaloud's unit in it."""

    manager_running: bool
    enabled: str = ""  # `systemctl --user is-enabled`: enabled, disabled, not-found, ...
    active: str = ""  # `systemctl --user is-active`: active, inactive, failed, ...
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OverlayFacts:
    """Whether the reading bar's process could open a window here: Qt's platform, or its complaint."""

    platform: str = ""  # "xcb", "wayland", ... when it could
    error: str = ""


def query_overlay(environ: Mapping[str, str], timeout: float = 30.0) -> OverlayFacts:
    """Run ``python -m readaloud.desktop.overlay --probe`` (a Qt application that exits at once)."""
    try:
        result = subprocess.run([sys.executable, "-m", "readaloud.desktop.overlay", "--probe"],
                                env=dict(environ), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return OverlayFacts(error=f"no answer within {timeout:.0f} s")
    if result.returncode == 0 and result.stdout.strip():
        return OverlayFacts(platform=result.stdout.strip().splitlines()[-1])
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    # Qt's first "qt.qpa.*:" line says what is wrong (a missing library, no display); its last
    # line only says that it failed.
    qpa = [line.split(":", 1)[1].strip() for line in lines if line.startswith("qt.qpa.") and ":" in line]
    reason = qpa[0] if qpa else (lines[-1] if lines else f"exit status {result.returncode}")
    return OverlayFacts(error=reason[:300])


def bus_address(environ: Mapping[str, str]) -> str | None:
    """The session bus address, with sd-bus's fallback to ``$XDG_RUNTIME_DIR/bus``."""
    address = environ.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime, "bus").exists():
        return f"unix:path={Path(runtime, 'bus')}"
    return None


async def _gather_bus(address: str, names: Sequence[str], ask_portal: bool, timeout: float) -> BusFacts:
    from dbus_fast import Message, MessageType
    from dbus_fast.aio import MessageBus

    try:
        bus = await asyncio.wait_for(MessageBus(bus_address=address).connect(), timeout)
    except Exception as error:  # any failure to connect is the answer, whatever its type
        return BusFacts(address, error=str(error) or type(error).__name__)

    async def call(destination: str, path: str, interface: str, member: str, signature: str = "",
                   body: Sequence[Any] = (), wait: float = timeout) -> list[Any] | None:  # fmt: skip
        message = Message(destination=destination, path=path, interface=interface, member=member,
                          signature=signature, body=list(body))  # fmt: skip
        try:
            reply = await asyncio.wait_for(bus.call(message), wait)
        except (asyncio.TimeoutError, OSError) as error:
            log.debug("%s.%s on %s: %s", interface, member, destination, error)
            return None
        if reply is None or reply.message_type == MessageType.ERROR:
            log.debug("%s.%s on %s: %s", interface, member, destination, reply and reply.error_name)
            return None
        return list(reply.body)

    dbus = ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus")
    try:
        owned = set()
        for name in names:
            answer = await call(*dbus, "NameHasOwner", "s", [name])
            if answer and answer[0]:
                owned.add(name)
        listed = await call(*dbus, "ListActivatableNames")
        activatable = frozenset(listed[0]) if listed else frozenset()
        version = None
        if ask_portal and (PORTAL_NAME in owned or PORTAL_NAME in activatable):
            # Asking may start xdg-desktop-portal, which can take seconds on a cold session.
            answer = await call(
                PORTAL_NAME, PORTAL_PATH, "org.freedesktop.DBus.Properties", "Get", "ss",
                [SHORTCUTS_INTERFACE, "version"], wait=max(timeout, PORTAL_TIMEOUT),
            )  # fmt: skip
            version = int(answer[0].value) if answer else None
        state = pid = audio = None
        if BUS_NAME in owned:
            answer = await call(BUS_NAME, OBJECT_PATH, "org.freedesktop.DBus.Properties", "Get", "ss",
                                [INTERFACE, "State"])  # fmt: skip
            state = str(answer[0].value) if answer else None
            answer = await call(*dbus, "GetConnectionUnixProcessID", "s", [BUS_NAME])
            pid = int(answer[0]) if answer else None
            answer = await call(BUS_NAME, OBJECT_PATH, "org.freedesktop.DBus.Properties", "Get", "ss",
                                [INTERFACE, "Audio"])  # fmt: skip
            audio = str(answer[0].value) if answer else None
        items = None
        if SNI_WATCHER_NAME in owned:
            answer = await call(SNI_WATCHER_NAME, SNI_WATCHER_PATH, "org.freedesktop.DBus.Properties", "Get",
                                "ss", [SNI_WATCHER_NAME, "RegisteredStatusNotifierItems"])  # fmt: skip
            items = tuple(str(item) for item in answer[0].value) if answer else None
        return BusFacts(address, None, frozenset(owned), activatable, version, state, pid, items, audio)
    finally:
        bus.disconnect()


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    # PortAudio's ALSA probing prints pages of "ALSA lib ..." straight to fd 2; doctor's output
    # should stay one line per check.
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def query_audio() -> AudioFacts:
    """Ask PortAudio (through sounddevice, imported here so other commands never load it)."""
    try:
        with _stderr_silenced():
            import sounddevice

            devices = list(sounddevice.query_devices())
            default_index = sounddevice.default.device[1]
    except (OSError, ImportError) as error:
        return AudioFacts(error=str(error))
    except Exception as error:  # sounddevice.PortAudioError and friends
        return AudioFacts(error=f"{type(error).__name__}: {error}")
    outputs = tuple(str(d["name"]) for d in devices if int(d.get("max_output_channels", 0)) > 0)
    default = None
    if isinstance(default_index, int) and 0 <= default_index < len(devices):
        default = str(devices[default_index]["name"])
    return AudioFacts(outputs=outputs, default=default)


def query_torch() -> TorchFacts | None:
    """torch's version and whether CUDA works; None when torch is not installed (import is slow)."""
    if importlib.util.find_spec("torch") is None:
        return None
    try:
        import torch
    except Exception as error:  # a broken torch install is reported, not raised
        log.debug("import torch failed: %s", error)
        return None
    cuda = bool(torch.cuda.is_available())
    device = torch.cuda.get_device_name(0) if cuda else ""
    return TorchFacts(str(torch.__version__), cuda, device)


def query_onnx_providers() -> list[str] | None:
    if importlib.util.find_spec("onnxruntime") is None:
        return None
    try:
        import onnxruntime
    except Exception as error:
        log.debug("import onnxruntime failed: %s", error)
        return None
    return list(onnxruntime.get_available_providers())


def read_os_release(path: Path) -> dict[str, str]:
    import shlex

    found: dict[str, str] = {}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            try:
                found[key.strip()] = " ".join(shlex.split(value))
            except ValueError:
                continue
    return found


class SystemProbe:
    """Facts about this machine; every method is cached so each check asks only once."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        *,
        config_path: Path | None = None,
        audio: Callable[[], AudioFacts] = query_audio,
        torch: Callable[[], TorchFacts | None] = query_torch,
        onnx_providers: Callable[[], list[str] | None] = query_onnx_providers,
        bus_timeout: float = BUS_TIMEOUT,
    ) -> None:
        self.environ: Mapping[str, str] = dict(os.environ if environ is None else environ)
        self.python = (sys.version_info[0], sys.version_info[1])
        self.config_path = config_path
        self._audio = audio
        self._torch = torch
        self._onnx_providers = onnx_providers
        self._bus_timeout = bus_timeout

    def which(self, tool: str) -> str | None:
        return shutil.which(tool, path=self.environ.get("PATH", os.defpath))

    def module_available(self, name: str) -> bool:
        try:
            return importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            return False

    def module_version(self, distribution: str) -> str | None:
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    def library_available(self, name: str) -> bool:
        """Whether the dynamic linker finds ``lib<name>`` (e.g. ``portaudio``)."""
        import ctypes.util

        return ctypes.util.find_library(name) is not None

    def os_release(self) -> Mapping[str, str]:
        """``/etc/os-release`` as a mapping (``ID``, ``ID_LIKE``…); empty when unreadable."""
        return read_os_release(Path("/etc/os-release"))

    @cached_property
    def _config(self) -> Config | ConfigError:
        try:
            return load_config(self.config_path)
        except ConfigError as error:
            return error

    def config(self) -> Config:
        """The user's config, raising its ConfigError when it is invalid."""
        if isinstance(self._config, ConfigError):
            raise self._config
        return self._config

    def config_file(self) -> Path:
        from readaloud import paths

        return self.config_path or paths.config_file()

    @cached_property
    def _bus(self) -> BusFacts:
        address = bus_address(self.environ)
        if address is None:
            return BusFacts(
                "", error="DBUS_SESSION_BUS_ADDRESS is not set and there is no $XDG_RUNTIME_DIR/bus"
            )
        wayland = (
            bool(self.environ.get("WAYLAND_DISPLAY")) or self.environ.get("XDG_SESSION_TYPE") == "wayland"
        )
        names = (BUS_NAME, SNI_WATCHER_NAME, NOTIFICATIONS_NAME, PORTAL_NAME)
        return asyncio.run(_gather_bus(address, names, wayland, self._bus_timeout))

    def bus(self) -> BusFacts:
        return self._bus

    @cached_property
    def _xembed_tray(self) -> bool:
        from readaloud.desktop.tray_path import xembed_tray_running

        return xembed_tray_running(self.environ)

    def xembed_tray(self) -> bool:
        """Whether an X11 system tray (XEmbed) runs on ``$DISPLAY``."""
        return self._xembed_tray

    @cached_property
    def _audio_facts(self) -> AudioFacts:
        return self._audio()

    def audio(self) -> AudioFacts:
        return self._audio_facts

    @cached_property
    def _torch_facts(self) -> TorchFacts | None:
        return self._torch()

    def torch(self) -> TorchFacts | None:
        return self._torch_facts

    def onnx_providers(self) -> list[str] | None:
        return self._onnx_providers()

    def overlay(self) -> OverlayFacts:
        return query_overlay(self.environ)

    def assets(self, config: Config) -> list[Any]:
        """``AssetStore(...).status()`` for the configured paths (hashes every file present)."""
        from readaloud.speech.assets import AssetStore

        return list(AssetStore.from_config(config.speech).status())

    def service(self) -> ServiceFacts:
        tool = self.which("systemctl")
        if tool is None:
            return ServiceFacts(False)

        def systemctl(*args: str) -> subprocess.CompletedProcess[str] | None:
            try:
                return subprocess.run([tool, "--user", *args], capture_output=True, text=True, timeout=5,
                                      check=False, env=dict(self.environ))  # fmt: skip
            except (OSError, subprocess.TimeoutExpired):
                return None

        state = systemctl("is-system-running")
        if state is None or state.stdout.strip() in ("", "offline", "unknown"):
            return ServiceFacts(False)
        enabled = systemctl("is-enabled", "readaloud.service")
        active = systemctl("is-active", "readaloud.service")
        shown = systemctl("show-environment")
        environment = (
            dict(line.split("=", 1) for line in shown.stdout.splitlines() if "=" in line)
            if shown is not None and shown.returncode == 0
            else {}
        )
        return ServiceFacts(
            True,
            enabled.stdout.strip() if enabled else "",
            active.stdout.strip() if active else "",
            environment,
        )
