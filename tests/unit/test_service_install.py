"""install-service / uninstall-service in a temporary HOME, with a fake `systemctl` that records calls."""

from __future__ import annotations

import argparse
import io
import os
import stat
import sys
from pathlib import Path

import pytest

from readaloud.commands import service as service_command
from readaloud.errors import ReadaloudError
from readaloud.service_install import (
    PACKAGED_COMMAND,
    PACKAGED_NOTE,
    InstallPaths,
    Systemctl,
    find_command,
    install,
    render_autostart,
    render_dbus_service,
    render_systemd_unit,
    uninstall,
)

REPO = Path(__file__).resolve().parents[2]

# Only shell built-ins and /bin/cat: the tests run it with PATH holding nothing but its own directory.
FAKE_SYSTEMCTL = """#!/bin/sh
here=${0%/*}
echo "$*" >> "$here/calls.log"
case "$*" in
  "--user is-system-running") /bin/cat "$here/state"; exit 0 ;;
  "--user show-environment") /bin/cat "$here/environment"; exit 0 ;;
  *enable*) [ -f "$here/fail-enable" ] && { echo "Failed to enable unit: Access denied" >&2; exit 1; } ;;
esac
exit 0
"""


def make_executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


class FakeSystem:
    """A temporary HOME plus a bin directory that holds the fake systemctl (when there is one)."""

    def __init__(self, root: Path, *, systemctl: bool = True, state: str = "running") -> None:
        self.home = root / "home"
        self.bin = root / "bin"
        self.bin.mkdir(parents=True)
        self.home.mkdir()
        if systemctl:
            make_executable(self.bin / "systemctl", FAKE_SYSTEMCTL)
            (self.bin / "state").write_text(state + "\n")
            (self.bin / "environment").write_text("HOME=/home/u\nDISPLAY=:0\n")
        self.command = [str(make_executable(root / "venv" / "bin" / "readaloud", "#!/bin/sh\n"))]
        self.environ = {"HOME": str(self.home), "PATH": str(self.bin)}

    @property
    def calls(self) -> list[str]:
        log = self.bin / "calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def paths(self) -> InstallPaths:
        return InstallPaths.from_environ(self.environ)

    def install(self, now: bool = False, daemon_pid: int | None = None) -> str:
        out = io.StringIO()
        assert install(out, now=now, environ=self.environ, command=self.command,
                       daemon_pid=lambda: daemon_pid) == 0
        return out.getvalue()

    def uninstall(self, daemon_pid: int | None = None) -> str:
        out = io.StringIO()
        assert uninstall(out, environ=self.environ, daemon_pid=lambda: daemon_pid) == 0
        return out.getvalue()


def test_files_go_to_the_xdg_directories(tmp_path: Path) -> None:
    paths = InstallPaths.from_environ({"HOME": "/home/u"})
    assert paths.unit == Path("/home/u/.config/systemd/user/readaloud.service")
    assert paths.dbus_service == Path(
        "/home/u/.local/share/dbus-1/services/io.github.readaloud.ReadAloud.service"
    )
    assert paths.autostart == Path("/home/u/.config/autostart/readaloud.desktop")
    custom = InstallPaths.from_environ({"HOME": "/home/u", "XDG_CONFIG_HOME": "/c", "XDG_DATA_HOME": "/d"})
    assert custom.unit == Path("/c/systemd/user/readaloud.service")
    assert custom.dbus_service == Path("/d/dbus-1/services/io.github.readaloud.ReadAloud.service")
    # Relative XDG values are invalid per the spec and ignored.
    assert InstallPaths.from_environ({"HOME": "/h", "XDG_CONFIG_HOME": "rel"}).unit.parts[:3] == (
        "/",
        "h",
        ".config",
    )


