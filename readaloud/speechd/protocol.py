"""Speech Dispatcher's output-module protocol, as pure parsing and formatting (no I/O).

The server writes commands on the module's stdin, one per line (``LF`` only). Commands that carry
data are answered twice: once when the command line arrives (the server waits for that answer
before it sends the data) and once after the closing ``.`` line. Data lines that begin with a dot
arrive with a second dot (dot-stuffing). Replies and events go to stdout; events (7xx) are
asynchronous and may never come between a command and its reply.

References: Speech Dispatcher's manual, "Communication Protocol for Output Modules", and its
``src/modules/module_process.c``; the reply texts below are those Speech Dispatcher 0.11's own
modules send (checked against recorded sessions in ``tests/data/speechd``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class MessageType(str, enum.Enum):
    """What a speech command asks for."""

    TEXT = "SPEAK"
    CHAR = "CHAR"
    KEY = "KEY"
    SOUND_ICON = "SOUND_ICON"


class Block(str, enum.Enum):
    """Commands followed by ``name=value`` lines."""

    SET = "SET"
    AUDIO = "AUDIO"
    LOGLEVEL = "LOGLEVEL"


@dataclass(frozen=True)
class Speak:
    """A message to speak: SSML for ``TEXT``, one character, key name or icon name otherwise."""

    type: MessageType
    data: str


@dataclass(frozen=True)
class Settings:
    """A complete SET, AUDIO or LOGLEVEL block; ``error`` is the reply for a malformed one."""

    block: Block
    values: dict[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class Command:
    """A one-line command: ``INIT``, ``STOP``, ``PAUSE``, ``LIST VOICES`` or ``QUIT``."""

    name: str


@dataclass(frozen=True)
class Debug:
    """``DEBUG ON <file>`` or ``DEBUG OFF``."""

    enable: bool
    path: str | None


@dataclass(frozen=True)
class Reply:
    """A reply the protocol itself prescribes (the module adds its own for complete requests)."""

    text: str


Request = Speak | Settings | Command | Debug
Action = Request | Reply

# Replies (those of Speech Dispatcher 0.11's modules).
RECEIVING_MESSAGE = "202 OK RECEIVING MESSAGE"
SPEAKING = "200 OK SPEAKING"
CANT_SPEAK = "301 ERROR CANT SPEAK"
MORE_THAN_ONE_LINE = "305 DATA MORE THAN ONE LINE"
RECEIVING = {
    Block.SET: "203 OK RECEIVING SETTINGS",
    Block.AUDIO: "207 OK RECEIVING AUDIO SETTINGS",
    Block.LOGLEVEL: "207 OK RECEIVING LOGLEVEL SETTINGS",
}
RECEIVED = {
    Block.SET: "203 OK SETTINGS RECEIVED",
    Block.AUDIO: "203 OK AUDIO INITIALIZED",
    Block.LOGLEVEL: "203 OK LOGLEVEL SET",
}
BAD_SYNTAX = "302 ERROR BAD SYNTAX"
BAD_PARAMETER = "303 ERROR INVALID PARAMETER OR VALUE"
UNKNOWN_COMMAND = "300 ERR UNKNOWN COMMAND"
CANT_LIST_VOICES = "304 CANT LIST VOICES"
CANT_OPEN_DEBUG_FILE = "303 CANT OPEN CUSTOM DEBUG FILE"
QUIT_OK = "210 OK QUIT"

# Events.
EVENT_BEGIN = "701 BEGIN"
EVENT_END = "702 END"
EVENT_STOP = "703 STOP"
EVENT_PAUSE = "704 PAUSE"

_ONE_LINE_COMMANDS = frozenset({"INIT", "STOP", "PAUSE", "LIST VOICES", "QUIT"})


def init_reply(ok: bool, message: str) -> str:
    """The answer to ``INIT``: ``299`` when the module works, ``399`` with the reason when not."""
    detail = " ".join(message.split()) or "no details"
    if ok:
        return f"299-{detail}\n299 OK LOADED SUCCESSFULLY"
    return f"399-{detail}\n399 ERR CANT INIT MODULE"


def voices_reply(voices: Iterable[tuple[str, str, str]]) -> str:
    """The answer to ``LIST VOICES``: one ``name<TAB>language<TAB>variant`` line per voice."""
    lines = [f"200-{name}\t{language or 'none'}\t{variant or 'none'}" for name, language, variant in voices]
    if not lines:
        return CANT_LIST_VOICES
    return "\n".join([*lines, "200 OK VOICE LIST SENT"])


def mark_event(name: str) -> str:
    """The event for an SSML ``<mark/>`` whose position the audio has reached."""
    return f"700-{name}\n700 INDEX MARK"


def debug_reply(enable: bool, ok: bool) -> str:
    if not ok:
        return CANT_OPEN_DEBUG_FILE
    return "200 OK DEBUGGING ON" if enable else "200 OK DEBUGGING OFF"


class ModuleParser:
    """Turns the server's lines into requests and the replies the protocol prescribes on the way.

    Feed it one line at a time (with or without its ``\\n``); each call returns what to do now, in
    order: :class:`Reply` objects to write at once, and complete requests for the module to handle.
    """

    def __init__(self) -> None:
        self._message: MessageType | None = None
        self._block: Block | None = None
        self._lines: list[str] = []
        self._block_error: str | None = None
        self._values: dict[str, str] = {}

    @property
    def in_block(self) -> bool:
        """Whether the parser waits for data lines (a message or settings) up to a ``.`` line."""
        return self._message is not None or self._block is not None

    def feed(self, line: str) -> list[Action]:
        line = line[:-1] if line.endswith("\n") else line
        if self._message is not None:
            return self._message_line(self._message, line)
        if self._block is not None:
            return self._block_line(self._block, line)
        return self._command(line)

    def _command(self, line: str) -> list[Action]:
        if line in {t.value for t in MessageType}:
            self._message = MessageType(line)
            self._lines = []
            return [Reply(RECEIVING_MESSAGE)]
        if line in {b.value for b in Block}:
            self._block = Block(line)
            self._values = {}
            self._block_error = None
            return [Reply(RECEIVING[self._block])]
        if line in _ONE_LINE_COMMANDS:
            return [Command(line)]
        if line.startswith("DEBUG"):
            return [self._debug(line)]
        return [Reply(UNKNOWN_COMMAND)]

    @staticmethod
    def _debug(line: str) -> Action:
        words = line.split()
        if words[0] != "DEBUG" or len(words) < 2:
            return Reply(BAD_SYNTAX)
        if words[1] == "ON" and len(words) >= 3:
            return Debug(True, words[2])
        if words[1] == "OFF":
            return Debug(False, None)
        return Reply(BAD_SYNTAX)

    def _message_line(self, kind: MessageType, line: str) -> list[Action]:
        if line != ".":
            self._lines.append(line[1:] if line.startswith(".") else line)  # undo dot-stuffing
            return []
        self._message = None
        lines, self._lines = self._lines, []
        text = "\n".join(lines)
        if not text:
            return [Reply(CANT_SPEAK)]
        if kind is not MessageType.TEXT and len(lines) > 1:
            return [Reply(MORE_THAN_ONE_LINE)]
        if kind is MessageType.CHAR and text == "space":
            text = " "
        return [Speak(kind, text)]

    def _block_line(self, block: Block, line: str) -> list[Action]:
        if line != ".":
            name, sep, value = line.partition("=")
            if not sep or not name or not value:
                self._block_error = BAD_SYNTAX
            else:
                self._values[name] = value
            return []
        self._block = None
        return [Settings(block, dict(self._values), self._block_error)]
