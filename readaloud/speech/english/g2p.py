"""English text to Kokoro phonemes: spaCy tags the words, the lexicon reads them, espeak-ng the rest.

A port of misaki 0.9.4's ``en.G2P`` (see this package's docstring): same tokenization, same rules,
same output. Takes a loaded spaCy pipeline instead of loading ``en_core_web_sm`` itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from readaloud.speech.english.lexicon import CURRENCIES, Lexicon, is_digit
from readaloud.speech.english.stress import (
    CONSONANTS,
    PRIMARY_STRESS,
    VOWELS,
    apply_stress,
    stress_weight,
)
from readaloud.speech.english.tokens import Context, Hints, Token, merge_tokens, subtokenize

# Inline overrides: "[Kokoro](/kəkˈɔɹO/)" (phonemes), "[word](-1)" (stress), "[12](#a#)" (number flags).
LINK = re.compile(r"\[([^\]]+)\]\(([^\)]*)\)")
SUBTOKEN_JUNKS = frozenset("',-._‘’/")
PUNCTS = frozenset(';:,.!?—…"“”')
NON_QUOTE_PUNCTS = frozenset(p for p in PUNCTS if p not in '"“”')
# https://github.com/explosion/spaCy/blob/master/spacy/glossary.py
PUNCT_TAGS = frozenset([".", ",", "-LRB-", "-RRB-", "``", '""', "''", ":", "$", "#", "NFP"])
PUNCT_TAG_PHONEMES = {"-LRB-": "(", "-RRB-": ")", "``": chr(8220), '""': chr(8221), "''": chr(8221)}

Feature = int | float | str
Fallback = Callable[[str], tuple[str | None, int | None]]
Word = Token | list[Token]


def preprocess(text: str) -> tuple[str, list[str], dict[int, Feature]]:
    """Strip the override links; return the plain text, its words and each overridden word's feature."""
    result = ""
    words: list[str] = []
    features: dict[int, Feature] = {}
    last_end = 0
    text = text.lstrip()
    for match in LINK.finditer(text):
        result += text[last_end : match.start()]
        words.extend(text[last_end : match.start()].split())
        value = match.group(2)
        feature: Feature | None
        if is_digit(value[1 if value[:1] in ("-", "+") else 0 :]):
            feature = int(value)
        elif value in ("0.5", "+0.5"):
            feature = 0.5
        elif value == "-0.5":
            feature = -0.5
        elif len(value) > 1 and value[0] == "/" and value[-1] == "/":
            feature = value[0] + value[1:].rstrip("/")
        elif len(value) > 1 and value[0] == "#" and value[-1] == "#":
            feature = value[0] + value[1:].rstrip("#")
        else:
            feature = None
        if feature is not None:
            features[len(words)] = feature
        result += match.group(1)
        words.append(match.group(1))
        last_end = match.end()
    if last_end < len(text):
        result += text[last_end:]
        words.extend(text[last_end:].split())
    return result, words, features