def test_install_writes_enables_and_reloads(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path)
    output = system.install()
    paths = system.paths()
    exe = system.command[0]
    assert f"ExecStart={exe} daemon\n" in paths.unit.read_text()
    assert f"Exec={exe} daemon\n" in paths.dbus_service.read_text()
    assert f"Exec={exe} daemon\n" in paths.autostart.read_text()
    spiel = paths.spiel_service.read_text()
    assert "Name=io.github.readaloud.ReadAloud.Speech.Provider\n" in spiel
    assert f"Exec={exe} daemon\n" in spiel and "SystemdService=readaloud.service\n" in spiel
    assert system.calls == [
        "--user is-system-running",
        "--user daemon-reload",
        "--user enable readaloud.service",
        "--user show-environment",
    ]
    assert f"wrote {paths.unit}" in output
    assert "systemctl --user start readaloud.service" in output
    assert "dbus-update-activation-environment" not in output  # DISPLAY is already imported


def test_install_now_starts_the_service(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path)
    output = system.install(now=True)
    assert "--user enable --now readaloud.service" in system.calls
    assert "journalctl --user -u readaloud.service" in output


def test_install_now_with_a_daemon_already_running_starts_none_and_says_so(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path)
    output = system.install(now=True, daemon_pid=4321)
    assert "--user enable readaloud.service" in system.calls
    assert "--user enable --now readaloud.service" not in system.calls
    assert "already running (pid 4321)" in output
    assert "start it now" not in output.lower() and "started it" not in output


def test_without_systemd_and_a_daemon_running_there_is_no_start_advice(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path, systemctl=False)
    output = system.install(now=True, daemon_pid=4321)
    assert "To start it now" not in output and "already running (pid 4321)" in output


def test_uninstall_says_a_daemon_keeps_running_only_when_one_runs(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path, systemctl=False)
    system.install()
    assert "keeps running" not in system.uninstall(daemon_pid=None)
    system.install()
    output = system.uninstall(daemon_pid=999)
    assert "(pid 999) keeps running" in output and "readaloud quit" in output


def test_install_twice_is_harmless(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path)
    system.install()
    first = system.paths().unit.read_text()
    system.install()
    assert system.paths().unit.read_text() == first
    assert sorted(p.name for p in system.paths().unit.parent.iterdir()) == ["readaloud.service"]


def test_round_trip_leaves_nothing_behind(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path)
    system.install(now=True)
    output = system.uninstall()
    assert not any(path.exists() for path in system.paths().all())
    assert system.calls[-3:] == [
        "--user is-system-running",
        "--user disable --now readaloud.service",
        "--user daemon-reload",
    ]
    assert "stopped and disabled readaloud.service" in output
    assert f"removed {system.paths().unit}" in output


def test_uninstall_when_nothing_is_installed(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path)
    assert "nothing to remove" in system.uninstall()
    assert "--user disable --now readaloud.service" not in system.calls


def test_without_systemctl_it_says_what_to_run(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path, systemctl=False)
    output = system.install(now=True)
    exe = system.command[0]
    assert all(path.exists() for path in system.paths().all())
    assert "no systemd user manager is running, so nothing was enabled" in output
    assert f"exec {exe} daemon" in output
    assert f"To start it now, run:  {exe} daemon &" in output
    assert "systemctl --user daemon-reload && systemctl --user enable --now readaloud.service" in output
    assert "removed" in system.uninstall()
    assert not any(path.exists() for path in system.paths().all())


def test_systemctl_present_but_no_user_manager(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path, state="offline")
    output = system.install()
    assert system.calls == ["--user is-system-running"]
    assert "no systemd user manager is running" in output


def test_degraded_manager_still_counts_as_running(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path, state="degraded")
    system.install()
    assert "--user enable readaloud.service" in system.calls


def test_missing_display_in_the_manager_environment_is_explained(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path)
    (system.bin / "environment").write_text("HOME=/home/u\nPATH=/usr/bin\n")
    output = system.install()
    expected = "dbus-update-activation-environment --systemd DISPLAY WAYLAND_DISPLAY XDG_CURRENT_DESKTOP"
    assert f"{expected} XDG_SESSION_TYPE" in output


def test_failing_systemctl_is_a_one_line_error(tmp_path: Path) -> None:
    system = FakeSystem(tmp_path)
    (system.bin / "fail-enable").write_text("")
    with pytest.raises(ReadaloudError) as caught:
        system.install()
    assert str(caught.value) == (
        "`systemctl --user enable readaloud.service` failed: Failed to enable unit: Access denied; "
        "run it yourself to see the full error"
    )


