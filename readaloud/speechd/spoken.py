"""What to say for Speech Dispatcher's CHAR, KEY and SOUND_ICON messages (English names).

A lone letter is followed by a period, so the model says the letter's name ("a." is "ay", while
"a" alone would be the article). Key names follow SSIP's list ("kp-enter", "shift_a",
"control_alt_delete"); unknown names are read with their dashes as spaces.
"""

from __future__ import annotations

import unicodedata

_SYMBOLS = {
    " ": "space",
    "\t": "tab",
    "\n": "new line",
    "!": "exclamation mark",
    '"': "double quote",
    "#": "number sign",
    "$": "dollar",
    "%": "percent",
    "&": "ampersand",
    "'": "apostrophe",
    "(": "left paren",
    ")": "right paren",
    "*": "star",
    "+": "plus",
    ",": "comma",
    "-": "dash",
    ".": "dot",
    "/": "slash",
    ":": "colon",
    ";": "semicolon",
    "<": "less than",
    "=": "equals",
    ">": "greater than",
    "?": "question mark",
    "@": "at",
    "[": "left bracket",
    "\\": "backslash",
    "]": "right bracket",
    "^": "caret",
    "_": "underscore",
    "`": "grave",
    "{": "left brace",
    "|": "bar",
    "}": "right brace",
    "~": "tilde",
    "€": "euro",
    "£": "pound",
    "°": "degree",
}
_KEYS = {
    "space": "space",
    "underscore": "underscore",
    "double-quote": "double quote",
    "backspace": "backspace",
    "break": "break",
    "delete": "delete",
    "down": "down",
    "end": "end",
    "enter": "enter",
    "escape": "escape",
    "home": "home",
    "insert": "insert",
    "left": "left",
    "menu": "menu",
    "next": "page down",
    "num-lock": "num lock",
    "pause": "pause",
    "print": "print screen",
    "prior": "page up",
    "page-down": "page down",
    "page-up": "page up",
    "return": "return",
    "right": "right",
    "scroll-lock": "scroll lock",
    "tab": "tab",
    "up": "up",
    "window": "windows key",
    "alt": "alt",
    "control": "control",
    "hyper": "hyper",
    "meta": "meta",
    "shift": "shift",
    "super": "super",
}
_KEYPAD = {"*": "star", "+": "plus", "-": "minus", ".": "dot", "/": "slash"}


def spoken_char(char: str, *, capitals: bool = False) -> str:
    """How to say one character: letters by name, symbols by their name, anything by Unicode name."""
    if char in _SYMBOLS:
        return _SYMBOLS[char]
    if len(char) != 1:
        return char
    if char.isdigit():
        return char
    if char.isalpha():
        base = _letter(char)
        if capitals and char.isupper():
            return f"capital {base}"
        return base
    name = unicodedata.name(char, "")
    return name.lower() if name else char


def _letter(char: str) -> str:
    if char.isascii():
        return f"{char.lower()}."
    name = unicodedata.name(char, "")
    # "LATIN SMALL LETTER E WITH ACUTE" -> "e. with acute"
    if " LETTER " in name:
        letter = name.split(" LETTER ", 1)[1].lower()
        head, _, rest = letter.partition(" with ")
        if len(head) == 1:
            return f"{head}. with {rest}" if rest else f"{head}."
    return char


def spoken_key(name: str) -> str:
    """How to say an SSIP key name such as ``a``, ``shift_a``, ``kp-enter`` or ``control_alt_delete``."""
    *modifiers, key = name.split("_")
    words = [_KEYS.get(modifier, modifier) for modifier in modifiers if modifier]
    words.append(_key_word(key or "_"))
    return " ".join(words)


def _key_word(key: str) -> str:
    if key in _KEYS:
        return _KEYS[key]
    if key.startswith("kp-") and len(key) > 3:
        rest = key[3:]
        return "keypad " + _KEYPAD.get(rest, _KEYS.get(rest, rest.replace("-", " ")))
    if len(key) > 1 and key[0] in "fF" and key[1:].isdigit():
        return f"F {key[1:]}"
    if len(key) == 1:
        return spoken_char(key)
    return key.replace("-", " ")


def spoken_icon(name: str) -> str:
    """A sound icon has no sound here: its name is read ("message", "new-mail" as "new mail")."""
    return name.replace("-", " ").replace("_", " ")
