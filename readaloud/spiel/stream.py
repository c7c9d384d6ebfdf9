"""Spiel's provider stream (``audio/x-spiel``): audio chunks interleaved with speech events.

The layout of libspeechprovider's ``SpeechProviderStreamWriter`` (protocol version "0.01"), in the
machine's byte order, packed: a 4-byte header ``b"0.01"``; then chunks, each starting with a
one-byte type. Audio (type 1): ``u32`` byte count, then that many bytes of PCM (here S16LE, mono,
24 kHz, as the voices advertise). Event (type 2): ``u8`` event type, ``u32`` range start, ``u32``
range end, ``u32`` mark-name length, then the mark name's bytes.
"""

from __future__ import annotations

import enum
import struct

PROTOCOL_VERSION = b"0.01"
SAMPLE_RATE = 24_000
OUTPUT_FORMAT = f"audio/x-spiel,format=S16LE,channels=1,rate={SAMPLE_RATE}"


class ChunkType(enum.IntEnum):
    NONE = 0
    AUDIO = 1
    EVENT = 2


class EventType(enum.IntEnum):
    NONE = 0
    WORD = 1
    SENTENCE = 2
    RANGE = 3
    MARK = 4


class VoiceFeature(enum.IntFlag):
    """``org.freedesktop.Speech.Provider``'s VOICE_FEATURE bits this provider can advertise."""

    NONE = 0x0
    EVENTS_WORD = 0x1
    EVENTS_SENTENCE = 0x2
    EVENTS_RANGE = 0x4
    EVENTS_SSML_MARK = 0x8


_AUDIO = struct.Struct("=BI")
_EVENT = struct.Struct("=BBIII")


def header() -> bytes:
    return PROTOCOL_VERSION


def audio_chunk(pcm: bytes) -> bytes:
    return _AUDIO.pack(ChunkType.AUDIO, len(pcm)) + pcm


def event_chunk(event: EventType, start: int = 0, end: int = 0, mark: str = "") -> bytes:
    name = mark.encode("utf-8")
    return _EVENT.pack(ChunkType.EVENT, event, start, end, len(name)) + name


def read_stream(data: bytes) -> list[tuple[str, object]]:
    """Parse a whole stream into ``("audio", bytes)`` and ``("event", (type, start, end, mark))``.

    The reader's side of the format, for tests and for checking what a client will see.
    """
    if data[:4] != PROTOCOL_VERSION:
        raise ValueError(f"not a Spiel stream (header {data[:4]!r})")
    position = 4
    items: list[tuple[str, object]] = []
    while position < len(data):
        kind = data[position]
        if kind == ChunkType.AUDIO:
            _, size = _AUDIO.unpack_from(data, position)
            position += _AUDIO.size
            items.append(("audio", data[position : position + size]))
            position += size
        elif kind == ChunkType.EVENT:
            _, event, start, end, length = _EVENT.unpack_from(data, position)
            position += _EVENT.size
            name = data[position : position + length].decode("utf-8")
            position += length
            items.append(("event", (EventType(event), start, end, name)))
        else:
            raise ValueError(f"unknown chunk type {kind} at byte {position}")
    return items
