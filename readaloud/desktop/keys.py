"""Key combinations: pynput's config syntax (``<ctrl>+<alt>+r``) and the forms desktops want.

The same hotkey from ``[hotkeys]`` is handed to pynput (X11), to the GlobalShortcuts portal
(Wayland), to GNOME's gsettings, and printed for sway, i3, Hyprland and KDE.
"""

from __future__ import annotations

from dataclasses import dataclass

from readaloud.errors import ConfigError

_MODIFIERS = {
    "ctrl": "ctrl", "ctrl_l": "ctrl", "ctrl_r": "ctrl",
    "alt": "alt", "alt_l": "alt", "alt_r": "alt", "alt_gr": "alt",
    "shift": "shift", "shift_l": "shift", "shift_r": "shift",
    "cmd": "super", "cmd_l": "super", "cmd_r": "super", "super": "super",
}
_ORDER = ("ctrl", "alt", "shift", "super")
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


def parse_combo(text: str, *, where: str = "hotkey") -> KeyCombo:
    """Parse pynput syntax (``<ctrl>+<alt>+r``); raises :class:`ConfigError` naming ``where``."""
    parts = _split(text.strip().lower())
    if not text.strip() or any(not p for p in parts):
        raise ConfigError(f"{where}: {text!r} is not a key combination (example: \"<ctrl>+<alt>+r\")")
    modifiers: set[str] = set()
    keys: list[str] = []
    for part in parts:
        name = part[1:-1] if part.startswith("<") and part.endswith(">") else part
        if name in _MODIFIERS:
            modifiers.add(_MODIFIERS[name])
        elif len(part) == 1 or (part.startswith("<") and part.endswith(">") and name):
            keys.append(name)
        else:
            raise ConfigError(
                f"{where}: {part!r} in {text!r} is neither a character nor a <named> key"
            )
    if len(keys) != 1:
        raise ConfigError(f"{where}: {text!r} needs exactly one non-modifier key")
    if not modifiers and len(keys[0]) == 1:
        raise ConfigError(f"{where}: {text!r} would fire on every {keys[0]!r} typed; add a modifier")
    return KeyCombo(tuple(m for m in _ORDER if m in modifiers), keys[0])


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
