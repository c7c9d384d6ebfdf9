"""The core ``Reader``: a transport state machine over a synthesis thread and an audio callback.

Three threads touch a reading, each with one job:

* the **owning thread** (the daemon's asyncio loop, or ``speak_text``'s loop) calls the public
  methods and receives every listener event;
* the **synthesis thread** walks the sentences of the queued jobs ahead of playback, at most
  ``lookahead`` seconds ahead, and writes audio into a ``RingBuffer`` with sentence markers;
* the **audio callback** (``_Playhead``) copies from the ring into the sound card's buffer and
  reports the markers it passes to the owning thread through ``post``.

Commands never wait for synthesis. Every restart (stop, a new job, a voice change, going back
further than the ring remembers) bumps an *epoch*: audio written under an older epoch is skipped
by the callback, and the synthesis thread drops whatever it produced for an old epoch.

Jobs play in list order: a job queued goes last, a job that cuts in (``say(interrupt=True)``)
goes first and the jobs it interrupts follow, the one being read from the sentence it was in.

The synthesizer's ``cancel()`` is called from the owning thread when the sentence being
synthesized is no longer wanted (stop, skip, a new job). It returns at once and either makes the
``synthesize`` iterator in progress raise soon (onnxruntime: ``RunOptions.terminate = True``) or
does nothing (the chunk in flight is then finished and dropped).

The states, events and listener base class the reader shares with the edges are in
:mod:`readaloud.core`.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from readaloud.core import (
    AudioStatus,
    FinishReason,
    Post,
    ReaderEvent,
    ReaderListener,
    State,
    Underruns,
    check_speed,
)
from readaloud.errors import NothingToSayError, UsageError
from readaloud.playback.cache import SentenceCache
from readaloud.playback.ringbuffer import RingBuffer
from readaloud.playback.sink import Sink
from readaloud.speech.breaks import prepare_at_breaks
from readaloud.speech.engine import MAX_PHONEME_TOKENS
from readaloud.speech.schedule import (
    BEFORE_SENTENCE_WAIT_WEIGHT,
    BETWEEN_SENTENCES_WAIT_SECONDS,
    LATER_START_SECONDS,
    MID_SENTENCE_WAIT_WEIGHT,
    NEGLIGIBLE_WAIT_SECONDS,
    Planner,
    SynthesisCost,
    joining_pays,
    plan_chunks,
)
from readaloud.speech.spans import can_split_after, synthesize_joined, synthesize_timed_span
from readaloud.speech.types import Break, PhonemeWord, Phonemized, Sentence, Synthesizer, TimedSpan
from readaloud.speech.voices import voice_info

log = logging.getLogger(__name__)

# Audio kept behind the read position so that "back" can replay a recent sentence without synthesis.
HISTORY_SECONDS = 30.0
# Markers kept behind the read position for "back": every word has one, and the sentence's start
# must still be among them (30 s at twice the normal speed is some 250 words).
HISTORY_MARKERS = 1024
# "back" within this long after a sentence starts goes to the previous sentence.
BACK_TO_PREVIOUS_SECONDS = 1.0
# Synthesized sentences kept in memory, so that hearing one again costs nothing.
CACHE_SECONDS = 300.0
# A cursor index beyond any job's end: the synthesis thread moves on to the next job.
_PAST_END = 1 << 31
# The synthesis thread prepares the next block of a long text when this few sentences are left.
PREPARE_AHEAD = 3
# Sequence numbers of sentences come in blocks of this many, one block per job each time it is queued.
SEQ_BLOCK = 1 << 32
# How many of the sentences after one may be synthesized in the same call as it.
JOIN_AHEAD = 3

# What the audio callback reports to the owning thread as it passes the ring's markers.
Passed = Literal["started", "finished", "job_end", "job_failed", "back_failed"]
# How the audio callback reports a word reaching the device: its tag, its span of the original
# text, and how many samples into the block being filled it starts.
WordReport = Callable[["_Tag", tuple[int, int], int], None]
# What the owning thread asks of the audio callback.
PlayheadRequest = tuple[Literal["accept"], int, int] | tuple[Literal["skip"]] | tuple[Literal["back"]]


@dataclass(eq=False)
class _Job:
    id: int
    sentences: list[Sentence]  # grows as ``source`` is prepared
    voice: str
    speed: float
    source: Iterator[list[Sentence]] | None  # the rest of the text, a block at a time; None: done
    # ``seq`` of the job's first sentence: a fresh block whenever the job is (re)queued, so that
    # sequence numbers keep the order of play ("skip" and "back" compare them).
    base_seq: int
    gain: float = 1.0  # scales the job's audio as it is written to the ring
    first: int = 0  # the sentence to start from (a job resumed after an interruption)
    hold: bool = False  # pause when its turn comes back: it was paused when another job cut in


@dataclass(frozen=True)
class _Tag:
    """Identifies one sentence's audio in the ring. ``seq`` orders sentences across all jobs."""

    seq: int
    epoch: int
    job: int
    sentence: Sentence


class _Kind(enum.Enum):
    PREROLL = "preroll"  # silence that wakes the sink, before a job's first sentence
    START = "start"
    HOLD = "hold"  # a clause ends here and the rest waits until it can flow: silence is deliberate
    RESUME = "resume"  # the rest of a sentence after a hold
    END = "end"
    JOB_END = "job_end"
    JOB_FAILED = "job_failed"  # synthesis failed here: the job ends with an error
    WORD = "word"  # a word of the sentence starts here


@dataclass(frozen=True)
class _Boundary:
    kind: _Kind
    tag: _Tag
    word: tuple[int, int] | None = None  # WORD: its span of the original text


@dataclass(frozen=True)
class _Chunk:
    """Audio of one synthesis call, trimmed, and when its words start in it (samples, spans)."""

    audio: np.ndarray
    words: tuple[tuple[int, tuple[int, int]], ...] = ()


