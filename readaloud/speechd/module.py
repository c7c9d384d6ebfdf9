"""``sd_readaloud``: Speech Dispatcher's output module, forwarding every message to the daemon.

Speech Dispatcher starts the module once and talks to it on stdin/stdout (``protocol``). Each
message becomes one daemon job, said with ``interrupt`` (see README, "Use readaloud as your system
voice": a message cuts in and readaloud's own reading continues afterwards, its queue untouched).
Events come back as D-Bus signals: the first ``SentenceStarted`` of the job is ``701 BEGIN``, each
``MarkReached`` a ``700`` index mark, ``JobFinished`` the ``702 END`` / ``703 STOP`` / ``704 PAUSE``.

``PAUSE`` stops the job, like ``STOP``: Speech Dispatcher resumes a paused message itself by
sending the text again from the last index mark we reported. Audio never goes through the server
(``AUDIO`` with ``audio_output_method=server`` is declined): the daemon's player plays it, so
pause, stop and readaloud's own controls act on it at once.

Light imports only (dbus-fast and the standard library): no numpy, onnxruntime, torch or
sounddevice in this process.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from readaloud.errors import NothingToSayError
from readaloud.speechd import protocol
from readaloud.speechd.port import Daemon, SayRequest
from readaloud.speechd.protocol import (
    Action,
    Block,
    Command,
    Debug,
    MessageType,
    ModuleParser,
    Reply,
    Settings,
    Speak,
)
from readaloud.speechd.settings import MessageSettings, choose_voice, voice_list
from readaloud.speechd.spoken import spoken_char, spoken_icon, spoken_key
from readaloud.text.ssml import parse_ssml

log = logging.getLogger(__name__)

# Speech Dispatcher's LOGLEVEL (0 quiet … 5 everything) as Python logging levels.
_LOG_LEVELS = {0: logging.CRITICAL, 1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG,
               5: logging.DEBUG}


@dataclass(eq=False)
class _Message:
    """The message being spoken, from ``200 OK SPEAKING`` to its END, STOP or PAUSE event."""

    job: int | None = None
    begun: bool = False
    over: bool = False
    stop_as: str | None = None  # "stop" or "pause" once Speech Dispatcher asked
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class SpeechdModule:
    """The protocol's logic: requests in, replies and events out through ``write``."""

    def __init__(self, daemon: Daemon, write: Callable[[str], None],
                 default_voice: Callable[[], str | None] = lambda: None) -> None:
        self.daemon = daemon
        self._write = write
        self._default_voice = default_voice
        self._parser = ModuleParser()
        self._settings = MessageSettings()
        self._message: _Message | None = None
        self._handling = False
        self._held: list[str] = []
        self._debug_handler: logging.Handler | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.initialized = False
        self.quit = False

    # -- input ------------------------------------------------------------------------------------

    async def feed(self, line: str) -> None:
        """Handle one line from Speech Dispatcher; replies are written before this returns."""
        self._handling = True
        try:
            for action in self._parser.feed(line):
                await self._handle(action)
        finally:
            self._handling = False
            self._flush_events()

    async def _handle(self, action: Action) -> None:
        if isinstance(action, Reply):
            self._reply(action.text)
        elif isinstance(action, Command):
            await self._command(action.name)
        elif isinstance(action, Settings):
            self._settings_block(action)
        elif isinstance(action, Speak):
            self._speak(action)
        elif isinstance(action, Debug):
            self._reply(protocol.debug_reply(action.enable, self._set_debug(action.enable, action.path)))

    async def _command(self, name: str) -> None:
        if name == "INIT":
            await self._init()
        elif name == "LIST VOICES":
            default = None
            try:
                default = await self.daemon.current_voice()
            except Exception as error:
                log.debug("no current voice from the daemon (%s)", type(error).__name__)
            self._reply(protocol.voices_reply(voice_list(default or self._default_voice())))
        elif name in ("STOP", "PAUSE"):
            self._stop_message("stop" if name == "STOP" else "pause")
        elif name == "QUIT":
            message = self._message
            if message is not None and not message.over and message.job is not None:
                await self._stop_job(message.job)
            self._reply(protocol.QUIT_OK)
            self.quit = True

    async def _init(self) -> None:
        try:
            await self.daemon.connect()
        except Exception as error:
            reason = f"readaloud: cannot reach the D-Bus session bus ({error})"
            self._reply(protocol.init_reply(False, reason))
            self.quit = True
            return
        self.initialized = True
        self._reply(protocol.init_reply(True, "readaloud: ready (speech comes from the readaloud daemon)"))

    def _settings_block(self, block: Settings) -> None:
        if block.error is not None:
            self._reply(block.error)
            return
        if block.block is Block.SET:
            try:
                self._settings = self._settings.updated(block.values)
            except ValueError:
                self._reply(protocol.BAD_PARAMETER)
                return
        elif block.block is Block.AUDIO:
            if block.values.get("audio_output_method") == "server":
                # Declined: the daemon plays the audio itself, so pause and stop act at once.
                self._reply(protocol.BAD_PARAMETER)
                return
        elif block.block is Block.LOGLEVEL:
            try:
                level = int(block.values.get("log_level", "3"))
            except ValueError:
                self._reply(protocol.BAD_PARAMETER)
                return
            logging.getLogger("readaloud").setLevel(_LOG_LEVELS.get(max(0, min(5, level)), logging.INFO))
        self._reply(protocol.RECEIVED[block.block])

    def _set_debug(self, enable: bool, path: str | None) -> bool:
        root = logging.getLogger("readaloud")
        if self._debug_handler is not None:
            root.removeHandler(self._debug_handler)
            self._debug_handler.close()
            self._debug_handler = None
        if not enable or path is None:
            return True
        try:
            handler = logging.FileHandler(path)
        except OSError:
            return False
        handler.setLevel(logging.DEBUG)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        self._debug_handler = handler
        return True

    # -- speaking ---------------------------------------------------------------------------------

    def _speak(self, speak: Speak) -> None:
        previous = self._message
        if previous is not None and not previous.over:
            # The server sends a message only after the last one ended; if it did not, drop it quietly.
            previous.over = True
            if previous.job is not None:
                self._spawn(self._stop_job(previous.job))
        settings = self._settings
        text, marks = self._text(speak, settings)
        message = _Message()
        self._message = message
        self._reply(protocol.SPEAKING)
        if not text.strip():
            self._finish(message, protocol.EVENT_END)
            return
        message.task = asyncio.ensure_future(self._start(message, text, marks, settings))

    @staticmethod
    def _text(speak: Speak, settings: MessageSettings) -> tuple[str, tuple[tuple[str, int], ...]]:
        if speak.type is MessageType.TEXT:
            parsed = parse_ssml(speak.data)
            return parsed.text, tuple((mark.name, mark.offset) for mark in parsed.marks)
        if speak.type is MessageType.CHAR:
            return spoken_char(speak.data, capitals=settings.capitals_spoken), ()
        if speak.type is MessageType.KEY:
            return spoken_key(speak.data), ()
        return spoken_icon(speak.data), ()

    async def _start(self, message: _Message, text: str, marks: tuple[tuple[str, int], ...],
                     settings: MessageSettings) -> None:
        try:
            await self.daemon.ensure_ready()
            voice = choose_voice(settings, await self.daemon.current_voice())
            job = await self.daemon.say(SayRequest(text, marks, voice, settings.speed, settings.gain))
        except NothingToSayError:  # the message is over at once
            self._finish(message, protocol.EVENT_END)
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.error("the daemon did not take the message (%s: %s)", type(error).__name__, error)
            self._finish(message, protocol.EVENT_STOP)
            return
        message.job = job
        log.debug("message is job %d", job)
        if message.over or message.stop_as is not None:
            await self._stop_job(job)

    def _stop_message(self, how: str) -> None:
        message = self._message
        if message is None or message.over or message.stop_as is not None:
            return
        message.stop_as = how
        if message.job is not None:
            self._spawn(self._stop_job(message.job))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _stop_job(self, job: int) -> None:
        try:
            await self.daemon.stop_job(job)
        except Exception as error:
            log.warning("could not stop job %d (%s)", job, type(error).__name__)

    # -- daemon events (on the loop, from D-Bus signals) ------------------------------------------

    def _mine(self, job: int) -> _Message | None:
        message = self._message
        if message is None or message.over or message.job != job:
            return None
        return message

    def on_sentence_started(self, job: int) -> None:
        message = self._mine(job)
        if message is not None:
            self._begin(message)

    def on_mark(self, job: int, name: str) -> None:
        message = self._mine(job)
        if message is not None:
            self._begin(message)
            self._event(protocol.mark_event(name))

    def on_job_finished(self, job: int, reason: str) -> None:
        message = self._mine(job)
        if message is None:
            return
        if reason == "done":
            self._finish(message, protocol.EVENT_END)
        else:
            self._finish(message, protocol.EVENT_PAUSE if message.stop_as == "pause" else protocol.EVENT_STOP)

    def on_daemon_lost(self) -> None:
        message = self._message
        if message is not None and not message.over:
            log.warning("the readaloud daemon went away while speaking")
            self._finish(message, protocol.EVENT_STOP)

    def _begin(self, message: _Message) -> None:
        if not message.begun:
            message.begun = True
            self._event(protocol.EVENT_BEGIN)

    def _finish(self, message: _Message, event: str) -> None:
        if message.over:
            return
        self._begin(message)  # every END, STOP or PAUSE follows a BEGIN
        message.over = True
        self._event(event)

    # -- output -----------------------------------------------------------------------------------

    def _reply(self, text: str) -> None:
        self._write(text)

    def _event(self, text: str) -> None:
        # Never between a command and its reply: held while a command or its data is being handled.
        if self._handling or self._parser.in_block:
            self._held.append(text)
        else:
            self._write(text)

    def _flush_events(self) -> None:
        if self._parser.in_block:
            return
        held, self._held = self._held, []
        for text in held:
            self._write(text)


def _stdout_writer() -> Callable[[str], None]:
    out = sys.stdout.buffer

    def write(text: str) -> None:
        out.write(text.encode("utf-8", "replace") + b"\n")
        out.flush()

    return write


async def serve(daemon: Daemon, module: SpeechdModule) -> int:
    """Read Speech Dispatcher's commands from stdin until QUIT or end of input."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    first = await reader.readline()
    if first != b"INIT\n":
        log.error("Speech Dispatcher did not start with INIT")
        return 3
    await module.feed("INIT\n")
    if module.quit:
        return 1
    while not module.quit:
        line = await reader.readline()
        if not line:
            break  # the server closed our stdin
        await module.feed(line.decode("utf-8", "replace"))
    daemon.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``sd_readaloud`` (Speech Dispatcher passes its module config file, unused)."""
    from readaloud.speechd.link import DaemonLink, configured_voice

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s sd_readaloud %(levelname)s %(message)s")
    logging.getLogger("readaloud").setLevel(logging.INFO)

    async def run() -> int:
        daemon = DaemonLink()
        module = SpeechdModule(daemon, _stdout_writer(), configured_voice)
        daemon.listener = module
        return await serve(daemon, module)

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
