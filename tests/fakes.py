"""Fakes of the playback ports (``Synthesizer``, ``Sink``) and helpers to inspect the audio they carry.

They implement the same Protocols as the real ones so that the core can be tested without a model
or a sound card: ``FakeSynthesizer`` speaks each sentence as a pure tone whose pitch tells which
sentence (and voice) it is, and ``FakeSink`` is driven by the test, one audio block at a time.
mypy checks this module: :func:`_conforms` fails the type check when a fake drifts from its Protocol.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from readaloud.core import AudioStatus, FinishReason, ReaderListener, State
from readaloud.playback.sink import Sink
from readaloud.speech.types import (
    Break,
    PhonemeWord,
    Phonemized,
    Sentence,
    Synthesizer,
    TimedSpan,
    WordTiming,
)

SAMPLE_RATE = 24_000


class SimulatedClock:
    """Time that passes only when the test says so, shared by a fake engine and a test's sink.

    The engine "computes" by sleeping on it; the test plays audio block by block and advances it
    by each block's length. So synthesis and playback race exactly as they would on a machine
    where synthesis costs what the fake says, however fast or busy the real one is.
    """

    def __init__(self) -> None:
        self._now = 0.0
        self._cond = threading.Condition()
        self._targets: list[float] = []

    def __call__(self) -> float:
        return self._now

    def sleep(self, seconds: float, cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Block until ``seconds`` of simulated time have passed; False if ``cancelled`` first."""
        with self._cond:
            target = self._now + seconds
            self._targets.append(target)
            self._cond.notify_all()
            try:
                while self._now < target - 1e-9:
                    if cancelled():
                        return False
                    self._cond.wait(0.005)
                return True
            finally:
                self._targets.remove(target)
                self._cond.notify_all()

    def sleepers_blocked(self) -> bool:
        """True when someone sleeps and none of them is due yet: advancing is safe."""
        with self._cond:
            return bool(self._targets) and min(self._targets) > self._now + 1e-9

    def advance(self, seconds: float) -> None:
        with self._cond:
            self._now += seconds
            self._cond.notify_all()


