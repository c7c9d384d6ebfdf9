"""The tray icon as a StatusNotifierItem, spoken over dbus-fast.

This is the tray protocol of KDE Plasma, GNOME (AppIndicator extension), Xfce, Cinnamon, MATE, LXQt,
waybar and swaybar; it needs no GTK and nothing compiled. The item exports itself and its menu
(dbusmenu, see ``dbusmenu.py``) at the paths in ``readaloud.dbus.names``, owns a bus name of its own
(``SNI_ITEM_NAME_PREFIX`` + ``<pid>-<n>``) and registers it with the StatusNotifierWatcher whenever
one appears on the bus (panels restart, and often start after the daemon at login).

Icons are Pillow drawings sent as ARGB32 pixmaps in several sizes. Left click (``Activate``)
pauses or resumes (reads the selection when idle), middle click (``SecondaryActivate``) stops, the
wheel (``Scroll``) changes the speed. Everything here runs on the loop of the bus connection.
(No ``from __future__ import annotations`` here: dbus-fast reads the annotations.)
"""

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Callable
from html import escape
from typing import Annotated, Any

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusBool, DBusInt32, DBusObjectPath, DBusSignature, DBusStr
from dbus_fast.constants import NameFlag, PropertyAccess, RequestNameReply
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal

from readaloud.core import MAX_SPEED, MIN_SPEED
from readaloud.dbus.names import (
    SNI_ITEM_INTERFACE,
    SNI_ITEM_NAME_PREFIX,
    SNI_ITEM_PATH,
    SNI_MENU_PATH,
    SNI_WATCHER_NAME,
    SNI_WATCHER_PATH,
)
from readaloud.desktop.dbusmenu import DBusMenu
from readaloud.desktop.icons import SIZES, IconState, render_icon
from readaloud.desktop.tray_menu import (
    TrayCommands,
    TrayView,
    build_menu,
    icon_state,
    primary_action,
    tooltip,
    tooltip_sentence,
)

log = logging.getLogger(__name__)

ITEM_ID = "readaloud"
TITLE = "Read aloud"
SCROLL_STEP = 0.05
SCROLL_MEMORY_S = 2.0  # wheel notches this close together add up, even before the reader confirms

Pixmaps = Annotated[list[Any], DBusSignature("a(iiay)")]
ToolTip = Annotated[list[Any], DBusSignature("(sa(iiay)ss)")]

_instances = itertools.count(1)


def argb32(image: Any) -> bytes:
    """An RGBA Pillow image as ARGB32 in network byte order, the StatusNotifierItem pixmap format."""
    red, green, blue, alpha = image.convert("RGBA").split()
    from PIL import Image

    return bytes(Image.merge("RGBA", (alpha, red, green, blue)).tobytes())


def icon_pixmaps(state: IconState) -> list[list[Any]]:
    """``a(iiay)``: the icon for ``state`` in every tray size."""
    return [[size, size, argb32(render_icon(state, size))] for size in SIZES]


def status(view: TrayView) -> str:
    return "NeedsAttention" if view.error is not None else "Active"


def tooltip_text(view: TrayView) -> tuple[str, str]:
    """(title, body) of the tooltip; the body may hold the simple markup hosts render."""
    title, _, details = tooltip(view).partition(": ")
    sentence = tooltip_sentence(view)
    body = escape(details)
    if sentence:
        body += f"<br/><i>{escape(sentence)}</i>"
    return title, body


def scrolled_speed(speed: float, delta: int) -> float:
    """The speed after one wheel notch: up (``delta`` < 0) is faster.

    The specification leaves the sign open; hosts built on GTK (Xfce's panel, libappindicator's
    convention) send a negative delta for the wheel turned up, as seen with xfce4-panel 4.18.
    """
    step = SCROLL_STEP if delta < 0 else -SCROLL_STEP
    return round(min(MAX_SPEED, max(MIN_SPEED, speed + step)), 2)


