"""Word timings from the model's durations: which samples each word is heard in, and which
characters of the user's text it was read from, through G2P, chunks and silence trimming."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from readaloud.errors import EngineError
from readaloud.speech.engine import FRAME_SAMPLES, TimedAudio
from readaloud.speech.phonemes import phoneme_words, vocab
from readaloud.speech.synthesizer import KokoroSynthesizer
from readaloud.speech.timing import after_cut, word_timings
from readaloud.speech.trim import trim_cut
from readaloud.speech.types import Break, PhonemeWord, Sentence, TextMark, WordTiming
from readaloud.speech.voices import VoiceStore

RATE = 24_000


def test_words_start_at_their_first_token_and_end_before_space_and_punctuation() -> None:
    words = (PhonemeWord("ab", 3, span=(0, 2)), PhonemeWord("cde.", 5, span=(3, 7)))
    # pad, a, b, space, c, d, e, ".", pad
    frames = np.array([10, 2, 3, 4, 1, 1, 1, 20, 8])
    timings = word_timings(frames, words)
    assert timings == (
        WordTiming(10 * FRAME_SAMPLES, 15 * FRAME_SAMPLES, 0, 2),
        WordTiming(19 * FRAME_SAMPLES, 22 * FRAME_SAMPLES, 3, 7),
    )


def test_frames_that_do_not_match_the_words_are_refused() -> None:
    with pytest.raises(ValueError, match="durations"):
        word_timings(np.array([1, 2, 3]), (PhonemeWord("abc", 4),))


def test_a_dash_alone_is_not_a_heard_word_and_opening_quotes_are_not_speech() -> None:
    words = (PhonemeWord("—", 2, span=(0, 2)), PhonemeWord("“ab", 4, span=(3, 6)))
    frames = np.array([5, 7, 1, 9, 2, 2, 5])  # pad, —, space, “, a, b, pad
    assert word_timings(frames, words) == (WordTiming(22 * FRAME_SAMPLES, 26 * FRAME_SAMPLES, 3, 6),)


def test_words_read_from_the_same_text_are_one_heard_word() -> None:
    words = (PhonemeWord("fIv", 4, span=(4, 6)), PhonemeWord("dɑləɹz", 7, span=(4, 6)),
             PhonemeWord("ɔn", 2, span=(7, 9)))
    frames = np.ones(15, dtype=np.int64)  # pad, f I v, space, d ɑ l ə ɹ z, space, ɔ n, pad
    timings = word_timings(frames, words)
    assert [(t.text_start, t.text_end) for t in timings] == [(4, 6), (7, 9)]
    assert timings[0].start == 1 * FRAME_SAMPLES
    assert timings[0].end == 11 * FRAME_SAMPLES  # through "dɑləɹz"


def test_trimming_moves_the_timings_and_clamps_them_to_what_was_kept() -> None:
    timings = (WordTiming(100, 400, 0, 1), WordTiming(500, 900, 2, 3))
    assert after_cut(timings, 150, 600) == (WordTiming(0, 250, 0, 1), WordTiming(350, 600, 2, 3))


def test_word_spans_come_from_the_g2p_marks_through_the_sentence_map() -> None:
    # "Hello, world!" -> two phoneme words; the sentence sits at offset 10 of the original.
    marks = (TextMark(0, 4, 0, 5), TextMark(4, 5, 5, 6), TextMark(6, 11, 7, 12), TextMark(11, 12, 12, 13))
    words = phoneme_words("hɛlO, wɜɹld!", marks=marks, to_original=lambda a, b: (a + 10, b + 10))
    assert [word.span for word in words] == [(10, 16), (17, 23)]
    assert [word.follows for word in words] == [Break.CLAUSE, Break.SENTENCE]


def test_a_sentence_maps_its_characters_back_through_replacements() -> None:
    from array import array

    # "five dollars" was made from "$5" at 3..5 of "It $5." (each character knows its origin)
    text = "It five dollars."
    offsets = array("i", [0, 1, 2] + [3] * 12 + [5])
    ends = array("i", [1, 2, 3] + [5] * 12 + [6])
    sentence = Sentence(0, text, 0, 6, offsets, ends)
    assert sentence.original_span(3, 7) == (3, 5)
    assert sentence.original_span(0, 2) == (0, 2)
    assert Sentence(0, text, 4, 9).original_span(0, 2) == (4, 9)  # no map: the whole sentence


# --- through the synthesizer, with an engine whose durations the test chooses ---------------------


class WordsAsPhonemes:
    """A G2P that reads each word as its own letters (all in Kokoro's vocabulary) and says so."""

    description = "letters"

    def phonemize(self, text: str) -> str:
        return self.align(text)[0]

    def align(self, text: str) -> tuple[str, tuple[TextMark, ...]]:
        found = list(re.finditer(r"[a-z.,]+", text.lower()))
        phonemes, marks, position = [], [], 0
        for match in found:
            phonemes.append(match.group())
            marks.append(TextMark(position, position + len(match.group()), match.start(), match.end()))
            position += len(match.group()) + 1
        return " ".join(phonemes), tuple(marks)


class Registry:
    def for_voice(self, voice: str) -> WordsAsPhonemes:
        return WordsAsPhonemes()


class FramedEngine:
    """Every token lasts ``token_frames`` frames and is loud, except spaces and punctuation (pauses);
    the pads are silent and last ``pad_frames``. Which word is heard where is then known exactly."""

    name = "framed"
    device = "cpu"
    sample_rate = RATE
    has_durations = True

    def __init__(self, token_frames: int = 4, pad_frames: int = 12) -> None:
        self.token_frames = token_frames
        self.pad_frames = pad_frames
        self.calls: list[tuple[int, ...]] = []

    def synthesize(self, token_ids: Sequence[int], style: np.ndarray, speed: float) -> np.ndarray:
        return self.synthesize_timed(token_ids, style, speed).audio

    def synthesize_timed(self, token_ids: Sequence[int], style: np.ndarray, speed: float) -> TimedAudio:
        self.calls.append(tuple(token_ids))
        quiet = {vocab()[symbol] for symbol in " .,;:!?"}
        frames = np.array([self.pad_frames, *(self.token_frames for _ in token_ids), self.pad_frames])
        parts = [np.zeros(self.pad_frames * FRAME_SAMPLES, np.float32)]
        for token in token_ids:
            level = 0.0 if token in quiet else 0.5
            parts.append(np.full(self.token_frames * FRAME_SAMPLES, level, np.float32))
        parts.append(np.zeros(self.pad_frames * FRAME_SAMPLES, np.float32))
        return TimedAudio(np.concatenate(parts), frames)

    def cancel(self) -> None:
        pass


@pytest.fixture
def voices(tmp_path: Path) -> VoiceStore:
    pack = tmp_path / "voice.bin"
    np.zeros((510, 1, 256), np.float32).tofile(pack)
    return VoiceStore(lambda name: pack)


def _synthesizer(engine: object, voices: VoiceStore) -> KokoroSynthesizer:
    return KokoroSynthesizer(engine, voices, g2p=Registry())  # type: ignore[arg-type]


def test_text_timings_point_at_the_words_in_the_trimmed_audio(voices: VoiceStore) -> None:
    engine = FramedEngine()
    synthesizer = _synthesizer(engine, voices)
    text = "  Abc de.  Fgh ij kl."
    result = synthesizer.synthesize_text_timed(text, "af_heart", 1.0, sentence_pause=0.5)
    heard = [text[t.text_start:t.text_end] for t in result.words if t.placed]
    assert heard == ["Abc", "de.", "Fgh", "ij", "kl."]
    loud = np.abs(result.audio) > 0.1
    for timing in result.words:
        # Each word is loud from its start to its end, and its first sample is where sound begins.
        assert loud[timing.start:timing.end].all()
        assert timing.start == 0 or not loud[timing.start - 1]
    # The audio is the plain synthesis, and the trim kept 50 ms before the first word.
    plain = synthesizer.synthesize_text(text, "af_heart", 1.0, sentence_pause=0.5)
    assert np.array_equal(result.audio, plain)
    assert result.words[0].start == int(0.05 * RATE)


def test_timings_of_a_span_match_the_audio_the_player_keeps(voices: VoiceStore) -> None:
    engine = FramedEngine(token_frames=3, pad_frames=20)
    synthesizer = _synthesizer(engine, voices)
    (sentence,) = synthesizer.sentences("one two, three four.", "af_heart")
    words = synthesizer.phonemize(sentence, "af_heart")
    span = synthesizer.synthesize_words_timed(words, 2, 4, "af_heart", 1.0)
    assert np.array_equal(span.audio, synthesizer.synthesize_words(words, 2, 4, "af_heart", 1.0))
    from readaloud.speech.trim import cut_bounds

    start, end = cut_bounds(span.audio, RATE, first=False, follows=Break.SENTENCE)
    kept = trim_cut(span.audio, RATE, first=False, follows=Break.SENTENCE)
    timings = after_cut(span.words, start, end - start)
    assert [(t.text_start, t.text_end) for t in timings] == [(9, 14), (15, 20)]
    # "three" is 5 tokens, then a silent space, then "four" and its stop (left out of the word).
    assert timings[0].start == int(0.015 * RATE)
    assert timings[0].end - timings[0].start == 5 * 3 * FRAME_SAMPLES
    assert timings[1].start == timings[0].end + 3 * FRAME_SAMPLES
    assert timings[1].end - timings[1].start == 4 * 3 * FRAME_SAMPLES
    assert (np.abs(kept[timings[1].start:timings[1].end]) > 0.1).all()


def test_an_engine_without_durations_says_so(voices: VoiceStore) -> None:
    engine = FramedEngine()
    engine.has_durations = False
    synthesizer = _synthesizer(engine, voices)
    with pytest.raises(EngineError, match="no word timing"):
        synthesizer.synthesize_text_timed("one two.", "af_heart", 1.0)
