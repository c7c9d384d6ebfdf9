"""The user's pronunciation dictionary: ``[pronunciations]`` in the config plus an optional file.

Each entry maps a word to a respelling ("koh-KOH-roh") or to Kokoro phonemes between slashes
("/kəkˈɔɹO/"). Phonemes are emitted in misaki's inline override syntax ``[word](/phonemes/)``.

Matching rules:

- whole words only: "cat" never matches inside "concatenate" (letters, digits and ``_`` are word
  characters; a key may itself contain other characters, as in "C++" or ".NET");
- a key written all in lower case matches any capitalisation ("kokoro" matches "Kokoro" and "KOKORO");
- a key with a capital letter matches only that spelling ("US" does not match "us"), and wins over a
  lower-case key for that spelling.

The file is TOML (``word = "spoken"`` at the top level or under ``[pronunciations]``) or, for any
other extension, lines of ``word = spoken`` / ``word<TAB>spoken`` with ``#`` comments. The daemon calls
:meth:`Lexicon.reload_if_changed` per request, so edits apply without a restart.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from readaloud.errors import ConfigError

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _kokoro_phonemes() -> frozenset[str]:
    data = json.loads(
        (resources.files("readaloud.speech") / "data" / "kokoro_vocab.json").read_text(encoding="utf-8")
    )
    return frozenset(data["vocab"])


@dataclass(frozen=True)
class _Table:
    """One immutable snapshot of the entries, swapped whole on reload (readers need no lock)."""

    exact: Mapping[str, str]
    folded: Mapping[str, str]
    pattern: re.Pattern[str] | None


def _spoken_form(word: str, value: str, where: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == "/" and value[-1] == "/":
        phonemes = value[1:-1].strip()
        unknown = sorted({c for c in phonemes if c not in _kokoro_phonemes()})
        if not phonemes or unknown:
            raise ConfigError(
                f"{where}: phonemes {value!r} contain symbols Kokoro does not know "
                f'({" ".join(unknown) or "empty"}); use Kokoro/misaki phonemes, e.g. "/kəkˈɔɹO/"'
            )
        # The bracketed text must not itself contain brackets, or misaki's link syntax breaks.
        shown = word.replace("[", "").replace("]", "") or "x"
        return f"[{shown}](/{phonemes}/)"
    if not value or "\n" in value:
        raise ConfigError(f'{where}: the spoken form must be one line of text or "/phonemes/"')
    return value


def _build(entries: Mapping[str, str], origin: str) -> _Table:
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    for word, value in entries.items():
        key = word.strip()
        where = f"{origin}: {key!r}"
        if not key:
            raise ConfigError(f"{where}: the word must not be empty")
        if not isinstance(value, str):
            raise ConfigError(f"{where}: the spoken form must be a string")
        spoken = _spoken_form(key, value, where)
        if key == key.lower():
            folded[key] = spoken
        else:
            exact[key] = spoken
    keys = sorted({*exact, *folded}, key=len, reverse=True)
    if not keys:
        return _Table({}, {}, None)
    body = "|".join(re.escape(k) for k in keys)
    # The lookahead on the keys' first letters lets the regex engine skip other text at C speed.
    firsts = "".join(sorted({c for k in keys for c in (k[0].lower(), k[0].upper())}))
    pattern = re.compile(rf"(?=[{re.escape(firsts)}])(?<![\w])(?:{body})(?![\w])", re.IGNORECASE)
    return _Table(exact, folded, pattern)


def _read_file(path: Path) -> dict[str, str]:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"text.lexicon_file: cannot read {path}: {error.strerror}") from error
    if path.suffix.lower() == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib

        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"text.lexicon_file: {path} is not valid TOML: {error}") from error
        table = data.get("pronunciations", data)
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise ConfigError(f'text.lexicon_file: {path}: expected lines of word = "spoken form"')
        return dict(table)
    entries: dict[str, str] = {}
    for number, line in enumerate(raw.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, sep, spoken = line.partition("\t") if "\t" in line else line.partition("=")
        if not sep:
            raise ConfigError(f"text.lexicon_file: {path}:{number}: expected word = spoken form")
        entries[word.strip().strip('"')] = spoken.strip().strip('"')
    return entries


class Lexicon:
    """User pronunciations: word → respelling or ``/phonemes/``; see the module docstring for rules."""

    def __init__(self, mapping: Mapping[str, str] | None = None, file: Path | None = None) -> None:
        self._mapping = dict(mapping or {})
        self._file = file
        self._mtime: int | None = None
        self._lock = threading.Lock()
        self._table = self._load()

    @classmethod
    def from_config(cls, mapping: Mapping[str, str], file: Path | None = None) -> Lexicon:
        """Entries from ``[pronunciations]`` plus ``file`` (its entries win); errors raise ConfigError."""
        return cls(mapping, file)

    def _stat(self) -> int | None:
        if self._file is None:
            return None
        try:
            return self._file.stat().st_mtime_ns
        except OSError:
            return None

    def _load(self) -> _Table:
        entries = dict(self._mapping)
        self._mtime = self._stat()
        if self._file is not None and self._mtime is not None:
            entries.update(_read_file(self._file))
        table = _build(entries, "pronunciations")
        logger.debug("lexicon: %d entries", len(table.exact) + len(table.folded))
        return table

    def reload_if_changed(self) -> bool:
        """Re-read the file if its modification time changed (or it appeared or vanished).

        Returns True when the entries were reloaded. A file that became invalid keeps the previous
        entries and logs a warning, so a typo mid-edit never silences reading.
        """
        if self._file is None:
            return False
        with self._lock:
            if self._stat() == self._mtime:
                return False
            try:
                self._table = self._load()
            except ConfigError as error:
                logger.warning("pronunciations not reloaded: %s", error)
                return False
            return True

    def __len__(self) -> int:
        table = self._table
        return len(table.exact) + len(table.folded)

    def lookup(self, word: str) -> str | None:
        """The spoken form for ``word`` under the case rules, or None."""
        table = self._table
        found = table.exact.get(word)
        return found if found is not None else table.folded.get(word.lower())

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping ``(start, end, spoken)`` for every whole-word entry found in ``text``."""
        table = self._table
        if table.pattern is None:
            return []
        found: list[tuple[int, int, str]] = []
        exact, folded = table.exact, table.folded
        for m in table.pattern.finditer(text):
            word = m.group()
            spoken = exact.get(word)
            if spoken is None:
                spoken = folded.get(word.lower())
            if spoken is not None:
                found.append((m.start(), m.end(), spoken))
        return found
