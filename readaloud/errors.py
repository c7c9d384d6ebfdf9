"""Errors a user sees: each message says what went wrong and how to fix it, in one line."""


class ReadaloudError(Exception):
    """Base class for errors reported to the user as ``readaloud: error: <message>``."""

    exit_status = 1
    dbus_name = "Failed"


class UsageError(ReadaloudError):
    """The command line or a request was malformed."""

    exit_status = 2
    dbus_name = "InvalidArgs"


class ConfigError(ReadaloudError):
    """The configuration file is invalid."""

    dbus_name = "Config"


class ModelMissingError(ReadaloudError):
    """The Kokoro model or a voice pack is not available locally and could not be fetched."""

    dbus_name = "ModelMissing"


class AssetDownloadError(ReadaloudError):
    """A download failed (network, checksum, corrupt archive)."""

    dbus_name = "ModelMissing"


class UnknownVoiceError(ReadaloudError):
    """A voice name that is not one of Kokoro's voices."""

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
