"""Every error readaloud raises, and the exit statuses of the command line.

A :class:`ReadaloudError` reaches the user as ``readaloud: error: <message>`` (CLI) or as the D-Bus
error ``<interface>.Error.<dbus_name>`` (daemon); its message says what went wrong and how to fix
it, in one line. All of them live here, so the CLI's map from D-Bus error names back to classes
(:func:`readaloud.client.error_from_reply`) sees every one. Where several classes share a
``dbus_name``, the first one defined here is the one a client gets back.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence


class ExitStatus(enum.IntEnum):
    """Exit statuses of ``readaloud``: 0 success, 1 failure, 2 usage error, 130 interrupted (Ctrl+C)."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    INTERRUPTED = 130  # 128 + SIGINT, as shells report a process stopped by Ctrl+C


ECHO_LIMIT = 40  # characters of a client's input an error message may quote


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """``value`` quoted for an error message, cut to ``limit`` characters (a client may send 10 kB).

    Every error that quotes what a user or client sent goes through here, so replies stay one line.
    """
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ReadaloudError(Exception):
    """Base class for errors reported to the user as ``readaloud: error: <message>``."""

    exit_status: ExitStatus = ExitStatus.FAILURE
    dbus_name = "Failed"


class UsageError(ReadaloudError):
    """The command line or a request was malformed."""

    exit_status = ExitStatus.USAGE
    dbus_name = "InvalidArgs"


class NothingToSayError(UsageError):
    """The text holds nothing speakable (empty, or only markup and punctuation)."""

    dbus_name = "NothingToSay"


class ConfigError(ReadaloudError):
    """The configuration file is invalid."""

    dbus_name = "Config"


class ConfigValidationError(ConfigError):
    """The config file parsed but some values are wrong; ``errors`` holds every ``section.key: message``."""

    def __init__(self, errors: Sequence[str], source: str = "config") -> None:
        self.errors: tuple[str, ...] = tuple(errors)
        self.source = source
        if len(self.errors) == 1:
            message = f"{source}: {self.errors[0]}"
        else:
            listed = "\n".join(f"  {error}" for error in self.errors)
            message = f"{source} has {len(self.errors)} errors:\n{listed}"
        super().__init__(message)


class ModelMissingError(ReadaloudError):
    """The Kokoro model or a voice pack is not available locally and could not be fetched."""

    dbus_name = "ModelMissing"


class AssetDownloadError(ReadaloudError):
    """A download failed (network, checksum, corrupt archive)."""

    dbus_name = "ModelMissing"


class HubUnavailable(AssetDownloadError):
    """Hugging Face cannot be reached (offline mode, DNS, refused, timed out): skip it quickly."""


class UnknownVoiceError(ReadaloudError):
    """A voice name that is not one of Kokoro's voices: a usage error (exit status 2)."""

    exit_status = ExitStatus.USAGE
    dbus_name = "UnknownVoice"


class TextTooLongError(ReadaloudError):
    """A request's text is over the configured limit."""

    dbus_name = "TextTooLong"


class AudioDeviceError(ReadaloudError):
    """No usable audio output device."""

    dbus_name = "NoAudioDevice"


class EngineError(ReadaloudError):
    """The synthesis engine could not be loaded or failed."""

    dbus_name = "Engine"


class GraphPreparationError(EngineError):
    """The faster prepared copy of the ONNX model could not be written or did not pass its check."""


class NotReadyError(ReadaloudError):
    """The daemon owns its name but is still loading the model."""

    dbus_name = "Loading"


class AlreadyRunningError(ReadaloudError):
    """Another daemon owns the bus name."""

    dbus_name = "AlreadyRunning"


class DaemonNotRunningError(ReadaloudError):
    """No process owns the daemon's bus name."""

    dbus_name = "NotRunning"


class DaemonStartError(ReadaloudError):
    """An autospawned daemon exited or never became ready."""

    dbus_name = "NotRunning"


class SelectionError(ReadaloudError):
    """The selection could not be read."""

    dbus_name = "Selection"


class NothingSelectedError(SelectionError):
    """Neither the selection nor (where asked) the clipboard holds any text."""

    dbus_name = "NothingSelected"


class SelectionToolMissingError(SelectionError):
    """No program to read the selection with is installed for this session type."""

    dbus_name = "SelectionUnavailable"


class PortalUnavailable(Exception):
    """The desktop offers no GlobalShortcuts portal, or it refused the request (never shown as is:
    the hotkey listener turns it into a one-time notice)."""


class BarProtocolError(ValueError):
    """A line on the reading bar's pipe that is not a message of its protocol (logged, skipped; see
    :mod:`readaloud.desktop.overlay.protocol`)."""