class FakeSynthesizer:
    """Deterministic tones instead of speech.

    Every word lasts ``word_seconds / speed`` and costs ``tokens_per_word`` tokens. Sentence ``i``
    read with voice ``v`` is a sine at ``tone_frequency(i, v)``. Each call takes ``fixed_delay``
    seconds plus ``delay`` seconds per second of audio, to simulate synthesis time (tests may
    change both mid-job); ``gate`` (when set to an unset Event) holds every call (from call number
    ``gate_from``) until the test sets it, unless ``cancel`` aborts it; ``fail_on`` makes a
    sentence raise; ``padding`` surrounds every call's audio with that much silence, as Kokoro does.
    With a ``clock``, the delays pass on that simulated clock instead of the real one, and
    ``cost_of(call, audio_seconds)``, when given, says what each call costs instead.
    """

    def __init__(self, *, word_seconds: float = 0.1, delay: float = 0.0, fixed_delay: float = 0.0,
                 tokens_per_word: int = 4, sample_rate: int = SAMPLE_RATE, fail_on: str | None = None,
                 padding: float = 0.0, clock: SimulatedClock | None = None,
                 cost_of: Callable[[int, float], float] | None = None) -> None:
        self.padding = padding
        self.clock = clock
        self.cost_of = cost_of
        self.sample_rate = sample_rate
        self.word_seconds = word_seconds
        self.tokens_per_word = tokens_per_word
        self.delay = delay
        self.fixed_delay = fixed_delay
        self.fail_on = fail_on
        self.gate: threading.Event | None = None
        self.gate_from = 1  # the first call that waits for the gate (counting from 1)
        self.calls: list[tuple[str, str, float]] = []  # (words synthesized, voice, speed)
        self.block_sentences = 1000
        self.blocks_prepared = 0
        self.chunks_started = 0
        self.cancels = 0
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Abort the call in progress."""
        self.cancels += 1
        self._cancel.set()

    def sentences(self, text: str, voice: str | None = None) -> list[Sentence]:
        return [sentence for block in self.prepare(text, voice) for sentence in block]

    def prepare(self, text: str, voice: str | None = None) -> Iterator[list[Sentence]]:
        """Sentences in blocks of ``block_sentences``, as a long text is prepared."""
        block: list[Sentence] = []
        index = 0
        for match in re.finditer(r"[^.!?]*[^.!?\s][^.!?]*[.!?]*", text):
            spoken = match.group().strip()
            if spoken:
                start = match.start() + (len(match.group()) - len(match.group().lstrip()))
                block.append(Sentence(index, spoken, start, start + len(spoken)))
                index += 1
                if len(block) == self.block_sentences:
                    self.blocks_prepared += 1
                    yield block
                    block = []
        if block:
            self.blocks_prepared += 1
            yield block

    @staticmethod
    def tone_frequency(index: int, voice: str = "af_heart") -> float:
        # Multiples of 150 Hz: ten-millisecond windows tell them apart (see ``pitch_segments``).
        return 300.0 * (index + 1) + (0.0 if voice == "af_heart" else 150.0)

    def duration(self, sentence: Sentence, speed: float = 1.0) -> float:
        return len(sentence.text.split()) * self.word_seconds / speed

    def phonemize(self, sentence: Sentence, voice: str) -> Phonemized:
        def follows(word: str) -> Break:
            if word[-1] in ".!?":
                return Break.SENTENCE
            return Break.CLAUSE if word[-1] in ",;:" else Break.WORD

        # The fake's sentences are the original text as written: a word's span is where it stands.
        return Phonemized(sentence, tuple(
            PhonemeWord(match.group(), self.tokens_per_word, follows(match.group()),
                        (sentence.start + match.start(), sentence.start + match.end()))
            for match in re.finditer(r"\S+", sentence.text)
        ))

    has_word_timing = True

    def synthesize_words_timed(self, words: Phonemized, start: int, end: int, voice: str,
                               speed: float) -> TimedSpan:
        """The tones of ``synthesize_words``; each word is heard for an equal share of its
        sentence's tone."""
        audio = self.synthesize_words(words, start, end, voice, speed)
        position = round(self.padding * self.sample_rate)
        spans = iter(word.span or (None, None) for word in words.words[start:end])
        timings = []
        for _, count, frames in self._segments(words, start, end, speed):
            each = frames / count
            for number in range(count):
                timings.append(WordTiming(position + round(number * each),
                                          position + round((number + 1) * each), *next(spans)))
            position += frames + round(self.JOINED_PAUSE * self.sample_rate)
        return TimedSpan(audio, tuple(timings))

    # The pause between two sentences made in one call (Kokoro's at a full stop: 0.3-0.5 s).
    JOINED_PAUSE = 0.4

    def _segments(self, words: Phonemized, start: int, end: int, speed: float) -> list[tuple[int, int, int]]:
        """(sentence index, words, tone frames) of each sentence a call covers: one, unless the
        player joined several sentences into one call (each then keeps its own tone)."""
        index = words.sentence.index + sum(word.follows == Break.SENTENCE for word in words.words[:start])
        segments: list[tuple[int, int, int]] = []
        count = 0
        for number, word in enumerate(words.words[start:end], start=start + 1):
            count += 1
            if word.follows == Break.SENTENCE or number == end:
                frames = round(count * self.word_seconds / speed * self.sample_rate)
                segments.append((index, count, frames))
                index += 1
                count = 0
        return segments

    def synthesize_words(self, words: Phonemized, start: int, end: int, voice: str,
                         speed: float) -> np.ndarray:
        sentence = words.sentence
        self.calls.append((" ".join(word.phonemes for word in words.words[start:end]), voice, speed))
        if self.fail_on is not None and self.fail_on in sentence.text:
            raise RuntimeError("engine exploded")
        segments = self._segments(words, start, end, speed)
        gap = round(self.JOINED_PAUSE * self.sample_rate)
        frames = sum(frames for _, _, frames in segments) + gap * (len(segments) - 1)
        self.chunks_started += 1
        self._cancel.clear()
        gated = self.gate is not None and self.chunks_started >= self.gate_from
        while gated and self.gate is not None and not self.gate.wait(0.001):
            if self._cancel.is_set():
                raise RuntimeError("synthesis cancelled")
        audio_seconds = frames / self.sample_rate
        if self.cost_of is not None:
            wait = self.cost_of(self.chunks_started, audio_seconds)
        else:
            wait = self.fixed_delay + self.delay * audio_seconds
        if self.clock is not None:
            if not self.clock.sleep(wait, self._cancel.is_set):
                raise RuntimeError("synthesis cancelled")
        elif wait:
            time.sleep(wait)
        pad = np.zeros(round(self.padding * self.sample_rate), dtype=np.float32)
        parts = [pad]
        for index, _, tone_frames in segments:
            if len(parts) > 1:
                parts.append(np.zeros(gap, dtype=np.float32))
            t = np.arange(tone_frames) / self.sample_rate
            frequency = self.tone_frequency(index, voice)
            parts.append((0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32))
        return np.concatenate([*parts, pad])

    def synthesize(self, sentence: Sentence, voice: str, speed: float) -> Iterator[np.ndarray]:
        words = self.phonemize(sentence, voice)
        yield self.synthesize_words(words, 0, len(words.words), voice, speed)


