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

_FILTER_RE = re.compile(
    rf"(?P<digits>[0-9]+)"
    rf"|(?P<hyphen>-+)"
    rf"|(?P<apos>'+)"
    rf"|(?P<bad>[^{LETTERS}{PLACEHOLDER_CLASS} \n{_P}'\-0-9]+)"
)
_WORDISH_RE = re.compile(f"[{LETTERS}{PLACEHOLDER_CLASS}]")

_SPACING_RE = re.compile(
    rf"(?m:^(?P<blank>[^\w\n{PLACEHOLDER_CLASS}]*)(?:\n|\Z))"
    rf"|(?m:^(?P<lead>[ .,!?;:…—)]+))"
    rf"|(?P<punct>[.,!?;:…](?: ?[.,!?;:…])+)"
    rf"|(?P<before> +)(?=[.,!?;:…)])"
    rf"|(?P<empty>\( *\))"
    rf"|(?<=\()(?P<after> +)"
    rf"|(?P<spaces> {{2,}})"
    rf"|(?m:(?P<trail> +)$)"
)


def _wordish(ch: str) -> bool:
    return bool(ch) and _WORDISH_RE.match(ch) is not None


def _filter(src: MappedText) -> MappedText:
    from readaloud.text.numbers import cardinal

    text = src.text
    editor = Editor(src)
    for m in _FILTER_RE.finditer(text):
        kind = m.lastgroup
        start, end = m.start(), m.end()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if kind == "digits":
            editor.replace(start, end, f" {cardinal(m.group())} ")
        elif kind == "hyphen":
            if not (end - start == 1 and _wordish(before) and _wordish(after)):
                editor.replace(start, end, " ")
        elif kind == "apos":
            keep = end - start == 1 and _wordish(before) and (_wordish(after) or before in "sS")
            if not keep:
                editor.replace(start, end, "")
        else:
            editor.replace(start, end, " ")
    return editor.finish()


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
    for m in _SPACING_RE.finditer(text):
        kind = m.lastgroup
        start, end = m.start(), m.end()
        if kind == "punct":
            editor.replace(start, end, _merge_punctuation(m.group()))
        elif kind == "spaces":
            editor.replace(start, end, " ")
        elif end > start:
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