class EnglishG2P:
    """misaki's English G2P on a given spaCy pipeline; ``unknown`` marks words nothing could read."""

    def __init__(
        self, nlp: Any, *, british: bool, fallback: Fallback | None = None, unknown: str = ""
    ) -> None:
        self.nlp = nlp
        self.british = british
        self.lexicon = Lexicon(british)
        self.fallback = fallback
        self.unknown = unknown

    def __call__(self, text: str) -> tuple[str, list[Token]]:
        plain, words, features = preprocess(text)
        tokens = self._fold_left(self._tokenize(plain, words, features))
        grouped = self._retokenize(tokens)
        ctx = Context()
        for w in reversed(grouped):
            if isinstance(w, list):
                ctx = self._read_compound(w, ctx)
                continue
            if w.phonemes is None:
                w.phonemes, w.hints.rating = self.lexicon(replace(w, hints=w.hints), ctx)
            if w.phonemes is None and self.fallback is not None:
                w.phonemes, w.hints.rating = self.fallback(w.text)
            ctx = _token_context(ctx, w.phonemes, w)
        merged = [merge_tokens(w, unknown=self.unknown) if isinstance(w, list) else w for w in grouped]
        for tk in merged:
            if tk.phonemes:
                # Kokoro v1.0 writes flaps and glottal stops as T and t.
                tk.phonemes = tk.phonemes.replace("ɾ", "T").replace("ʔ", "t")
        phonemes = "".join(
            (self.unknown if tk.phonemes is None else tk.phonemes) + tk.whitespace for tk in merged
        )
        return phonemes, merged

    def _read_compound(self, w: list[Token], ctx: Context) -> Context:
        """Read the longest known runs of a word spaCy or the subtokenizer split ("well-known")."""
        left, right = 0, len(w)
        should_fallback = False
        while left < right:
            if any(tk.hints.alias is not None or tk.phonemes is not None for tk in w[left:right]):
                merged = None
            else:
                merged = merge_tokens(w[left:right])
            ps, rating = (None, None) if merged is None else self.lexicon(merged, ctx)
            if ps is not None and merged is not None:
                w[left].phonemes = ps
                w[left].hints.rating = rating
                for x in w[left + 1 : right]:
                    x.phonemes = ""
                    x.hints.rating = rating
                ctx = _token_context(ctx, ps, merged)
                right = left
                left = 0
            elif left + 1 < right:
                left += 1
            else:
                right -= 1
                tk = w[right]
                if tk.phonemes is None:
                    if all(c in SUBTOKEN_JUNKS for c in tk.text):
                        tk.phonemes = ""
                        tk.hints.rating = 3
                    elif self.fallback is not None:
                        should_fallback = True
                        break
                left = 0
        if should_fallback and self.fallback is not None:
            whole = merge_tokens(w)
            w[0].phonemes, w[0].hints.rating = self.fallback(whole.text)
            for tk in w[1:]:
                tk.phonemes = ""
                tk.hints.rating = w[0].hints.rating
        else:
            _resolve_tokens(w)
        return ctx

    def _tokenize(self, text: str, words: list[str], features: dict[int, Feature]) -> list[Token]:
        doc = self.nlp(text)
        tokens = [
            Token(
                text=tk.text,
                tag=tk.tag_,
                whitespace=tk.whitespace_,
                hints=Hints(is_head=True, prespace=False),
            )
            for tk in doc
        ]
        if not features:
            return tokens
        from spacy.training import Alignment

        alignment = Alignment.from_strings(words, [tk.text for tk in tokens])
        word_of_token = list(alignment.y2x.data)
        for k, value in features.items():
            for i, j in enumerate(index for index, word in enumerate(word_of_token) if word == k):
                if j >= len(tokens):
                    continue
                if not isinstance(value, str):
                    tokens[j].hints.stress = value
                elif value.startswith("/"):
                    tokens[j].hints.is_head = i == 0
                    tokens[j].phonemes = value.lstrip("/") if i == 0 else ""
                    tokens[j].hints.rating = 5
                elif value.startswith("#"):
                    tokens[j].hints.num_flags = value.lstrip("#")
        return tokens

    def _fold_left(self, tokens: list[Token]) -> list[Token]:
        """Glue tokens that are not heads ("don" + "'t" under one override) to the one before."""
        result: list[Token] = []
        for tk in tokens:
            result.append(
                merge_tokens([result.pop(), tk], unknown=self.unknown)
                if result and not tk.hints.is_head
                else tk
            )
        return result

    @staticmethod
    def _retokenize(tokens: list[Token]) -> list[Word]:
        """Split tokens into subtokens, read punctuation and currency, group the parts of each word."""
        words: list[Word] = []
        currency: str | None = None
        for i, token in enumerate(tokens):
            if token.hints.alias is None and token.phonemes is None:
                parts = [
                    replace(
                        token,
                        text=text,
                        whitespace="",
                        hints=Hints(
                            is_head=True,
                            num_flags=token.hints.num_flags,
                            stress=token.hints.stress,
                            prespace=False,
                        ),
                    )
                    for text in subtokenize(token.text)
                ]
            else:
                parts = [token]
            parts[-1].whitespace = token.whitespace
            for j, tk in enumerate(parts):
                if tk.hints.alias is not None or tk.phonemes is not None:
                    pass
                elif tk.tag == "$" and tk.text in CURRENCIES:
                    currency = tk.text
                    tk.phonemes = ""
                    tk.hints.rating = 4
                elif tk.tag == ":" and tk.text in ("-", "–"):
                    tk.phonemes = "—"
                    tk.hints.rating = 3
                elif tk.tag in PUNCT_TAGS and not all(97 <= ord(c.lower()) <= 122 for c in tk.text):
                    tk.phonemes = PUNCT_TAG_PHONEMES.get(tk.tag, "".join(c for c in tk.text if c in PUNCTS))
                    tk.hints.rating = 4
                elif currency is not None:
                    if tk.tag != "CD":
                        currency = None
                    elif j + 1 == len(parts) and (i + 1 == len(tokens) or tokens[i + 1].tag != "CD"):
                        tk.hints.currency = currency
                elif (
                    0 < j < len(parts) - 1
                    and tk.text == "2"
                    and (parts[j - 1].text[-1] + parts[j + 1].text[0]).isalpha()
                ):
                    tk.hints.alias = "to"
                if tk.hints.alias is not None or tk.phonemes is not None:
                    words.append(tk)
                elif words and isinstance(words[-1], list) and not words[-1][-1].whitespace:
                    tk.hints.is_head = False
                    words[-1].append(tk)
                else:
                    words.append(tk if tk.whitespace else [tk])
        return [w[0] if isinstance(w, list) and len(w) == 1 else w for w in words]


