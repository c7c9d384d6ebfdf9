"""The Speech Dispatcher module's connection to the readaloud daemon on the session bus.

Calls: ``Say`` (with ``interrupt``, ``volume``, ``marks``), ``StopJob``, and the ``Voice`` property.
Signals: ``SentenceStarted``, ``MarkReached`` and ``JobFinished`` for the module's jobs, and the
daemon's name going away. The daemon is started on the first message, through D-Bus activation
when it is installed as a service, otherwise in the background (``readaloud.client``).
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

from dbus_fast import Message, MessageType, Variant

from readaloud.dbus.names import BUS_NAME, INTERFACE, OBJECT_PATH
from readaloud.speechd.port import DaemonEvents, SayRequest

if TYPE_CHECKING:
    from readaloud.client import Client

log = logging.getLogger(__name__)


def say_options(request: SayRequest) -> dict[str, Variant]:
    """``Say``'s options for a Speech Dispatcher message: it cuts in, at its own speed and volume."""
    options = {
        "interrupt": Variant("b", True),
        "speed": Variant("d", float(request.speed)),
        "volume": Variant("d", float(request.gain)),
    }
    if request.voice is not None:
        options["voice"] = Variant("s", request.voice)
    if request.marks:
        options["marks"] = Variant("a(su)", [[name, offset] for name, offset in request.marks])
    return options


def configured_voice() -> str | None:
    """The voice in readaloud's config (for LIST VOICES while no daemon runs)."""
    try:
        from readaloud.config import load_config

        return load_config().speech.voice
    except Exception as error:  # a broken config must not break Speech Dispatcher
        log.debug("no configured voice (%s)", type(error).__name__)
        return None


class DaemonLink:
    """:class:`readaloud.speechd.module.Daemon` on the session bus."""

    def __init__(self) -> None:
        self.listener: DaemonEvents | None = None
        self._client: Client | None = None
        self._ready = False  # the daemon answered as ready, and has not left the bus since

    @property
    def client(self) -> Client:
        if self._client is None:
            raise RuntimeError("not connected")
        return self._client

    async def connect(self) -> None:
        from readaloud.client import Client

        client = await Client.connect()
        self._client = client
        client.bus.add_message_handler(self._on_message)
        await client.add_match(f"type='signal',sender='{BUS_NAME}',interface='{INTERFACE}'")
        await client.add_match(
            f"type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='{BUS_NAME}'"
        )

    async def ensure_ready(self) -> None:
        from readaloud.commands.control import autospawn_enabled

        if self._ready:
            return
        notes = io.StringIO()
        try:
            await self.client.ensure_running(notes, autospawn=autospawn_enabled)
            self._ready = True
        finally:
            for line in notes.getvalue().splitlines():
                log.info("%s", line.removeprefix("readaloud: "))

    async def say(self, request: SayRequest) -> int:
        from readaloud.client import error_from_reply

        reply = await self.client.bus.call(Message(
            destination=BUS_NAME, path=OBJECT_PATH, interface=INTERFACE, member="Say",
            signature="sa{sv}", body=[request.text, say_options(request)],
        ))
        if reply is None:
            raise RuntimeError("no reply to Say")
        if reply.message_type == MessageType.ERROR:
            raise error_from_reply(reply)  # NothingToSayError for a text with nothing speakable
        return int(reply.body[0])

    async def stop_job(self, job: int) -> None:
        await self.client.call("StopJob", "u", [job])

    async def current_voice(self) -> str | None:
        if self._client is None or (not self._ready and await self._client.owner() is None):
            return None
        properties = await self._client.properties()
        voice = properties.get("Voice")
        return str(voice) if voice else None

    def close(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client = None

    def _on_message(self, message: Message) -> None:
        if message.message_type != MessageType.SIGNAL:
            return
        body: list[Any] = list(message.body)
        if message.member == "NameOwnerChanged" and body and body[0] == BUS_NAME and not body[2]:
            self._ready = False
            if self.listener is not None:
                self.listener.on_daemon_lost()
            return
        listener = self.listener
        if listener is None or message.interface != INTERFACE:
            return
        if message.member == "SentenceStarted":
            listener.on_sentence_started(int(body[0]))
        elif message.member == "MarkReached":
            listener.on_mark(int(body[0]), str(body[1]))
        elif message.member == "JobFinished":
            listener.on_job_finished(int(body[0]), str(body[1]))
