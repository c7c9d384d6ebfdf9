"""Words as the English G2P sees them: text, spaCy tag, phonemes and per-token hints."""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

# Splits a spaCy token further: leading/trailing apostrophes, numbers, runs of "-"/"_", and camelCase
# or ALLCapsWord boundaries. Needs the regex module for \p{Lu}/\p{Ll}.
_SUBTOKEN = regex.compile(
    r"^['‘’]+|\p{Lu}(?=\p{Lu}\p{Ll})|(?:^-)?(?:\d?[,.]?\d)+|[-_]+|['‘’]{2,}|\p{L}*?(?:['‘’]\p{L})*?\p{Ll}"
    r"(?=\p{Lu})|\p{L}+(?:['‘’]\p{L})*|[^-_\p{L}'‘’\d]|['‘’]+$"
)


def subtokenize(word: str) -> list[str]:
    """``"parseHTTPRequest"`` -> ``["parse", "HTTP", "Request"]``."""
    return [str(part) for part in _SUBTOKEN.findall(word)]


@dataclass
class Hints:
    """What the pipeline learns about a token besides its phonemes (misaki's ``MToken._``)."""

    is_head: bool | None = None  # False: glued to the previous token ("don" + "'t")
    alias: str | None = None  # read as this word instead ("2" between letters -> "to")
    stress: float | None = None  # requested stress, see stress.apply_stress
    currency: str | None = None  # currency symbol that preceded this number
    num_flags: str = ""  # how to read numbers: "a" (a hundred), "&" / "n" (and)
    prespace: bool | None = None  # put a space before this part's phonemes when merging
    rating: int | None = None  # confidence of the phonemes, 1 (guess) to 5 (given by the text)


@dataclass
class Token:
    """One token of the sentence and, once found, its phonemes."""

    text: str
    tag: str
    whitespace: str
    phonemes: str | None = None
    hints: Hints = field(default_factory=Hints)


@dataclass
class Context:
    """What the words to the right tell the word being read ("the" before a vowel is "ði")."""

    future_vowel: bool | None = None
    future_to: bool = False


def merge_tokens(tokens: list[Token], unknown: str | None = None) -> Token:
    """One token for several (a word spaCy split, or the parts of a compound)."""
    stresses = {tk.hints.stress for tk in tokens if tk.hints.stress is not None}
    currencies = {tk.hints.currency for tk in tokens if tk.hints.currency is not None}
    ratings = {tk.hints.rating for tk in tokens}
    phonemes: str | None = None
    if unknown is not None:
        phonemes = ""
        for tk in tokens:
            if tk.hints.prespace and phonemes and not phonemes[-1].isspace() and tk.phonemes:
                phonemes += " "
            phonemes += unknown if tk.phonemes is None else tk.phonemes
    known_ratings = {rating for rating in ratings if rating is not None}
    return Token(
        text="".join(tk.text + tk.whitespace for tk in tokens[:-1]) + tokens[-1].text,
        # The tag of the part with the most (capital-weighted) letters.
        tag=max(tokens, key=lambda tk: sum(1 if c == c.lower() else 2 for c in tk.text)).tag,
        whitespace=tokens[-1].whitespace,
        phonemes=phonemes,
        hints=Hints(
            is_head=tokens[0].hints.is_head,
            alias=None,
            stress=next(iter(stresses)) if len(stresses) == 1 else None,
            currency=max(currencies) if currencies else None,
            num_flags="".join(sorted({c for tk in tokens for c in tk.hints.num_flags})),
            prespace=tokens[0].hints.prespace,
            rating=None if None in ratings else min(known_ratings),
        ),
    )
