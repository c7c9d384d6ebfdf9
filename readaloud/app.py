"""The daemon's policy, apart from its wiring: what the running application decides.

:class:`App` owns the config a daemon runs with and decides:

* the **loading gate**: until :meth:`App.attach` hands it the reader, commands that need the model
  fail with ``NotReadyError``;
* **read the selection** while something is being read: ``[hotkeys].on_read_while_speaking`` says
  ``stop`` (stop, read nothing), ``restart`` (read the new selection) or ``queue`` (read it after);
  an over-long selection is refused; every failure also goes to the notifier, because this often
  runs from a desktop shortcut where nobody sees a terminal;
* **reload**: which changed keys apply at once (``live`` in the config schema) and which need a
  restart;
* the **voice and speed to start with**: the config's, unless a choice remembered from the tray
  was made over the same config values;
* **starting a job** (:meth:`App.say`, for D-Bus ``Say`` and the selection alike), which also keeps
  the text the job was given until it ends (:meth:`App.job_text`): the reading bar shows a sentence
  as the user wrote it, and the reader keeps only offsets into that text.

Everything it acts on comes from outside (the reader, the selection reader, the config loader,
the remembered choices, the notifier), so the unit tests build it from fakes; ``readaloud.daemon``
wires it to the real ones. Call it on the daemon's loop thread only.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from readaloud.config import Config, diff_configs, is_live
from readaloud.core import BUSY_STATES, FinishReason, ReaderControl, ReaderListener, State
from readaloud.errors import NotReadyError, ReadaloudError, TextTooLongError
from readaloud.handover import RunBlocking, in_thread

if TYPE_CHECKING:
    from readaloud.desktop.choices import Choices

log = logging.getLogger(__name__)


class ReadSelection(Protocol):
    """Reads the text the user selected (``readaloud.desktop.selection.read_selection``); blocking."""

    def __call__(self, source: str, *, copy_first: bool) -> str: ...


Notify = Callable[[BaseException], None]


@dataclass(frozen=True)
class Reloaded:
    """What a reload changed (``section.key`` names) and which of those wait for a restart."""

    changed: tuple[str, ...]
    restart: tuple[str, ...]


class App:
    """The running daemon's decisions; see the module docstring."""

    def __init__(
        self,
        config: Config,
        *,
        load_config: Callable[[], Config],
        read_selection: ReadSelection,
        load_choices: Callable[[], Choices] | None = None,
        run_blocking: RunBlocking[str] = in_thread,
    ) -> None:
        self.config = config
        self._load_config = load_config
        self._read_selection = read_selection
        self._load_choices = load_choices
        self._run_blocking = run_blocking
        self._reader: ReaderControl | None = None
        self._apply_text_options: Callable[[Config], None] | None = None
        self._config_listeners: list[Callable[[Config], None]] = []
        self._notify: Notify | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._job_texts = _JobTexts()

    # -- wiring ---------------------------------------------------------------------------------

    def attach(self, reader: ReaderControl, *, apply_text_options: Callable[[Config], None]) -> None:
        """The model is loaded: commands reach ``reader`` from now on.

        ``apply_text_options(config)`` hands changed ``[text]`` options and pronunciations to the
        speech frontend on reload.
        """
        self._reader = reader
        self._apply_text_options = apply_text_options
        reader.add_listener(_LogListener())
        reader.add_listener(self._job_texts)

    def set_notifier(self, notify: Notify) -> None:
        """Where errors the user must see go (the desktop's notifications), once there is one."""
        self._notify = notify

    def on_config_changed(self, listener: Callable[[Config], None]) -> None:
        """Call ``listener(new_config)`` after every reload (for values the edges keep)."""
        self._config_listeners.append(listener)

    # -- the loading gate -----------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._reader is not None

    @property
    def reader(self) -> ReaderControl:
        if self._reader is None:
            raise NotReadyError("the daemon is still loading the model; try again in a few seconds")
        return self._reader

    # -- voice and speed to start with ------------------------------------------------------------

    def starting_voice_and_speed(self) -> tuple[str, float]:
        """The config's voice and speed, unless the tray remembered a choice made over them."""
        speech = self.config.speech
        if self._load_choices is None:
            return speech.voice, speech.speed
        try:
            return self._load_choices().resolve(speech.voice, speech.speed)
        except Exception as error:  # a broken choices file must not stop the daemon
            log.warning("ignoring remembered voice and speed: %s", error)
            return speech.voice, speech.speed

    # -- starting a job -----------------------------------------------------------------------------

    def say(self, text: str, *, voice: str | None = None, speed: float | None = None,
            queue: bool = False, interrupt: bool = False, gain: float = 1.0,
            breaks: Sequence[int] = ()) -> int:
        """Start reading ``text`` (see ``ReaderControl.say``); its text is kept while the job lives."""
        job = self.reader.say(text, voice=voice, speed=speed, queue=queue, interrupt=interrupt,
                              gain=gain, breaks=breaks)
        self._job_texts.texts[job] = text
        return job

    def job_text(self, job: int) -> str | None:
        """The text job ``job`` was given, until it finishes (None after, or for an unknown job)."""
        return self._job_texts.texts.get(job)

    # -- reading the selection ------------------------------------------------------------------

    async def read_selection(self, source: str = "") -> int | None:
        """Read the selection aloud (``source`` "" = ``[selection].source``); the job, or None when
        the policy said stop. Errors also go to the notifier."""
        try:
            return await self._read_selection_now(source)
        except ReadaloudError as error:
            self.report(error)
            raise

    def start_read_selection(self, source: str = "") -> None:
        """Fire-and-forget :meth:`read_selection`, for the hotkey and the tray (needs a running loop)."""

        async def run() -> None:
            try:
                await self.read_selection(source)
            except ReadaloudError as error:
                log.warning("%s", error)  # the user got a notification already

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read_selection_now(self, source: str) -> int | None:
        reader = self.reader
        policy = self.config.hotkeys.on_read_while_speaking
        busy = reader.state in BUSY_STATES
        if busy and policy == "stop":
            reader.stop()
            return None
        selection = self.config.selection
        read = functools.partial(self._read_selection, source or selection.source,
                                 copy_first=selection.copy_first)
        text = await self._run_blocking(read, "readaloud-selection")
        limit = self.config.text.max_chars
        if len(text) > limit:
            raise TextTooLongError(
                f"the selection has {len(text):,} characters; the limit is {limit:,} ([text].max_chars)"
            )
        job = self.say(text, queue=busy and policy == "queue")
        log.info("job %d: read the selection (%d characters)", job, len(text))
        return job

    def report(self, error: BaseException) -> None:
        """An error the user must see: to the notifier, where one is wired."""
        if self._notify is not None:
            self._notify(error)

    # -- reload -----------------------------------------------------------------------------------

    def reload(self) -> Reloaded:
        """Re-read the config file and apply what can change live; log what needs a restart.

        A config that does not load raises (``ConfigError``) and changes nothing.
        """
        new = self._load_config()
        changed = diff_configs(self.config, new)
        self.config = new
        reader = self._reader
        if reader is not None:
            if "speech.voice" in changed:
                reader.set_voice(new.speech.voice)
            if "speech.speed" in changed:
                reader.set_speed(new.speech.speed)
            if "playback.sentence_pause" in changed:
                reader.set_sentence_pause(new.playback.sentence_pause)
        if self._apply_text_options is not None and any(
            key == "pronunciations" or key.startswith("text.") for key in changed
        ):
            self._apply_text_options(new)
        for listener in self._config_listeners:
            listener(new)
        restart = tuple(key for key in changed if not is_live(key))
        if restart:
            log.warning("restart the daemon to apply: %s", ", ".join(restart))
        log.info("config reloaded (%s)", ", ".join(changed) if changed else "no changes")
        return Reloaded(tuple(changed), restart)


class _JobTexts(ReaderListener):
    """The texts of unfinished jobs, by job id; never logged nor written anywhere."""

    def __init__(self) -> None:
        self.texts: dict[int, str] = {}

    def on_job_finished(self, job: int, reason: FinishReason) -> None:
        self.texts.pop(job, None)


class _LogListener(ReaderListener):
    """Reader events in the log: states and job ends, never the text."""

    def on_state_changed(self, state: State) -> None:
        log.debug("state %s", state.value)

    def on_job_finished(self, job: int, reason: FinishReason) -> None:
        log.info("job %d %s", job, reason.value)

    def on_voice_changed(self, voice: str) -> None:
        log.info("voice %s", voice)

    def on_speed_changed(self, speed: float) -> None:
        log.info("speed %.2f", speed)

    def on_error(self, message: str) -> None:
        log.debug("reader error: %s", message)  # the sink or the synthesis thread logged it already
