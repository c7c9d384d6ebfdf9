"""Key combinations: the one grammar of ``[hotkeys]`` and the forms desktops want.

The config syntax is pynput's (``<ctrl>+<alt>+r``): modifiers and named keys between angle brackets,
one-character keys as they are, joined by ``+``. :func:`combo_problem` says why a text is not a
combination (config validation reports it); :func:`parse_combo` turns a text into its canonical
:class:`KeyCombo`, so ``<alt>+<ctrl>+R`` and ``<ctrl>+<alt>+r`` are the same key to the config's
clash check and to the listeners. The same combo is handed to pynput (X11), to the GlobalShortcuts
portal (Wayland), to GNOME's gsettings, and printed for sway, i3, Hyprland and KDE.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from readaloud.errors import ConfigError

# pynput's Key names (keyboard._base.Key), plus <super> (taken as <cmd>); matched case-insensitively
# like pynput's HotKey.parse. <NUMBER> is a virtual key code.
KEY_NAMES = frozenset(
    [
        "alt", "alt_l", "alt_r", "alt_gr", "backspace", "caps_lock", "cmd", "cmd_l", "cmd_r",
        "ctrl", "ctrl_l", "ctrl_r", "delete", "down", "end", "enter", "esc", "home", "left",
        "page_down", "page_up", "right", "shift", "shift_l", "shift_r", "space", "tab", "up",
        "media_play_pause", "media_volume_mute", "media_volume_down", "media_volume_up",
        "media_previous", "media_next", "insert", "menu", "num_lock", "pause", "print_screen",
        "scroll_lock", "super",
        *(f"f{n}" for n in range(1, 21)),
    ]
)  # fmt: skip
# Each modifier key name and the modifier it stands for (left and right keys count as one).
_MODIFIERS = {
    "ctrl": "ctrl", "ctrl_l": "ctrl", "ctrl_r": "ctrl",
    "alt": "alt", "alt_l": "alt", "alt_r": "alt", "alt_gr": "alt",
    "shift": "shift", "shift_l": "shift", "shift_r": "shift",
    "cmd": "super", "cmd_l": "super", "cmd_r": "super", "super": "super",
}  # fmt: skip
_ORDER = ("ctrl", "alt", "shift", "super")
EXAMPLE = "<ctrl>+<alt>+r"
# X keysym names of punctuation keys, which desktops' shortcut syntaxes want instead of the character.
_PUNCTUATION = {
    "+": "plus", "-": "minus", "=": "equal", ",": "comma", ".": "period", "/": "slash", ";": "semicolon",
    "'": "apostrophe", "[": "bracketleft", "]": "bracketright", "\\": "backslash", "`": "grave",
    " ": "space",
}


@dataclass(frozen=True)
class KeyCombo:
    """Modifiers (subset of ctrl, alt, shift, super, in that order) plus one key (``r``, ``f9``)."""

    modifiers: tuple[str, ...]
    key: str

    @property
    def _is_char(self) -> bool:
        return len(self.key) == 1

    def pynput(self) -> str:
        mods = ["cmd" if m == "super" else m for m in self.modifiers]
        key = self.key if self._is_char else f"<{self.key}>"
        return "+".join([f"<{m}>" for m in mods] + [key])

    def portal(self) -> str:
        """XDG shortcuts-spec trigger, e.g. ``CTRL+ALT+r`` (for GlobalShortcuts' preferred_trigger)."""
        names = {"ctrl": "CTRL", "alt": "ALT", "shift": "SHIFT", "super": "LOGO"}
        return "+".join([names[m] for m in self.modifiers] + [self._keysym()])

    def gtk(self) -> str:
        """GTK accelerator, e.g. ``<Control><Alt>r`` (GNOME custom keybindings)."""
        names = {"ctrl": "<Control>", "alt": "<Alt>", "shift": "<Shift>", "super": "<Super>"}
        return "".join(names[m] for m in self.modifiers) + self._keysym()

    def sway(self) -> str:
        names = {"ctrl": "Ctrl", "alt": "Mod1", "shift": "Shift", "super": "Mod4"}
        return "+".join([names[m] for m in self.modifiers] + [self._keysym()])

    def hyprland(self) -> tuple[str, str]:
        """(MODS, KEY) for ``bind = MODS, KEY, exec, …``."""
        names = {"ctrl": "CTRL", "alt": "ALT", "shift": "SHIFT", "super": "SUPER"}
        return " ".join(names[m] for m in self.modifiers), self._keysym()

    def label(self) -> str:
        """For people, e.g. ``Ctrl+Alt+R``."""
        names = {"ctrl": "Ctrl", "alt": "Alt", "shift": "Shift", "super": "Super"}
        key = self.key if self._is_char else self._keysym()
        return "+".join([names[m] for m in self.modifiers] + [key.upper() if len(key) == 1 else key])

    def kde(self) -> str:
        names = {"ctrl": "Ctrl", "alt": "Alt", "shift": "Shift", "super": "Meta"}
        key = self._keysym()
        return "+".join([names[m] for m in self.modifiers] + [key.upper() if len(key) == 1 else key])

    def _keysym(self) -> str:
        if self._is_char:
            return _PUNCTUATION.get(self.key, self.key)
        if self.key[0] == "f" and self.key[1:].isdigit():
            return self.key.upper()
        return {"space": "space", "enter": "Return", "esc": "Escape", "tab": "Tab",
                "pause": "Pause", "insert": "Insert", "delete": "Delete", "home": "Home",
                "end": "End", "page_up": "Prior", "page_down": "Next", "print_screen": "Print",
                "menu": "Menu", "scroll_lock": "Scroll_Lock"}.get(self.key, self.key)


def _split(text: str) -> list[str]:
    # As pynput splits: a "+" right after a separator is the plus key itself ("<ctrl>++").
    parts: list[str] = []
    start = 0
    for index, char in enumerate(text):
        if char == "+" and index != start:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _parse(text: str) -> KeyCombo | str:
    """The combo ``text`` names, or why it names none."""
    if not text.strip():
        return "it is empty"
    parts = _split(text)
    if parts[-1] == "":
        return "ends with '+'"
    modifiers: set[str] = set()
    keys: list[str] = []
    for part in parts:
        if len(part) == 1:
            name = part.lower()
        elif len(part) > 2 and part[0] == "<" and part[-1] == ">":
            name = part[1:-1].lower()
            if name not in KEY_NAMES and not name.isdigit():
                close = difflib.get_close_matches(name, KEY_NAMES, n=1)
                return f'unknown key "{part}"' + (f' (did you mean "<{close[0]}>"?)' if close else "")
        else:
            return f'"{part}" is neither one character nor a <name> like <ctrl>'
        if name in keys or name in modifiers:
            return f'"{part}" appears twice'
        if name in _MODIFIERS:
            modifiers.add(name)
        else:
            keys.append(name)
    # What the hotkey backends can bind: modifiers plus exactly one key.
    if len(keys) != 1:
        return "needs exactly one key besides the modifiers"
    if len(keys[0]) == 1 and not modifiers:
        return f'would fire on every "{keys[0]}" typed; add a modifier like <ctrl>'
    meant = {_MODIFIERS[name] for name in modifiers}
    return KeyCombo(tuple(m for m in _ORDER if m in meant), keys[0])


def combo_problem(text: str) -> str | None:
    """Why ``text`` is not a key combination (``"<ctrl>+<alt>+r"``), or None when it is."""
    parsed = _parse(text)
    return parsed if isinstance(parsed, str) else None


def parse_combo(text: str, *, where: str = "hotkey") -> KeyCombo:
    """The canonical combo of ``text``; raises :class:`ConfigError` naming ``where`` when it is none."""
    parsed = _parse(text)
    if isinstance(parsed, str):
        raise ConfigError(f"{where}: {not_a_combo(text, parsed)}")
    return parsed


def not_a_combo(text: str, problem: str) -> str:
    """The message for a text that is not a key combination, with an example of one."""
    return f'{json.dumps(text)} is not a key combination: {problem}; use e.g. "{EXAMPLE}"'


def clashes(bindings: Mapping[str, str], names: Iterable[str]) -> list[tuple[str, str]]:
    """``(name, earlier name)`` for each binding whose keys an earlier one already uses.

    Bindings are compared by their canonical combos; empty and invalid ones are left out (they are
    reported on their own).
    """
    seen: dict[KeyCombo, str] = {}
    found: list[tuple[str, str]] = []
    for name in names:
        parsed = _parse(bindings.get(name, "")) if bindings.get(name) else None
        if not isinstance(parsed, KeyCombo):
            continue
        if parsed in seen:
            found.append((name, seen[parsed]))
        else:
            seen[parsed] = name
    return found


_GTK_ALIASES = {"primary": "ctrl", "control": "ctrl", "ctl": "ctrl", "ctrl": "ctrl", "alt": "alt",
                "mod1": "alt", "shift": "shift", "super": "super", "mod4": "super", "meta": "super"}


def same_gtk_accelerator(a: str, b: str) -> bool:
    """Whether two GTK accelerators (``<Primary><Alt>r``, ``<Control><Alt>R``) name the same keys."""

    def parts(accel: str) -> tuple[frozenset[str], str]:
        mods: set[str] = set()
        rest = accel.strip()
        while rest.startswith("<") and ">" in rest:
            name, rest = rest[1:].split(">", 1)
            mods.add(_GTK_ALIASES.get(name.lower(), name.lower()))
        return frozenset(mods), rest.lower()

    return bool(a.strip()) and parts(a) == parts(b)
