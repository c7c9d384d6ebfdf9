"""The daemon's D-Bus interface (``readaloud.dbus.names.INTERFACE``): a thin translation to Reader calls.

Logic lives in plain methods (``say``, ``set_speed``…) that the ``@dbus_method`` wrappers call, because
a decorated method returns None when called from Python. Errors leave as
``<INTERFACE>.Error.<ReadaloudError.dbus_name>`` with the error's readable message.
"""

# No ``from __future__ import annotations``: dbus-fast reads the D-Bus signatures from live annotations.

import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypeVar

from dbus_fast import DBusError, Variant
from dbus_fast.annotations import (
    DBusDict,
    DBusDouble,
    DBusInt32,
    DBusSignature,
    DBusStr,
    DBusUInt32,
)
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal

from readaloud.config import TextConfig
from readaloud.core import (
    MAX_SPEED,
    MIN_SPEED,
    AudioStatus,
    FinishReason,
    ReaderControl,
    ReaderListener,
    State,
)
from readaloud.dbus.marks import MarkTracker
from readaloud.dbus.names import CURRENT_WORD_PROPERTY, ERROR_PREFIX, INTERFACE, WORD_STARTED_SIGNAL
from readaloud.errors import NotReadyError, ReadaloudError, TextTooLongError, UsageError, echo
from readaloud.values import SELECTION_SOURCES

if TYPE_CHECKING:
    from readaloud.speech.types import Sentence

log = logging.getLogger(__name__)
T = TypeVar("T")

SAY_OPTIONS = ("interrupt", "marks", "queue", "speed", "voice", "volume")
# What ReadSelection(source) accepts: a configured source, or "" for [selection].source.
READ_SELECTION_SOURCES = ("", *SELECTION_SOURCES)

DBusStrList = Annotated[list[str], DBusSignature("as")]
# CurrentWord when no word is being heard.
NO_WORD = (0, 0, -1, -1)
Transport = Literal["pause", "resume", "toggle", "stop", "skip", "back"]

ReadSelectionHandler = Callable[[str], Awaitable[object]]
ReloadHandler = Callable[[], object]
QuitHandler = Callable[[], object]
# LoadProgress keys and their D-Bus types; an empty dict means no download is running.
LOAD_PROGRESS_TYPES = {"what": "s", "source": "s", "done": "t", "total": "t", "rate": "d", "note": "s"}


class SayHandler(Protocol):
    """Starts a job: the daemon's ``App.say`` (which keeps the text for the reading bar)."""

    def __call__(self, text: str, *, voice: str | None = None, speed: float | None = None,
                 queue: bool = False, interrupt: bool = False, gain: float = 1.0,
                 breaks: Sequence[int] = ()) -> int: ...


def to_dbus_error(error: ReadaloudError) -> DBusError:
    """The D-Bus error for a user-facing error: its class's ``dbus_name`` and its message."""
    return DBusError(ERROR_PREFIX + error.dbus_name, str(error))


def as_dbus_error(member: str, error: Exception) -> DBusError:
    """The D-Bus error a client sees for ``error`` raised while serving ``member``."""
    if isinstance(error, DBusError):
        return error
    if isinstance(error, ReadaloudError):
        # Never the message: it may quote what the client sent (text, names).
        log.info("%s refused: %s", member, type(error).__name__)
        return to_dbus_error(error)
    # The message of an unexpected exception may quote the user's text: type only at ERROR.
    log.error("%s failed with %s", member, type(error).__name__)
    log.debug("%s traceback", member, exc_info=error)
    return DBusError(ERROR_PREFIX + "Failed", f"internal error ({type(error).__name__}); see the daemon log")


def guarded(member: str, call: Callable[[], T]) -> T:
    """Run ``call``; turn what it raises into a D-Bus error a client can show."""
    try:
        return call()
    except Exception as error:
        raise as_dbus_error(member, error) from None


def check_speed(value: float) -> float:
    """Reject NaN and infinities here; the Reader checks the range."""
    if not math.isfinite(value):
        raise UsageError(f"speed must be a number between {MIN_SPEED} and {MAX_SPEED}, not {echo(value)}")
    return value


_NUMBERS = ("d", "i", "u", "x", "t", "n", "q", "y")


