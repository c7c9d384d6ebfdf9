"""Which writing systems a voice can read, and emoji.

Text in a script the voice's language cannot read (Chinese inside English, Cyrillic inside Spanish) is
skipped rather than garbled. Emoji are skipped or, for English with ``emoji="name"``, read by name.
"""

from __future__ import annotations

import re
import unicodedata

from readaloud.text.mapped import Editor, MappedText

_FAMILIES = {
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "a": "en",
    "b": "en",
    "es": "es",
    "e": "es",
    "fr": "fr",
    "fr-fr": "fr",
    "f": "fr",
    "hi": "hi",
    "h": "hi",
    "it": "it",
    "i": "it",
    "ja": "ja",
    "j": "ja",
    "pt": "pt",
    "pt-br": "pt",
    "p": "pt",
    "zh": "zh",
    "cmn": "zh",
    "z": "zh",
}

# Non-Latin letters, marks and syllabaries (everything between Latin and the emoji planes that is a
# script rather than punctuation or symbols).
_FOREIGN: tuple[tuple[int, int], ...] = (
    (0x0370, 0x1DBF),
    (0x1F00, 0x1FFF),
    (0x2C00, 0x2DFF),
    (0x2E80, 0x2FDF),
    (0x3001, 0x303F),
    (0x3040, 0x9FFF),
    (0xA000, 0xA6FF),
    (0xA800, 0xABFF),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0xFB1D, 0xFDFF),
    (0xFE70, 0xFEFF),
    (0xFF61, 0xFFDC),
    (0x10000, 0x1CFFF),
    (0x1D400, 0x1EFFF),
    (0x20000, 0x3FFFF),
)
_READABLE: dict[str, tuple[tuple[int, int], ...]] = {
    "hi": ((0x0900, 0x097F), (0xA8E0, 0xA8FF)),
    "ja": (
        (0x3001, 0x30FF),
        (0x31F0, 0x31FF),
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xF900, 0xFAFF),
        (0xFF61, 0xFF9F),
        (0x20000, 0x3FFFF),
    ),
    "zh": (
        (0x3001, 0x303F),
        (0x3100, 0x312F),
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xF900, 0xFAFF),
        (0x20000, 0x3FFFF),
    ),
}

_EMOJI_CORE = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf\u23e9-\u23f3"
    "\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf\u2934\u2935\u2b05-\u2b07"
    "\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
_EMOJI_MODIFIERS = "\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
EMOJI_PATTERN = (
    "[\U0001f1e6-\U0001f1ff]{2}|"  # a flag: two regional indicator letters
    f"[{_EMOJI_CORE}][{_EMOJI_MODIFIERS}]*(?:\u200d[{_EMOJI_CORE}][{_EMOJI_MODIFIERS}]*)*"
    f"|[{_EMOJI_MODIFIERS}\u200d]+"
)


def language_family(language: str) -> str:
    """ "en" for every English variant, else the base language ("es", "fr", "hi", "it", "ja", "pt", "zh")."""
    code = language.strip().lower().replace("_", "-")
    family = _FAMILIES.get(code) or _FAMILIES.get(code.split("-")[0])
    return family or code.split("-")[0] or "en"


def _subtract(
    ranges: tuple[tuple[int, int], ...], minus: tuple[tuple[int, int], ...]
) -> list[tuple[int, int]]:
    result = list(ranges)
    for lo_m, hi_m in minus:
        nxt: list[tuple[int, int]] = []
        for lo, hi in result:
            if hi < lo_m or lo > hi_m:
                nxt.append((lo, hi))
                continue
            if lo < lo_m:
                nxt.append((lo, lo_m - 1))
            if hi > hi_m:
                nxt.append((hi_m + 1, hi))
        result = nxt
    return result


def _class(ranges: list[tuple[int, int]]) -> str:
    return "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(family: str) -> re.Pattern[str]:
    pattern = _PATTERNS.get(family)
    if pattern is None:
        foreign = _class(_subtract(_FOREIGN, _READABLE.get(family, ())))
        # The leading lookahead lets the regex engine skip plain Latin text at C speed.
        pattern = re.compile(
            f"(?=[\u00a9\u00ae\u0370-\U0010ffff])(?:(?P<emoji>{EMOJI_PATTERN})|(?P<foreign>[{foreign}]+))"
        )
        _PATTERNS[family] = pattern
    return pattern


# Friendlier names than Unicode's for a few very common emoji.
_EMOJI_NAMES = {"\u2764": "red heart", "\U0001f602": "laughing with tears", "\U0001f44d": "thumbs up",
                "\U0001f44e": "thumbs down", "\U0001f64f": "folded hands", "\U0001f525": "fire"}


def emoji_name(sequence: str) -> str:
    """A short spoken name for an emoji sequence: "thumbs up", "man woman girl", "US flag"."""
    if len(sequence) == 2 and all("\U0001f1e6" <= ch <= "\U0001f1ff" for ch in sequence):
        region = "".join(chr(ord(ch) - 0x1F1E6 + ord("A")) for ch in sequence)
        return f"{region} flag"
    names: list[str] = []
    for ch in sequence:
        if ch in "\u200d\ufe0e\ufe0f\u20e3" or "\U0001f3fb" <= ch <= "\U0001f3ff" or ch >= "\U000e0000":
            continue
        name = _EMOJI_NAMES.get(ch) or unicodedata.name(ch, "").lower().removesuffix(" sign")
        if name:
            names.append(name.replace("-", " "))
    return " ".join(names)


def filter_scripts(src: MappedText, family: str, *, emoji: str = "skip") -> MappedText:
    """Skip text the voice cannot read; skip or name emoji (names only in English)."""
    if src.text.isascii():
        return src  # no emoji and no other scripts (a constant-time check)
    editor = Editor(src)
    name_emoji = emoji == "name" and family == "en"
    for m in _pattern(family).finditer(src.text):
        spoken = ""
        if m.lastgroup == "emoji" and name_emoji:
            spoken = emoji_name(m.group())
        editor.replace(m.start(), m.end(), f" {spoken} " if spoken else " ")
    return editor.finish()
