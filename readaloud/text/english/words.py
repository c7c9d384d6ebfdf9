"""The English scanner: one scan that hands each interesting chunk of text to the rules.

Plain words cost almost nothing: a character-class regex jumps to the next "interesting" character
(a capital, digit, period or symbol), the whitespace-delimited chunk around it is found, and most
chunks ("Hello", "end.") pass a cheap check and stay as they are. The rest are matched against rules
chosen by their first character; a rule may read on across spaces ("January 5, 2024", "Dr. Smith",
"Chapter IV"). What no rule claims is read piece by piece.

The rules live in :mod:`~readaloud.text.english.number_rules` and
:mod:`~readaloud.text.english.word_rules`, their framework in :mod:`~readaloud.text.english.rules`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readaloud.text.english import number_rules, numbers, tables, tokens
from readaloud.text.english import word_rules as _word_rules  # noqa: F401  (importing registers the rules)
from readaloud.text.english.rules import RuleSet, pick, wordset
from readaloud.text.mapped import Editor, MappedText
from readaloud.text.protect import PLACEHOLDER_CLASS, Protector

if TYPE_CHECKING:
    from readaloud.text.options import NormalizeOptions

# Characters that start something to read; every branch starts with a class, so the regex engine
# skips plain lower-case prose at C speed. Bare abbreviations ("vs") are found by their own scan.
_TRIGGER_RE = re.compile(rf"[^\sa-z,;'\"()!?\-{PLACEHOLDER_CLASS}]|-(?:(?![a-z])|(?<![a-z]-))")
_BARE_RE = re.compile(r"(?=[vae])(?<![\w])(?:vs|aka|approx|etc)\b")
_SPACE_RE = re.compile(r"\s")
_FAST_RE = re.compile(r"[(\"']*([A-Za-z][a-z]*(?:'[a-z]+)?)([.,;:!?\"')]*)")
_PREV_WORD_RE = re.compile(r"([A-Za-z]+)[^A-Za-z\n]{0,3}$")
_NEXT_WORD_RE = re.compile(r"[ \"'(]*([A-Za-z]+|\d)")
_NUMERIC_SYMBOLS = "".join(tables.SUPERSCRIPTS) + "".join(tables.VULGAR_FRACTIONS)
_PIECE_RE = re.compile(
    rf"(?P<op><=|>=|==|!=|->|=>)|(?P<special>[{_NUMERIC_SYMBOLS}])|(?P<word>[^\W\d_{_NUMERIC_SYMBOLS}]+(?:['-][^\W\d_{_NUMERIC_SYMBOLS}]+)*)|(?P<num>\d+(?:[.,]\d+)*)|(?P<ph>[{PLACEHOLDER_CLASS}])|(?P<sym>.)",
    re.DOTALL,
)
_OPENERS = "(\"'"


_OPERATORS = {
    "<=": "less than or equal to",
    ">=": "greater than or equal to",
    "==": "equals",
    "!=": "not equal to",
    "->": "to",
    "=>": "to",
}
# Words that usually begin a sentence: after "etc." or "U.S." they mean the period ended one.
_SENTENCE_STARTERS = wordset(
    """The A An I It He She We They You This That These Those There Then But And So Yet In On At For
    If When While As After Before Since Because Although However Still Also My Our Your His Her Its
    Their What Who Why How Where Yes No Now Here Today Tomorrow Some Many Most All Each Every One"""
)


class WordScanner:
    """One scan over one text: holds the text, options and editor."""

    def __init__(self, src: MappedText, options: NormalizeOptions, protector: Protector) -> None:
        self.src = src
        self.text = src.text
        self.options = options
        self.protector = protector
        self.british = options.language.lower() in ("en-gb", "b")
        self.editor = Editor(src)
        self._chunk_end = 0

    # --- context helpers ---
    def prev_word(self, pos: int) -> str:
        m = _PREV_WORD_RE.search(self.text, max(0, pos - 40), pos)
        return m.group(1) if m else ""

    def next_word(self, pos: int) -> str:
        m = _NEXT_WORD_RE.match(self.text, pos)
        return m.group(1) if m else ""

    def at_sentence_end(self, pos: int) -> bool:
        """Whether what follows ``pos`` starts a new sentence (end of line, or a capitalised word)."""
        text = self.text
        n = len(text)
        while pos < n and text[pos] == " ":
            pos += 1
        if pos >= n or text[pos] == "\n":
            return True
        return self.next_word(pos) in _SENTENCE_STARTERS

    def number(self, num: str) -> str:
        if len(num) > 1 and num[0] == "0" and num[1].isdigit():
            return numbers.digits(num)
        return numbers.number(num, british=self.british)

    # --- scanning ---
    def run(self) -> MappedText:
        text = self.text
        n = len(text)
        pos = 0
        trigger = _TRIGGER_RE.search
        space = _SPACE_RE.search
        fast_path = _FAST_RE.fullmatch
        needs_rules = self._needs_rules
        bare = [m.start() for m in _BARE_RE.finditer(text)]
        bare.append(n)
        next_bare = 0
        while pos < n:
            while bare[next_bare] < pos:
                next_bare += 1
            m = trigger(text, pos, bare[next_bare] + 1)
            t = m.start() if m is not None else bare[next_bare]
            if t >= n:
                break
            start = max(text.rfind(" ", pos, t), text.rfind("\n", pos, t)) + 1
            if start < pos:
                start = pos
            if start < self._chunk_end:
                end = self._chunk_end  # still inside a chunk a rule partly consumed ("$1$1$1")
            else:
                found = space(text, start)
                end = found.start() if found else n
                self._chunk_end = end
            fast = fast_path(text, start, end)
            if fast is not None and not needs_rules(fast, end):
                pos = end  # a plain word ("Hello", "end.")
                continue
            pos = self.chunk(start, end)
        return self.editor.finish()

    def chunk(self, start: int, end: int) -> int:
        """Read the chunk ``text[start:end]``; returns where scanning continues (always > start)."""
        text = self.text
        pos = start
        if (
            text[pos] in _OPENERS
            and not (text[pos] == "(" and text[pos + 1 : pos + 2].isdigit())
            and not (text[pos] == "'" and text[pos + 1 : pos + 2].isdigit())
        ):
            while pos < end and text[pos] in _OPENERS:
                pos += 1
            if pos == end:
                return end
        found = _rules_for(text[pos], text[pos + 1 : pos + 2]).read(self, text, pos)
        if found is None and text[pos] == "(" and pos + 1 < end:
            pos += 1  # "(22°C)": not a phone number, so read what the parenthesis holds
            found = _rules_for(text[pos], text[pos + 1 : pos + 2]).read(self, text, pos)
        if found is not None:
            rule_end, spoken = found
            self.replace(pos, rule_end, spoken)
            return rule_end
        before = text[pos - 1] if pos > 0 and text[pos - 1] != " " else (text[pos - 2] if pos > 1 else "")
        after = text[end + 1] if end + 1 < len(text) and text[end] == " " else ""
        self.replace(pos, end, self.pieces(text[pos:end], before, after))
        return end

    def _needs_rules(self, fast: re.Match[str], end: int) -> bool:
        word, tail = fast.group(1), fast.group(2)
        text = self.text
        if tail.startswith(".") and (
            word.lower() in tables.DOTTED
            or word in tables.TITLES
            or word in tables.AFTER_NAME
            or word in tables.DAYS
            or word == "al"
        ):
            return True
        if not tail and (word in tables.TITLES or word.lower() in tables.BARE):
            return True
        nxt = text[end + 1 : end + 2] if end + 1 < len(text) and text[end] == " " else ""
        if not nxt or tail:
            return False
        if nxt in "IVXLCDM" and (word in tables.ROMAN_CARDINAL_CONTEXT or word in tables.REGNAL_NAMES):
            return True
        return nxt.isdigit() and (word.lower() in tables.MONTHS or word in tables.SOFTWARE)

    def replace(self, start: int, end: int, spoken: str) -> None:
        text = self.text
        if spoken == text[start:end]:
            return
        if spoken and start > 0 and text[start - 1].isalnum() and spoken[0].isalnum():
            spoken = " " + spoken
        if spoken and end < len(text) and text[end].isalnum() and spoken[-1].isalnum():
            spoken += " "
        self.editor.replace(start, end, spoken)

    def pieces(self, chunk: str, before: str = "", after: str = "") -> str:
        """Read a chunk no rule claimed, piece by piece (words, numbers, symbols).

        ``before``/``after`` are the characters around the chunk, so "5 * 3" reads "times".
        """
        out: list[str] = []
        glue = True  # whether the next word needs no space before it
        parts = list(_PIECE_RE.finditer(chunk))
        for i, m in enumerate(parts):
            kind = m.lastgroup
            piece = m.group()
            prev = parts[i - 1].group() if i else ""
            nxt = parts[i + 1].group() if i + 1 < len(parts) else ""
            spoken: str | None
            if kind == "word":
                spoken = tokens.read_word(piece)
            elif kind == "num" and piece.count(".") >= 2:
                spoken = number_rules.read_version(piece, None)  # "2.2.0"
            elif kind == "num":
                spoken = (
                    self.number(piece.replace(",", ""))
                    if piece.count(",") != 1 or len(piece.split(",")[1]) == 3
                    else " ".join(self.number(p) for p in piece.split(","))
                )
            elif kind == "ph":
                spoken = piece
            elif kind == "op":
                spoken = _OPERATORS[piece]
            else:  # a symbol, or a superscript/fraction that \w would otherwise take for a letter
                spoken = self.symbol(piece, prev, nxt, before if i == 0 else "", after if nxt == "" else "")
                if spoken is None:
                    out.append(piece)
                    glue = piece in _OPENERS
                    continue
            if not spoken:
                continue
            if out and not glue:
                out.append(" ")
            out.append(spoken)
            glue = False
        return "".join(out)

    def symbol(self, sym: str, prev: str, nxt: str, outer_prev: str, outer_next: str) -> str | None:
        """Spoken form of one symbol; None keeps it as punctuation; "" drops it.

        ``prev``/``nxt`` are the neighbouring pieces inside the chunk; ``outer_prev``/``outer_next``
        the characters across a space, for spaced operators ("5 * 3").
        """
        first, last = not prev, not nxt
        prev_digit = bool(prev) and prev[-1].isdigit()
        next_digit = bool(nxt) and nxt[0].isdigit()
        next_alpha = bool(nxt) and nxt[0].isalpha()
        prev_alpha = bool(prev) and prev[-1].isalpha()
        left = prev or outer_prev
        right = nxt or outer_next
        left_digit = bool(left) and left[-1].isdigit()
        right_digit = bool(right) and right[0].isdigit()
        if sym in ".,;:!?":
            if sym == "." and prev_alpha and next_alpha and prev[-1].islower() and nxt.istitle():
                return None  # "world.This": a missing space after a full stop; keep the period
            if sym == "." and (prev_alpha or prev_digit) and (next_alpha or next_digit):
                return "dot"
            if sym == ":" and nxt:
                return ""
            return None
        if sym in '()"':
            return None
        if sym == "'":
            return None if prev_alpha or next_alpha else ""
        if sym == "…":
            return None
        if sym in "-\u2212":
            if first and next_digit:
                return "minus"
            if prev_digit and next_digit:
                return "to"
            if left_digit and right_digit and first and last:
                return "minus"
            return ""
        if sym in "–—":
            return "to" if prev_digit and next_digit else "—"
        if sym == "/":
            if left_digit and next_alpha:
                return "per"
            if left_digit and right_digit:
                return "over"
            return ""
        if sym in "*×":
            standalone = first and last and (left_digit or right_digit)  # "x * 2", not "SELECT * FROM"
            return "times" if (left_digit and right_digit) or standalone else ""
        if sym == "^":
            return "to the power of" if left and right_digit else ""
        if sym == "#":
            return "number" if next_digit else ""
        if sym == "~":
            return "about" if right_digit else ""
        if sym == "+":
            return "plus" if (left and right) else ""
        if sym == "%":
            return "percent"
        if sym == "=":
            return "equals" if left or right else ""
        if sym in "<>":
            if next_digit or (last and right_digit):
                return "less than" if sym == "<" else "more than"
            return tables.SYMBOLS[sym] if first and last and left and right else ""
        if sym == "&":
            return "and"
        if sym == "@":
            return "at" if right else ""
        if sym in tables.SUPERSCRIPTS:
            power = tables.SUPERSCRIPTS[sym]
            return {"2": "squared", "3": "cubed"}.get(power) or f"to the power of {numbers.cardinal(power)}"
        if sym in tables.VULGAR_FRACTIONS:
            a, b = tables.VULGAR_FRACTIONS[sym]
            if prev_digit:
                return "and " + numbers.mixed_fraction(0, a, b).split(" and ", 1)[1]
            return numbers.fraction(a, b)
        if sym in tables.GREEK:
            return tables.GREEK[sym]
        if sym in tables.SYMBOLS:
            return tables.SYMBOLS[sym]
        if sym in "_`[]{}\\|$€£¥":
            return ""
        return None


def _rules_for(first: str, second: str) -> RuleSet:
    if first.isdigit():
        return _NUMBER_RULES
    if first in "~≈" and second in "$€£¥₹₩₽₿":
        return _CURRENCY_RULES
    if first in "$€£¥₹₩₽₿" or (first == "U" and second == "S"):
        return _CURRENCY_THEN_WORD_RULES if first == "U" else _CURRENCY_RULES
    if first in "+-−~≈#(" and second.isdigit():
        return _NUMBER_RULES
    if first == "." and second.isdigit():
        return _NUMBER_RULES
    if first == "'" and second.isdigit():
        return _NUMBER_RULES
    if first.isalpha():
        return _WORD_RULES
    if first in "-\u2212" and second in "$€£¥₹₩₽₿":
        return _NEGATIVE_MONEY_RULES
    if first == "-" or first == "\u2212":
        return _DASH_RULES
    return _SYMBOL_RULES


_NUMBER_RULES = pick(
    "iso-date",
    "numeric-date",
    "year-month-day",
    "day-month",
    "time",
    "hour-ampm",
    "feet-inches",
    "scientific",
    "ratio",
    "phone",
    "currency-sign",
    "currency-after",
    "percent",
    "ordinal",
    "decade",
    "mixed-fraction",
    "fraction",
    "version",
    "dimensions",
    "number-unit",
    "range",
    "hash-number",
    "signed-number",
    "fraction-symbol",
    "number",
    "number-letters",
)
_CURRENCY_RULES = pick("currency-before")
_NEGATIVE_MONEY_RULES = pick("currency-sign")
_WORD_RULE_NAMES = (
    "url",
    "email",
    "chord",
    "programming-language",
    "windows-path",
    "month-day",
    "month-year",
    "roman",
    "title",
    "dotted-abbreviation",
    "bare-abbreviation",
    "version-v",
    "versioned-name",
    "relative-path",
    "word-slash-word",
    "dotted-name",
    "identifier",
    "letters-digits",
)
_WORD_RULES = pick(*_WORD_RULE_NAMES)
_CURRENCY_THEN_WORD_RULES = pick("currency-before", *_WORD_RULE_NAMES)
_DASH_RULES = pick("flag", "dash", "arrow", "operator")
_SYMBOL_RULES = pick(
    "emoticon",
    "ellipsis",
    "path",
    "dotfile",
    "dash",
    "control-caret",
    "mac-chord",
    "dotted-name",
    "arrow",
    "operator",
    "hashtag",
    "mention",
    "identifier",
    "fraction-symbol",
)


def convert(src: MappedText, options: NormalizeOptions, protector: Protector) -> MappedText:
    """Read numbers, symbols and tokens of ``src`` as English words."""
    return WordScanner(src, options, protector).run()