def parse_say_options(options: dict[str, Variant]) -> dict[str, Any]:
    """Validate ``Say``'s ``a{sv}`` options: ``voice`` (s), ``speed`` (d), ``queue`` (b),
    ``interrupt`` (b), ``volume`` (d, 0–1) and ``marks`` (``a(su)``: name, character offset)."""
    parsed: dict[str, Any] = {}
    for key, variant in options.items():
        value = variant.value
        if key == "voice" and variant.signature == "s":
            parsed["voice"] = value
        elif key == "speed" and variant.signature in _NUMBERS:
            parsed["speed"] = check_speed(float(value))
        elif key in ("queue", "interrupt") and variant.signature == "b":
            parsed[key] = bool(value)
        elif key == "volume" and variant.signature in _NUMBERS:
            gain = float(value)
            if not (math.isfinite(gain) and 0.0 <= gain <= 1.0):
                raise UsageError(f"volume must be a number from 0 to 1, not {value}")
            parsed["gain"] = gain
        elif key == "marks" and variant.signature == "a(su)":
            parsed["marks"] = [(str(name), int(offset)) for name, offset in value]
        elif key in SAY_OPTIONS:
            raise UsageError(f"Say option {echo(key)} has the wrong type {echo(variant.signature)}")
        else:
            raise UsageError(f"unknown Say option {echo(key)}; known options: {', '.join(SAY_OPTIONS)}")
    return parsed