def _token_context(ctx: Context, phonemes: str | None, token: Token) -> Context:
    """The context for the word to the left of ``token``."""
    vowel = ctx.future_vowel
    if phonemes:
        vowel = next(
            (
                None if c in NON_QUOTE_PUNCTS else (c in VOWELS)
                for c in phonemes
                if any(c in s for s in (VOWELS, CONSONANTS, NON_QUOTE_PUNCTS))
            ),
            vowel,
        )
    future_to = token.text in ("to", "To") or (token.text == "TO" and token.tag in ("TO", "IN"))
    return Context(future_vowel=vowel, future_to=future_to)


def _resolve_tokens(tokens: list[Token]) -> None:
    """Spacing and stress between the parts of one written word ("e-mail", "R2-D2")."""
    text = "".join(tk.text + tk.whitespace for tk in tokens[:-1]) + tokens[-1].text
    prespace = (
        " " in text
        or "/" in text
        or len({0 if c.isalpha() else (1 if is_digit(c) else 2) for c in text if c not in SUBTOKEN_JUNKS}) > 1
    )
    for i, tk in enumerate(tokens):
        if tk.phonemes is None:
            if i == len(tokens) - 1 and tk.text in NON_QUOTE_PUNCTS:
                tk.phonemes = tk.text
                tk.hints.rating = 3
            elif all(c in SUBTOKEN_JUNKS for c in tk.text):
                tk.phonemes = ""
                tk.hints.rating = 3
        elif i > 0:
            tk.hints.prespace = prespace
    if prespace:
        return
    indices = [
        (PRIMARY_STRESS in tk.phonemes, stress_weight(tk.phonemes), i)
        for i, tk in enumerate(tokens)
        if tk.phonemes
    ]
    if len(indices) == 2 and len(tokens[indices[0][2]].text) == 1:
        i = indices[1][2]
        tokens[i].phonemes = apply_stress(tokens[i].phonemes or "", -0.5)
        return
    if len(indices) < 2 or sum(has_primary for has_primary, _, _ in indices) <= (len(indices) + 1) // 2:
        return
    for _, _, i in sorted(indices)[: len(indices) // 2]:
        tokens[i].phonemes = apply_stress(tokens[i].phonemes or "", -0.5)
