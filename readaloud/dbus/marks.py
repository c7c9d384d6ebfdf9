"""SSML marks of the daemon's jobs, reported once the audio before them has played.

The Reader splits a job's text at every mark offset (``say(breaks=…)``), so no sentence straddles a
mark. A mark is reached when a sentence that starts at or after it begins to play, or when its job
is read to the end. Reported in offset order, each once; a job that was stopped reports no more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from readaloud.core import FinishReason, ReaderListener

if TYPE_CHECKING:
    from readaloud.speech.types import Sentence


class MarkTracker(ReaderListener):
    """A Reader listener that calls ``reached(job, name)`` for each mark as the audio passes it."""

    def __init__(self, reached: Callable[[int, str], None]) -> None:
        self._reached = reached
        self._pending: dict[int, list[tuple[int, str]]] = {}

    def watch(self, job: int, marks: Sequence[tuple[str, int]]) -> None:
        if marks:
            self._pending[job] = sorted(((offset, name) for name, offset in marks), key=lambda m: m[0])

    def _reach(self, job: int, before: int | None) -> None:
        pending = self._pending.get(job)
        while pending and (before is None or pending[0][0] <= before):
            self._reached(job, pending.pop(0)[1])

    def on_sentence_started(self, job: int, sentence: Sentence) -> None:
        self._reach(job, sentence.start)

    def on_job_finished(self, job: int, reason: FinishReason) -> None:
        if reason is FinishReason.DONE:
            self._reach(job, None)
        self._pending.pop(job, None)