class StatusNotifierItem(ServiceInterface):
    """The StatusNotifierItem interface: icon, status and tooltip from ``view()``; clicks to ``commands``."""

    def __init__(self, view: Callable[[], TrayView], commands: TrayCommands, menu_path: str = SNI_MENU_PATH):
        super().__init__(SNI_ITEM_INTERFACE)
        self._view = view
        self._commands = commands
        self._menu_path = menu_path
        self._shown = view()
        self._pixmaps: dict[IconState, list[list[Any]]] = {}
        self._scroll: tuple[float, float] | None = None  # (speed asked for, when)

    # -- plain logic ----------------------------------------------------------------------------------

    def pixmaps(self, state: IconState) -> list[list[Any]]:
        if state not in self._pixmaps:
            self._pixmaps[state] = icon_pixmaps(state)
        return self._pixmaps[state]

    def refresh(self) -> None:
        """Tell hosts what changed since the last refresh (on the bus loop)."""
        old, new = self._shown, self._view()
        self._shown = new
        if icon_state(old) != icon_state(new):
            self.NewIcon()
            self.NewAttentionIcon()
        if status(old) != status(new):
            self.NewStatus(status(new))
        if tooltip_text(old) != tooltip_text(new):
            self.NewToolTip()

    def activate(self) -> None:
        primary_action(self._view(), self._commands)

    def secondary_activate(self) -> None:
        self._commands.stop()

    def scroll(self, delta: int, orientation: str) -> None:
        if delta == 0 or orientation.lower() != "vertical":
            return
        now = time.monotonic()
        base = self._view().speed
        if self._scroll is not None and now - self._scroll[1] < SCROLL_MEMORY_S:
            base = self._scroll[0]  # the reader may not have applied the previous notch yet
        speed = scrolled_speed(base, delta)
        self._scroll = (speed, now)
        if abs(speed - self._view().speed) > 1e-9:
            self._commands.set_speed(speed)

    # -- D-Bus methods -----------------------------------------------------------------------------

    @dbus_method()
    def ContextMenu(self, x: DBusInt32, y: DBusInt32) -> None:
        pass  # hosts show the Menu themselves

    @dbus_method()
    def Activate(self, x: DBusInt32, y: DBusInt32) -> None:
        self.activate()

    @dbus_method()
    def SecondaryActivate(self, x: DBusInt32, y: DBusInt32) -> None:
        self.secondary_activate()

    @dbus_method()
    def Scroll(self, delta: DBusInt32, orientation: DBusStr) -> None:
        self.scroll(delta, orientation)

    # -- properties ---------------------------------------------------------------------------------

    @dbus_property(access=PropertyAccess.READ)
    def Category(self) -> DBusStr:
        return "ApplicationStatus"

    @dbus_property(access=PropertyAccess.READ)
    def Id(self) -> DBusStr:
        return ITEM_ID

    @dbus_property(access=PropertyAccess.READ)
    def Title(self) -> DBusStr:
        return TITLE

    @dbus_property(access=PropertyAccess.READ)
    def Status(self) -> DBusStr:
        return status(self._shown)

    @dbus_property(access=PropertyAccess.READ)
    def WindowId(self) -> DBusInt32:
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def IconThemePath(self) -> DBusStr:
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def IconName(self) -> DBusStr:
        return ""  # empty: hosts take the pixmaps, which show the state

    @dbus_property(access=PropertyAccess.READ)
    def IconPixmap(self) -> Pixmaps:
        return self.pixmaps(icon_state(self._shown))

    @dbus_property(access=PropertyAccess.READ)
    def OverlayIconName(self) -> DBusStr:
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def OverlayIconPixmap(self) -> Pixmaps:
        return []

    @dbus_property(access=PropertyAccess.READ)
    def AttentionIconName(self) -> DBusStr:
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def AttentionIconPixmap(self) -> Pixmaps:
        return self.pixmaps(IconState.ERROR)

    @dbus_property(access=PropertyAccess.READ)
    def AttentionMovieName(self) -> DBusStr:
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def ToolTip(self) -> ToolTip:
        title, body = tooltip_text(self._shown)
        return ["", [], title, body]

    @dbus_property(access=PropertyAccess.READ)
    def ItemIsMenu(self) -> DBusBool:
        return False  # left click has its own action (pause/resume); the menu is on right click

    @dbus_property(access=PropertyAccess.READ)
    def Menu(self) -> DBusObjectPath:
        return self._menu_path

    # -- signals -----------------------------------------------------------------------------------

    @dbus_signal()
    def NewTitle(self) -> None:
        return None

    @dbus_signal()
    def NewIcon(self) -> None:
        return None

    @dbus_signal()
    def NewAttentionIcon(self) -> None:
        return None

    @dbus_signal()
    def NewOverlayIcon(self) -> None:
        return None

    @dbus_signal()
    def NewToolTip(self) -> None:
        return None

    @dbus_signal()
    def NewStatus(self, value: str) -> DBusStr:
        return value