class FakeSink:
    """A ``Sink`` the test drives: ``pull`` plays blocks through the callback and records them.

    While stopped (or before start) it records silence, as a real device would play.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, block: int = 480) -> None:
        self.sample_rate = sample_rate
        self.block = block
        self.running = False
        self.closed = False
        self.starts = 0
        self.stops = 0
        self.calls = 0
        self.error_handler: Callable[[str], None] | None = None
        self.status_handler: Callable[[AudioStatus], None] | None = None
        self.audio_status = AudioStatus.OK
        self._callback: Callable[[np.ndarray], None] | None = None
        self._recorded: list[np.ndarray] = []

    output_latency = 0.0  # blocks are "heard" as they are pulled

    def check(self) -> None:
        """The fake device always exists."""

    def set_error_handler(self, handler: Callable[[str], None] | None) -> None:
        self.error_handler = handler

    def set_status_handler(self, handler: Callable[[AudioStatus], None] | None) -> None:
        self.status_handler = handler

    def change_status(self, status: AudioStatus) -> None:
        """Simulate the device going away (``lost``), missing (``none``) or back (``ok``)."""
        self.audio_status = status
        if self.status_handler is not None:
            self.status_handler(status)

    def start(self, callback: Callable[[np.ndarray], None]) -> None:
        self._callback = callback
        self.running = True
        self.closed = False
        self.starts += 1

    def stop(self) -> None:
        self.running = False
        self.stops += 1

    def close(self) -> None:
        self.running = False
        self.closed = True

    def pull(self, blocks: int = 1) -> np.ndarray:
        """Play ``blocks`` blocks; return what was played."""
        played = []
        for _ in range(blocks):
            out = np.zeros(self.block, dtype=np.float32)
            if self.running and self._callback is not None:
                self.calls += 1
                self._callback(out)
            self._recorded.append(out)
            played.append(out)
        return np.concatenate(played) if played else np.zeros(0, dtype=np.float32)

    def pull_seconds(self, seconds: float) -> np.ndarray:
        return self.pull(max(1, round(seconds * self.sample_rate / self.block)))

    @property
    def output(self) -> np.ndarray:
        """Everything played so far."""
        if not self._recorded:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(self._recorded)


class ManualPost:
    """``post`` for tests: collects callables from any thread; ``run`` executes them here."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    def __call__(self, fn: Callable[[], None]) -> None:
        self._queue.put(fn)

    def run(self) -> int:
        count = 0
        while True:
            try:
                fn = self._queue.get_nowait()
            except queue.Empty:
                return count
            fn()
            count += 1


@dataclass
class EventLog(ReaderListener):
    """A ``ReaderListener`` that records every event as a tuple."""

    events: list[tuple[object, ...]] = field(default_factory=list)
    # Words heard (job, sentence, start, end): kept apart, there are many of them.
    words: list[tuple[int, int, int, int]] = field(default_factory=list)

    def on_word_started(self, job: int, sentence: int, start: int, end: int) -> None:
        self.words.append((job, sentence, start, end))

    def on_state_changed(self, state: State) -> None:
        self.events.append(("state", state.value))

    def on_sentence_started(self, job: int, sentence: Sentence) -> None:
        self.events.append(("started", job, sentence.index))

    def on_sentence_finished(self, job: int, sentence: Sentence) -> None:
        self.events.append(("finished", job, sentence.index))

    def on_job_finished(self, job: int, reason: FinishReason) -> None:
        self.events.append(("job", job, reason.value))

    def on_voice_changed(self, voice: str) -> None:
        self.events.append(("voice", voice))

    def on_speed_changed(self, speed: float) -> None:
        self.events.append(("speed", speed))

    def on_audio_changed(self, audio: AudioStatus) -> None:
        self.events.append(("audio", audio.value))

    def on_error(self, message: str) -> None:
        self.events.append(("error", message))

    def of(self, kind: str) -> list[tuple[object, ...]]:
        return [event for event in self.events if event[0] == kind]


@dataclass(frozen=True)
class Run:
    """A stretch of sound between silences: ``start``/``end`` in frames, ``frequency`` in Hz."""

    start: int
    end: int
    frequency: float

    @property
    def frames(self) -> int:
        return self.end - self.start


def sound_runs(audio: np.ndarray, sample_rate: int = SAMPLE_RATE, *, threshold: float = 1e-4,
               min_gap: float = 0.002) -> list[Run]:
    """Split ``audio`` into runs of sound separated by silences longer than ``min_gap`` seconds."""
    loud = np.abs(audio) > threshold
    if not loud.any():
        return []
    edges = np.flatnonzero(np.diff(loud.astype(np.int8)))
    starts = [0] if loud[0] else []
    ends: list[int] = []
    for edge in edges:
        if loud[edge + 1]:
            starts.append(edge + 1)
        else:
            ends.append(edge + 1)
    if loud[-1]:
        ends.append(len(audio))
    merged: list[list[int]] = []
    for start, end in zip(starts, ends, strict=True):
        if merged and start - merged[-1][1] < min_gap * sample_rate:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return [Run(start, end, dominant_frequency(audio[start:end], sample_rate)) for start, end in merged]


