"""The tray menu served over dbusmenu (``DBUSMENU_INTERFACE``), the menu protocol of StatusNotifierItem
hosts.

The menu is rebuilt from the reader's state on :meth:`DBusMenu.refresh`; hosts learn of the change
through ``ItemsPropertiesUpdated`` (labels, checks, enabled) or, when items come or go,
``LayoutUpdated``. Item ids are stable: one id per path of item keys for the life of the menu, so
a host holding an open menu still clicks the item it shows.

All methods run on the loop of the bus connection that exports the menu. Clicks call the entry's
action, which hands its work to the daemon loop (see ``DesktopFrontend.tray_commands``).
(No ``from __future__ import annotations`` here: dbus-fast reads the annotations.)
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from dbus_fast import DBusError, Variant
from dbus_fast.annotations import DBusInt32, DBusSignature, DBusStr, DBusUInt32, DBusVariant
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal

from readaloud.dbus.names import DBUSMENU_INTERFACE
from readaloud.desktop.tray_menu import MenuEntry

log = logging.getLogger(__name__)

ROOT_ID = 0
PROTOCOL_VERSION = 3
UNKNOWN_ITEM_ERROR = "org.freedesktop.DBus.Error.InvalidArgs"

Props = dict[str, Variant]
Layout = Annotated[list[Any], DBusSignature("(ia{sv}av)")]
IntList = Annotated[list[int], DBusSignature("ai")]
StrList = Annotated[list[str], DBusSignature("as")]
ItemProps = Annotated[list[Any], DBusSignature("a(ia{sv})")]
Events = Annotated[list[Any], DBusSignature("a(isvu)")]


@dataclass(frozen=True)
class MenuItem:
    """One item as served: its dbusmenu properties, children ids and click action."""

    id: int
    props: dict[str, Any]  # name -> (signature, value), compared across refreshes
    children: tuple[int, ...]
    action: Callable[[], None] | None

    def variants(self, names: Sequence[str] = ()) -> Props:
        wanted = set(names)
        return {
            name: Variant(signature, value)
            for name, (signature, value) in self.props.items()
            if not wanted or name in wanted
        }


def item_properties(entry: MenuEntry) -> dict[str, Any]:
    """The dbusmenu properties of ``entry`` that differ from the protocol's defaults."""
    if entry.is_separator:
        return {"type": ("s", "separator")}
    # dbusmenu reads "_" as a mnemonic marker; "__" is a literal underscore.
    props: dict[str, Any] = {"label": ("s", entry.label.replace("_", "__"))}
    if not entry.enabled:
        props["enabled"] = ("b", False)
    if entry.checked is not None:
        props["toggle-type"] = ("s", "radio" if entry.radio else "checkmark")
        props["toggle-state"] = ("i", 1 if entry.checked else 0)
    if entry.submenu:
        props["children-display"] = ("s", "submenu")
    return props


