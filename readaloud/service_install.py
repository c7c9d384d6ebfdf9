"""Start at login: write the systemd user unit, the D-Bus activation file and an autostart entry.

``install`` writes the three files with the absolute path of the installed ``readaloud`` command,
then reloads and enables the unit when a systemd user manager is running; otherwise it says what to
run. ``uninstall`` undoes it. The unit texts are rendered here, and ``systemd/`` in the repository
holds the same texts for packagers (with ``/usr/bin/readaloud``; a test keeps them equal).
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from readaloud.dbus.names import BUS_NAME, SPIEL_BUS_NAME
from readaloud.errors import ReadaloudError

log = logging.getLogger(__name__)

UNIT_NAME = "readaloud.service"
DBUS_SERVICE_NAME = f"{BUS_NAME}.service"
# The Spiel provider's name is activatable too, so Spiel clients find readaloud before it runs.
SPIEL_SERVICE_NAME = f"{SPIEL_BUS_NAME}.service"
AUTOSTART_NAME = "readaloud.desktop"
PACKAGED_COMMAND = ("/usr/bin/readaloud",)
# What a desktop session must export to the systemd user manager for the service to reach it.
SESSION_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP", "XDG_SESSION_TYPE")
IMPORT_ENVIRONMENT = "dbus-update-activation-environment --systemd " + " ".join(SESSION_VARIABLES)

INSTALLED_NOTE = "Written by `readaloud install-service`; `readaloud uninstall-service` removes it."
PACKAGED_NOTE = (
    "Packaged copy with /usr/bin/readaloud. Users of pip/pipx: `readaloud install-service` writes this\n"
    "# file with the path of your installation (a test keeps it equal to readaloud/service_install.py)."
)

# Characters no quoting below can carry safely in all three file formats.
_UNSAFE = set('"\\`$\n\r\t')


def _check_safe(command: Sequence[str]) -> None:
    for arg in command:
        if _UNSAFE & set(arg):
            raise ReadaloudError(
                f"cannot write a service for {arg!r}: the path contains a quote, backslash, $ or control "
                "character; reinstall readaloud under a plainer path"
            )


def _quote_if_needed(arg: str, special: str) -> str:
    return f'"{arg}"' if (not arg or any(c.isspace() or c in special for c in arg)) else arg


def systemd_exec(command: Sequence[str]) -> str:
    """A command line for ``ExecStart=`` (``%`` is a specifier there, so it is doubled)."""
    _check_safe(command)
    return " ".join(_quote_if_needed(arg, "'%;").replace("%", "%%") for arg in command)


def dbus_exec(command: Sequence[str]) -> str:
    """A command line for a D-Bus service file's ``Exec=`` (shell-like quoting)."""
    _check_safe(command)
    return " ".join(shlex.quote(arg) for arg in command)


def desktop_exec(command: Sequence[str]) -> str:
    """A command line for a desktop entry's ``Exec=`` (``%`` is a field code there)."""
    _check_safe(command)
    return " ".join(_quote_if_needed(arg, "'<>~|&;*?#()%").replace("%", "%%") for arg in command)


def render_systemd_unit(command: Sequence[str], note: str = INSTALLED_NOTE) -> str:
    """The user unit: started with the graphical session, ready once it owns its bus name."""
    return f"""\
# {note}
[Unit]
Description=readaloud: read selected text aloud (Kokoro-82M)
PartOf=graphical-session.target
After=graphical-session.target
# Give up after 5 crashes in 2 minutes instead of restarting forever.
StartLimitIntervalSec=120
StartLimitBurst=5

[Service]
Type=dbus
BusName={BUS_NAME}
ExecStart={systemd_exec([*command, "daemon"])}
# Re-read ~/.config/readaloud/config.toml (`systemctl --user reload readaloud`).
ExecReload=kill -HUP $MAINPID
Restart=on-failure
RestartSec=2
Environment=PYTHONUNBUFFERED=1

[Install]
WantedBy=graphical-session.target
"""


def render_dbus_service(command: Sequence[str], note: str = INSTALLED_NOTE, name: str = BUS_NAME) -> str:
    """D-Bus activation: the first client call starts the daemon (through systemd where it runs)."""
    return f"""\
# {note}
[D-BUS Service]
Name={name}
Exec={dbus_exec([*command, "daemon"])}
SystemdService={UNIT_NAME}
"""


