"""The desktop edge against real components: Xvfb, xclip/xsel, xdotool, a private D-Bus session bus,
the tray's StatusNotifierItem and dbusmenu, pynput, and the GlobalShortcuts portal protocol (served
by a stub portal on the bus).

Every test starts what it needs itself: an Xvfb on a free display (``-displayfd``) per module, and
a fresh ``dbus-daemon --session --fork`` per test. The frontend runs in its own process
(``desktop_harness``) because GTK binds to one display per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from readaloud.desktop.icons import SIZES, IconState, render_icon
from readaloud.desktop.selection import (
    XCLIP_TOOLS,
    XSEL_TOOLS,
    SelectionReader,
)
from readaloud.errors import NothingSelectedError
from tests.integration.desktop_stubs import StubDesktop, wait_for

pytestmark = pytest.mark.desktop

REPO = Path(__file__).resolve().parents[2]
HOTKEY = "ctrl+alt+r"


# -- fixtures: X server, session bus, frontend process ---------------------------------------------


@pytest.fixture
def session_bus(tmp_path: Path) -> Iterator[str]:
    """A private session bus (``dbus-daemon --session --fork``); returns its address."""
    result = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True, text=True, timeout=10, check=True,
    )
    address, pid = result.stdout.split()[:2]
    yield address
    with contextlib.suppress(ProcessLookupError):
        os.kill(int(pid), signal.SIGTERM)


@pytest.fixture
def desktop_env(monkeypatch: pytest.MonkeyPatch, xserver: str, session_bus: str, tmp_path: Path) -> Path:
    """This process and its children see the private X server and bus, and a scratch state dir."""
    monkeypatch.setenv("DISPLAY", xserver)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    monkeypatch.setenv("NO_AT_BRIDGE", "1")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP", "PYSTRAY_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    _clear_selections()
    return tmp_path


class Harness:
    """A running ``desktop_harness`` process: its READY facts, and the actions it recorded."""

    def __init__(self, *args: str, stderr_path: Path, env: dict[str, str] | None = None) -> None:
        self.stderr_path = stderr_path
        self._stderr = stderr_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.desktop_harness", *args], cwd=REPO, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True,
        )
        self.ready = self._expect("READY", timeout=30)

    def _read_line(self, timeout: float) -> str:
        import selectors

        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise AssertionError(f"harness said nothing for {timeout} s; stderr:\n{self.stderr()}")
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"harness exited ({self.proc.poll()}); stderr:\n{self.stderr()}")
        return line

    def _expect(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            word, _, payload = self._read_line(max(0.1, deadline - time.monotonic())).partition(" ")
            if word == kind:
                return dict(json.loads(payload))
            if time.monotonic() > deadline:
                raise AssertionError(f"no {kind} line from the harness")

    def action(self, timeout: float = 10) -> dict[str, Any]:
        return self._expect("ACTION", timeout)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stderr(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text()

    def close(self) -> int:
        if self.proc.poll() is None:
            with contextlib.suppress(BrokenPipeError):
                self.send("quit")
        try:
            code = self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(5)
        self._stderr.close()
        return code


@pytest.fixture
def harness(desktop_env: Path) -> Iterator[Any]:
    started: list[Harness] = []

    def start(*args: str) -> Harness:
        h = Harness(*args, stderr_path=desktop_env / f"harness{len(started)}.err")
        started.append(h)
        return h

    yield start
    for h in started:
        h.close()


# -- helpers: selections, keys, dbusmenu -------------------------------------------------------------


def _served(which: str) -> bytes | None:
    result = subprocess.run(["xclip", "-o", "-selection", which], capture_output=True, timeout=5, check=False)
    return result.stdout if result.returncode == 0 else None


def _set_selection(which: str, text: str) -> None:
    # xclip forks a child that serves the selection until another client takes it; the child may
    # take ownership a moment after the parent exits, so wait until the text is really served.
    with tempfile.TemporaryFile() as errors:  # not a pipe: xclip's child keeps its stderr open
        result = subprocess.run(["xclip", "-selection", which], input=text.encode(), timeout=5,
                                stdout=subprocess.DEVNULL, stderr=errors, check=False)
        errors.seek(0)
        assert result.returncode == 0, f"xclip failed: {errors.read().decode(errors='replace')}"
    assert wait_for(lambda: _served(which) == text.encode(), 10), f"xclip never served {which}"


def _clear_selections() -> None:
    for which in ("primary", "clipboard"):
        subprocess.run(["xsel", f"--{which}", "--clear"], check=False, timeout=5)
        assert wait_for(lambda w=which: _served(w) is None, 10), f"{which} still owned"


def _press_hotkey() -> None:
    subprocess.run(["xdotool", "key", "--clearmodifiers", HOTKEY], check=True, timeout=10)


def _bus_call(coro_factory: Any) -> Any:
    async def run() -> Any:
        from dbus_fast.aio import MessageBus

        bus = await MessageBus().connect()
        try:
            return await coro_factory(bus)
        finally:
            bus.disconnect()

    return asyncio.run(run())


async def _call(bus: Any, dest: str, path: str, iface: str, member: str, sig: str = "",
                body: list[Any] | None = None) -> Any:
    from dbus_fast import Message, MessageType

    reply = await bus.call(Message(destination=dest, path=path, interface=iface, member=member,
                                   signature=sig, body=body or []))
    assert reply.message_type == MessageType.METHOD_RETURN, reply.body
    return reply.body


class SniMenu:
    """The tray's StatusNotifierItem and its com.canonical.dbusmenu, read and clicked over D-Bus."""

    def __init__(self, owner: str, path: str) -> None:
        self.owner, self.path = owner, path

    def properties(self) -> dict[str, Any]:
        async def get(bus: Any) -> dict[str, Any]:
            (props,) = await _call(bus, self.owner, self.path, "org.freedesktop.DBus.Properties", "GetAll",
                                   "s", ["org.kde.StatusNotifierItem"])
            return {k: v.value for k, v in props.items()}

        return dict(_bus_call(get))

    def layout(self) -> dict[str, Any]:
        """The menu as nested dicts: label → {"id", "props", "children"}."""
        menu_path = self.properties()["Menu"]

        async def get(bus: Any) -> Any:
            return await _call(bus, self.owner, menu_path, "com.canonical.dbusmenu", "GetLayout", "iias",
                               [0, -1, []])

        _revision, (_id, _props, children) = _bus_call(get)
        return _tree(children)

    def click(self, *labels: str) -> None:
        """Click the item at ``labels`` (a path through submenus), as a tray host does.

        The menu is rebuilt whenever the reader's state, voice or speed changes, which renumbers
        its items; like a host that re-reads the layout on LayoutUpdated, retry with fresh ids.
        """
        from dbus_fast import Message, MessageType, Variant

        menu_path = self.properties()["Menu"]
        for _attempt in range(20):
            node: dict[str, Any] = {"children": self.layout()}
            for label in labels:
                node = node["children"][label]

            async def click(bus: Any, item: int = node["id"]) -> Any:
                return await bus.call(Message(destination=self.owner, path=menu_path,
                                              interface="com.canonical.dbusmenu", member="Event",
                                              signature="isvu", body=[item, "clicked", Variant("i", 0), 0]))

            reply = _bus_call(click)
            if reply.message_type == MessageType.METHOD_RETURN:
                return
            assert "does not refer to a menu item" in str(reply.body), reply.body
            time.sleep(0.1)
        raise AssertionError(f"could not click {labels}: the menu kept changing")