class _Playhead:
    """The audio callback: copies playable audio out of the ring; never blocks, never logs.

    The owning thread talks to it only through ``paused`` and ``request`` (both lock-free); it
    reports passed markers through ``report(kind, tag, underruns, starved_frames)``, with its
    running counts of under-runs (audio that ran dry inside a sentence) at that moment.
    """

    def __init__(self, ring: RingBuffer[_Boundary], sample_rate: int,
                 report: Callable[[Passed, _Tag, int, int], None],
                 report_word: WordReport | None = None) -> None:
        self._ring = ring
        self._report = report
        self._report_word = report_word
        self._filled = 0  # samples of the current block filled so far
        self._back_frames = int(BACK_TO_PREVIOUS_SECONDS * sample_rate)
        self._requests: deque[PlayheadRequest] = deque()
        self.paused = False
        # Assigned only by the audio thread; the synthesis thread reads ``skip_through``.
        self.accept_epoch = 0
        self.grace_seq = -1
        self.skip_through = -1
        self.underruns = 0
        self.starved_frames = 0
        self._starved = False
        self.frames_played = 0
        self._tag: _Tag | None = None
        self._in_sentence = False
        self._holding = False

    def request(self, command: PlayheadRequest) -> None:
        self._requests.append(command)

    def _playable(self, tag: _Tag | None) -> bool:
        return (
            tag is not None
            and tag.seq > self.skip_through
            and (tag.epoch == self.accept_epoch or tag.seq == self.grace_seq)
        )

    def __call__(self, out: np.ndarray) -> None:
        while self._requests:
            self._handle(self._requests.popleft())
        if self.paused:
            out.fill(0.0)
            return
        ring = self._ring
        filled = 0
        frames = len(out)
        while filled < frames:
            marker = ring.next_marker()
            if marker is not None and marker.position == ring.read_position:
                self._filled = filled
                self._pass(ring.pop_marker().payload)
            elif self._playable(self._tag):
                count = ring.read(out[filled:])
                if count == 0:
                    break
                filled += count
            elif ring.skip(ring.capacity) == 0:
                break
        if filled:
            self._starved = False
        if filled < frames:
            out[filled:].fill(0.0)
            if self._in_sentence and not self._holding and self._playable(self._tag):
                if not self._starved:
                    self._starved = True
                    self.underruns += 1
                self.starved_frames += frames - filled
        self.frames_played += filled

    def _pass(self, boundary: _Boundary) -> None:
        tag = boundary.tag
        kind = boundary.kind
        if kind is _Kind.START or kind is _Kind.PREROLL:
            self._tag = tag
            self._holding = False
            self._in_sentence = kind is _Kind.START
            if self._in_sentence and self._playable(tag):
                self._tell("started", tag)
        elif kind is _Kind.WORD:
            if (tag == self._tag and self._in_sentence and self._playable(tag)
                    and boundary.word is not None and self._report_word is not None):
                self._report_word(tag, boundary.word, self._filled)
        elif kind is _Kind.HOLD or kind is _Kind.RESUME:
            self._holding = kind is _Kind.HOLD and tag == self._tag
        elif kind is _Kind.END:
            if tag == self._tag and self._in_sentence and self._playable(tag):
                self._tell("finished", tag)
            self._in_sentence = False
        elif tag.epoch == self.accept_epoch:
            self._tell("job_end" if kind is _Kind.JOB_END else "job_failed", tag)

    def _tell(self, kind: Passed, tag: _Tag) -> None:
        self._report(kind, tag, self.underruns, self.starved_frames)

    def _handle(self, command: PlayheadRequest) -> None:
        if command[0] == "accept":
            self.accept_epoch, self.grace_seq = command[1], command[2]
            self.skip_through = -1
        elif command[0] == "skip":
            if self._tag is not None:
                self.skip_through = max(self.skip_through, self._tag.seq)
        elif command[0] == "back":
            self._back()

    def _back(self) -> None:
        tag = self._tag
        if tag is None or not self._playable(tag):
            return
        ring = self._ring
        starts = [
            marker for marker in ring.recent_markers()
            if marker.payload.kind is _Kind.START and marker.payload.tag.job == tag.job
        ]
        current = next((m for m in reversed(starts) if m.payload.tag == tag), None)
        if current is None:
            return
        target_marker = current
        target = tag
        if ring.read_position - current.position < self._back_frames and tag.sentence.index > 0:
            earlier = [
                m for m in starts if m.payload.tag.seq == tag.seq - 1 and m.position < current.position
            ]
            if earlier:
                target_marker = earlier[-1]
                target = target_marker.payload.tag
            else:
                self._tell("back_failed", _Tag(tag.seq - 1, tag.epoch, tag.job, tag.sentence))
                return
        if not (ring.can_rewind_to(target_marker.position) and (
                target.epoch == self.accept_epoch or target.seq == self.grace_seq)):
            self._tell("back_failed", target)
            return
        ring.rewind(target_marker.position)
        self.skip_through = min(self.skip_through, target.seq - 1)
        self._in_sentence = False