def render_autostart(command: Sequence[str], note: str = INSTALLED_NOTE) -> str:
    """XDG autostart for sessions without graphical-session.target (Xfce, MATE, LXQt, ...)."""
    return f"""\
# {note}
# Sessions started by systemd (GNOME, KDE Plasma) skip this entry (X-systemd-skip) and start
# readaloud.service instead, so the daemon never runs twice.
[Desktop Entry]
Type=Application
Name=readaloud
Comment=Read selected text aloud (Kokoro-82M)
Exec={desktop_exec([*command, "daemon"])}
Terminal=false
NoDisplay=true
X-GNOME-Autostart-enabled=true
X-systemd-skip=true
"""


@dataclass(frozen=True)
class InstallPaths:
    """Where the files go, following the XDG base directories."""

    unit: Path
    dbus_service: Path
    autostart: Path
    spiel_service: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> InstallPaths:
        home = Path(environ.get("HOME") or Path.home())

        def xdg(var: str, default: str) -> Path:
            value = environ.get(var, "")
            return Path(value) if os.path.isabs(value) else home / default

        config, data = xdg("XDG_CONFIG_HOME", ".config"), xdg("XDG_DATA_HOME", ".local/share")
        return cls(
            unit=config / "systemd" / "user" / UNIT_NAME,
            dbus_service=data / "dbus-1" / "services" / DBUS_SERVICE_NAME,
            autostart=config / "autostart" / AUTOSTART_NAME,
            spiel_service=data / "dbus-1" / "services" / SPIEL_SERVICE_NAME,
        )

    def all(self) -> tuple[Path, ...]:
        return (self.unit, self.dbus_service, self.autostart, self.spiel_service)


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_command(
    argv0: str | None = None,
    executable: str | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> list[str]:
    """The absolute command that runs this installation of readaloud.

    Symlinks are kept, not resolved: pipx's ``~/.local/bin/readaloud`` survives upgrades.
    """
    argv0 = sys.argv[0] if argv0 is None else argv0
    executable = sys.executable if executable is None else executable
    if argv0 and Path(argv0).name == "readaloud" and _is_executable(Path(argv0)):
        return [os.path.abspath(argv0)]
    beside_python = Path(executable).parent / "readaloud"
    if executable and _is_executable(beside_python):
        return [os.path.abspath(beside_python)]
    found = which("readaloud")
    if found:
        return [os.path.abspath(found)]
    return [os.path.abspath(executable), "-m", "readaloud"]


Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


DaemonPid = Callable[[], "int | None"]  # the pid of the running daemon, None when none runs


def _run(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=30, check=False)


class Systemctl:
    """``systemctl --user`` found on a given PATH; ``running()`` says whether a user manager answers."""

    def __init__(self, environ: Mapping[str, str], run: Runner = _run) -> None:
        self.path = shutil.which("systemctl", path=environ.get("PATH", os.defpath))
        self._run = run

    def call(self, *args: str) -> subprocess.CompletedProcess[str]:
        assert self.path is not None
        return self._run([self.path, "--user", *args])

    def running(self) -> bool:
        if self.path is None:
            return False
        try:
            result = self.call("is-system-running")
        except (OSError, subprocess.TimeoutExpired) as error:
            log.debug("systemctl --user is-system-running failed: %s", error)
            return False
        # Non-zero also means "degraded" (a unit failed), which is still a running manager.
        state = result.stdout.strip()
        log.debug("systemd user manager state: %r (exit %d)", state, result.returncode)
        return state in {"running", "degraded", "starting", "initializing", "maintenance", "stopping"}

    def checked(self, *args: str) -> None:
        result = self.call(*args)
        if result.returncode != 0:
            # systemctl explains over several lines ("Job ... failed", "See journalctl ..."): keep one.
            detail = " ".join(line.strip() for line in (result.stderr or result.stdout).splitlines())
            reason = f": {detail.strip()}" if detail.strip() else ""
            raise ReadaloudError(
                f"`systemctl --user {' '.join(args)}` failed{reason}; run it yourself to see the full error"
            )

    def environment(self) -> dict[str, str]:
        result = self.call("show-environment")
        if result.returncode != 0:
            return {}
        return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _reload_bus(environ: Mapping[str, str]) -> None:
    # dbus-daemon notices new service files by itself; dbus-broker needs to be told.
    tool = shutil.which("dbus-send", path=environ.get("PATH", os.defpath))
    if tool is None:
        return
    try:
        subprocess.run(
            [tool, "--session", "--type=method_call", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.ReloadConfig"],
            capture_output=True, timeout=5, check=False, env=dict(environ),
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        log.debug("could not ask the session bus to reload: %s", error)


def install(
    out: IO[str],
    *,
    now: bool = False,
    environ: Mapping[str, str] | None = None,
    command: Sequence[str] | None = None,
    systemctl: Systemctl | None = None,
    daemon_pid: DaemonPid = lambda: None,
) -> int:
    """Write the unit, D-Bus service and autostart files; enable (and with ``now`` start) the unit.

    ``daemon_pid`` says which readaloud daemon runs now (None: none), so the advice fits.
    """
    environ = os.environ if environ is None else environ
    command = find_command() if command is None else list(command)
    systemctl = Systemctl(environ) if systemctl is None else systemctl
    where = InstallPaths.from_environ(environ)

    _write(where.unit, render_systemd_unit(command))
    _write(where.dbus_service, render_dbus_service(command))
    _write(where.autostart, render_autostart(command))
    _write(where.spiel_service, render_dbus_service(command, name=SPIEL_BUS_NAME))
    for path in where.all():
        print(f"wrote {path}", file=out)
    _reload_bus(environ)

    shown = systemd_exec(command).replace("%%", "%")
    if not systemctl.running():
        print(
            "no systemd user manager is running, so nothing was enabled. readaloud starts:\n"
            f"  - at login from {where.autostart}, on desktops with XDG autostart (Xfce, MATE, LXQt);\n"
            f"  - on i3 or sway, once you add this line to their config:  exec {shown} daemon\n"
            "  - on first use of any readaloud command, through D-Bus activation.\n"
            f"{_start_now_advice(daemon_pid(), f'run:  {shown} daemon &')}\n"
            "Once a systemd user manager runs, enable the service with:\n"
            f"  systemctl --user daemon-reload && systemctl --user enable --now {UNIT_NAME}",
            file=out,
        )
        return 0

    systemctl.checked("daemon-reload")
    running_pid = daemon_pid()
    # A daemon already running owns the bus name: a second one, started by systemd, would fail.
    start = now and running_pid is None
    enable = ("enable", "--now", UNIT_NAME) if start else ("enable", UNIT_NAME)
    systemctl.checked(*enable)
    print(f"enabled {UNIT_NAME}: readaloud starts with your graphical session.", file=out)
    if start:
        print(f"started it; logs: journalctl --user -u {UNIT_NAME} -f", file=out)
    else:
        print(_start_now_advice(running_pid, f"run:  systemctl --user start {UNIT_NAME}"), file=out)
    imported = systemctl.environment()
    if not any(name in imported for name in ("DISPLAY", "WAYLAND_DISPLAY")):
        print(
            "note: the systemd user manager does not know your display yet, so the service could not reach\n"
            "your desktop. Sessions started by GNOME or KDE do this for you; on sway, i3 or others add this\n"
            f"to your session startup (and run it once now):\n  {IMPORT_ENVIRONMENT}",
            file=out,
        )
    return 0


def _start_now_advice(running_pid: int | None, how: str) -> str:
    if running_pid is not None:
        return (f"a readaloud daemon is already running (pid {running_pid}), so none was started; "
                "the service takes over at your next login (or after 'readaloud quit')")
    return f"To start it now, {how}"


def uninstall(
    out: IO[str],
    *,
    environ: Mapping[str, str] | None = None,
    systemctl: Systemctl | None = None,
    daemon_pid: DaemonPid = lambda: None,
) -> int:
    """Stop and disable the unit (when systemd runs) and remove the files ``install`` wrote."""
    environ = os.environ if environ is None else environ
    systemctl = Systemctl(environ) if systemctl is None else systemctl
    where = InstallPaths.from_environ(environ)
    present = [path for path in where.all() if path.exists()]
    running = systemctl.running()
    if running and where.unit.exists():
        systemctl.checked("disable", "--now", UNIT_NAME)
        print(f"stopped and disabled {UNIT_NAME}", file=out)
    for path in present:
        path.unlink()
        print(f"removed {path}", file=out)
    if running and present:
        systemctl.checked("daemon-reload")
    if not present:
        print("nothing to remove: readaloud's service files are not installed", file=out)
    still_running = daemon_pid() if present else None
    if still_running is not None:
        print(f"the readaloud daemon that is running now (pid {still_running}) keeps running until you "
              "log out or run 'readaloud quit'", file=out)
    return 0
