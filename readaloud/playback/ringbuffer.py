"""A single-producer/single-consumer float32 ring buffer with position markers.

The producer (the synthesis thread) writes audio and drops markers (sentence boundaries) at the
current write position; the consumer (the audio callback) copies audio out and sees each marker
exactly when playback reaches it. Neither side takes a lock: positions are ever-growing integers
that only their owning side assigns, and in CPython an attribute assignment is atomic, so the
producer publishes data simply by advancing ``written`` *after* copying the samples, and it
appends a marker *before* writing the audio that follows it.

Recently played audio and markers are kept for a while (``history`` frames) so that the consumer
can rewind to the start of a recent sentence without the producer's help.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")


@dataclass(frozen=True)
class Marker(Generic[T]):
    """``payload`` placed at absolute stream ``position`` (in frames since the buffer was made)."""

    position: int
    payload: T


class RingBuffer(Generic[T]):
    """Lock-free SPSC ring of float32 mono samples with markers of type ``T``.

    Producer methods: ``writable``, ``write``, ``write_silence``, ``mark``, ``written``.
    Consumer methods: ``readable``, ``read``, ``skip``, ``next_marker``, ``pop_marker``,
    ``can_rewind_to``, ``rewind``, ``read_position``, ``recent_markers``.
    """

    def __init__(self, capacity: int, *, history: int = 0, history_markers: int = 64) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        if not 0 <= history < capacity:
            raise ValueError("history must be smaller than the capacity")
        self.capacity = capacity
        self.history = history
        self._data = np.zeros(capacity, dtype=np.float32)
        self._written = 0  # assigned by the producer only
        self._read = 0  # assigned by the consumer only
        self._pending: deque[Marker[T]] = deque()  # producer appends right; consumer pops left
        self._played: deque[Marker[T]] = deque(maxlen=history_markers)  # consumer only

    # -- producer side -------------------------------------------------------------------------

    @property
    def written(self) -> int:
        """Frames written since the buffer was made (the write position)."""
        return self._written

    def writable(self) -> int:
        """Frames the producer may write now without touching unread audio or the history."""
        return self.capacity - self.history - (self._written - self._read)

    def write(self, samples: np.ndarray) -> int:
        """Copy as many of ``samples`` as fit; return how many were written."""
        count = min(len(samples), self.writable())
        if count <= 0:
            return 0
        start = self._written % self.capacity
        first = min(count, self.capacity - start)
        self._data[start : start + first] = samples[:first]
        if count > first:
            self._data[: count - first] = samples[first:count]
        self._written += count  # publish only after the copy
        return count

    def write_silence(self, frames: int) -> int:
        """Write up to ``frames`` zeros; return how many were written."""
        count = min(frames, self.writable())
        if count <= 0:
            return 0
        start = self._written % self.capacity
        first = min(count, self.capacity - start)
        self._data[start : start + first] = 0.0
        if count > first:
            self._data[: count - first] = 0.0
        self._written += count
        return count

    def mark(self, payload: T) -> Marker[T]:
        """Place a marker at the current write position (before the audio that follows it)."""
        marker = Marker(self._written, payload)
        self._pending.append(marker)
        return marker

    # -- consumer side -------------------------------------------------------------------------

    @property
    def read_position(self) -> int:
        """Frames consumed since the buffer was made (the read position)."""
        return self._read

    def readable(self) -> int:
        """Frames written but not yet read."""
        return self._written - self._read

    def next_marker(self) -> Marker[T] | None:
        """The next marker not yet passed, if the producer has placed one."""
        try:
            return self._pending[0]
        except IndexError:
            return None

    def pop_marker(self) -> Marker[T]:
        """Pass the next marker (it must be at the read position); it joins the recent history."""
        marker = self._pending.popleft()
        self._played.append(marker)
        return marker

    def frames_to_next_marker(self, limit: int) -> int:
        """How many frames may be read before the next marker, at most ``limit``.

        Reads ``written`` before looking at markers, so that no marker placed before the audio
        that is read can be missed.
        """
        available = self._written - self._read
        marker = self.next_marker()
        if marker is not None:
            available = min(available, marker.position - self._read)
        return max(0, min(limit, available))

    def read(self, out: np.ndarray) -> int:
        """Copy up to ``len(out)`` frames into ``out`` (never across the next marker)."""
        count = self.frames_to_next_marker(len(out))
        if count:
            start = self._read % self.capacity
            first = min(count, self.capacity - start)
            out[:first] = self._data[start : start + first]
            if count > first:
                out[first:count] = self._data[: count - first]
            self._read += count
        return count

    def skip(self, frames: int) -> int:
        """Drop up to ``frames`` unread frames (never across the next marker); return how many."""
        count = self.frames_to_next_marker(frames)
        self._read += count
        return count

    def recent_markers(self) -> tuple[Marker[T], ...]:
        """Markers already passed whose audio may still be in the history, oldest first."""
        return tuple(self._played)

    def can_rewind_to(self, position: int) -> bool:
        """Whether the audio from ``position`` on is still in the buffer."""
        oldest = max(0, self._read - self.history, self._written - self.capacity)
        return oldest <= position <= self._read

    def rewind(self, position: int) -> None:
        """Move the read position back to ``position``; passed markers there become pending again."""
        if not self.can_rewind_to(position):
            raise ValueError("position is no longer in the buffer")
        again = [marker for marker in self._played if marker.position >= position]
        for _ in again:
            self._played.pop()
        # The producer only appends on the right, so putting these back on the left keeps order.
        self._pending.extendleft(reversed(again))
        self._read = position
