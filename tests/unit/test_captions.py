"""Captions: valid WebVTT and SubRip (read back with real parsers), one cue per word heard, showing
the user's text, at the times the words are heard in the audio file written beside them."""

from __future__ import annotations

import html
import io
import itertools
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile
import srt
import webvtt

from readaloud.cli import main
from readaloud.environment import Environment
from readaloud.speech.captions import captions
from readaloud.speech.synthesizer import KokoroSynthesizer
from readaloud.speech.types import WordTiming
from readaloud.speech.voices import VoiceStore
from tests.unit.test_word_timing import FramedEngine, Registry

RATE = 24_000
TEXT = "It costs <5 & more>\n\nthan that."
TIMINGS = (
    WordTiming(1200, 6000, 0, 2),
    WordTiming(6000, 12000, 3, 8),
    WordTiming(12000, 12500, None, None),  # not placed: no cue
    WordTiming(13000, 30000, 9, 11),
    WordTiming(29000, 40000, 12, 19),  # overlaps the next one's start: cut there
    WordTiming(36000, 48000, 21, 31),
    WordTiming(90_000_000, 90_024_000, 21, 31),  # past an hour
)


def test_webvtt_cues_parse_and_show_the_original_words() -> None:
    raw = captions(TEXT, TIMINGS, RATE, "vtt")
    assert "&lt;5" in raw and "&amp; more&gt;" in raw  # markup characters escaped, as WebVTT requires
    vtt = webvtt.from_string(raw)
    texts = [html.unescape(caption.text) for caption in vtt.captions]
    assert texts == ["It", "costs", "<5", "& more>", "than that.", "than that."]
    assert [caption.start for caption in vtt.captions][:3] == ["00:00:00.050", "00:00:00.250", "00:00:00.542"]
    assert vtt.captions[3].end == "00:00:01.500"  # cut where the next word starts
    assert vtt.captions[5].start == "01:02:30.000"


def test_srt_cues_parse_in_order_without_overlap() -> None:
    subtitles = list(srt.parse(captions(TEXT, TIMINGS, RATE, "srt")))
    assert [subtitle.content for subtitle in subtitles] == ["It", "costs", "<5", "& more>", "than that.",
                                                            "than that."]
    assert subtitles[1].start == timedelta(milliseconds=250)
    assert subtitles[1].end == timedelta(milliseconds=500)
    for before, after in itertools.pairwise(subtitles):
        assert before.start < before.end <= after.start


# --- the command -------------------------------------------------------------------------------


@pytest.fixture
def fake_synthesis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FramedEngine:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    pack = tmp_path / "voice.bin"
    np.zeros((510, 1, 256), np.float32).tofile(pack)
    engine = FramedEngine(token_frames=2, pad_frames=15)
    synthesizer = KokoroSynthesizer(engine, VoiceStore(lambda name: pack), g2p=Registry())  # type: ignore[arg-type]
    monkeypatch.setattr("readaloud.speech.synthesizer.build_synthesizer", lambda config: synthesizer)
    return engine


def _run(*argv: str) -> tuple[int, str]:
    env = Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())
    status = main(list(argv), env)
    return status, env.stderr.getvalue()


@pytest.mark.parametrize("suffix", [".vtt", ".srt"])
def test_say_writes_captions_whose_cues_are_where_the_words_are_loud(
    tmp_path: Path, fake_synthesis: FramedEngine, suffix: str
) -> None:
    wav, cues = tmp_path / "talk.wav", tmp_path / f"talk{suffix}"
    status, _ = _run("say", "--output", str(wav), "--captions", str(cues), "One two three. Four, five.")
    assert status == 0
    audio, rate = soundfile.read(wav, dtype="float32")
    if suffix == ".vtt":
        spans = [(c.start_in_seconds + c.start_time.milliseconds / 1000, c.end_in_seconds
                  + c.end_time.milliseconds / 1000, c.text) for c in webvtt.read(str(cues)).captions]
    else:
        spans = [(s.start.total_seconds(), s.end.total_seconds(), s.content)
                 for s in srt.parse(cues.read_text())]
    assert [text for _, _, text in spans] == ["One", "two", "three.", "Four,", "five."]
    loud = np.abs(audio) > 0.1
    for start, end, _ in spans:
        first, last = round(start * rate), round(end * rate)
        assert loud[first:last - 1].all()  # within a millisecond's rounding of the cue
        assert not loud[first - 30] and not loud[last + 30]  # and the word is not longer than the cue


def test_say_refuses_another_caption_extension_before_synthesizing(
    tmp_path: Path, fake_synthesis: FramedEngine
) -> None:
    wav, text_file = tmp_path / "a.wav", tmp_path / "a.txt"
    status, stderr = _run("say", "--output", str(wav), "--captions", str(text_file), "Hi.")
    assert status == 2
    assert stderr.strip().count("\n") == 0 and ".vtt or .srt" in stderr
    assert fake_synthesis.calls == []
    assert not wav.exists()


def test_captions_need_an_output_file(tmp_path: Path, fake_synthesis: FramedEngine) -> None:
    status, stderr = _run("say", "--captions", str(tmp_path / "a.vtt"), "Hi.")
    assert status == 2 and "--output" in stderr
    assert fake_synthesis.calls == []
