"""``readaloud daemon``: the one place that builds and wires everything.

Order of life: load the config → connect to the session bus and export the D-Bus and MPRIS objects →
claim the bus name (a second daemon stops here) → load the model, voices and audio output on a
worker thread while ``State`` is ``loading`` → warm-up synthesis → attach the Reader (``idle``) →
start the desktop frontends → serve until SIGTERM/SIGINT → stop audio, frontends and release the name.
SIGHUP and the D-Bus ``Reload()`` method re-read the config; voice, speed, text options and
pronunciations apply live.

Threads, one rule: only the asyncio loop thread (this module's) calls the Reader. Other threads
(tray, hotkey, synthesis) hand work over with ``loop.call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from readaloud.errors import ReadaloudError

if TYPE_CHECKING:
    from dbus_fast.aio import MessageBus

    from readaloud.cli import Environment
    from readaloud.config import Config
    from readaloud.dbus.mpris import MprisPlayer
    from readaloud.dbus.service import ReadAloudService
    from readaloud.playback.player import Reader
    from readaloud.playback.sink import Sink
    from readaloud.speech.synthesizer import KokoroSynthesizer

log = logging.getLogger(__name__)

T = TypeVar("T")

WARM_UP_TEXT = "Ready."
# Settings a running daemon cannot change; a reload that touches them says "restart".
RESTART_KEYS = ("speech.engine", "speech.model_path", "speech.voices_dir", "speech.precision",
                "speech.threads", "speech.asset_source", "playback.device", "playback.lookahead",
                "playback.preroll", "tray.enabled", "hotkeys.read_selection", "hotkeys.pause",
                "hotkeys.stop")


class AlreadyRunningError(ReadaloudError):
    """Another daemon owns the bus name."""

    dbus_name = "AlreadyRunning"


class Frontend(Protocol):
    """A desktop edge (tray, hotkeys) started after the model is ready; stopped at shutdown."""

    def stop(self) -> None: ...


def poster(loop: asyncio.AbstractEventLoop) -> Callable[[Callable[[], None]], None]:
    """``post(fn)``: run ``fn`` soon on ``loop``'s thread; callable from any thread."""

    def post(fn: Callable[[], None]) -> None:
        loop.call_soon_threadsafe(fn)

    return post


async def in_thread(fn: Callable[[], T], name: str) -> T:
    """Run blocking ``fn`` on a daemon thread (one that never delays exit, unlike an executor's)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result = fn()
        except BaseException as error:
            loop.call_soon_threadsafe(settle, None, error)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=target, name=name, daemon=True).start()
    return await future


def remembered_voice_and_speed(config: Config) -> tuple[str, float]:
    """The config's voice and speed, unless the tray remembered a choice made over them."""
    try:
        from readaloud.desktop.choices import load_choices

        return load_choices().resolve(config.speech.voice, config.speech.speed)
    except Exception as error:  # a broken choices file must not stop the daemon
        log.warning("ignoring remembered voice and speed: %s", error)
        return config.speech.voice, config.speech.speed


def build_speech(config: Config, voice: str, speed: float) -> KokoroSynthesizer:
    """Load the model and the configured voice, then synthesize once so the first request is warm."""
    from readaloud.speech.synthesizer import build_synthesizer

    started = time.monotonic()
    synthesizer = build_synthesizer(config)
    loaded = time.monotonic()
    for sentence in synthesizer.sentences(WARM_UP_TEXT)[:1]:
        for _audio in synthesizer.synthesize(sentence, voice, speed):
            pass
    log.info("model loaded in %.1f s, warm-up synthesis %.1f s", loaded - started,
             time.monotonic() - loaded)
    return synthesizer


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


