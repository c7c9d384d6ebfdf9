"""The StatusNotifierItem's and dbusmenu's logic without a bus: pixmaps, tooltip, clicks, wheel,
stable menu ids, and the rule that picks the kind of tray icon."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dbus_fast import DBusError

from readaloud.desktop.dbusmenu import DBusMenu, item_properties
from readaloud.desktop.icons import SIZES, IconState, render_icon
from readaloud.desktop.sni import (
    StatusNotifierItem,
    argb32,
    icon_pixmaps,
    scrolled_speed,
    status,
    tooltip_text,
)
from readaloud.desktop.tray_menu import MenuEntry, TrayCommands, TrayView, build_menu
from readaloud.desktop.tray_path import TrayFacts, TrayPath, choose_tray_path


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __call__(self, name: str) -> Callable[..., None]:
        return lambda *args: self.calls.append((name, args))

    def commands(self) -> TrayCommands:
        names = ("read_selection", "read_clipboard", "toggle_pause", "stop", "skip", "back", "set_voice",
                 "set_speed", "open_config", "quit")
        return TrayCommands(**{n: self(n) for n in names})


class Views:
    """A changing TrayView, as the frontend holds it."""

    def __init__(self, **fields: Any) -> None:
        self.view = TrayView(**fields)

    def __call__(self) -> TrayView:
        return self.view


# -- pixmaps, status, tooltip --------------------------------------------------------------------------


def test_pixmaps_are_argb32_big_endian() -> None:
    from PIL import Image

    image = Image.new("RGBA", (2, 1), (10, 20, 30, 40))
    image.putpixel((1, 0), (1, 2, 3, 255))
    assert argb32(image) == bytes([40, 10, 20, 30, 255, 1, 2, 3])


def test_every_tray_size_is_sent_and_shows_the_state() -> None:
    pixmaps = icon_pixmaps(IconState.SPEAKING)
    assert [(w, h) for w, h, _ in pixmaps] == [(s, s) for s in SIZES]
    for width, _height, data in pixmaps:
        assert data == argb32(render_icon(IconState.SPEAKING, width))
        assert len(data) == width * width * 4
    assert icon_pixmaps(IconState.PAUSED)[-1][2] != pixmaps[-1][2]


def test_errors_ask_for_attention() -> None:
    assert status(TrayView(state="speaking")) == "Active"
    assert status(TrayView(error="no audio output device")) == "NeedsAttention"


def test_tooltip_shows_state_voice_speed_and_the_sentence_escaped() -> None:
    title, body = tooltip_text(TrayView(state="speaking", voice="am_michael", speed=1.25,
                                        sentence="Is 1 < 2 & 3 > 2?"))
    assert title == "Read aloud"
    assert body.startswith("speaking · Michael (US, male) · 1.25×")
    assert "Is 1 &lt; 2 &amp; 3 &gt; 2?" in body
    _, idle = tooltip_text(TrayView(state="idle", sentence="left over"))
    assert "left over" not in idle


# -- clicks and the wheel -----------------------------------------------------------------------------


def test_middle_click_stops_and_left_click_pauses_while_speaking() -> None:
    recorder = Recorder()
    item = StatusNotifierItem(Views(state="speaking"), recorder.commands())
    item.activate()
    item.secondary_activate()
    assert recorder.calls == [("toggle_pause", ()), ("stop", ())]


def test_the_wheel_changes_speed_in_steps_within_the_limits() -> None:
    assert scrolled_speed(1.0, -120) == 1.05  # up: faster
    assert scrolled_speed(1.0, 1) == 0.95
    assert scrolled_speed(2.0, -1) == 2.0
    assert scrolled_speed(0.5, 120) == 0.5


def test_quick_wheel_notches_add_up_before_the_reader_confirms() -> None:
    recorder = Recorder()
    item = StatusNotifierItem(Views(speed=1.0), recorder.commands())
    for _ in range(3):
        item.scroll(-1, "vertical")
    item.scroll(-1, "horizontal")  # sideways scrolling is not speed
    assert recorder.calls == [("set_speed", (1.05,)), ("set_speed", (1.1,)), ("set_speed", (1.15,))]


def test_the_wheel_at_the_limit_asks_nothing() -> None:
    recorder = Recorder()
    StatusNotifierItem(Views(speed=2.0), recorder.commands()).scroll(-1, "Vertical")
    assert recorder.calls == []


# -- dbusmenu ---------------------------------------------------------------------------------------------


def labels(layout: list[Any]) -> dict[str, Any]:
    out = {}
    for child in layout[2]:
        item_id, props, _children = child.value
        out[props["label"].value if "label" in props else f"-{item_id}"] = child.value
    return out


def test_layout_carries_labels_toggles_and_submenus() -> None:
    menu = DBusMenu(lambda: build_menu(TrayView(state="idle"), Recorder().commands()))
    root = menu.layout(0, -1)
    top = labels(root)
    assert list(top)[:2] == ["Read selection", "Read clipboard"]
    assert top["Pause"][1]["enabled"].value is False
    assert top["Voice"][1]["children-display"].value == "submenu"
    speeds = labels(top["Speed"])
    assert speeds["1×"][1]["toggle-type"].value == "radio" and speeds["1×"][1]["toggle-state"].value == 1
    assert speeds["1.5×"][1]["toggle-state"].value == 0
    assert menu.layout(0, 0)[2] == []  # depth 0: the item alone
    only_labels = menu.layout(0, 1, ["label"])
    assert all(set(child.value[1]) <= {"label"} for child in only_labels[2])


def test_underscores_are_not_mnemonics_and_separators_are_typed() -> None:
    assert item_properties(MenuEntry("a_b"))["label"] == ("s", "a__b")
    assert item_properties(MenuEntry("-")) == {"type": ("s", "separator")}


def test_ids_stay_put_when_labels_change() -> None:
    views = Views(state="speaking", voice="af_heart")
    menu = DBusMenu(lambda: build_menu(views(), Recorder().commands()))
    pause_id = labels(menu.layout(0, 1))["Pause"][0]
    views.view = TrayView(state="paused", voice="bf_emma")
    menu.refresh()
    top = labels(menu.layout(0, -1))
    assert top["Resume"][0] == pause_id
    assert "English (UK) •" in labels(top["Voice"])
    assert menu.revision == 1  # same items, new properties: no new layout


def test_a_new_speed_item_is_a_new_layout() -> None:
    views = Views(speed=1.0)
    menu = DBusMenu(lambda: build_menu(views(), Recorder().commands()))
    views.view = TrayView(speed=1.1)
    menu.refresh()
    assert menu.revision == 2
    assert "1.1×" in labels(labels(menu.layout(0, -1))["Speed"])


def test_clicks_run_enabled_items_only() -> None:
    recorder = Recorder()
    menu = DBusMenu(lambda: build_menu(TrayView(state="idle"), recorder.commands()))
    top = labels(menu.layout(0, -1))
    emma = labels(labels(top["Voice"])["English (UK)"])["Emma (UK, female)"][0]
    menu.event(emma, "clicked")
    menu.event(top["Skip"][0], "clicked")  # disabled while idle
    menu.event(top["Voice"][0], "clicked")  # a submenu
    menu.event(top["Quit"][0], "hovered")
    assert recorder.calls == [("set_voice", ("bf_emma",))]
    with pytest.raises(DBusError, match="does not refer to a menu item"):
        menu.event(10_000, "clicked")


def test_group_properties_and_single_property() -> None:
    menu = DBusMenu(lambda: build_menu(TrayView(), Recorder().commands()))
    quit_id = labels(menu.layout(0, 1))["Quit"][0]
    (found,) = menu.group_properties([quit_id], ["label"])
    assert found[0] == quit_id and found[1]["label"].value == "Quit"
    assert menu.item_property(quit_id, "label").value == "Quit"
    with pytest.raises(DBusError):
        menu.item_property(quit_id, "icon-name")


# -- which tray ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "path"),
    [
        (TrayFacts(bus=True, watcher=True, xembed=True, pygobject=True), TrayPath.SNI),
        (TrayFacts(bus=True, watcher=True, xembed=False, pygobject=False), TrayPath.SNI),
        (TrayFacts(bus=True, watcher=False, xembed=True, pygobject=True), TrayPath.XEMBED_GTK),
        (TrayFacts(bus=True, watcher=False, xembed=True, pygobject=False), TrayPath.XEMBED_XORG),
        (TrayFacts(bus=False, watcher=False, xembed=True, pygobject=False), TrayPath.XEMBED_XORG),
        (TrayFacts(bus=True, watcher=False, xembed=False, pygobject=True), TrayPath.WAITING),
        (TrayFacts(bus=False, watcher=False, xembed=False, pygobject=True), TrayPath.NONE),
    ],
)
def test_the_native_item_wins_wherever_a_watcher_runs(facts: TrayFacts, path: TrayPath) -> None:
    choice = choose_tray_path(facts)
    assert choice.path is path
    assert choice.why
    assert choice.has_menu == (path in (TrayPath.SNI, TrayPath.XEMBED_GTK))
