"""The files install-service writes, checked by the real tools: systemd-analyze and dbus-daemon.

Needs `systemd-analyze`, `dbus-daemon` and `desktop-file-validate` (Debian packages systemd, dbus,
desktop-file-utils) and readaloud installed in this environment; each test starts what it uses itself.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from readaloud.dbus.names import BUS_NAME
from readaloud.service_install import InstallPaths, install, render_systemd_unit

VENV_SCRIPT = Path(sys.executable).parent / "readaloud"


def verify(unit: Path) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as runtime:
        env = {**os.environ, "XDG_RUNTIME_DIR": runtime}
        return subprocess.run(
            ["systemd-analyze", "--user", "verify", str(unit)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )


def install_into(root: Path, command: list[str], bus: str | None = None) -> InstallPaths:
    # PATH without systemctl: these tests are about the files, not about enabling them.
    environ = {"HOME": str(root / "home"), "PATH": str(root / "empty-bin")}
    if bus is not None:
        # With dbus-send on PATH, install asks this bus to rescan its service directories.
        tools = root / "tools"
        tools.mkdir()
        dbus_send = shutil.which("dbus-send")
        assert dbus_send is not None
        (tools / "dbus-send").symlink_to(dbus_send)
        environ.update(PATH=str(tools), DBUS_SESSION_BUS_ADDRESS=bus)
    install(io.StringIO(), environ=environ, command=command)
    return InstallPaths.from_environ(environ)


def make_executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def test_installed_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    paths = install_into(tmp_path, [str(VENV_SCRIPT)])
    result = verify(paths.unit)
    assert (result.returncode, result.stderr) == (0, "")


def test_unit_for_a_path_with_spaces_passes_verify(tmp_path: Path) -> None:
    exe = make_executable(tmp_path / "my apps" / "bin" / "readaloud", "#!/bin/sh\nexit 0\n")
    paths = install_into(tmp_path, [str(exe)])
    result = verify(paths.unit)
    assert (result.returncode, result.stderr) == (0, "")


def test_unit_for_python_dash_m_passes_verify(tmp_path: Path) -> None:
    paths = install_into(tmp_path, [sys.executable, "-m", "readaloud"])
    result = verify(paths.unit)
    assert (result.returncode, result.stderr) == (0, "")


def test_autostart_entry_is_a_valid_desktop_file(tmp_path: Path) -> None:
    exe = make_executable(tmp_path / "my apps" / "readaloud", "#!/bin/sh\nexit 0\n")
    paths = install_into(tmp_path, [str(exe)])
    result = subprocess.run(
        ["desktop-file-validate", str(paths.autostart)], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_verify_does_report_a_broken_unit(tmp_path: Path) -> None:
    # The check above is only worth something if verify complains about a bad ExecStart.
    unit = tmp_path / "readaloud.service"
    unit.write_text(render_systemd_unit([str(tmp_path / "missing" / "readaloud")]))
    assert verify(unit).stderr != ""


@pytest.fixture
def bus_with_services(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A private session bus whose XDG_DATA_HOME is the temp HOME's, so it sees installed services."""
    data_home = tmp_path / "home" / ".local" / "share"
    data_home.mkdir(parents=True)
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert daemon.stdout is not None
        address = daemon.stdout.readline().strip()
        yield address, tmp_path
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


FAKE_DAEMON = """#!{python}
# Stands in for `readaloud daemon`: records its arguments, then owns the bus name.
import asyncio, pathlib, sys
from dbus_fast.aio import MessageBus

async def main():
    bus = await MessageBus().connect()
    pathlib.Path({mark!r}).write_text(" ".join(sys.argv[1:]))
    await bus.request_name({name!r})
    await bus.wait_for_disconnect()

asyncio.run(main())
"""


def test_dbus_activation_file_starts_the_daemon(bus_with_services: tuple[str, Path]) -> None:
    address, root = bus_with_services
    mark = root / "started-with"
    exe = make_executable(
        root / "venv" / "bin" / "readaloud",
        FAKE_DAEMON.format(python=sys.executable, mark=str(mark), name=BUS_NAME),
    )
    install_into(root, [str(exe)], bus=address)

    async def start_and_check() -> tuple[int, bool]:
        from dbus_fast import Message
        from dbus_fast.aio import MessageBus

        bus = await MessageBus(bus_address=address).connect()
        try:
            reply = await asyncio.wait_for(
                bus.call(
                    Message(
                        destination="org.freedesktop.DBus",
                        path="/org/freedesktop/DBus",
                        interface="org.freedesktop.DBus",
                        member="StartServiceByName",
                        signature="su",
                        body=[BUS_NAME, 0],
                    )
                ),
                timeout=30,
            )
            assert reply is not None and reply.body, reply
            owned = await bus.call(
                Message(
                    destination="org.freedesktop.DBus",
                    path="/org/freedesktop/DBus",
                    interface="org.freedesktop.DBus",
                    member="NameHasOwner",
                    signature="s",
                    body=[BUS_NAME],
                )
            )
            assert owned is not None
            return int(reply.body[0]), bool(owned.body[0])
        finally:
            bus.disconnect()

    result, owned = asyncio.run(start_and_check())
    assert result == 1  # DBUS_START_REPLY_SUCCESS: dbus-daemon ran our Exec line
    assert owned
    assert mark.read_text() == "daemon"
