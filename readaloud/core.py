"""The core's contract: what the reader is doing, what it tells its listeners, what the edges may ask.

The implementation is :class:`readaloud.playback.player.Reader`; this module holds only the types
every side shares, and imports neither numpy nor any edge, so the D-Bus service, MPRIS, the desktop
frontend and the CLI can all use them:

* :class:`State` and :data:`BUSY_STATES`, :class:`FinishReason`, :class:`AudioStatus`;
* :class:`ReaderListener`, the base class of everything that receives the reader's events (override
  the events you need; the rest do nothing), and :class:`ReaderEvent`, their names;
* :class:`ReaderControl`, the commands and properties the edges drive, and :class:`Underruns`;
* the speaking rate Kokoro accepts (:data:`MIN_SPEED` to :data:`MAX_SPEED`) and :func:`check_speed`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from readaloud.errors import UsageError

if TYPE_CHECKING:
    from readaloud.speech.types import Sentence

# The speaking rates Kokoro-82M reads intelligibly; 1.0 is its normal rate.
MIN_SPEED, MAX_SPEED = 0.5, 2.0

# ``post(fn)``: run ``fn`` soon on the reader's owning thread; callable from any thread.
Post = Callable[[Callable[[], None]], None]


def check_speed(speed: float) -> float:
    """Return ``speed`` as a float, or raise ``UsageError`` when Kokoro cannot speak at that rate."""
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise UsageError(f"speed {speed:g} is out of range; use a value from {MIN_SPEED} to {MAX_SPEED}")
    return float(speed)


class State(str, enum.Enum):
    """What the reader is doing (``loading`` only before the daemon has built it)."""

    LOADING = "loading"
    IDLE = "idle"
    SPEAKING = "speaking"
    PAUSED = "paused"


# States with a job in hand: transport commands (pause, skip, back) act, a new selection is "busy".
# A tuple, not a set: a state's plain string value ("paused") is found in it too.
BUSY_STATES: tuple[State, ...] = (State.SPEAKING, State.PAUSED)


class AudioStatus(str, enum.Enum):
    """Whether sound can reach the user: ``ok``; ``lost`` (the device or sound server went away
    while in use and is being reopened); ``none`` (no output device found: no sound server yet)."""

    OK = "ok"
    LOST = "lost"
    NONE = "none"


class FinishReason(str, enum.Enum):
    """Why a job ended."""

    DONE = "done"
    STOPPED = "stopped"
    REPLACED = "replaced"
    ERROR = "error"


class ReaderEvent(str, enum.Enum):
    """The events a reader emits; each is the :class:`ReaderListener` method ``on_<value>``."""

    STATE_CHANGED = "state_changed"
    SENTENCE_STARTED = "sentence_started"
    SENTENCE_FINISHED = "sentence_finished"
    WORD_STARTED = "word_started"
    JOB_FINISHED = "job_finished"
    VOICE_CHANGED = "voice_changed"
    SPEED_CHANGED = "speed_changed"
    AUDIO_CHANGED = "audio_changed"
    ERROR = "error"


class ReaderListener:
    """Receives the reader's events, always on the owning thread; every event does nothing here."""

    def on_state_changed(self, state: State) -> None:
        pass

    def on_sentence_started(self, job: int, sentence: Sentence) -> None:
        pass

    def on_sentence_finished(self, job: int, sentence: Sentence) -> None:
        pass

    def on_word_started(self, job: int, sentence: int, start: int, end: int) -> None:
        """The word at ``start:end`` of job ``job``'s text (in sentence number ``sentence``) is
        being heard."""

    def on_job_finished(self, job: int, reason: FinishReason) -> None:
        pass

    def on_voice_changed(self, voice: str) -> None:
        pass

    def on_speed_changed(self, speed: float) -> None:
        pass

    def on_audio_changed(self, audio: AudioStatus) -> None:
        """The audio output became usable, was lost, or is not there (see :class:`AudioStatus`)."""

    def on_error(self, message: str) -> None:
        """A problem the user should hear about (the audio device was lost, synthesis failed)."""


@dataclass
class Underruns:
    """Where a job's audio ran dry inside sentences: what a listener heard as a stutter."""

    count: int = 0  # times the audio ran dry
    sentences: int = 0  # sentences in which it did
    seconds: float = 0.0  # silence they added


class ReaderControl(Protocol):
    """What the edges (D-Bus, MPRIS, desktop, the daemon's policy) may ask of the reader.

    Call it only on the owning thread. ``say`` raises ``NothingToSayError`` for a text with
    nothing to speak, ``UsageError`` for other bad arguments,
    ``UnknownVoiceError`` for a bad voice and ``AudioDeviceError`` without an output device.
    """

    @property
    def state(self) -> State: ...
    @property
    def voice(self) -> str: ...
    @property
    def speed(self) -> float: ...
    @property
    def current_job(self) -> int | None: ...
    @property
    def current_sentence(self) -> Sentence | None: ...
    @property
    def underruns(self) -> Underruns:
        """Under-runs of the job being read, or of the last one when none is."""
        ...
    @property
    def audio(self) -> AudioStatus:
        """Whether sound reaches the user now."""
        ...

    def add_listener(self, listener: ReaderListener) -> None: ...
    def say(self, text: str, *, voice: str | None = None, speed: float | None = None,
            queue: bool = False, interrupt: bool = False, gain: float = 1.0,
            breaks: Sequence[int] = ()) -> int:
        """Read ``text``: instead of what is read now, after it (``queue``), or before it
        (``interrupt``: what was read continues afterwards); ``gain`` 0–1 scales its volume and no
        sentence spans an offset in ``breaks``."""
        ...

    def stop_job(self, job_id: int) -> None:
        """Stop one job (the next one follows at once); others are untouched."""
        ...

    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def toggle(self) -> None: ...
    def stop(self) -> None: ...
    def skip(self) -> None: ...
    def back(self) -> None: ...
    def set_voice(self, name: str) -> None: ...
    def set_speed(self, speed: float) -> None: ...
    def set_sentence_pause(self, seconds: float) -> None: ...
