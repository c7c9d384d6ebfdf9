"""``readaloud daemon``: the one place that builds and wires everything; the decisions are in ``App``.

Order of life: load the config → connect to the session bus and export the D-Bus, MPRIS and Spiel
objects → claim the bus names (a second daemon stops here) → load the model, voices and audio output on a
worker thread while ``State`` is ``loading`` → warm-up synthesis → attach the Reader to the app,
the service and MPRIS (``idle``) → start the frontends (the reading bar's, the desktop's) → serve
until SIGTERM/SIGINT, the tray's Quit or the loss of the bus → stop the frontends, the Reader and
release the names, in that order.
SIGHUP and the D-Bus ``Reload()`` method re-read the config (:meth:`readaloud.app.App.reload`).

Threads, one rule: only this module's asyncio loop thread calls the Reader; the others hand work over
with ``post`` (see :mod:`readaloud.handover` and ``docs/architecture.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import functools
import logging
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from readaloud.app import App
from readaloud.errors import AlreadyRunningError, EngineError, ReadaloudError
from readaloud.handover import in_thread, later_poster, poster

if TYPE_CHECKING:
    from dbus_fast.aio import MessageBus

    from readaloud.config import Config
    from readaloud.dbus.mpris import MprisPlayer
    from readaloud.dbus.service import ReadAloudService
    from readaloud.desktop.overlay.frontend import OverlayFrontend
    from readaloud.playback.player import Reader
    from readaloud.playback.sink import Sink
    from readaloud.speech.assets.meter import DownloadObserver, DownloadStatus
    from readaloud.speech.schedule import SynthesisCost
    from readaloud.speech.synthesizer import KokoroSynthesizer
    from readaloud.speech.types import Synthesizer
    from readaloud.spiel.synthesis import SpielSynthesis

log = logging.getLogger(__name__)

# Long enough for a short and a long call: the pair teaches the scheduler what a call costs here.
WARM_UP_TEXT = "Ready to read aloud whatever you select next."
WARM_UP_FIRST_WORDS = 4


class Frontend(Protocol):
    """A desktop edge (tray, hotkeys) started after the model is ready; stopped at shutdown."""

    def stop(self) -> None: ...


def build_speech(
    config: Config, voice: str, speed: float, observer: DownloadObserver | None = None
) -> tuple[KokoroSynthesizer, SynthesisCost]:
    """Load the model and the configured voice, then synthesize once so the first request is warm.

    A first run downloads them; ``observer`` hears how far that has got (on the loading thread).
    Also returns what the warm-up calls cost, so that the first request's cuts are planned from
    this machine's speed rather than from a guess.
    """
    from readaloud.speech.synthesizer import build_synthesizer

    started = time.monotonic()
    synthesizer = build_synthesizer(config, observer=observer)
    loaded = time.monotonic()
    cost = warm_up(synthesizer, voice, speed)
    log.info("model loaded in %.1f s, warm-up synthesis %.1f s", loaded - started,
             time.monotonic() - loaded)
    return synthesizer, cost


def warm_up(synthesizer: Synthesizer, voice: str, speed: float) -> SynthesisCost:
    """Synthesize the warm-up sentence's first words, then all of it; the cost model of both."""
    from readaloud.speech.schedule import SynthesisCost
    from readaloud.speech.spans import synthesize_span

    cost = SynthesisCost()
    for sentence in synthesizer.sentences(WARM_UP_TEXT)[:1]:
        words = synthesizer.phonemize(sentence, voice)
        for end in sorted({min(WARM_UP_FIRST_WORDS, len(words.words)), len(words.words)}):
            synthesize_span(synthesizer, words, 0, end, voice, speed, cost, time.monotonic)
    return cost


def build_sink(config: Config) -> Sink:
    """The audio output; a missing device is reported but does not stop the daemon (requests then
    fail with ``NoAudioDevice`` until the device appears). The Reader forwards the sink's later
    errors (device lost) to its listeners' ``on_error``."""
    from readaloud.errors import AudioDeviceError
    from readaloud.playback.sink import SoundDeviceSink

    sink = SoundDeviceSink(config.playback.device)
    try:
        sink.check()
    except AudioDeviceError as error:
        log.warning("%s", error)
    return sink


def build_app(config: Config, config_path: Path | None) -> App:
    """The application with the real selection reader, config file and remembered tray choices."""
    from readaloud.config import load_config
    from readaloud.desktop.choices import load_choices
    from readaloud.desktop.selection import read_selection

    return App(config, load_config=functools.partial(load_config, config_path),
               read_selection=read_selection, load_choices=load_choices)


