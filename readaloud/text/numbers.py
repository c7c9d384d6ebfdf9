"""Numbers as words: cardinals, ordinals, years, decimals, digit strings (num2words underneath).

US style drops the "and" of "one hundred and five"; British style (``british=True``) keeps it.
num2words' commas ("one thousand, two hundred") are dropped: they would make Kokoro pause.
"""

from __future__ import annotations

from functools import lru_cache

from num2words import num2words

_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_MAX_CARDINAL_DIGITS = 15  # past a quadrillion, people read digits


def _clean(words: str, british: bool) -> str:
    words = words.replace(",", "")
    if not british:
        words = words.replace(" and ", " ")
    return words


@lru_cache(maxsize=4096)
def _cardinal_int(value: int, british: bool) -> str:
    return _clean(num2words(value), british)


def digits(text: str) -> str:
    """Read each digit: "4567" → "four five six seven"."""
    return " ".join(_DIGIT_WORDS[ord(c) - 48] for c in text if "0" <= c <= "9")


def cardinal(number: str | int, *, british: bool = False) -> str:
    """ "1234" → "one thousand two hundred thirty-four"; "-5" → "minus five"; very long → digits."""
    text = str(number).replace(",", "").replace("_", "")
    negative = text.startswith(("-", "\u2212"))
    body = text.lstrip("-\u2212+")
    if not body.isdigit() or not body.isascii():
        return ""
    if len(body.lstrip("0")) > _MAX_CARDINAL_DIGITS:
        words = digits(body)
    else:
        words = _cardinal_int(int(body), british)
    return f"minus {words}" if negative else words


@lru_cache(maxsize=1024)
def _ordinal_int(value: int, british: bool) -> str:
    return _clean(num2words(value, to="ordinal"), british)


def ordinal(number: str | int, *, british: bool = False) -> str:
    """ "21" → "twenty-first"."""
    text = str(number).replace(",", "")
    if not text.isdigit() or len(text) > _MAX_CARDINAL_DIGITS:
        return cardinal(text, british=british)
    return _ordinal_int(int(text), british)


@lru_cache(maxsize=1024)
def year(value: int, *, british: bool = False) -> str:
    """ "1999" → "nineteen ninety-nine", "2005" → "two thousand five", "1905" → "nineteen oh five"."""
    if 2000 <= value <= 2009 or value % 1000 == 0 or value < 1000 or value > 9999:
        return cardinal(value, british=british)
    words = _clean(num2words(value, to="year"), british)
    return words.replace("oh-", "oh ")


def decimal(text: str, *, british: bool = False) -> str:
    """ "3.14" → "three point one four"; ".5" → "point five"; "1,234.5" → "... point five"."""
    text = text.replace(",", "")
    negative = text.startswith(("-", "\u2212"))
    text = text.lstrip("-\u2212+")
    whole, _, fraction = text.partition(".")
    words = cardinal(whole, british=british) if whole else ""
    if fraction:
        words = f"{words} point {digits(fraction)}".strip()
    return f"minus {words}" if negative else words


def number(text: str, *, british: bool = False) -> str:
    """Integer or decimal, with separators and sign."""
    return decimal(text, british=british) if "." in text else cardinal(text, british=british)
