"""Global hotkeys: pynput on X11, the GlobalShortcuts portal on Wayland, else a pointer to
``readaloud bind-shortcut``.

Callbacks run on the listener's own thread (pynput) or the desktop bus thread (portal); the
frontend wraps them so that work lands on the daemon loop. Failure to listen never stops the
daemon: it is reported once through ``on_unavailable``.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from readaloud.desktop.busthread import BusThread
from readaloud.desktop.portal import PortalShortcuts, Shortcut, describe
from readaloud.errors import ConfigError, PortalUnavailable
from readaloud.keys import KeyCombo, clashes, parse_combo
from readaloud.values import HOTKEY_ACTIONS

log = logging.getLogger(__name__)

_PORTAL_IDS = {"read_selection": "read-selection", "pause": "pause", "stop": "stop"}
_DESCRIPTIONS = {
    "read_selection": "Read the selected text aloud",
    "pause": "Pause or resume reading",
    "stop": "Stop reading",
}
BIND_HINT = (
    "bind 'readaloud read-selection' to a key in your desktop's settings (try 'readaloud bind-shortcut')"
)


def session_type(environ: Mapping[str, str] | None = None) -> str:
    """``wayland``, ``x11`` or ``none``: which hotkey mechanism can work here."""
    environ = os.environ if environ is None else environ
    if environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"
    if environ.get("DISPLAY"):
        return "x11"
    return "none"


def parse_bindings(bindings: Mapping[str, str]) -> dict[str, KeyCombo]:
    """The non-empty ``[hotkeys]`` entries as combos; raises ConfigError naming the key."""
    combos: dict[str, KeyCombo] = {}
    for name in HOTKEY_ACTIONS:
        text = bindings.get(name, "")
        if text:
            combos[name] = parse_combo(text, where=f"hotkeys.{name}")
    for name, earlier in clashes(bindings, HOTKEY_ACTIONS):
        raise ConfigError(f"hotkeys.{name}: {combos[name].pynput()} is already used by hotkeys.{earlier}")
    return combos


class HotkeyListener:
    """Listens for the configured hotkeys and calls ``actions[name]`` (names as in ``[hotkeys]``)."""

    def __init__(
        self,
        bindings: Mapping[str, str],
        actions: Mapping[str, Callable[[], None]],
        *,
        bus_thread: BusThread,
        on_unavailable: Callable[[str], None],
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._bindings = dict(bindings)
        self._actions = dict(actions)
        self._bus_thread = bus_thread
        self._on_unavailable = on_unavailable
        self._environ = os.environ if environ is None else environ
        self._listener: Any = None
        self._portal: PortalShortcuts | None = None
        self._reported = False
        self.mechanism = "none"
        self.portal_ready: concurrent.futures.Future[dict[str, str]] | None = None

    def start(self) -> str:
        """Start listening; returns ``x11``, ``portal`` (binding in progress) or ``none``."""
        try:
            combos = parse_bindings(self._bindings)
        except ConfigError as error:
            self._unavailable(str(error))
            return self.mechanism
        if not combos:
            log.info("no global hotkeys configured")
            return self.mechanism
        kind = session_type(self._environ)
        if kind == "x11":
            self._start_x11(combos)
        elif kind == "wayland":
            self._start_portal(combos)
        else:
            self._unavailable("no graphical session (DISPLAY and WAYLAND_DISPLAY are unset)")
        return self.mechanism

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # No join: pynput's X11 listener only notices stop() at the next input event, and its
            # thread is a daemon thread that cannot hold up exit.
            try:
                listener.stop()
            except Exception:  # the X server may already be gone (end of session)
                log.debug("stopping the X11 key listener failed", exc_info=True)
        portal, self._portal = self._portal, None
        if portal is not None:
            try:
                self._bus_thread.submit(portal.close).result(2.0)
            except Exception:
                log.debug("closing the portal session failed", exc_info=True)

    def _unavailable(self, reason: str) -> None:
        if self._reported:
            return
        self._reported = True
        log.warning("global hotkey unavailable: %s; %s", reason, BIND_HINT)
        self._on_unavailable(reason)

    def _start_x11(self, combos: Mapping[str, KeyCombo]) -> None:
        try:
            # pynput picks its backend at import and raises ImportError without a usable display.
            from pynput import keyboard
        except Exception as error:
            self._unavailable(f"pynput cannot reach the X display ({_first_line(error)})")
            return
        hotkeys = {combo.pynput(): self._guarded(name) for name, combo in combos.items()}
        try:
            listener = keyboard.GlobalHotKeys(hotkeys)
            listener.start()
        except Exception as error:
            self._unavailable(f"pynput could not start ({_first_line(error)})")
            return
        # Generous: on a loaded machine the listener thread can take seconds to reach the X server.
        if not _wait_ready(listener, 20.0):
            # pynput's stop() can wait forever on a listener that never became ready.
            threading.Thread(target=listener.stop, name="readaloud-hotkey-stop", daemon=True).start()
            self._unavailable("the X11 key listener did not start (is the X server still there?)")
            return
        self._listener = listener
        self.mechanism = "x11"
        log.info("global hotkeys on X11: %s", ", ".join(hotkeys))

    def _start_portal(self, combos: Mapping[str, KeyCombo]) -> None:
        by_id = {_PORTAL_IDS[name]: name for name in combos}
        shortcuts = [Shortcut(_PORTAL_IDS[n], _DESCRIPTIONS[n], c.portal()) for n, c in combos.items()]

        def activated(shortcut_id: str) -> None:
            name = by_id.get(shortcut_id)
            if name is not None:
                self._guarded(name)()

        async def bind() -> dict[str, str]:
            bus = await self._bus_thread.bus()
            if bus is None:
                raise PortalUnavailable("no D-Bus session bus")
            portal = PortalShortcuts(bus, activated)
            self._portal = portal
            bound = await portal.bind(shortcuts)
            log.info("global hotkeys through the desktop portal: %s", describe(bound))
            return bound

        def done(future: concurrent.futures.Future[dict[str, str]]) -> None:
            error = future.exception()
            if error is not None:
                self.mechanism = "none"
                self._unavailable(f"Wayland session without a usable GlobalShortcuts portal ({error})")

        self.mechanism = "portal"
        self.portal_ready = self._bus_thread.submit(bind)
        self.portal_ready.add_done_callback(done)

    def _guarded(self, name: str) -> Callable[[], None]:
        action = self._actions[name]

        def fire() -> None:
            log.debug("hotkey %s pressed", name)
            try:
                action()
            except Exception:
                log.exception("hotkey %s failed", name)

        return fire


def _wait_ready(listener: Any, timeout: float) -> bool:
    # pynput's wait() has no timeout and never returns if the listener thread dies first.
    ready = threading.Event()

    def wait() -> None:
        listener.wait()
        ready.set()

    threading.Thread(target=wait, daemon=True).start()
    while not ready.wait(0.05):
        timeout -= 0.05
        if timeout <= 0 or not listener.is_alive():
            return ready.is_set()
    return True


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:160] if text else type(error).__name__
