"""English words misaki can pronounce from its dictionary, loaded once and only when asked for.

Used to decide whether "exam-\\nple" was hyphenated by a line break, and whether an all-caps token is
a word (NASA) or an initialism (FBI). misaki ships these dictionaries; reading them takes ~50 ms.
"""

from __future__ import annotations

import functools
import json
import logging
from importlib import resources

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Headwords of misaki's US gold and silver dictionaries (case preserved), or empty if missing."""
    words: set[str] = set()
    for name in ("us_gold.json", "us_silver.json"):
        try:
            data = json.loads((resources.files("misaki") / "data" / name).read_text(encoding="utf-8"))
        except (ModuleNotFoundError, FileNotFoundError, ValueError) as error:
            logger.debug("misaki dictionary %s unavailable: %s", name, error)
            continue
        words.update(data)
    return frozenset(words)


def is_word(word: str) -> bool:
    """Whether ``word`` (any case) is a dictionary word."""
    words = english_words()
    return word in words or word.lower() in words
