"""The daemon's reading bar: a reader listener that feeds the bar process and hands its buttons to
the daemon's loop (``[overlay] enabled``).

The bar starts with the first sentence read, not with the daemon (nothing of Qt is loaded until
the user reads something). If it dies it is started again with the next sentence, after a backoff
that doubles with every quick failure; after :data:`GIVE_UP_AFTER` failures in a row it stays off
until the daemon restarts. Every problem is logged once; the daemon keeps working without the bar.

Call everything on the daemon's loop thread (the reader's owning thread).
"""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from readaloud.core import Post, ReaderListener, State
from readaloud.desktop.overlay import protocol
from readaloud.desktop.overlay.process import BarChild, BarProcess, spawn_bar
from readaloud.errors import ReadaloudError

if TYPE_CHECKING:
    from readaloud.speech.types import Sentence

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'readaloud[overlay]' (PySide6-Essentials), or set [overlay] enabled = false"
# A bar that ran this long before dying was working: the next failure starts the backoff afresh.
STABLE_SECONDS = 30.0
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 60.0
GIVE_UP_AFTER = 5

# What the bar shows in each of the reader's states (nothing while the model loads).
BAR_STATES = {State.SPEAKING: protocol.BarState.SPEAKING, State.PAUSED: protocol.BarState.PAUSED,
              State.IDLE: protocol.BarState.IDLE}


def overlay_available() -> bool:
    """Whether PySide6 is installed (looked up, not imported: the daemon never loads Qt)."""
    return importlib.util.find_spec("PySide6") is not None


@dataclass(frozen=True)
class OverlayActions:
    """What the bar's buttons do; each runs on the daemon loop (via ``post``)."""

    toggle_pause: Callable[[], None]
    skip: Callable[[], None]
    stop: Callable[[], None]


@dataclass(frozen=True)
class _Current:
    job: int
    sentence: Sentence
    text: str
    original: bool  # False: the job's text is unknown and ``text`` is the normalized form


