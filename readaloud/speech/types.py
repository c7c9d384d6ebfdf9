"""Values that flow from text to audio, and the ``Synthesizer`` port the player consumes.

Numpy is imported for type checking only: the edges import :class:`Sentence` (through
``readaloud.core``) and must start without it.
"""

from __future__ import annotations

import enum
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Sentence:
    """One sentence to speak.

    ``text`` is the normalized, speakable form; ``start``/``end`` are offsets of the sentence in the
    *original* text the user gave (for events, highlighting and "back"). ``offsets[i]`` and
    ``ends[i]``, when known, are where the original text that ``text[i]`` stands for starts and ends
    (empty when the sentence was made without a map: then every part of it maps to the whole).
    """

    index: int
    text: str
    start: int
    end: int
    # Arrays of machine ints, not tuples: a long text's sentences hold one entry per character.
    offsets: array[int] = field(default_factory=lambda: array("i"), compare=False, repr=False)
    ends: array[int] = field(default_factory=lambda: array("i"), compare=False, repr=False)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that ``text[start:end]`` was made from."""
        if len(self.offsets) != len(self.text) or len(self.ends) != len(self.text):
            return self.start, self.end
        start = min(max(start, 0), len(self.text))
        end = min(max(end, start), len(self.text))
        if start == end:
            position = self.offsets[start] if start < len(self.text) else self.end
            return position, position
        return self.offsets[start], max(self.ends[start:end])


class Break(enum.IntEnum):
    """What follows a word, i.e. how natural a cut after it is."""

    WORD = 0
    CLAUSE = 1
    SENTENCE = 2


@dataclass(frozen=True)
class PhonemeWord:
    """One word of a sentence after G2P: its phonemes (punctuation attached), the Kokoro tokens it
    takes (with the space after it), what follows it, and the ``[start, end)`` span of the original
    text it was read from (None when the G2P could not say)."""

    phonemes: str
    tokens: int
    follows: Break = Break.WORD
    span: tuple[int, int] | None = None


@dataclass(frozen=True)
class TextMark:
    """A G2P's note that ``phonemes[phoneme_start:phoneme_end]`` was read from
    ``text[text_start:text_end]`` (both in the strings the G2P was given and returned)."""

    phoneme_start: int
    phoneme_end: int
    text_start: int
    text_end: int


@dataclass(frozen=True)
class Phonemized:
    """A sentence after G2P, ready to be synthesized whole or in spans of words."""

    sentence: Sentence
    words: tuple[PhonemeWord, ...]


@dataclass(frozen=True)
class WordTiming:
    """A word heard from sample ``start`` to ``end`` of some audio, read from ``text_start`` to
    ``text_end`` of the original text (None when the G2P could not place it)."""

    start: int
    end: int
    text_start: int | None
    text_end: int | None

    @property
    def placed(self) -> bool:
        return self.text_start is not None and self.text_end is not None


@dataclass(frozen=True)
class TimedSpan:
    """Audio of a span of words and when each word is heard in it (samples into ``audio``)."""

    audio: np.ndarray
    words: tuple[WordTiming, ...]


class Synthesizer(Protocol):
    """Text in, audio out, a span of a sentence at a time, so a player can stay just ahead of playback.

    The player decides where to cut each sentence (``readaloud.speech.schedule``); the synthesizer
    only turns words into audio.
    """

    sample_rate: int

    def sentences(self, text: str, voice: str | None = None) -> list[Sentence]:
        """Normalize and split ``text`` for ``voice``'s language (no G2P, no synthesis)."""
        ...

    def prepare(self, text: str, voice: str | None = None) -> Iterator[list[Sentence]]:
        """``sentences`` lazily, a block of text at a time (a block may have none): a long text is
        normalized as it is read."""
        ...

    def phonemize(self, sentence: Sentence, voice: str) -> Phonemized:
        """G2P for ``sentence`` in ``voice``'s language."""
        ...

    def synthesize_words(self, words: Phonemized, start: int, end: int, voice: str,
                         speed: float) -> np.ndarray:
        """Float32 mono audio for ``words.words[start:end]`` (at most 510 tokens), padded with the
        silence Kokoro puts around every call."""
        ...

    def synthesize_words_timed(self, words: Phonemized, start: int, end: int, voice: str,
                               speed: float) -> TimedSpan:
        """``synthesize_words``' audio and when each of those words is heard in it; raises
        :class:`readaloud.errors.EngineError` when ``has_word_timing`` is false."""
        ...

    @property
    def has_word_timing(self) -> bool:
        """Whether :meth:`synthesize_words_timed` works."""
        ...

    def synthesize(self, sentence: Sentence, voice: str, speed: float) -> Iterator[np.ndarray]:
        """Yield audio for the whole of ``sentence``, cut only where Kokoro's context demands."""
        ...

    def cancel(self) -> None:
        """Make the synthesis call in progress raise soon, and return at once.

        Called from the player's owning thread when the sentence being synthesized is no longer
        wanted (stop, skip, a new job). A synthesizer that cannot abort does nothing: the chunk in
        flight is then finished and dropped.
        """
        ...