class Daemon:
    """Owns the bus connection, the Reader and the frontends for the life of the process."""

    def __init__(self, config: Config, config_path: Path | None = None) -> None:
        self.config = config
        self.config_path = config_path
        self._reader: Reader | None = None
        self._synthesizer: KokoroSynthesizer | None = None
        self._frontends: list[Frontend] = []
        self._stopping = asyncio.Event()
        self._bus: MessageBus | None = None
        self.service: ReadAloudService | None = None
        self.mpris: MprisPlayer | None = None
        self.notify_error: Callable[[BaseException], object] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def reader(self) -> Reader:
        if self._reader is None:
            raise ReadaloudError("the daemon is still loading the model; try again in a few seconds")
        return self._reader

    # -- life cycle ---------------------------------------------------------------------------------

    async def run(self) -> int:
        from dbus_fast.aio import MessageBus

        from readaloud.dbus.mpris import MprisPlayer, MprisRoot
        from readaloud.dbus.names import MPRIS_BUS_NAME, MPRIS_PATH, OBJECT_PATH
        from readaloud.dbus.service import ReadAloudService
        from readaloud.speech.voices import VOICES

        loop = asyncio.get_running_loop()
        try:
            self._bus = bus = await MessageBus().connect()
        except Exception as error:
            raise ReadaloudError(
                f"cannot connect to the D-Bus session bus ({error}); the daemon needs a desktop "
                "session (or run it under 'dbus-run-session')"
            ) from None
        voice, speed = remembered_voice_and_speed(self.config)
        self.service = ReadAloudService(
            voice=voice, speed=speed, voices=list(VOICES),
            max_chars=self.config.text.max_chars, read_selection=self.read_selection, reload=self.reload,
        )
        self.mpris = MprisPlayer(voice=voice, speed=speed)
        bus.export(OBJECT_PATH, self.service)
        bus.export(MPRIS_PATH, MprisRoot())
        bus.export(MPRIS_PATH, self.mpris)
        try:
            await self._claim_names(bus, MPRIS_BUS_NAME)
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self.request_stop)
            loop.add_signal_handler(signal.SIGHUP, self._reload_from_signal)
            log.info("serving on the session bus; loading the model")
            if not await self._load(voice, speed):
                return 0
            self._start_frontends(loop)
            log.info("ready")
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
        finally:
            await self._shutdown(loop)

    async def _claim_names(self, bus: MessageBus, mpris_name: str) -> None:
        from dbus_fast.constants import NameFlag, RequestNameReply

        from readaloud.dbus.names import BUS_NAME

        reply = await bus.request_name(BUS_NAME, NameFlag.DO_NOT_QUEUE)
        if reply not in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
            pid = await _owner_pid(bus, BUS_NAME)
            who = f" (pid {pid})" if pid else ""
            raise AlreadyRunningError(
                f"another readaloud daemon is already running{who}; use it ('readaloud status'), or "
                "stop it first ('systemctl --user stop readaloud' or 'kill <pid>')"
            )
        reply = await bus.request_name(mpris_name, NameFlag.DO_NOT_QUEUE)
        if reply not in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
            log.warning("%s is taken; media keys will not control readaloud", mpris_name)

    async def _load(self, voice: str, speed: float) -> bool:
        """Build speech and audio output off the loop; False if asked to stop meanwhile."""
        from readaloud.errors import EngineError

        loop = asyncio.get_running_loop()
        config = self.config

        def build() -> tuple[KokoroSynthesizer, Sink]:
            try:
                return build_speech(config, voice, speed), build_sink(config)
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
        synthesizer, sink = loading.result()  # a ReadaloudError here ends the daemon with its message
        from readaloud.playback.player import Reader

        playback = config.playback
        reader = Reader(
            synthesizer, sink, voice=voice, speed=speed,
            sentence_pause=playback.sentence_pause, lookahead=playback.lookahead,
            preroll=playback.preroll, post=poster(loop),
        )
        self._synthesizer = synthesizer
        self._reader = reader
        reader.add_listener(_LogListener())
        assert self.service is not None and self.mpris is not None
        self.service.attach(reader)
        self.mpris.attach(reader)
        return True

    def _start_frontends(self, loop: asyncio.AbstractEventLoop) -> None:
        """Desktop frontends (hotkeys, tray, notifications) start here, once the Reader exists.

        Each hands user actions to this loop and gets Reader events as a listener; a desktop that
        lacks a piece (no display, no tray host) only loses that piece, never the daemon.
        """
        try:
            from readaloud.desktop.frontend import DesktopActions, DesktopFrontend, DesktopSettings
        except Exception as error:
            log.warning("desktop integration unavailable (%s); the CLI and D-Bus still work", error)
            return
        reader = self.reader
        actions = DesktopActions(
            read_selection=self.start_read_selection, toggle_pause=reader.toggle, stop=reader.stop,
            skip=reader.skip, back=reader.back, set_voice=reader.set_voice, set_speed=reader.set_speed,
            quit=self.request_stop,
        )
        settings = DesktopSettings.from_config(self.config)
        desktop = DesktopFrontend(actions, poster(loop), settings,
                                  voice=reader.voice, speed=reader.speed, state=reader.state)
        reader.add_listener(desktop)
        try:
            desktop.start()
        except Exception:
            log.warning("the desktop frontend failed to start; the CLI and D-Bus still work", exc_info=True)
            return
        self.notify_error = desktop.notify_error
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

    # -- commands that need the daemon's own state ----------------------------------------------------

    def report(self, error: BaseException) -> None:
        """An error from a frontend's command: the log, and a notification where one is wired."""
        log.warning("%s", error)
        self._notify(error)

    def _notify(self, error: BaseException) -> None:
        if self.notify_error is not None:
            self.notify_error(error)

    def start_read_selection(self, source: str = "") -> None:
        """Fire-and-forget form of :meth:`read_selection` for hotkey and tray."""

        async def run() -> None:
            try:
                await self.read_selection(source)
            except ReadaloudError as error:
                log.warning("%s", error)  # the user got a notification already

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def read_selection(self, source: str = "") -> None:
        """Read the selection aloud, following ``[hotkeys].on_read_while_speaking`` when busy.

        Errors (nothing selected, no selection tool, no audio device) also go to a notification:
        this often runs from a desktop shortcut, where nobody sees a terminal.
        """
        try:
            await self._read_selection(source)
        except ReadaloudError as error:
            self._notify(error)
            raise

    async def _read_selection(self, source: str) -> None:
        from readaloud.desktop.selection import read_selection
        from readaloud.errors import TextTooLongError

        reader = self.reader
        policy = self.config.hotkeys.on_read_while_speaking
        busy = reader.state.value in ("speaking", "paused")
        if busy and policy == "stop":
            reader.stop()
            return
        selection = self.config.selection
        read = functools.partial(read_selection, source or selection.source, copy_first=selection.copy_first)
        text = await in_thread(read, "readaloud-selection")
        limit = self.config.text.max_chars
        if len(text) > limit:
            raise TextTooLongError(
                f"the selection has {len(text):,} characters; the limit is {limit:,} ([text].max_chars)"
            )
        job = self.reader.say(text, queue=busy and policy == "queue")
        log.info("job %d: read the selection (%d characters)", job, len(text))

    def reload(self) -> None:
        """Re-read the config file and apply what can change live; say what needs a restart."""
        from readaloud.config import diff_configs, load_config
        from readaloud.speech.synthesizer import text_options_from_config

        new = load_config(self.config_path)
        changed = diff_configs(self.config, new)
        old, self.config = self.config, new
        if self.service is not None:
            self.service.max_chars = new.text.max_chars
        reader = self._reader
        if reader is not None:
            if "speech.voice" in changed:
                reader.set_voice(new.speech.voice)
            if "speech.speed" in changed:
                reader.set_speed(new.speech.speed)
            if "playback.sentence_pause" in changed:
                reader.set_sentence_pause(new.playback.sentence_pause)
        if self._synthesizer is not None and any(
            key == "pronunciations" or key.startswith("text.") for key in changed
        ):
            self._synthesizer.set_text_options(text_options_from_config(new))
        restart = [key for key in changed if key in RESTART_KEYS]
        if restart:
            log.warning("restart the daemon to apply: %s", ", ".join(restart))
        log.info("config reloaded (%s)", ", ".join(changed) if changed else "no changes")
        del old

    def _reload_from_signal(self) -> None:
        try:
            self.reload()
        except ReadaloudError as error:
            log.error("config not reloaded, keeping the current settings: %s", error)


