"""English rules for words and symbols: web and code tokens, abbreviations, dates in words, Roman
numerals, paths, flags, keyboard chords, emoticons."""

from __future__ import annotations

import re

from readaloud.text.english import number_rules, numbers, tables, tokens
from readaloud.text.english.rules import KEY, MOD, MONTH, Context, Match, rule


# --- word rules ---------------------------------------------------------------------------------------
@rule("email", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w])")
def _email(scanner: Context, m: Match) -> str | None:
    return tokens.read_email(m.group())


@rule(
    "chord",
    rf"(?i:(?:{MOD})(?:\s?[+-]\s?(?:{MOD}))*\s?[+-]\s?(?P<key>F\d{{1,2}}|{KEY}|[A-Za-z0-9]|[^\s\w]))"
    r"(?![\w])",
)
def _chord(scanner: Context, m: Match) -> str | None:
    return tokens.read_chord(m.group())


@rule("programming-language", r"(?P<lang>[CFJ]#|C\+\+|G\+\+)(?![\w#+])")
def _programming_language(scanner: Context, m: Match) -> str | None:
    lang = m["lang"]
    return f"{lang[0]} sharp" if lang[1] == "#" else f"{lang[0]} plus plus"


@rule("dotted-abbreviation", r"(?P<abbr>(?:[A-Za-z]{1,6}\.){1,4})(?![\w])|(?P<etal>et al\.)")
def _dotted_abbreviation(scanner: Context, m: Match) -> str | None:
    abbr = m["abbr"] or m["etal"]
    key = abbr[:-1]
    lower = key.lower()
    start, end = m.start(), m.end()
    nxt = scanner.next_word(end)
    prev = scanner.prev_word(start)
    spoken: str | None = None
    ends = False
    title_here = nxt[:1].isupper() and not (key in tables.AFTER_NAME and _is_name(prev))
    if key in _ALWAYS_TITLES or (key in tables.TITLES and title_here):
        spoken = tables.TITLES[key]
    elif key in tables.AFTER_NAME and _is_name(prev):
        spoken = tables.AFTER_NAME[key]
        ends = lower in tables.CAN_END
    elif key in tables.DAYS:
        spoken = tables.DAYS[key]
        ends = True
    elif lower == "al" and prev.lower() == "et":
        spoken = "al"
        ends = True
    elif lower in tables.DOTTED and not (key.isupper() and len(key) > 1 and "." not in key):
        if lower in tables.BEFORE_NUMBER and not nxt[:1].isdigit():
            return None
        spoken = tables.DOTTED[lower]
        ends = lower in tables.CAN_END
    elif "." in key and all(len(p) == 1 and p.isalpha() for p in key.split(".")):
        spoken = key.replace(".", "").upper()  # U.S. → US, F.B.I. → FBI (misaki spells capitals)
        ends = True
    elif len(key) == 1 and key.isupper() and nxt[:1].isupper():
        return key  # an initial: "J. R. R. Tolkien"
    if spoken is None:
        return None
    if ends and scanner.at_sentence_end(end):
        spoken += "."
    return spoken


_ALWAYS_TITLES = frozenset({"Mr", "Mrs", "Ms", "Mx", "Prof", "Messrs"})


def _is_name(word: str) -> bool:
    """Whether ``word`` (the word before "St."/"Ave."...) names a street: "Elm", "Main", "5th"."""
    if word in ("st", "nd", "rd", "th"):
        return True  # the ordinal in "5th Ave."
    return bool(word) and word[0].isupper() and word.lower() not in ("the", "a", "in", "on", "at", "of")


@rule("title", r"(?P<t>Dr|Mr|Mrs|Ms|Mx|Prof|St|Mt|Ft)(?= [A-Z])")
def _title(scanner: Context, m: Match) -> str | None:
    return tables.TITLES[m["t"]]


@rule("bare-abbreviation", r"(?P<w>vs|aka|approx|etc|w/o|w/|b/c)(?![\w/])", re.IGNORECASE)
def _bare(scanner: Context, m: Match) -> str | None:
    return tables.BARE.get(m["w"].lower())


@rule("month-day", rf"(?P<mon>{MONTH})\.?\s(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s(?P<y>\d{{4}}))?(?![\w:])")
def _month_day(scanner: Context, m: Match) -> str | None:
    day = int(m["d"])
    if not 1 <= day <= 31:
        return None
    month = tables.MONTHS[m["mon"].lower()]
    return numbers.calendar_date(int(m["y"]) if m["y"] else None, month, day, british=scanner.british)


@rule("month-year", rf"(?P<mon>{MONTH})\.?\s(?P<y>\d{{4}})(?![\w:])")
def _month_year(scanner: Context, m: Match) -> str | None:
    month = tables.MONTHS[m["mon"].lower()]
    return f"{tables.MONTH_NAMES[month]} {numbers.year(int(m['y']), british=scanner.british)}"


