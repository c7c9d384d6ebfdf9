"""The rule framework of the English scanner: rules, their registry, and rule sets compiled into one regex.

A rule is a named regex tried at the start of a chunk of text and a handler that returns the spoken form
(or None to let later rules try). Rules register themselves with :func:`rule`; :func:`pick` builds a
:class:`RuleSet`, which compiles its rules into a single alternation so that reading a chunk costs one
regex call. Handlers see the text through :class:`Context` (the
:class:`~readaloud.text.english.words.WordScanner`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from readaloud.text.english import tables

if TYPE_CHECKING:
    from readaloud.text.options import NormalizeOptions


class Context(Protocol):
    """What a rule handler may ask of the scanner about the text around its match."""

    text: str
    options: NormalizeOptions
    british: bool

    def prev_word(self, pos: int) -> str: ...
    def next_word(self, pos: int) -> str: ...
    def at_sentence_end(self, pos: int) -> bool: ...
    def number(self, num: str) -> str: ...


class Match(Protocol):
    """What a rule handler reads from its match (``re.Match`` or a rule's view of a combined match)."""

    def __getitem__(self, name: str, /) -> Any: ...
    def group(self) -> str: ...
    def start(self) -> int: ...
    def end(self) -> int: ...


Handler = Callable[[Context, Match], "str | None"]


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

    def read(self, scanner: Context, text: str, pos: int) -> tuple[int, str] | None:
        """``(end, spoken)`` from the first rule that matches at ``pos`` and accepts, else None."""
        combined = self._combined.match(text, pos)
        if combined is None:
            return None
        first = int(combined.lastgroup[1:])  # type: ignore[index]
        view = _RuleMatch(combined, first)
        if view.end() > pos:
            spoken = self.rules[first].handler(scanner, view)
            if spoken is not None:
                return view.end(), spoken
        first += 1
        for rule in self.rules[first:]:
            m = rule.pattern.match(text, pos)
            if m is None or m.end() <= pos:
                continue
            spoken = rule.handler(scanner, m)
            if spoken is not None:
                return m.end(), spoken
        return None


# --- building blocks -------------------------------------------------------------------------------
NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
END = r"(?![\w])"
MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
)
CURRENCY_SYMBOL = r"(?:US\$|[$€£¥₹₩₽₿])"
SCALE = r"(?:thousand|million|billion|trillion|bn|mn|tn|[kKmMbBtT])"
UNIT = "|".join(re.escape(u) for u in sorted(tables.UNITS, key=len, reverse=True))
KEY = "|".join(re.escape(k) for k in sorted(tables.KEYS, key=len, reverse=True))
MOD = "|".join(re.escape(k) for k in sorted(tables.MODIFIER_KEYS, key=len, reverse=True))
AMPM = r"(?P<ap>[aApP]\.?[mM]\.?)"


def wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_REGISTRY: dict[str, Rule] = {}


def rule(name: str, pattern: str, flags: int = 0) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the rule ``name`` for ``pattern``."""

    def register(handler: Handler) -> Handler:
        _REGISTRY[name] = Rule(name, re.compile(pattern, flags), handler)
        return handler

    return register


def pick(*names: str) -> RuleSet:
    """The registered rules ``names``, in that order, as one :class:`RuleSet`."""
    return RuleSet(tuple(_REGISTRY[name] for name in names))