def test_paths_with_spaces_and_percent_are_quoted(tmp_path: Path) -> None:
    command = ["/opt/my tools/100%/readaloud"]
    assert 'ExecStart="/opt/my tools/100%%/readaloud" daemon\n' in render_systemd_unit(command)
    assert "Exec='/opt/my tools/100%/readaloud' daemon\n" in render_dbus_service(command)
    assert 'Exec="/opt/my tools/100%%/readaloud" daemon\n' in render_autostart(command)


def test_unsafe_path_is_refused() -> None:
    with pytest.raises(ReadaloudError, match="plainer path"):
        render_systemd_unit(['/opt/we"ird/readaloud'])


def test_shipped_files_match_what_install_writes() -> None:
    shipped = REPO / "systemd"
    assert (shipped / "readaloud.service").read_text() == render_systemd_unit(PACKAGED_COMMAND, PACKAGED_NOTE)
    assert (shipped / "io.github.readaloud.ReadAloud.service").read_text() == render_dbus_service(
        PACKAGED_COMMAND, PACKAGED_NOTE
    )
    assert (shipped / "readaloud.desktop").read_text() == render_autostart(PACKAGED_COMMAND, PACKAGED_NOTE)
    spiel = "io.github.readaloud.ReadAloud.Speech.Provider"
    assert (shipped / f"{spiel}.service").read_text() == render_dbus_service(
        PACKAGED_COMMAND, PACKAGED_NOTE, name=spiel
    )


def test_unit_has_the_keys_the_session_needs() -> None:
    lines = set(render_systemd_unit(["/usr/bin/readaloud"]).splitlines())
    assert {
        "PartOf=graphical-session.target",
        "After=graphical-session.target",
        "WantedBy=graphical-session.target",
        "Type=dbus",
        "BusName=io.github.readaloud.ReadAloud",
        "Restart=on-failure",
        "StartLimitBurst=5",
        "ExecStart=/usr/bin/readaloud daemon",
    } <= lines


def test_find_command_prefers_the_running_script(tmp_path: Path) -> None:
    script = make_executable(tmp_path / "bin" / "readaloud", "#!/bin/sh\n")
    python = tmp_path / "venv" / "bin" / "python"
    assert find_command(str(script), str(python), lambda _: None) == [str(script)]


def test_find_command_uses_the_script_beside_python(tmp_path: Path) -> None:
    script = make_executable(tmp_path / "venv" / "bin" / "readaloud", "#!/bin/sh\n")
    python = tmp_path / "venv" / "bin" / "python"
    assert find_command("-c", str(python), lambda _: None) == [str(script)]


def test_find_command_keeps_symlinks(tmp_path: Path) -> None:
    target = make_executable(tmp_path / "pipx" / "venvs" / "readaloud" / "bin" / "readaloud", "#!/bin/sh\n")
    link = tmp_path / "local" / "bin" / "readaloud"
    link.parent.mkdir(parents=True)
    link.symlink_to(target)
    assert find_command(str(link), "/usr/bin/python3", lambda _: None) == [str(link)]


def test_find_command_falls_back_to_python_module(tmp_path: Path) -> None:
    python = tmp_path / "python3"
    assert find_command("-c", str(python), lambda _: None) == [str(python), "-m", "readaloud"]


def test_systemctl_is_looked_up_on_the_given_path(tmp_path: Path) -> None:
    assert Systemctl({"PATH": str(tmp_path)}).path is None
    assert Systemctl({"PATH": str(tmp_path)}).running() is False


def test_cli_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system = FakeSystem(tmp_path)
    for name, value in system.environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setattr(sys, "argv", [system.command[0], "install-service", "--now"])
    parser = argparse.ArgumentParser(prog="readaloud")
    service_command.register(parser.add_subparsers())

    class Env:
        stdout = io.StringIO()

    args = parser.parse_args(["install-service", "--now"])
    assert args.handler(args, Env) == 0
    assert f"ExecStart={system.command[0]} daemon" in system.paths().unit.read_text()
    assert "--user enable --now readaloud.service" in system.calls
    args = parser.parse_args(["uninstall-service"])
    assert args.handler(args, Env) == 0
    assert not system.paths().unit.exists()
    assert os.environ["HOME"] == str(system.home)
