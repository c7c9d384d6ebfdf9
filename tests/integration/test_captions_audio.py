"""``say --output --captions`` on the real model, checked against the audio itself: Whisper's word
timestamps on the written file say when each word is heard, and the captions must agree."""

from __future__ import annotations

import difflib
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
import webvtt

from tests.speech_check import transcribe_words, words

pytestmark = pytest.mark.model

PARAGRAPHS = """\
The old ferry left the harbour at seven, and the passengers crowded onto the upper deck to watch \
the town grow small behind them. A child pointed at the gulls; her father told her they followed \
every boat, hoping for bread.

Halfway across, the wind turned cold. Most people went inside, where a man sold tea for $2 a cup \
and the windows were misted with breath. "We will be late," someone said, but nobody minded.

When the island finally appeared, it looked smaller than the maps had promised: a green hill, \
a white church, and a row of houses painted yellow, blue and red along the quay.
"""


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_caption_cues_start_when_whisper_hears_the_words(tmp_path: Path) -> None:
    wav, vtt = tmp_path / "talk.wav", tmp_path / "talk.vtt"
    result = subprocess.run(
        [sys.executable, "-m", "readaloud", "say", "--voice", "af_heart", "--speed", "1.0",
         "--output", str(wav), "--captions", str(vtt), PARAGRAPHS],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr
    # Each cue's words (a cue shows the original text: "$2" is heard as "two dollars").
    cues: list[tuple[str, float]] = []
    for caption in webvtt.read(str(vtt)).captions:
        cues.extend((word, _seconds(caption.start)) for word in words(caption.text))
    heard: list[tuple[str, float]] = []
    for text, start, _end in transcribe_words(wav):
        heard.extend((word, start) for word in words(text))
    expected = words(PARAGRAPHS)
    assert cues, "no cues"
    matcher = difflib.SequenceMatcher(a=[w for w, _ in cues], b=[w for w, _ in heard], autojunk=False)
    differences = [
        abs(cues[block.a + i][1] - heard[block.b + i][1])
        for block in matcher.get_matching_blocks()
        for i in range(block.size)
    ]
    matched = len(differences) / len(expected)
    median = statistics.median(differences)
    print(f"{len(differences)} of {len(expected)} words matched ({matched:.0%}); "
          f"median |start difference| {median:.3f} s, 90th percentile "
          f"{statistics.quantiles(differences, n=10)[-1]:.3f} s")
    assert matched >= 0.9
    assert median <= 0.12
