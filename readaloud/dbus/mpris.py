"""MPRIS 2 (``MPRIS_BUS_NAME``) so media keys and desktop media widgets control reading.

Mapping: Play/Pause/PlayPause/Stop drive the Reader's transport, Next skips a sentence, Previous goes
back, ``Rate`` is the speaking speed (``MIN_SPEED`` to ``MAX_SPEED``) and ``Metadata`` carries the
current sentence as the track title.

Setting ``Rate`` follows one rule (the README's D-Bus section says it too): NaN and infinities are
refused with ``InvalidArgs`` (the main interface's ``SetSpeed`` refuses them the same way); 0.0
pauses, as the MPRIS spec asks; any other finite value, negative ones included, is clamped into
``MinimumRate``..``MaximumRate``, as the spec expects players to do (``SetSpeed`` instead refuses
out-of-range values: a script calling it wants to know).
"""

# No ``from __future__ import annotations``: dbus-fast reads the D-Bus signatures from live annotations.

import logging
from typing import TYPE_CHECKING

from dbus_fast import Variant
from dbus_fast.annotations import (
    DBusBool,
    DBusDict,
    DBusDouble,
    DBusInt64,
    DBusObjectPath,
    DBusStr,
)
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

from readaloud.core import (
    BUSY_STATES,
    MAX_SPEED,
    MIN_SPEED,
    FinishReason,
    ReaderControl,
    ReaderListener,
    State,
)
from readaloud.dbus.names import (
    MPRIS_NO_TRACK,
    MPRIS_PLAYER_INTERFACE,
    MPRIS_ROOT_INTERFACE,
    MPRIS_TRACK_PREFIX,
)
from readaloud.dbus.service import DBusStrList, guarded
from readaloud.dbus.service import check_speed as check_speed_value

if TYPE_CHECKING:
    from readaloud.speech.types import Sentence

log = logging.getLogger(__name__)

TITLE_LIMIT = 300  # characters of the sentence shown as the title

_STATUS = {State.SPEAKING.value: "Playing", State.PAUSED.value: "Paused"}  # everything else is Stopped


def playback_status(state: str) -> str:
    """MPRIS PlaybackStatus for a Reader state value."""
    return _STATUS.get(state, "Stopped")


def track_metadata(job: int | None, sentence: "Sentence | None", voice: str) -> dict[str, Variant]:
    """Metadata for the sentence being read: trackid, title (the sentence) and artist (the voice)."""
    if job is None or sentence is None:
        return {"mpris:trackid": Variant("o", MPRIS_NO_TRACK)}
    title = sentence.text if len(sentence.text) <= TITLE_LIMIT else sentence.text[: TITLE_LIMIT - 1] + "…"
    return {
        "mpris:trackid": Variant("o", f"{MPRIS_TRACK_PREFIX}/{job}_{sentence.index}"),
        "xesam:title": Variant("s", title),
        "xesam:artist": Variant("as", [f"readaloud ({voice})"]),
        "xesam:trackNumber": Variant("i", sentence.index + 1),
    }


