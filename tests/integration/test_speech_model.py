"""Real Kokoro-82M speech, checked by ear: transcribed with Whisper and scored by word error rate."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from readaloud.speech.engine import MAX_PHONEME_TOKENS
from readaloud.speech.phonemes import token_ids
from readaloud.speech.types import Sentence
from readaloud.speech.voices import VOICES
from tests.speech_check import transcribe, word_error_rate, words

pytestmark = pytest.mark.model

DATA = Path(__file__).parent.parent / "data"

SENTENCES = [
    "Please remember to water the plants while I am away this weekend.",
    "The train to the coast leaves from platform seven every morning.",
    "She opened the window and listened to the rain falling on the garden.",
    "Our team finished the project two days before the deadline.",
]

# Native sentences for every language prefix, to prove each voice family loads and speaks.
NATIVE = {
    "e": "Hola, ¿cómo estás hoy?",
    "f": "Bonjour, comment allez-vous aujourd'hui ?",
    "h": "नमस्ते, आप कैसे हैं?",
    "i": "Ciao, come stai oggi?",
    "j": "こんにちは、お元気ですか。",
    "p": "Olá, como você está hoje?",
    "z": "你好，今天过得怎么样？",
}


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio)))) if len(audio) else 0.0


def test_sentences_are_intelligible(synthesizer):
    audio = synthesizer.synthesize_text(" ".join(SENTENCES), "af_heart", 1.0)
    hypothesis = transcribe(audio)
    assert word_error_rate(" ".join(SENTENCES), hypothesis) < 0.15, hypothesis


def test_british_voice_is_intelligible(synthesizer):
    audio = synthesizer.synthesize_text(SENTENCES[1], "bf_emma", 1.0)
    assert word_error_rate(SENTENCES[1], transcribe(audio)) < 0.15


def test_held_out_prose_via_cli_meets_wer_target(tmp_path):
    """The done-when of the speech core: `readaloud say --output` on prose we never tuned on."""
    text = (DATA / "heldout_prose.txt").read_text()
    output = tmp_path / "prose.wav"
    result = subprocess.run(
        [sys.executable, "-m", "readaloud", "say", "--voice", "af_heart", "--output", str(output), text],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert output.stat().st_size > 100_000
    wer = word_error_rate(text, transcribe(output))
    print(f"held-out prose WER {wer:.3f}")
    assert wer <= 0.10


def test_duration_scales_with_text_and_speed(synthesizer):
    one = len(synthesizer.synthesize_text(SENTENCES[0], "af_heart", 1.0))
    two = len(synthesizer.synthesize_text(" ".join(SENTENCES[:2]), "af_heart", 1.0))
    fast = len(synthesizer.synthesize_text(SENTENCES[0], "af_heart", 2.0))
    slow = len(synthesizer.synthesize_text(SENTENCES[0], "af_heart", 0.5))
    assert 1.6 < two / one < 2.6
    assert 0.4 < fast / one < 0.65
    assert 1.6 < slow / one < 2.4


@pytest.mark.parametrize("voice", [v for v in VOICES if VOICES[v].is_english])
def test_every_english_voice_speaks(synthesizer, voice):
    audio = synthesizer.synthesize_text("Good morning, this is a test.", voice, 1.0)
    assert 0.8 < len(audio) / synthesizer.sample_rate < 5
    assert _rms(audio) > 0.01


@pytest.mark.parametrize("prefix", sorted(NATIVE))
def test_every_language_prefix_loads_and_speaks(synthesizer, prefix):
    voice = next(name for name in VOICES if name.startswith(prefix))
    audio = synthesizer.synthesize_text(NATIVE[prefix], voice, 1.0)
    assert len(audio) / synthesizer.sample_rate > 0.5
    assert _rms(audio) > 0.01


def _thousand_words() -> str:
    subjects = ["The old farmer", "A young doctor", "My neighbour", "The teacher", "Our captain"]
    verbs = ["carried", "painted", "repaired", "described", "delivered"]
    objects = ["a wooden chair", "the blue bicycle", "an empty basket", "the broken clock", "a heavy parcel"]
    places = ["near the river", "in the village square", "behind the station", "at the market"]
    sentences = [
        f"{s} {v} {o} {p} on a cold afternoon."
        for s, v, o, p in itertools.product(subjects, verbs, objects, places)
    ]
    text, count = [], 0
    for sentence in sentences[::3]:
        text.append(sentence)
        count += len(sentence.split())
        if count >= 1000:
            break
    return " ".join(text)


def token_count(synthesizer, sentence: Sentence) -> list[int]:
    """Kokoro tokens of each call that reads ``sentence`` whole."""
    words = synthesizer.phonemize(sentence, "af_heart")
    return [
        len(token_ids(" ".join(w.phonemes for w in words.words[start:end])))
        for start, end in synthesizer.whole_sentence_spans(words)
    ]


def test_thousand_word_text_is_chunked_within_limits_and_fully_spoken(synthesizer):
    text = _thousand_words()
    assert len(text.split()) >= 1000
    sentences = synthesizer.sentences(text, "af_heart")
    chunks = [token_count(synthesizer, s) for s in sentences]
    assert all(0 < tokens <= MAX_PHONEME_TOKENS for counts in chunks for tokens in counts)
    audio = synthesizer.synthesize_text(text, "af_heart", 1.0)
    hypothesis = transcribe(audio)
    spoken, written = words(hypothesis), words(text)
    assert len(spoken) >= 0.95 * len(written), "text was dropped"
    assert word_error_rate(text, hypothesis) < 0.15
    assert words(sentences[-1].text)[-3:] == spoken[-3:]


def test_run_on_sentence_longer_than_context_is_split_between_words(synthesizer):
    people = ["the children", "the farmers", "their parents", "the old sailors", "two teachers", "the baker"]
    actions = [
        "played by the water",
        "counted the sheep",
        "talked about the harvest",
        "mended the nets",
        "sang in the hall",
        "painted the fence",
    ]
    clauses = [f"{who} {what}" for who, what in itertools.product(people, actions)][::2]
    text = "In the summer " + ", and ".join(clauses) + "."
    # One sentence of over 510 tokens, as the chunker gets it (sentences() itself would cut it at
    # clauses first, for events and "back").
    sentence = Sentence(0, text, 0, len(text))
    chunks = token_count(synthesizer, sentence)
    assert len(chunks) > 1
    assert all(tokens <= MAX_PHONEME_TOKENS for tokens in chunks)
    audio = synthesizer.synthesize_text(text, "af_heart", 1.0)
    assert word_error_rate(text, transcribe(audio)) < 0.15
