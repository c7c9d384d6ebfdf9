"""The desktop edge of the daemon: global hotkeys, tray icon and notifications, in one object.

The daemon (``readaloud.daemon``, once the model is loaded) builds a :class:`DesktopFrontend` with
:class:`DesktopActions` and its loop's ``post``, adds it as a reader listener, starts it, and stops
it at shutdown. Every user action (hotkey, menu click, portal signal) arrives on some other thread
and is handed to the daemon loop with ``post``; listener events come in on the daemon loop and only
redraw the tray. Errors the user must see go out through :meth:`DesktopFrontend.notify_error`.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from readaloud import paths
from readaloud.config import Config, HotkeysConfig, SelectionConfig, SpeechConfig, TrayConfig
from readaloud.core import AudioStatus, Post, ReaderListener, State
from readaloud.desktop import choices
from readaloud.desktop.busthread import BusThread
from readaloud.desktop.hotkey import BIND_HINT, HotkeyListener
from readaloud.desktop.notify import NoticeKind, Notifier
from readaloud.desktop.tray import TrayIcon
from readaloud.desktop.tray_menu import TrayCommands, TrayView
from readaloud.errors import ReadaloudError
from readaloud.values import HOTKEY_ACTIONS

if TYPE_CHECKING:
    from readaloud.speech.types import Sentence

log = logging.getLogger(__name__)


def open_config_file() -> None:
    """Open the config file (or, before one exists, its folder) with the desktop's default app."""
    target = paths.config_file()
    if not target.exists():
        target = target.parent
        target.mkdir(parents=True, exist_ok=True)
    opener = shutil.which("xdg-open") or shutil.which("gio")
    if opener is None:
        raise ReadaloudError(f"cannot open {target}: install xdg-utils (xdg-open)")
    argv = [opener, str(target)] if opener.endswith("xdg-open") else [opener, "open", str(target)]
    subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)


@dataclass(frozen=True)
class DesktopActions:
    """What the desktop can ask of the daemon; each runs on the daemon loop (via ``post``)."""

    read_selection: Callable[[str], None]  # source: primary | clipboard | primary-then-clipboard
    toggle_pause: Callable[[], None]
    stop: Callable[[], None]
    skip: Callable[[], None]
    back: Callable[[], None]
    set_voice: Callable[[str], None]
    set_speed: Callable[[float], None]
    quit: Callable[[], None]
    open_config: Callable[[], None] = open_config_file


@dataclass(frozen=True)
class DesktopSettings:
    """The config values the desktop edge uses (see :meth:`from_config`)."""

    hotkeys: Mapping[str, str] = field(
        default_factory=lambda: {"read_selection": HotkeysConfig().read_selection})
    selection_source: str = SelectionConfig().source
    tray: bool = TrayConfig().enabled
    config_voice: str = SpeechConfig().voice
    config_speed: float = SpeechConfig().speed

    @classmethod
    def from_config(cls, config: Config) -> DesktopSettings:
        hotkeys = config.hotkeys
        return cls(
            hotkeys={name: getattr(hotkeys, name) for name in HOTKEY_ACTIONS},
            selection_source=config.selection.source,
            tray=config.tray.enabled,
            config_voice=config.speech.voice,
            config_speed=config.speech.speed,
        )


AUDIO_TROUBLE = {
    AudioStatus.LOST: "lost the sound server; reading goes on when it is back",
    AudioStatus.NONE: "no sound server; start PipeWire or PulseAudio",
}


