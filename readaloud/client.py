"""The CLI's side of the D-Bus interface: one call per command, and autospawn of the daemon.

Deliberately light: dbus-fast and the standard library only (no numpy, torch, onnxruntime or
sounddevice), and plain method calls without introspection, so ``readaloud pause`` is one round trip.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

from dbus_fast import Message, MessageFlag, MessageType, Variant
from dbus_fast.aio import MessageBus

from readaloud import errors, paths
from readaloud.core import State
from readaloud.dbus.names import BUS_NAME, ERROR_PREFIX, INTERFACE, OBJECT_PATH
from readaloud.errors import DaemonNotRunningError, DaemonStartError, ReadaloudError
from readaloud.load_progress import LoadProgressView

log = logging.getLogger(__name__)

DBUS_NAME = "org.freedesktop.DBus"
DBUS_PATH = "/org/freedesktop/DBus"
PROPERTIES = "org.freedesktop.DBus.Properties"
# Give up waiting for a loading daemon after this long without progress (a download that moves is
# waited for however long it takes).
READY_TIMEOUT = 300.0
POLL_INTERVAL = 0.2
SLOW_START_NOTE = 3.0  # seconds before saying that loading takes a while


def _error_classes() -> dict[str, type[ReadaloudError]]:
    # The most specific class for each D-Bus error name (several classes share one name).
    found: dict[str, type[ReadaloudError]] = {}
    for value in vars(errors).values():
        if isinstance(value, type) and issubclass(value, ReadaloudError):
            found.setdefault(value.dbus_name, value)
    return found


def error_from_reply(reply: Message) -> ReadaloudError:
    """The ReadaloudError for an error reply; our own error names map back to their classes."""
    name = reply.error_name or ""
    text = str(reply.body[0]) if reply.body else name
    if name.startswith(ERROR_PREFIX):
        cls = _error_classes().get(name[len(ERROR_PREFIX):], ReadaloudError)
        return cls(text)
    if name in ("org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner"):
        return DaemonNotRunningError(not_running_message())
    if name == "org.freedesktop.DBus.Error.NoReply":
        return ReadaloudError("the daemon did not answer in time; check it with 'readaloud doctor'")
    return ReadaloudError(f"D-Bus error {name}: {text}")


def not_running_message() -> str:
    return (
        "the readaloud daemon is not running; start it with 'readaloud daemon' "
        "(or 'readaloud say TEXT', which starts it)"
    )


def daemon_log_path() -> Path:
    """Where an autospawned daemon writes its log."""
    return paths.state_dir() / "daemon.log"


class Client:
    """A connection to the session bus with typed calls to the readaloud daemon."""

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    @classmethod
    async def connect(cls) -> Client:
        try:
            bus = await MessageBus().connect()
        except Exception as error:
            raise ReadaloudError(
                f"cannot reach the D-Bus session bus ({error}); run readaloud inside a desktop "
                "session, or start a bus with 'dbus-run-session'"
            ) from None
        return cls(bus)

    def disconnect(self) -> None:
        self.bus.disconnect()

    async def call(
        self,
        member: str,
        signature: str = "",
        body: list[Any] | None = None,
        *,
        interface: str = INTERFACE,
        destination: str = BUS_NAME,
        path: str = OBJECT_PATH,
        auto_start: bool = False,
    ) -> list[Any]:
        """Call a method; raise the matching ReadaloudError on an error reply."""
        message = Message(
            destination=destination,
            path=path,
            interface=interface,
            member=member,
            signature=signature,
            body=body or [],
            flags=MessageFlag.NONE if auto_start else MessageFlag.NO_AUTOSTART,
        )
        reply = await self.bus.call(message)
        if reply is None:
            raise ReadaloudError(f"no reply to {member}")
        if reply.message_type == MessageType.ERROR:
            raise error_from_reply(reply)
        return list(reply.body)

    async def _bus(self, member: str, signature: str = "", body: list[Any] | None = None) -> list[Any]:
        return await self.call(
            member, signature, body, interface=DBUS_NAME, destination=DBUS_NAME, path=DBUS_PATH
        )

    # -- the bus ------------------------------------------------------------------------------------

    async def owner(self) -> str | None:
        """The unique name of the daemon's connection, or None when it is not running."""
        try:
            return str((await self._bus("GetNameOwner", "s", [BUS_NAME]))[0])
        except ReadaloudError:
            return None

    async def daemon_pid(self) -> int | None:
        try:
            return int((await self._bus("GetConnectionUnixProcessID", "s", [BUS_NAME]))[0])
        except ReadaloudError:
            return None

    async def activatable(self) -> bool:
        """Whether the bus can start the daemon itself (an installed D-Bus service file)."""
        names = (await self._bus("ListActivatableNames"))[0]
        return BUS_NAME in names

    async def add_match(self, rule: str) -> None:
        await self._bus("AddMatch", "s", [rule])

    # -- the daemon ---------------------------------------------------------------------------------

    async def properties(self) -> dict[str, Any]:
        """All properties of the interface as plain values (one round trip)."""
        values = (await self.call("GetAll", "s", [INTERFACE], interface=PROPERTIES))[0]
        return {key: variant.value for key, variant in values.items()}

    async def state(self) -> str:
        return str((await self.call("Get", "ss", [INTERFACE, "State"], interface=PROPERTIES))[0].value)

    async def say(self, text: str, *, voice: str | None, speed: float | None, queue: bool) -> int:
        options: dict[str, Variant] = {"queue": Variant("b", queue)}
        if voice is not None:
            options["voice"] = Variant("s", voice)
        if speed is not None:
            options["speed"] = Variant("d", float(speed))
        return int((await self.call("Say", "sa{sv}", [text, options]))[0])

    async def command(self, member: str) -> None:
        """A transport command without arguments (Pause, Resume, TogglePause, Stop, Skip, Back)."""
        await self.call(member)

    async def wait_gone(self, timeout: float = 30.0) -> None:
        """Wait until no daemon owns the name (after ``Quit``)."""
        deadline = time.monotonic() + timeout
        while await self.owner() is not None:
            if time.monotonic() > deadline:
                raise ReadaloudError(
                    f"the daemon did not quit within {timeout:.0f} s; stop it with 'kill <pid>'"
                )
            await asyncio.sleep(POLL_INTERVAL)

    # -- starting the daemon ------------------------------------------------------------------------

    async def ensure_running(self, stderr: IO[str], *, autospawn: Callable[[], bool] = lambda: True) -> None:
        """Make sure a daemon owns the name and has finished loading; start one if needed.

        ``autospawn`` is asked only when no daemon runs (it reads ``[daemon].autospawn``).
        """
        process: subprocess.Popen[bytes] | None = None
        if await self.owner() is None:
            if not autospawn():
                raise DaemonNotRunningError(
                    "the readaloud daemon is not running and [daemon].autospawn is off; start it "
                    "with 'readaloud daemon' or 'systemctl --user start readaloud'"
                )
            process = await self._start_daemon(stderr)
        await self.wait_ready(stderr, process)

    async def _start_daemon(self, stderr: IO[str]) -> subprocess.Popen[bytes] | None:
        try:
            if await self.activatable():
                print("readaloud: starting the daemon through D-Bus activation…", file=stderr)
                await self._bus("StartServiceByName", "su", [BUS_NAME, 0])
                return None
        except ReadaloudError as error:
            log.debug("D-Bus activation failed: %s", error)
        log_path = daemon_log_path()
        print(f"readaloud: no daemon running; starting one in the background (log: {log_path})",
              file=stderr)
        return spawn_daemon(log_path)

    async def wait_ready(
        self, stderr: IO[str], process: subprocess.Popen[bytes] | None = None, timeout: float = READY_TIMEOUT
    ) -> None:
        """Wait until the daemon owns its name and its State is no longer ``loading``.

        A first run downloads the model: its progress is shown on ``stderr``, and the wait only
        gives up after ``timeout`` seconds in which nothing moved (no bytes arrived, no step ended).
        """
        view = LoadProgressView(stderr)
        start = last_moved = time.monotonic()
        seen: tuple[Any, ...] = ()
        noted = False
        while True:
            moment: tuple[Any, ...] = ("absent",)
            if await self.owner() is not None:
                try:
                    properties = await self.properties()
                except DaemonNotRunningError:
                    properties = {}
                if properties and properties.get("State") != State.LOADING:
                    view.finish()
                    return
                progress = {key: value.value for key, value in properties.get("LoadProgress", {}).items()}
                view.show(progress)
                moment = ("loading", progress.get("what"), progress.get("done"))
            elif process is not None and process.poll() is not None:
                view.close()
                raise DaemonStartError(start_failure_message(process.returncode))
            now = time.monotonic()
            if moment != seen:
                seen, last_moved = moment, now
            if now - last_moved > timeout:
                view.close()
                doing = "its download stalled" if view.active else "nothing changed"
                raise DaemonStartError(
                    f"the daemon did not become ready ({doing} for {timeout:.0f} s); see {daemon_log_path()}"
                )
            if not noted and not view.active and now - start > SLOW_START_NOTE:
                print("readaloud: waiting for the daemon to load the model…", file=stderr)
                noted = True
            await asyncio.sleep(POLL_INTERVAL)


def spawn_daemon(log_path: Path) -> subprocess.Popen[bytes]:
    """Start ``readaloud daemon`` detached from this terminal, logging to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # Truncated at each start: the log describes the running daemon and cannot grow without bound.
    with open(log_path, "wb") as log_file:
        os.chmod(log_path, 0o600)
        return subprocess.Popen(
            [sys.executable, "-m", "readaloud", "daemon"],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
            close_fds=True,
        )


def start_failure_message(returncode: int | None) -> str:
    """Why an autospawned daemon died: the last error line of its log."""
    log_path = daemon_log_path()
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    reason = next((line for line in reversed(lines) if "error" in line.lower()), "")
    if reason:
        return f"the daemon exited (status {returncode}): {reason.strip()} (log: {log_path})"
    return f"the daemon exited with status {returncode}; see {log_path}"


def run(action: Callable[[Client], Awaitable[int]]) -> int:
    """Connect, run ``action`` and disconnect; the synchronous entry point of every command."""

    async def main() -> int:
        client = await Client.connect()
        try:
            return await action(client)
        finally:
            client.disconnect()

    return asyncio.run(main())
