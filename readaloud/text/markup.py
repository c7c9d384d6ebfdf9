"""Markdown and HTML structure → sentences and breaks (language independent).

- HTML: ``<script>``/``<style>`` and comments vanish, block tags become paragraph breaks, inline tags
  vanish, entities are decoded.
- Markdown blocks: headings and list items become sentences of their own (a period is added when they
  have none, so the voice pauses); table rows read their cells separated by commas; fenced code blocks
  are announced ("Code block, twelve lines."), read line by line, or skipped (``code_blocks``);
  blockquote markers, rules and link definitions disappear.
- Markdown inline: links and images read their text, inline code loses its backticks, footnote
  references vanish. Emphasis markers are left to the word rules, which drop stray ``*`` and ``_``.

Every pattern is bounded and anchored so that adversarial input (100 kB of ``[`` or ``<``) stays linear.
"""

from __future__ import annotations

import html
import re
from itertools import pairwise
from typing import TYPE_CHECKING

from readaloud.text.mapped import Editor, MappedText
from readaloud.text.protect import Protector

if TYPE_CHECKING:
    from readaloud.text.options import NormalizeOptions


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_BLOCK_TAGS = _wordset(
    """p div br hr li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table thead tbody tfoot blockquote pre
    section article header footer nav aside main figure figcaption caption details summary form
    fieldset address title body html head"""
)
_CLOSE_WITH_PERIOD = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "tr", "caption", "title"})
_CELL_TAGS = frozenset({"td", "th"})
_DROP_CONTENT = ("script", "style", "noscript", "template", "svg")

_HTML_RE = re.compile(
    r"<!--"
    r"|<(?P<drop>script|style|noscript|template|svg)\b[^<>]{0,2000}>"
    r"|<(?P<close>/?)(?P<tag>[A-Za-z][A-Za-z0-9-]{0,20})(?P<attrs>\s[^<>]{0,2000})?/?>"
    r"|&(?P<entity>#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});",
    re.IGNORECASE,
)
_ALT_RE = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)

