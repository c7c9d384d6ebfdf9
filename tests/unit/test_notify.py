"""Notifications: what a user sees for each error, how often, and what happens without a server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest
from dbus_fast import Message, MessageType

from readaloud.desktop.notify import NoticeKind, Notifier, kind_for_error
from readaloud.errors import AudioDeviceError, EngineError, ModelMissingError, NothingSelectedError


class FakeBus:
    """Answers Notify like a notification server (ids 1, 2, …) or, with ``error``, like no server."""

    def __init__(self, error: str | None = None) -> None:
        self.sent: list[Message] = []
        self.error = error

    async def call(self, msg: Message) -> Message:
        self.sent.append(msg)
        msg.serial = len(self.sent)  # a real bus numbers each message it sends
        if self.error:
            return Message.new_error(msg, self.error, "The name is not activatable")
        return Message.new_method_return(msg, "u", [len(self.sent) + 100])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(bus: FakeBus | None, clock: Clock) -> Notifier:
    def submit(factory: Callable[[], Any]) -> None:
        asyncio.run(factory())

    async def get_bus() -> FakeBus | None:
        return bus

    return Notifier(submit, get_bus, clock=clock)


def fields(msg: Message) -> dict[str, Any]:
    app, replaces, _icon, summary, body, _actions, hints, timeout = msg.body
    return {"app": app, "replaces": replaces, "summary": summary, "body": body,
            "hints": {k: v.value for k, v in hints.items()}, "timeout": timeout}


def test_nothing_selected_is_a_short_transient_bubble() -> None:
    bus = FakeBus()
    notifier = make(bus, Clock())
    assert notifier.notify_error(NothingSelectedError("nothing selected: highlight some text first"))
    (msg,) = bus.sent
    assert (msg.destination, msg.path, msg.member) == (
        "org.freedesktop.Notifications", "/org/freedesktop/Notifications", "Notify")
    got = fields(msg)
    assert got["summary"] == "Nothing selected"
    assert got["body"] == "nothing selected: highlight some text first"
    assert got["hints"]["transient"] is True
    assert 0 < got["timeout"] <= 5000


def test_repeats_are_rate_limited_per_kind_and_replace_the_previous_bubble() -> None:
    bus, clock = FakeBus(), Clock()
    notifier = make(bus, clock)
    assert notifier.notify(NoticeKind.NO_AUDIO_DEVICE, "no output device")
    clock.now += 5
    assert not notifier.notify(NoticeKind.NO_AUDIO_DEVICE, "no output device")  # too soon
    assert notifier.notify(NoticeKind.MODEL_MISSING, "run readaloud setup")  # another kind is not held up
    clock.now += 120
    assert notifier.notify(NoticeKind.NO_AUDIO_DEVICE, "no output device")
    summaries = [fields(m)["summary"] for m in bus.sent]
    assert summaries == ["No audio device", "Voice model missing", "No audio device"]
    first_id = 101
    assert fields(bus.sent[2])["replaces"] == first_id  # replaces its own earlier bubble


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (NothingSelectedError("x"), NoticeKind.NOTHING_SELECTED),
        (AudioDeviceError("x"), NoticeKind.NO_AUDIO_DEVICE),
        (ModelMissingError("x"), NoticeKind.MODEL_MISSING),
        (EngineError("x"), NoticeKind.ERROR),
        (RuntimeError("x"), NoticeKind.ERROR),
    ],
)
def test_errors_map_to_the_kind_the_user_needs(error: BaseException, kind: NoticeKind) -> None:
    assert kind_for_error(error) is kind


def test_without_a_notification_server_the_log_says_it(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    notifier = make(FakeBus(error="org.freedesktop.DBus.Error.ServiceUnknown"), clock)
    with caplog.at_level(logging.WARNING, logger="readaloud.desktop.notify"):
        notifier.notify(NoticeKind.NO_AUDIO_DEVICE, "no output device")
        clock.now += 1000
        notifier.notify(NoticeKind.NO_AUDIO_DEVICE, "no output device")
    text = caplog.text
    assert text.count("cannot show desktop notifications") == 1
    assert text.count("No audio device: no output device") == 2


def test_without_a_session_bus_nothing_raises(caplog: pytest.LogCaptureFixture) -> None:
    notifier = make(None, Clock())
    with caplog.at_level(logging.WARNING, logger="readaloud.desktop.notify"):
        assert notifier.notify(NoticeKind.MODEL_MISSING, "run 'readaloud setup'")
    assert "run 'readaloud setup'" in caplog.text


def test_reply_type_is_checked() -> None:
    bus = FakeBus()
    notifier = make(bus, Clock())
    notifier.notify(NoticeKind.ERROR, "synthesis failed")
    assert bus.sent[0].message_type == MessageType.METHOD_CALL