class Reader:
    """The core. Knows nothing of D-Bus, X11, trays or PortAudio.

    Call its methods only from the owning thread; it delivers listener events on that thread via
    ``post(fn)`` (e.g. ``loop.call_soon_threadsafe``). Word events wait for the sink's output latency
    with ``post_later(delay, fn)`` (callable from the audio thread: ``handover.later_poster``); without
    it they are delivered as their audio reaches the sink.
    """

    def __init__(
        self,
        synthesizer: Synthesizer,
        sink: Sink,
        *,
        voice: str,
        speed: float,
        sentence_pause: float = 0.25,
        lookahead: float = 10.0,
        preroll: float = 0.05,
        post: Post,
        cost: SynthesisCost | None = None,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        planner: Planner = plan_chunks,
        post_later: Callable[[float, Callable[[], None]], None] | None = None,
    ) -> None:
        voice_info(voice)
        if sink.sample_rate != synthesizer.sample_rate:
            raise ValueError(
                f"sink runs at {sink.sample_rate} Hz but the synthesizer at {synthesizer.sample_rate} Hz"
            )
        self._synthesizer = synthesizer
        self._sink = sink
        self._voice = voice
        self._speed = check_speed(speed)
        self._sentence_pause = max(0.0, sentence_pause)
        self._post = post
        self._rate = synthesizer.sample_rate
        self._lookahead_frames = int(max(0.5, lookahead) * self._rate)
        self._preroll_frames = int(max(0.0, preroll) * self._rate)
        history = int(HISTORY_SECONDS * self._rate)
        self._ring: RingBuffer[_Boundary] = RingBuffer(
            self._lookahead_frames + history + 2 * self._rate, history=history,
            history_markers=HISTORY_MARKERS,
        )
        self._playhead = _Playhead(self._ring, self._rate, self._report_from_audio, self._word_from_audio)
        self._post_later = post_later
        sink.set_error_handler(self._report_sink_error)  # "lost the audio device", from its threads
        self._audio = sink.audio_status
        sink.set_status_handler(self._audio_status_from_sink)  # from its threads too
        # Both used by the synthesis thread only.
        self._cost = cost or SynthesisCost()
        self._clock = clock
        self._plan = planner
        self._joins = cache_seconds > 0  # a sentence made with the one before waits in the cache
        self._cache: SentenceCache[tuple[Sentence, tuple[_Chunk, ...]]] = SentenceCache(
            cache_seconds, self._rate, lambda entry: sum(len(chunk.audio) for chunk in entry[1]))
        self._job_underruns: dict[int, Underruns] = {}
        self._last_underruns = Underruns()
        self._counts_at_start = (0, 0)
        self._listeners: list[ReaderListener] = []
        self._state = State.IDLE
        self._next_job_id = 1
        self._next_seq = SEQ_BLOCK
        self._current: _Tag | None = None
        self._current_finished = True
        self._sink_started = False
        # Shared with the synthesis thread; guarded by _cond.
        self._cond = threading.Condition()
        self._jobs: list[_Job] = []
        self._epoch = 0
        self._grace_seq = -1
        self._epoch_start = 0
        self._cursor: tuple[int, int] = (0, 0)
        self._preroll_next = False
        self._paused = False
        self._closing = False
        self._thread: threading.Thread | None = None
        self._producing: _Tag | None = None  # the sentence being synthesized now
        self._cancelled: _Tag | None = None  # ... and whether it was asked to stop
        self._cancel_pending = False
        self._changes = 0  # bumped on every command the synthesis thread must look at
        self._idle_at = -1  # value of _changes when the synthesis thread last found nothing to do

    # -- read-only properties --------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def voice(self) -> str:
        return self._voice

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def current_job(self) -> int | None:
        return self._jobs[0].id if self._jobs else None

    @property
    def current_sentence(self) -> Sentence | None:
        return self._current.sentence if self._current is not None else None

    @property
    def underruns(self) -> Underruns:
        """Under-runs of the job being read, or of the last one when none is."""
        if self._jobs:
            return self._job_underruns.get(self._jobs[0].id, Underruns())
        return self._last_underruns

    @property
    def audio(self) -> AudioStatus:
        """Whether sound reaches the user: ``ok``, ``lost`` (being reopened) or ``none`` (no device)."""
        return self._audio

    @property
    def synthesis_cost(self) -> SynthesisCost:
        """The running estimate of what synthesis costs here (read-only use: benchmarks, status)."""
        return self._cost

    def add_listener(self, listener: ReaderListener) -> None:
        self._listeners.append(listener)

    def wait_until_synthesis_idle(self, timeout: float | None = None) -> bool:
        """Block until the synthesis thread can do nothing more right now (for tests and benchmarks).

        It is idle when every job is synthesized, the lookahead is full, or it waits for room.
        Returns False on timeout.
        """
        with self._cond:
            if self._thread is None:
                return True
            self._notify_locked()  # make a thread in a timed wait look at the ring again
            return self._cond.wait_for(lambda: self._idle_at == self._changes, timeout)

    # -- commands ----------------------------------------------------------------------------------

    def say(self, text: str, *, voice: str | None = None, speed: float | None = None,
            queue: bool = False, interrupt: bool = False, gain: float = 1.0,
            breaks: Sequence[int] = ()) -> int:
        """Start reading ``text``: replacing what is read now, after it with ``queue``, or cutting
        in with ``interrupt`` (what was being read continues afterwards from the interrupted
        sentence, and the queue after it).

        ``gain`` (0 to 1) scales this job's audio; no sentence spans an offset in ``breaks``.
        """
        if self._closing:
            raise RuntimeError("the reader is closed")
        if not text.strip():
            raise NothingToSayError("nothing to say: the text is empty")
        voice = voice or self._voice
        voice_info(voice)
        speed = check_speed(speed if speed is not None else self._speed)
        if not 0.0 <= gain <= 1.0:
            raise UsageError(f"volume {gain:g} is out of range; use a value from 0 to 1")
        # Only the first block of a long text is prepared here; the rest as reading gets to it.
        source = prepare_at_breaks(lambda piece: self._synthesizer.prepare(piece, voice), text, breaks)
        sentences: list[Sentence] = []
        while not sentences:
            block = next(source, None)
            if block is None:
                raise NothingToSayError("nothing to read: the text has no speakable words")
            sentences.extend(block)
        job = _Job(self._next_job_id, sentences, voice, speed, source, self._take_seq_block(),
                   gain=float(gain))
        self._next_job_id += 1
        self._ensure_thread()
        if interrupt and self._jobs:
            return self._cut_in(job)
        if queue and self._jobs:
            with self._cond:
                self._jobs.append(job)
                self._notify_locked()
            return job.id
        replaced = list(self._jobs)
        self._finish_current_sentence()
        self._current = None
        with self._commanding():
            self._jobs = [job]
            self._restart_locked((job.id, 0), grace_seq=-1)
            self._preroll_next = not self._sink_started
            self._paused = False
        self._playhead.paused = False
        for old in replaced:
            self._job_ended(old, FinishReason.REPLACED)
        self._start_speaking()
        return job.id

    def _cut_in(self, job: _Job) -> int:
        """Play ``job`` now; the jobs it interrupts follow, the one being read from its sentence."""
        interrupted = self._jobs[0]
        current = self._current
        if current is not None and current.job == interrupted.id:
            # A sentence heard to its end is not read again.
            resume_at = current.sentence.index + (1 if self._current_finished else 0)
        else:
            resume_at = interrupted.first
        was_paused = self._state is State.PAUSED
        self._finish_current_sentence()
        self._current = None
        with self._commanding():
            interrupted.first = resume_at
            interrupted.hold = interrupted.hold or was_paused
            for waiting in self._jobs:
                waiting.base_seq = self._take_seq_block()
            self._jobs = [job, *self._jobs]
            self._restart_locked((job.id, 0), grace_seq=-1)
            self._preroll_next = not self._sink_started
            self._paused = False
        self._playhead.paused = False
        self._start_speaking()
        return job.id

    def _take_seq_block(self) -> int:
        seq = self._next_seq
        self._next_seq += SEQ_BLOCK
        return seq

    def _start_speaking(self) -> None:
        try:
            self._start_sink()
        except Exception:
            # No audio device: nothing was heard, so the request fails as a whole.
            interrupted = self._jobs[1:]
            with self._commanding():
                self._jobs = []
                self._restart_locked((0, 0), grace_seq=-1)
            for old in interrupted:
                self._job_ended(old, FinishReason.STOPPED)
            self._set_state(State.IDLE)
            raise
        self._set_state(State.SPEAKING)

    def pause(self) -> None:
        if self._state is not State.SPEAKING:
            return
        self._playhead.paused = True
        with self._cond:
            self._paused = True
        self._stop_sink()
        self._set_state(State.PAUSED)

    def resume(self) -> None:
        if self._state is not State.PAUSED:
            return
        self._start_sink()  # raises AudioDeviceError and stays paused when the device is gone
        self._playhead.paused = False
        with self._cond:
            self._paused = False
            self._notify_locked()
        self._set_state(State.SPEAKING)

    def toggle(self) -> None:
        if self._state is State.PAUSED:
            self.resume()
        else:
            self.pause()

    def stop(self) -> None:
        """Silence at once, drop the queue and all pending synthesis."""
        if not self._jobs:
            return
        self._stop_sink()
        self._finish_current_sentence()
        stopped = list(self._jobs)
        with self._commanding():
            self._jobs = []
            self._restart_locked((0, 0), grace_seq=-1)
            self._paused = False
        self._playhead.paused = False
        self._current = None
        for job in stopped:
            self._job_ended(job, FinishReason.STOPPED)
        self._set_state(State.IDLE)

    def stop_job(self, job_id: int) -> None:
        """Stop one job: silence it at once if it is being read (the next job follows), or drop it
        from the queue. Other jobs are untouched; an unknown or finished job is no error."""
        job = self._job(job_id)
        if job is None:
            return
        if len(self._jobs) == 1:
            self.stop()
            return
        if job is self._jobs[0]:
            self._finish_current_sentence()
            self._current = None
            with self._commanding():
                self._jobs.remove(job)
                following = self._jobs[0]
                self._restart_locked((following.id, following.first), grace_seq=-1)
        else:
            with self._commanding():
                reached = self._synthesis_reached_locked(job)
                self._jobs.remove(job)
                if reached:
                    # Audio of the dropped job may be in the ring: synthesize again after the
                    # sentence playing (which plays on).
                    self._restart_after_current_locked()
        self._job_ended(job, FinishReason.STOPPED)
        self._hold_if_asked()

    def _synthesis_reached_locked(self, job: _Job) -> bool:
        """Whether the synthesis thread has got to ``job`` (or past it) in the order of play."""
        cursor_job = self._job(self._cursor[0])
        return cursor_job is None or self._jobs.index(cursor_job) >= self._jobs.index(job)

    def _hold_if_asked(self) -> None:
        """A job that was paused when another cut in pauses again when its turn comes back."""
        if self._jobs and self._jobs[0].hold:
            self._jobs[0].hold = False
            self.pause()

    def skip(self) -> None:
        """Go on to the next sentence."""
        if self._jobs:
            self._playhead.request(("skip",))
            current = self._current
            if current is not None:
                with self._commanding():
                    self._cancel_synthesis_locked(lambda tag: tag.seq <= current.seq)

    def back(self) -> None:
        """Restart the current sentence, or the previous one when within its first second."""
        if self._jobs:
            self._playhead.request(("back",))

    def set_voice(self, name: str) -> None:
        """Use voice ``name`` from the next sentence on (and for later requests)."""
        voice_info(name)
        if name == self._voice:
            return
        self._voice = name
        self._change_after_current(lambda job: setattr(job, "voice", name))
        self._emit(ReaderEvent.VOICE_CHANGED, lambda listener: listener.on_voice_changed(name))

    def set_sentence_pause(self, seconds: float) -> None:
        """Pause between sentences (at speed 1) for sentences synthesized from now on."""
        with self._cond:
            self._sentence_pause = max(0.0, seconds)

    def set_speed(self, speed: float) -> None:
        """Speak at ``speed`` from the next sentence on (and for later requests)."""
        speed = check_speed(speed)
        if speed == self._speed:
            return
        self._speed = speed
        self._change_after_current(lambda job: setattr(job, "speed", speed))
        self._emit(ReaderEvent.SPEED_CHANGED, lambda listener: listener.on_speed_changed(speed))

    def close(self) -> None:
        """Stop everything, close the sink and join the synthesis thread."""
        self.stop()
        with self._cond:
            self._closing = True
            self._notify_locked()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._sink.close()
        self._sink_started = False

    # -- owning-thread helpers -----------------------------------------------------------------

    def _emit(self, event: ReaderEvent, deliver: Callable[[ReaderListener], None]) -> None:
        """Hand ``event`` to every listener (``deliver`` calls its handler); one failing listener
        is logged and does not keep the event from the others."""
        for listener in list(self._listeners):
            try:
                deliver(listener)
            except Exception:
                log.exception("a reader listener failed in on_%s", event.value)

    def _set_state(self, state: State) -> None:
        if state is not self._state:
            self._state = state
            self._emit(ReaderEvent.STATE_CHANGED, lambda listener: listener.on_state_changed(state))

    def _start_sink(self) -> None:
        try:
            self._sink.start(self._playhead)
        finally:
            self._sync_audio()  # a request re-probes the device: "none" may have become "ok"
        with self._cond:
            self._sink_started = True
            self._notify_locked()

    def _stop_sink(self) -> None:
        if self._sink_started:
            self._sink.stop()
            with self._cond:
                self._sink_started = False

    def _finish_current_sentence(self) -> None:
        if self._current is not None and not self._current_finished:
            self._current_finished = True
            job, sentence = self._current.job, self._current.sentence
            self._emit(ReaderEvent.SENTENCE_FINISHED,
                       lambda listener: listener.on_sentence_finished(job, sentence))

    def _notify_locked(self) -> None:
        self._changes += 1
        self._cond.notify_all()

    def _wait_locked(self, timeout: float | None) -> None:
        self._idle_at = self._changes
        self._cond.notify_all()
        self._cond.wait(timeout)
        self._idle_at = -1

    @contextlib.contextmanager
    def _commanding(self) -> Iterator[None]:
        """Hold the lock for a command; ask the engine to cancel (if needed) only after it."""
        with self._cond:
            yield
            cancel, self._cancel_pending = self._cancel_pending, False
        if cancel:
            # Outside the lock: the engine may take its own lock, which the synthesis thread holds.
            self._synthesizer.cancel()

    def _cancel_synthesis_locked(self, stale: Callable[[_Tag], bool]) -> None:
        """Drop the sentence being synthesized if it is ``stale``, and have the engine stop early."""
        producing = self._producing
        if producing is None or producing is self._cancelled or not stale(producing):
            return
        self._cancelled = producing
        self._cancel_pending = True

    def _restart_locked(self, cursor: tuple[int, int], *, grace_seq: int) -> None:
        """New epoch: old audio is skipped, old synthesis dropped; produce from ``cursor``."""
        self._epoch += 1
        self._grace_seq = grace_seq
        self._cancel_synthesis_locked(lambda tag: tag.seq != grace_seq)
        self._epoch_start = self._ring.written
        self._cursor = cursor
        self._playhead.request(("accept", self._epoch, grace_seq))
        self._notify_locked()

    def _change_after_current(self, change: Callable[[_Job], None]) -> None:
        with self._commanding():
            for job in self._jobs:
                change(job)
            self._restart_after_current_locked()

    def _restart_after_current_locked(self) -> None:
        """Synthesize again from the sentence after the one playing, which plays on (grace)."""
        if not self._jobs:
            return
        current = self._current
        if current is None or current.job != self._jobs[0].id:
            self._restart_locked((self._jobs[0].id, self._jobs[0].first), grace_seq=-1)
        else:
            self._restart_locked((current.job, current.sentence.index + 1), grace_seq=current.seq)

    def _job(self, job_id: int) -> _Job | None:
        return next((job for job in self._jobs if job.id == job_id), None)

    def _job_finished(self, job_id: int, reason: FinishReason) -> None:
        self._emit(ReaderEvent.JOB_FINISHED, lambda listener: listener.on_job_finished(job_id, reason))

    def _report_error(self, message: str) -> None:
        self._emit(ReaderEvent.ERROR, lambda listener: listener.on_error(message))

    def _report_sink_error(self, message: str) -> None:
        self._post(functools.partial(self._report_error, message))

    def _audio_status_from_sink(self, status: AudioStatus) -> None:
        self._post(self._sync_audio)

    def _sync_audio(self) -> None:
        """Take the sink's status now (a request may have changed it before the posted news came)."""
        status = self._sink.audio_status
        if status is not self._audio:
            self._audio = status
            self._emit(ReaderEvent.AUDIO_CHANGED, lambda listener: listener.on_audio_changed(status))

    def _report_from_audio(self, kind: Passed, tag: _Tag, underruns: int, starved: int) -> None:
        # Runs on the audio thread: hand over and return.
        self._post(functools.partial(self._on_boundary, kind, tag, underruns, starved))

    def _word_from_audio(self, tag: _Tag, span: tuple[int, int], offset: int) -> None:
        # Runs on the audio thread: hand over and return. The word is heard once the device has
        # played what it holds before it.
        delay = self._sink.output_latency + offset / self._rate
        word = functools.partial(self._on_word, tag, span)
        if self._post_later is not None and delay > 0:
            self._post_later(delay, word)
        else:
            self._post(word)

    def _on_word(self, tag: _Tag, span: tuple[int, int]) -> None:
        if self._job(tag.job) is None or self._current != tag:
            return  # stopped, skipped or replaced while the word was on its way to the speakers
        self._emit(ReaderEvent.WORD_STARTED,
                   lambda listener: listener.on_word_started(tag.job, tag.sentence.index, *span))

    def _on_boundary(self, kind: Passed, tag: _Tag, underruns: int = 0, starved: int = 0) -> None:
        job = self._job(tag.job)
        if job is None:
            return  # a job that was stopped or replaced since
        if kind == "started":
            if self._current != tag:
                self._finish_current_sentence()
            self._current = tag
            self._current_finished = False
            self._counts_at_start = (underruns, starved)
            self._emit(ReaderEvent.SENTENCE_STARTED,
                       lambda listener: listener.on_sentence_started(tag.job, tag.sentence))
        elif kind == "finished":
            if tag == self._current:
                self._count_underruns(job, underruns, starved)
                self._finish_current_sentence()
        elif kind in ("job_end", "job_failed"):
            self._finish_current_sentence()
            self._current = None
            self._finish_job(job, FinishReason.DONE if kind == "job_end" else FinishReason.ERROR)
        elif kind == "back_failed":
            self._back_by_synthesis(job, tag)

    def _finish_job(self, job: _Job, reason: FinishReason) -> None:
        with self._cond:
            self._jobs.remove(job)
        self._after_job(job, reason)

    def _count_underruns(self, job: _Job, underruns: int, starved: int) -> None:
        count = underruns - self._counts_at_start[0]
        if count > 0:
            stats = self._job_underruns.setdefault(job.id, Underruns())
            stats.count += count
            stats.sentences += 1
            stats.seconds += (starved - self._counts_at_start[1]) / self._rate

    def _job_ended(self, job: _Job, reason: FinishReason) -> None:
        stats = self._job_underruns.pop(job.id, Underruns())
        self._last_underruns = stats
        if stats.count:
            log.info("job %d: the audio ran dry %d times in %d of %d sentences (%.1f s of silence)",
                     job.id, stats.count, stats.sentences, len(job.sentences), stats.seconds)
        self._job_finished(job.id, reason)

    def _after_job(self, job: _Job, reason: FinishReason) -> None:
        self._job_ended(job, reason)
        if not self._jobs:
            self._stop_sink()
            with self._cond:
                self._paused = False
            self._playhead.paused = False
            self._set_state(State.IDLE)
        else:
            self._hold_if_asked()

    def _back_by_synthesis(self, job: _Job, target: _Tag) -> None:
        """"back" to audio the ring no longer holds: synthesize the target sentence again."""
        index = max(0, min(target.seq - job.base_seq, len(job.sentences) - 1))
        self._finish_current_sentence()
        with self._commanding():
            self._restart_locked((job.id, index), grace_seq=-1)

    def _on_synthesis_failed(self, job_id: int, message: str) -> None:
        if self._job(job_id) is not None:
            self._report_error(message)

    # -- synthesis thread ------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._produce, name="readaloud-synthesis", daemon=True)
            self._thread.start()

    def _next_item_locked(self) -> tuple[_Job, int] | None:
        """The job and sentence to synthesize next: jobs in list order, each from its ``first``."""
        job_id, index = self._cursor
        for position, job in enumerate(self._jobs):
            if job.id != job_id:
                continue
            if index <= len(job.sentences):
                return job, index
            following = self._jobs[position + 1 : position + 2]
            return (following[0], following[0].first) if following else None
        # The cursor's job has gone (it finished playing): on with the first one left.
        return (self._jobs[0], self._jobs[0].first) if self._jobs else None

    def _buffered_locked(self) -> int:
        return self._ring.written - max(self._ring.read_position, self._epoch_start)

    def _drain_timeout_locked(self, frames: int) -> float | None:
        """How long to wait for the callback to play ``frames``; None while it is not playing."""
        if self._paused or not self._sink_started:
            return None
        return min(1.0, max(0.005, frames / self._rate))

    def _valid_locked(self, tag: _Tag) -> bool:
        current = tag.epoch == self._epoch or tag.seq == self._grace_seq
        return current and tag is not self._cancelled and tag.seq > self._playhead.skip_through

    def _produce(self) -> None:
        while True:
            source: Iterator[list[Sentence]] | None = None
            with self._cond:
                while True:
                    if self._closing:
                        return
                    item = self._next_item_locked()
                    excess = self._buffered_locked() - self._lookahead_frames
                    if item is not None and excess < 0:
                        break
                    self._wait_locked(None if item is None else self._drain_timeout_locked(excess))
                job, index = item
                if job.source is not None and len(job.sentences) - index < PREPARE_AHEAD:
                    source = job.source
                else:
                    self._cursor = (job.id, index + 1)
                    sentence = job.sentences[min(index, len(job.sentences) - 1)]
                    tag = _Tag(job.base_seq + sentence.index, self._epoch, job.id, sentence)
                    self._producing = tag
                    voice, speed, gain = job.voice, job.speed, job.gain
                    if index == len(job.sentences):
                        self._ring.mark(_Boundary(_Kind.JOB_END, tag))
                        continue
                    if self._preroll_next:
                        self._preroll_next = False
                        self._ring.mark(_Boundary(_Kind.PREROLL, tag))
                        self._write_locked(np.zeros(self._preroll_frames, dtype=np.float32), tag)
            if source is not None:
                self._prepare_block(job, source)
                continue
            followers = job.sentences[index + 1 : index + 1 + JOIN_AHEAD]
            self._produce_sentence(tag, voice, speed, gain, last=index == len(job.sentences) - 1,
                                   followers=followers)

    def _prepare_block(self, job: _Job, source: Iterator[list[Sentence]]) -> None:
        """Normalize the next block of a long text (outside the lock: it takes milliseconds)."""
        try:
            block = next(source, None)
        except Exception as error:
            # The message may quote the text: only its type above DEBUG.
            log.error("preparing the rest of the text failed (%s); reading stops there",
                      type(error).__name__)
            log.debug("text preparation failure", exc_info=True)
            block = None
        with self._cond:
            if block is None:
                job.source = None
            else:
                job.sentences.extend(block)
            self._notify_locked()

    def _produce_sentence(self, tag: _Tag, voice: str, speed: float, gain: float, *, last: bool,
                          followers: Sequence[Sentence] = ()) -> None:
        started = completed = False
        try:
            cached = self._cache.get(tag.sentence.text, voice, speed)
            if cached is not None:
                chunks = _replace_words(cached, tag.sentence)
                started = completed = self._hand_over(tag, chunks, _Kind.START, gain)
            else:
                started, completed = self._synthesize_sentence(tag, voice, speed, gain, followers)
        except Exception as error:
            with self._cond:
                cancelled = tag is self._cancelled
            if not cancelled:
                # The engine failed: the job ends with an error once what was read before has played.
                # Exception messages may quote the text being read: only the type at ERROR.
                log.error("synthesis failed (%s)", type(error).__name__)
                log.debug("synthesis failure", exc_info=True)
                message = f"speech synthesis failed: {error}"
                self._post(functools.partial(self._on_synthesis_failed, tag.job, message))
                with self._cond:
                    self._producing = None
                    if tag.epoch == self._epoch:
                        self._ring.mark(_Boundary(_Kind.JOB_FAILED, tag))
                        self._cursor = (tag.job, _PAST_END)
                return
        with self._cond:
            self._producing = None
            if completed and started and self._valid_locked(tag):
                self._ring.mark(_Boundary(_Kind.END, tag))
                self._end_job_locked(tag, last)
                pause = int(self._rate * self._sentence_pause / speed)
                self._write_locked(np.zeros(pause, dtype=np.float32), tag)
            else:
                # Dropped part-way (skipped): the job's end must still be marked.
                self._end_job_locked(tag, last)

    def _synthesize_sentence(self, tag: _Tag, voice: str, speed: float, gain: float,
                             followers: Sequence[Sentence] = ()) -> tuple[bool, bool]:
        """Synthesize ``tag``'s sentence chunk by chunk, cut where the cost model says.

        A sentence is handed to playback as soon as its first chunk is made, after as much
        silence as the plan says the rest needs to follow without a gap: any waiting then falls
        between sentences, and lasts no longer than needed. When synthesis falls behind in the
        middle of a sentence (the machine got busier), the chunk in progress ends at the next
        clause and the rest waits there, never in the middle of a phrase. The cache keeps the
        audio before ``gain``, so a sentence heard again plays at its new job's volume. Before it
        starts, the plan also leaves time for the sentence after it (the first of ``followers``):
        when that one will need a long wait, this one starts later instead. When the sentences
        after it are short enough that one call for them all is ready sooner than the wait between
        them would end, they are made together (``_synthesize_joined``). Returns (started, completed).
        """
        words = self._synthesizer.phonemize(tag.sentence, voice)
        run = self._run_to_join(words, followers, voice, speed)
        if len(run) > 1:
            after = followers[len(run) - 1] if len(followers) >= len(run) else None
            joined = self._synthesize_joined(tag, run, after, voice, speed, gain)
            if joined is not None:
                return joined
        upcoming = self._upcoming_words(followers[0] if followers else None, voice, speed)
        count = len(words.words)
        made: list[_Chunk] = []
        held: list[_Chunk] = []  # made, not yet handed to playback
        holding = True
        started = False
        position = 0
        segment_end = count  # a wait may fall here: the sentence's end, or a clause when late
        # When (clock time) a sentence made in one call should start, to leave the next one time.
        start_at: float | None = None
        latest_lead = 0.0
        while position < count:
            with self._cond:
                if not self._valid_locked(tag):
                    return started, False
                buffered = self._buffered_locked() / self._rate
            held_seconds = sum(len(chunk.audio) for chunk in held) / self._rate
            # Once a sentence plays, a wait is a stutter (held at a clause, too). Before it, silence
            # beyond its pause is felt too, though less: more cuts to shorten it cost fixed time
            # per call that the sentences after it need when the machine is slow.
            weight = MID_SENTENCE_WAIT_WEIGHT if started else BEFORE_SENTENCE_WAIT_WEIGHT
            then = 0.0
            if upcoming and not started and segment_end == count:
                # The next sentence planned as if it got its pause and the allowed wait only: what
                # it would still have to wait for is what this one must leave it.
                then = self._next_sentence_wait(upcoming, self._sentence_pause / speed, speed)
            plan = self._plan(words.words[position:segment_end], buffered + held_seconds, self._cost,
                              speed=speed, wait_weight=weight, then=then)
            log.debug("sentence %d at word %d: %.2f s buffered, %.2f s made; plan %s, wait %.2f s"
                      " (next sentence late by %.2f s)", tag.sentence.index, position, buffered,
                      held_seconds, plan.ends, plan.wait, max(0.0, then))
            if then > 0 and not held and len(plan.ends) == 1:
                # Made in one call, it is handed over whole: the silence it leaves the next
                # sentence must come before it, then, as it would before its first chunk.
                alone = self._plan(words.words[position:segment_end], buffered, self._cost,
                                   speed=speed, wait_weight=weight)
                if plan.wait - alone.wait > NEGLIGIBLE_WAIT_SECONDS:
                    start_at = self._clock() + buffered + plan.wait
                    latest_lead = plan.wait - alone.wait
            if holding and held:
                # Start it now, after exactly the silence the plan needs: holding it back instead
                # would last until the next chunk is made, however small the wait.
                lead = plan.wait if plan.wait > NEGLIGIBLE_WAIT_SECONDS else 0.0
                if not self._hand_over(tag, held, _Kind.RESUME if started else _Kind.START, gain,
                                       lead=lead):
                    return started, False
                started, holding, held = True, False, []
            elif not holding and plan.wait > NEGLIGIBLE_WAIT_SECONDS and segment_end == count:
                if words.words[position - 1].follows >= Break.CLAUSE:
                    with self._cond:  # at a clause already: wait here
                        self._ring.mark(_Boundary(_Kind.HOLD, tag))
                    holding = True
                    continue
                clause = _next_clause_end(words, position)
                if clause is not None:
                    segment_end = clause
                    continue
            end = position + plan.first_end
            chunk = self._synthesize_span(words, position, end, voice, speed)
            position = end
            if len(chunk.audio):
                made.append(chunk)
                if holding:
                    held.append(chunk)
                elif not self._hand_over(tag, [chunk], None, gain):
                    return started, False
            if position == segment_end < count:
                segment_end = count
                if not holding:
                    with self._cond:
                        self._ring.mark(_Boundary(_Kind.HOLD, tag))
                    holding = True
        if held:
            lead = 0.0
            if start_at is not None and not started:
                with self._cond:
                    buffered = self._buffered_locked() / self._rate
                lead = min(latest_lead, start_at - self._clock() - buffered)
            lead = lead if lead > NEGLIGIBLE_WAIT_SECONDS else 0.0
            if not self._hand_over(tag, held, _Kind.RESUME if started else _Kind.START, gain, lead=lead):
                return started, False
            started = True
        self._cache.put(tag.sentence.text, voice, speed, (tag.sentence, tuple(made)))
        return started, True

    def _run_to_join(self, words: Phonemized, followers: Sequence[Sentence], voice: str,
                     speed: float) -> list[Phonemized]:
        """``words`` and the sentences after it worth making in the same call (``joining_pays``)."""
        run = [words]
        if not (followers and self._joins and self._synthesizer.has_word_timing
                and can_split_after(words)):
            return run
        with self._cond:
            buffered = self._buffered_locked() / self._rate
        tokens = sum(word.tokens for word in words.words)
        alone = self._plan(words.words, buffered, self._cost, speed=speed,
                           wait_weight=BEFORE_SENTENCE_WAIT_WEIGHT)
        if alone.ends != (len(words.words),):
            return run  # long enough to be cut itself
        audio = self._cost.audio_seconds(tokens, speed)
        pause = self._sentence_pause / speed
        for following in followers:
            if self._cache.get(following.text, voice, speed) is not None:
                break
            after = self._synthesizer.phonemize(following, voice)
            more = sum(word.tokens for word in after.words)
            if tokens + more > MAX_PHONEME_TOKENS or not can_split_after(after):
                break
            needs = self._plan(after.words, 0.0, self._cost, speed=speed,
                               wait_weight=BEFORE_SENTENCE_WAIT_WEIGHT).wait
            more_audio = self._cost.audio_seconds(more, speed)
            if not joining_pays(audio, more_audio, needs, buffered, pause, self._cost):
                break
            run.append(after)
            tokens += more
            audio += more_audio
        return run

    def _synthesize_joined(self, tag: _Tag, run: list[Phonemized], after: Sentence | None, voice: str,
                           speed: float, gain: float) -> tuple[bool, bool] | None:
        """``run`` (this sentence and the ones after it) in one call: this one is handed to
        playback, all go to the cache, where the producer finds the others when it comes to them.
        Like a sentence made alone, the run starts later when the sentence ``after`` it would
        otherwise wait long. None when the audio could not be cut apart (the sentences are then
        made one by one)."""
        with self._cond:
            if not self._valid_locked(tag):
                return False, False
        spans = synthesize_joined(self._synthesizer, run, voice, speed, self._cost, self._clock)
        if spans is None:
            log.debug("sentences %d-%d could not be cut apart; made one by one",
                      run[0].sentence.index, run[-1].sentence.index)
            return None
        chunks = [_chunk_of(span) for span in spans]
        for words, chunk in zip(run, chunks, strict=True):
            self._cache.put(words.sentence.text, voice, speed, (words.sentence, (chunk,)))
        if not len(chunks[0].audio):
            return False, True
        pause = self._sentence_pause / speed
        heard = sum(len(chunk.audio) for chunk in chunks) / self._rate + pause * len(chunks)
        lead = 0.0
        upcoming = self._upcoming_words(after, voice, speed)
        if upcoming:
            with self._cond:
                buffered = self._buffered_locked() / self._rate
            then = self._next_sentence_wait(upcoming, buffered + heard, speed)
            lead = min(LATER_START_SECONDS, then) if then > NEGLIGIBLE_WAIT_SECONDS else 0.0
        return self._hand_over(tag, [chunks[0]], _Kind.START, gain, lead=lead), True

    def _next_sentence_wait(self, upcoming: list[PhonemeWord], ahead: float, speed: float) -> float:
        """How much longer than the allowed wait the next sentence (``upcoming``) would wait, with
        ``ahead`` seconds of audio to play before it and its synthesis starting now."""
        return self._plan(upcoming, ahead + BETWEEN_SENTENCES_WAIT_SECONDS, self._cost, speed=speed,
                          wait_weight=BEFORE_SENTENCE_WAIT_WEIGHT).wait

    def _upcoming_words(self, following: Sentence | None, voice: str, speed: float) -> list[PhonemeWord]:
        """The words of the sentence after this one, when it will have to be synthesized."""
        if following is None or self._cache.get(following.text, voice, speed) is not None:
            return []
        return list(self._synthesizer.phonemize(following, voice).words)

    def _synthesize_span(self, words: Phonemized, start: int, end: int, voice: str,
                         speed: float) -> _Chunk:
        return _chunk_of(synthesize_timed_span(self._synthesizer, words, start, end, voice, speed,
                                               self._cost, self._clock))

    def _hand_over(self, tag: _Tag, chunks: list[_Chunk], kind: _Kind | None, gain: float,
                   *, lead: float = 0.0) -> bool:
        """Write ``chunks`` to the ring for playback, after ``lead`` seconds of silence and a
        ``kind`` marker, with a marker where each word starts, scaled by ``gain`` (here, not in the
        audio callback, which only copies); False if stale."""
        if gain != 1.0:
            chunks = [_Chunk(chunk.audio * np.float32(gain), chunk.words) for chunk in chunks]
        with self._cond:
            if not self._valid_locked(tag):
                return False  # stopped, skipped or restarted: the audio in hand is dropped
            if lead > 0 and not self._write_locked(np.zeros(round(lead * self._rate), np.float32), tag):
                return False
            if kind is not None:
                self._ring.mark(_Boundary(kind, tag))
            for chunk in chunks:
                written = 0
                for start, span in chunk.words:
                    if not self._write_locked(chunk.audio[written:start], tag):
                        return False
                    self._ring.mark(_Boundary(_Kind.WORD, tag, span))
                    written = max(written, start)
                if not self._write_locked(chunk.audio[written:], tag):
                    return False
            return True

    def _end_job_locked(self, tag: _Tag, last: bool) -> None:
        if last and tag.epoch == self._epoch and self._cursor == (tag.job, tag.sentence.index + 1):
            self._ring.mark(_Boundary(_Kind.JOB_END, tag))
            self._cursor = (tag.job, _PAST_END)

    def _write_locked(self, samples: np.ndarray, tag: _Tag) -> bool:
        """Write all of ``samples``, waiting for room; False if the tag became stale meanwhile."""
        offset = 0
        while offset < len(samples):
            if not self._valid_locked(tag):
                return False
            offset += self._ring.write(samples[offset:])
            if offset < len(samples):
                self._wait_locked(self._drain_timeout_locked(len(samples) - offset))
        return True


