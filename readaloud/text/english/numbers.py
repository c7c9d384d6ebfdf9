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


@lru_cache(maxsize=4096)
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


@lru_cache(maxsize=4096)
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


_DENOMINATORS = {2: ("half", "halves"), 4: ("quarter", "quarters")}


def fraction(numerator: int, denominator: int, *, british: bool = False) -> str:
    """ "1/2" → "one half", "3/4" → "three quarters", "5/8" → "five eighths", "7/100" → "seven hundredths"."""
    top = cardinal(numerator, british=british)
    if denominator == 1:
        return top
    if denominator in _DENOMINATORS:
        one, many = _DENOMINATORS[denominator]
    else:
        one = ordinal(denominator, british=british)
        many = one + "s"
    return f"{top} {one if numerator == 1 else many}"


def mixed_fraction(whole: int, numerator: int, denominator: int, *, british: bool = False) -> str:
    """ "1 1/2" → "one and a half", "2 3/4" → "two and three quarters"."""
    part = fraction(numerator, denominator, british=british)
    if numerator == 1:
        part = "a " + part.split(" ", 1)[1]
    return f"{cardinal(whole, british=british)} and {part}"


def pluralize_last(words: str) -> str:
    """ "nineteen ninety" → "nineteen nineties" (decades)."""
    head, _, last = words.rpartition(" ")
    last = last[:-1] + "ies" if last.endswith("y") else last + "s"
    return f"{head} {last}" if head else last


_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_to_int(numeral: str) -> int | None:
    """The value of a well-formed Roman numeral (I..MMMCMXCIX), else None."""
    total = 0
    previous = 0
    for ch in reversed(numeral):
        value = _ROMAN_VALUES.get(ch)
        if value is None:
            return None
        if value < previous:
            total -= value
        else:
            total += value
            previous = value
    if total <= 0 or total >= 4000 or int_to_roman(total) != numeral:
        return None
    return total


def int_to_roman(value: int) -> str:
    result = []
    for symbol, amount in (
        ("M", 1000),
        ("CM", 900),
        ("D", 500),
        ("CD", 400),
        ("C", 100),
        ("XC", 90),
        ("L", 50),
        ("XL", 40),
        ("X", 10),
        ("IX", 9),
        ("V", 5),
        ("IV", 4),
        ("I", 1),
    ):
        while value >= amount:
            result.append(symbol)
            value -= amount
    return "".join(result)


def clock(
    hour: int, minute: int, second: int | None = None, suffix: str = "", *, british: bool = False
) -> str:
    """ "9:30" → "nine thirty", "9:05" → "nine oh five", "9:00" → "nine o'clock".

    "17:45" → "seventeen forty-five"; 00:00 → "midnight".
    """
    if hour == 0 and minute == 0 and not suffix and second is None:
        return "midnight"
    spoken_hour = cardinal(hour, british=british)
    if minute == 0:
        words = (
            f"{spoken_hour} {suffix}"
            if suffix
            else (f"{spoken_hour} hundred" if hour > 12 or hour == 0 else f"{spoken_hour} o'clock")
        )
    elif minute < 10:
        words = f"{spoken_hour} oh {cardinal(minute)}"
    else:
        words = f"{spoken_hour} {cardinal(minute, british=british)}"
    if suffix and minute:
        words = f"{words} {suffix}"
    if second:
        words = f"{words} and {cardinal(second)} {'second' if second == 1 else 'seconds'}"
    return words


def calendar_date(year_: int | None, month: int, day: int | None, *, british: bool = False) -> str:
    """US "January fifteenth, twenty twenty-four"; British "the fifteenth of January twenty twenty-four"."""
    from readaloud.text.english.tables import MONTH_NAMES

    name = MONTH_NAMES[month]
    if day is None:
        words = name
    elif british:
        words = f"the {ordinal(day)} of {name}"
    else:
        words = f"{name} {ordinal(day)}"
    if year_ is not None:
        words = (
            f"{words}, {year(year_, british=british)}"
            if day is not None and not british
            else (f"{words} {year(year_, british=british)}")
        )
    return words
