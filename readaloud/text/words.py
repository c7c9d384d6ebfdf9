"""English reading rules: numbers, dates, money, units, web and code tokens, abbreviations, symbols.

One left-to-right scan. Plain words cost almost nothing: a character-class regex jumps to the next
"interesting" character (a capital, digit, period or symbol), the whitespace-delimited chunk around it
is found, and most chunks ("Hello", "end.") pass a cheap check and stay as they are. The rest are
matched against rules chosen by their first character; a rule may read on across spaces
("January 5, 2024", "Dr. Smith", "Chapter IV"). What no rule claims is read piece by piece.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from readaloud.text import numbers, tables, tokens
from readaloud.text.mapped import Editor, MappedText
from readaloud.text.protect import PLACEHOLDER_CLASS, Protector

if TYPE_CHECKING:
    from readaloud.text.normalize import NormalizeOptions



class Match(Protocol):
    """What a rule handler reads from its match (``re.Match`` or a rule's view of a combined match)."""

    def __getitem__(self, name: str, /) -> Any: ...
    def group(self) -> str: ...
    def start(self) -> int: ...
    def end(self) -> int: ...


Handler = Callable[["Reader", Match], "str | None"]


@dataclass(frozen=True)
class Rule:
    """A named pattern tried at a chunk start; the handler returns the spoken form or None (no match)."""

    name: str
    pattern: re.Pattern[str]
    handler: Handler


class _RuleMatch:
    """One rule's view of a match of the combined pattern (its groups carry a per-rule prefix)."""

    __slots__ = ("_m", "_outer", "_prefix")

    def __init__(self, m: re.Match[str], index: int) -> None:
        self._m = m
        self._outer = f"r{index}"
        self._prefix = f"r{index}_"

    def __getitem__(self, name: str, /) -> Any:
        return self._m.group(self._prefix + name)

    def group(self) -> str:
        return self._m.group(self._outer)

    def start(self) -> int:
        return self._m.start(self._outer)

    def end(self) -> int:
        return self._m.end(self._outer)


_GROUP_RE = re.compile(r"\(\?P<(\w+)>|\(\?P=(\w+)\)")


def _prefixed(pattern: str, index: int) -> str:
    """``pattern`` with its group names prefixed by ``r<index>_`` so rules can share one regex."""

    def rename(group: re.Match[str]) -> str:
        return f"(?P<r{index}_{group[1]}>" if group[1] else f"(?P=r{index}_{group[2]})"

    return _GROUP_RE.sub(rename, pattern)


class RuleSet:
    """Rules tried in order at one position, compiled into one alternation so that a chunk costs one
    regex call; when the first matching rule's handler declines, the later rules are tried one by one."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        parts = []
        for index, rule in enumerate(rules):
            scope = "(?i:" if rule.pattern.flags & re.IGNORECASE else "(?:"
            parts.append(f"(?P<r{index}>{scope}{_prefixed(rule.pattern.pattern, index)}))")
        self._combined = re.compile("|".join(parts))

    def read(self, reader: Reader, text: str, pos: int) -> tuple[int, str] | None:
        """``(end, spoken)`` from the first rule that matches at ``pos`` and accepts, else None."""
        combined = self._combined.match(text, pos)
        if combined is None:
            return None
        first = int(combined.lastgroup[1:])  # type: ignore[index]
        view = _RuleMatch(combined, first)
        if view.end() > pos:
            spoken = self.rules[first].handler(reader, view)
            if spoken is not None:
                return view.end(), spoken
        first += 1
        for rule in self.rules[first:]:
            m = rule.pattern.match(text, pos)
            if m is None or m.end() <= pos:
                continue
            spoken = rule.handler(reader, m)
            if spoken is not None:
                return m.end(), spoken
        return None


# --- building blocks -------------------------------------------------------------------------------
NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_END = r"(?![\w])"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
)
_CURRENCY_SYMBOL = r"(?:US\$|[$€£¥₹₩₽₿])"
_SCALE = r"(?:thousand|million|billion|trillion|bn|mn|tn|[kKmMbBtT])"
_UNIT = "|".join(re.escape(u) for u in sorted(tables.UNITS, key=len, reverse=True))
_KEY = "|".join(re.escape(k) for k in sorted(tables.KEYS, key=len, reverse=True))
_MOD = "|".join(re.escape(k) for k in sorted(tables.MODIFIER_KEYS, key=len, reverse=True))
_AMPM = r"(?P<ap>[aApP]\.?[mM]\.?)"


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


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
_CLOSERS = ".,;:!?…)\"']}"


def _rule(name: str, pattern: str, flags: int = 0) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _PENDING.append(Rule(name, re.compile(pattern, flags), handler))
        return handler

    return register


_PENDING: list[Rule] = []


_OPERATORS = {"<=": "less than or equal to", ">=": "greater than or equal to", "==": "equals",
              "!=": "not equal to", "->": "to", "=>": "to"}
# Words that usually begin a sentence: after "etc." or "U.S." they mean the period ended one.
_SENTENCE_STARTERS = _wordset(
    """The A An I It He She We They You This That These Those There Then But And So Yet In On At For
    If When While As After Before Since Because Although However Still Also My Our Your His Her Its
    Their What Who Why How Where Yes No Now Here Today Tomorrow Some Many Most All Each Every One"""
)


class Reader:
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
        return nxt.isdigit() and (word.lower() in tables.MONTHS or word in _SOFTWARE)

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
                spoken = _read_version(piece, None)  # "2.2.0"
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


# --- number rules -------------------------------------------------------------------------------------
# Words that often follow a year ("1999 was"), unlike nouns that follow a quantity ("1500 people").
_AFTER_YEAR = _wordset(
    """was were is saw brought marked and or to when with the a an in on at for as will had has began
    ended started became until through onwards onward edition season election census model"""
)


# "Q3 2024", "H1 2023", "FY 2025": a period of the year before a four-digit number.
_PERIOD_BEFORE_RE = re.compile(r"\b(?:Q[1-4]|H[12]|FY)\s$")


def _year_or_number(reader: Reader, num: str, start: int, end: int) -> str:
    value = int(num)
    raw_prev = reader.prev_word(start)
    prev = raw_prev.lower()
    nxt = reader.next_word(end)
    if nxt in tables.YEAR_SUFFIX or prev in tables.YEAR_CONTEXT or _PERIOD_BEFORE_RE.search(
        reader.text, max(0, start - 8), start
    ):
        return numbers.year(value, british=reader.british)
    if nxt.islower() and nxt not in _AFTER_YEAR:
        return numbers.cardinal(num, british=reader.british)
    if 1000 <= value <= 2099:
        return numbers.year(value, british=reader.british)
    return numbers.cardinal(num, british=reader.british)


@_rule(
    "iso-date",
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-])",
)
def _iso_date(reader: Reader, m: Match) -> str | None:
    month, day = int(m["mo"]), int(m["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    words = numbers.calendar_date(int(m["y"]), month, day, british=reader.british)
    if m["h"]:
        words += f" at {numbers.clock(int(m['h']), int(m['mi']), british=reader.british)}"
    return words


@_rule("numeric-date", r"(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\w/]|\.\d)")
def _numeric_date(reader: Reader, m: Match) -> str | None:
    a, b = int(m["a"]), int(m["b"])
    y = int(m["y"])
    if len(m["y"]) == 2:
        y += 2000 if y < 50 else 1900
    # Dots are a European day.month.year; slashes are US month/day unless the first number can't be a month.
    if m["sep"] == "." or a > 12 or reader.british:
        day, month = a, b
    else:
        month, day = a, b
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return numbers.calendar_date(y, month, day, british=reader.british)


@_rule(
    "day-month",
    rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s(?:of\s)?(?P<mon>{_MONTH})\.?(?:,?\s(?P<y>\d{{4}}))?{_END}",
)
def _day_month(reader: Reader, m: Match) -> str | None:
    day = int(m["d"])
    if not 1 <= day <= 31:
        return None
    month = tables.MONTHS[m["mon"].lower()]
    words = f"the {numbers.ordinal(day)} of {tables.MONTH_NAMES[month]}"
    if m["y"]:
        words += f", {numbers.year(int(m['y']), british=reader.british)}"
    return words


@_rule("time", rf"(?P<h>\d{{1,2}}):(?P<mi>\d{{2}})(?::(?P<s>\d{{2}}))?(?:\s?{_AMPM}(?![\w]))?(?![\d:])")
def _time(reader: Reader, m: Match) -> str | None:
    hour, minute = int(m["h"]), int(m["mi"])
    second = int(m["s"]) if m["s"] else None
    if hour > 24 or minute > 59 or (second is not None and second > 59):
        return None
    suffix = ""
    if m["ap"]:
        if hour > 12:
            return None
        suffix = "AM" if m["ap"][0] in "aA" else "PM"
    words = numbers.clock(hour, minute, second, suffix, british=reader.british)
    return words + _kept_period(reader, m, "ap")


def _kept_period(reader: Reader, m: Match, group: str) -> str:
    """A period that both closes an abbreviation and ends the sentence ("at 5 p.m. Then")."""
    value = m[group]
    if value and value.endswith(".") and reader.at_sentence_end(m.end()):
        return "."
    return ""


@_rule("hour-ampm", rf"(?P<h>\d{{1,2}})\s?{_AMPM}(?![\w])")
def _hour_ampm(reader: Reader, m: Match) -> str | None:
    hour = int(m["h"])
    if not 1 <= hour <= 12:
        return None
    suffix = "AM" if m["ap"][0] in "aA" else "PM"
    return f"{numbers.cardinal(hour)} {suffix}" + _kept_period(reader, m, "ap")


@_rule("feet-inches", r"(?P<ft>[1-9])'(?P<inch>\d{1,2})(?:\"|'')(?![\w])")
def _feet_inches(reader: Reader, m: Match) -> str | None:
    return f"{numbers.cardinal(m['ft'])} foot {numbers.cardinal(m['inch'])}"


_EMOTICONS = {":)": "smiley", ":-)": "smiley", "=)": "smiley", ":(": "sad face", ":-(": "sad face",
              ";)": "wink", ";-)": "wink", ":D": "big smile", ":-D": "big smile", ":P": "tongue out",
              ":p": "tongue out", "<3": "heart", ":'(": "crying face", ":O": "surprised face",
              ":o": "surprised face"}


@_rule("emoticon", r"(?<![^\s(\"'])(?P<e>[:;=]['-]?[)(DPpOo/\\|\]\[*3]|</?3)(?=[\s.,!?)\"']|$)")
def _emoticon(reader: Reader, m: Match) -> str | None:
    return _EMOTICONS.get(m["e"], "smiley") if reader.options.emoji == "name" else ""


@_rule("scientific", r"(?P<m>\d+(?:\.\d+)?)[eE](?P<e>[-+−]?\d{1,3})(?![\w])")
def _scientific(reader: Reader, m: Match) -> str | None:
    exponent = m["e"].lstrip("+")
    power = numbers.cardinal(exponent.replace("−", "-"))
    return f"{reader.number(m['m'])} times ten to the power of {power}"


@_rule("ratio", r"(?P<a>\d+):(?P<b>\d+)(?![\d:])")
def _ratio(reader: Reader, m: Match) -> str | None:
    return f"{reader.number(m['a'])} to {reader.number(m['b'])}"


@_rule(
    "phone",
    r"(?:\+\d{1,3}[ .-]?|1[-.])?(?:\(\d{2,4}\)[ .-]?|\d{3}[.-])\d{3}[ .-]\d{4}(?![\d-])"
    r"|\+\d{1,3}(?:[ .-]\d{2,5}){2,4}(?![\d-])|0\d{2,4}[ -]\d{3,4}[ -]\d{3,4}(?![\d-])"
    r"|0\d{3,4}[ -]\d{5,7}(?![\d-])|\d{3}-\d{4}(?![\d-])",
)
def _phone(reader: Reader, m: Match) -> str | None:
    groups = re.findall(r"\d+", m.group())
    spoken = ", ".join(numbers.digits(g) for g in groups)
    return ("plus " + spoken) if m.group().startswith("+") else spoken


def _money(reader: Reader, currency: str, num: str, scale: str | None) -> str:
    one, many, minor_one, minor_many = tables.CURRENCIES[currency]
    british = reader.british
    num = num.replace(",", "")
    if scale:
        return f"{numbers.number(num, british=british)} {tables.SCALES[scale]} {many}"
    whole, _, cents = num.partition(".")
    whole_value = int(whole or "0")
    cents_value = 0
    if cents:
        if not minor_one or len(cents) > 2:
            return f"{numbers.decimal(num, british=british)} {many}"
        cents_value = int(cents.ljust(2, "0"))
    parts = []
    if whole_value or not cents_value:
        parts.append(f"{numbers.cardinal(whole_value, british=british)} {one if whole_value == 1 else many}")
    if cents_value:
        parts.append(f"{numbers.cardinal(cents_value)} {minor_one if cents_value == 1 else minor_many}")
    return " and ".join(parts)


@_rule(
    "currency-before",
    rf"(?P<approx>[~≈]\s?)?(?P<cur>{_CURRENCY_SYMBOL})\s?(?P<num>{NUM})(?:\s?(?P<scale>{_SCALE}){_END})?"
    rf"(?:\s?[-–]\s?{_CURRENCY_SYMBOL}?(?P<num2>{NUM})(?:\s?(?P<scale2>{_SCALE}){_END})?)?"
    rf"(?:/(?P<per>[A-Za-z]+))?{_END}",
)
def _currency_before(reader: Reader, m: Match) -> str | None:
    currency = m["cur"]
    if m["num2"]:
        low = numbers.number(m["num"].replace(",", ""), british=reader.british)
        if m["scale"]:
            low += " " + tables.SCALES[m["scale"]]
        words = f"{low} to {_money(reader, currency, m['num2'], m['scale2'])}"
    else:
        words = _money(reader, currency, m["num"], m["scale"])
    if m["per"]:
        words += " per " + _per_word(m["per"])
    return f"about {words}" if m["approx"] else words


def _per_word(word: str) -> str:
    unit = tables.UNITS.get(word)
    return unit[0] if unit else {"mo": "month", "yr": "year", "wk": "week", "hr": "hour"}.get(word, word)


@_rule("currency-sign", rf"[-−](?P<cur>{_CURRENCY_SYMBOL})(?P<num>{NUM}){_END}")
def _negative_money(reader: Reader, m: Match) -> str | None:
    return "minus " + _money(reader, m["cur"], m["num"], None)


@_rule(
    "currency-after",
    rf"(?P<approx>[~≈])?(?P<num>{NUM})\s?(?P<cur>USD|EUR|GBP|JPY|CAD|AUD|CHF|CNY|INR|BTC|[€¢£]){_END}",
)
def _currency_after(reader: Reader, m: Match) -> str | None:
    if m["cur"] == "¢":
        words = f"{numbers.number(m['num'], british=reader.british)} {'cent' if m['num'] == '1' else 'cents'}"
    else:
        words = _money(reader, m["cur"], m["num"], None)
    return f"about {words}" if m["approx"] else words


@_rule("percent", rf"(?P<sign>[-−+~])?(?P<num>{NUM})(?:\s?(?:[-–]|to)\s?(?P<num2>{NUM}))?\s?%")
def _percent(reader: Reader, m: Match) -> str | None:
    words = reader.number(m["num"].replace(",", ""))
    if m["num2"]:
        words += " to " + reader.number(m["num2"].replace(",", ""))
    sign = {"-": "minus ", "−": "minus ", "+": "plus ", "~": "about "}.get(m["sign"] or "", "")
    return f"{sign}{words} percent"


@_rule("ordinal", r"(?P<num>\d+)(?P<suf>st|nd|rd|th|ST|ND|RD|TH)(?![\w])")
def _ordinal(reader: Reader, m: Match) -> str | None:
    return numbers.ordinal(m["num"], british=reader.british)


_DECADES = {
    "2": "twenties",
    "3": "thirties",
    "4": "forties",
    "5": "fifties",
    "6": "sixties",
    "7": "seventies",
    "8": "eighties",
    "9": "nineties",
    "0": "two thousands",
    "1": "tens",
}


@_rule("decade", r"(?:(?P<full>\d{3}0)|'?(?P<short>\d)0)['’]?s(?![\w])")
def _decade(reader: Reader, m: Match) -> str | None:
    if m["full"]:
        value = int(m["full"])
        if value % 1000 == 0:
            return numbers.cardinal(value) + "s"
        if value % 100 == 0:
            return numbers.year(value) + "s"
        return numbers.pluralize_last(numbers.year(value))
    return _DECADES[m["short"]]


@_rule("mixed-fraction", r"(?P<w>\d+)\s(?P<a>\d+)/(?P<b>\d+)(?![\w/])")
def _mixed_fraction(reader: Reader, m: Match) -> str | None:
    a, b = int(m["a"]), int(m["b"])
    if not 0 < a < b <= 100:
        return None
    return numbers.mixed_fraction(int(m["w"]), a, b, british=reader.british)


@_rule("fraction", r"(?P<a>\d+)/(?P<b>\d+)(?![\w/])")
def _fraction(reader: Reader, m: Match) -> str | None:
    a, b = int(m["a"]), int(m["b"])
    if m.group() == "24/7":
        return "twenty-four seven"
    if a <= 12 and 13 <= b <= 31 and not m["a"].startswith("0"):
        return numbers.calendar_date(None, a, b, british=reader.british)
    if b == 0 or b > 100 or len(m["a"]) > 4:
        return f"{reader.number(m['a'])} over {reader.number(m['b'])}"
    if b in (10, 100) and 1 < a <= b:
        return f"{numbers.cardinal(a)} out of {numbers.cardinal(b)}"  # scores and ratings: 8/10
    return numbers.fraction(a, b, british=reader.british)


@_rule(
    "version",
    r"(?P<ver>\d+(?:\.\d+){2,})(?P<pre>[-.]?(?:alpha|beta|rc|dev|pre|post|[ab])(?:\.?\d+)?)?(?![\w])",
)
def _version(reader: Reader, m: Match) -> str | None:
    return _read_version(m["ver"], m["pre"])


def _version_part(part: str) -> str:
    """ "04" in "22.04" reads "oh four"."""
    if len(part) > 1 and part[0] == "0":
        return "oh " + numbers.digits(part[1:]) if len(part) == 2 else numbers.digits(part)
    return numbers.cardinal(part)


def _read_version(version: str, pre: str | None) -> str:
    words = " point ".join(_version_part(part) for part in version.split("."))
    if pre:
        label = re.sub(r"[\d.-]+", "", pre)
        digits = re.sub(r"\D+", "", pre)
        label = {"rc": "release candidate", "a": "alpha", "b": "beta"}.get(label, label)
        words += f" {label}" + (f" {numbers.cardinal(digits)}" if digits else "")
    return words


@_rule(
    "dimensions",
    rf"(?P<a>{NUM})(?P<sp>\s?)[x×]\s?(?P<b>{NUM})(?:\s?[x×]\s?(?P<c>{NUM}))?"
    r"(?:\s?(?P<unit>cm|mm|m|km|in|ft|px|\"))?(?![\w])",
)
def _dimensions(reader: Reader, m: Match) -> str | None:
    if m["sp"] and not m["unit"] and not m["c"]:
        return None  # "2 × 3" is a product, read by the operator rules
    sides = [m["a"], m["b"]] + ([m["c"]] if m["c"] else [])
    words = " by ".join(
        numbers.year(int(s))
        if len(s) == 4 and s.isdigit() and s[0] in "12" and m["unit"] in (None, "px")
        else reader.number(s.replace(",", ""))
        for s in sides
    )
    if m["unit"]:
        unit = {"in": "inches", '"': "inches", "ft": "feet"}.get(m["unit"]) or tables.UNITS[m["unit"]][1]
        words += " " + unit
    return words


@_rule(
    "number-unit",
    rf"(?P<sign>[-−+±~≈])?(?P<num>{NUM})(?:\s?(?P<dash>[-–]|to)\s?(?P<num2>{NUM}))?"
    rf"(?P<space>\s?)(?P<unit>{_UNIT})(?:/(?P<per>[A-Za-z]+))?(?![\w²³/]|\.\d)",
)
def _number_unit(reader: Reader, m: Match) -> str | None:
    unit = m["unit"]
    if m["space"] and unit in tables.UNITS_ATTACHED_ONLY:
        return None
    if unit in ("K", "k"):
        return f"{reader.number(m['num'])} K"  # 4K video, a 10K run, 5k followers
    num = m["num"].replace(",", "")
    words = reader.number(num)
    if m["num2"]:
        words += " to " + reader.number(m["num2"].replace(",", ""))
    sign = {
        "-": "minus ",
        "−": "minus ",
        "+": "plus ",
        "±": "plus or minus ",
        "~": "about ",
        "≈": "about ",
    }.get(m["sign"] or "", "")
    one, many = tables.UNITS[unit]
    singular = not m["num2"] and num in ("1", "1.0") and sign != "plus or minus "
    words = f"{sign}{words} {one if singular else many}"
    if m["per"]:
        words += " per " + _per_word(m["per"])
    return words


@_rule("range", rf"(?P<a>{NUM})(?P<dash>–|-|\s–\s|\s-\s)(?P<b>{NUM})(?![\w%])")
def _range(reader: Reader, m: Match) -> str | None:
    a, b = m["a"], m["b"]
    if m["dash"] == " - ":
        return f"{reader.number(a)} minus {reader.number(b)}"
    if len(a) == 4 and a.isdigit() and len(b) in (2, 4) and b.isdigit() and 1000 <= int(a) <= 2100:
        b_full = a[:2] + b if len(b) == 2 else b
        return f"{numbers.year(int(a))} to {numbers.year(int(b_full))}"
    return f"{reader.number(a.replace(',', ''))} to {reader.number(b.replace(',', ''))}"


@_rule("hash-number", r"#(?P<num>\d+)(?![\w])")
def _hash_number(reader: Reader, m: Match) -> str | None:
    return "number " + numbers.cardinal(m["num"])


@_rule("signed-number", rf"(?P<sign>[-−+~≈])(?P<num>{NUM})(?![\w])")
def _signed_number(reader: Reader, m: Match) -> str | None:
    sign = {"-": "minus", "−": "minus", "+": "plus", "~": "about", "≈": "about"}[m["sign"]]
    return f"{sign} {reader.number(m['num'].replace(',', ''))}"


@_rule("number", rf"(?P<num>{NUM})(?![\w])")
def _number(reader: Reader, m: Match) -> str | None:
    num = m["num"]
    if num in ("911", "999", "112"):
        return numbers.digits(num)  # emergency numbers are read digit by digit
    if len(num) == 4 and num.isdigit() and num[0] != "0":
        prev = reader.prev_word(m.start())
        if prev.isupper() and 2 <= len(prev) <= 5 and reader.text[m.start() - 1] == " ":
            return numbers.year(int(num), british=reader.british)  # RFC 2616, ISO 8601: in pairs
        if num[0] in "12":
            return _year_or_number(reader, num, m.start(), m.end())
    if "," not in num and "." not in num and len(num) > 9:
        return numbers.digits(num)
    return reader.number(num.replace(",", ""))


@_rule("number-letters", r"(?P<num>\d+)(?P<letters>[A-Za-z]+)(?P<rest>\w*)(?![\w])")
def _number_letters(reader: Reader, m: Match) -> str | None:
    num, letters = m["num"], m["letters"]
    if letters in ("p", "i") and len(num) in (3, 4):  # 1080p, 720p
        spoken = numbers.year(int(num)) if len(num) == 4 else numbers.cardinal(num)
        return f"{spoken} {letters}"
    spoken_letters = letters.upper() if len(letters) <= 2 else tokens.read_word(letters)
    rest = tokens.read_piece(m["rest"]) if m["rest"] else ""
    return " ".join(w for w in (numbers.cardinal(num), spoken_letters, rest) if w)


# --- word rules ---------------------------------------------------------------------------------------
@_rule("email", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w])")
def _email(reader: Reader, m: Match) -> str | None:
    return tokens.read_email(m.group())


@_rule(
    "chord",
    rf"(?i:(?:{_MOD})(?:\s?[+-]\s?(?:{_MOD}))*\s?[+-]\s?(?P<key>F\d{{1,2}}|{_KEY}|[A-Za-z0-9]|[^\s\w]))"
    r"(?![\w])",
)
def _chord(reader: Reader, m: Match) -> str | None:
    return tokens.read_chord(m.group())


@_rule("programming-language", r"(?P<lang>[CFJ]#|C\+\+|G\+\+)(?![\w#+])")
def _programming_language(reader: Reader, m: Match) -> str | None:
    lang = m["lang"]
    return f"{lang[0]} sharp" if lang[1] == "#" else f"{lang[0]} plus plus"


@_rule("dotted-abbreviation", r"(?P<abbr>(?:[A-Za-z]{1,6}\.){1,4})(?![\w])|(?P<etal>et al\.)")
def _dotted_abbreviation(reader: Reader, m: Match) -> str | None:
    abbr = m["abbr"] or m["etal"]
    key = abbr[:-1]
    lower = key.lower()
    start, end = m.start(), m.end()
    nxt = reader.next_word(end)
    prev = reader.prev_word(start)
    spoken: str | None = None
    ends = False
    title_here = nxt[:1].isupper() and not (key in tables.AFTER_NAME and _is_name(prev))
    if key in _ALWAYS_TITLES or (key in tables.TITLES and title_here):
        spoken = tables.TITLES[key]
    elif key in tables.AFTER_NAME and _is_name(prev):
        spoken = tables.AFTER_NAME[key]
        ends = lower in tables.CAN_END
    elif key in tables.DAYS:
        spoken = tables.DAYS[key]
        ends = True
    elif lower == "al" and prev.lower() == "et":
        spoken = "al"
        ends = True
    elif lower in tables.DOTTED and not (key.isupper() and len(key) > 1 and "." not in key):
        if lower in tables.BEFORE_NUMBER and not nxt[:1].isdigit():
            return None
        spoken = tables.DOTTED[lower]
        ends = lower in tables.CAN_END
    elif "." in key and all(len(p) == 1 and p.isalpha() for p in key.split(".")):
        spoken = key.replace(".", "").upper()  # U.S. → US, F.B.I. → FBI (misaki spells capitals)
        ends = True
    elif len(key) == 1 and key.isupper() and nxt[:1].isupper():
        return key  # an initial: "J. R. R. Tolkien"
    if spoken is None:
        return None
    if ends and reader.at_sentence_end(end):
        spoken += "."
    return spoken


_ALWAYS_TITLES = frozenset({"Mr", "Mrs", "Ms", "Mx", "Prof", "Messrs"})


def _is_name(word: str) -> bool:
    """Whether ``word`` (the word before "St."/"Ave."...) names a street: "Elm", "Main", "5th"."""
    if word in ("st", "nd", "rd", "th"):
        return True  # the ordinal in "5th Ave."
    return bool(word) and word[0].isupper() and word.lower() not in ("the", "a", "in", "on", "at", "of")


@_rule("title", r"(?P<t>Dr|Mr|Mrs|Ms|Mx|Prof|St|Mt|Ft)(?= [A-Z])")
def _title(reader: Reader, m: Match) -> str | None:
    return tables.TITLES[m["t"]]


@_rule("bare-abbreviation", r"(?P<w>vs|aka|approx|etc|w/o|w/|b/c)(?![\w/])", re.IGNORECASE)
def _bare(reader: Reader, m: Match) -> str | None:
    return tables.BARE.get(m["w"].lower())


@_rule(
    "month-day", rf"(?P<mon>{_MONTH})\.?\s(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s(?P<y>\d{{4}}))?(?![\w:])"
)
def _month_day(reader: Reader, m: Match) -> str | None:
    day = int(m["d"])
    if not 1 <= day <= 31:
        return None
    month = tables.MONTHS[m["mon"].lower()]
    return numbers.calendar_date(int(m["y"]) if m["y"] else None, month, day, british=reader.british)


@_rule("month-year", rf"(?P<mon>{_MONTH})\.?\s(?P<y>\d{{4}})(?![\w:])")
def _month_year(reader: Reader, m: Match) -> str | None:
    month = tables.MONTHS[m["mon"].lower()]
    return f"{tables.MONTH_NAMES[month]} {numbers.year(int(m['y']), british=reader.british)}"


@_rule("roman", r"(?P<ctx>[A-Z][a-z]+)\s(?P<r>[IVXLCDM]+)(?![\w])")
def _roman(reader: Reader, m: Match) -> str | None:
    ctx, numeral = m["ctx"], m["r"]
    value = numbers.roman_to_int(numeral)
    if value is None:
        return None
    if ctx in tables.REGNAL_NAMES or reader.prev_word(m.start()) in tables.ROYAL_TITLES:
        return f"{ctx} the {numbers.ordinal(value)}"
    if ctx in tables.ROMAN_CARDINAL_CONTEXT:
        return f"{ctx} {numbers.cardinal(value)}"
    return None


@_rule(
    "version-v",
    r"[vV](?P<ver>\d+(?:\.\d+)*)(?P<pre>[-.]?(?:alpha|beta|rc|dev|pre|post|[ab])(?:\.?\d+)?)?(?![\w])",
)
def _version_v(reader: Reader, m: Match) -> str | None:
    return "version " + _read_version(m["ver"], m["pre"])


@_rule("versioned-name", r"(?P<name>[A-Z][A-Za-z]+)\s(?P<ver>\d+\.\d+)(?![\w.]|\.\d)")
def _versioned_name(reader: Reader, m: Match) -> str | None:
    if m["name"] not in _SOFTWARE:
        return None
    return f"{m['name']} {_read_version(m['ver'], None)}"


_SOFTWARE = frozenset(
    {
        "Python",
        "Node",
        "Java",
        "Ruby",
        "Perl",
        "PHP",
        "Rust",
        "Go",
        "Kotlin",
        "Swift",
        "Scala",
        "Linux",
        "Kernel",
        "Windows",
        "Ubuntu",
        "Debian",
        "Fedora",
        "Android",
        "GTK",
        "Qt",
        "Firefox",
        "Chrome",
        "Version",
        "Release",
        "Django",
        "Flask",
        "React",
        "Angular",
        "Vue",
        "Kokoro",
        "Gnome",
        "GNOME",
        "KDE",
        "Plasma",
        "Emacs",
        "Vim",
        "Neovim",
        "Bash",
        "Zsh",
        "Postgres",
        "PostgreSQL",
        "MySQL",
        "Redis",
        "Docker",
        "Kubernetes",
        "Ansible",
        "Terraform",
        "Unity",
        "Unreal",
        "Blender",
    }
)


@_rule("windows-path", r"[A-Za-z]:\\[^\s\"<>|]*")
def _windows_path(reader: Reader, m: Match) -> str | None:
    return tokens.read_path(m.group().rstrip(".,;:!?)"))


@_rule(
    "relative-path",
    r"(?P<p>[\w.-]+(?:/[\w.@+-]*[\w@+-]){2,}/?|[\w.-]+/[\w-]+\.[A-Za-z0-9]{1,5}|[\w-]+(?:\.[\w-]+)+/[\w.@+-]*[\w@+-])"
    r"(?![\w/])",
)
def _relative_path(reader: Reader, m: Match) -> str | None:
    path = m["p"]
    host = path.split("/", 1)[0]
    if "." in host and host.rsplit(".", 1)[1].lower() in tables.TLDS and host.rsplit(".", 1)[1].islower():
        return tokens.read_url(path, reader.options.urls)  # a bare domain with a path: docs.rs/regex
    return tokens.read_path(path)


@_rule("word-slash-word", r"(?P<a>[A-Za-z]+)/(?P<b>[A-Za-z]+)(?![\w/])")
def _word_slash_word(reader: Reader, m: Match) -> str | None:
    a, b = m["a"], m["b"]
    if a.lower() == "and" and b.lower() == "or":
        return "and or"
    if a.isupper() or b.isupper() or len(a) == 1 or len(b) == 1:
        return f"{tokens.read_word(a)} {tokens.read_word(b)}"
    return f"{a} or {b}"


@_rule(
    "dotted-name",
    # The lookahead asks for a letter without the quadratic backtracking of "X*[A-Za-z]X*".
    r"(?P<name>(?=[\w-]*[A-Za-z])[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+)(?P<call>\(\))?(?![\w])",
)
def _dotted_name(reader: Reader, m: Match) -> str | None:
    name = m["name"]
    parts = name.split(".")
    last = parts[-1]
    if last.lower() in tables.EXTENSIONS and len(parts) == 2:
        return tokens.read_filename(name)
    if last.lower() in tables.TLDS and all(p and not p.startswith("-") for p in parts) and last.islower():
        return tokens.read_domain(name)
    if len(parts) == 2 and parts[0].isalpha() and last[:1].isupper() and last.isalpha() and not m["call"]:
        # "end.Next": a missing space after a full stop.
        return f"{tokens.read_word(parts[0])}. {tokens.read_word(last)}"
    if last.lower() in tables.EXTENSIONS:
        return tokens.read_filename(name)
    return " dot ".join(tokens.read_identifier(p) if "_" in p else tokens.read_piece(p) for p in parts)


@_rule("identifier", r"(?P<id>_*[A-Za-z][A-Za-z0-9]*(?:_+[A-Za-z0-9]+)+_*|__[A-Za-z0-9]+__)(?:\(\))?(?![\w])")
def _identifier(reader: Reader, m: Match) -> str | None:
    return tokens.read_identifier(m["id"])


@_rule("letters-digits", r"(?P<w>[A-Za-z]+\d[A-Za-z0-9]*)(?![\w])")
def _letters_digits(reader: Reader, m: Match) -> str | None:
    word = m["w"]
    known = tables.ACRONYM_WORDS.get(word)
    if known:
        return known
    words = []
    for part in re.findall(r"[A-Za-z]+|\d+", word):
        if part.isdigit():
            words.append(numbers.cardinal(part) if part[0] != "0" else numbers.digits(part))
        else:
            words.append(
                part.upper() if len(part) <= 2 and len(word) <= 6 else tokens.read_identifier_part(part)
            )
    return " ".join(words)


# --- path, dash and symbol rules ----------------------------------------------------------------------
@_rule(
    "path",
    r"(?<![^\s(\"'])(?P<p>(?:~|\.{1,2})?/[\w.@+-]*[\w@+-](?:/[\w.@+-]*[\w@+-])*/?)"
    r"(?=[.,;:!?)\"']*(?:\s|$))",
)
def _path(reader: Reader, m: Match) -> str | None:
    return tokens.read_path(m["p"])


@_rule("dotfile", r"(?<![^\s(\"'])\.(?P<name>[A-Za-z][\w.-]*[A-Za-z0-9])(?![\w])")
def _dotfile(reader: Reader, m: Match) -> str | None:
    return (
        "dot " + tokens.read_filename(m["name"])
        if "." in m["name"]
        else "dot " + tokens.read_piece(m["name"])
    )


@_rule("ellipsis", r"\.{3,}|…")
def _ellipsis(reader: Reader, m: Match) -> str | None:
    return "…"


@_rule("flag", r"(?<![^\s(\"'`])(?P<f>--?[A-Za-z][\w-]*(?:=[^\s\"'`)]+)?)(?=[\s.,;:!?)\"'`]|$)")
def _flag(reader: Reader, m: Match) -> str | None:
    flag = m["f"]
    if (
        flag.startswith("-")
        and not flag.startswith("--")
        and len(flag) > 3
        and flag[1:].isalpha()
        and flag[1:].islower()
    ):
        return None  # "-word" is a dash before a word, not a flag
    return tokens.read_flag(flag)


@_rule("dash", r"-{1,3}(?=\s|$)|—|–")
def _dash(reader: Reader, m: Match) -> str | None:
    return "—"


@_rule("control-caret", r"\^(?P<k>[A-Z])(?![\w])")
def _control_caret(reader: Reader, m: Match) -> str | None:
    return f"control {m['k']}"


@_rule("mac-chord", r"(?P<c>[⌘⌥⇧⌃]+[A-Za-z0-9])(?![\w])")
def _mac_chord(reader: Reader, m: Match) -> str | None:
    return tokens.read_chord(m["c"])


@_rule("arrow", r"(?:->|=>|-->|==>)(?![>=])")
def _arrow(reader: Reader, m: Match) -> str | None:
    return "to"


@_rule("operator", r"(?P<op><=|>=|==|!=|&&|\|\||<-)(?=\s|$)")
def _operator(reader: Reader, m: Match) -> str | None:
    return {
        "<=": "is less than or equal to",
        ">=": "is greater than or equal to",
        "==": "equals",
        "!=": "is not equal to",
        "&&": "and",
        "||": "or",
        "<-": "from",
    }[m["op"]]


@_rule("hashtag", r"#(?P<tag>[A-Za-z][\w]*)")
def _hashtag(reader: Reader, m: Match) -> str | None:
    return tokens.read_word(m["tag"]) if "_" not in m["tag"] else tokens.read_identifier(m["tag"])


@_rule("mention", r"@(?P<name>[A-Za-z][\w.-]*[A-Za-z0-9_])(?![\w@])")
def _mention(reader: Reader, m: Match) -> str | None:
    return "at " + tokens.read_identifier(m["name"].replace(".", " dot ").replace("-", "_"))


@_rule("fraction-symbol", r"(?P<w>\d+)?(?P<f>[½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞⅐⅑⅒])")
def _fraction_symbol(reader: Reader, m: Match) -> str | None:
    a, b = tables.VULGAR_FRACTIONS[m["f"]]
    if m["w"]:
        return numbers.mixed_fraction(int(m["w"]), a, b)
    return numbers.fraction(a, b)


@_rule("url", r"(?i:(?:https?|ftp|sftp|file|wss?|ssh|git|s3)://|www\.)[^\s<>\"]+")
def _url(reader: Reader, m: Match) -> str | None:
    url = m.group()
    # Trailing punctuation (and an unbalanced ")") belongs to the sentence, not the URL.
    trimmed = url.rstrip(".,;:!?'\"]}")
    while trimmed.endswith(")") and trimmed.count("(") < trimmed.count(")"):
        trimmed = trimmed[:-1].rstrip(".,;:!?'\"]}")
    return tokens.read_url(trimmed, reader.options.urls) + url[len(trimmed) :]


_BY_NAME = {rule.name: rule for rule in _PENDING}


def _pick(*names: str) -> RuleSet:
    return RuleSet(tuple(_BY_NAME[name] for name in names))


_NUMBER_RULES = _pick(
    "iso-date",
    "numeric-date",
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
_CURRENCY_RULES = _pick("currency-before")
_NEGATIVE_MONEY_RULES = _pick("currency-sign")
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
_WORD_RULES = _pick(*_WORD_RULE_NAMES)
_CURRENCY_THEN_WORD_RULES = _pick("currency-before", *_WORD_RULE_NAMES)
_DASH_RULES = _pick("flag", "dash", "arrow", "operator")
_SYMBOL_RULES = _pick(
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
    return Reader(src, options, protector).run()
