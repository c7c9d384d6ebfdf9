"""The tray icon in real tray hosts, with PyGObject unimportable (a plain ``pip install .``):

- xfce4-panel's status tray (a real StatusNotifierWatcher and host) reads the item, draws its
  pixmaps, follows state changes, opens its menu through libdbusmenu-gtk3, and a voice picked there
  with the keyboard reaches the reader; after a panel restart the item is back.
- trayer (XEmbed only): pystray's X11 icon docks and answers left and middle clicks; with PyGObject
  the GTK icon docks instead.

Each test gets its own Xvfb and session bus (tray_hosts.x_session). The frontend runs in
``desktop_harness`` (see test_desktop.py), which records what the daemon was asked to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from readaloud.desktop.icons import FILL, IconState
from readaloud.desktop.tray_menu import TrayCommands, TrayView, build_menu, voice_groups
from tests.integration.test_desktop import Harness, SniMenu, _checked, _set_selection
from tests.integration.tray_hosts import (
    PANEL_HEIGHT,
    BusMonitor,
    XSession,
    find_colour,
    menu_keys,
    trayer,
    wait_for,
    without_pygobject,
    x_session,
    xfce_panel,
)

pytestmark = pytest.mark.desktop


@pytest.fixture
def session(tmp_path: Path) -> Iterator[XSession]:
    with x_session(tmp_path / "session") as started:
        yield started


@pytest.fixture
def harness(session: XSession, tmp_path: Path) -> Iterator[Any]:
    started: list[Harness] = []

    def start(*args: str, pygobject: bool = False) -> Harness:
        env = session.env if pygobject else without_pygobject(session.env)
        h = Harness(*args, stderr_path=tmp_path / f"harness{len(started)}.err", env=env)
        started.append(h)
        assert h.ready["pygobject"] is pygobject
        return h

    yield start
    for h in started:
        h.close()


def _noop_commands() -> TrayCommands:
    return TrayCommands(*[lambda *_: None] * 10)


def _panel_icon(session: XSession, state: IconState) -> tuple[int, int] | None:
    image = session.screenshot()
    return find_colour(image, FILL[state], (0, 0, image.width, PANEL_HEIGHT))


def test_xfce_panel_shows_the_item_and_a_voice_picked_in_its_menu_reaches_the_reader(
    session: XSession, harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with xfce_panel(session), BusMonitor(session) as monitor:
        h = harness("--echo")
        assert (h.ready["backend"], h.ready["host_found"], h.ready["gi_loaded"]) == ("sni", True, False)

        # The panel reads the item and draws its pixmap; a new state redraws it.
        assert wait_for(lambda: {"GetAll", "Get"} & set(monitor.calls("/StatusNotifierItem")), 15), \
            "xfce4-panel never read the StatusNotifierItem"
        assert wait_for(lambda: _panel_icon(session, IconState.IDLE), 15), "no idle icon in the panel"
        h.send("state speaking")
        icon = wait_for(lambda: _panel_icon(session, IconState.SPEAKING), 15)
        assert icon, "the panel's icon did not turn to 'speaking'"

        # The wheel turned up speeds up; a left click pauses; a middle click stops.
        session.run("xdotool", "mousemove", str(icon[0]), str(icon[1]), "click", "4")
        assert h.action() == {"name": "set_speed", "args": [1.05]}
        session.run("xdotool", "click", "1")
        assert h.action() == {"name": "toggle_pause", "args": []}
        session.run("xdotool", "click", "2")
        assert h.action() == {"name": "stop", "args": []}

        # Right click: the panel's menu (libdbusmenu-gtk3) opens with our items...
        before = session.screenshot()
        session.run("xdotool", "mousemove", str(icon[0]), str(icon[1]), "click", "3")
        assert wait_for(lambda: "GetLayout" in monitor.calls("/MenuBar"), 10)
        menu_area = (0, PANEL_HEIGHT, 400, 400)
        assert wait_for(lambda: session.screenshot().crop(menu_area) != before.crop(menu_area), 10), \
            "no menu opened under the icon"
        # ...and a voice picked there with the keyboard reaches the reader.
        language, voices = voice_groups()[1]
        target = voices[1]
        view = TrayView(state="speaking")
        session.keys(*menu_keys(build_menu(view, _noop_commands()), ["Voice", language, target.display_name]))
        session.keys("Return")
        assert h.action() == {"name": "set_voice", "args": [target.name]}
        assert {"Event", "EventGroup"} & set(monitor.calls("/MenuBar"))

        # The menu now shows the new voice checked, without re-registering the item.
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.env["DBUS_SESSION_BUS_ADDRESS"])
        sni = SniMenu(f"org.kde.StatusNotifierItem-{h.proc.pid}-1", "/StatusNotifierItem")
        assert wait_for(lambda: _checked(sni.layout()["Voice"]["children"][f"{language} •"]["children"])
                        == [target.display_name], 10)
        assert h.stderr().count("registered with the StatusNotifierWatcher") == 1


def test_after_a_panel_restart_the_item_is_back(session: XSession, harness: Any) -> None:
    with xfce_panel(session):
        h = harness()
        assert wait_for(lambda: _panel_icon(session, IconState.IDLE), 15)
    assert wait_for(lambda: not _panel_icon(session, IconState.IDLE), 10), "the panel did not go away"
    with xfce_panel(session):
        registrations = lambda: h.stderr().count("registered with the StatusNotifierWatcher")  # noqa: E731
        assert wait_for(lambda: registrations() == 2, 15), h.stderr()
        assert wait_for(lambda: _panel_icon(session, IconState.IDLE), 15), "no icon in the restarted panel"


def test_panel_started_after_the_daemon_still_gets_the_icon(session: XSession, harness: Any) -> None:
    h = harness()
    assert (h.ready["backend"], h.ready["host_found"]) == ("waiting", False)
    assert h.stderr().count("no tray icon yet") == 1
    with xfce_panel(session):
        assert wait_for(lambda: _panel_icon(session, IconState.IDLE), 20), "no icon in the late panel"


def test_trayer_docks_the_plain_x11_icon_and_its_clicks_work(
    session: XSession, harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with trayer(session):
        docked_before = session.children_of("panel")
        h = harness()
        assert (h.ready["backend"], h.ready["host_found"], h.ready["gi_loaded"]) == ("xorg", True, False)
        assert wait_for(lambda: session.children_of("panel") > docked_before, 20), \
            f"trayer got no icon:\n{h.stderr()}\n{session.run('xwininfo', '-root', '-tree')}"
        image = session.screenshot()
        icon = wait_for(lambda: find_colour(session.screenshot(), FILL[IconState.IDLE],
                                            (image.width - 200, 0, image.width, PANEL_HEIGHT)), 10)
        assert icon, "the docked icon is not drawn"

        # Left click while idle reads the selection; middle click stops.
        monkeypatch.setenv("DISPLAY", session.env["DISPLAY"])
        _set_selection("primary", "Docked and clicked.")
        session.run("xdotool", "mousemove", str(icon[0]), str(icon[1]), "click", "1")
        action = h.action()
        assert (action["name"], action["text"]) == ("read_selection", "Docked and clicked.")
        session.run("xdotool", "click", "2")
        assert h.action() == {"name": "stop", "args": []}


def test_trayer_with_pygobject_gets_the_gtk_icon(session: XSession, harness: Any) -> None:
    with trayer(session):
        docked_before = session.children_of("panel")
        h = harness(pygobject=True)
        assert (h.ready["backend"], h.ready["host_found"]) == ("gtk", True)
        assert wait_for(lambda: session.children_of("panel") > docked_before, 20), \
            f"trayer got no icon:\n{h.stderr()}\n{session.run('xwininfo', '-root', '-tree')}"
