"""End to end: tricky written text is spoken by the real model the way a person would read it.

Each set of sentences is spoken with ``readaloud say --output`` (the real Kokoro-82M model), the audio is
transcribed with Whisper, and both the expected and the heard text are put through the same normalizer
so that "9:30" and "nine thirty" compare equal. The test checks that the expected words are heard and
that no symbol names leak ("slash", "asterisk", "underscore", "hashtag", ...).

``HELD_OUT`` was written without listening to or tuning on it; its score is reported separately.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from readaloud.text.normalize import normalize
from tests.speech_check import transcribe, words

pytestmark = pytest.mark.model

TUNED = [
    "Dr. Smith paid $5.99 for 2 books on 2024-01-15 at 9:30 a.m.",
    "Visit https://docs.python.org/3/library/os.html for the details.",
    "Open README.md and call parse_config_file before MAX_RETRIES runs out.",
    "Press Ctrl+C to stop the server, or Alt+F4 to close the window.",
    "## Results\n\n- Revenue grew 12.5% to $4.2 billion.\n- The team shipped **three** releases.",
    "The CPU runs at 3.5 GHz, and NASA bought 1,200 of them in 1999.",
    "Chapter IV tells how Henry VIII met the FBI agent, e.g. in Rome.",
    "It was -5°C outside, so we walked 10 km to the café & back.",
    "Edit the JSON file → save it → restart the daemon #1.",
]

HELD_OUT = [
    "Mrs. Lee will arrive on March 3rd at 6:45 p.m. with 15 kg of luggage.",
    "Send the report to team.lead@example.org by Friday.",
    "Our new laptop has 32 GB of memory and a 1 TB disk.",
    "### Next steps\n\n1. Install version 2.4.1\n2. Run the `setup_wizard` command",
    "The tickets cost €45 each, about 20% more than in 2019.",
    "Use Shift+Tab to go back to the previous field.",
    "The museum is open 24/7 and sits on Elm St. near the station.",
]

# Symbol names a listener must never hear for ordinary text, and characters Whisper writes when it hears them.
LEAKS = ("slash", "asterisk", "underscore", "hashtag", "backtick", "backslash", "ampersand", "tilde",
         "caret", "pipe", "bracket", "star star", "dollar sign", "percent sign", "at sign", "dot com")
LEAK_CHARACTERS = re.compile(r"[/\\*_#`|~^<>=]")


def _canonical(text: str) -> list[str]:
    return words(normalize(text).text)


def _speak_and_transcribe(sentences: list[str], tmp_path: Path) -> str:
    output = tmp_path / "speech.wav"
    text = "\n\n".join(sentences)
    result = subprocess.run(
        [sys.executable, "-m", "readaloud", "say", "--voice", "af_heart", "--output", str(output), text],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr
    return transcribe(output)


def _recall(expected: list[str], heard: list[str]) -> float:
    """Share of the expected words (three letters or more) that were heard, counted with multiplicity."""
    wanted = Counter(w for w in expected if len(w) >= 3)
    got = Counter(heard)
    found = sum(min(count, got[word]) for word, count in wanted.items())
    return found / max(1, sum(wanted.values()))


def _check(sentences: list[str], tmp_path: Path, label: str) -> tuple[float, list[str]]:
    transcript = _speak_and_transcribe(sentences, tmp_path)
    expected = [w for s in sentences for w in _canonical(s)]
    heard = _canonical(transcript)
    recall = _recall(expected, heard)
    raw = transcript.lower()
    leaks = [name for name in LEAKS if re.search(rf"\b{name}\b", raw)]
    leaks += sorted(set(LEAK_CHARACTERS.findall(transcript)))
    print(f"\n{label}: expected-word recall {recall:.1%}; leaks {leaks or 'none'}\n  heard: {transcript}")
    return recall, leaks


def test_tricky_sentences_are_read_as_words(tmp_path: Path) -> None:
    recall, leaks = _check(TUNED, tmp_path, "tuned sentences")
    assert not leaks
    assert recall >= 0.85


def test_held_out_sentences_are_read_as_words(tmp_path: Path) -> None:
    recall, leaks = _check(HELD_OUT, tmp_path, "held-out sentences")
    assert not leaks
    assert recall >= 0.8
