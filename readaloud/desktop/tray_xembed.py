"""The fallback tray icon for X11 system trays without StatusNotifierItem support (XEmbed: i3bar,
trayer, stalonetray, old panels), through pystray on its own thread.

With PyGObject installed, pystray's ``gtk`` backend shows the full menu; without it the ``xorg``
backend (python-xlib, nothing compiled) docks an icon whose left click pauses or resumes (reads
the selection when idle), and whose tooltip says where the rest is: the CLI and ``readaloud doctor``.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from readaloud.desktop.icons import render_icon
from readaloud.desktop.tray_menu import (
    MenuEntry,
    TrayCommands,
    TrayView,
    build_menu,
    icon_state,
    primary_action,
    tooltip,
)

log = logging.getLogger(__name__)

ICON_SIZE = 64
ICON_WM_CLASS = "readaloudSystemTrayIcon"  # what pystray's X11 icon window calls itself
DOCK_ATTEMPTS = 15
DOCK_CHECK_S = 1.0
MENU_HINT = ("click: pause/resume or read the selection · voices, speed: readaloud voice/speed · "
             "readaloud doctor")


class XEmbedIcon:
    """A pystray icon (``gtk`` or ``xorg`` backend) on its own thread."""

    def __init__(self, backend: str, commands: TrayCommands, view: Callable[[], TrayView]) -> None:
        self.backend = backend
        self._commands = commands
        self._view = view
        self._icon: Any = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def running(self) -> bool:
        return self._icon is not None and self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 5.0) -> bool:
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
        icon.title = self._title(view)
        if self.backend == "gtk":
            icon.update_menu()

    def stop(self, timeout: float = 5.0) -> None:
        icon, thread = self._icon, self._thread
        if icon is not None:
            try:
                icon.stop()
            except Exception:
                # pystray's GTK backend raises here when no notification service is on the bus.
                log.debug("stopping the tray icon failed", exc_info=True)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._icon = None
        self._thread = None

    def _title(self, view: TrayView) -> str:
        if self.backend == "gtk":
            return tooltip(view)
        # The X11 window name is Latin-1.
        return f"{tooltip(view)} - {MENU_HINT}".encode("latin-1", "replace").decode("latin-1")

    def _run(self) -> None:
        try:
            self._run_icon()
        except Exception as error:
            log.warning("no XEmbed tray icon: %s", _describe(error))
        finally:
            self._icon = None
            self._ready.set()

    def _run_icon(self) -> None:
        # The backend modules are the ones pystray's own PYSTRAY_BACKEND switch imports, loaded
        # directly so the choice is ours per icon.
        import pystray

        icon_class = _clickable_xorg_icon() if self.backend == "xorg" else (
            importlib.import_module(f"pystray._{self.backend}").Icon)
        view = self._view()
        if self.backend == "gtk":
            menu = pystray.Menu(lambda: self._pystray_items(build_menu(self._view(), self._commands)))
        else:  # xorg: no menu, only the default item's action on left click
            menu = pystray.Menu(pystray.MenuItem(
                "Pause / resume", _action(lambda: primary_action(self._view(), self._commands)), default=True,
            ))
        icon = icon_class("readaloud", render_icon(icon_state(view), ICON_SIZE), self._title(view), menu=menu)
        if self.backend == "xorg":
            icon.on_middle_click = self._commands.stop
        self._icon = icon

        def setup(icon: Any) -> None:
            icon.visible = True
            log.info("tray icon up in the X11 system tray (pystray %s backend)", self.backend)
            self._ready.set()
            if self.backend == "xorg":
                self._see_docked(icon)

        try:
            icon.run(setup)
        except Exception:
            log.debug("tray icon loop ended with an error", exc_info=True)

    def _see_docked(self, icon: Any) -> None:
        """Ask again until the tray has taken the icon: a tray that has only just started (both at
        login) can own its selection before it handles requests, and pystray asks only once."""
        for _attempt in range(DOCK_ATTEMPTS):
            time.sleep(DOCK_CHECK_S)
            if self._icon is not icon:
                return
            undocked = _undocked_icon_windows()
            if undocked is None or undocked == 0:
                return
            log.debug("the X11 system tray has not taken the icon yet; asking again")
            icon.icon = render_icon(icon_state(self._view()), ICON_SIZE)  # pystray re-sends the dock request
        log.warning("the X11 system tray did not take the tray icon")

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


def _undocked_icon_windows() -> int | None:
    """How many of our icon windows still sit on the root window (not in a tray); None: unknown."""
    try:
        from Xlib import display

        dpy = display.Display()
        try:
            return sum(1 for window in dpy.screen().root.query_tree().children
                       if (window.get_wm_class() or ("", ""))[0] == ICON_WM_CLASS)
        finally:
            dpy.close()
    except Exception:  # the X server went away: nothing left to dock
        log.debug("cannot look for the icon window", exc_info=True)
        return None


def _clickable_xorg_icon() -> type:
    """pystray's X11 icon, listening for clicks: pystray 0.19 creates its window without
    ButtonPressMask, so X never delivers the clicks its handler waits for. A middle click stops."""
    import pystray._xorg
    from Xlib import X

    class ClickableIcon(pystray._xorg.Icon):
        def _create_window(self) -> Any:
            window = super()._create_window()
            window.change_attributes(event_mask=X.ExposureMask | X.StructureNotifyMask | X.ButtonPressMask)
            return window

        def _on_button_press(self, event: Any) -> None:
            if event.detail == 2:
                _action(self.on_middle_click)()
            else:
                super()._on_button_press(event)

        on_middle_click: Callable[[], None] = staticmethod(lambda: None)

    return ClickableIcon


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
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]
