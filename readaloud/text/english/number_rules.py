"""English rules for numbers: dates, times, money, units, fractions, versions, phone numbers, years."""

from __future__ import annotations

import re

from readaloud.text.english import numbers, tables, tokens
from readaloud.text.english.rules import (
    AMPM,
    CURRENCY_SYMBOL,
    END,
    MONTH,
    NUM,
    SCALE,
    UNIT,
    Context,
    Match,
    rule,
    wordset,
)

# --- number rules -------------------------------------------------------------------------------------
# Words that often follow a year ("1999 was"), unlike nouns that follow a quantity ("1500 people").
_AFTER_YEAR = wordset(
    """was were is saw brought marked and or to when with the a an in on at for as will had has began
    ended started became until through onwards onward edition season election census model"""
)


# "Q3 2024", "H1 2023", "FY 2025": a period of the year before a four-digit number.
_PERIOD_BEFORE_RE = re.compile(r"\b(?:Q[1-4]|H[12]|FY)\s$")


def _year_or_number(scanner: Context, num: str, start: int, end: int) -> str:
    value = int(num)
    raw_prev = scanner.prev_word(start)
    prev = raw_prev.lower()
    nxt = scanner.next_word(end)
    if (
        nxt in tables.YEAR_SUFFIX
        or prev in tables.YEAR_CONTEXT
        or _PERIOD_BEFORE_RE.search(scanner.text, max(0, start - 8), start)
    ):
        return numbers.year(value, british=scanner.british)
    if nxt.islower() and nxt not in _AFTER_YEAR:
        return numbers.cardinal(num, british=scanner.british)
    if 1000 <= value <= 2099:
        return numbers.year(value, british=scanner.british)
    return numbers.cardinal(num, british=scanner.british)