def _chunk_of(span: TimedSpan) -> _Chunk:
    """A span's audio with where each of its words (placed in the text) starts."""
    heard = len(span.audio)
    starts = tuple(
        (timing.start, (timing.text_start, timing.text_end)) for timing in span.words
        if timing.text_start is not None and timing.text_end is not None and timing.start < heard
    )
    return _Chunk(span.audio, starts)


def _replace_words(cached: tuple[Sentence, tuple[_Chunk, ...]], sentence: Sentence) -> list[_Chunk]:
    """Cached chunks for ``sentence``: their words moved to where it stands in its text, or
    dropped when its original text is not the cached one's length (the same words, written
    differently: where each word stands is then unknown)."""
    origin, chunks = cached
    if origin.end - origin.start != sentence.end - sentence.start:
        return [_Chunk(chunk.audio) for chunk in chunks]
    shift = sentence.start - origin.start
    return [
        _Chunk(chunk.audio, tuple((at, (first + shift, last + shift)) for at, (first, last) in chunk.words))
        for chunk in chunks
    ]


def _next_clause_end(words: Phonemized, position: int) -> int | None:
    """The end of the first clause after ``position`` (not the sentence's end), if any."""
    for index in range(position + 1, len(words.words)):
        if words.words[index - 1].follows >= Break.CLAUSE:
            return index
    return None
