# ruff: noqa: F722, F821  (dbus-fast reads D-Bus signatures from the annotation strings)
# mypy: disable-error-code="name-defined, valid-type"
"""Stand-ins for the desktop services a real session has, served on a real (private) session bus.

- org.freedesktop.Notifications: records every Notify call.
- org.kde.StatusNotifierWatcher: records which connection registered which StatusNotifierItem, so
  a test can read and click the item's menu over com.canonical.dbusmenu.
- org.freedesktop.portal.Desktop with GlobalShortcuts (+ host Registry): answers CreateSession and
  BindShortcuts through Request.Response signals like xdg-desktop-portal does, and lets a test
  "press" a bound shortcut by emitting Activated.

Everything runs on its own asyncio loop thread; methods with ``sync_`` are for the test thread.
(No ``from __future__ import annotations`` here: dbus-fast reads the signature strings.)
"""

import asyncio
import threading
import time
from typing import Any

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_property, method, signal

PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"


class Notifications(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.received: list[dict[str, Any]] = []

    @method()
    def Notify(self, app: "s", replaces: "u", icon: "s", summary: "s", body: "s", actions: "as",
               hints: "a{sv}", timeout: "i") -> "u":
        self.received.append({"app": app, "replaces": replaces, "icon": icon, "summary": summary,
                              "body": body, "hints": {k: v.value for k, v in hints.items()}})
        return replaces or len(self.received)

    @method()
    def CloseNotification(self, nid: "u") -> None:
        pass

    @method()
    def GetCapabilities(self) -> "as":
        return ["body"]

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["stub", "readaloud-tests", "0", "1.2"]


class Watcher(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.kde.StatusNotifierWatcher")
        self.items: list[str] = []

    @method()
    def RegisterStatusNotifierItem(self, service: "s") -> None:
        self.items.append(service)
        self.StatusNotifierItemRegistered(service)

    @method()
    def RegisterStatusNotifierHost(self, service: "s") -> None:
        pass

    @dbus_property(access=PropertyAccess.READ)
    def RegisteredStatusNotifierItems(self) -> "as":
        return self.items

    @dbus_property(access=PropertyAccess.READ)
    def IsStatusNotifierHostRegistered(self) -> "b":
        return True

    @dbus_property(access=PropertyAccess.READ)
    def ProtocolVersion(self) -> "i":
        return 0

    @signal()
    def StatusNotifierItemRegistered(self, service: str) -> "s":
        return service

    @signal()
    def StatusNotifierHostRegistered(self) -> None:
        return None


class StubDesktop:
    """Runs the stubs on a private loop; ``sni_items`` lists the registered items as (bus name, path)."""

    def __init__(self, *, notifications: bool = True, watcher: bool = False, portal: bool = False,
                 bus_address: str | None = None) -> None:
        self._address = bus_address
        self._want = {"notifications": notifications, "watcher": watcher, "portal": portal}
        self.notifications = Notifications()
        self.watcher = Watcher()
        self.sni_items: list[tuple[str, str]] = []
        self.portal_calls: list[tuple[str, list[Any]]] = []
        self.portal_sessions: list[tuple[str, str]] = []  # (session handle, owner)
        self.portal_bound: dict[str, dict[str, Any]] = {}
        self._loop = asyncio.new_event_loop()
        self._bus: MessageBus | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> "StubDesktop":
        self._thread.start()
        self.run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bus is not None:
            self._loop.call_soon_threadsafe(self._bus.disconnect)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def run(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _start(self) -> None:
        bus = self._bus = await MessageBus(bus_address=self._address).connect()
        bus.add_message_handler(self._observe)
        if self._want["notifications"]:
            bus.export("/org/freedesktop/Notifications", self.notifications)
            await bus.request_name("org.freedesktop.Notifications")
        if self._want["watcher"]:
            bus.export("/StatusNotifierWatcher", self.watcher)
            await bus.request_name("org.kde.StatusNotifierWatcher")
        if self._want["portal"]:
            await bus.request_name(PORTAL_NAME)

    def _observe(self, msg: Message) -> Any:
        if msg.message_type != MessageType.METHOD_CALL:
            return None
        if msg.interface == "org.kde.StatusNotifierWatcher" and msg.member == "RegisterStatusNotifierItem":
            # Like real watchers: the argument is a bus name (the item is at /StatusNotifierItem) or,
            # as libappindicator sends it, an object path on the caller's connection.
            service = msg.body[0]
            self.sni_items.append((msg.sender, service) if service.startswith("/")
                                  else (service, "/StatusNotifierItem"))
            return None  # the exported Watcher answers
        if self._want["portal"] and msg.path == PORTAL_PATH:
            return self._portal(msg)
        return None

    # -- the fake xdg-desktop-portal ------------------------------------------------------------

    def _portal(self, msg: Message) -> Any:
        self.portal_calls.append((f"{msg.interface}.{msg.member}", list(msg.body)))
        if (msg.interface == "org.freedesktop.DBus.Properties" and msg.member == "Get"
                and list(msg.body) == ["org.freedesktop.portal.GlobalShortcuts", "version"]):
            return Message.new_method_return(msg, "v", [Variant("u", 1)])
        if msg.interface == "org.freedesktop.host.portal.Registry" and msg.member == "Register":
            return Message.new_method_return(msg)
        if msg.interface == "org.freedesktop.portal.GlobalShortcuts":
            sender = msg.sender.lstrip(":").replace(".", "_")
            if msg.member == "CreateSession":
                options = msg.body[0]
                request = f"{PORTAL_PATH}/request/{sender}/{options['handle_token'].value}"
                session = f"{PORTAL_PATH}/session/{sender}/{options['session_handle_token'].value}"
                self.portal_sessions.append((session, msg.sender))
                self._respond_later(msg.sender, request, {"session_handle": Variant("s", session)})
                return Message.new_method_return(msg, "o", [request])
            if msg.member == "BindShortcuts":
                session, shortcuts, _parent, options = msg.body
                request = f"{PORTAL_PATH}/request/{sender}/{options['handle_token'].value}"
                bound = []
                for shortcut_id, props in shortcuts:
                    self.portal_bound[shortcut_id] = {k: v.value for k, v in props.items()}
                    trigger = props["preferred_trigger"].value
                    bound.append([shortcut_id, {"description": props["description"],
                                                "trigger_description": Variant("s", trigger)}])
                self._respond_later(msg.sender, request,
                                    {"shortcuts": Variant("a(sa{sv})", bound)})
                return Message.new_method_return(msg, "o", [request])
        return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "not in the stub")

    def _respond_later(self, destination: str, request: str, results: dict[str, Variant]) -> None:
        assert self._bus is not None
        bus = self._bus

        def send() -> None:
            bus.send(Message(message_type=MessageType.SIGNAL, destination=destination, path=request,
                             interface="org.freedesktop.portal.Request", member="Response",
                             signature="ua{sv}", body=[0, results]))

        self._loop.call_later(0.05, send)

    def press_portal_shortcut(self, shortcut_id: str) -> None:
        """Emit Activated for ``shortcut_id`` on every session (the user pressed the key)."""

        async def emit() -> None:
            assert self._bus is not None
            for session, _owner in self.portal_sessions:
                await self._bus.send(Message(
                    message_type=MessageType.SIGNAL, path=PORTAL_PATH,
                    interface="org.freedesktop.portal.GlobalShortcuts", member="Activated",
                    signature="osta{sv}", body=[session, shortcut_id, int(time.time() * 1000), {}]))

        self.run(emit())


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; that value, or None on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
