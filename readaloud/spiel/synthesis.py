"""Synthesis for Spiel clients: text in, a provider stream written to the client's pipe.

Each request runs on its own thread with the daemon's warm synthesizer (its engine lock keeps
requests and readaloud's own reading from running the model at the same time). Sentences are cut
where the cost model says, as the Reader cuts them (``speech.schedule``): the client plays the
stream as it arrives, so the first sound comes after a short first chunk and later chunks stay
ahead of playback. The client cancels by closing its end of the pipe; the next write then fails
and the thread stops.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np

from readaloud.speech.breaks import prepare_at_breaks
from readaloud.speech.schedule import (
    BEFORE_SENTENCE_WAIT_WEIGHT,
    MID_SENTENCE_WAIT_WEIGHT,
    SynthesisCost,
    plan_chunks,
)
from readaloud.speech.spans import synthesize_span
from readaloud.speech.types import Sentence, Synthesizer
from readaloud.spiel.stream import EventType, audio_chunk, event_chunk, header
from readaloud.text.ssml import PlainText

log = logging.getLogger(__name__)

READY_TIMEOUT = 300.0  # a first start may fetch the model


@dataclass(frozen=True)
class SpielRequest:
    """One ``Synthesize`` call: what to say (marks and source offsets kept), voice and speed."""

    text: PlainText
    voice: str
    speed: float


def to_pcm16(audio: np.ndarray) -> bytes:
    """float32 −1…1 → signed 16-bit little-endian PCM."""
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


class _ClientPlayback:
    """How much of the audio written is still ahead of the client's playback, as far as we can
    tell: it plays in real time from the first audio written."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._began: float | None = None
        self._written = 0.0

    def wrote(self, seconds: float) -> None:
        if self._began is None:
            self._began = self._clock()
        self._written += seconds

    def ahead(self) -> float:
        if self._began is None:
            return 0.0
        return max(0.0, self._written - (self._clock() - self._began))


def write_speech(
    out: IO[bytes], request: SpielRequest, synthesizer: Synthesizer, sentence_pause: float, *,
    cost: SynthesisCost | None = None, clock: Callable[[], float] = time.monotonic,
) -> None:
    """Write the whole stream for ``request``: header, then per sentence its event and audio.

    Marks are written where the audio before them ends; sentence ranges are offsets into the
    text the client sent (its SSML source when it sent SSML). A long text is prepared a block at a
    time as it is written.
    """
    plain, voice, speed = request.text, request.voice, request.speed
    rate = synthesizer.sample_rate
    cost = cost or SynthesisCost()
    playback = _ClientPlayback(clock)
    out.write(header())
    blocks = prepare_at_breaks(lambda piece: synthesizer.prepare(piece, voice), plain.text,
                               [mark.offset for mark in plain.marks])
    marks = list(plain.marks)
    gap = np.zeros(int(rate * sentence_pause / speed), dtype=np.float32)
    for block in blocks:
        for sentence in block:
            while marks and marks[0].offset <= sentence.start:
                out.write(event_chunk(EventType.MARK, mark=marks.pop(0).name))
            if sentence.index:
                out.write(audio_chunk(to_pcm16(gap)))
                playback.wrote(len(gap) / rate)
            out.write(event_chunk(EventType.SENTENCE, *plain.source_span(sentence.start, sentence.end)))
            for audio in _sentence_audio(synthesizer, sentence, request, cost, playback, clock):
                out.write(audio_chunk(to_pcm16(audio)))
                playback.wrote(len(audio) / rate)
    for mark in marks:
        out.write(event_chunk(EventType.MARK, mark=mark.name))


def _sentence_audio(synthesizer: Synthesizer, sentence: Sentence, request: SpielRequest,
                    cost: SynthesisCost, playback: _ClientPlayback,
                    clock: Callable[[], float]) -> Iterator[np.ndarray]:
    """The audio of ``sentence``, chunk by chunk, each cut planned from what is still ahead."""
    voice, speed = request.voice, request.speed
    words = synthesizer.phonemize(sentence, voice)
    position = 0
    while position < len(words.words):
        # The client plays each chunk as it comes: once a sentence has begun, a wait is a stutter.
        weight = MID_SENTENCE_WAIT_WEIGHT if position else BEFORE_SENTENCE_WAIT_WEIGHT
        plan = plan_chunks(words.words[position:], playback.ahead(), cost, speed=speed, wait_weight=weight)
        end = position + plan.first_end
        audio = synthesize_span(synthesizer, words, position, end, voice, speed, cost, clock)
        position = end
        if len(audio):
            yield audio


class SpielSynthesis:
    """Runs ``Synthesize`` requests on threads once the daemon's synthesizer is ready."""

    def __init__(self, sentence_pause: Callable[[], float] = lambda: 0.25) -> None:
        self._synthesizer: Synthesizer | None = None
        self._ready = threading.Event()
        self._sentence_pause = sentence_pause
        # What synthesis costs, learnt across requests (the model runs one call at a time, so
        # concurrent requests seldom teach it at once, and a race only blurs an estimate).
        self._cost = SynthesisCost()

    def attach(self, synthesizer: Synthesizer, cost: SynthesisCost | None = None) -> None:
        """Start serving requests with ``synthesizer``; ``cost`` is what its calls cost here, if
        known (the daemon's warm-up measures it)."""
        self._synthesizer = synthesizer
        if cost is not None:
            self._cost = cost
        self._ready.set()

    def start(self, fd: int, request: SpielRequest) -> threading.Thread:
        """Take ownership of ``fd`` and fill it on a new thread; returns at once."""
        thread = threading.Thread(target=self._run, args=(fd, request), name="readaloud-spiel", daemon=True)
        thread.start()
        return thread

    def _run(self, fd: int, request: SpielRequest) -> None:
        with os.fdopen(fd, "wb", buffering=0) as out:
            if not self._ready.wait(READY_TIMEOUT) or self._synthesizer is None:
                log.error("Spiel request dropped: the model did not load")
                return
            try:
                write_speech(out, request, self._synthesizer, self._sentence_pause(), cost=self._cost)
            except BrokenPipeError:
                log.debug("Spiel client closed the stream early")
            except Exception as error:
                # The message may quote the text: its type only, above DEBUG.
                log.error("Spiel synthesis failed (%s)", type(error).__name__)
                log.debug("Spiel synthesis failure", exc_info=True)