def _tree(children: list[Any]) -> dict[str, Any]:
    items: dict[str, Any] = {}
    for child in children:
        cid, props, sub = child.value
        plain = {k: v.value for k, v in props.items()}
        label = plain.get("label") or f"--{cid}"
        items[label] = {"id": cid, "props": plain, "children": _tree(sub)}
    return items


def _checked(items: dict[str, Any]) -> list[str]:
    return [label for label, node in items.items() if node["props"].get("toggle-state") == 1]


def _sni(stubs: StubDesktop) -> SniMenu:
    assert wait_for(lambda: stubs.sni_items, 15), "the tray never registered a StatusNotifierItem"
    owner, path = stubs.sni_items[-1]
    return SniMenu(owner, path)


# -- selection, with the real clipboard tools --------------------------------------------------------


@pytest.mark.parametrize("tools", [XCLIP_TOOLS, XSEL_TOOLS], ids=["xclip", "xsel"])
def test_selection_prefers_primary_and_falls_back_to_clipboard(desktop_env: Path, tools: Any) -> None:
    reader = SelectionReader(tools)
    with pytest.raises(NothingSelectedError):
        reader.read("primary-then-clipboard")

    _set_selection("clipboard", "copied words")
    assert reader.read("primary-then-clipboard") == "copied words"
    with pytest.raises(NothingSelectedError):
        reader.read("primary")

    _set_selection("primary", "highlighted — naïve café ✓")
    assert reader.read("primary-then-clipboard") == "highlighted — naïve café ✓"
    assert reader.read("clipboard") == "copied words"


