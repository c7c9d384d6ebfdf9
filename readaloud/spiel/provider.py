"""``org.freedesktop.Speech.Provider`` (Spiel): readaloud's voices for Orca 50+ and other Spiel clients.

Exported by the daemon on its own connection under a second bus name ending in ``Speech.Provider``
(Spiel discovers providers by that suffix; the object path is the name with dots as slashes), so
Spiel clients share the warm model with everything else. The interface follows libspeechprovider's
``org.freedesktop.Speech.Provider.xml``: ``Synthesize(h pipe_fd, s text, s voice_id, d pitch,
d rate, b is_ssml, s language)`` and the read-only ``Voices`` ``a(ssstas)`` and ``Name`` ``s``.

No ``from __future__ import annotations`` here: dbus-fast reads the signature annotations.
"""

import logging
import os
from collections.abc import Callable
from typing import Annotated

from dbus_fast.annotations import DBusBool, DBusDouble, DBusSignature, DBusStr, DBusUnixFd
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

from readaloud.core import MAX_SPEED, MIN_SPEED
from readaloud.dbus.names import SPIEL_INTERFACE
from readaloud.dbus.service import to_dbus_error
from readaloud.errors import UnknownVoiceError, UsageError
from readaloud.speech.catalogue import VOICES, voice_info, voices_for_language
from readaloud.spiel.stream import OUTPUT_FORMAT, VoiceFeature
from readaloud.spiel.synthesis import SpielRequest
from readaloud.text.ssml import parse_ssml, plain_text

log = logging.getLogger(__name__)

PROVIDER_NAME = "readaloud (Kokoro)"
FEATURES = VoiceFeature.EVENTS_SENTENCE | VoiceFeature.EVENTS_SSML_MARK

Voice = tuple[str, str, str, int, list[str]]
DBusVoices = Annotated[list[Voice], DBusSignature("a(ssstas)")]


def voices() -> list[Voice]:
    """Every Kokoro voice: readable name, identifier, stream format, features, languages."""
    return [
        (voice.display_name, voice.name, OUTPUT_FORMAT, int(FEATURES),
         [voice.bcp47.lower(), voice.bcp47.split("-")[0].lower()])
        for voice in VOICES.values()
    ]


def speed_for_rate(rate: float) -> float:
    """Spiel's rate (1.0 normal) as readaloud's speed, within what Kokoro does well."""
    if not rate or rate != rate:  # 0 or NaN: the client did not choose
        return 1.0
    return max(MIN_SPEED, min(MAX_SPEED, float(rate)))


class SpeechProvider(ServiceInterface):
    """The provider: requests are validated here and written to the client's pipe by ``start``."""

    def __init__(self, start: Callable[[int, SpielRequest], object],
                 default_voice: Callable[[], str]) -> None:
        super().__init__(SPIEL_INTERFACE)
        self._start = start
        self._default_voice = default_voice

    def request(self, text: str, voice_id: str, rate: float, is_ssml: bool, language: str) -> SpielRequest:
        """The request a ``Synthesize`` call stands for (raises DBusError for an unknown voice)."""
        if voice_id:
            try:
                voice_info(voice_id)
            except UnknownVoiceError as error:
                raise to_dbus_error(error) from None
        voice = voice_id
        if not voice:
            default = self._default_voice()
            matching = voices_for_language(language) if language else []
            voice = default if not matching or VOICES[default] in matching else matching[0].name
        parsed = parse_ssml(text) if is_ssml else plain_text(text)
        return SpielRequest(parsed, voice, speed_for_rate(rate))

    @dbus_method()
    def Synthesize(self, pipe_fd: DBusUnixFd, text: DBusStr, voice_id: DBusStr, pitch: DBusDouble,
                   rate: DBusDouble, is_ssml: DBusBool, language: DBusStr) -> None:
        if pipe_fd is None:  # the caller's connection cannot pass file descriptors
            raise to_dbus_error(UsageError("Synthesize needs a pipe's file descriptor; connect with "
                                           "file descriptor passing"))
        try:
            request = self.request(text, voice_id, rate, is_ssml, language)
        except Exception:
            os.close(pipe_fd)  # the fd is ours either way
            raise
        log.info("Spiel request: %d characters, voice %s", len(text), request.voice)
        self._start(pipe_fd, request)

    @dbus_property(access=PropertyAccess.READ)
    def Voices(self) -> DBusVoices:
        return voices()

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return PROVIDER_NAME
