"""The tray icon: a native StatusNotifierItem where a tray host speaks it, an XEmbed icon otherwise.

The StatusNotifierItem (``sni.py``) runs as asyncio code on the desktop's bus thread and stays
exported for the daemon's life, so it registers whenever a StatusNotifierWatcher (re)appears. Only
when none runs at start and an X11 system tray does, a pystray XEmbed icon stands in
(``tray_xembed.py``) until a watcher appears. ``tray_path.py`` holds the rule; ``readaloud doctor``
applies the same one.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable, Mapping

from readaloud.desktop.busthread import BusThread
from readaloud.desktop.sni import StatusNotifierTray
from readaloud.desktop.tray_menu import TrayCommands, TrayView
from readaloud.desktop.tray_path import (
    TrayChoice,
    TrayFacts,
    TrayPath,
    choose_tray_path,
    xembed_tray_running,
)
from readaloud.desktop.tray_xembed import XEmbedIcon

log = logging.getLogger(__name__)


def pygobject_installed() -> bool:
    try:
        return importlib.util.find_spec("gi") is not None
    except (ImportError, ValueError):  # a blocked or half-installed "gi"
        return False


class TrayIcon:
    """The daemon's tray icon; ``refresh`` (any thread) redraws icon, tooltip and menu."""

    def __init__(
        self,
        commands: TrayCommands,
        view: Callable[[], TrayView],
        *,
        bus_thread: BusThread | None = None,
        environ: Mapping[str, str] | None = None,
        xembed: Callable[[], bool] | None = None,
    ) -> None:
        self._commands = commands
        self._view = view
        self._own_bus_thread = bus_thread is None
        self._bus_thread = bus_thread or BusThread("readaloud-tray-bus")
        self._xembed_running = xembed or (lambda: xembed_tray_running(environ))
        self._sni: StatusNotifierTray | None = None
        self._xembed: XEmbedIcon | None = None
        self._lock = threading.Lock()
        self.choice: TrayChoice | None = None

    @property
    def backend(self) -> str | None:
        return None if self.choice is None else self.choice.path.value

    @property
    def host_found(self) -> bool:
        return self.choice is not None and self.choice.path not in (TrayPath.WAITING, TrayPath.NONE)

    @property
    def running(self) -> bool:
        """An icon is up: shown, or a StatusNotifierItem waiting for a tray host."""
        xembed = self._xembed
        return self._sni is not None or (xembed is not None and xembed.running)

    def start(self, timeout: float = 5.0) -> bool:
        try:
            watcher = self._bus_thread.submit(self._start_sni).result(timeout)
        except Exception:
            log.warning("the StatusNotifierItem could not start", exc_info=True)
            watcher = False
        facts = TrayFacts(
            bus=self._sni is not None,
            watcher=watcher,
            xembed=not watcher and self._xembed_running(),
            pygobject=pygobject_installed(),
        )
        choice = choose_tray_path(facts)
        if choice.path in (TrayPath.XEMBED_GTK, TrayPath.XEMBED_XORG):
            choice = self._start_xembed(choice, timeout)
        self.choice = choice
        sni = self._sni
        if sni is not None and sni.watcher_present and choice.path is not TrayPath.SNI:
            self._watcher_changed(True)  # a watcher came while the XEmbed icon started
            choice = self.choice
        if choice.path is TrayPath.SNI:
            log.info("tray icon: StatusNotifierItem")
        elif choice.path is TrayPath.WAITING:
            log.info("no tray icon yet (%s); it appears when a StatusNotifierItem host starts", choice.why)
        elif choice.path is TrayPath.NONE:
            log.info("no tray icon: %s", choice.why)
        return self.running

    def refresh(self) -> None:
        if self._sni is not None:
            self._bus_thread.submit(self._refresh_sni)
        xembed = self._xembed
        if xembed is not None:
            xembed.refresh()

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            xembed, self._xembed = self._xembed, None
        if xembed is not None:
            xembed.stop(timeout)
        if self._sni is not None:
            try:
                self._bus_thread.submit(self._stop_sni).result(timeout)
            except Exception:
                log.debug("stopping the StatusNotifierItem failed", exc_info=True)
        if self._own_bus_thread:
            self._bus_thread.stop()

    # -- internals ----------------------------------------------------------------------------------

    def _start_xembed(self, choice: TrayChoice, timeout: float) -> TrayChoice:
        """Dock in the X11 system tray; where GTK fails, the plain X11 icon still may not."""
        fallback = choose_tray_path(TrayFacts(bus=False, watcher=False, xembed=True, pygobject=False))
        for attempt in (choice, fallback) if choice.path is TrayPath.XEMBED_GTK else (choice,):
            icon = XEmbedIcon(attempt.path.value, self._commands, self._view)
            if icon.start(timeout):
                with self._lock:
                    self._xembed = icon
                return attempt
            icon.stop(timeout)
        return TrayChoice(TrayPath.WAITING if self._sni is not None else TrayPath.NONE,
                          "the X11 system tray did not take the icon")

    async def _start_sni(self) -> bool:
        bus = await self._bus_thread.bus()
        if bus is None:
            return False
        sni = StatusNotifierTray(bus, self._view, self._commands, on_watcher=self._watcher_changed)
        await sni.start()
        self._sni = sni
        return sni.watcher_present

    async def _refresh_sni(self) -> None:
        if self._sni is not None:
            self._sni.refresh()

    async def _stop_sni(self) -> None:
        sni, self._sni = self._sni, None
        if sni is not None:
            await sni.stop()

    def _watcher_changed(self, present: bool) -> None:
        """On the bus loop: a watcher came (switch to the StatusNotifierItem) or went."""
        if not present:
            return
        with self._lock:
            xembed, self._xembed = self._xembed, None
        self.choice = choose_tray_path(TrayFacts(bus=True, watcher=True, xembed=False, pygobject=False))
        if xembed is not None:
            log.info("a StatusNotifierWatcher appeared: replacing the XEmbed icon")
            threading.Thread(target=xembed.stop, name="readaloud-tray-stop", daemon=True).start()
