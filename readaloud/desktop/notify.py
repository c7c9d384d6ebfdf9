"""Desktop notifications (org.freedesktop.Notifications) for problems a user must see.

Only errors notify (no audio device, model missing, nothing selected, hotkey unavailable); normal
use is silent. Each kind is rate-limited, and a repeat replaces the previous bubble instead of
stacking. Notification text is ours, never the user's text.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from readaloud.errors import (
    AssetDownloadError,
    AudioDeviceError,
    ModelMissingError,
    NothingSelectedError,
    ReadaloudError,
)

if TYPE_CHECKING:
    from dbus_fast import Message

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
APP_NAME = "Read aloud"


class NoticeKind(str, enum.Enum):
    """What went wrong; each kind has its own rate limit and replaces its own previous bubble."""

    NO_AUDIO_DEVICE = "no-audio-device"
    MODEL_MISSING = "model-missing"
    NOTHING_SELECTED = "nothing-selected"
    HOTKEY_UNAVAILABLE = "hotkey-unavailable"
    ERROR = "error"


@dataclass(frozen=True)
class _Style:
    summary: str
    icon: str
    min_interval: float  # seconds between two bubbles of this kind
    expire_ms: int  # -1: the server's default
    transient: bool  # keep out of the notification history


_STYLES: dict[NoticeKind, _Style] = {
    NoticeKind.NO_AUDIO_DEVICE: _Style("No audio device", "audio-card", 60.0, -1, False),
    NoticeKind.MODEL_MISSING: _Style("Voice model missing", "dialog-error", 60.0, -1, False),
    # A user pressing the hotkey with nothing selected wants to know each time, but not ten
    # bubbles for ten presses.
    NoticeKind.NOTHING_SELECTED: _Style("Nothing selected", "dialog-information", 3.0, 3000, True),
    NoticeKind.HOTKEY_UNAVAILABLE: _Style("Hotkey unavailable", "dialog-warning", 3600.0, -1, False),
    NoticeKind.ERROR: _Style("Read aloud failed", "dialog-error", 30.0, -1, False),
}


def kind_for_error(error: BaseException) -> NoticeKind:
    """The notification kind for an exception the daemon caught."""
    if isinstance(error, NothingSelectedError):
        return NoticeKind.NOTHING_SELECTED
    if isinstance(error, AudioDeviceError):
        return NoticeKind.NO_AUDIO_DEVICE
    if isinstance(error, (ModelMissingError, AssetDownloadError)):
        return NoticeKind.MODEL_MISSING
    return NoticeKind.ERROR


class BusLike(Protocol):
    async def call(self, msg: Message) -> Message | None: ...


class Notifier:
    """Rate-limited notifications; ``notify`` is safe from any thread and never raises.

    ``send`` delivers one notification (an async D-Bus call in production); ``submit`` runs it
    somewhere that may await (the :class:`~readaloud.desktop.busthread.BusThread`).
    """

    def __init__(
        self,
        submit: Callable[[Callable[[], Any]], object],
        get_bus: Callable[[], Any],
        *,
        clock: Callable[[], float] = time.monotonic,
        app_name: str = APP_NAME,
    ) -> None:
        self._submit = submit
        self._get_bus = get_bus
        self._clock = clock
        self._app_name = app_name
        self._last_sent: dict[NoticeKind, float] = {}
        self._ids: dict[NoticeKind, int] = {}
        self._lock = threading.Lock()
        self._unavailable_reported = False

    def notify(self, kind: NoticeKind, body: str, summary: str | None = None) -> bool:
        """Show a bubble unless one of this kind went out too recently; True if one was queued."""
        style = _STYLES[kind]
        now = self._clock()
        with self._lock:
            last = self._last_sent.get(kind)
            if last is not None and now - last < style.min_interval:
                log.debug("notification %s suppressed (rate limit)", kind.value)
                return False
            self._last_sent[kind] = now
        title = summary or style.summary
        self._submit(lambda: self._send(kind, title, body, style))
        return True

    def notify_error(self, error: BaseException) -> bool:
        """Notify about an exception the daemon caught, with its one-line message."""
        message = str(error) if isinstance(error, ReadaloudError) else f"{type(error).__name__}: {error}"
        return self.notify(kind_for_error(error), message)

    async def _send(self, kind: NoticeKind, summary: str, body: str, style: _Style) -> None:
        from dbus_fast import Message, MessageType, Variant

        bus = await self._get_bus()
        if bus is None:
            self._report_unavailable("no session bus", summary, body)
            return
        hints = {"urgency": Variant("y", 1)}
        if style.transient:
            hints["transient"] = Variant("b", True)
        message = Message(
            destination=BUS_NAME,
            path=OBJECT_PATH,
            interface=BUS_NAME,
            member="Notify",
            signature="susssasa{sv}i",
            body=[self._app_name, self._ids.get(kind, 0), style.icon, summary, body, [], hints,
                  style.expire_ms],
        )
        try:
            reply = await bus.call(message)
        except Exception as error:
            self._report_unavailable(str(error), summary, body)
            return
        if reply is None or reply.message_type == MessageType.ERROR:
            reason = reply.error_name if reply is not None else "no reply"
            self._report_unavailable(str(reason), summary, body)
            return
        self._ids[kind] = int(reply.body[0])

    def _report_unavailable(self, reason: str, summary: str, body: str) -> None:
        # Without a notification server the log is the only place left to say it.
        if not self._unavailable_reported:
            self._unavailable_reported = True
            log.warning("cannot show desktop notifications (%s)", reason)
        log.warning("%s: %s", summary, body)