class DBusMenu(ServiceInterface):
    """The dbusmenu interface for the menu that ``build`` returns."""

    def __init__(self, build: Callable[[], tuple[MenuEntry, ...]]) -> None:
        super().__init__(DBUSMENU_INTERFACE)
        self._build = build
        self._ids: dict[tuple[str, ...], int] = {(): ROOT_ID}
        self._revision = 1
        self._items: dict[int, MenuItem] = self._snapshot()

    # -- plain logic (callable from Python and tests) --------------------------------------------

    @property
    def revision(self) -> int:
        return self._revision

    def refresh(self) -> None:
        """Rebuild the menu and tell hosts what changed (on the bus loop)."""
        old, new = self._items, self._snapshot()
        self._items = new
        if {i: item.children for i, item in old.items()} != {i: item.children for i, item in new.items()}:
            self._revision += 1
            self.LayoutUpdated(self._revision, ROOT_ID)
            return
        updated: list[list[Any]] = []
        removed: list[list[Any]] = []
        for item_id, item in new.items():
            before = old[item_id].props
            changed = {k: v for k, v in item.props.items() if before.get(k) != v}
            gone = sorted(k for k in before if k not in item.props)
            if changed:
                updated.append([item_id, {k: Variant(sig, value) for k, (sig, value) in changed.items()}])
            if gone:
                removed.append([item_id, gone])
        if updated or removed:
            self.ItemsPropertiesUpdated(updated, removed)

    def layout(self, parent: int, depth: int, names: Sequence[str] = ()) -> list[Any]:
        """``(id, properties, children)`` of ``parent``, ``depth`` levels down (-1: all)."""
        item = self._item(parent)
        children: list[Variant] = []
        if depth != 0:
            children = [
                Variant("(ia{sv}av)", self.layout(child, depth - 1, names)) for child in item.children
            ]
        return [item.id, item.variants(names), children]

    def event(self, item_id: int, event: str) -> None:
        item = self._item(item_id)
        if event != "clicked" or item.action is None:
            return  # "opened"/"closed"/"hovered", clicks on submenus and on greyed-out items
        try:
            item.action()
        except Exception:
            log.exception("tray menu action failed")

    def group_properties(self, ids: Sequence[int], names: Sequence[str]) -> list[list[Any]]:
        wanted = ids or list(self._items)
        return [[i, self._items[i].variants(names)] for i in wanted if i in self._items]

    def item_property(self, item_id: int, name: str) -> Variant:
        props = self._item(item_id).props
        if name not in props:
            raise DBusError(UNKNOWN_ITEM_ERROR, f"menu item {item_id} has no property {name!r}")
        signature, value = props[name]
        return Variant(signature, value)

    # -- internals ------------------------------------------------------------------------------------

    def _item(self, item_id: int) -> MenuItem:
        try:
            return self._items[item_id]
        except KeyError:
            raise DBusError(UNKNOWN_ITEM_ERROR, f"id {item_id} does not refer to a menu item") from None

    def _id(self, path: tuple[str, ...]) -> int:
        if path not in self._ids:
            self._ids[path] = len(self._ids)  # ids are never reused, so a stale click misses cleanly
        return self._ids[path]

    def _snapshot(self) -> dict[int, MenuItem]:
        items: dict[int, MenuItem] = {}

        def add(entries: tuple[MenuEntry, ...], path: tuple[str, ...]) -> tuple[int, ...]:
            ids = []
            separators = 0
            for entry in entries:
                if entry.is_separator:
                    separators += 1
                    key = f"-{separators}"
                else:
                    key = entry.ident
                item_path = (*path, key)
                item_id = self._id(item_path)
                children = add(entry.submenu, item_path)
                action = entry.action if entry.enabled and not entry.submenu else None
                items[item_id] = MenuItem(item_id, item_properties(entry), children, action)
                ids.append(item_id)
            return tuple(ids)

        root_children = add(self._build(), ())
        items[ROOT_ID] = MenuItem(ROOT_ID, {"children-display": ("s", "submenu")}, root_children, None)
        return items

    # -- D-Bus methods -----------------------------------------------------------------------------

    @dbus_method()
    def GetLayout(self, parent_id: DBusInt32, recursion_depth: DBusInt32, property_names: StrList) -> (
        Annotated[list[Any], DBusSignature("u(ia{sv}av)")]
    ):
        return [self._revision, self.layout(parent_id, recursion_depth, property_names)]

    @dbus_method()
    def GetGroupProperties(self, ids: IntList, property_names: StrList) -> ItemProps:
        return self.group_properties(ids, property_names)

    @dbus_method()
    def GetProperty(self, item_id: DBusInt32, name: DBusStr) -> DBusVariant:
        return self.item_property(item_id, name)

    @dbus_method()
    def Event(self, item_id: DBusInt32, event_id: DBusStr, data: DBusVariant, timestamp: DBusUInt32) -> None:
        self.event(item_id, event_id)

    @dbus_method()
    def EventGroup(self, events: Events) -> IntList:
        unknown = []
        for item_id, event_id, _data, _timestamp in events:
            if item_id in self._items:
                self.event(item_id, event_id)
            else:
                unknown.append(item_id)
        if events and len(unknown) == len(events):
            raise DBusError(UNKNOWN_ITEM_ERROR, "none of the ids refer to menu items")
        return unknown

    @dbus_method()
    def AboutToShow(self, item_id: DBusInt32) -> Annotated[bool, DBusSignature("b")]:
        self._item(item_id)
        return False  # the menu is kept current; nothing to update before showing it

    @dbus_method()
    def AboutToShowGroup(self, ids: IntList) -> Annotated[list[Any], DBusSignature("aiai")]:
        return [[], [i for i in ids if i not in self._items]]

    # -- properties ---------------------------------------------------------------------------------

    @dbus_property(access=PropertyAccess.READ)
    def Version(self) -> DBusUInt32:
        return PROTOCOL_VERSION

    @dbus_property(access=PropertyAccess.READ)
    def TextDirection(self) -> DBusStr:
        return "ltr"

    @dbus_property(access=PropertyAccess.READ)
    def Status(self) -> DBusStr:
        return "normal"

    @dbus_property(access=PropertyAccess.READ)
    def IconThemePath(self) -> StrList:
        return []

    # -- signals -----------------------------------------------------------------------------------

    @dbus_signal()
    def ItemsPropertiesUpdated(self, updated: list[Any], removed: list[Any]) -> Annotated[
        list[Any], DBusSignature("a(ia{sv})a(ias)")
    ]:
        return [updated, removed]

    @dbus_signal()
    def LayoutUpdated(self, revision: int, parent: int) -> Annotated[list[Any], DBusSignature("ui")]:
        return [revision, parent]

    @dbus_signal()
    def ItemActivationRequested(self, item_id: int, timestamp: int) -> Annotated[
        list[Any], DBusSignature("iu")
    ]:
        return [item_id, timestamp]