def test_copy_first_copies_and_restores_the_users_clipboard(desktop_env: Path) -> None:
    """Simulated Ctrl+C (here answered by a stand-in app that owns CLIPBOARD afterwards)."""
    _set_selection("clipboard", "the user's own clipboard")

    def app_copies() -> None:  # what the focused app does on Ctrl+C
        _set_selection("clipboard", "text the app copied")

    reader = SelectionReader(XCLIP_TOOLS, copy_keystroke=app_copies)
    assert reader.read("primary-then-clipboard", copy_first=True) == "text the app copied"
    assert reader.read("clipboard") == "the user's own clipboard"


# -- hotkey ----------------------------------------------------------------------------------------------


def test_hotkey_reads_the_primary_selection(harness: Any) -> None:
    with StubDesktop():
        h = harness("--no-tray")
        assert h.ready["hotkeys"] == "x11"
        _set_selection("primary", "Press the key and hear this.")
        _set_selection("clipboard", "not this")
        _press_hotkey()
        action = h.action()
        assert action["name"] == "read_selection"
        assert action["args"] == ["primary-then-clipboard"]
        assert action["text"] == "Press the key and hear this."
        print(f"selection read in {action['ms']:.1f} ms")


def test_hotkey_with_nothing_selected_notifies(harness: Any) -> None:
    with StubDesktop() as stubs:
        h = harness("--no-tray")
        _press_hotkey()
        notes = wait_for(lambda: stubs.notifications.received, 10)
        assert notes, f"no notification for an empty selection; frontend log:\n{h.stderr()[-3000:]}"
        assert notes[0]["summary"] == "Nothing selected"
        assert "highlight" in notes[0]["body"]
        assert h.proc.poll() is None


