"""Values that flow from text to audio, and the ``Synthesizer`` port the player consumes.

Numpy is imported for type checking only: the edges import :class:`Sentence` (through
``readaloud.core``) and must start without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Sentence:
    """One sentence to speak.

    ``text`` is the normalized, speakable form; ``start``/``end`` are offsets of the sentence in the
    *original* text the user gave (for events, highlighting and "back").
    """

    index: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class PhonemeChunk:
    """Phonemes for one synthesis call: at most 510 tokens, never split inside a word."""

    sentence_index: int
    phonemes: str
    token_ids: tuple[int, ...]
    last_in_sentence: bool


class Synthesizer(Protocol):
    """Text in, audio out, one sentence at a time, so a player can stay just ahead of playback."""

    sample_rate: int

    def sentences(self, text: str, voice: str | None = None) -> list[Sentence]:
        """Normalize and split ``text`` for ``voice``'s language (cheap: no G2P, no synthesis)."""
        ...

    def synthesize(
        self, sentence: Sentence, voice: str, speed: float, *, first_clause: bool = False
    ) -> Iterator[np.ndarray]:
        """Yield float32 mono audio for ``sentence``, one array per phoneme chunk.

        With ``first_clause`` the first chunk is cut short at a natural boundary (a clause of a
        few words) so that the first sound of a request comes after the least synthesis.
        """
        ...

    def cancel(self) -> None:
        """Make the ``synthesize`` iterator in progress raise soon, and return at once.

        Called from the player's owning thread when the sentence being synthesized is no longer
        wanted (stop, skip, a new job). A synthesizer that cannot abort does nothing: the chunk in
        flight is then finished and dropped.
        """
        ...
