"""How a text is to be read: :class:`NormalizeOptions` and the modes each of its fields accepts.

The config's ``[text]`` section offers exactly these modes (``readaloud.config`` imports them), so a
mode is added here once and is then valid everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

URL_MODES = ("domain", "full", "skip")
CODE_BLOCK_MODES = ("announce", "read", "skip")
EMOJI_MODES = ("skip", "name")


@dataclass(frozen=True)
class NormalizeOptions:
    """How to read the parts of a text that have more than one sensible spoken form.

    ``language`` is "en" (also "en-us"/"en-gb", "a"/"b") or another Kokoro language ("es", "fr-fr",
    "hi", "it", "ja", "pt-br", "cmn" or their one-letter voice prefixes): for those only cleanup,
    markup and script filtering apply. "en-gb"/"b" reads numbers the British way ("one hundred and
    five").
    """

    urls: str = "domain"
    code_blocks: str = "announce"
    emoji: str = "skip"
    language: str = "en"

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("urls", self.urls, URL_MODES),
            ("code_blocks", self.code_blocks, CODE_BLOCK_MODES),
            ("emoji", self.emoji, EMOJI_MODES),
        ):
            if value not in allowed:
                raise ValueError(f"NormalizeOptions.{name}: {value!r} is not one of {', '.join(allowed)}")
