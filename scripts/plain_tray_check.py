"""The tray of a plain ``pip install .`` (no PyGObject), checked end to end on a headless X server.

Run with the Python of a venv made by ``pip install .`` alone (scripts/quickstart-check does):

1. With a StatusNotifierWatcher on a private session bus, ``readaloud daemon`` registers an item whose
   com.canonical.dbusmenu menu has Pause, Stop and the voices (Heart, Michael, ...); clicking Michael
   there changes ``readaloud status`` at once.
2. With only an X11 system tray (trayer), the daemon's icon docks in it.

Needs Xvfb, dbus-daemon, trayer and xwininfo; the model must already be in the cache. Prints one
line per finding and exits non-zero on the first failure.
"""

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusBool, DBusInt32, DBusSignature, DBusStr
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

BIN = Path(sys.executable).parent
WATCHER = "org.kde.StatusNotifierWatcher"


def fail(message: str) -> None:
    sys.exit(f"plain-tray-check: {message}")


def say(message: str) -> None:
    print(f"plain-tray-check: {message}", flush=True)


def wait_for(predicate: Any, timeout: float, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


class Watcher(ServiceInterface):
    """A minimal StatusNotifierWatcher: records what registers."""

    def __init__(self) -> None:
        super().__init__(WATCHER)
        self.items: list[str] = []

    @dbus_method()
    def RegisterStatusNotifierItem(self, service: DBusStr) -> None:
        self.items.append(service)

    @dbus_method()
    def RegisterStatusNotifierHost(self, service: DBusStr) -> None:
        pass

    @dbus_property(access=PropertyAccess.READ)
    def RegisteredStatusNotifierItems(self) -> Annotated[list[str], DBusSignature("as")]:
        return self.items

    @dbus_property(access=PropertyAccess.READ)
    def IsStatusNotifierHostRegistered(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def ProtocolVersion(self) -> DBusInt32:
        return 0


class BusClient:
    """A session-bus connection on its own loop thread, for the watcher and the menu calls."""

    def __init__(self, address: str) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

        async def connect() -> MessageBus:
            return await MessageBus(bus_address=address).connect()

        self.bus: MessageBus = self.run(connect())

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(20)

    def call(self, dest: str, path: str, iface: str, member: str, sig: str = "", body: Any = ()) -> Any:
        reply = self.run(self.bus.call(Message(destination=dest, path=path, interface=iface, member=member,
                                               signature=sig, body=list(body))))
        if reply.message_type is not MessageType.METHOD_RETURN:
            fail(f"{member} failed: {reply.body}")
        return reply.body


def tree(children: list[Any]) -> dict[str, Any]:
    out = {}
    for child in children:
        item_id, props, sub = child.value
        label = props["label"].value if "label" in props else f"-{item_id}"
        out[label] = {"id": item_id, "checked": props.get("toggle-state", Variant("i", 0)).value == 1,
                      "children": tree(sub)}
    return out


def start_daemon(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen([str(BIN / "readaloud"), "-v", "daemon"], env=env, stdout=out, stderr=out)


def stop_daemon(daemon: subprocess.Popen[bytes]) -> None:
    daemon.send_signal(signal.SIGTERM)
    try:
        daemon.wait(30)
    except subprocess.TimeoutExpired:
        daemon.kill()


def status(env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run([str(BIN / "readaloud"), "status", "--json"], env=env, capture_output=True,
                         timeout=30, check=False)
    return dict(json.loads(out.stdout)) if out.returncode == 0 else {}


def new_bus(env: dict[str, str]) -> tuple[str, int]:
    out = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
                         env=env, capture_output=True, text=True, timeout=10, check=True).stdout.split()
    return out[0], int(out[1])


def check_status_notifier_item(env: dict[str, str], root: Path) -> None:
    address, bus_pid = new_bus(env)
    env = dict(env, DBUS_SESSION_BUS_ADDRESS=address)
    client = BusClient(address)
    watcher = Watcher()
    client.bus.export("/StatusNotifierWatcher", watcher)
    client.run(client.bus.request_name(WATCHER))
    daemon = start_daemon(env, root / "daemon-sni.log")
    try:
        if not wait_for(lambda: watcher.items or daemon.poll() is not None, 180) or not watcher.items:
            fail(f"the daemon registered no StatusNotifierItem:\n{(root / 'daemon-sni.log').read_text()}")
        name = watcher.items[0]
        say(f"daemon registered {name} with the StatusNotifierWatcher")
        menu_path = client.call(name, "/StatusNotifierItem", "org.freedesktop.DBus.Properties", "Get", "ss",
                                ["org.kde.StatusNotifierItem", "Menu"])[0].value

        def layout() -> dict[str, Any]:
            return tree(client.call(name, menu_path, "com.canonical.dbusmenu", "GetLayout", "iias",
                                    [0, -1, []])[1][2])

        menu = layout()
        us = menu.get("Voice", {}).get("children", {}).get("English (US) •", {}).get("children", {})
        wanted = {"Pause", "Stop", "Voice"}
        if not wanted <= set(menu) or not {"Heart (US, female)", "Michael (US, male)"} <= set(us):
            fail(f"the menu lacks pause, stop or the voices: {sorted(menu)}, {sorted(us)}")
        say(f"menu: {', '.join(label for label in menu if not label.startswith('-'))}; "
            f"{sum(len(g['children']) for g in menu['Voice']['children'].values())} voices")
        client.call(name, menu_path, "com.canonical.dbusmenu", "Event", "isvu",
                    [us["Michael (US, male)"]["id"], "clicked", Variant("i", 0), 0])
        clicked = time.monotonic()

        def voice() -> str:
            return str(client.call("io.github.readaloud.ReadAloud", "/io/github/readaloud/ReadAloud",
                                   "org.freedesktop.DBus.Properties", "Get", "ss",
                                   ["io.github.readaloud.ReadAloud1", "Voice"])[0].value)

        if not wait_for(lambda: voice() == "am_michael", 5, 0.005):
            fail(f"clicking Michael did not change the daemon's voice: {voice()}")
        applied = time.monotonic() - clicked
        if status(env).get("voice") != "am_michael":
            fail(f"'readaloud status' does not show the voice clicked in the menu: {status(env)}")
        say(f"clicked Michael in the menu: the daemon's voice changed {applied * 1000:.0f} ms after the "
            "click's reply, and the next 'readaloud status' says am_michael")
        us = layout()["Voice"]["children"]["English (US) •"]["children"]
        checked = [label for label, item in us.items() if item["checked"]]
        if checked != ["Michael (US, male)"]:
            fail(f"the menu does not show Michael checked: {checked}")
    finally:
        stop_daemon(daemon)
        client.loop.call_soon_threadsafe(client.bus.disconnect)
        time.sleep(0.2)
        os.kill(bus_pid, signal.SIGTERM)


def panel_children(env: dict[str, str]) -> int:
    out = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True,
                         errors="replace", timeout=10, check=True).stdout
    match = re.search(r'"panel": \("panel" "trayer"\).*\n\s*(\d+) child', out)
    return int(match.group(1)) if match else 0


def check_xembed(env: dict[str, str], root: Path) -> None:
    address, bus_pid = new_bus(env)
    env = dict(env, DBUS_SESSION_BUS_ADDRESS=address)
    trayer = subprocess.Popen(
        ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "32"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    daemon = None
    try:
        time.sleep(1)
        before = panel_children(env)
        daemon = start_daemon(env, root / "daemon-xembed.log")
        if not wait_for(lambda: panel_children(env) > before or daemon.poll() is not None, 180) \
                or panel_children(env) <= before:
            tree = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True,
                                  errors="replace", check=False).stdout
            fail(f"the icon never docked in trayer:\n{(root / 'daemon-xembed.log').read_text()}\n{tree}")
        say(f"icon docked in trayer (its panel window went from {before} to {panel_children(env)} children)")
    finally:
        if daemon is not None:
            stop_daemon(daemon)
        trayer.terminate()
        os.kill(bus_pid, signal.SIGTERM)


def main() -> None:
    try:
        import gi  # noqa: F401
    except ImportError:
        say("this venv has no PyGObject")
    else:
        fail("this venv has PyGObject; run me with a venv from a plain 'pip install .'")
    root = Path(tempfile.mkdtemp(prefix="plain-tray-check-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY")}
    env.update(XDG_CONFIG_HOME=str(root / "config"), XDG_STATE_HOME=str(root / "state"), NO_AT_BRIDGE="1")
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24",
                             "-nolisten", "tcp"], pass_fds=(write_end,), stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as display:
            env["DISPLAY"] = ":" + display.readline().strip()
        check_status_notifier_item(env, root)
        check_xembed(env, root)
    finally:
        xvfb.terminate()
    say("ok")


if __name__ == "__main__":
    main()