def test_hotkey_listener_survives_a_missing_display(harness: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY")
    with StubDesktop() as stubs:
        h = harness()
        assert h.ready["hotkeys"] == "none"
        assert (h.ready["backend"], h.ready["host_found"]) == ("waiting", False)
        notes = wait_for(lambda: stubs.notifications.received, 10)
        assert notes and notes[0]["summary"] == "Hotkey unavailable"
        assert "readaloud bind-shortcut" in notes[0]["body"]
        h.send("state speaking")  # still serving events
        assert h.close() == 0
        log = h.stderr()
        assert log.count("global hotkey unavailable") == 1
        assert log.count("no tray icon") == 1


@pytest.fixture
def wayland_session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A Wayland session whose display this test cannot reach (pynput is then no use), with
    XWayland (the test's X server) beside it. A ``wl-paste`` that fails as the real one does
    without a display comes first on PATH, so the result does not depend on whether wl-clipboard
    happens to be installed."""
    tools = tmp_path / "wayland-tools"
    tools.mkdir()
    stub = tools / "wl-paste"
    stub.write_text('#!/bin/sh\necho "Failed to connect to a Wayland server" >&2\nexit 1\n')
    stub.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-test-absent")


def test_wayland_hotkey_through_the_global_shortcuts_portal(harness: Any, wayland_session: None) -> None:
    with StubDesktop(portal=True) as stubs:
        h = harness("--no-tray")
        assert h.ready["hotkeys"] == "portal"
        assert wait_for(lambda: stubs.portal_bound, 10)
        assert stubs.portal_bound["read-selection"]["preferred_trigger"] == "CTRL+ALT+r"
        calls = [name for name, _ in stubs.portal_calls]
        assert calls.index("org.freedesktop.host.portal.Registry.Register") < calls.index(
            "org.freedesktop.portal.GlobalShortcuts.CreateSession")

        _set_selection("primary", "Read through the portal.")
        stubs.press_portal_shortcut("read-selection")
        action = h.action()
        assert (action["name"], action["text"]) == ("read_selection", "Read through the portal.")


def test_wayland_without_portal_points_to_bind_shortcut(harness: Any, wayland_session: None) -> None:
    with StubDesktop() as stubs:
        h = harness("--no-tray")
        notes = wait_for(lambda: stubs.notifications.received, 10)
        assert notes and notes[0]["summary"] == "Hotkey unavailable"
        assert "readaloud bind-shortcut" in notes[0]["body"]
        assert h.proc.poll() is None


# -- tray --------------------------------------------------------------------------------------------------


def test_tray_menu_over_status_notifier_item(harness: Any, desktop_env: Path) -> None:
    with StubDesktop(watcher=True) as stubs:
        h = harness("--echo")
        assert (h.ready["backend"], h.ready["host_found"]) == ("sni", True)
        sni = _sni(stubs)
        assert sni.properties()["Id"] == "readaloud"
        menu = sni.layout()
        for label in ("Read selection", "Read clipboard", "Pause", "Stop", "Skip", "Back", "Voice", "Speed",
                      "Open config", "Quit"):
            assert label in menu, f"{label!r} missing from the tray menu: {list(menu)}"
        voices = menu["Voice"]["children"]
        assert "English (US) •" in voices and "English (UK)" in voices and "Japanese" in voices
        assert _checked(voices["English (US) •"]["children"]) == ["Heart (US, female)"]
        assert voices["English (UK)"]["children"]["Emma (UK, female)"]["props"]["toggle-type"] == "radio"
        assert _checked(menu["Speed"]["children"]) == ["1×"]

        sni.click("Voice", "English (UK)", "Emma (UK, female)")
        assert h.action() == {"name": "set_voice", "args": ["bf_emma"]}
        sni.click("Speed", "1.25×")
        assert h.action() == {"name": "set_speed", "args": [1.25]}

        def reflected() -> bool:
            menu = sni.layout()
            uk = menu["Voice"]["children"].get("English (UK) •")
            return (uk is not None and _checked(uk["children"]) == ["Emma (UK, female)"]
                    and _checked(menu["Speed"]["children"]) == ["1.25×"])

        assert wait_for(reflected, 10), "the menu does not show the new voice and speed"
        remembered = json.loads((desktop_env / "state" / "readaloud" / "choices.json").read_text())
        assert remembered == {"voice": "bf_emma", "voice_over": "af_heart", "speed": 1.25, "speed_over": 1.0}

        sni.click("Skip")  # disabled while idle: a click must not reach the daemon
        sni.click("Read clipboard")
        with pytest.raises(AssertionError):  # nothing copied: no read happens, a notification does
            print("unexpected action:", h.action(timeout=3))
        assert wait_for(lambda: stubs.notifications.received, 10)[0]["summary"] == "Nothing selected"


def test_tray_icon_and_menu_follow_the_reader_state(harness: Any) -> None:
    from readaloud.desktop.sni import argb32

    with StubDesktop(watcher=True) as stubs:
        h = harness()
        sni = _sni(stubs)

        def icon_shows(state: IconState) -> bool:
            pixmaps = sni.properties()["IconPixmap"]
            return [(w, h) for w, h, _ in pixmaps] == [(s, s) for s in SIZES] and all(
                data == argb32(render_icon(state, w)) for w, _h, data in pixmaps)

        assert wait_for(lambda: icon_shows(IconState.IDLE), 10)
        assert sni.properties()["Status"] == "Active"
        h.send("state speaking")
        h.send("sentence The fox jumps.")
        assert wait_for(lambda: icon_shows(IconState.SPEAKING), 10)
        assert wait_for(lambda: "The fox jumps." in sni.properties()["ToolTip"][3], 10)
        menu = sni.layout()
        assert menu["Pause"]["props"].get("enabled", True) is True
        assert "speaking" in sni.properties()["ToolTip"][3]

        h.send("state paused")
        assert wait_for(lambda: icon_shows(IconState.PAUSED), 10)
        assert wait_for(lambda: "Resume" in sni.layout(), 10)
        sni.click("Resume")
        assert h.action() == {"name": "toggle_pause", "args": []}

        h.send("error no audio output device")
        assert wait_for(lambda: icon_shows(IconState.ERROR), 10)
        assert sni.properties()["Status"] == "NeedsAttention"
        assert wait_for(lambda: stubs.notifications.received, 10)[0]["body"] == "no audio output device"


def test_without_tray_host_the_frontend_keeps_working(harness: Any) -> None:
    """No StatusNotifierWatcher, no XEmbed tray: said once; hotkeys still work; a late host gets the icon."""
    with StubDesktop():
        h = harness()
        assert h.ready["host_found"] is False
        _set_selection("primary", "Still listening.")
        _press_hotkey()
        assert h.action()["text"] == "Still listening."
        with StubDesktop(notifications=False, watcher=True) as late:
            sni = _sni(late)
            assert "Read selection" in sni.layout()
        assert h.close() == 0
        assert h.stderr().count("no tray host") == 1


# -- bind-shortcut on GNOME, against GNOME's real gsettings tool -----------------------------------------

_MEDIA_KEYS_SCHEMA = """<schemalist>
  <schema id="org.gnome.settings-daemon.plugins.media-keys"
          path="/org/gnome/settings-daemon/plugins/media-keys/">
    <key name="custom-keybindings" type="as"><default>[]</default></key>
  </schema>
  <schema id="org.gnome.settings-daemon.plugins.media-keys.custom-keybinding">
    <key name="name" type="s"><default>''</default></key>
    <key name="binding" type="s"><default>''</default></key>
    <key name="command" type="s"><default>''</default></key>
  </schema>
</schemalist>
"""


@pytest.fixture
def gnome_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """gsettings with gnome-settings-daemon's keybinding schema, stored in a keyfile under tmp_path."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "org.gnome.settings-daemon.plugins.media-keys.gschema.xml").write_text(_MEDIA_KEYS_SCHEMA)
    subprocess.run(["glib-compile-schemas", str(schemas)], check=True, timeout=30)
    monkeypatch.setenv("GSETTINGS_SCHEMA_DIR", str(schemas))
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "ubuntu:GNOME")

    def gsettings(*args: str) -> str:
        return subprocess.run(["gsettings", *args], capture_output=True, text=True, check=True,
                              timeout=10).stdout.strip()

    return gsettings


def test_bind_shortcut_appends_a_gnome_custom_keybinding(gnome_settings: Any) -> None:
    from readaloud.cli import main

    keys = "org.gnome.settings-daemon.plugins.media-keys"
    mine = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/custom0/"
    gnome_settings("set", keys, "custom-keybindings", f"['{mine}']")
    gnome_settings("set", f"{keys}.custom-keybinding:{mine}", "binding", "<Super>t")

    assert main(["bind-shortcut"]) == 0
    assert main(["bind-shortcut"]) == 0  # twice: still one entry
    listed = gnome_settings("get", keys, "custom-keybindings")
    ours = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/readaloud-read-selection/"
    assert listed == f"['{mine}', '{ours}']"
    schema = f"{keys}.custom-keybinding:{ours}"
    assert gnome_settings("get", schema, "binding") == "'<Control><Alt>r'"
    assert gnome_settings("get", schema, "command").endswith("read-selection'")

    assert main(["bind-shortcut", "--key", "<super>+t"]) == 1  # taken by the user's own shortcut

    assert main(["bind-shortcut", "--remove"]) == 0
    assert gnome_settings("get", keys, "custom-keybindings") == f"['{mine}']"
