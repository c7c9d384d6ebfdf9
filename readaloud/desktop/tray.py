"""The tray icon: pystray on its own GTK thread, showing the reader's state and a menu.

Backend choice: a StatusNotifierItem (pystray's ``appindicator`` backend, libayatana-appindicator)
wherever a StatusNotifierWatcher runs (KDE, GNOME with the AppIndicator extension, Xfce, waybar,
…), else an XEmbed icon (``gtk``) where an X11 system tray runs. With neither, the daemon carries on
without an icon and says so once; the appindicator backend still registers if a watcher appears
later (panels often start after the daemon at login).
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from readaloud.desktop.icons import IconState, render_icon
from readaloud.desktop.tray_menu import MenuEntry, TrayCommands, TrayView, build_menu

log = logging.getLogger(__name__)

ICON_SIZE = 64
SNI_WATCHER = "org.kde.StatusNotifierWatcher"


def icon_state(view: TrayView) -> IconState:
    if view.error is not None:
        return IconState.ERROR
    try:
        return IconState(view.state)
    except ValueError:
        return IconState.IDLE


def tooltip(view: TrayView) -> str:
    from readaloud.speech.voices import VOICES

    info = VOICES.get(view.voice)
    voice = info.display_name if info else view.voice
    if view.error is not None:
        return f"Read aloud: {view.error}"
    return f"Read aloud: {icon_state(view).value} · {voice} · {view.speed:g}×"


def _sni_watcher_running() -> bool:
    from gi.repository import Gio, GLib

    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = bus.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
            GLib.Variant("(s)", (SNI_WATCHER,)), GLib.VariantType("(b)"), Gio.DBusCallFlags.NONE, 2000,
            None,
        )
    except GLib.Error as error:
        log.debug("no session bus for the tray: %s", error)
        return False
    return bool(reply.unpack()[0])


def _xembed_tray_running() -> bool:
    if not os.environ.get("DISPLAY"):
        return False
    try:
        from Xlib import X, display

        dpy = display.Display()
        try:
            atom = dpy.intern_atom(f"_NET_SYSTEM_TRAY_S{dpy.get_default_screen()}")
            return bool(dpy.get_selection_owner(atom) != X.NONE)
        finally:
            dpy.close()
    except Exception as error:  # no X server, Xlib missing: both mean no XEmbed tray
        log.debug("no XEmbed tray: %s", error)
        return False


def choose_backend(
    sni: Callable[[], bool] = _sni_watcher_running, xembed: Callable[[], bool] = _xembed_tray_running
) -> tuple[str, bool]:
    """(backend, host_found): appindicator where a StatusNotifierWatcher runs, else gtk for XEmbed."""
    forced = os.environ.get("PYSTRAY_BACKEND")
    if forced:
        return forced, True
    if sni():
        return "appindicator", True
    if xembed():
        return "gtk", True
    return "appindicator", False


class TrayIcon:
    """A pystray icon on its own thread; ``refresh`` (any thread) redraws icon, tooltip and menu."""

    def __init__(
        self,
        commands: TrayCommands,
        view: Callable[[], TrayView],
        *,
        choose: Callable[[], tuple[str, bool]] = choose_backend,
    ) -> None:
        self._commands = commands
        self._view = view
        self._choose = choose
        self._icon: Any = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.backend: str | None = None
        self.host_found = False

    @property
    def running(self) -> bool:
        return self._icon is not None and self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 5.0) -> bool:
        """Start the icon thread; True once an icon is up (visible or waiting for a tray host)."""
        if self._thread is not None:
            return self.running
        self._thread = threading.Thread(target=self._run, name="readaloud-tray", daemon=True)
        self._thread.start()
        self._ready.wait(timeout)
        return self.running

    def refresh(self) -> None:
        icon = self._icon
        if icon is None:
            return
        view = self._view()
        icon.icon = render_icon(icon_state(view), ICON_SIZE)
        icon.title = tooltip(view)
        icon.update_menu()

    def stop(self, timeout: float = 5.0) -> None:
        icon, thread = self._icon, self._thread
        if icon is not None:
            try:
                icon.stop()
            except Exception:
                # pystray's GTK backends raise here when no notification service is on the bus.
                log.debug("stopping the tray icon failed", exc_info=True)
        if thread is not None:
            thread.join(timeout)
        self._icon = None
        self._thread = None

    def _run(self) -> None:
        try:
            self._run_icon()
        except Exception as error:
            log.warning("no tray icon: %s; readaloud keeps running without one", _describe(error))
        finally:
            self._icon = None
            self._ready.set()

    def _run_icon(self) -> None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            log.warning("no tray icon: no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set)")
            return
        import gi  # noqa: F401  # PyGObject: the tray extra; ImportError is reported by _run

        backend, host_found = self._choose()
        self.backend, self.host_found = backend, host_found
        if not host_found:
            log.warning(
                "no tray host (no StatusNotifierItem watcher, no X11 system tray): running without a "
                "tray icon; it appears if a StatusNotifierItem host starts later"
            )
        # Importing pystray picks a default backend; the backend modules are the ones pystray's own
        # PYSTRAY_BACKEND switch imports, loaded here directly so the choice is ours per icon.
        import pystray

        icon_class = importlib.import_module(f"pystray._{backend}").Icon
        view = self._view()
        icon = icon_class(
            "readaloud",
            render_icon(icon_state(view), ICON_SIZE),
            tooltip(view),
            menu=pystray.Menu(lambda: self._pystray_items(build_menu(self._view(), self._commands))),
        )
        self._icon = icon

        def setup(icon: Any) -> None:
            icon.visible = True
            log.info("tray icon up (%s backend)", backend)
            self._ready.set()

        try:
            icon.run(setup)
        except Exception:
            log.debug("tray icon loop ended with an error", exc_info=True)

    def _pystray_items(self, entries: tuple[MenuEntry, ...]) -> list[Any]:
        import pystray

        items: list[Any] = []
        for entry in entries:
            if entry.is_separator:
                items.append(pystray.Menu.SEPARATOR)
                continue
            submenu = pystray.Menu(*self._pystray_items(entry.submenu)) if entry.submenu else None
            checked = entry.checked
            items.append(
                pystray.MenuItem(
                    entry.label,
                    # Some hosts deliver clicks on greyed-out items: those do nothing.
                    submenu if submenu is not None else _action(entry.action if entry.enabled else None),
                    checked=None if checked is None else (lambda _item, c=checked: c),
                    radio=entry.radio,
                    enabled=entry.enabled,
                    default=entry.default,
                )
            )
        return items


def _action(fn: Callable[[], None] | None) -> Callable[[], None]:
    def run() -> None:
        if fn is None:
            return
        try:
            fn()
        except Exception:
            log.exception("tray menu action failed")

    return run


def _describe(error: BaseException) -> str:
    if isinstance(error, ImportError) and error.name == "gi":
        return "PyGObject is not installed (pip install 'readaloud[tray]')"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]
