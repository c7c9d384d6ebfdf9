"""Global shortcuts on Wayland through the XDG desktop portal (org.freedesktop.portal.GlobalShortcuts).

Offered by KDE Plasma 5.27+, GNOME 48+ and Hyprland's portal. The flow: register an app id
(org.freedesktop.host.portal.Registry, needed by non-sandboxed apps on recent portals), CreateSession,
BindShortcuts (the desktop may ask the user to confirm or change the keys), then listen for
Activated. Each request answers through a Response signal on a Request object whose path we can
predict, so we subscribe before calling.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from readaloud.dbus.names import APP_ID
from readaloud.errors import PortalUnavailable

if TYPE_CHECKING:
    from dbus_fast import Message
    from dbus_fast.aio import MessageBus

log = logging.getLogger(__name__)

PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SHORTCUTS_IFACE = "org.freedesktop.portal.GlobalShortcuts"
REQUEST_IFACE = "org.freedesktop.portal.Request"
REGISTRY_IFACE = "org.freedesktop.host.portal.Registry"
RESPONSE_TIMEOUT = 120.0  # BindShortcuts may wait for the user to answer a dialog


@dataclass(frozen=True)
class Shortcut:
    """One shortcut to bind: portal id, human description, preferred trigger (shortcuts-spec form)."""

    id: str
    description: str
    trigger: str


def _signal_rule(interface: str, member: str) -> str:
    return f"type='signal',sender='{PORTAL_NAME}',interface='{interface}',member='{member}'"


async def _call(bus: MessageBus, interface: str, member: str, signature: str, body: list[Any]) -> Message:
    from dbus_fast import Message, MessageType

    reply = await bus.call(
        Message(destination=PORTAL_NAME, path=PORTAL_PATH, interface=interface, member=member,
                signature=signature, body=body)
    )
    if reply is None or reply.message_type == MessageType.ERROR:
        detail = reply.body[0] if reply is not None and reply.body else ""
        name = reply.error_name if reply is not None else "no reply"
        raise PortalUnavailable(f"{interface}.{member}: {name} {detail}".strip())
    return reply


async def portal_version(bus: MessageBus) -> int | None:
    """GlobalShortcuts' version, or None where the desktop does not offer it."""
    from dbus_fast import Variant

    try:
        reply = await _call(bus, "org.freedesktop.DBus.Properties", "Get", "ss", [SHORTCUTS_IFACE, "version"])
    except PortalUnavailable as error:
        log.debug("no GlobalShortcuts portal: %s", error)
        return None
    value = reply.body[0]
    return int(value.value if isinstance(value, Variant) else value)


class PortalShortcuts:
    """A GlobalShortcuts session; ``on_activated(id)`` runs on the bus loop for each key press."""

    def __init__(self, bus: MessageBus, on_activated: Callable[[str], None]) -> None:
        self._bus = bus
        self._on_activated = on_activated
        self._session: str | None = None
        self._pending: dict[str, asyncio.Future[tuple[int, dict[str, Any]]]] = {}
        self._handler_installed = False

    async def bind(self, shortcuts: list[Shortcut]) -> dict[str, str]:
        """Create a session and bind ``shortcuts``; returns id → trigger the desktop settled on."""
        from dbus_fast import Variant

        if await portal_version(self._bus) is None:
            raise PortalUnavailable("the desktop portal has no GlobalShortcuts interface")
        await self._register_app_id()
        self._install_handler()
        for rule in (_signal_rule(REQUEST_IFACE, "Response"), _signal_rule(SHORTCUTS_IFACE, "Activated")):
            await self._add_match(rule)

        code, results = await self._request(
            "CreateSession", "a{sv}",
            lambda token: [{"handle_token": Variant("s", token),
                            "session_handle_token": Variant("s", _token())}],
        )
        if code != 0:
            raise PortalUnavailable(f"CreateSession was refused (response {code})")
        session = results["session_handle"].value
        self._session = str(session)
        spec = [
            (s.id, {"description": Variant("s", s.description), "preferred_trigger": Variant("s", s.trigger)})
            for s in shortcuts
        ]
        code, results = await self._request(
            "BindShortcuts", "oa(sa{sv})sa{sv}",
            lambda token: [self._session, spec, "", {"handle_token": Variant("s", token)}],
        )
        if code != 0:
            raise PortalUnavailable(f"BindShortcuts was refused or cancelled (response {code})")
        bound: dict[str, str] = {}
        for shortcut_id, props in results.get("shortcuts", Variant("a(sa{sv})", [])).value:
            trigger = props.get("trigger_description")
            bound[shortcut_id] = trigger.value if trigger is not None else ""
        return bound

    async def close(self) -> None:
        from dbus_fast import Message

        if self._session is not None:
            await self._bus.call(
                Message(destination=PORTAL_NAME, path=self._session,
                        interface="org.freedesktop.portal.Session", member="Close")
            )
            self._session = None
        if self._handler_installed:
            self._bus.remove_message_handler(self._handle)
            self._handler_installed = False

    async def _register_app_id(self) -> None:
        try:
            await _call(self._bus, REGISTRY_IFACE, "Register", "sa{sv}", [APP_ID, {}])
        except PortalUnavailable as error:
            # Older portals have no registry (they derive the app id themselves); a second
            # registration on the same connection is refused. Neither stops us.
            log.debug("portal app id registration skipped: %s", error)

    async def _add_match(self, rule: str) -> None:
        from dbus_fast import Message

        await self._bus.call(
            Message(destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
                    interface="org.freedesktop.DBus", member="AddMatch", signature="s", body=[rule])
        )

    async def _request(
        self, member: str, signature: str, body: Callable[[str], list[Any]]
    ) -> tuple[int, dict[str, Any]]:
        token = _token()
        sender = (self._bus.unique_name or "").lstrip(":").replace(".", "_")
        path = f"/org/freedesktop/portal/desktop/request/{sender}/{token}"
        future: asyncio.Future[tuple[int, dict[str, Any]]] = asyncio.get_running_loop().create_future()
        self._pending[path] = future
        try:
            reply = await _call(self._bus, SHORTCUTS_IFACE, member, signature, body(token))
            actual = str(reply.body[0])
            if actual != path:  # very old portals choose their own path
                self._pending[actual] = self._pending.pop(path)
                path = actual
            return await asyncio.wait_for(future, RESPONSE_TIMEOUT)
        finally:
            self._pending.pop(path, None)

    def _install_handler(self) -> None:
        if not self._handler_installed:
            self._bus.add_message_handler(self._handle)
            self._handler_installed = True

    def _handle(self, message: Message) -> None:
        from dbus_fast import MessageType

        if message.message_type != MessageType.SIGNAL:
            return None
        if message.interface == REQUEST_IFACE and message.member == "Response":
            future = self._pending.get(message.path or "")
            if future is not None and not future.done():
                code, results = message.body
                future.set_result((int(code), dict(results)))
        elif (message.interface == SHORTCUTS_IFACE and message.member == "Activated"
              and self._session is not None and str(message.body[0]) == self._session):
            shortcut_id = str(message.body[1])
            log.debug("portal shortcut %s activated", shortcut_id)
            try:
                self._on_activated(shortcut_id)
            except Exception:
                log.exception("handling portal shortcut %s failed", shortcut_id)
        return None


def _token() -> str:
    return "readaloud_" + uuid.uuid4().hex[:16]


def describe(bindings: Mapping[str, str]) -> str:
    """A one-line summary of bound portal shortcuts, for logs."""
    return ", ".join(f"{k}={v or '?'}" for k, v in sorted(bindings.items()))