class StatusNotifierTray:
    """Exports the item and its menu on ``bus`` and keeps it registered with the watcher.

    ``on_watcher(present)`` is called whenever a StatusNotifierWatcher appears or goes away, so the
    caller can offer another kind of icon meanwhile. Call every method on the bus's loop.
    """

    def __init__(
        self,
        bus: MessageBus,
        view: Callable[[], TrayView],
        commands: TrayCommands,
        *,
        on_watcher: Callable[[bool], None] | None = None,
    ) -> None:
        self._bus = bus
        self._view = view
        self._menu_key: tuple[str, str, float] | None = None
        self.item = StatusNotifierItem(view, commands)
        self.menu = DBusMenu(lambda: build_menu(view(), commands))
        self.name = f"{SNI_ITEM_NAME_PREFIX}{os.getpid()}-{next(_instances)}"
        self._on_watcher = on_watcher
        self._match = (
            "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
            f"member='NameOwnerChanged',arg0='{SNI_WATCHER_NAME}'"
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self.registered = False
        self.registrations = 0
        self.watcher_present = False

    async def start(self) -> bool:
        """Export, claim the name and register if a watcher runs; True when registered now."""
        bus = self._bus
        bus.export(SNI_ITEM_PATH, self.item)
        bus.export(SNI_MENU_PATH, self.menu)
        reply = await bus.request_name(self.name, NameFlag.DO_NOT_QUEUE)
        if reply is not RequestNameReply.PRIMARY_OWNER:
            log.warning("could not own %s (%s); registering by unique name", self.name, reply.name)
            self.name = bus.unique_name or self.name
        bus.add_message_handler(self._on_message)
        await self._bus_call("AddMatch", "s", [self._match])
        owner = await self._bus_call("NameHasOwner", "s", [SNI_WATCHER_NAME])
        self.watcher_present = bool(owner and owner[0])
        if self.watcher_present:
            await self._register()
        return self.registered

    def refresh(self) -> None:
        self.item.refresh()
        view = self._view()
        menu_key = (view.state, view.voice, view.speed)  # what build_menu reads; not the sentence
        if menu_key != self._menu_key:
            self._menu_key = menu_key
            self.menu.refresh()

    async def stop(self) -> None:
        bus = self._bus
        bus.remove_message_handler(self._on_message)
        for task in list(self._tasks):
            task.cancel()
        if bus.connected:
            await self._bus_call("RemoveMatch", "s", [self._match])
            bus.unexport(SNI_ITEM_PATH, self.item)
            bus.unexport(SNI_MENU_PATH, self.menu)
            if self.name.startswith(SNI_ITEM_NAME_PREFIX):  # not our unique name
                try:
                    await bus.release_name(self.name)
                except Exception:
                    log.debug("releasing %s failed", self.name, exc_info=True)
        self.registered = False

    # -- internals ----------------------------------------------------------------------------------

    async def _register(self) -> None:
        reply = await self._bus.call(Message(
            destination=SNI_WATCHER_NAME, path=SNI_WATCHER_PATH, interface=SNI_WATCHER_NAME,
            member="RegisterStatusNotifierItem", signature="s", body=[self.name],
        ))
        if reply is None or reply.message_type is not MessageType.METHOD_RETURN:
            detail = reply.body[0] if reply is not None and reply.body else "no reply"
            log.warning("the StatusNotifierWatcher refused the tray icon: %s", detail)
            self.registered = False
            return
        self.registered = True
        self.registrations += 1
        log.info("tray icon registered with the StatusNotifierWatcher as %s", self.name)

    def _on_message(self, msg: Message) -> None:
        if (msg.message_type is not MessageType.SIGNAL or msg.member != "NameOwnerChanged"
                or msg.interface != "org.freedesktop.DBus" or not msg.body
                or msg.body[0] != SNI_WATCHER_NAME):
            return
        present = bool(msg.body[2])
        self.watcher_present = present
        self.registered = False
        if present:
            log.info("a StatusNotifierWatcher appeared; registering the tray icon")
            task = asyncio.ensure_future(self._register())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            log.info("the StatusNotifierWatcher went away; the tray icon waits for the next one")
        if self._on_watcher is not None:
            self._on_watcher(present)

    async def _bus_call(self, member: str, signature: str, body: list[Any]) -> list[Any] | None:
        reply = await self._bus.call(Message(
            destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus", member=member, signature=signature, body=body,
        ))
        if reply is None or reply.message_type is not MessageType.METHOD_RETURN:
            log.debug("%s failed: %s", member, reply.body if reply is not None else "no reply")
            return None
        return list(reply.body)