class ReadAloudService(ServiceInterface, ReaderListener):
    """The daemon's interface (``INTERFACE``): commands in, Reader events out as signals.

    Before :meth:`attach` the daemon is loading: ``State`` is ``loading``, transport commands do
    nothing and commands that need the model fail with ``Error.Loading``. ``Say`` starts its job
    through ``say`` (the daemon's ``App.say``), or the reader's own ``say`` without one.
    """

    def __init__(
        self,
        *,
        voice: str,
        speed: float,
        voices: Sequence[str],
        max_chars: int = TextConfig().max_chars,
        say: SayHandler | None = None,
        read_selection: ReadSelectionHandler | None = None,
        reload: ReloadHandler | None = None,
        quit: QuitHandler | None = None,
    ) -> None:
        super().__init__(INTERFACE)
        self._reader: ReaderControl | None = None
        self._current_word = NO_WORD
        self._voice = voice
        self._speed = speed
        self._voices = list(voices)
        self.max_chars = max_chars
        self._say = say
        self._read_selection = read_selection
        self._reload = reload
        self._marks = MarkTracker(lambda job, name: self.MarkReached(job, name))
        self._load_progress: dict[str, Variant] = {}
        self._quit = quit

    # -- wiring ---------------------------------------------------------------------------------

    def attach(self, reader: ReaderControl) -> None:
        """The model is ready: route commands to ``reader`` and publish its events."""
        self._reader = reader
        reader.add_listener(self)
        self.on_state_changed(reader.state)
        self.emit_properties_changed({"Voice": reader.voice, "Speed": reader.speed, "Audio": self.audio})

    def _ready_reader(self) -> ReaderControl:
        if self._reader is None:
            raise NotReadyError("the daemon is still loading the model; try again in a few seconds")
        return self._reader

    # -- plain logic (callable from Python and tests) --------------------------------------------

    @property
    def state(self) -> str:
        return State.LOADING.value if self._reader is None else str(self._reader.state.value)

    @property
    def voice(self) -> str:
        return self._voice if self._reader is None else self._reader.voice

    @property
    def speed(self) -> float:
        return self._speed if self._reader is None else float(self._reader.speed)

    @property
    def current_job(self) -> int:
        job = None if self._reader is None else self._reader.current_job
        return job or 0

    @property
    def current_sentence(self) -> int:
        sentence = None if self._reader is None else self._reader.current_sentence
        return -1 if sentence is None else sentence.index

    @property
    def underruns(self) -> int:
        return 0 if self._reader is None else self._reader.underruns.count

    @property
    def audio(self) -> str:
        """``ok``, ``lost`` or ``none`` (``core.AudioStatus``); ``ok`` while loading: not known yet."""
        return AudioStatus.OK.value if self._reader is None else str(self._reader.audio.value)

    def say(self, text: str, options: dict[str, Variant]) -> int:
        parsed = parse_say_options(options)
        if len(text) > self.max_chars:
            raise TextTooLongError(
                f"the text has {len(text):,} characters; the limit is {self.max_chars:,} "
                "(raise [text].max_chars in the config to read more at once)"
            )
        marks = parsed.pop("marks", [])
        if any(not 0 <= offset <= len(text) for _, offset in marks):
            raise UsageError(f"a mark's offset is outside the text (0 to {len(text)} characters)")
        reader = self._ready_reader()
        job = (self._say or reader.say)(text, **parsed, breaks=[offset for _, offset in marks])
        self._marks.watch(job, marks)
        how = " (interrupt)" if parsed.get("interrupt") else " (queue)" if parsed.get("queue") else ""
        log.info("job %d: %d characters%s", job, len(text), how)
        return job

    async def read_selection(self, source: str) -> None:
        if source not in READ_SELECTION_SOURCES:
            raise UsageError(
                f"unknown selection source {echo(source)}; use one of: {', '.join(SELECTION_SOURCES)} "
                "(or empty for the configured one)"
            )
        self._ready_reader()
        if self._read_selection is None:
            raise ReadaloudError("reading the selection is not available in this daemon")
        await self._read_selection(source)

    def transport(self, command: Transport) -> None:
        reader = self._reader
        if reader is None:
            return  # nothing can be playing while the model loads
        commands: dict[Transport, Callable[[], None]] = {
            "pause": reader.pause, "resume": reader.resume, "toggle": reader.toggle,
            "stop": reader.stop, "skip": reader.skip, "back": reader.back,
        }
        commands[command]()

    def stop_job(self, job: int) -> None:
        if self._reader is not None:
            self._reader.stop_job(job)

    def set_voice(self, name: str) -> None:
        self._ready_reader().set_voice(name)

    def set_speed(self, speed: float) -> None:
        self._ready_reader().set_speed(check_speed(speed))

    def set_load_progress(self, progress: dict[str, Any]) -> None:
        """Publish how far the first-run download has got (``{}``: none running); loop thread only."""
        self._load_progress = {
            key: Variant(LOAD_PROGRESS_TYPES[key], value) for key, value in progress.items()
        }
        self.emit_properties_changed({"LoadProgress": self._load_progress})

    def quit(self) -> None:
        if self._quit is None:
            raise ReadaloudError("this daemon cannot be asked to quit; stop it with 'kill <pid>'")
        log.info("asked to quit over D-Bus")
        self._quit()

    def reload(self) -> None:
        if self._reload is None:
            raise ReadaloudError("this daemon cannot reload its configuration")
        self._reload()

    # -- Reader listener (called on the loop thread) ---------------------------------------------

    def on_state_changed(self, state: State) -> None:
        value = str(state.value)
        self.StateChanged(value)
        self.emit_properties_changed(
            {"State": value, "CurrentJob": self.current_job, "CurrentSentence": self.current_sentence}
        )

    def on_sentence_started(self, job: int, sentence: "Sentence") -> None:
        self._marks.on_sentence_started(job, sentence)
        self.SentenceStarted(job, sentence.index, sentence.text)
        self.emit_properties_changed({"CurrentJob": job, "CurrentSentence": sentence.index})

    def on_word_started(self, job: int, sentence: int, start: int, end: int) -> None:
        self._current_word = (job, sentence, start, end)
        self.WordStarted(job, sentence, start, end)
        self.emit_properties_changed({CURRENT_WORD_PROPERTY: list(self._current_word)})

    def on_sentence_finished(self, job: int, sentence: "Sentence") -> None:
        self._clear_current_word()

    def on_job_finished(self, job: int, reason: FinishReason) -> None:
        self._clear_current_word()
        self._marks.on_job_finished(job, reason)
        self.JobFinished(job, str(reason.value))
        self.emit_properties_changed({"Underruns": self.underruns})

    def _clear_current_word(self) -> None:
        if self._current_word != NO_WORD:
            self._current_word = NO_WORD
            self.emit_properties_changed({CURRENT_WORD_PROPERTY: list(NO_WORD)})

    def on_voice_changed(self, voice: str) -> None:
        self.emit_properties_changed({"Voice": voice})

    def on_speed_changed(self, speed: float) -> None:
        self.emit_properties_changed({"Speed": float(speed)})

    def on_audio_changed(self, audio: AudioStatus) -> None:
        self.emit_properties_changed({"Audio": str(audio.value)})

    # -- D-Bus methods -----------------------------------------------------------------------------

    @dbus_method()
    def Say(self, text: DBusStr, options: DBusDict) -> DBusUInt32:
        return guarded("Say", lambda: self.say(text, options))

    @dbus_method()
    async def ReadSelection(self, source: DBusStr) -> None:
        try:
            await self.read_selection(source)
        except Exception as error:
            raise as_dbus_error("ReadSelection", error) from None

    @dbus_method()
    def Pause(self) -> None:
        guarded("Pause", lambda: self.transport("pause"))

    @dbus_method()
    def Resume(self) -> None:
        guarded("Resume", lambda: self.transport("resume"))

    @dbus_method()
    def TogglePause(self) -> None:
        guarded("TogglePause", lambda: self.transport("toggle"))

    @dbus_method()
    def Stop(self) -> None:
        guarded("Stop", lambda: self.transport("stop"))

    @dbus_method()
    def StopJob(self, job: DBusUInt32) -> None:
        guarded("StopJob", lambda: self.stop_job(job))

    @dbus_method()
    def Skip(self) -> None:
        guarded("Skip", lambda: self.transport("skip"))

    @dbus_method()
    def Back(self) -> None:
        guarded("Back", lambda: self.transport("back"))

    @dbus_method()
    def SetVoice(self, name: DBusStr) -> None:
        guarded("SetVoice", lambda: self.set_voice(name))

    @dbus_method()
    def SetSpeed(self, speed: DBusDouble) -> None:
        guarded("SetSpeed", lambda: self.set_speed(speed))

    @dbus_method()
    def ListVoices(self) -> DBusStrList:
        return list(self._voices)

    @dbus_method()
    def Reload(self) -> None:
        guarded("Reload", lambda: self.reload())

    @dbus_method()
    def Quit(self) -> None:
        guarded("Quit", lambda: self.quit())

    # -- properties --------------------------------------------------------------------------------

    @dbus_property(access=PropertyAccess.READ)
    def State(self) -> DBusStr:
        return self.state

    @dbus_property()
    def Voice(self) -> DBusStr:
        return self.voice

    @Voice.setter  # type: ignore[no-redef]
    def Voice(self, name: DBusStr) -> None:
        guarded("Set Voice", lambda: self.set_voice(name))

    @dbus_property()
    def Speed(self) -> DBusDouble:
        return self.speed

    @Speed.setter  # type: ignore[no-redef]
    def Speed(self, speed: DBusDouble) -> None:
        guarded("Set Speed", lambda: self.set_speed(speed))

    @dbus_property(access=PropertyAccess.READ)
    def CurrentJob(self) -> DBusUInt32:
        return self.current_job

    @dbus_property(access=PropertyAccess.READ)
    def CurrentSentence(self) -> DBusInt32:
        return self.current_sentence

    @dbus_property(access=PropertyAccess.READ, name=CURRENT_WORD_PROPERTY)
    def CurrentWord(self) -> Annotated[list[int], DBusSignature("(uuii)")]:
        return list(self._current_word)

    @dbus_property(access=PropertyAccess.READ)
    def Underruns(self) -> DBusUInt32:
        return self.underruns

    @dbus_property(access=PropertyAccess.READ)
    def Audio(self) -> DBusStr:
        return self.audio

    @dbus_property(access=PropertyAccess.READ)
    def LoadProgress(self) -> DBusDict:
        return self._load_progress

    # -- signals -----------------------------------------------------------------------------------

    @dbus_signal()
    def StateChanged(self, state: str) -> DBusStr:
        return state

    @dbus_signal()
    def SentenceStarted(self, job: int, index: int, text: str) -> Annotated[
        tuple[int, int, str], DBusSignature("uus")
    ]:
        return (job, index, text)

    @dbus_signal(name=WORD_STARTED_SIGNAL)
    def WordStarted(self, job: int, sentence: int, start: int, end: int) -> Annotated[
        tuple[int, int, int, int], DBusSignature("uuii")
    ]:
        return (job, sentence, start, end)

    @dbus_signal()
    def JobFinished(self, job: int, reason: str) -> Annotated[tuple[int, str], DBusSignature("us")]:
        return (job, reason)

    @dbus_signal()
    def MarkReached(self, job: int, name: str) -> Annotated[tuple[int, str], DBusSignature("us")]:
        return (job, name)