@rule("roman", r"(?P<ctx>[A-Z][a-z]+)\s(?P<r>[IVXLCDM]+)(?![\w])")
def _roman(scanner: Context, m: Match) -> str | None:
    ctx, numeral = m["ctx"], m["r"]
    value = numbers.roman_to_int(numeral)
    if value is None:
        return None
    if ctx in tables.REGNAL_NAMES or scanner.prev_word(m.start()) in tables.ROYAL_TITLES:
        return f"{ctx} the {numbers.ordinal(value)}"
    if ctx in tables.ROMAN_CARDINAL_CONTEXT:
        return f"{ctx} {numbers.cardinal(value)}"
    return None


@rule(
    "version-v",
    r"[vV](?P<ver>\d+(?:\.\d+)*)(?P<pre>[-.]?(?:alpha|beta|rc|dev|pre|post|[ab])(?:\.?\d+)?)?(?![\w])",
)
def _version_v(scanner: Context, m: Match) -> str | None:
    return "version " + number_rules.read_version(m["ver"], m["pre"])


@rule("versioned-name", r"(?P<name>[A-Z][A-Za-z]+)\s(?P<ver>\d+\.\d+)(?![\w.]|\.\d)")
def _versioned_name(scanner: Context, m: Match) -> str | None:
    if m["name"] not in tables.SOFTWARE:
        return None
    return f"{m['name']} {number_rules.read_version(m['ver'], None)}"


@rule("windows-path", r"[A-Za-z]:\\[^\s\"<>|]*")
def _windows_path(scanner: Context, m: Match) -> str | None:
    return tokens.read_path(m.group().rstrip(".,;:!?)"))


@rule(
    "relative-path",
    r"(?P<p>[\w.-]+(?:/[\w.@+-]*[\w@+-]){2,}/?|[\w.-]+/[\w-]+\.[A-Za-z0-9]{1,5}|[\w-]+(?:\.[\w-]+)+/[\w.@+-]*[\w@+-])"
    r"(?![\w/])",
)
def _relative_path(scanner: Context, m: Match) -> str | None:
    path = m["p"]
    host = path.split("/", 1)[0]
    if "." in host and host.rsplit(".", 1)[1].lower() in tables.TLDS and host.rsplit(".", 1)[1].islower():
        return tokens.read_url(path, scanner.options.urls)  # a bare domain with a path: docs.rs/regex
    parts = path.split("/")
    if all(p.isalpha() for p in parts) and any(p.isupper() for p in parts):
        return " ".join(tokens.read_word(p) for p in parts)  # a list of options: S/M/L/XL
    return tokens.read_path(path)


@rule("word-slash-word", r"(?P<a>[A-Za-z]+)/(?P<b>[A-Za-z]+)(?![\w/])")
def _word_slash_word(scanner: Context, m: Match) -> str | None:
    a, b = m["a"], m["b"]
    if a.lower() == "and" and b.lower() == "or":
        return "and or"
    if a.isupper() or b.isupper() or len(a) == 1 or len(b) == 1:
        return f"{tokens.read_word(a)} {tokens.read_word(b)}"
    return f"{a} or {b}"


@rule(
    "dotted-name",
    # The lookahead asks for a letter without the quadratic backtracking of "X*[A-Za-z]X*".
    r"(?P<name>(?=[\w-]*[A-Za-z])[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+)(?P<call>\(\))?(?![\w])",
)
def _dotted_name(scanner: Context, m: Match) -> str | None:
    name = m["name"]
    parts = name.split(".")
    last = parts[-1]
    if last.lower() in tables.EXTENSIONS and len(parts) == 2:
        return tokens.read_filename(name)
    if last.lower() in tables.TLDS and all(p and not p.startswith("-") for p in parts) and last.islower():
        return tokens.read_domain(name)
    if len(parts) == 2 and parts[0].isalpha() and last[:1].isupper() and last.isalpha() and not m["call"]:
        # "end.Next": a missing space after a full stop.
        return f"{tokens.read_word(parts[0])}. {tokens.read_word(last)}"
    if last.lower() in tables.EXTENSIONS:
        return tokens.read_filename(name)
    return " dot ".join(tokens.read_identifier(p) if "_" in p else tokens.read_piece(p) for p in parts)


@rule("identifier", r"(?P<id>_*[A-Za-z][A-Za-z0-9]*(?:_+[A-Za-z0-9]+)+_*|__[A-Za-z0-9]+__)(?:\(\))?(?![\w])")
def _identifier(scanner: Context, m: Match) -> str | None:
    return tokens.read_identifier(m["id"])


@rule("letters-digits", r"(?P<w>[A-Za-z]+\d[A-Za-z0-9]*)(?![\w])")
def _letters_digits(scanner: Context, m: Match) -> str | None:
    word = m["w"]
    known = tables.ACRONYM_WORDS.get(word)
    if known:
        return known
    words = []
    for part in re.findall(r"[A-Za-z]+|\d+", word):
        if part.isdigit():
            words.append(numbers.cardinal(part) if part[0] != "0" else numbers.digits(part))
        else:
            words.append(
                part.upper() if len(part) <= 2 and len(word) <= 6 else tokens.read_identifier_part(part)
            )
    return " ".join(words)


