"""Recently synthesized sentences, kept in memory so that hearing one again costs no synthesis.

"Back" past the audio the ring still holds, reading the same selection twice, and phrases that
repeat then play at once. Keyed by what decides the sound: the sentence's text, voice and speed.
Never written to disk: it holds what the user reads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

Key = tuple[str, str, float]
T = TypeVar("T")


def audio_frames(chunks: Any) -> int:
    """Frames in a tuple of audio chunks (the default size of an entry)."""
    return sum(len(chunk) for chunk in chunks)


class SentenceCache(Generic[T]):
    """Least-recently-used sentences' audio, up to ``seconds`` of audio in all. Thread-safe.

    An entry is the chunks of audio (or what holds them: ``frames_of`` says how much audio it is).
    """

    def __init__(
        self, seconds: float, sample_rate: int, frames_of: Callable[[T], int] = audio_frames
    ) -> None:
        self._limit = int(seconds * sample_rate)
        self._frames = 0
        self._frames_of = frames_of
        self._entries: OrderedDict[Key, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, voice: str, speed: float) -> T | None:
        """The chunks of audio last made for this sentence, or None."""
        key = (text, voice, speed)
        with self._lock:
            chunks = self._entries.get(key)
            if chunks is not None:
                self._entries.move_to_end(key)
            return chunks

    def put(self, text: str, voice: str, speed: float, chunks: T) -> None:
        frames = self._frames_of(chunks)
        if frames > self._limit:
            return
        key = (text, voice, speed)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._frames -= self._frames_of(old)
            self._entries[key] = chunks
            self._frames += frames
            while self._frames > self._limit:
                _, dropped = self._entries.popitem(last=False)
                self._frames -= self._frames_of(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._frames = 0

    @property
    def frames(self) -> int:
        """Audio held, in frames."""
        return self._frames
