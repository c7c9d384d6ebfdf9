"""Markdown and HTML structure → sentences and breaks (first version: pass-through)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from readaloud.text.mapped import MappedText
from readaloud.text.protect import Protector

if TYPE_CHECKING:
    from readaloud.text.normalize import NormalizeOptions


def convert(src: MappedText, options: NormalizeOptions, protector: Protector) -> MappedText:
    """Turn markup into plain sentences."""
    return src
