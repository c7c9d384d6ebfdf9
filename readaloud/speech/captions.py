"""Word-level captions (WebVTT or SubRip) from word timings: one cue per word heard, showing the
user's own text for it (so "$5" is shown as written while "five dollars" is heard)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from readaloud.errors import UsageError
from readaloud.speech.types import WordTiming

CAPTION_FORMATS = {".vtt": "vtt", ".srt": "srt"}


def caption_format(path: Path) -> str:
    """``vtt`` or ``srt`` from ``path``'s extension; a :class:`UsageError` for anything else."""
    fmt = CAPTION_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"cannot write captions to {path.name}: use a .vtt or .srt file name")
    return fmt


def captions(text: str, timings: Sequence[WordTiming], sample_rate: int, fmt: str) -> str:
    """The cues for ``timings`` (samples at ``sample_rate``; offsets into ``text``) as ``fmt``."""
    cues = _cues(text, timings, sample_rate)
    if fmt == "vtt":
        blocks = ["WEBVTT"] + [
            f"{_stamp(start, '.')} --> {_stamp(end, '.')}\n{html.escape(words, quote=False)}"
            for start, end, words in cues
        ]
    elif fmt == "srt":
        blocks = [
            f"{number}\n{_stamp(start, ',')} --> {_stamp(end, ',')}\n{words}"
            for number, (start, end, words) in enumerate(cues, start=1)
        ]
    else:
        raise ValueError(f"unknown caption format {fmt!r}")
    return "\n\n".join(blocks) + "\n"


def _cues(text: str, timings: Sequence[WordTiming], sample_rate: int) -> list[tuple[int, int, str]]:
    """(start ms, end ms, shown text) per placed word, each ending before the next one starts."""
    words = []
    for timing in timings:
        if timing.text_start is None or timing.text_end is None:
            continue
        shown = re.sub(r"\s+", " ", text[timing.text_start:timing.text_end]).strip()
        if shown:
            words.append((round(timing.start * 1000 / sample_rate), round(timing.end * 1000 / sample_rate),
                          shown))
    cues = []
    for index, (start, end, shown) in enumerate(words):
        if index + 1 < len(words):
            end = min(end, words[index + 1][0])
        cues.append((start, max(end, start + 1), shown))
    return cues


def _stamp(milliseconds: int, decimal: str) -> str:
    seconds, ms = divmod(milliseconds, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal}{ms:03d}"
