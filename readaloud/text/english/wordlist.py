"""English words the G2P can pronounce from its dictionary, loaded once and only when asked for.

Used to decide whether "exam-\\nple" was hyphenated by a line break, and whether an all-caps part of
an identifier is a word ("MAX") or an initialism ("HTTP"). The dictionary is misaki's
(:mod:`readaloud.text.english.dictionaries`, which the G2P reads too); reading it takes ~0.1 s.
"""

from __future__ import annotations

import functools

from readaloud.text.english import dictionaries


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-cased headwords of misaki's US gold dictionary (~90,000 words).

    The gold dictionary alone is enough to tell words from initialisms and syllable breaks from
    compounds, at half the memory of adding the silver one (about 10 MB, kept for the process).
    """
    return frozenset(key.lower() for key in dictionaries.load("us", "gold"))
