"""English words to phonemes from misaki's dictionaries: special cases, inflections and numbers.

Returns ``(phonemes, rating)`` pairs, ``(None, None)`` when the word is not known; the G2P then asks
espeak-ng. Behaviour follows misaki 0.9.4's ``en.Lexicon`` exactly (tests/integration/test_english_g2p.py
compares the whole G2P with misaki's own output).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable

from num2words import num2words

from readaloud.speech.english.stress import (
    GB_VOCAB,
    PRIMARY_STRESS,
    SECONDARY_STRESS,
    US_TAUS,
    US_VOCAB,
    apply_stress,
)
from readaloud.speech.english.tokens import Context, Token
from readaloud.text.english import dictionaries
from readaloud.text.english.dictionaries import Entry

log = logging.getLogger(__name__)

Lookup = tuple[str | None, int | None]

LEXICON_ORDS = frozenset([39, 45, *range(65, 91), *range(97, 123)])  # ' - A-Z a-z
CURRENCIES = {
    "$": ("dollar", "cent"),
    "£": ("pound", "pence"),
    "€": ("euro", "cent"),
}
ORDINALS = frozenset(["st", "nd", "rd", "th"])
ADD_SYMBOLS = {".": "dot", "/": "slash"}
SYMBOLS = {"%": "percent", "&": "and", "+": "plus", "@": "at"}


def is_digit(text: str) -> bool:
    return bool(re.match(r"^[0-9]+$", text))


def _grow(entries: dict[str, Entry]) -> dict[str, Entry]:
    """Add the capitalised form of lower-case words and the lower-case form of capitalised ones."""
    grown: dict[str, Entry] = {}
    for key, value in entries.items():
        if len(key) < 2:
            continue
        if key == key.lower():
            if key != key.capitalize():
                grown[key.capitalize()] = value
        elif key == key.lower().capitalize():
            grown[key.lower()] = value
    return {**grown, **entries}


def parent_tag(tag: str | None) -> str | None:
    """spaCy's fine tag to the family the dictionaries use for heteronyms ("VBD" -> "VERB")."""
    if tag is None:
        return tag
    if tag.startswith("VB"):
        return "VERB"
    if tag.startswith("NN"):
        return "NOUN"
    if tag.startswith(("ADV", "RB")):
        return "ADV"
    if tag.startswith(("ADJ", "JJ")):
        return "ADJ"
    return tag