class _LogListener:
    """Reader events in the log: states and job ends, never the text."""

    def on_state_changed(self, state: Any) -> None:
        log.debug("state %s", state.value)

    def on_sentence_started(self, job: int, sentence: Any) -> None:
        pass

    def on_sentence_finished(self, job: int, sentence: Any) -> None:
        pass

    def on_job_finished(self, job: int, reason: Any) -> None:
        log.info("job %d %s", job, reason.value)

    def on_voice_changed(self, voice: str) -> None:
        log.info("voice %s", voice)

    def on_speed_changed(self, speed: float) -> None:
        log.info("speed %.2f", speed)

    def on_error(self, message: str) -> None:
        log.debug("reader error: %s", message)  # the sink or the synthesis thread logged it already


async def _owner_pid(bus: MessageBus, name: str) -> int | None:
    from dbus_fast import Message, MessageType

    reply = await bus.call(Message(
        destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
        interface="org.freedesktop.DBus", member="GetConnectionUnixProcessID", signature="s", body=[name],
    ))
    if reply is None or reply.message_type != MessageType.METHOD_RETURN:
        return None
    return int(reply.body[0])


def run_daemon(config_path: Path | None = None, env: Environment | None = None) -> int:
    """Entry point of ``readaloud daemon``: exit status 0 after a clean shutdown."""
    from readaloud.config import load_config

    config = load_config(config_path)
    return asyncio.run(Daemon(config, config_path).run())