class MprisRoot(ServiceInterface):
    """``MPRIS_ROOT_INTERFACE``: identity of the player; it cannot be raised or quit."""

    def __init__(self) -> None:
        super().__init__(MPRIS_ROOT_INTERFACE)

    @dbus_method()
    def Raise(self) -> None:
        pass

    @dbus_method()
    def Quit(self) -> None:
        pass

    @dbus_property(access=PropertyAccess.READ)
    def CanQuit(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def CanRaise(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def HasTrackList(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Identity(self) -> DBusStr:
        return "Read Aloud"

    @dbus_property(access=PropertyAccess.READ)
    def SupportedUriSchemes(self) -> DBusStrList:
        return []

    @dbus_property(access=PropertyAccess.READ)
    def SupportedMimeTypes(self) -> DBusStrList:
        return []


class MprisPlayer(ServiceInterface, ReaderListener):
    """``MPRIS_PLAYER_INTERFACE`` over the Reader; inert (Stopped) while the model loads."""

    def __init__(self, *, voice: str, speed: float) -> None:
        super().__init__(MPRIS_PLAYER_INTERFACE)
        self._reader: ReaderControl | None = None
        self._voice = voice
        self._speed = speed

    def attach(self, reader: ReaderControl) -> None:
        self._reader = reader
        reader.add_listener(self)
        self._publish_state()

    # -- plain logic -------------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return State.LOADING.value if self._reader is None else str(self._reader.state.value)

    @property
    def rate(self) -> float:
        return self._speed if self._reader is None else float(self._reader.speed)

    @property
    def metadata(self) -> dict[str, Variant]:
        if self._reader is None:
            return track_metadata(None, None, self._voice)
        return track_metadata(self._reader.current_job, self._reader.current_sentence, self._reader.voice)

    def _active(self) -> bool:
        return self.state in BUSY_STATES

    def play(self) -> None:
        if self._reader is not None and self.state == State.PAUSED:
            self._reader.resume()

    def pause(self) -> None:
        if self._reader is not None and self.state == State.SPEAKING:
            self._reader.pause()

    def play_pause(self) -> None:
        if self._reader is not None and self._active():
            self._reader.toggle()

    def stop(self) -> None:
        if self._reader is not None:
            self._reader.stop()

    def next(self) -> None:
        if self._reader is not None and self._active():
            self._reader.skip()

    def previous(self) -> None:
        if self._reader is not None and self._active():
            self._reader.back()

    def set_rate(self, rate: float) -> None:
        check_speed_value(rate)  # NaN and infinities: an error, as on the main interface
        if rate == 0.0:  # the spec: a rate of 0.0 acts as Pause
            self.pause()
            return
        if self._reader is not None:
            self._reader.set_speed(min(MAX_SPEED, max(MIN_SPEED, rate)))

    def _publish_state(self) -> None:
        active = self._active()
        self.emit_properties_changed(
            {
                "PlaybackStatus": playback_status(self.state),
                "CanGoNext": active,
                "CanGoPrevious": active,
                "CanPlay": active,
                "CanPause": active,
                "Metadata": self.metadata,
                "Rate": self.rate,
            }
        )

    # -- Reader listener -----------------------------------------------------------------------------

    def on_state_changed(self, state: State) -> None:
        self._publish_state()

    def on_sentence_started(self, job: int, sentence: "Sentence") -> None:
        self.emit_properties_changed({"Metadata": self.metadata})

    def on_job_finished(self, job: int, reason: FinishReason) -> None:
        self.emit_properties_changed({"Metadata": self.metadata})

    def on_speed_changed(self, speed: float) -> None:
        self.emit_properties_changed({"Rate": float(speed)})

    # -- D-Bus methods -------------------------------------------------------------------------------

    @dbus_method()
    def Play(self) -> None:
        guarded("MPRIS Play", self.play)

    @dbus_method()
    def Pause(self) -> None:
        guarded("MPRIS Pause", self.pause)

    @dbus_method()
    def PlayPause(self) -> None:
        guarded("MPRIS PlayPause", self.play_pause)

    @dbus_method()
    def Stop(self) -> None:
        guarded("MPRIS Stop", self.stop)

    @dbus_method()
    def Next(self) -> None:
        guarded("MPRIS Next", self.next)

    @dbus_method()
    def Previous(self) -> None:
        guarded("MPRIS Previous", self.previous)

    @dbus_method()
    def Seek(self, offset: DBusInt64) -> None:
        pass  # CanSeek is false

    @dbus_method()
    def SetPosition(self, track_id: DBusObjectPath, position: DBusInt64) -> None:
        pass  # CanSeek is false

    @dbus_method()
    def OpenUri(self, uri: DBusStr) -> None:
        pass  # no URI schemes are supported

    # -- properties ----------------------------------------------------------------------------------

    @dbus_property(access=PropertyAccess.READ)
    def PlaybackStatus(self) -> DBusStr:
        return playback_status(self.state)

    @dbus_property()
    def Rate(self) -> DBusDouble:
        return self.rate

    @Rate.setter  # type: ignore[no-redef]
    def Rate(self, rate: DBusDouble) -> None:
        guarded("MPRIS Rate", lambda: self.set_rate(rate))

    @dbus_property(access=PropertyAccess.READ)
    def MinimumRate(self) -> DBusDouble:
        return MIN_SPEED

    @dbus_property(access=PropertyAccess.READ)
    def MaximumRate(self) -> DBusDouble:
        return MAX_SPEED

    @dbus_property(access=PropertyAccess.READ)
    def Metadata(self) -> DBusDict:
        return self.metadata

    @dbus_property(access=PropertyAccess.READ)
    def Volume(self) -> DBusDouble:
        return 1.0

    @dbus_property(access=PropertyAccess.READ)
    def Position(self) -> DBusInt64:
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def CanGoNext(self) -> DBusBool:
        return self._active()

    @dbus_property(access=PropertyAccess.READ)
    def CanGoPrevious(self) -> DBusBool:
        return self._active()

    @dbus_property(access=PropertyAccess.READ)
    def CanPlay(self) -> DBusBool:
        return self._active()

    @dbus_property(access=PropertyAccess.READ)
    def CanPause(self) -> DBusBool:
        return self._active()

    @dbus_property(access=PropertyAccess.READ)
    def CanSeek(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def CanControl(self) -> DBusBool:
        return True

