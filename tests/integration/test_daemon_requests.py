# ruff: noqa: F811  (pytest fixtures imported from daemon_fixtures share their parameters' names)
"""The running daemon and the CLI around it: the pid in ``status``, one rule for MPRIS ``Rate``, error
replies that do not echo a client's huge input, refusals logged at INFO, and ``readaloud quit``.

Real bus, real sound server, real model (tests/support/services.py), as in test_daemon_dbus.py.
"""

from __future__ import annotations

import json
import time

import pytest
from dbus_fast import MessageType, Variant

from readaloud.dbus.names import INTERFACE, MPRIS_BUS_NAME, MPRIS_PATH, MPRIS_PLAYER_INTERFACE
from tests.integration.daemon_fixtures import (  # noqa: F401  (fixtures)
    Bus,
    DaemonProcess,
    Recorder,
    Services,
    bus,
    daemon,
    readaloud,
    recorder,
    services,
)

pytestmark = [pytest.mark.model, pytest.mark.audio, pytest.mark.desktop]

IFACE = INTERFACE
PREFIX = IFACE + ".Error."
PLAYER = MPRIS_PLAYER_INTERFACE
MPRIS_NAME = MPRIS_BUS_NAME
PROPERTIES = "org.freedesktop.DBus.Properties"


def set_rate(bus: Bus, rate: float) -> tuple[str | None, str]:
    reply = bus.call("Set", "ssv", [PLAYER, "Rate", Variant("d", rate)], interface=PROPERTIES,
                     destination=MPRIS_NAME, path=MPRIS_PATH)
    return reply.error_name, str(reply.body[0]) if reply.body else ""


def speed(bus: Bus) -> float:
    return float(bus.call("Get", "ss", [IFACE, "Speed"], interface=PROPERTIES).body[0].value)


def test_status_shows_the_daemons_pid(services: Services, daemon: DaemonProcess) -> None:
    as_json = readaloud(services, "status", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["pid"] == daemon.process.pid
    text = readaloud(services, "status")
    assert f"pid:   {daemon.process.pid}" in text.stdout.decode()


def test_mpris_rate_refuses_nan_and_infinities_and_clamps_the_rest(daemon: DaemonProcess, bus: Bus) -> None:
    assert set_rate(bus, 1.5)[0] is None and speed(bus) == 1.5
    for bad in (float("nan"), float("inf"), float("-inf")):
        error, message = set_rate(bus, bad)
        assert error == PREFIX + "InvalidArgs" and "speed must be a number" in message
        assert speed(bus) == 1.5  # unchanged
    assert set_rate(bus, -5.0)[0] is None and speed(bus) == 0.5  # clamped to MinimumRate
    assert set_rate(bus, 9.0)[0] is None and speed(bus) == 2.0  # clamped to MaximumRate
    assert set_rate(bus, 1.0)[0] is None


def test_errors_quote_at_most_a_little_of_the_input_and_refusals_are_logged_at_info(
    services: Services, daemon: DaemonProcess, bus: Bus
) -> None:
    huge = "q" * 10_000
    for member, signature, body in (
        ("SetVoice", "s", [huge]),
        ("Say", "sa{sv}", ["hello", {"voice": Variant("s", huge)}]),
        ("Say", "sa{sv}", ["hello", {huge: Variant("b", True)}]),
        ("ReadSelection", "s", [huge]),
    ):
        reply = bus.call(member, signature, body)
        assert reply.message_type == MessageType.ERROR, member
        message = str(reply.body[0])
        assert len(message) < 250 and "q" * 40 not in message and "…" in message, (member, message)
    cli = readaloud(services, "voice", huge)
    assert cli.returncode == 2 and len(cli.stderr) < 250, cli.stderr

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and daemon.log().count("refused:") < 5:
        time.sleep(0.1)
    refusals = [line for line in daemon.log().splitlines() if "refused:" in line]
    assert len(refusals) >= 5
    assert all(" INFO " in line for line in refusals), refusals
    assert "qqqq" not in daemon.log()


def test_quit_stops_the_daemon_and_says_so(services: Services, daemon: DaemonProcess) -> None:
    result = readaloud(services, "quit")
    assert result.returncode == 0, result.stderr
    assert f"pid {daemon.process.pid}".encode() in result.stderr
    assert daemon.process.wait(20) == 0  # a clean shutdown
    gone = readaloud(services, "status")
    assert gone.returncode == 1 and b"not running" in gone.stderr
    again = readaloud(services, "quit")
    assert again.returncode == 1 and b"not running" in again.stderr
