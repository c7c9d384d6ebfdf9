"""Hotkey strings: parsed once, rendered for pynput, the portal, GNOME and tiling compositors;
and the listener's choice of mechanism."""

from __future__ import annotations

import pytest

from readaloud.commands.bind_shortcut import detect_desktop, instructions
from readaloud.desktop.busthread import BusThread
from readaloud.desktop.hotkey import HotkeyListener, parse_bindings, session_type
from readaloud.errors import ConfigError
from readaloud.keys import parse_combo, same_gtk_accelerator


def test_default_hotkey_in_every_form() -> None:
    combo = parse_combo("<ctrl>+<alt>+r")
    assert combo.pynput() == "<ctrl>+<alt>+r"
    assert combo.portal() == "CTRL+ALT+r"
    assert combo.gtk() == "<Control><Alt>r"
    assert combo.sway() == "Ctrl+Mod1+r"
    assert combo.hyprland() == ("CTRL ALT", "r")
    assert combo.label() == "Ctrl+Alt+R"


def test_modifier_order_and_aliases_do_not_matter() -> None:
    assert parse_combo("<alt>+<ctrl_l>+R") == parse_combo("<ctrl>+<alt>+r")
    combo = parse_combo("<cmd>+<shift>+<f9>")
    assert (combo.pynput(), combo.portal(), combo.gtk()) == ("<shift>+<cmd>+<f9>", "SHIFT+LOGO+F9",
                                                             "<Shift><Super>F9")


def test_the_plus_key_itself() -> None:
    combo = parse_combo("<ctrl>++")
    assert (combo.key, combo.pynput(), combo.portal(), combo.gtk()) == ("+", "<ctrl>++", "CTRL+plus",
                                                                        "<Control>plus")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [("r", "add a modifier"), ("<ctrl>+<alt>", "exactly one"), ("<ctrl>+ab", "neither"), ("", "not a key"),
     ("<ctrl>+r+", "not a key")],
)
def test_bad_hotkeys_are_config_errors_naming_the_key(text: str, complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint) as caught:
        parse_combo(text, where="hotkeys.read_selection")
    assert "hotkeys.read_selection" in str(caught.value)


def test_two_actions_on_one_key_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"hotkeys.stop: <ctrl>\+<alt>\+r is already used"):
        parse_bindings({"read_selection": "<ctrl>+<alt>+r", "stop": "<alt>+<ctrl>+r"})
    assert set(parse_bindings({"read_selection": "<ctrl>+<alt>+r", "pause": ""})) == {"read_selection"}


def test_gtk_accelerators_compare_by_meaning() -> None:
    assert same_gtk_accelerator("<Primary><Alt>R", "<Control><Alt>r")
    assert not same_gtk_accelerator("<Control>r", "<Control><Alt>r")
    assert not same_gtk_accelerator("", "<Control><Alt>r")


@pytest.mark.parametrize(
    ("environ", "kind"),
    [({"DISPLAY": ":0"}, "x11"), ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "wayland"),
     ({"XDG_SESSION_TYPE": "wayland"}, "wayland"), ({}, "none")],
)
def test_session_type(environ: dict[str, str], kind: str) -> None:
    assert session_type(environ) == kind


def test_without_any_display_the_listener_reports_once_and_carries_on() -> None:
    reasons: list[str] = []
    listener = HotkeyListener({"read_selection": "<ctrl>+<alt>+r"}, {"read_selection": lambda: None},
                              bus_thread=BusThread(), on_unavailable=reasons.append, environ={})
    assert listener.start() == "none"
    assert listener.start() == "none"
    listener.stop()
    assert len(reasons) == 1 and "DISPLAY" in reasons[0]


def test_a_bad_hotkey_in_the_config_is_reported_not_raised() -> None:
    reasons: list[str] = []
    listener = HotkeyListener({"read_selection": "r"}, {"read_selection": lambda: None},
                              bus_thread=BusThread(), on_unavailable=reasons.append,
                              environ={"DISPLAY": ":0"})
    assert listener.start() == "none"
    assert "hotkeys.read_selection" in reasons[0]


@pytest.mark.parametrize(
    ("environ", "desktop"),
    [({"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}, "gnome"), ({"XDG_CURRENT_DESKTOP": "KDE"}, "kde"),
     ({"SWAYSOCK": "/run/sway.sock"}, "sway"), ({"HYPRLAND_INSTANCE_SIGNATURE": "x"}, "hyprland"),
     ({"I3SOCK": "/run/i3"}, "i3"), ({"XDG_CURRENT_DESKTOP": "XFCE"}, "xfce"), ({}, "other")],
)
def test_desktop_detection(environ: dict[str, str], desktop: str) -> None:
    assert detect_desktop(environ) == desktop


@pytest.mark.parametrize(
    ("desktop", "line"),
    [("sway", "bindsym Ctrl+Mod1+r exec /opt/ra read-selection"),
     ("i3", "bindsym Ctrl+Mod1+r exec --no-startup-id /opt/ra read-selection"),
     ("hyprland", "bind = CTRL ALT, R, exec, /opt/ra read-selection"),
     ("kde", "shortcut: Ctrl+Alt+R"),
     ("xfce", "'/commands/custom/<Primary><Alt>r' -s '/opt/ra read-selection'"),
     ("other", "command:  /opt/ra read-selection")],
)
def test_instructions_give_the_exact_line_to_add(desktop: str, line: str) -> None:
    assert line in instructions(desktop, parse_combo("<ctrl>+<alt>+r"), "/opt/ra read-selection")
