"""SSML in, plain text with marks out: what Speech Dispatcher and Spiel clients send us.

Only ``<mark name="…"/>`` carries meaning here (its position in the plain text is kept, so the
daemon can report when the audio before it has played) and ``<sub alias="…">`` (the alias is
spoken). Block elements (``p``, ``s``, ``break``) become a line break so sentences do not run
together; every other tag is dropped and entities are decoded. The parser never fails: text that
is not well-formed XML is read as text, as a screen reader's user would want.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"<!--.*?-->"  # comment
    r"|<!\[CDATA\[(?P<cdata>.*?)\]\]>"
    r"|<[?!][^>]*>"  # processing instruction, doctype
    r"|<(?P<close>/)?(?P<name>[A-Za-z_][\w:.-]*)(?P<attrs>(?:\s+[^<>]*?)?)\s*(?P<empty>/)?>",
    re.DOTALL,
)
_ATTRIBUTE = re.compile(r"""([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_BLOCKS = frozenset({"p", "s", "break", "paragraph", "sentence"})


@dataclass(frozen=True)
class Mark:
    """An SSML ``<mark/>``: reached once the text before ``offset`` has been spoken."""

    name: str
    offset: int


@dataclass(frozen=True)
class PlainText:
    """Speakable text, its marks (offsets into ``text``) and, per character, where it came from."""

    text: str
    marks: tuple[Mark, ...]
    sources: tuple[int, ...]
    ends: tuple[int, ...]  # per character, where its source ends (after a whole entity)

    def source_offset(self, offset: int) -> int:
        """Where ``text[offset]`` came from in the source (the source's end for ``len(text)``)."""
        return self.sources[max(0, min(offset, len(self.sources) - 1))]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The source range ``text[start:end]`` came from (markup after its last character excluded)."""
        if end <= start:
            return self.source_offset(start), self.source_offset(max(start, end))
        return self.source_offset(start), self.ends[min(end, len(self.ends)) - 1]


def plain_text(text: str) -> PlainText:
    """Text that is not SSML, unchanged."""
    return PlainText(text, (), (*range(len(text)), len(text)), tuple(range(1, len(text) + 1)))


class _Builder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.sources: list[int] = []
        self.ends: list[int] = []
        self.marks: list[Mark] = []

    def add(self, text: str, source: int) -> None:
        """Raw text starting at ``source``, entities decoded, each character mapped to its origin."""
        position = 0
        for entity in _ENTITY.finditer(text):
            self.add_raw(text[position : entity.start()], source + position)
            decoded = html.unescape(entity.group())
            self.chars.extend(decoded)
            self.sources.extend([source + entity.start()] * len(decoded))
            self.ends.extend([source + entity.end()] * len(decoded))
            position = entity.end()
        self.add_raw(text[position:], source + position)

    def add_raw(self, text: str, source: int) -> None:
        """Text taken as it is (no entities), character for character."""
        self.chars.extend(text)
        self.sources.extend(range(source, source + len(text)))
        self.ends.extend(range(source + 1, source + len(text) + 1))

    def add_literal(self, text: str, source: int, end: int | None = None) -> None:
        """Text that stands for ``source[source:end]`` as a whole (an alias, a line break for a tag)."""
        self.chars.extend(text)
        self.sources.extend([source] * len(text))
        self.ends.extend([source if end is None else end] * len(text))

    def separate(self, source: int) -> None:
        if self.chars and not self.chars[-1].isspace():
            self.add_literal("\n", source)

    def build(self, end: int) -> PlainText:
        return PlainText("".join(self.chars), tuple(self.marks), (*self.sources, end), tuple(self.ends))


def _attributes(text: str) -> dict[str, str]:
    found = {}
    for match in _ATTRIBUTE.finditer(text):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        found[match.group(1).lower()] = html.unescape(value)
    return found


def parse_ssml(source: str) -> PlainText:
    """Plain text and marks from an SSML document or fragment (tolerant of broken markup)."""
    out = _Builder()
    position = 0
    skip_until_close: str | None = None  # inside <sub alias="…">: the alias was spoken instead
    for token in _TOKEN.finditer(source):
        if skip_until_close is None:
            out.add(source[position : token.start()], position)
        position = token.end()
        if token.group("cdata") is not None:
            if skip_until_close is None:
                out.add_raw(token.group("cdata"), token.start("cdata"))
            continue
        name = (token.group("name") or "").lower().split(":")[-1]
        if not name:
            continue  # comment, processing instruction or doctype
        if skip_until_close is not None:
            if token.group("close") and name == skip_until_close:
                skip_until_close = None
            continue
        attributes = _attributes(token.group("attrs") or "")
        if name == "mark" and not token.group("close"):
            if "name" in attributes:
                out.marks.append(Mark(attributes["name"], len(out.chars)))
        elif name == "sub" and not token.group("close") and "alias" in attributes:
            alias_end = token.end()
            if not token.group("empty"):
                closing = source.find("</", token.end())
                alias_end = source.find(">", closing) + 1 if closing >= 0 else len(source)
            out.add_literal(attributes["alias"], token.start(), alias_end)
            if not token.group("empty"):
                skip_until_close = "sub"
        elif name in _BLOCKS:
            out.separate(token.start())
    if skip_until_close is None:
        out.add(source[position:], position)
    return out.build(len(source))
