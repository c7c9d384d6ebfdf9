"""Blocking, in-process playback: ``readaloud say --no-daemon`` (and ``say`` when no daemon is used).

The same ``Reader`` the daemon runs, with a private event queue as its owning thread's loop:
speaking starts after the first clause is synthesized and flows on while later sentences are
synthesized; Ctrl+C stops at once.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from typing import TYPE_CHECKING

from readaloud.core import FinishReason, ReaderListener
from readaloud.errors import ExitStatus
from readaloud.playback.player import Reader
from readaloud.playback.sink import Sink
from readaloud.speech.types import Synthesizer

if TYPE_CHECKING:
    from readaloud.config import Config
    from readaloud.environment import Environment

log = logging.getLogger(__name__)


class _Outcome(ReaderListener):
    """Remembers how each job ended and the errors reported on the way."""

    def __init__(self, on_error: Callable[[str], None] | None) -> None:
        self.finished: dict[int, FinishReason] = {}
        self._on_error = on_error

    def on_job_finished(self, job: int, reason: FinishReason) -> None:
        self.finished[job] = reason

    def on_error(self, message: str) -> None:
        if self._on_error is not None:
            self._on_error(message)


def speak_text(
    synthesizer: Synthesizer,
    sink: Sink,
    text: str,
    voice: str,
    speed: float,
    *,
    sentence_pause: float = 0.25,
    lookahead: float = 10.0,
    preroll: float = 0.05,
    listener: ReaderListener | None = None,
    on_error: Callable[[str], None] | None = None,
) -> FinishReason:
    """Speak ``text`` and return when it has been heard (DONE), or on Ctrl+C (STOPPED).

    Raises ``UsageError``/``UnknownVoiceError`` for an empty text or a bad voice, and
    ``AudioDeviceError`` when there is no usable output device. Closes ``sink`` before returning.
    """
    events: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
    outcome = _Outcome(on_error)
    reader = Reader(synthesizer, sink, voice=voice, speed=speed, sentence_pause=sentence_pause,
                    lookahead=lookahead, preroll=preroll, post=events.put)
    reader.add_listener(outcome)
    if listener is not None:
        reader.add_listener(listener)
    job = 0
    try:
        job = reader.say(text)
        while job not in outcome.finished:
            try:
                event = events.get(timeout=0.25)
            except queue.Empty:
                continue
            event()
    except KeyboardInterrupt:
        log.debug("interrupted: stopping playback")
        reader.stop()
    finally:
        reader.close()  # plays out what the device holds, then releases it
    return outcome.finished.get(job, FinishReason.STOPPED)


def speak_in_process(config: Config, text: str, voice: str, speed: float, env: Environment) -> int:
    """``readaloud say`` without a daemon: exit status OK when read to the end,
    INTERRUPTED on Ctrl+C."""
    from readaloud.playback.sink import SoundDeviceSink
    from readaloud.speech.synthesizer import build_synthesizer

    def report(message: str) -> None:
        print(f"readaloud: warning: {message}", file=env.stderr, flush=True)

    sink = SoundDeviceSink(config.playback.device)  # the reader forwards its errors to on_error
    sink.check()  # fail on a missing device before spending seconds on the model
    synthesizer = build_synthesizer(config)
    reason = speak_text(
        synthesizer, sink, text, voice, speed,
        sentence_pause=config.playback.sentence_pause,
        lookahead=config.playback.lookahead,
        preroll=config.playback.preroll,
        on_error=report,
    )
    if reason is FinishReason.DONE:
        return ExitStatus.OK
    if reason is FinishReason.STOPPED:
        print("readaloud: stopped", file=env.stderr)
        return ExitStatus.INTERRUPTED
    return ExitStatus.FAILURE
