"""A private asyncio loop on its own thread, holding one session-bus connection for the desktop edge.

Notifications and the GlobalShortcuts portal talk D-Bus from here, so the desktop frontend never
blocks the daemon's loop and can be driven from the tray and hotkey threads alike.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from dbus_fast.aio import MessageBus

log = logging.getLogger(__name__)

T = TypeVar("T")


class BusThread:
    """Runs coroutines on a background event loop; connects to the session bus on first use."""

    def __init__(self, name: str = "readaloud-desktop-bus") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._bus: MessageBus | None = None
        self._bus_failed = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            self._loop = loop
            self._thread = threading.Thread(target=run, name=self._name, daemon=True)
            self._thread.start()
            ready.wait()

    def submit(self, factory: Callable[[], Awaitable[T]]) -> concurrent.futures.Future[T]:
        """Run ``factory()`` on the bus loop; safe from any thread."""
        self.start()
        assert self._loop is not None

        async def wrapped() -> T:
            return await factory()

        return asyncio.run_coroutine_threadsafe(wrapped(), self._loop)

    async def bus(self) -> MessageBus | None:
        """The session bus (connected once), or None when there is none; call on the bus loop."""
        if self._bus is not None and self._bus.connected:
            return self._bus
        if self._bus_failed:
            return None
        from dbus_fast.aio import MessageBus

        try:
            self._bus = await MessageBus().connect()
        except Exception as error:  # no bus address, socket gone, auth refused: all mean "no bus"
            self._bus_failed = True
            log.warning("no D-Bus session bus (%s); notifications, tray icon and portal shortcuts are off",
                        error)
            return None
        return self._bus

    def stop(self, timeout: float = 2.0) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return

        async def close() -> None:
            if self._bus is not None:
                self._bus.disconnect()
                self._bus = None

        try:
            asyncio.run_coroutine_threadsafe(close(), loop).result(timeout)
        except Exception:
            log.debug("closing the desktop bus connection failed", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        if not thread.is_alive():
            loop.close()
