# ruff: noqa: F811  (pytest fixtures imported from test_desktop share their parameters' names)
"""The StatusNotifierItem protocol against a stub watcher on a real private bus, PyGObject unimportable:
what a host hears when the state, voice or speed change (and that it is never a re-registration),
the item's clicks and wheel, and re-registration when the watcher comes back.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.integration.desktop_stubs import StubDesktop, wait_for
from tests.integration.test_desktop import (  # noqa: F401  (fixtures)
    _call,
    _checked,
    _sni,
    desktop_env,
    harness,
    session_bus,
)
from tests.integration.tray_hosts import NO_PYGOBJECT, REPO

pytestmark = pytest.mark.desktop


@pytest.fixture(autouse=True)
def no_pygobject(desktop_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", f"{NO_PYGOBJECT}:{REPO}")


class Signals:
    """Every signal a bus name sends, recorded on a connection of its own."""

    def __init__(self, sender: str) -> None:
        self.sender = sender
        self.seen: list[tuple[str, str, list[Any]]] = []  # (path, member, body)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._bus: Any = None

    def __enter__(self) -> Signals:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    async def _start(self) -> None:
        from dbus_fast.aio import MessageBus

        self._bus = await MessageBus().connect()
        self._bus.add_message_handler(self._record)
        await _call(self._bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                    "AddMatch", "s", [f"type='signal',sender='{self.sender}'"])

    def _record(self, msg: Any) -> None:
        from dbus_fast import MessageType

        if msg.message_type is MessageType.SIGNAL and msg.path in ("/StatusNotifierItem", "/MenuBar"):
            self.seen.append((msg.path, msg.member, list(msg.body)))

    def __exit__(self, *exc: object) -> None:
        if self._bus is not None:
            self._loop.call_soon_threadsafe(self._bus.disconnect)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def members(self) -> list[str]:
        return [member for _path, member, _body in self.seen]

    def clear(self) -> None:
        self.seen.clear()


def _item_call(sni: Any, member: str, signature: str, body: list[Any]) -> None:
    from tests.integration.test_desktop import _bus_call

    interface = "org.kde.StatusNotifierItem"
    _bus_call(lambda bus: _call(bus, sni.owner, sni.path, interface, member, signature, body))


def test_hosts_hear_of_changes_without_a_new_registration(harness: Any) -> None:
    with StubDesktop(watcher=True) as stubs:
        h = harness("--echo")
        sni = _sni(stubs)
        assert sni.properties()["Menu"] == "/MenuBar" and sni.properties()["ItemIsMenu"] is False
        with Signals(sni.owner) as signals:
            h.send("state speaking")
            assert wait_for(lambda: "NewIcon" in signals.members(), 10)
            h.send("sentence A sentence for the tooltip.")
            assert wait_for(lambda: "NewToolTip" in signals.members(), 10)

            signals.clear()
            sni.click("Voice", "English (UK)", "Emma (UK, female)")
            assert h.action() == {"name": "set_voice", "args": ["bf_emma"]}
            updated = wait_for(lambda: [b for _p, m, b in signals.seen if m == "ItemsPropertiesUpdated"], 10)
            assert updated, signals.members()
            labels = {props["label"].value for item in updated for _id, props in item[0] if "label" in props}
            assert {"English (UK) •", "English (US)"} <= labels
            assert "LayoutUpdated" not in signals.members()  # same items, so no relayout
            uk = sni.layout()["Voice"]["children"]["English (UK) •"]["children"]
            assert _checked(uk) == ["Emma (UK, female)"]

            signals.clear()
            _item_call(sni, "Scroll", "is", [-1, "vertical"])  # one wheel notch up: a speed not in the menu
            assert h.action() == {"name": "set_speed", "args": [1.05]}
            assert wait_for(lambda: "LayoutUpdated" in signals.members(), 10)
            assert _checked(sni.layout()["Speed"]["children"]) == ["1.05×"]

            signals.clear()
            h.send("error no audio output device")
            attention = ("/StatusNotifierItem", "NewStatus", ["NeedsAttention"])
            assert wait_for(lambda: attention in signals.seen, 10)
        assert len(stubs.sni_items) == 1  # all of that without registering again


def test_left_click_pauses_and_middle_click_stops(harness: Any) -> None:
    with StubDesktop(watcher=True) as stubs:
        h = harness()
        sni = _sni(stubs)
        h.send("state speaking")
        assert wait_for(lambda: sni.layout()["Pause"]["props"].get("enabled", True), 10)
        _item_call(sni, "Activate", "ii", [0, 0])
        assert h.action() == {"name": "toggle_pause", "args": []}
        _item_call(sni, "SecondaryActivate", "ii", [0, 0])
        assert h.action() == {"name": "stop", "args": []}


def test_a_restarted_watcher_gets_the_item_again(harness: Any) -> None:
    with StubDesktop(watcher=True) as first:
        h = harness("--echo")
        registered = _sni(first)
    with StubDesktop(notifications=False, watcher=True) as second:
        again = _sni(second)
        assert (again.owner, again.path) == (registered.owner, registered.path)
        again.click("Speed", "1.5×")
        assert h.action() == {"name": "set_speed", "args": [1.5]}
        assert wait_for(lambda: _checked(again.layout()["Speed"]["children"]) == ["1.5×"], 10)
    assert h.stderr().count("registered with the StatusNotifierWatcher") == 2


def test_the_item_works_without_pygobject(harness: Any) -> None:
    with StubDesktop(watcher=True) as stubs:
        h = harness()
        assert (h.ready["backend"], h.ready["pygobject"], h.ready["gi_loaded"]) == ("sni", False, False)
        sni = _sni(stubs)
        assert {"Pause", "Stop", "Voice"} <= set(sni.layout())
        assert h.close() == 0