# --- path, dash and symbol rules ----------------------------------------------------------------------
@rule(
    "path",
    r"(?<![^\s(\"'])(?P<p>(?:~|\.{1,2})?/[\w.@+-]*[\w@+-](?:/[\w.@+-]*[\w@+-])*/?)"
    r"(?=[.,;:!?)\"']*(?:\s|$))",
)
def _path(scanner: Context, m: Match) -> str | None:
    return tokens.read_path(m["p"])


@rule("dotfile", r"(?<![^\s(\"'])\.(?P<name>[A-Za-z][\w.-]*[A-Za-z0-9])(?![\w])")
def _dotfile(scanner: Context, m: Match) -> str | None:
    return (
        "dot " + tokens.read_filename(m["name"])
        if "." in m["name"]
        else "dot " + tokens.read_piece(m["name"])
    )


@rule("ellipsis", r"\.{3,}|…")
def _ellipsis(scanner: Context, m: Match) -> str | None:
    return "…"


@rule("flag", r"(?<![^\s(\"'`])(?P<f>--?[A-Za-z][\w-]*(?:=[^\s\"'`)]+)?)(?=[\s.,;:!?)\"'`]|$)")
def _flag(scanner: Context, m: Match) -> str | None:
    flag = m["f"]
    if (
        flag.startswith("-")
        and not flag.startswith("--")
        and len(flag) > 3
        and flag[1:].isalpha()
        and flag[1:].islower()
    ):
        return None  # "-word" is a dash before a word, not a flag
    return tokens.read_flag(flag)


@rule("dash", r"-{1,3}(?=\s|$)|—|–")
def _dash(scanner: Context, m: Match) -> str | None:
    return "—"


@rule("control-caret", r"\^(?P<k>[A-Z])(?![\w])")
def _control_caret(scanner: Context, m: Match) -> str | None:
    return f"control {m['k']}"


@rule("mac-chord", r"(?P<c>[⌘⌥⇧⌃]+[A-Za-z0-9])(?![\w])")
def _mac_chord(scanner: Context, m: Match) -> str | None:
    return tokens.read_chord(m["c"])


@rule("arrow", r"(?:->|=>|-->|==>)(?![>=])")
def _arrow(scanner: Context, m: Match) -> str | None:
    return "to"


@rule("operator", r"(?P<op><=|>=|==|!=|&&|\|\||<-)(?=\s|$)")
def _operator(scanner: Context, m: Match) -> str | None:
    return {
        "<=": "is less than or equal to",
        ">=": "is greater than or equal to",
        "==": "equals",
        "!=": "is not equal to",
        "&&": "and",
        "||": "or",
        "<-": "from",
    }[m["op"]]


@rule("hashtag", r"#(?P<tag>[A-Za-z][\w]*)")
def _hashtag(scanner: Context, m: Match) -> str | None:
    return tokens.read_word(m["tag"]) if "_" not in m["tag"] else tokens.read_identifier(m["tag"])


@rule("mention", r"@(?P<name>[A-Za-z][\w.-]*[A-Za-z0-9_])(?![\w@])")
def _mention(scanner: Context, m: Match) -> str | None:
    return "at " + tokens.read_identifier(m["name"].replace(".", " dot ").replace("-", "_"))


@rule("fraction-symbol", r"(?P<w>\d+)?(?P<f>[½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞⅐⅑⅒])")
def _fraction_symbol(scanner: Context, m: Match) -> str | None:
    a, b = tables.VULGAR_FRACTIONS[m["f"]]
    if m["w"]:
        return numbers.mixed_fraction(int(m["w"]), a, b)
    return numbers.fraction(a, b)


@rule("url", r"(?i:(?:https?|ftp|sftp|file|wss?|ssh|git|s3)://|www\.)[^\s<>\"]+")
def _url(scanner: Context, m: Match) -> str | None:
    url = m.group()
    # Trailing punctuation (and an unbalanced ")") belongs to the sentence, not the URL.
    trimmed = url.rstrip(".,;:!?'\"]}")
    while trimmed.endswith(")") and trimmed.count("(") < trimmed.count(")"):
        trimmed = trimmed[:-1].rstrip(".,;:!?'\"]}")
    return tokens.read_url(trimmed, scanner.options.urls) + url[len(trimmed) :]


_EMOTICONS = {
    ":)": "smiley",
    ":-)": "smiley",
    "=)": "smiley",
    ":(": "sad face",
    ":-(": "sad face",
    ";)": "wink",
    ";-)": "wink",
    ":D": "big smile",
    ":-D": "big smile",
    ":P": "tongue out",
    ":p": "tongue out",
    "<3": "heart",
    ":'(": "crying face",
    ":O": "surprised face",
    ":o": "surprised face",
}


@rule("emoticon", r"(?<![^\s(\"'])(?P<e>[:;=]['-]?[)(DPpOo/\\|\]\[*3]|</?3)(?=[\s.,!?)\"']|$)")
def _emoticon(scanner: Context, m: Match) -> str | None:
    return _EMOTICONS.get(m["e"], "smiley") if scanner.options.emoji == "name" else ""
