"""Last stage: keep only what G2P reads well, and fix the spacing and punctuation left by the rules.

English keeps letters, spaces, line breaks, apostrophes and hyphens inside words, and the punctuation
Kokoro uses for prosody (``. , ! ? ; : — … " ( )``); any digit still present is read as a number.
Other languages keep everything the script filter let through and only get the spacing fixes.
"""

from __future__ import annotations

import re

from readaloud.text.mapped import Editor, MappedText
from readaloud.text.protect import PLACEHOLDER_CLASS

LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
PUNCTUATION = '.,!?;:—…"()'
_P = re.escape(PUNCTUATION)

_W = f"{LETTERS}{PLACEHOLDER_CLASS}"
# Everything G2P should not see, as single-class searches so the regex engine skips plain text fast:
# digits, hyphens and apostrophes that are not inside a word, and any other unsafe character.
_FILTER_RE = re.compile(rf"[^{_W} \n{_P}]+")
_WORDISH = re.compile(rf"[{_W}]")
# Spacing and punctuation fixes; every branch starts with a literal character or a class.
# The leading lookahead lets the regex engine skip to candidate characters at C speed.
_SPACING_RE = re.compile(
    r"(?=[\n.,!?;:… (])(?:"
    rf"(?P<blank>\n[^\w\n{PLACEHOLDER_CLASS}]*(?=\n|\Z))"
    rf"|(?P<lead>\n[ .,!?;:…—)]+)"
    rf"|(?P<punct>[.,!?;:…](?: ?[.,!?;:…])+)"
    rf"|(?P<space> (?: *(?=[.,!?;:…)\n]|\Z)| +))"
    rf"|(?P<paren>\((?: *\)| +))"
    r")"
)
_FIRST_LINE_RE = re.compile(rf"[^\w\n{PLACEHOLDER_CLASS}]*(?:\n|\Z)|[ .,!?;:…—)]+")


def _filter(src: MappedText) -> MappedText:
    from readaloud.text.english.numbers import cardinal

    text = src.text
    n = len(text)
    wordish = _WORDISH.match
    editor = Editor(src)
    for m in _FILTER_RE.finditer(text):
        run = m.group()
        start, end = m.start(), m.end()
        if len(run) == 1 and run in "-'":
            # A hyphen inside a word, or an apostrophe inside a word or after a plural "s", stays.
            inside = start > 0 and wordish(text, start - 1) is not None
            after = end < n and wordish(text, end) is not None
            if inside and (after or (run == "'" and text[start - 1] in "sS")):
                continue
        pieces = []
        for part in _RUN_PARTS_RE.findall(run):
            pieces.append(f" {cardinal(part)} " if part[0].isdigit() else " ")
        editor.replace(start, end, "".join(pieces) if any(p.strip() for p in pieces) else (
            "" if run in ("'", "''") else " "))
    return editor.finish()


_RUN_PARTS_RE = re.compile(r"[0-9]+|[^0-9]+")


def _merge_punctuation(run: str) -> str:
    marks = [c for c in run if c != " "]
    if run.startswith("..."):
        marks[0] = "…"
    loud = "".join(dict.fromkeys(c for c in marks if c in "?!"))
    if loud:
        return loud
    for c in "….;:":
        if c in marks:
            return c
    return ","


def _spacing(src: MappedText) -> MappedText:
    text = src.text
    editor = Editor(src)
    first = _FIRST_LINE_RE.match(text)
    if first is not None and first.end() > 0:
        editor.replace(0, first.end(), "")
    for m in _SPACING_RE.finditer(text, editor.pos):
        kind = m.lastgroup
        start, end = m.start(), m.end()
        if kind == "punct":
            editor.replace(start, end, _merge_punctuation(m.group()))
        elif kind == "space":
            at_break = end >= len(text) or text[end] in ".,!?;:…)\n"
            editor.replace(start, end, "" if at_break else " ")
        elif kind == "lead":
            editor.replace(start + 1, end, "")
        elif kind == "paren":
            editor.replace(start, end, "" if m.group().endswith(")") else "(")
        else:
            editor.replace(start, end, "")
    return editor.finish()


def tidy(src: MappedText, *, english: bool) -> MappedText:
    """Filter (English only) and fix spacing; the result has no leading or trailing whitespace."""
    if english:
        src = _filter(src)
    src = _spacing(src)
    text = src.text
    start, end = 0, len(text)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start or end < len(text):
        editor = Editor(src)
        editor.replace(0, start, "")
        editor.copy_to(end)
        editor.replace(end, len(text), "")
        src = editor.finish()
    return src
