"""Sentence segmentation that knows abbreviations, initials, decimals, ellipses and quotes.

Works on normalized text (where most abbreviations are already expanded) and on raw text alike. A line
break always ends a sentence: :func:`readaloud.text.normalize.normalize` keeps ``\\n`` only where the
text has structure (paragraphs, headings, list items) and joins hard-wrapped lines.
"""

from __future__ import annotations

import re

# Abbreviations that are (almost) never the end of a sentence: titles before names, "e.g.", "vs.".


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NEVER_FINAL = _wordset(
    """mr mrs ms mx dr prof rev fr hon pres gov sen rep gen col lt sgt capt cmdr adm maj cpl
    st mt ft messrs mmes mme mlle sr jr e.g eg i.e ie cf vs viz approx ca incl esp fig figs vol vols
    no nos p pp ch chap sec art eq eqs ref refs op ed eds trans dept univ est"""
)
# Abbreviations that end a sentence when the next word is capitalised ("... and so on, etc. Then").
_MAYBE_FINAL = _wordset(
    """etc inc ltd co corp llc plc bros al a.m p.m am pm u.s u.k u.n e.u d.c b.c a.d u.s.a ph.d
    b.a m.a b.sc m.sc n.y l.a"""
)

_BOUNDARY_RE = re.compile(
    # The leading lookahead lets the regex engine skip to candidate characters at C speed.
    r"(?=[\[.!?…\n。！？।])(?:"
    # misaki's phoneme override syntax is opaque: "[Dr.](/dˈɑktəɹ/)" must not end a sentence.
    r"(?P<override>\[[^\]\n]{1,200}\]\(/[^)\n]{0,400}/\))"
    r"|(?P<end>(?:[.!?…]|\.\.\.)+[\"')\]]*)(?=\s|$)"
    r"|(?P<cjk>[。！？]+[」』）\"']*)"  # Chinese and Japanese full stops need no space after them
    r"|(?P<danda>।+)(?=\s|$)"  # Hindi
    r"|\n"
    r")"
)
# Where an over-long sentence may be cut, best first: clause punctuation, then any space.
_SPACE_RE = re.compile(r"\s+")
_CLAUSE_BREAK_RE = re.compile(r"[;:—,](?=\s)|[、，；：]")
_WORD_BEFORE_RE = re.compile(r"\S{1,40}$")
_OPENERS = "\"'([{"


def split_sentences(text: str, max_chars: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` spans of the sentences of ``text``: whitespace-trimmed, non-empty, in order.

    With ``max_chars``, a longer sentence (a run-on list, text without punctuation) is cut into pieces
    of at most that length, at clause punctuation where possible and never inside a word.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY_RE.finditer(text):
        kind = m.lastgroup
        if kind == "override":
            continue
        if kind is None:  # a line break
            _add(text, start, m.start(), spans)
            start = m.end()
        elif kind in ("cjk", "danda") or _ends_sentence(text, m.start(), m.end()):
            _add(text, start, m.end(), spans)
            start = m.end()
    _add(text, start, len(text), spans)
    if max_chars is not None and max_chars > 0:
        spans = [piece for span in spans for piece in _cut(text, span, max_chars)]
    return spans


def _cut(text: str, span: tuple[int, int], limit: int) -> list[tuple[int, int]]:
    start, end = span
    pieces: list[tuple[int, int]] = []
    while end - start > limit:
        window_end = start + limit
        cut = -1
        for m in _CLAUSE_BREAK_RE.finditer(text, start, min(end, window_end + 1)):
            if m.end() <= window_end:
                cut = m.end()
        if cut <= start:
            for space in _SPACE_RE.finditer(text, start, window_end + 1):
                cut = space.start()
        if cut <= start:
            # One word longer than the limit: keep it whole up to the next space.
            following = _SPACE_RE.search(text, window_end, end)
            cut = following.start() if following else end
        before = len(pieces)
        _add(text, start, cut, pieces)
        if len(pieces) == before and cut >= end:
            break
        start = cut
    _add(text, start, end, pieces)
    return pieces


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _next_char(text: str, pos: int) -> str:
    n = len(text)
    while pos < n and (text[pos].isspace() or text[pos] in _OPENERS):
        if text[pos] == "\n":
            return ""
        pos += 1
    return text[pos] if pos < n else ""


def _ends_sentence(text: str, start: int, end: int) -> bool:
    punct = text[start:end].rstrip("\"')]")
    nxt = _next_char(text, end)
    if not nxt:
        return True
    if nxt.islower():
        # '"Really?" she asked.', "wait… what", "e.g. this": a lower-case word continues the sentence.
        return False
    if punct != ".":
        # "?", "!", "?!", "…", "...": a capital, digit or symbol after them starts a new sentence.
        return True
    before = _WORD_BEFORE_RE.search(text, max(0, start - 40), start)
    if before is None:
        return True
    word = before.group().lstrip(_OPENERS).lower()
    if word in _NEVER_FINAL:
        return False
    if word in _MAYBE_FINAL:
        return not nxt.isdigit()
    if len(word) == 1 and word.isalpha() and text[start - 1].isupper():
        # An initial: "J. R. R. Tolkien".
        return False
    if "." in word and all(len(part) <= 2 for part in word.split(".")):
        # A dotted abbreviation such as "U.S." or "a.k.a.": final only before a capitalised word.
        return not nxt.isdigit()
    return True