@rule(
    "iso-date",
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-])",
)
def _iso_date(scanner: Context, m: Match) -> str | None:
    month, day = int(m["mo"]), int(m["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    words = numbers.calendar_date(int(m["y"]), month, day, british=scanner.british)
    if m["h"]:
        words += f" at {numbers.clock(int(m['h']), int(m['mi']), british=scanner.british)}"
    return words


@rule(
    "numeric-date",
    r"(?P<a>\d{1,2})(?:(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})|-(?P<b2>\d{1,2})-(?P<y2>\d{4}))"
    r"(?![\w/-]|\.\d)",
)
def _numeric_date(scanner: Context, m: Match) -> str | None:
    a, b = int(m["a"]), int(m["b"] or m["b2"])
    year_text = m["y"] or m["y2"]
    y = int(year_text)
    if len(year_text) == 2:
        y += 2000 if y < 50 else 1900
    # Dots are a European day.month.year; slashes are US month/day unless the first number can't be a month.
    if m["sep"] == "." or a > 12 or scanner.british:
        day, month = a, b
    else:
        month, day = a, b
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return numbers.calendar_date(y, month, day, british=scanner.british)


@rule(
    "year-month-day",
    rf"(?P<y>\d{{4}})/(?P<mo>\d{{1,2}})/(?P<d>\d{{1,2}})(?![\w/])|(?P<d2>\d{{1,2}})-(?P<mon>{MONTH})-(?P<y2>\d{{4}})(?![\w-])",
)
def _year_month_day(scanner: Context, m: Match) -> str | None:
    if m["mon"]:
        year_, month, day = int(m["y2"]), tables.MONTHS[m["mon"].lower()], int(m["d2"])
    else:
        year_, month, day = int(m["y"]), int(m["mo"]), int(m["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return numbers.calendar_date(year_, month, day, british=scanner.british)


@rule(
    "day-month",
    rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s(?:of\s)?(?P<mon>{MONTH})\.?(?:,?\s(?P<y>\d{{4}}))?{END}",
)
def _day_month(scanner: Context, m: Match) -> str | None:
    day = int(m["d"])
    if not 1 <= day <= 31:
        return None
    month = tables.MONTHS[m["mon"].lower()]
    words = f"the {numbers.ordinal(day)} of {tables.MONTH_NAMES[month]}"
    if m["y"]:
        words += f", {numbers.year(int(m['y']), british=scanner.british)}"
    return words


@rule("time", rf"(?P<h>\d{{1,2}}):(?P<mi>\d{{2}})(?::(?P<s>\d{{2}}))?(?:\s?{AMPM}(?![\w]))?(?![\d:])")
def _time(scanner: Context, m: Match) -> str | None:
    hour, minute = int(m["h"]), int(m["mi"])
    second = int(m["s"]) if m["s"] else None
    if hour > 24 or minute > 59 or (second is not None and second > 59):
        return None
    suffix = ""
    if m["ap"]:
        if hour > 12:
            return None
        suffix = "AM" if m["ap"][0] in "aA" else "PM"
    words = numbers.clock(hour, minute, second, suffix, british=scanner.british)
    return words + _kept_period(scanner, m, "ap")


def _kept_period(scanner: Context, m: Match, group: str) -> str:
    """A period that both closes an abbreviation and ends the sentence ("at 5 p.m. Then")."""
    value = m[group]
    if value and value.endswith(".") and scanner.at_sentence_end(m.end()):
        return "."
    return ""


@rule("hour-ampm", rf"(?P<h>\d{{1,2}})\s?{AMPM}(?![\w])")
def _hour_ampm(scanner: Context, m: Match) -> str | None:
    hour = int(m["h"])
    if not 1 <= hour <= 12:
        return None
    suffix = "AM" if m["ap"][0] in "aA" else "PM"
    return f"{numbers.cardinal(hour)} {suffix}" + _kept_period(scanner, m, "ap")


@rule("feet-inches", r"(?P<ft>[1-9])'(?P<inch>\d{1,2})(?:\"|'')(?![\w])")
def _feet_inches(scanner: Context, m: Match) -> str | None:
    return f"{numbers.cardinal(m['ft'])} foot {numbers.cardinal(m['inch'])}"


@rule("scientific", r"(?P<m>\d+(?:\.\d+)?)[eE](?P<e>[-+−]?\d{1,3})(?![\w])")
def _scientific(scanner: Context, m: Match) -> str | None:
    exponent = m["e"].lstrip("+")
    power = numbers.cardinal(exponent.replace("−", "-"))
    return f"{scanner.number(m['m'])} times ten to the power of {power}"


@rule("ratio", r"(?P<a>\d+):(?P<b>\d+)(?![\d:])")
def _ratio(scanner: Context, m: Match) -> str | None:
    return f"{scanner.number(m['a'])} to {scanner.number(m['b'])}"


@rule(
    "phone",
    r"(?:\+\d{1,3}[ .-]?|1[-.])?(?:\(\d{2,4}\)[ .-]?|\d{3}[.-])\d{3}[ .-]\d{4}(?![\d-])"
    r"|\+\d{1,3}(?:[ .-]\d{2,5}){2,4}(?![\d-])|0\d{2,4}[ -]\d{3,4}[ -]\d{3,4}(?![\d-])"
    r"|0\d{3,4}[ -]\d{5,7}(?![\d-])|\d{3}-\d{4}(?![\d-])",
)
def _phone(scanner: Context, m: Match) -> str | None:
    groups = re.findall(r"\d+", m.group())
    spoken = ", ".join(numbers.digits(g) for g in groups)
    return ("plus " + spoken) if m.group().startswith("+") else spoken


def _money(scanner: Context, currency: str, num: str, scale: str | None) -> str:
    one, many, minor_one, minor_many = tables.CURRENCIES[currency]
    british = scanner.british
    num = num.replace(",", "")
    if scale:
        return f"{numbers.number(num, british=british)} {tables.SCALES[scale]} {many}"
    whole, _, cents = num.partition(".")
    whole_value = int(whole or "0")
    cents_value = 0
    if cents:
        if not minor_one or len(cents) > 2:
            return f"{numbers.decimal(num, british=british)} {many}"
        cents_value = int(cents.ljust(2, "0"))
    parts = []
    if whole_value or not cents_value:
        parts.append(f"{numbers.cardinal(whole_value, british=british)} {one if whole_value == 1 else many}")
    if cents_value:
        parts.append(f"{numbers.cardinal(cents_value)} {minor_one if cents_value == 1 else minor_many}")
    return " and ".join(parts)


@rule(
    "currency-before",
    rf"(?P<approx>[~≈]\s?)?(?P<cur>{CURRENCY_SYMBOL})\s?(?P<num>{NUM})(?:\s?(?P<scale>{SCALE}){END})?"
    rf"(?:\s?[-–]\s?{CURRENCY_SYMBOL}?(?P<num2>{NUM})(?:\s?(?P<scale2>{SCALE}){END})?)?"
    rf"(?:/(?P<per>[A-Za-z]+))?{END}",
)
def _currency_before(scanner: Context, m: Match) -> str | None:
    currency = m["cur"]
    if m["num2"]:
        low = numbers.number(m["num"].replace(",", ""), british=scanner.british)
        if m["scale"]:
            low += " " + tables.SCALES[m["scale"]]
        words = f"{low} to {_money(scanner, currency, m['num2'], m['scale2'])}"
    else:
        words = _money(scanner, currency, m["num"], m["scale"])
    if m["per"]:
        words += " per " + _per_word(m["per"])
    return f"about {words}" if m["approx"] else words


def _per_word(word: str) -> str:
    unit = tables.UNITS.get(word)
    return unit[0] if unit else {"mo": "month", "yr": "year", "wk": "week", "hr": "hour"}.get(word, word)


@rule("currency-sign", rf"[-−](?P<cur>{CURRENCY_SYMBOL})(?P<num>{NUM}){END}")
def _negative_money(scanner: Context, m: Match) -> str | None:
    return "minus " + _money(scanner, m["cur"], m["num"], None)


@rule(
    "currency-after",
    rf"(?P<approx>[~≈])?(?P<num>{NUM})\s?(?P<cur>USD|EUR|GBP|JPY|CAD|AUD|CHF|CNY|INR|BTC|[€¢£]){END}",
)
def _currency_after(scanner: Context, m: Match) -> str | None:
    if m["cur"] == "¢":
        unit = "cent" if m["num"] == "1" else "cents"
        words = f"{numbers.number(m['num'], british=scanner.british)} {unit}"
    else:
        words = _money(scanner, m["cur"], m["num"], None)
    return f"about {words}" if m["approx"] else words


@rule("percent", rf"(?P<sign>[-−+~])?(?P<num>{NUM})(?:\s?(?:[-–]|to)\s?(?P<num2>{NUM}))?\s?%")
def _percent(scanner: Context, m: Match) -> str | None:
    words = scanner.number(m["num"].replace(",", ""))
    if m["num2"]:
        words += " to " + scanner.number(m["num2"].replace(",", ""))
    sign = {"-": "minus ", "−": "minus ", "+": "plus ", "~": "about "}.get(m["sign"] or "", "")
    return f"{sign}{words} percent"


@rule("ordinal", r"(?P<num>\d+)(?P<suf>st|nd|rd|th|ST|ND|RD|TH)(?![\w])")
def _ordinal(scanner: Context, m: Match) -> str | None:
    return numbers.ordinal(m["num"], british=scanner.british)


_DECADES = {
    "2": "twenties",
    "3": "thirties",
    "4": "forties",
    "5": "fifties",
    "6": "sixties",
    "7": "seventies",
    "8": "eighties",
    "9": "nineties",
    "0": "two thousands",
    "1": "tens",
}


@rule("decade", r"(?:(?P<full>\d{3}0)|'?(?P<short>\d)0)['’]?s(?![\w])")
def _decade(scanner: Context, m: Match) -> str | None:
    if m["full"]:
        value = int(m["full"])
        if value % 1000 == 0:
            return numbers.cardinal(value) + "s"
        if value % 100 == 0:
            return numbers.year(value) + "s"
        return numbers.pluralize_last(numbers.year(value))
    return _DECADES[m["short"]]


@rule("mixed-fraction", r"(?P<w>\d+)\s(?P<a>\d+)/(?P<b>\d+)(?![\w/])")
def _mixed_fraction(scanner: Context, m: Match) -> str | None:
    a, b = int(m["a"]), int(m["b"])
    if not 0 < a < b <= 100:
        return None
    return numbers.mixed_fraction(int(m["w"]), a, b, british=scanner.british)


@rule("fraction", r"(?P<a>\d+)/(?P<b>\d+)(?![\w/])")
def _fraction(scanner: Context, m: Match) -> str | None:
    a, b = int(m["a"]), int(m["b"])
    if m.group() == "24/7":
        return "twenty-four seven"
    if a <= 12 and 13 <= b <= 31 and not m["a"].startswith("0"):
        return numbers.calendar_date(None, a, b, british=scanner.british)
    if b == 0 or b > 100 or len(m["a"]) > 4:
        return f"{scanner.number(m['a'])} over {scanner.number(m['b'])}"
    if b in (10, 100) and 1 < a <= b:
        return f"{numbers.cardinal(a)} out of {numbers.cardinal(b)}"  # scores and ratings: 8/10
    return numbers.fraction(a, b, british=scanner.british)


@rule(
    "version",
    r"(?P<ver>\d+(?:\.\d+){2,})(?P<pre>[-.]?(?:alpha|beta|rc|dev|pre|post|[ab])(?:\.?\d+)?)?(?![\w])",
)
def _version(scanner: Context, m: Match) -> str | None:
    return read_version(m["ver"], m["pre"])


def version_part(part: str) -> str:
    """ "04" in "22.04" reads "oh four"."""
    if len(part) > 1 and part[0] == "0":
        return "oh " + numbers.digits(part[1:]) if len(part) == 2 else numbers.digits(part)
    return numbers.cardinal(part)


def read_version(version: str, pre: str | None) -> str:
    words = " point ".join(version_part(part) for part in version.split("."))
    if pre:
        label = re.sub(r"[\d.-]+", "", pre)
        digits = re.sub(r"\D+", "", pre)
        label = {"rc": "release candidate", "a": "alpha", "b": "beta"}.get(label, label)
        words += f" {label}" + (f" {numbers.cardinal(digits)}" if digits else "")
    return words


@rule(
    "dimensions",
    rf"(?P<a>{NUM})(?P<sp>\s?)[x×]\s?(?P<b>{NUM})(?:\s?[x×]\s?(?P<c>{NUM}))?"
    r"(?:\s?(?P<unit>cm|mm|m|km|in|ft|px|\"))?(?![\w])",
)
def _dimensions(scanner: Context, m: Match) -> str | None:
    if m["sp"] and not m["unit"] and not m["c"]:
        return None  # "2 × 3" is a product, read by the operator rules
    sides = [m["a"], m["b"]] + ([m["c"]] if m["c"] else [])
    words = " by ".join(
        numbers.year(int(s))
        if len(s) == 4 and s.isdigit() and s[0] in "12" and m["unit"] in (None, "px")
        else scanner.number(s.replace(",", ""))
        for s in sides
    )
    if m["unit"]:
        unit = {"in": "inches", '"': "inches", "ft": "feet"}.get(m["unit"]) or tables.UNITS[m["unit"]][1]
        words += " " + unit
    return words


@rule(
    "number-unit",
    rf"(?P<sign>[-−+±~≈])?(?P<num>{NUM})(?:\s?(?P<dash>[-–]|to)\s?(?P<num2>{NUM}))?"
    rf"(?P<space>\s?)(?P<unit>{UNIT})(?:/(?P<per>[A-Za-z]+))?(?![\w²³/]|\.\d)",
)
def _number_unit(scanner: Context, m: Match) -> str | None:
    unit = m["unit"]
    if m["space"] and unit in tables.UNITS_ATTACHED_ONLY:
        return None
    if unit in ("K", "k"):
        return f"{scanner.number(m['num'])} K"  # 4K video, a 10K run, 5k followers
    num = m["num"].replace(",", "")
    words = scanner.number(num)
    if m["num2"]:
        words += " to " + scanner.number(m["num2"].replace(",", ""))
    sign = {
        "-": "minus ",
        "−": "minus ",
        "+": "plus ",
        "±": "plus or minus ",
        "~": "about ",
        "≈": "about ",
    }.get(m["sign"] or "", "")
    one, many = tables.UNITS[unit]
    singular = not m["num2"] and num in ("1", "1.0") and sign != "plus or minus "
    words = f"{sign}{words} {one if singular else many}"
    if m["per"]:
        words += " per " + _per_word(m["per"])
    return words


@rule("range", rf"(?P<a>{NUM})(?P<dash>–|-|\s–\s|\s-\s)(?P<b>{NUM})(?![\w%])")
def _range(scanner: Context, m: Match) -> str | None:
    a, b = m["a"], m["b"]
    if m["dash"] == " - ":
        return f"{scanner.number(a)} minus {scanner.number(b)}"
    if len(a) == 4 and a.isdigit() and len(b) in (2, 4) and b.isdigit() and 1000 <= int(a) <= 2100:
        b_full = a[:2] + b if len(b) == 2 else b
        return f"{numbers.year(int(a))} to {numbers.year(int(b_full))}"
    return f"{scanner.number(a.replace(',', ''))} to {scanner.number(b.replace(',', ''))}"


@rule("hash-number", r"#(?P<num>\d+)(?![\w])")
def _hash_number(scanner: Context, m: Match) -> str | None:
    return "number " + numbers.cardinal(m["num"])


@rule("signed-number", rf"(?P<sign>[-−+~≈])(?P<num>{NUM})(?![\w])")
def _signed_number(scanner: Context, m: Match) -> str | None:
    sign = {"-": "minus", "−": "minus", "+": "plus", "~": "about", "≈": "about"}[m["sign"]]
    return f"{sign} {scanner.number(m['num'].replace(',', ''))}"


@rule("number", rf"(?P<num>{NUM})(?![\w])")
def _number(scanner: Context, m: Match) -> str | None:
    num = m["num"]
    if num in ("911", "999", "112"):
        return numbers.digits(num)  # emergency numbers are read digit by digit
    if len(num) == 4 and num.isdigit() and num[0] != "0":
        prev = scanner.prev_word(m.start())
        if prev.isupper() and 2 <= len(prev) <= 5 and scanner.text[m.start() - 1] == " ":
            return numbers.year(int(num), british=scanner.british)  # RFC 2616, ISO 8601: in pairs
        if num[0] in "12":
            return _year_or_number(scanner, num, m.start(), m.end())
    if "," not in num and "." not in num and len(num) > 9:
        return numbers.digits(num)
    return scanner.number(num.replace(",", ""))


@rule("number-letters", r"(?P<num>\d+)(?P<letters>[A-Za-z]+)(?P<rest>\w*)(?![\w])")
def _number_letters(scanner: Context, m: Match) -> str | None:
    num, letters = m["num"], m["letters"]
    if letters in ("p", "i") and len(num) in (3, 4):  # 1080p, 720p
        spoken = numbers.year(int(num)) if len(num) == 4 else numbers.cardinal(num)
        return f"{spoken} {letters}"
    spoken_letters = letters.upper() if len(letters) <= 2 else tokens.read_word(letters)
    rest = tokens.read_piece(m["rest"]) if m["rest"] else ""
    return " ".join(w for w in (numbers.cardinal(num), spoken_letters, rest) if w)
