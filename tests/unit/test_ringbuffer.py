"""The SPSC ring buffer: audio comes out as it went in, markers arrive exactly at their sample."""

from __future__ import annotations

import threading
from typing import TypeVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readaloud.playback.ringbuffer import RingBuffer

T = TypeVar("T")


def _drain(
    ring: RingBuffer[T], block: int, limit: int = 10_000
) -> tuple[np.ndarray, list[tuple[int, T]]]:
    """Read everything, recording at which output sample each marker was passed."""
    out: list[np.ndarray] = []
    markers: list[tuple[int, T]] = []
    produced = 0
    for _ in range(limit):
        marker = ring.next_marker()
        if marker is not None and marker.position == ring.read_position:
            markers.append((produced, ring.pop_marker().payload))
            continue
        buf = np.zeros(block, dtype=np.float32)
        count = ring.read(buf)
        if count == 0:
            break
        out.append(buf[:count])
        produced += count
    return (np.concatenate(out) if out else np.zeros(0, dtype=np.float32)), markers


def test_audio_comes_out_in_order_across_the_wrap() -> None:
    ring: RingBuffer[str] = RingBuffer(100)
    data = np.arange(250, dtype=np.float32)
    got = []
    offset = 0
    while offset < len(data) or ring.readable():
        offset += ring.write(data[offset : offset + 37])
        buf = np.zeros(23, dtype=np.float32)
        got.append(buf[: ring.read(buf)].copy())
    assert np.array_equal(np.concatenate(got), data)


def test_writes_never_overrun_unread_audio() -> None:
    ring: RingBuffer[str] = RingBuffer(10)
    assert ring.write(np.ones(25, dtype=np.float32)) == 10
    assert ring.write(np.ones(5, dtype=np.float32)) == 0
    assert ring.skip(4) == 4
    assert ring.writable() == 4


def test_history_is_kept_free_for_rewinds() -> None:
    ring: RingBuffer[str] = RingBuffer(10, history=4)
    assert ring.write(np.arange(20, dtype=np.float32)) == 6
    buf = np.zeros(6, dtype=np.float32)
    ring.read(buf)
    assert ring.writable() == 6
    ring.write(np.arange(100, 106, dtype=np.float32))
    assert ring.can_rewind_to(2) and not ring.can_rewind_to(1)
    ring.rewind(2)
    out = np.zeros(10, dtype=np.float32)
    assert ring.read(out) == 10
    assert out.tolist() == [2, 3, 4, 5, 100, 101, 102, 103, 104, 105]


def test_reads_stop_at_markers_and_markers_arrive_at_their_sample() -> None:
    ring: RingBuffer[str] = RingBuffer(1000)
    ring.mark("a")
    ring.write(np.ones(30, dtype=np.float32))
    ring.mark("b")
    ring.mark("c")
    ring.write(np.full(20, 2, dtype=np.float32))
    ring.mark("d")
    audio, markers = _drain(ring, block=64)
    assert markers == [(0, "a"), (30, "b"), (30, "c"), (50, "d")]
    assert audio[:30].tolist() == [1] * 30 and audio[30:].tolist() == [2] * 20


def test_rewind_replays_audio_and_its_markers() -> None:
    ring: RingBuffer[str] = RingBuffer(1000, history=500)
    ring.mark("s0")
    ring.write(np.zeros(100, dtype=np.float32))
    ring.mark("s1")
    ring.write(np.ones(100, dtype=np.float32))
    _drain(ring, block=64)
    start_of_s1 = next(m.position for m in ring.recent_markers() if m.payload == "s1")
    ring.rewind(start_of_s1)
    audio, markers = _drain(ring, block=64)
    assert markers == [(0, "s1")]
    assert audio.tolist() == [1] * 100


def test_rewind_refuses_audio_that_is_gone() -> None:
    ring: RingBuffer[str] = RingBuffer(100, history=10)
    ring.write(np.zeros(50, dtype=np.float32))
    ring.skip(50)
    with pytest.raises(ValueError):
        ring.rewind(5)


def test_rejects_nonsense_sizes() -> None:
    with pytest.raises(ValueError):
        RingBuffer(0)
    with pytest.raises(ValueError):
        RingBuffer(10, history=10)


@settings(max_examples=60, deadline=None)
@given(
    pieces=st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=20),
    capacity=st.integers(min_value=8, max_value=400),
    block=st.integers(min_value=1, max_value=128),
)
def test_any_interleaving_of_writes_and_reads_preserves_the_stream(
    pieces: list[int], capacity: int, block: int
) -> None:
    ring: RingBuffer[int] = RingBuffer(capacity)
    expected = np.arange(sum(pieces), dtype=np.float32)
    boundaries: list[int] = []
    got: list[np.ndarray] = []
    passed: list[tuple[int, int]] = []
    produced = 0
    offset = 0
    for number, size in enumerate(pieces):
        ring.mark(number)
        boundaries.append(offset)
        piece = expected[offset : offset + size]
        written = 0
        while written < size:
            written += ring.write(piece[written:])
            audio, markers = _drain(ring, block)
            passed.extend((at + produced, payload) for at, payload in markers)
            produced += len(audio)
            got.append(audio)
        offset += size
    audio, markers = _drain(ring, block)
    passed.extend((at + produced, payload) for at, payload in markers)
    got.append(audio)
    assert np.array_equal(np.concatenate(got), expected)
    assert passed == list(zip(boundaries, range(len(pieces)), strict=True))


def test_concurrent_producer_and_consumer_lose_nothing() -> None:
    ring: RingBuffer[int] = RingBuffer(997)
    total = 200_000
    data = np.arange(total, dtype=np.float32) % 1000

    def produce() -> None:
        offset = 0
        number = 0
        while offset < total:
            if offset % 5000 == 0 and ring.writable() > 0:
                ring.mark(number)
                number += 1
            offset += ring.write(data[offset : min(total, offset + 301)])

    producer = threading.Thread(target=produce)
    producer.start()
    got = np.zeros(total, dtype=np.float32)
    read = 0
    marks: list[int] = []
    while read < total:
        marker = ring.next_marker()
        if marker is not None and marker.position == ring.read_position:
            ring.pop_marker()
            marks.append(read)
            continue
        read += ring.read(got[read : read + 256])
    producer.join()
    assert np.array_equal(got, data)
    assert all(position % 5000 == 0 for position in marks)
