"""Doctor's bus checks against a real dbus-daemon, with real services owning the names it asks about.

Needs `dbus-daemon` and `dbus-send` (Debian package dbus); the fixtures start a private session bus
and the stub services themselves.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from readaloud.commands import doctor as doctor_command
from readaloud.doctor import checks as doctor
from readaloud.doctor.checks import Status
from readaloud.doctor.probe import AudioFacts, SystemProbe
from readaloud.service_install import install

STUBS = textwrap.dedent(
    """
    import asyncio
    from dbus_fast.aio import MessageBus
    from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method

    class Portal(ServiceInterface):
        def __init__(self):
            super().__init__("org.freedesktop.portal.GlobalShortcuts")

        @dbus_property(access=PropertyAccess.READ)
        def version(self) -> "u":
            return 1

    class Reader(ServiceInterface):
        def __init__(self):
            super().__init__("io.github.readaloud.ReadAloud1")

        @dbus_property(access=PropertyAccess.READ)
        def State(self) -> "s":
            return "idle"

    class Notifications(ServiceInterface):
        def __init__(self):
            super().__init__("org.freedesktop.Notifications")

        @method()
        def GetCapabilities(self) -> "as":
            return ["body"]

    async def main():
        bus = await MessageBus().connect()
        bus.export("/org/freedesktop/portal/desktop", Portal())
        bus.export("/io/github/readaloud/ReadAloud", Reader())
        bus.export("/org/freedesktop/Notifications", Notifications())
        for name in ("org.freedesktop.portal.Desktop", "io.github.readaloud.ReadAloud",
                     "org.freedesktop.Notifications", "org.kde.StatusNotifierWatcher"):
            await bus.request_name(name)
        print("READY", flush=True)
        await bus.wait_for_disconnect()

    asyncio.run(main())
    """
)


@pytest.fixture
def session_bus(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private dbus-daemon; yields the environment a desktop session would have."""
    home = tmp_path / "home"
    (home / ".local" / "share").mkdir(parents=True)
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", os.defpath),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
    }
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **env},
    )
    try:
        assert daemon.stdout is not None
        env["DBUS_SESSION_BUS_ADDRESS"] = daemon.stdout.readline().strip()
        yield env
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


@pytest.fixture
def desktop_services(session_bus: dict[str, str]) -> Iterator[dict[str, str]]:
    """Stub tray watcher, notification server, shortcuts portal and readaloud daemon on the bus."""
    stubs = subprocess.Popen(
        [sys.executable, "-c", STUBS],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **session_bus},
    )
    try:
        assert stubs.stdout is not None
        assert stubs.stdout.readline().strip() == "READY"
        yield session_bus
    finally:
        stubs.terminate()
        stubs.wait(timeout=10)


def results_by_name(probe: SystemProbe) -> dict[str, doctor.CheckResult]:
    return {result.name: result for result in doctor.run_checks(probe)}


def test_empty_bus_reachable_but_nothing_on_it(session_bus: dict[str, str]) -> None:
    probe = SystemProbe({**session_bus, "WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "sway"})
    results = results_by_name(probe)
    assert results["bus"].status is Status.OK
    assert results["bus"].detail == f"session bus at {session_bus['DBUS_SESSION_BUS_ADDRESS']}"
    assert results["daemon"].status is Status.WARN
    assert results["tray"].status is Status.WARN
    assert results["notifications"].status is Status.WARN
    assert results["hotkeys"].status is Status.WARN
    assert "readaloud bind-shortcut" in results["hotkeys"].fix


def test_desktop_services_are_found(desktop_services: dict[str, str]) -> None:
    probe = SystemProbe({**desktop_services, "WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "KDE"})
    results = results_by_name(probe)
    assert results["daemon"].detail == "running (idle), owns io.github.readaloud.ReadAloud"
    assert results["tray"].status is Status.OK
    assert results["notifications"].status is Status.OK
    assert results["hotkeys"].detail == "GlobalShortcuts portal (version 1) on Wayland"


def test_installed_service_counts_as_activatable(session_bus: dict[str, str], tmp_path: Path) -> None:
    exe = tmp_path / "bin" / "readaloud"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    # Only dbus-send on PATH: install asks the bus to rescan (it may not watch a new directory).
    tools = tmp_path / "tools"
    tools.mkdir()
    dbus_send = shutil.which("dbus-send")
    assert dbus_send is not None
    (tools / "dbus-send").symlink_to(dbus_send)
    install(io.StringIO(), environ={**session_bus, "PATH": str(tools)}, command=[str(exe)])
    result = doctor.check_daemon(SystemProbe(session_bus))
    assert (result.status, result.detail) == (Status.OK, "not running; D-Bus starts it on first use")


def test_doctor_command_end_to_end(
    desktop_services: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A whole run with real probes: the real bus, PATH, config file, model cache and PortAudio.
    for name in ("WAYLAND_DISPLAY", "DISPLAY", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in desktop_services.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DISPLAY", ":77")
    (tmp_path / "home" / ".config" / "readaloud").mkdir(parents=True)
    (tmp_path / "home" / ".config" / "readaloud" / "config.toml").write_text("[speech]\nspeed = 7\n")
    parser = argparse.ArgumentParser(prog="readaloud")
    doctor_command.register(parser.add_subparsers())
    args = parser.parse_args(["doctor"])

    class Env:
        stdout = io.StringIO()

    status = args.handler(args, Env)
    lines = Env.stdout.getvalue().splitlines()
    assert status == 1  # the config is invalid
    assert len(lines) == len(doctor.CHECKS) + 1
    assert lines[0].startswith("fail  config        speech.speed: must be between 0.5 and 2.0, got 7")
    assert lines[1] == "ok    session       X11 (DISPLAY=:77), unknown desktop"
    assert lines[3] == "ok    daemon        running (idle), owns io.github.readaloud.ReadAloud"
    assert all(line.split()[0] in ("ok", "warn", "fail") for line in lines[:-1])


def test_real_audio_query_reports_what_portaudio_sees() -> None:
    # Whatever this machine has, the answer is a usable AudioFacts and a matching line.
    facts = SystemProbe({}).audio()
    result = doctor.check_audio(SystemProbe({}, audio=lambda: facts))
    assert isinstance(facts, AudioFacts)
    assert (result.status is Status.OK) == bool(facts.outputs and facts.default and not facts.error)
