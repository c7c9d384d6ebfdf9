"""Spoken forms of single written tokens: words, identifiers, file names, URLs, e-mail, paths, flags.

Pure string functions (no offsets; cached, since technical text repeats its tokens): the scanner in
:mod:`readaloud.text.english.words` decides what a token is and replaces it whole. Every function returns
plain words that misaki reads well; symbols that carry meaning become words ("dot", "at"), the rest
are dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from readaloud.text.english import numbers, tables
from readaloud.text.english.wordlist import english_words

# camelCase / PascalCase / acronym boundaries: "parseHTTPResponse2" → parse HTTP Response 2.
_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+")
_HUMP_RE = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]")
_NAME_PREFIX_RE = re.compile(r"(?:Mc|Mac|O')[A-Z][a-z]+$|(?:De|La|Le|Di|Da|Van|Von)[A-Z][a-z]+$")
_PIECE_RE = re.compile(r"[^\W\d_]+|\d+|.", re.DOTALL)


def is_dictionary_word(word: str) -> bool:
    words = english_words()
    return word in words or word.lower() in words


@lru_cache(maxsize=4096)
def read_word(word: str) -> str:
    """A run of letters: known respellings, camelCase split into words, the rest unchanged."""
    known = tables.ACRONYM_WORDS.get(word)
    if known is not None:
        return known
    if word[0] in tables.GREEK and all(c in tables.GREEK for c in word):
        return " ".join(tables.GREEK[c] for c in word)
    if "-" in word:
        return "-".join(read_word(part) if part else "" for part in word.split("-"))
    if len(word) > 2 and _HUMP_RE.search(word) and not _NAME_PREFIX_RE.match(word):
        parts = _CAMEL_RE.findall(word)
        if _is_identifier(word, parts):
            spoken = [read_identifier_part(part) for part in parts]
            # Identifiers read as plain words: "parseConfigFile" → "parse config file".
            spoken = [w.lower() if w[:1].isupper() and w[1:].islower() else w for w in spoken]
            return " ".join(spoken)
    return word


def _is_identifier(word: str, parts: list[str]) -> bool:
    """camelCase code ("parseConfig", "HTTPServer", "XMLHttpRequest"), not a brand ("iPhone", "YouTube")."""
    if len(parts) < 2:
        return False
    if len(parts) >= 3 or any(len(p) > 1 and p.isupper() for p in parts):
        return True
    return word[0].islower() and len(parts[0]) >= 2


@lru_cache(maxsize=4096)
def read_identifier_part(part: str) -> str:
    """One part of an identifier: "MAX" → "max" (a word), "HTTP" stays capitals (misaki spells it)."""
    if not part:
        return ""
    if part.isdigit():
        return numbers.cardinal(part)
    known = tables.ACRONYM_WORDS.get(part) or tables.ACRONYM_WORDS.get(part.upper())
    if known is not None:
        return known
    if part.lower() in _INITIALISMS:
        return part.upper()
    if part.isupper():
        if part in _KEEP_CAPS or len(part) < 2:
            return part
        if is_dictionary_word(part.lower()) or (len(part) >= 5 and any(c in "AEIOU" for c in part)):
            return part.lower()
        return part
    if part.islower() and len(part) > 1 and not is_dictionary_word(part) and _looks_spelled(part):
        return part.upper()
    return part


# All-caps parts that are dictionary words but are initialisms in code ("ID", "IO", "OS", "UI").
_KEEP_CAPS = frozenset(
    {
        "ID",
        "IO",
        "OS",
        "UI",
        "UX",
        "IT",
        "US",
        "AM",
        "PM",
        "AI",
        "IP",
        "OK",
        "PC",
        "TV",
        "DB",
        "FS",
        "HTTP",
        "URL",
        "API",
        "SQL",
        "CSS",
        "HTML",
        "XML",
        "CPU",
        "GPU",
        "RAM",
    }
)
_VOWELS = frozenset("aeiouy")
# Lower- or mixed-case spellings of initialisms inside identifiers ("XMLHttpRequest", "get_url").
_INITIALISMS = frozenset(
    {
        "http",
        "https",
        "html",
        "xml",
        "api",
        "url",
        "uri",
        "id",
        "sql",
        "css",
        "cpu",
        "gpu",
        "io",
        "os",
        "ui",
        "ux",
        "db",
        "tcp",
        "udp",
        "ip",
        "dns",
        "ssh",
        "ssl",
        "tls",
        "usb",
        "pdf",
        "csv",
        "tsv",
        "utf",
        "ascii",
        "rgb",
        "rgba",
        "hsl",
        "jwt",
        "uuid",
        "guid",
        "cli",
        "sdk",
        "ide",
        "vm",
        "ci",
        "cd",
        "ftp",
        "smtp",
        "imap",
        "dom",
        "cors",
        "csrf",
        "xss",
        "aws",
        "gcp",
        "tts",
        "stt",
        "ocr",
        "llm",
        "ml",
        "nlp",
        "gui",
        "ttl",
        "mime",
        "sha",
        "md",
        "rsa",
        "aes",
        "hmac",
        "ecdsa",
    }
)


def _looks_spelled(part: str) -> bool:
    """Short lower-case parts without vowels ("cfg", "tmp", "src") are read letter by letter."""
    return len(part) <= 4 and not any(c in _VOWELS for c in part)


@lru_cache(maxsize=4096)
def read_identifier(text: str) -> str:
    """ "parse_config_file" → "parse config file", "MAX_RETRIES" → "max retries", "__init__" → "init"."""
    parts = [p for p in re.split(r"_+", text) if p]
    words: list[str] = []
    for part in parts:
        words.extend(read_identifier_part(sub) for sub in _CAMEL_RE.findall(part))
    return " ".join(w for w in words if w)


def read_piece(text: str, *, slash: str = "slash", dot: str = "dot") -> str:
    """Any token without spaces, symbol by symbol: "file_v2.tar.gz" → "file v two dot tar dot GZ"."""
    out: list[str] = []
    pieces = _PIECE_RE.findall(text)
    for i, piece in enumerate(pieces):
        if piece.isdigit():
            out.append(
                numbers.cardinal(piece) if len(piece) <= 4 or piece[0] != "0" else numbers.digits(piece)
            )
        elif piece[0].isalpha():
            is_last = i == len(pieces) - 1
            if is_last and i >= 2 and pieces[i - 1] == "." and piece.lower() in tables.EXTENSIONS:
                out.append(tables.EXTENSIONS[piece.lower()])
            else:
                out.append(read_identifier(piece))
        elif piece == ".":
            out.append(dot)
        elif piece == "/":
            out.append(slash)
        elif piece == "\\":
            out.append("backslash")
        elif piece == "@":
            out.append("at")
        elif piece == "+":
            out.append("plus")
        elif piece == "=":
            out.append("equals")
        elif piece == "~":
            out.append("tilde" if i == len(pieces) - 1 else "home")
        elif piece == "&":
            out.append("and")
        elif piece == "#":
            out.append("hash")
        elif piece == ":":
            out.append("colon")
        # "_", "-", quotes, brackets and the rest only separate words.
    return " ".join(w for w in out if w)


@lru_cache(maxsize=4096)
def read_domain(host: str) -> str:
    """ "docs.python.org" → "docs dot python dot org"; "www." is dropped."""
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    labels = [label for label in host.split(".") if label]
    words: list[str] = []
    for i, label in enumerate(labels):
        if i == len(labels) - 1 and label in tables.TLDS and len(labels) > 1:
            words.append(tables.TLDS[label])
        else:
            words.append("-".join(read_piece(part) for part in label.split("-") if part))
    return " dot ".join(w for w in words if w)


@lru_cache(maxsize=4096)
def read_url(url: str, mode: str) -> str:
    """A URL by ``mode``: "domain" (host only), "full" (host and path), "skip" (nothing)."""
    if mode == "skip":
        return ""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = parts.hostname or ""
    except ValueError:  # malformed, e.g. an unbalanced "[" in the host
        return read_piece(url.split("://", 1)[-1].split("/", 1)[0])
    spoken = read_domain(host) if host else read_piece(url)
    if mode == "full":
        path = parts.path.strip("/")
        if path:
            spoken += " slash " + read_piece(path)
        if parts.query:
            spoken += " question mark " + read_piece(parts.query)
    return spoken


def read_email(address: str) -> str:
    """ "john.doe@example.com" → "john dot doe at example dot com"."""
    local, _, domain = address.partition("@")
    words = []
    for piece in _PIECE_RE.findall(local):
        if piece == ".":
            words.append("dot")
        elif piece == "_":
            words.append("underscore")
        elif piece == "-":
            words.append("dash")
        elif piece == "+":
            words.append("plus")
        elif piece.isdigit():
            words.append(numbers.digits(piece) if len(piece) > 2 else numbers.cardinal(piece))
        elif piece[0].isalpha():
            words.append(read_identifier_part(piece) if piece.isupper() else piece)
    return f"{' '.join(words)} at {read_domain(domain)}"


@lru_cache(maxsize=4096)
def read_filename(name: str) -> str:
    """ "README.md" → "readme dot MD", "config.toml" → "config dot tommel"."""
    stem, _, extension = name.rpartition(".")
    spoken_ext = tables.EXTENSIONS.get(extension.lower())
    if spoken_ext is None:
        return read_piece(name)
    return f"{read_piece(stem)} dot {spoken_ext}" if stem else f"dot {spoken_ext}"


@lru_cache(maxsize=4096)
def read_path(path: str) -> str:
    """ "/usr/local/bin" → "slash usr slash local slash bin"; "~/.config" → "home slash dot config"."""
    separator = "\\" if "\\" in path and "/" not in path else "/"
    spoken_sep = "backslash" if separator == "\\" else "slash"
    words: list[str] = []
    if len(path) >= 2 and path[1] == ":" and path[0].isalpha():
        words.append(f"{path[0].upper()} drive")
        path = path[2:]
    components = path.split(separator)
    for i, component in enumerate(components):
        if component == "~":
            words.append("home")
        elif component == "..":
            words.append("dot dot")
        elif component == ".":
            words.append("dot")
        elif component:
            if component.startswith("."):
                words.append("dot " + read_filename(component[1:]))
            elif "." in component:
                words.append(read_filename(component))
            else:
                words.append(read_piece(component))
        if i < len(components) - 1 and (component or i == 0):
            words.append(spoken_sep)
    return " ".join(w for w in words if w)


def read_flag(flag: str) -> str:
    """ "--verbose" → "dash dash verbose", "-v" → "dash v", "--out=a.wav" → "... equals a dot wave"."""
    dashes = len(flag) - len(flag.lstrip("-"))
    name, eq, value = flag[dashes:].partition("=")
    words = ["dash"] * dashes + [read_piece(name.replace("-", " ").replace("_", " "))]
    if eq:
        words += ["equals", read_filename(value) if "." in value else read_piece(value)]
    return " ".join(w for w in words if w)


def read_chord(chord: str) -> str:
    """ "Ctrl+Shift+T" → "control shift T", "Alt+F4" → "alt F four", "⌘Q" → "command Q"."""
    keys = [k for k in re.split(r"\s*[+-]\s*|(?<=[⌘⌥⇧⌃])", chord) if k]
    words: list[str] = []
    for key in keys:
        named = tables.KEYS.get(key.lower())
        if named is not None:
            words.append(named)
        elif re.fullmatch(r"[Ff]\d{1,2}", key):
            words.append(f"F {numbers.cardinal(key[1:])}")
        elif key.isdigit():
            words.append(numbers.cardinal(key))
        elif len(key) == 1 and key.isalpha():
            words.append(key.upper())
        elif len(key) == 1:
            words.append(
                tables.SYMBOLS.get(key)
                or {
                    ",": "comma",
                    ".": "period",
                    "/": "slash",
                    ";": "semicolon",
                    "`": "backtick",
                    "'": "quote",
                    "[": "left bracket",
                    "]": "right bracket",
                    "\\": "backslash",
                    "=": "equals",
                }.get(key, "")
            )
        else:
            words.append(read_word(key))
    return " ".join(w for w in words if w)