class DesktopFrontend(ReaderListener):
    """Hotkeys, tray and notifications for a running daemon; also a ReaderListener."""

    def __init__(
        self,
        actions: DesktopActions,
        post: Post,
        settings: DesktopSettings | None = None,
        *,
        voice: str,
        speed: float,
        state: State = State.IDLE,
        environ: Mapping[str, str] | None = None,
        audio: AudioStatus = AudioStatus.OK,
    ) -> None:
        self._actions = actions
        self._post = post
        self._settings = settings or DesktopSettings()
        self._environ = environ
        self._audio_trouble = audio in AUDIO_TROUBLE
        self._view = TrayView(state=state.value, voice=voice, speed=speed, error=AUDIO_TROUBLE.get(audio))
        self._view_lock = threading.Lock()
        self._bus = BusThread()
        self.notifier = Notifier(self._bus.submit, self._bus.bus)
        self.tray: TrayIcon | None = None
        self.hotkeys: HotkeyListener | None = None

    # -- lifecycle (daemon loop thread) -------------------------------------------------------

    def start(self) -> None:
        """Start what this desktop offers; missing pieces are logged once, never raised."""
        self._bus.start()
        if self._settings.tray:
            self.tray = TrayIcon(self.tray_commands(), self.view, bus_thread=self._bus, environ=self._environ)
            self.tray.start()
        self.hotkeys = HotkeyListener(
            self._settings.hotkeys,
            {
                "read_selection": self._hand_over(
                    lambda: self._actions.read_selection(self._settings.selection_source)),
                "pause": self._hand_over(self._actions.toggle_pause),
                "stop": self._hand_over(self._actions.stop),
            },
            bus_thread=self._bus,
            on_unavailable=self._hotkey_unavailable,
            environ=self._environ,
        )
        self.hotkeys.start()

    def stop(self) -> None:
        if self.hotkeys is not None:
            self.hotkeys.stop()
            self.hotkeys = None
        if self.tray is not None:
            self.tray.stop()
            self.tray = None
        self._bus.stop()

    def view(self) -> TrayView:
        return self._view

    def notify_error(self, error: BaseException) -> None:
        """Tell the user about an error they must see (nothing selected, no audio device, …)."""
        self.notifier.notify_error(error)

    # -- ReaderListener (daemon loop thread) -------------------------------------------------

    def on_state_changed(self, state: State) -> None:
        # A new job clears an earlier error; going idle after an error keeps it visible. Missing
        # sound stays visible until the sound is back.
        changes: dict[str, Any] = {"state": state.value}
        if state in (State.LOADING, State.SPEAKING) and not self._audio_trouble:
            changes["error"] = None
        if state is State.IDLE:
            changes["sentence"] = None
        self._update(**changes)

    def on_sentence_started(self, job: int, sentence: Sentence) -> None:
        self._update(sentence=sentence.text)  # the tooltip shows it; never logged

    def on_voice_changed(self, voice: str) -> None:
        self._update(voice=voice)

    def on_speed_changed(self, speed: float) -> None:
        self._update(speed=speed)

    def on_error(self, message: str) -> None:
        self._update(error=message)
        self.notifier.notify(NoticeKind.ERROR, message)

    def on_audio_changed(self, audio: AudioStatus) -> None:
        # The tray asks for attention (StatusNotifierItem NeedsAttention) while nothing can be heard.
        message = AUDIO_TROUBLE.get(audio)
        if message is not None:
            self._audio_trouble = True
            self._update(error=message)
        elif self._audio_trouble:
            self._audio_trouble = False
            self._update(error=None)

    # -- internals ----------------------------------------------------------------------------

    def _update(self, **changes: Any) -> None:
        with self._view_lock:
            self._view = replace(self._view, **changes)
        if self.tray is not None:
            self.tray.refresh()

    def _hand_over(self, action: Callable[[], None]) -> Callable[[], None]:
        """A callable for other threads that runs ``action`` on the daemon loop."""

        def run_on_loop() -> None:
            try:
                action()
            except ReadaloudError as error:
                log.info("desktop action failed: %s", error)
                self.notify_error(error)
            except Exception as error:
                log.exception("desktop action failed")
                self.notify_error(error)

        return lambda: self._post(run_on_loop)

    def tray_commands(self) -> TrayCommands:
        """What the tray menu items do (each hands its work to the daemon loop)."""
        a = self._actions
        return TrayCommands(
            read_selection=self._hand_over(lambda: a.read_selection(self._settings.selection_source)),
            read_clipboard=self._hand_over(lambda: a.read_selection("clipboard")),
            toggle_pause=self._hand_over(a.toggle_pause),
            stop=self._hand_over(a.stop),
            skip=self._hand_over(a.skip),
            back=self._hand_over(a.back),
            set_voice=lambda name: self._hand_over(lambda: self._choose(voice=name))(),
            set_speed=lambda speed: self._hand_over(lambda: self._choose(speed=speed))(),
            open_config=self._hand_over(a.open_config),
            quit=self._hand_over(a.quit),
        )

    def _choose(self, *, voice: str | None = None, speed: float | None = None) -> None:
        """A tray choice: apply it now and remember it for the next start."""
        try:
            if voice is not None:
                self._actions.set_voice(voice)
            if speed is not None:
                self._actions.set_speed(speed)
        finally:
            # A GTK radio item toggles itself when clicked: redraw from the reader's real state
            # even if the choice was refused or changed nothing.
            if self.tray is not None:
                self.tray.refresh()
        try:
            choices.remember(
                config_voice=self._settings.config_voice, config_speed=self._settings.config_speed,
                voice=voice, speed=speed,
            )
        except OSError as error:
            log.warning("could not remember the tray choice: %s", error)

    def _hotkey_unavailable(self, reason: str) -> None:
        self.notifier.notify(
            NoticeKind.HOTKEY_UNAVAILABLE,
            f"{reason}. To read with a key, {BIND_HINT}; "
            "or set hotkeys.read_selection = \"\" in the config to silence this.",
        )
