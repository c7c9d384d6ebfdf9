"""misaki's English pronouncing dictionaries, shipped in ``data/`` (Apache-2.0, see data/NOTICE).

The G2P (:mod:`readaloud.speech.english`) reads them for pronunciations and the normalizer
(:mod:`readaloud.text.english.wordlist`) for which words exist, so they live here, below both.

``gold`` holds ~90,000 hand-checked words, ``silver`` ~100,000 more of lower confidence. Values are
Kokoro phonemes, or for heteronyms a mapping from a spaCy tag family ("VERB", "NOUN", "DEFAULT", ...)
to phonemes.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Literal

Entry = str | dict[str, str | None]
Accent = Literal["us", "gb"]
Grade = Literal["gold", "silver"]


def load(accent: Accent, grade: Grade) -> dict[str, Entry]:
    """One dictionary as shipped (reading ``us`` gold takes ~0.1 s and ~20 MB)."""
    raw = (resources.files("readaloud.text.english") / "data" / f"{accent}_{grade}.json").read_text(
        encoding="utf-8"
    )
    entries: dict[str, Entry] = json.loads(raw)
    return entries
