"""Short sentences made in one call of the real model, then cut apart again (``synthesize_joined``):
a busy machine pays Kokoro's fixed cost once for "Stop. Listen.", and the listener must not hear
the difference."""

from __future__ import annotations

import time

import numpy as np
import pytest

from readaloud.speech.schedule import SynthesisCost
from readaloud.speech.spans import synthesize_joined
from readaloud.speech.trim import THRESHOLD
from tests.speech_check import heard_words, word_error_rate, words

pytestmark = pytest.mark.model

VOICE = "af_heart"
RATE = 24_000
TEXT = '"Stop." Listen. Can you hear the rain on the roof?'
PAUSE = 0.25


def test_sentences_made_in_one_call_are_cut_apart_in_the_silence_between_them(synthesizer) -> None:
    run = [synthesizer.phonemize(sentence, VOICE) for sentence in synthesizer.sentences(TEXT)]
    assert len(run) == 3
    spans = synthesize_joined(synthesizer, run, VOICE, 1.0, SynthesisCost(), time.monotonic)
    assert spans is not None and len(spans) == 3
    # Each piece has its own sentence's words, placed where they stand in the text ...
    placed = [[TEXT[timing.text_start:timing.text_end] for timing in span.words] for span in spans]
    assert [words(" ".join(texts)) for texts in placed] == [
        ["stop"], ["listen"], ["can", "you", "hear", "the", "rain", "on", "the", "roof"]]
    # ... and starts and ends in silence: the cut fell in the pause, not inside a word.
    edge = round(0.01 * RATE)
    for span in spans:
        assert np.abs(span.audio[:edge]).max() < 2 * THRESHOLD
        assert np.abs(span.audio[-edge:]).max() < 2 * THRESHOLD
    # Played as readaloud plays them, with its pause between, each word is heard in its own piece.
    silence = np.zeros(round(PAUSE * RATE), dtype=np.float32)
    played = np.concatenate([part for span in spans for part in (span.audio, silence)])
    heard = heard_words(played, RATE)
    assert word_error_rate(TEXT, " ".join(text for text, _, _ in heard)) == 0.0, heard
    bounds = np.cumsum([0] + [len(span.audio) + len(silence) for span in spans]) / RATE
    piece_of = [int(np.searchsorted(bounds, (start + end) / 2)) - 1 for _, start, end in heard]
    assert piece_of == [0, 1] + [2] * 8, heard