def dominant_frequency(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """The strongest frequency in ``audio`` (0 for silence)."""
    if len(audio) < 2:
        return 0.0
    spectrum = np.abs(np.fft.rfft((audio - audio.mean()) * np.hanning(len(audio))))
    return float(np.fft.rfftfreq(len(audio), 1 / sample_rate)[int(spectrum.argmax())])


def pitch_segments(audio: np.ndarray, sample_rate: int = SAMPLE_RATE, *, window: int = 240,
                   threshold: float = 1e-4) -> list[tuple[float, float]]:
    """``[(pitch, seconds), ...]``: consecutive ``window``-frame windows of the same pitch merged.

    Pitch is estimated from zero crossings and rounded to a multiple of 150 Hz (0 for silence), so
    a sentence that follows another without a pause still shows up as a segment of its own.
    """
    labels: list[float] = []
    for start in range(0, len(audio) - window + 1, window):
        piece = audio[start : start + window]
        if np.max(np.abs(piece)) <= threshold:
            labels.append(0.0)
            continue
        crossings = np.count_nonzero(np.diff(np.signbit(piece)))
        labels.append(round(crossings * sample_rate / (2 * window) / 150.0) * 150.0)
    segments: list[tuple[float, float]] = []
    for label in labels:
        if segments and segments[-1][0] == label:
            segments[-1] = (label, segments[-1][1] + window / sample_rate)
        else:
            segments.append((label, window / sample_rate))
    return segments


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``predicate`` until it holds (a safety net against hangs, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


class Owner:
    """The reader's owning thread, played by a test or bench: runs posted events while it waits."""

    def __init__(self, poll: float = 0.005) -> None:
        self.events: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._poll = poll

    def post(self, fn: Callable[[], None]) -> None:
        self.events.put(fn)

    def post_later(self, delay: float, fn: Callable[[], None]) -> None:
        timer = threading.Timer(delay, self.events.put, (fn,))
        timer.daemon = True
        timer.start()

    def run_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(queue.Empty):
                self.events.get(timeout=min(left, self._poll))()

    def run_until(self, predicate: Callable[[], bool], timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("timed out waiting for the reader")
            self.run_for(self._poll)


class TimedSynthesizer:
    """Wraps a real synthesizer and notes when each call was made (for gap and latency checks)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sample_rate = inner.sample_rate
        self.chunks: list[tuple[float, float, float]] = []  # (started, ready, audio seconds)

    @property
    def real_time_factors(self) -> list[float]:
        """Synthesis seconds per second of audio, call by call."""
        return [(ready - started) / seconds for started, ready, seconds in self.chunks if seconds]

    def sentences(self, text: str, voice: str | None = None) -> list[Sentence]:
        return list(self.inner.sentences(text, voice))

    def prepare(self, text: str, voice: str | None = None) -> Iterator[list[Sentence]]:
        result: Iterator[list[Sentence]] = self.inner.prepare(text, voice)
        return result

    def phonemize(self, sentence: Sentence, voice: str) -> Phonemized:
        result: Phonemized = self.inner.phonemize(sentence, voice)
        return result

    def synthesize_words(self, words: Phonemized, start: int, end: int, voice: str,
                         speed: float) -> np.ndarray:
        started = time.monotonic()
        audio: np.ndarray = self.inner.synthesize_words(words, start, end, voice, speed)
        self.chunks.append((started, time.monotonic(), len(audio) / self.sample_rate))
        return audio

    @property
    def has_word_timing(self) -> bool:
        return bool(self.inner.has_word_timing)

    def synthesize_words_timed(self, words: Phonemized, start: int, end: int, voice: str,
                               speed: float) -> TimedSpan:
        started = time.monotonic()
        span: TimedSpan = self.inner.synthesize_words_timed(words, start, end, voice, speed)
        self.chunks.append((started, time.monotonic(), len(span.audio) / self.sample_rate))
        return span

    def synthesize(self, sentence: Sentence, voice: str, speed: float) -> Iterator[np.ndarray]:
        words = self.phonemize(sentence, voice)
        yield self.synthesize_words(words, 0, len(words.words), voice, speed)

    def cancel(self) -> None:
        self.inner.cancel()


def _conforms(synthesizer: FakeSynthesizer, timed: TimedSynthesizer, sink: FakeSink,
              log: EventLog) -> tuple[Synthesizer, Synthesizer, Sink, ReaderListener]:
    """Never called: mypy checks here that each fake still implements its Protocol."""
    return synthesizer, timed, sink, log
