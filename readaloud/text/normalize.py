"""Turn real-world text (web pages, PDFs, chats, terminals, Markdown) into what a person would say.

Stages, each a pure function from one :class:`~readaloud.text.mapped.MappedText` to the next, so the
result keeps a map from every spoken character back to the user's original text:

1. characters: control/zero-width characters, smart quotes, ligatures, odd spaces (all languages);
2. markup: Markdown and HTML structure become sentences and breaks (all languages);
3. reflow: hard-wrapped lines and line-break hyphenation are joined (all languages);
4. pronunciations: the user's lexicon entries are replaced and protected from later stages;
5. words (English only): numbers, dates, units, URLs, identifiers, abbreviations, acronyms, symbols;
6. script filter and tidy: characters the voice's G2P cannot read are dropped, spacing is fixed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from readaloud.text import cleanup, markup, scripts, tidy
from readaloud.text.lexicon import Lexicon
from readaloud.text.mapped import MappedText
from readaloud.text.options import NormalizeOptions
from readaloud.text.protect import Protector

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class NormalizedText:
    """Speakable text plus a map back to the original.

    ``offsets[i]`` is the offset in the original text of ``text[i]`` (``len(text) + 1`` entries; the
    last is the original's length). ``ends[i]`` is where the original text that ``text[i]`` stands for
    ends (a replacement such as "five dollars" for "$5" maps every character to the whole "$5").
    """

    text: str
    offsets: tuple[int, ...]
    ends: tuple[int, ...] = ()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The ``[start, end)`` span of the original text that ``text[start:end]`` was made from."""
        n = len(self.text)
        start = min(max(start, 0), n)
        end = min(max(end, start), n)
        first = self.offsets[start]
        if end == start:
            return first, first
        if self.ends:
            return first, self.ends[end - 1]
        return first, self.offsets[end]


def normalize(
    text: str, options: NormalizeOptions | None = None, lexicon: Lexicon | None = None
) -> NormalizedText:
    """Normalize ``text`` for speech; see the module docstring for what each stage does."""
    options = options or NormalizeOptions()
    language = scripts.language_family(options.language)
    mapped = MappedText.identity(text)
    mapped = cleanup.clean_characters(mapped)
    protector = Protector()
    mapped = markup.convert(mapped, options, protector)
    mapped = cleanup.reflow(mapped)
    if lexicon is not None and len(lexicon):
        mapped = protector.protect_all(mapped, lexicon.matches(mapped.text))
    if language == "en":
        from readaloud.text.english import words  # the English rules are the bulk of the work

        mapped = words.convert(mapped, options, protector)
    mapped = scripts.filter_scripts(mapped, language, emoji=options.emoji)
    mapped = tidy.tidy(mapped, english=language == "en")
    mapped = protector.restore(mapped)
    firsts, lasts = mapped.char_offsets(len(text))
    return NormalizedText(mapped.text, firsts, lasts)