_FENCE_RE = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})[^\n`]*$")
_HEADING_RE = re.compile(r" {0,3}(?P<marker>#{1,6})(?:[ \t]+|$)(?P<body>.*?)(?P<closing>[ \t]+#+)?[ \t]*$")
_SETEXT_RE = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_RULE_RE = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_QUOTE_RE = re.compile(r" {0,3}(?:>[ \t]?)+")
_LIST_RE = re.compile(r"[ \t]*(?:[-*+•◦▪‣]|\d{1,3}[.)]|[a-z]\))[ \t]+(?:\[[ xX]\][ \t]+)?")
_TABLE_SEPARATOR_RE = re.compile(r"[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")
_LINK_DEFINITION_RE = re.compile(r" {0,3}\[(?!\^)[^\[\]\n]{1,200}\]:[ \t]+\S+.*$")
_FOOTNOTE_DEFINITION_RE = re.compile(r" {0,3}\[\^[^\[\]\s]{1,50}\]:[ \t]*")
# First characters of lines that may carry Markdown block syntax (digits and "a)" are checked apart).
_BLOCK_STARTS = frozenset("#>-*+•◦▪‣=_|`~[")
_TERMINAL = frozenset(".!?:;…\"')")

_INLINE_RE = re.compile(
    # The leading lookahead lets the regex engine skip to candidate characters at C speed.
    r"(?=[!\[<`*_~])(?:"
    # A linked image (a README badge): [![alt](image)](link) reads its alt text.
    r"\[!\[(?P<badge>[^\[\]\n]{0,500})\]\([^()\s]{0,2000}\)\]\([^()\s]{0,2000}\)"
    r"|!\[(?P<alt>[^\[\]\n]{0,500})\]\([^()\s]{0,2000}(?:[ \t]+\"[^\"\n]{0,200}\")?\)"
    r"|\[(?P<text>[^\[\]\n]{1,500})\]\([^()\s]{0,2000}(?:[ \t]+\"[^\"\n]{0,200}\")?\)"
    r"|\[(?P<rtext>[^\[\]\n]{1,500})\]\[[^\[\]\n]{0,100}\]"
    r"|\[\^[^\[\]\s]{1,50}\]"
    # Wikipedia-style citation marks: "[1]", "[12, 14]", "[citation needed]", "[a]".
    r"|\[(?:\d{1,3}(?:[,–-] ?\d{1,3})*|[a-z]|citation needed|clarification needed"
    r"|who\?|when\?|note \d{1,3})\]"
    r"|<(?:mailto:)?(?P<auto>(?:https?|ftp)://[^<>\s]{1,2000}|[\w.+-]{1,100}@[\w.-]{1,200})>"
    r"|(?P<ticks>`{1,3})(?P<code>[^`\n]{1,2000}?)(?P=ticks)"
    r"|(?P<emph>\*{1,3}|_{1,3}|~~)"
    r")"
)


def convert(src: MappedText, options: NormalizeOptions, protector: Protector) -> MappedText:
    """Turn Markdown and HTML structure into plain sentences separated by line breaks."""
    text = src.text
    if "<" in text or "&" in text:
        src = _html(src)
    src = _blocks(src, options.code_blocks)
    text = src.text
    if any(c in text for c in "[`<*_~"):
        src = _inline(src)
    return src


def _html(src: MappedText) -> MappedText:
    text = src.text
    editor = Editor(src)
    pos = 0
    n = len(text)
    while pos < n:
        m = _HTML_RE.search(text, pos)
        if m is None:
            break
        start, end = m.start(), m.end()
        if m.group() == "<!--":
            close = text.find("-->", end)
            end = n if close < 0 else close + 3
            editor.replace(start, end, " ")
        elif m["drop"]:
            tag = m["drop"].lower()
            close = text.lower().find(f"</{tag}", end) if tag in _DROP_CONTENT else -1
            if close < 0:
                end = n
            else:
                gt = text.find(">", close)
                end = n if gt < 0 else gt + 1
            editor.replace(start, end, "\n\n")
        elif m["entity"]:
            decoded = html.unescape(m.group())
            if decoded == m.group():
                pos = end
                continue
            if decoded == "\xa0" or not decoded.isprintable():
                decoded = " "
            editor.replace(start, end, decoded)
        else:
            tag = m["tag"].lower()
            if tag == "img":
                alt = _ALT_RE.search(m["attrs"] or "")
                editor.replace(start, end, f" {alt.group(1) or alt.group(2)} " if alt else " ")
            elif tag in _BLOCK_TAGS:
                closing = m["close"] == "/" and tag in _CLOSE_WITH_PERIOD
                editor.replace(start, end, ".\n\n" if closing else "\n\n")
            elif tag in _CELL_TAGS:
                editor.replace(start, end, ", " if m["close"] else " ")
            else:
                editor.replace(start, end, "")
        pos = end
    return editor.finish()


def _announce(lines: int) -> str:
    from readaloud.text.english.numbers import cardinal

    return f"Code block, {cardinal(lines)} {'line' if lines == 1 else 'lines'}."


def _blocks(src: MappedText, code_blocks: str) -> MappedText:
    text = src.text
    editor = Editor(src)
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    i = 0
    count = len(spans)
    while i < count:
        start, end = spans[i]
        line = text[start:end]
        first = line.lstrip(" \t")[:1]
        if first not in _BLOCK_STARTS and "|" not in line and not (
            first.isalnum() and line.lstrip(" \t")[1:4].lstrip("0123456789")[:1] in ".)"
        ):
            # Plain text, unless the next line underlines it as a heading ("Title\n=====").
            following = text[spans[i + 1][0] : spans[i + 1][1]].lstrip(" ")[:1] if i + 1 < count else ""
            if following not in ("=", "-"):
                i += 1
                continue
        fence = _FENCE_RE.match(line)
        if fence is not None:
            i = _code_block(text, spans, i, fence["fence"], editor, code_blocks)
            continue
        if not line.strip():
            i += 1
            continue
        heading = _HEADING_RE.match(line)
        if heading is not None and heading["body"] is not None:
            body_start = start + heading.start("body")
            body_end = start + heading.end("body")
            editor.replace(start, body_start, "")
            _terminate(text, body_start, body_end, editor)
            editor.replace(body_end, end, "\n")
            i += 1
            continue
        if _RULE_RE.match(line) and not (
            i > 0 and text[spans[i - 1][0] : spans[i - 1][1]].strip() and _SETEXT_RE.match(line)
        ):
            editor.replace(start, end, "\n")
            i += 1
            continue
        if (
            i + 1 < count
            and _SETEXT_RE.match(text[spans[i + 1][0] : spans[i + 1][1]])
            and not _LIST_RE.match(line)
        ):
            _terminate(text, start, end, editor)
            next_start, next_end = spans[i + 1]
            editor.replace(next_start, next_end, "\n")
            i += 2
            continue
        if _LINK_DEFINITION_RE.match(line):
            editor.replace(start, end, "")
            i += 1
            continue
        quote = _QUOTE_RE.match(line)
        content_start = start + (quote.end() if quote else 0)
        footnote = _FOOTNOTE_DEFINITION_RE.match(text, content_start, end)
        if footnote:
            editor.replace(content_start, footnote.end(), "")
            content_start = footnote.end()
        elif quote:
            editor.replace(start, content_start, "")
        if text.count("|", content_start, end) >= 2 or (text[content_start:end].lstrip().startswith("|")):
            if _TABLE_SEPARATOR_RE.match(text, content_start, end):
                editor.replace(content_start, end, "")
            else:
                _table_row(text, content_start, end, editor)
            i += 1
            continue
        item = _LIST_RE.match(text, content_start, end)
        if item is not None and item.end() < end:
            editor.replace(content_start, item.end(), "")
            if _item_ends(text, spans, i):
                _terminate(text, item.end(), end, editor)
                editor.insert(end, "\n")
        i += 1
    return editor.finish()


def _item_ends(text: str, spans: list[tuple[int, int]], i: int) -> bool:
    """A list item ends at a blank line, the next item, or any other block start."""
    if i + 1 >= len(spans):
        return True
    start, end = spans[i + 1]
    line = text[start:end]
    return (
        not line.strip()
        or _LIST_RE.match(line) is not None
        or _HEADING_RE.match(line) is not None
        or _FENCE_RE.match(line) is not None
        or line.lstrip().startswith(("|", ">"))
    )


def _terminate(text: str, start: int, end: int, editor: Editor) -> None:
    """Give a heading or list item a period when it ends without punctuation, so the voice pauses."""
    while end > start and text[end - 1] in " \t":
        end -= 1
    if end > start and text[end - 1] not in _TERMINAL:
        editor.insert(end, ".")


def _table_row(text: str, start: int, end: int, editor: Editor) -> None:
    cells = []
    pos = start
    for m in re.finditer(r"\|", text[start:end]):
        cells.append((pos, start + m.start()))
        pos = start + m.end()
    cells.append((pos, end))
    spoken = [(a, b) for a, b in cells if text[a:b].strip()]
    if not spoken:
        editor.replace(start, end, "")
        return
    editor.replace(start, spoken[0][0], "")
    for (_a, b), (c, _d) in pairwise(spoken):
        editor.replace(b, c, ", ")
    last_end = spoken[-1][1]
    while last_end > spoken[-1][0] and text[last_end - 1] in " \t":
        last_end -= 1
    _terminate(text, spoken[-1][0], last_end, editor)
    editor.replace(last_end, end, "\n")


def _code_block(
    text: str, spans: list[tuple[int, int]], i: int, fence: str, editor: Editor, mode: str
) -> int:
    """Handle the fenced block opening at line ``i``; returns the index of the line after it."""
    closing = re.compile(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    j = i + 1
    while j < len(spans) and not closing.match(text, spans[j][0], spans[j][1]):
        j += 1
    body = spans[i + 1 : j]
    block_start = spans[i][0]
    block_end = spans[j][1] if j < len(spans) else spans[-1][1]
    if mode == "read":
        editor.replace(block_start, body[0][0] if body else block_end, "\n")
        for (_a, b), (c, _d) in pairwise(body):
            editor.replace(b, c, "\n\n")
        if body:
            editor.replace(body[-1][1], block_end, "\n")
    elif mode == "skip":
        editor.replace(block_start, block_end, "\n")
    else:
        lines = sum(1 for a, b in body if text[a:b].strip())
        editor.replace(block_start, block_end, f"\n{_announce(lines)}\n")
    return j + 1


def _is_emphasis(text: str, start: int, end: int) -> bool:
    """Whether a run of ``*``, ``_`` or ``~~`` opens or closes emphasis (not "5*3", not snake_case)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    opens = not (before.isalnum() or before in "*_~") and not after.isspace()
    closes = not before.isspace() and not (after.isalnum() or after in "*_~")
    return opens or closes


def _inline(src: MappedText) -> MappedText:
    text = src.text
    editor = Editor(src)
    for m in _INLINE_RE.finditer(text):
        kind = m.lastgroup
        if kind == "ticks" or kind == "code":
            editor.replace(m.start(), m.end(), m["code"])
        elif m["alt"] is not None:
            editor.replace(m.start(), m.end(), m["alt"])
        elif m["badge"] is not None:
            editor.replace(m.start(), m.end(), m["badge"])
        elif m["text"] is not None:
            editor.replace(m.start(), m.end(), m["text"])
        elif m["rtext"] is not None:
            editor.replace(m.start(), m.end(), m["rtext"])
        elif m["auto"] is not None:
            editor.replace(m.start(), m.end(), m["auto"])
        elif kind == "emph":
            if _is_emphasis(text, m.start(), m.end()):
                editor.replace(m.start(), m.end(), "")
        else:
            editor.replace(m.start(), m.end(), "")
    return editor.finish()
