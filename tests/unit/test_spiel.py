"""The Spiel provider: stream format, sentence and mark events, voices, and requests."""

from __future__ import annotations

import io
import os
import threading

import numpy as np
import pytest
from dbus_fast import DBusError

from readaloud.speech.breaks import sentences_at_breaks
from readaloud.speech.schedule import SynthesisCost
from readaloud.spiel import stream
from readaloud.spiel.provider import FEATURES, SpeechProvider, speed_for_rate, voices
from readaloud.spiel.stream import EventType, read_stream
from readaloud.spiel.synthesis import SpielRequest, SpielSynthesis, to_pcm16, write_speech
from readaloud.text.ssml import parse_ssml, plain_text
from tests.fakes import FakeSynthesizer


def test_stream_layout_matches_libspeechprovider():
    # Header "0.01"; audio: type 1, u32 size, bytes; event: type 2, u8 kind, u32 start, u32 end,
    # u32 name length, name (packed, little-endian on the machines we run on).
    assert stream.header() == b"0.01"
    assert stream.audio_chunk(b"\x01\x02") == b"\x01\x02\x00\x00\x00\x01\x02"
    u32 = [n.to_bytes(4, "little") for n in (3, 9, 2)]
    assert stream.event_chunk(EventType.MARK, 3, 9, "m1") == b"\x02\x04" + b"".join(u32) + b"m1"
    data = stream.header() + stream.event_chunk(EventType.SENTENCE, 0, 5) + stream.audio_chunk(b"ab")
    assert read_stream(data) == [("event", (EventType.SENTENCE, 0, 5, "")), ("audio", b"ab")]
    with pytest.raises(ValueError):
        read_stream(b"0.02")


def test_marks_become_sentence_boundaries():
    synth = FakeSynthesizer()
    text = "One two three four five six"
    split = sentences_at_breaks(lambda piece: synth.sentences(piece), text, [len("One two "), len(text)])
    assert [(s.index, s.text, text[s.start : s.end]) for s in split] == [
        (0, "One two", "One two"), (1, "three four five six", "three four five six")]
    assert sentences_at_breaks(lambda piece: synth.sentences(piece), "A. B.", []) == synth.sentences("A. B.")


def test_stream_for_ssml_with_marks():
    synth = FakeSynthesizer(word_seconds=0.05)
    source = '<speak>First one.<mark name="a"/> Second <mark name="b"/>part.<mark name="end"/></speak>'
    request = SpielRequest(parse_ssml(source), "af_heart", 1.0)
    out = io.BytesIO()
    write_speech(out, request, synth, sentence_pause=0.1)
    items = read_stream(out.getvalue())
    events = [value for kind, value in items if kind == "event"]
    assert [(e[0], e[3]) for e in events] == [
        (EventType.SENTENCE, ""), (EventType.MARK, "a"), (EventType.SENTENCE, ""),
        (EventType.MARK, "b"), (EventType.SENTENCE, ""), (EventType.MARK, "end"),
    ]
    sentence_ranges = [source[e[1] : e[2]] for e in events if e[0] is EventType.SENTENCE]
    assert sentence_ranges == ["First one.", "Second", "part."]
    # Audio: 16-bit PCM of the three sentences plus two pauses of 0.1 s.
    pcm = b"".join(value for kind, value in items if kind == "audio")
    samples = np.frombuffer(pcm, dtype="<i2")
    words = 2 + 1 + 1
    assert len(samples) == pytest.approx(24_000 * (words * 0.05 + 2 * 0.1), abs=5)
    assert np.abs(samples).max() > 10_000  # the tones, at full scale
    assert [call[0] for call in synth.calls] == ["First one.", "Second", "part."]


def test_a_long_first_sentence_starts_with_a_short_chunk_and_every_word_is_said_once():
    synth = FakeSynthesizer(word_seconds=0.3)
    words = [f"w{n}" for n in range(24)]
    request = SpielRequest(plain_text(" ".join(words) + "."), "af_heart", 1.0)
    out = io.BytesIO()
    write_speech(out, request, synth, sentence_pause=0.1, cost=SynthesisCost(fixed=0.3, rate=0.5))
    chunks = [call[0].split() for call in synth.calls]
    assert len(chunks[0]) < 8  # the first sound does not wait for the whole sentence
    assert [word for chunk in chunks for word in chunk] == [*words[:-1], words[-1] + "."]
    pcm = b"".join(value for kind, value in read_stream(out.getvalue()) if kind == "audio")
    assert len(pcm) // 2 == pytest.approx(24_000 * 24 * 0.3, abs=5)  # cut without gaps or overlaps


def test_a_long_text_is_prepared_as_it_is_written():
    synth = FakeSynthesizer(word_seconds=0.01)
    synth.block_sentences = 2
    text = " ".join(f"Sentence {n}." for n in range(10))
    out = io.BytesIO()
    write_speech(out, SpielRequest(plain_text(text), "af_heart", 1.0), synth, sentence_pause=0.0)
    sentences = [value for kind, value in read_stream(out.getvalue())
                 if kind == "event" and value[0] is EventType.SENTENCE]
    assert [text[start:end] for _, start, end, _ in sentences] == [f"Sentence {n}." for n in range(10)]
    assert synth.blocks_prepared == 5


def test_pcm_conversion_clips():
    assert np.frombuffer(to_pcm16(np.array([0.0, 1.0, -1.0, 2.0], dtype=np.float32)), "<i2").tolist() == [
        0, 32767, -32767, 32767]


def test_voices_property():
    listed = voices()
    assert len(listed) == 54
    heart = next(v for v in listed if v[1] == "af_heart")
    assert heart == ("Heart (US, female)", "af_heart", "audio/x-spiel,format=S16LE,channels=1,rate=24000",
                     int(FEATURES), ["en-us", "en"])
    assert next(v for v in listed if v[1] == "zf_xiaobei")[4] == ["zh-cn", "zh"]


def test_requests_choose_voice_speed_and_parse_ssml():
    provider = SpeechProvider(lambda fd, request: None, lambda: "af_heart")
    request = provider.request("<speak>Hi <mark name='x'/>there</speak>", "", 1.5, True, "")
    assert request.voice == "af_heart" and request.speed == 1.5
    assert request.text.text == "Hi there" and request.text.marks[0].name == "x"
    assert provider.request("Hi", "", 1.0, False, "fr-FR").voice == "ff_siwis"
    assert provider.request("Hi", "", 1.0, False, "en-GB").voice == "bf_alice"
    assert provider.request("Hi", "", 1.0, False, "en").voice == "af_heart"
    assert provider.request("<b>", "bm_george", 1.0, False, "").text.text == "<b>"
    with pytest.raises(DBusError):
        provider.request("Hi", "xx_nobody", 1.0, False, "")
    assert speed_for_rate(0.0) == 1.0 and speed_for_rate(10.0) == 2.0 and speed_for_rate(0.1) == 0.5


def test_synthesis_waits_for_the_model_and_stops_when_the_client_closes():
    synthesis = SpielSynthesis()
    read_end, write_end = os.pipe()
    thread = synthesis.start(write_end, SpielRequest(plain_text("One. Two. Three."), "af_heart", 1.0))
    thread.join(0.2)
    assert thread.is_alive()  # loading: nothing written yet
    synth = FakeSynthesizer(word_seconds=0.5)
    synth.gate = threading.Event()
    synthesis.attach(synth)
    with os.fdopen(read_end, "rb") as reader:
        assert reader.read(4) == b"0.01"
    synth.gate.set()
    thread.join(10)
    assert not thread.is_alive()  # the write to the closed pipe ended it
    assert len(synth.calls) < 3