class Lexicon:
    """misaki's US or British dictionary with its rules for what the dictionary lacks."""

    def __init__(self, british: bool) -> None:
        self.british = british
        self.cap_stresses = (0.5, 2)
        accent: dictionaries.Accent = "gb" if british else "us"
        self.golds = _grow(dictionaries.load(accent, "gold"))
        self.silvers = _grow(dictionaries.load(accent, "silver"))
        vocab = GB_VOCAB if british else US_VOCAB
        for entry in self.golds.values():
            # A damaged data file must fail here, not as unknown tokens in the model.
            values = [entry] if isinstance(entry, str) else list(entry.values())
            if not isinstance(entry, str) and "DEFAULT" not in entry:
                raise ValueError(f"heteronym without a DEFAULT pronunciation: {entry}")
            for value in values:
                if value is not None and not all(c in vocab for c in value):
                    raise ValueError(f"phonemes outside Kokoro's vocabulary: {value}")

    def _gold_str(self, word: str, tag: str = "DEFAULT") -> str:
        entry = self.golds[word]
        value = entry if isinstance(entry, str) else entry[tag]
        if value is None:
            raise ValueError(f"the dictionary has no {tag} pronunciation of {word!r}")
        return value

    def get_nnp(self, word: str) -> Lookup:
        """Spell a proper noun or initialism letter by letter, stressing the last letter."""
        letters = [self.golds.get(c.upper()) for c in word if c.isalpha()]
        if None in letters or not all(isinstance(p, str) for p in letters):
            return None, None
        phonemes = apply_stress("".join(p for p in letters if isinstance(p, str)), 0)
        parts = phonemes.rsplit(SECONDARY_STRESS, 1)
        return PRIMARY_STRESS.join(parts), 3

    def get_special_case(
        self, word: str, tag: str | None, stress: float | None, ctx: Context | None
    ) -> Lookup:
        if tag == "ADD" and word in ADD_SYMBOLS:
            return self.lookup(ADD_SYMBOLS[word], None, -0.5, ctx)
        if word in SYMBOLS:
            return self.lookup(SYMBOLS[word], None, None, ctx)
        if (
            "." in word.strip(".")
            and word.replace(".", "").isalpha()
            and len(max(word.split("."), key=len)) < 3
        ):
            return self.get_nnp(word)
        if word in ("a", "A"):
            return ("ɐ" if tag == "DT" else "ˈA"), 4
        if word in ("am", "Am", "AM"):
            if tag is not None and tag.startswith("NN"):
                return self.get_nnp(word)
            if ctx is None or ctx.future_vowel is None or word != "am" or (stress and stress > 0):
                return self._gold_str("am"), 4
            return "ɐm", 4
        if word in ("an", "An", "AN"):
            if word == "AN" and tag is not None and tag.startswith("NN"):
                return self.get_nnp(word)
            return "ɐn", 4
        if word == "I" and tag == "PRP":
            return f"{SECONDARY_STRESS}I", 4
        if word in ("by", "By", "BY") and parent_tag(tag) == "ADV":
            return "bˈI", 4
        if word in ("to", "To") or (word == "TO" and tag in ("TO", "IN")):
            future_vowel = None if ctx is None else ctx.future_vowel
            return {None: self._gold_str("to"), False: "tə", True: "tʊ"}[future_vowel], 4
        if word in ("in", "In") or (word == "IN" and tag != "NNP"):
            mark = PRIMARY_STRESS if ctx is None or ctx.future_vowel is None or tag != "IN" else ""
            return mark + "ɪn", 4
        if word in ("the", "The") or (word == "THE" and tag == "DT"):
            return ("ði" if ctx is not None and ctx.future_vowel is True else "ðə"), 4
        if tag == "IN" and re.match(r"(?i)vs\.?$", word):
            return self.lookup("versus", None, None, ctx)
        if word in ("used", "Used", "USED"):
            if tag in ("VBD", "JJ") and ctx is not None and ctx.future_to:
                return self._gold_str("used", "VBD"), 4
            return self._gold_str("used"), 4
        return None, None

    def is_known(self, word: str, tag: str | None) -> bool:
        if word in self.golds or word in SYMBOLS or word in self.silvers:
            return True
        if not word.isalpha() or not all(ord(c) in LEXICON_ORDS for c in word):
            return False
        if len(word) == 1:
            return True
        if word == word.upper() and word.lower() in self.golds:
            return True
        return word[1:] == word[1:].upper()

    def lookup(self, word: str, tag: str | None, stress: float | None, ctx: Context | None) -> Lookup:
        is_nnp = None
        if word == word.upper() and word not in self.golds:
            word = word.lower()
            is_nnp = tag == "NNP"
        entry: Entry | None = self.golds.get(word)
        rating: int | None = 4
        if entry is None and not is_nnp:
            entry, rating = self.silvers.get(word), 3
        phonemes: str | None
        if isinstance(entry, dict):
            if ctx and ctx.future_vowel is None and "None" in entry:
                tag = "None"
            elif tag not in entry:
                tag = parent_tag(tag)
            phonemes = entry.get(tag, entry["DEFAULT"]) if tag is not None else entry["DEFAULT"]
        else:
            phonemes = entry
        if phonemes is None or (is_nnp and PRIMARY_STRESS not in phonemes):
            # Spelled out as given, without the requested stress (as misaki does).
            return self.get_nnp(word)
        return apply_stress(phonemes, stress), rating

    def _s(self, stem: str | None) -> str | None:
        # https://en.wiktionary.org/wiki/-s
        if not stem:
            return None
        if stem[-1] in "ptkfθ":
            return stem + "s"
        if stem[-1] in "szʃʒʧʤ":
            return stem + ("ɪ" if self.british else "ᵻ") + "z"
        return stem + "z"

    def stem_s(self, word: str, tag: str | None, stress: float | None, ctx: Context | None) -> Lookup:
        if len(word) < 3 or not word.endswith("s"):
            return None, None
        if not word.endswith("ss") and self.is_known(word[:-1], tag):
            stem = word[:-1]
        elif (
            word.endswith("'s") or (len(word) > 4 and word.endswith("es") and not word.endswith("ies"))
        ) and self.is_known(word[:-2], tag):
            stem = word[:-2]
        elif len(word) > 4 and word.endswith("ies") and self.is_known(word[:-3] + "y", tag):
            stem = word[:-3] + "y"
        else:
            return None, None
        phonemes, rating = self.lookup(stem, tag, stress, ctx)
        return self._s(phonemes), rating

    def _ed(self, stem: str | None) -> str | None:
        # https://en.wiktionary.org/wiki/-ed
        if not stem:
            return None
        if stem[-1] in "pkfθʃsʧ":
            return stem + "t"
        if stem[-1] == "d":
            return stem + ("ɪ" if self.british else "ᵻ") + "d"
        if stem[-1] != "t":
            return stem + "d"
        if self.british or len(stem) < 2:
            return stem + "ɪd"
        if stem[-2] in US_TAUS:
            return stem[:-1] + "ɾᵻd"
        return stem + "ᵻd"

    def stem_ed(self, word: str, tag: str | None, stress: float | None, ctx: Context | None) -> Lookup:
        if len(word) < 4 or not word.endswith("d"):
            return None, None
        if not word.endswith("dd") and self.is_known(word[:-1], tag):
            stem = word[:-1]
        elif (
            len(word) > 4
            and word.endswith("ed")
            and not word.endswith("eed")
            and self.is_known(word[:-2], tag)
        ):
            stem = word[:-2]
        else:
            return None, None
        phonemes, rating = self.lookup(stem, tag, stress, ctx)
        return self._ed(phonemes), rating

    def _ing(self, stem: str | None) -> str | None:
        # https://en.wiktionary.org/wiki/-ing
        if not stem:
            return None
        if self.british:
            if stem[-1] in "əː":
                return None
        elif len(stem) > 1 and stem[-1] == "t" and stem[-2] in US_TAUS:
            return stem[:-1] + "ɾɪŋ"
        return stem + "ɪŋ"

    def stem_ing(self, word: str, tag: str | None, stress: float | None, ctx: Context | None) -> Lookup:
        if len(word) < 5 or not word.endswith("ing"):
            return None, None
        if len(word) > 5 and self.is_known(word[:-3], tag):
            stem = word[:-3]
        elif self.is_known(word[:-3] + "e", tag):
            stem = word[:-3] + "e"
        elif (
            len(word) > 5
            and re.search(r"([bcdgklmnprstvxz])\1ing$|cking$", word)
            and self.is_known(word[:-4], tag)
        ):
            stem = word[:-4]
        else:
            return None, None
        phonemes, rating = self.lookup(stem, tag, stress, ctx)
        return self._ing(phonemes), rating

    def get_word(self, word: str, tag: str | None, stress: float | None, ctx: Context | None) -> Lookup:
        phonemes, rating = self.get_special_case(word, tag, stress, ctx)
        if phonemes is not None:
            return phonemes, rating
        lower = word.lower()
        stemmers: tuple[Callable[[str, str | None, float | None, Context | None], Lookup], ...] = (
            self.stem_s,
            self.stem_ed,
            self.stem_ing,
        )
        if (
            len(word) > 1
            and word.replace("'", "").isalpha()
            and word != word.lower()
            and (tag != "NNP" or len(word) > 7)
            and word not in self.golds
            and word not in self.silvers
            and (word == word.upper() or word[1:] == word[1:].lower())
            and (
                lower in self.golds
                or lower in self.silvers
                or any(stem(lower, tag, stress, ctx)[0] for stem in stemmers)
            )
        ):
            word = lower
        if self.is_known(word, tag):
            return self.lookup(word, tag, stress, ctx)
        if word.endswith("s'") and self.is_known(word[:-2] + "'s", tag):
            return self.lookup(word[:-2] + "'s", tag, stress, ctx)
        if word.endswith("'") and self.is_known(word[:-1], tag):
            return self.lookup(word[:-1], tag, stress, ctx)
        found, rating = self.stem_s(word, tag, stress, ctx)
        if found is not None:
            return found, rating
        found, rating = self.stem_ed(word, tag, stress, ctx)
        if found is not None:
            return found, rating
        found, rating = self.stem_ing(word, tag, 0.5 if stress is None else stress, ctx)
        if found is not None:
            return found, rating
        return None, None

    @staticmethod
    def is_currency(word: str) -> bool:
        if "." not in word:
            return True
        if word.count(".") > 1:
            return False
        cents = word.split(".")[1]
        # misaki compares with {0} (an int), which never matches a set of characters.
        return len(cents) < 3

    def get_number(self, word: str, currency: str | None, is_head: bool | None, num_flags: str) -> Lookup:
        match = re.search(r"[a-z']+$", word)
        suffix = match.group() if match else None
        word = word[: -len(suffix)] if suffix else word
        result: list[Lookup] = []
        if word.startswith("-"):
            result.append(self.lookup("minus", None, None, None))
            word = word[1:]

        def extend_num(num: str, first: bool = True, escape: bool = False) -> None:
            splits = re.split(r"[^a-z]+", num if escape else num2words(int(num)))
            for i, part in enumerate(splits):
                if part != "and" or "&" in num_flags:
                    if first and i == 0 and len(splits) > 1 and part == "one" and "a" in num_flags:
                        result.append(("ə", 4))
                    else:
                        result.append(self.lookup(part, None, -2 if part == "point" else None, None))
                elif part == "and" and "n" in num_flags and result:
                    previous, previous_rating = result[-1]
                    result[-1] = ((previous or "") + "ən", previous_rating)

        if is_digit(word) and suffix in ORDINALS:
            extend_num(num2words(int(word), to="ordinal"), escape=True)
        elif not result and len(word) == 4 and currency not in CURRENCIES and is_digit(word):
            extend_num(num2words(int(word), to="year"), escape=True)
        elif not is_head and "." not in word:
            num = word.replace(",", "")
            if num[0] == "0" or len(num) > 3:
                for digit in num:
                    extend_num(digit, first=False)
            elif len(num) == 3 and not num.endswith("00"):
                extend_num(num[0])
                if num[1] == "0":
                    result.append(self.lookup("O", None, -2, None))
                    extend_num(num[2], first=False)
                else:
                    extend_num(num[1:], first=False)
            else:
                extend_num(num)
        elif word.count(".") > 1 or not is_head:
            first = True
            for num in word.replace(",", "").split("."):
                if not num:
                    pass
                elif num[0] == "0" or (len(num) != 2 and any(n != "0" for n in num[1:])):
                    for digit in num:
                        extend_num(digit, first=False)
                else:
                    extend_num(num, first=first)
                first = False
        elif currency in CURRENCIES and Lexicon.is_currency(word):
            units = CURRENCIES[currency]
            pairs = [
                (int(num) if num else 0, unit)
                for num, unit in zip(word.replace(",", "").split("."), units, strict=False)
            ]
            if len(pairs) > 1:
                if pairs[1][0] == 0:
                    pairs = pairs[:1]
                elif pairs[0][0] == 0:
                    pairs = pairs[1:]
            for i, (amount, unit) in enumerate(pairs):
                if i > 0:
                    result.append(self.lookup("and", None, None, None))
                extend_num(str(amount), first=i == 0)
                if abs(amount) != 1 and unit != "pence":
                    result.append(self.stem_s(unit + "s", None, None, None))
                else:
                    result.append(self.lookup(unit, None, None, None))
        else:
            if is_digit(word):
                word = num2words(int(word), to="cardinal")
            elif "." not in word:
                word = num2words(
                    int(word.replace(",", "")), to="ordinal" if suffix in ORDINALS else "cardinal"
                )
            else:
                word = word.replace(",", "")
                if word[0] == ".":
                    word = "point " + " ".join(num2words(int(n)) for n in word[1:])
                else:
                    word = num2words(float(word))
            extend_num(word, escape=True)
        if not result:
            log.debug("cannot read a number of %d characters", len(word))
            return None, None
        phonemes = " ".join(p or "" for p, _ in result)
        rating = min((r for _, r in result if r is not None), default=None)
        if suffix in ("s", "'s"):
            return self._s(phonemes), rating
        if suffix in ("ed", "'d"):
            return self._ed(phonemes), rating
        if suffix == "ing":
            return self._ing(phonemes), rating
        return phonemes, rating

    def append_currency(self, phonemes: str, currency: str | None) -> str:
        if not currency:
            return phonemes
        units = CURRENCIES.get(currency)
        name = self.stem_s(units[0] + "s", None, None, None)[0] if units else None
        return f"{phonemes} {name}" if name else phonemes

    @staticmethod
    def numeric_if_needed(c: str) -> str:
        """Other digit scripts ("٣", "³") to ASCII digits."""
        if not c.isdigit():
            return c
        n = unicodedata.numeric(c)
        return str(int(n)) if n == int(n) else c

    @staticmethod
    def is_number(word: str, is_head: bool | None) -> bool:
        if all(not is_digit(c) for c in word):
            return False
        for suffix in ("ing", "'d", "ed", "'s", *ORDINALS, "s"):
            if word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        return all(is_digit(c) or c in ",." or (is_head and i == 0 and c == "-") for i, c in enumerate(word))

    def __call__(self, tk: Token, ctx: Context | None) -> Lookup:
        word = (
            (tk.text if tk.hints.alias is None else tk.hints.alias)
            .replace(chr(8216), "'")
            .replace(chr(8217), "'")
        )
        word = unicodedata.normalize("NFKC", word)
        word = "".join(Lexicon.numeric_if_needed(c) for c in word)
        stress = None if word == word.lower() else self.cap_stresses[int(word == word.upper())]
        phonemes, rating = self.get_word(word, tk.tag, stress, ctx)
        if phonemes is not None:
            return apply_stress(self.append_currency(phonemes, tk.hints.currency), tk.hints.stress), rating
        if Lexicon.is_number(word, tk.hints.is_head):
            phonemes, rating = self.get_number(word, tk.hints.currency, tk.hints.is_head, tk.hints.num_flags)
            return (None if phonemes is None else apply_stress(phonemes, tk.hints.stress)), rating
        return None, None