class Daemon:
    """Owns the bus connection, the Reader and the frontends for the life of the process."""

    def __init__(self, config: Config, config_path: Path | None = None) -> None:
        self.app = build_app(config, config_path)
        self._reader: Reader | None = None
        self._frontends: list[Frontend] = []
        self._stopping = asyncio.Event()
        self._bus: MessageBus | None = None
        self.service: ReadAloudService | None = None
        self.mpris: MprisPlayer | None = None
        self.overlay: OverlayFrontend | None = None
        self.spiel: SpielSynthesis | None = None

    # -- life cycle ---------------------------------------------------------------------------------

    async def run(self) -> int:
        from dbus_fast.aio import MessageBus

        from readaloud.dbus.mpris import MprisPlayer, MprisRoot
        from readaloud.dbus.names import MPRIS_PATH, OBJECT_PATH
        from readaloud.dbus.service import ReadAloudService
        from readaloud.speech.voices import VOICES

        loop = asyncio.get_running_loop()
        try:
            # File descriptors: Spiel clients pass the pipe to write speech into.
            self._bus = bus = await MessageBus(negotiate_unix_fd=True).connect()
        except Exception as error:
            raise ReadaloudError(
                f"cannot connect to the D-Bus session bus ({error}); the daemon needs a desktop "
                "session (or run it under 'dbus-run-session')"
            ) from None
        app = self.app
        voice, speed = app.starting_voice_and_speed()
        self.service = service = ReadAloudService(
            voice=voice, speed=speed, voices=list(VOICES), max_chars=app.config.text.max_chars,
            say=app.say, read_selection=app.read_selection, reload=app.reload, quit=self.request_stop,
        )

        def keep_limit(config: Config) -> None:
            service.max_chars = config.text.max_chars

        app.on_config_changed(keep_limit)
        self.mpris = MprisPlayer(voice=voice, speed=speed)
        bus.export(OBJECT_PATH, service)
        bus.export(MPRIS_PATH, MprisRoot())
        bus.export(MPRIS_PATH, self.mpris)
        self._export_spiel(bus, service)
        try:
            await self._claim_names(bus)
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self.request_stop)
            loop.add_signal_handler(signal.SIGHUP, self._reload_from_signal)
            log.info("serving on the session bus; loading the model")
            if not await self._load(voice, speed):
                return 0
            self._start_frontends(loop)
            log.info("ready")
            return await self._serve(bus)
        finally:
            await self._shutdown(loop)

    async def _serve(self, bus: MessageBus) -> int:
        """Wait for a stop request (0) or the loss of the bus (1)."""
        # Shielded: cancelling this wait must not cancel the bus's own disconnect future.
        lost = asyncio.ensure_future(asyncio.shield(bus.wait_for_disconnect()))
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({lost, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if lost.done():
            # The session ended (logout) or the bus died: nobody can reach us any more.
            cause = None if lost.cancelled() else lost.exception()
            log.warning("lost the session bus (%s); shutting down",
                        type(cause).__name__ if cause else "disconnected")
            return 1
        lost.cancel()
        log.info("shutting down")
        return 0

    async def _claim_names(self, bus: MessageBus) -> None:
        from dbus_fast.constants import NameFlag, RequestNameReply

        from readaloud.dbus.names import BUS_NAME, MPRIS_BUS_NAME, SPIEL_BUS_NAME

        reply = await bus.request_name(BUS_NAME, NameFlag.DO_NOT_QUEUE)
        if reply not in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
            pid = await _owner_pid(bus, BUS_NAME)
            who = f" (pid {pid})" if pid else ""
            raise AlreadyRunningError(
                f"another readaloud daemon is already running{who}; use it ('readaloud status'), or "
                "stop it first ('systemctl --user stop readaloud' or 'kill <pid>')"
            )
        reply = await bus.request_name(MPRIS_BUS_NAME, NameFlag.DO_NOT_QUEUE)
        if reply not in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
            log.warning("%s is taken; media keys will not control readaloud", MPRIS_BUS_NAME)
        reply = await bus.request_name(SPIEL_BUS_NAME, NameFlag.DO_NOT_QUEUE)
        if reply not in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
            log.warning("%s is taken; Spiel clients will not find readaloud", SPIEL_BUS_NAME)

    def _export_spiel(self, bus: MessageBus, service: ReadAloudService) -> None:
        """The Spiel provider on this connection: it shares the model loaded below, and speaks
        with the voice readaloud reads with when a client names none."""
        from readaloud.dbus.names import SPIEL_PATH
        from readaloud.spiel.provider import SpeechProvider
        from readaloud.spiel.synthesis import SpielSynthesis

        app = self.app
        self.spiel = spiel = SpielSynthesis(lambda: app.config.playback.sentence_pause)
        bus.export(SPIEL_PATH, SpeechProvider(spiel.start, lambda: service.voice))

    async def _load(self, voice: str, speed: float) -> bool:
        """Build speech and audio output off the loop; False if asked to stop meanwhile."""
        loop = asyncio.get_running_loop()
        config = self.app.config
        post = poster(loop)
        service = self.service
        assert service is not None

        def downloading(status: DownloadStatus | None) -> None:
            progress = {} if status is None else dataclasses.asdict(status)
            if status is not None and status.total is None:
                progress["total"] = 0  # unknown size
            with contextlib.suppress(RuntimeError):  # the loop closed: the daemon is exiting
                post(lambda: service.set_load_progress(progress))

        def build() -> tuple[tuple[KokoroSynthesizer, SynthesisCost], Sink]:
            try:
                return build_speech(config, voice, speed, downloading), build_sink(config)
            except ReadaloudError:
                raise
            except Exception as error:
                log.error("loading failed", exc_info=True)
                raise EngineError(
                    f"could not load the speech engine ({type(error).__name__}: {error}); "
                    "'readaloud doctor' checks the installation"
                ) from error

        loading = asyncio.ensure_future(in_thread(build, "readaloud-load"))
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({loading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not loading.done():
            loading.cancel()
            return False
        (synthesizer, cost), sink = loading.result()  # a ReadaloudError here ends the daemon
        from readaloud.playback.player import Reader
        from readaloud.speech.synthesizer import text_options_from_config

        playback = config.playback
        self._reader = reader = Reader(
            synthesizer, sink, voice=voice, speed=speed,
            sentence_pause=playback.sentence_pause, lookahead=playback.lookahead,
            preroll=playback.preroll, post=poster(loop), post_later=later_poster(loop), cost=cost,
        )

        def apply_text_options(new: Config) -> None:
            synthesizer.set_text_options(text_options_from_config(new))

        self.app.attach(reader, apply_text_options=apply_text_options)
        if self.spiel is not None:
            self.spiel.attach(synthesizer, copy.deepcopy(cost))
        assert self.service is not None and self.mpris is not None
        self.service.attach(reader)
        self.mpris.attach(reader)
        return True

    def _start_frontends(self, loop: asyncio.AbstractEventLoop) -> None:
        self._start_overlay(loop)
        self._start_desktop(loop)

    def _start_overlay(self, loop: asyncio.AbstractEventLoop) -> None:
        """The reading bar's listener; it starts the bar process itself, with the first sentence,
        when ``[overlay] enabled`` (built either way, so that a reload can turn the bar on)."""
        from readaloud.desktop.overlay.frontend import OverlayActions, OverlayFrontend

        app = self.app
        reader = app.reader
        actions = OverlayActions(toggle_pause=reader.toggle, skip=reader.skip, stop=reader.stop)
        self.overlay = overlay = OverlayFrontend(actions, poster(loop), app.job_text,
                                                 enabled=app.config.overlay.enabled)
        reader.add_listener(overlay)
        app.on_config_changed(lambda config: overlay.set_enabled(config.overlay.enabled))
        self._frontends.append(overlay)

    def _start_desktop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Desktop frontends (hotkeys, tray, notifications) start here, once the Reader exists.

        Each hands user actions to this loop and gets Reader events as a listener; a desktop that
        lacks a piece (no display, no tray host) only loses that piece, never the daemon.
        """
        try:
            from readaloud.desktop.frontend import DesktopActions, DesktopFrontend, DesktopSettings
        except Exception as error:
            log.warning("desktop integration unavailable (%s); the CLI and D-Bus still work", error)
            return
        app = self.app
        reader = app.reader
        actions = DesktopActions(
            read_selection=app.start_read_selection, toggle_pause=reader.toggle, stop=reader.stop,
            skip=reader.skip, back=reader.back, set_voice=reader.set_voice, set_speed=reader.set_speed,
            quit=self.request_stop,
        )
        desktop = DesktopFrontend(actions, poster(loop), DesktopSettings.from_config(app.config),
                                  voice=reader.voice, speed=reader.speed, state=reader.state,
                                  audio=reader.audio)
        reader.add_listener(desktop)
        try:
            desktop.start()
        except Exception:
            log.warning("the desktop frontend failed to start; the CLI and D-Bus still work", exc_info=True)
            return
        app.set_notifier(desktop.notify_error)
        self._frontends.append(desktop)

    def request_stop(self) -> None:
        self._stopping.set()

    async def _shutdown(self, loop: asyncio.AbstractEventLoop) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(signum)
        for frontend in reversed(self._frontends):
            try:
                frontend.stop()
            except Exception:
                log.warning("a frontend failed to stop", exc_info=True)
        if self._reader is not None:
            self._reader.close()  # silences audio at once and joins the synthesis thread
        if self._bus is not None:
            self._bus.disconnect()  # releases both names
            with contextlib.suppress(Exception):  # it may have gone with an error already
                await self._bus.wait_for_disconnect()

    def _reload_from_signal(self) -> None:
        try:
            self.app.reload()
        except ReadaloudError as error:
            log.error("config not reloaded, keeping the current settings: %s", error)


async def _owner_pid(bus: MessageBus, name: str) -> int | None:
    from dbus_fast import Message, MessageType

    reply = await bus.call(Message(
        destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
        interface="org.freedesktop.DBus", member="GetConnectionUnixProcessID", signature="s", body=[name],
    ))
    if reply is None or reply.message_type != MessageType.METHOD_RETURN:
        return None
    return int(reply.body[0])


def run_daemon(config_path: Path | None = None) -> int:
    """Entry point of ``readaloud daemon``: exit status 0 after a clean shutdown."""
    from readaloud.config import load_config

    config = load_config(config_path)
    return asyncio.run(Daemon(config, config_path).run())
