"""The reading bar's pipe protocol: one JSON object per line, UTF-8.

Daemon → bar (the bar's stdin)::

    {"sentence": "The original text.", "job": 3, "index": 1}   a new sentence is being heard
    {"word": [4, 12]}                                          the word at these offsets (into the
                                                               sentence text) is being heard
    {"state": "speaking" | "paused" | "idle"}                  the bar hides while idle
    {"quit": true}                                             close and exit (EOF does the same)

Bar → daemon (the bar's stdout)::

    {"ready": true}                                            the window exists; messages are read
    {"command": "toggle_pause" | "skip" | "stop"}              a button was clicked

Both sides use :func:`encode` and :func:`decode`; neither imports Qt nor numpy. A line that does
not decode raises :class:`BarProtocolError`: the reader of the line logs it and goes on.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any, TypeGuard

from readaloud.errors import BarProtocolError


class Command(str, enum.Enum):
    """What a button of the bar asks the daemon to do."""

    TOGGLE_PAUSE = "toggle_pause"
    SKIP = "skip"
    STOP = "stop"


class BarState(str, enum.Enum):
    """What the bar shows: the sentence with a Pause button, with a Resume button, or nothing."""

    SPEAKING = "speaking"
    PAUSED = "paused"
    IDLE = "idle"


@dataclass(frozen=True)
class ShowSentence:
    """A sentence started: ``text`` is its original text (as the user gave it)."""

    text: str
    job: int
    index: int


@dataclass(frozen=True)
class ShowWord:
    """The word at ``start:end`` of the current sentence's text is being heard."""

    start: int
    end: int


@dataclass(frozen=True)
class SetState:
    state: BarState


@dataclass(frozen=True)
class Quit:
    pass


@dataclass(frozen=True)
class Ready:
    pass


@dataclass(frozen=True)
class Clicked:
    command: Command


ToBar = ShowSentence | ShowWord | SetState | Quit
FromBar = Ready | Clicked
Message = ToBar | FromBar


def encode(message: Message) -> bytes:
    """One line (ending in ``\\n``) for ``message``."""
    fields: dict[str, Any]
    if isinstance(message, ShowSentence):
        fields = {"sentence": message.text, "job": message.job, "index": message.index}
    elif isinstance(message, ShowWord):
        fields = {"word": [message.start, message.end]}
    elif isinstance(message, SetState):
        fields = {"state": message.state.value}
    elif isinstance(message, Quit):
        fields = {"quit": True}
    elif isinstance(message, Ready):
        fields = {"ready": True}
    elif isinstance(message, Clicked):
        fields = {"command": message.command.value}
    else:
        raise TypeError(f"not a reading bar message: {message!r}")
    # ensure_ascii keeps the line free of raw newlines and of encoding questions on either side.
    return json.dumps(fields, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def decode(line: bytes | str) -> Message:
    """The message on ``line`` (with or without its newline); :class:`BarProtocolError` otherwise."""
    try:
        fields = json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        raise BarProtocolError(f"not JSON: {error}") from None
    if not isinstance(fields, dict):
        raise BarProtocolError("not a JSON object")
    if "sentence" in fields:
        text, job, index = fields["sentence"], fields.get("job"), fields.get("index")
        if not isinstance(text, str) or not _is_count(job) or not _is_count(index):
            raise BarProtocolError("sentence needs a string, and counts job and index")
        return ShowSentence(text, job, index)
    if "word" in fields:
        span = fields["word"]
        if not (isinstance(span, list) and len(span) == 2 and all(_is_count(n) for n in span)
                and span[0] <= span[1]):
            raise BarProtocolError("word needs [start, end] with 0 <= start <= end")
        return ShowWord(span[0], span[1])
    if "state" in fields:
        try:
            return SetState(BarState(fields["state"]))
        except ValueError:
            raise BarProtocolError(f"unknown state {fields['state']!r}") from None
    if "command" in fields:
        try:
            return Clicked(Command(fields["command"]))
        except ValueError:
            raise BarProtocolError(f"unknown command {fields['command']!r}") from None
    if fields.get("quit") is True:
        return Quit()
    if fields.get("ready") is True:
        return Ready()
    raise BarProtocolError(f"unknown message with keys {sorted(fields)}")


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
