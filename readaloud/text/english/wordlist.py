"""English words misaki can pronounce from its dictionary, loaded once and only when asked for.

Used to decide whether "exam-\\nple" was hyphenated by a line break, and whether an all-caps part of
an identifier is a word ("MAX") or an initialism ("HTTP"). misaki ships the dictionary; reading it
takes ~0.1 s.
"""

from __future__ import annotations

import functools
import json
import logging
from importlib import resources

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-cased headwords of misaki's US gold dictionary (~90,000 words), or empty if missing.

    The gold dictionary alone is enough to tell words from initialisms and syllable breaks from
    compounds, at half the memory of adding the silver one (about 10 MB, kept for the process).
    """
    try:
        raw = (resources.files("misaki") / "data" / "us_gold.json").read_text(encoding="utf-8")
        return frozenset(key.lower() for key in json.loads(raw))
    except (ModuleNotFoundError, FileNotFoundError, OSError, ValueError) as error:
        logger.debug("misaki dictionary unavailable: %s", error)
        return frozenset()
