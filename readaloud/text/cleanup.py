"""Character-level cleanup and paragraph reflow (language independent).

``clean_characters`` fixes what copy-paste from web pages, PDFs and terminals leaves behind: control and
zero-width characters, smart quotes, ligatures, odd spaces, decomposed accents. ``reflow`` joins
hard-wrapped lines and words hyphenated at line breaks, and turns real line structure into single
``\\n`` breaks that the sentence splitter honours.
"""

from __future__ import annotations

import re
import unicodedata

from readaloud.text.mapped import Editor, MappedText

_CHAR_MAP: dict[str, str] = {
    "\r\n": "\n",
    "\r": "\n",
    "\t": " ",
    "\v": "\n",
    "\f": "\n",
    "\u2028": "\n",
    "\u2029": "\n\n",
    "\u0085": "\n",
    # Quotes and primes.
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2039": '"',
    "\u203a": '"',
    # Hyphens and dashes: keep the en dash (ranges) and em dash (pauses), fold the rest.
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2043": "-",
    "\u2015": "\u2014",
    "\u2212": "\u2212",
    # Ligatures.
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u0132": "IJ",
    "\u0133": "ij",
    "\u0152": "OE",
    "\u0153": "oe",
    "\u00c6": "AE",
    "\u00e6": "ae",
}
# Spaces of every width become a plain space.
for _cp in (0x00A0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000, 0x1680):
    _CHAR_MAP[chr(_cp)] = " "
# Invisible characters that only confuse G2P: zero-width, bidi controls, soft hyphen, BOM.
for _cp in (
    0x200B,
    0x200C,
    0x2060,
    0xFEFF,
    0x00AD,
    0x200E,
    0x200F,
    0x061C,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
):
    _CHAR_MAP[chr(_cp)] = ""
# C0/C1 controls other than tab and newline.
for _cp in (*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0x85), *range(0x86, 0xA0)):
    _CHAR_MAP[chr(_cp)] = ""
# Fullwidth ASCII (common in text pasted from CJK sources).
for _cp in range(0xFF01, 0xFF5F):
    _CHAR_MAP[chr(_cp)] = chr(_cp - 0xFEE0)

_CHAR_RE = re.compile(
    "\r\n|[" + "".join(re.escape(c) for c in _CHAR_MAP if len(c) == 1) + "]"
    # Combining marks after a base character: recompose (NFC) so "e\u0301" reads as "é".
    r"|(?P<marks>[\u0300-\u036f]+)"
    # Private-use characters: unreadable, and the normalizer uses them internally as placeholders.
    "|[\ue000-\uf8ff\U000f0000-\U0010ffff]",
)


def clean_characters(src: MappedText) -> MappedText:
    """Drop control and invisible characters, fold quotes, dashes, ligatures and spaces."""
    text = src.text
    editor = Editor(src)
    get = _CHAR_MAP.get
    for m in _CHAR_RE.finditer(text):
        start = m.start()
        if m.lastgroup == "marks":
            if start > editor.pos:  # the base character before the marks is still untouched
                composed = unicodedata.normalize("NFC", text[start - 1 : m.end()])
                if composed != text[start - 1 : m.end()]:
                    editor.replace(start - 1, m.end(), composed)
            continue
        s = m.group()
        new = get(s, "")
        if new != s:
            editor.replace(start, m.end(), new)
    return editor.finish()


# A line break hyphenating a word: "exam-\n   ple".
_BREAK_HYPHEN_RE = re.compile(r"-(?<=[^\W\d_]-)[ ]*\n[ ]*(?=[^\W\d_])")
_SPACES_RE = re.compile(r"(?=[ \n])(?:[ ]{2,}|[ ]*\n[ \n]*|^[ ]+|[ ]+$)")
_SENTENCE_END = frozenset(".!?:;…\"')]")
_WRAP_MIN = 40


def reflow(src: MappedText) -> MappedText:
    """Join hard-wrapped lines and line-break hyphenation; collapse spaces; one ``\\n`` per break.

    A blank line always breaks. A single newline joins the lines when the next one starts in lower
    case or the line before it is long enough to be a wrapped paragraph line; otherwise (a title
    above text, a short line ending a list) it stays a break.
    """
    from readaloud.text.english import hyphenation  # lazy: loads a word list only when needed

    text = src.text
    editor = Editor(src)
    for m in _BREAK_HYPHEN_RE.finditer(text):
        if hyphenation.join_at_line_break(text, m.start(), m.end()):
            editor.replace(m.start(), m.end(), "")
        else:
            editor.replace(m.start(), m.end(), "-")
    src = editor.finish()
    text = src.text
    editor = Editor(src)
    for m in _SPACES_RE.finditer(text):
        s = m.group()
        start, end = m.start(), m.end()
        if start == 0 or end == len(text):
            editor.replace(start, end, "")
        elif "\n" not in s or (s.count("\n") == 1 and _is_wrap(text, start, end)):
            editor.replace(start, end, " ")
        else:
            editor.replace(start, end, "\n")
    return editor.finish()


def _is_wrap(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    prev_line = text[line_start:start]
    nxt = text[end] if end < len(text) else ""
    if not prev_line or not nxt:
        return False
    if nxt.islower():
        return True
    if prev_line[-1] in _SENTENCE_END:
        line_end = text.find("\n", end)
        next_line = text[end : line_end if line_end >= 0 else len(text)].rstrip()
        if len(next_line) < _WRAP_MIN and next_line and next_line[-1] not in _SENTENCE_END:
            return False  # a short title after a finished sentence: "1 Introduction"
        return len(prev_line) >= _WRAP_MIN
    return len(prev_line) >= _WRAP_MIN and (nxt.isalnum() or nxt in "(\"'")
