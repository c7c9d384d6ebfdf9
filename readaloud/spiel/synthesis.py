"""Synthesis for Spiel clients: text in, a provider stream written to the client's pipe.

Each request runs on its own thread with the daemon's warm synthesizer (its engine lock keeps
requests and readaloud's own reading from running the model at the same time). The client
cancels by closing its end of the pipe; the next write then fails and the thread stops.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import numpy as np

from readaloud.playback.trim import trim_silence
from readaloud.speech.breaks import sentences_at_breaks
from readaloud.speech.types import Synthesizer
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


def write_speech(
    out: IO[bytes], request: SpielRequest, synthesizer: Synthesizer, sentence_pause: float
) -> None:
    """Write the whole stream for ``request``: header, then per sentence its event and audio.

    Marks are written where the audio before them ends; sentence ranges are offsets into the
    text the client sent (its SSML source when it sent SSML).
    """
    plain, voice, speed = request.text, request.voice, request.speed
    rate = synthesizer.sample_rate
    out.write(header())
    sentences = sentences_at_breaks(lambda piece: synthesizer.sentences(piece, voice), plain.text,
                                    [mark.offset for mark in plain.marks])
    marks = list(plain.marks)
    gap = to_pcm16(np.zeros(int(rate * sentence_pause / speed), dtype=np.float32))
    for sentence in sentences:
        while marks and marks[0].offset <= sentence.start:
            out.write(event_chunk(EventType.MARK, mark=marks.pop(0).name))
        if sentence.index:
            out.write(audio_chunk(gap))
        out.write(event_chunk(EventType.SENTENCE, *plain.source_span(sentence.start, sentence.end)))
        first = sentence.index == 0
        for chunk in synthesizer.synthesize(sentence, voice, speed, first_clause=first):
            audio = trim_silence(np.asarray(chunk, dtype=np.float32).reshape(-1), rate)
            if len(audio):
                out.write(audio_chunk(to_pcm16(audio)))
    for mark in marks:
        out.write(event_chunk(EventType.MARK, mark=mark.name))


class SpielSynthesis:
    """Runs ``Synthesize`` requests on threads once the daemon's synthesizer is ready."""

    def __init__(self, sentence_pause: Callable[[], float] = lambda: 0.25) -> None:
        self._synthesizer: Synthesizer | None = None
        self._ready = threading.Event()
        self._sentence_pause = sentence_pause

    def attach(self, synthesizer: Synthesizer) -> None:
        self._synthesizer = synthesizer
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
                write_speech(out, request, self._synthesizer, self._sentence_pause())
            except BrokenPipeError:
                log.debug("Spiel client closed the stream early")
            except Exception as error:
                # The message may quote the text: its type only, above DEBUG.
                log.error("Spiel synthesis failed (%s)", type(error).__name__)
                log.debug("Spiel synthesis failure", exc_info=True)