class OverlayFrontend(ReaderListener):
    """The reading bar for a running daemon; a reader listener.

    ``text_of(job)`` is the text job ``job`` was given (None once it is forgotten): the bar shows a
    sentence as the user wrote it, not its normalized form.
    """

    def __init__(
        self,
        actions: OverlayActions,
        post: Post,
        text_of: Callable[[int], str | None],
        *,
        enabled: bool = True,
        spawn: Callable[[], BarChild] = spawn_bar,
        available: Callable[[], bool] = overlay_available,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._actions = actions
        self._post = post
        self._text_of = text_of
        self._spawn = spawn
        self._available = available
        self._clock = clock
        self._bar: BarProcess | None = None
        self._started_at = 0.0
        self._state = protocol.BarState.IDLE
        self._current: _Current | None = None
        self._failures = 0
        self._retry_at = 0.0
        self._closing = False
        self._configured: bool | None = None  # the last [overlay] enabled it was given
        self.enabled = False  # whether it shows the bar: configured, installed, not given up
        self.set_enabled(enabled)

    @property
    def pid(self) -> int | None:
        """The bar's process id while it runs (None before the first sentence and after it died)."""
        return self._bar.pid if self._bar is not None else None

    def set_enabled(self, enabled: bool) -> None:
        """``[overlay] enabled`` (also on every reload): turned off it closes the bar; turned on it
        gives the bar a fresh start; left as it was it changes nothing (a bar given up stays off)."""
        if enabled == self._configured:
            return
        self._configured = enabled
        if enabled and not self._available():
            log.warning("the reading bar is enabled but PySide6 is missing: %s", INSTALL_HINT)
            enabled = False
        self.enabled = enabled
        self._failures, self._retry_at = 0, 0.0
        if not enabled:
            self._close_bar()

    def stop(self) -> None:
        """Close the bar (daemon shutdown)."""
        self._closing = True
        self._close_bar()

    def _close_bar(self) -> None:
        bar, self._bar = self._bar, None
        if bar is not None:
            bar.close()

    # -- reader events ----------------------------------------------------------------------------

    def on_state_changed(self, state: State) -> None:
        bar_state = BAR_STATES.get(state)
        if bar_state is None:
            return
        self._state = bar_state
        if bar_state is protocol.BarState.IDLE:
            self._current = None
        if self._bar is not None:
            self._bar.send(protocol.SetState(bar_state))

    def on_sentence_started(self, job: int, sentence: Sentence) -> None:
        text = self._text_of(job)
        if text is None or not 0 <= sentence.start <= sentence.end <= len(text):
            # Never saw its job's text: the normalized form is better than nothing.
            shown = _Current(job, sentence, sentence.text, original=False)
        else:
            shown = _Current(job, sentence, text[sentence.start:sentence.end], original=True)
        self._current = shown
        if self._ensure_running():
            assert self._bar is not None
            self._bar.send(protocol.ShowSentence(shown.text, job, sentence.index))

    def on_word_started(self, job: int, sentence: int, start: int, end: int) -> None:
        """The word at ``start:end`` of job ``job``'s text (in sentence ``sentence``) is being heard."""
        current = self._current
        if current is None or current.job != job or current.sentence.index != sentence:
            return  # a word of a sentence the bar no longer shows
        if not current.original:
            return  # offsets into the job's text mean nothing in the normalized form
        offset = current.sentence.start
        if self._bar is not None:
            self._bar.send(protocol.ShowWord(max(0, start - offset), max(0, end - offset)))

    # -- the process ------------------------------------------------------------------------------

    def _ensure_running(self) -> bool:
        if self._bar is not None:
            return True
        if not self.enabled or self._closing or self._clock() < self._retry_at:
            return False
        try:
            child = self._spawn()
        except OSError as error:
            self._failed(f"could not start ({error})")
            return False
        bar = BarProcess(
            child,
            on_message=lambda message: self._post(lambda: self._received(message)),
            on_exit=lambda status: self._post(lambda: self._exited(bar, status)),
        )
        self._bar = bar
        bar.start()
        self._started_at = self._clock()
        log.info("reading bar started (pid %d)", bar.pid)
        # A bar started again after a crash picks up where reading is.
        if self._state is not protocol.BarState.IDLE:
            bar.send(protocol.SetState(self._state))
        return True

    def _received(self, message: protocol.FromBar) -> None:
        if isinstance(message, protocol.Ready):
            log.debug("reading bar ready")
            return
        action = {
            protocol.Command.TOGGLE_PAUSE: self._actions.toggle_pause,
            protocol.Command.SKIP: self._actions.skip,
            protocol.Command.STOP: self._actions.stop,
        }[message.command]
        try:
            action()
        except ReadaloudError as error:
            log.info("reading bar: %s failed: %s", message.command.value, error)
        except Exception:
            log.exception("reading bar: %s failed", message.command.value)

    def _exited(self, bar: BarProcess, status: int) -> None:
        if self._bar is not bar:
            return  # closed on purpose
        self._bar = None
        bar.close()  # joins its threads; the process is gone already
        self._failed(f"exited with status {status}", ran=self._clock() - self._started_at)

    def _failed(self, what: str, ran: float = 0.0) -> None:
        self._failures = 1 if ran >= STABLE_SECONDS else self._failures + 1
        if self._failures >= GIVE_UP_AFTER:
            self.enabled = False
            log.warning("the reading bar %s again; it stays off until the daemon restarts "
                        "(its own messages are above; 'readaloud doctor' checks it)", what)
            return
        delay = min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (self._failures - 1))
        self._retry_at = self._clock() + delay
        if self._failures == 1:
            log.warning("the reading bar %s; it starts again with the next sentence (after %.0f s "
                        "at least)", what, delay)
        else:
            log.debug("the reading bar %s; next try in %.0f s", what, delay)
