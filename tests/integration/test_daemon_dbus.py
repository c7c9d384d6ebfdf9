# ruff: noqa: F811  (pytest fixtures imported from daemon_fixtures share their parameters' names)
"""The resident daemon on a real session bus, with the real model, heard through a PulseAudio null sink.

Needs: dbus-daemon, pulseaudio, pactl, parec, and the model in the XDG cache (`readaloud setup`).
The fixtures start a private bus and sound server themselves (tests/support/services.py).
"""

from __future__ import annotations

import json
import random
import signal
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

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
    start_daemon,
    stop_daemon,
)

pytestmark = [pytest.mark.model, pytest.mark.audio, pytest.mark.desktop]

IFACE = INTERFACE
PREFIX = IFACE + ".Error."
PLAYER = MPRIS_PLAYER_INTERFACE
MPRIS_NAME = MPRIS_BUS_NAME

LONG = (
    "The old lighthouse stood at the edge of the cliff for more than a century. "
    "Every night its lamp turned slowly, sweeping light across the dark water. "
    "Sailors far out at sea looked for it and knew that they were close to home. "
    "When the storms came in winter, the keeper climbed the stairs again and again. "
    "He cleaned the glass, trimmed the wick, and wrote everything in his heavy book. "
    "Nobody remembers his name now, but the lighthouse is still there."
)
SHORT = "Short and sweet."

CONTRACT_METHODS = {
    "Say": (["s", "a{sv}"], ["u"]),
    "ReadSelection": (["s"], []),
    "Pause": ([], []),
    "Resume": ([], []),
    "TogglePause": ([], []),
    "Stop": ([], []),
    "Skip": ([], []),
    "Back": ([], []),
    "SetVoice": (["s"], []),
    "SetSpeed": (["d"], []),
    "ListVoices": ([], ["as"]),
    "Quit": ([], []),
}
CONTRACT_PROPERTIES = {"State": "s", "Voice": "s", "Speed": "d", "LoadProgress": "a{sv}"}
CONTRACT_SIGNALS = {"StateChanged": ["s"], "SentenceStarted": ["u", "u", "s"], "JobFinished": ["u", "s"]}


def status(services: Services) -> dict[str, object]:
    result = readaloud(services, "status", "--json")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def get(client: Bus, name: str, interface: str = IFACE) -> object:
    kwargs = {"destination": MPRIS_NAME, "path": MPRIS_PATH} if interface.startswith("org.mpris") else {}
    reply = client.call("Get", "ss", [interface, name], interface="org.freedesktop.DBus.Properties", **kwargs)
    assert reply.message_type == MessageType.METHOD_RETURN, reply.body
    return reply.body[0].value


def say(client: Bus, text: str, **options: Variant) -> int:
    reply = client.call("Say", "sa{sv}", [text, options])
    assert reply.message_type == MessageType.METHOD_RETURN, (reply.error_name, reply.body)
    return int(reply.body[0])


def wait_state(services: Services, state: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if status(services)["state"] == state:
            return
        time.sleep(0.1)
    raise TimeoutError(f"state never became {state}")


def watch_all(client: Bus) -> None:
    client.watch(f"type='signal',sender='io.github.readaloud.ReadAloud',interface='{IFACE}'")
    client.watch("type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'")


def assert_still_serving(services: Services, daemon: DaemonProcess) -> None:
    assert daemon.alive(), daemon.log()
    assert status(services)["state"] in ("idle", "speaking", "paused")


# -- the contract -------------------------------------------------------------------------------------


def _args(node: ET.Element, direction: str | None = None) -> list[str]:
    return [a.attrib["type"] for a in node.findall("arg")
            if direction is None or a.attrib.get("direction", "in") == direction]


def test_introspection_matches_the_contract(daemon: DaemonProcess, bus: Bus) -> None:
    reply = bus.call("Introspect", interface="org.freedesktop.DBus.Introspectable")
    root = ET.fromstring(reply.body[0])
    (iface,) = [i for i in root.findall("interface") if i.attrib["name"] == IFACE]
    methods = {m.attrib["name"]: (_args(m, "in"), _args(m, "out")) for m in iface.findall("method")}
    for name, signature in CONTRACT_METHODS.items():
        assert methods.get(name) == signature, name
    properties = {p.attrib["name"]: p.attrib["type"] for p in iface.findall("property")}
    for name, kind in CONTRACT_PROPERTIES.items():
        assert properties.get(name) == kind, name
    signals = {s.attrib["name"]: _args(s) for s in iface.findall("signal")}
    assert {name: signals.get(name) for name in CONTRACT_SIGNALS} == CONTRACT_SIGNALS

    mpris = bus.call("Introspect", interface="org.freedesktop.DBus.Introspectable",
                     destination=MPRIS_NAME, path=MPRIS_PATH)
    mroot = ET.fromstring(mpris.body[0])
    names = {i.attrib["name"] for i in mroot.findall("interface")}
    assert {"org.mpris.MediaPlayer2", PLAYER} <= names
    (player,) = [i for i in mroot.findall("interface") if i.attrib["name"] == PLAYER]
    player_methods = {m.attrib["name"] for m in player.findall("method")}
    assert {"Play", "Pause", "PlayPause", "Stop", "Next", "Previous"} <= player_methods
    player_props = {p.attrib["name"]: p.attrib["type"] for p in player.findall("property")}
    assert player_props["PlaybackStatus"] == "s" and player_props["Rate"] == "d"
    assert player_props["Metadata"] == "a{sv}"
    assert get(bus, "MinimumRate", PLAYER) == 0.5 and get(bus, "MaximumRate", PLAYER) == 2.0

    voices = bus.call("ListVoices").body[0]
    assert "af_heart" in voices and "bf_emma" in voices


# -- the CLI ------------------------------------------------------------------------------------------


def test_cli_commands_change_state_and_what_is_heard(
    services: Services, daemon: DaemonProcess, recorder: Recorder, bus: Bus
) -> None:
    watch_all(bus)
    t0 = time.monotonic()
    result = readaloud(services, "say", LONG)
    assert result.returncode == 0, result.stderr
    recorder.wait_for_sound(t0)
    assert status(services)["state"] == "speaking"

    paused_at = time.monotonic()
    assert readaloud(services, "pause").returncode == 0
    assert status(services)["state"] == "paused"
    quiet = recorder.wait_for_silence(paused_at, hold=1.0)
    assert quiet - paused_at < 1.0  # silent at once, and it stays silent while paused

    resumed_at = time.monotonic()
    assert readaloud(services, "resume").returncode == 0
    recorder.wait_for_sound(resumed_at, timeout=5)
    assert status(services)["state"] == "speaking"

    started = bus.wait_signal("SentenceStarted")[1]
    skipped_at = time.monotonic()
    assert readaloud(services, "skip").returncode == 0
    _, after = bus.wait_signal("SentenceStarted", lambda body: body[1] > started[1], since=skipped_at)
    assert after[0] == started[0]

    assert readaloud(services, "toggle").returncode == 0
    assert status(services)["state"] == "paused"
    assert readaloud(services, "toggle").returncode == 0
    assert status(services)["state"] == "speaking"

    stopped_at = time.monotonic()
    assert readaloud(services, "stop").returncode == 0
    recorder.wait_for_silence(stopped_at, hold=1.5)
    wait_state(services, "idle")
    bus.wait_signal("JobFinished", lambda body: body[0] == started[0] and body[1] == "stopped")

    human = readaloud(services, "status")
    assert b"state: idle" in human.stdout and b"voice:" in human.stdout


def test_cli_voice_and_speed_change_the_daemon(services: Services, daemon: DaemonProcess, bus: Bus) -> None:
    watch_all(bus)
    assert readaloud(services, "voice", "bf_emma").returncode == 0
    assert readaloud(services, "speed", "1.3").returncode == 0
    state = status(services)
    assert (state["voice"], state["speed"]) == ("bf_emma", 1.3)
    assert readaloud(services, "voice").stdout.strip() == b"bf_emma"
    changed = [body[1] for _, name, body in bus.signals if name == "PropertiesChanged" and body[0] == IFACE]
    bus.wait_signal("PropertiesChanged", lambda body: body[0] == IFACE and "Voice" in body[1])
    bus.wait_signal("PropertiesChanged", lambda body: body[0] == IFACE and "Speed" in body[1])
    del changed
    assert readaloud(services, "voice", "af_heart").returncode == 0
    assert readaloud(services, "speed", "1").returncode == 0


# -- MPRIS --------------------------------------------------------------------------------------------


def test_mpris_playpause_toggles_speech(
    services: Services, daemon: DaemonProcess, recorder: Recorder, bus: Bus
) -> None:
    def player(member: str) -> None:
        reply = bus.call(member, interface=PLAYER, destination=MPRIS_NAME, path=MPRIS_PATH)
        assert reply.message_type == MessageType.METHOD_RETURN, reply.body

    watch_all(bus)
    assert get(bus, "PlaybackStatus", PLAYER) == "Stopped"
    t0 = time.monotonic()
    job = say(bus, LONG)
    recorder.wait_for_sound(t0)
    bus.wait_signal("SentenceStarted", lambda body: body[0] == job)
    assert get(bus, "PlaybackStatus", PLAYER) == "Playing"
    title = get(bus, "Metadata", PLAYER)["xesam:title"].value  # type: ignore[index]
    assert title and title in LONG

    paused_at = time.monotonic()
    player("PlayPause")
    assert get(bus, "PlaybackStatus", PLAYER) == "Paused"
    recorder.wait_for_silence(paused_at, hold=1.0)
    bus.wait_signal("PropertiesChanged", lambda body: body[0] == PLAYER and "PlaybackStatus" in body[1],
                    since=paused_at)

    resumed_at = time.monotonic()
    player("PlayPause")
    assert get(bus, "PlaybackStatus", PLAYER) == "Playing"
    recorder.wait_for_sound(resumed_at, timeout=5)

    reply = bus.call("Set", "ssv", [PLAYER, "Rate", Variant("d", 1.5)],
                     interface="org.freedesktop.DBus.Properties", destination=MPRIS_NAME, path=MPRIS_PATH)
    assert reply.message_type == MessageType.METHOD_RETURN, reply.body
    assert get(bus, "Speed") == 1.5

    stopped_at = time.monotonic()
    player("Stop")
    recorder.wait_for_silence(stopped_at, hold=1.0)
    assert get(bus, "PlaybackStatus", PLAYER) == "Stopped"
    assert readaloud(services, "speed", "1").returncode == 0


# -- jobs ---------------------------------------------------------------------------------------------


def test_two_clients_at_once(services: Services, daemon: DaemonProcess, recorder: Recorder) -> None:
    address = services.env["DBUS_SESSION_BUS_ADDRESS"]
    first = Bus(address)
    second = Bus(address, loop=first.loop)  # same loop: the test sends from both at the same moment
    try:
        watch_all(first)
        watch_all(second)
        job = say(first, LONG)
        # The other client sees the first one's job, and can control it.
        second.wait_signal("SentenceStarted", lambda body: body[0] == job)
        assert second.call("Pause").message_type == MessageType.METHOD_RETURN
        first.wait_signal("StateChanged", lambda body: body[0] == "paused")
        assert get(first, "State") == "paused"
        # Both clients ask at the same moment; both get answers.
        from dbus_fast import Message

        async def both() -> list[object]:
            import asyncio

            def message() -> Message:
                return Message(destination="io.github.readaloud.ReadAloud",
                               path="/io/github/readaloud/ReadAloud",
                               interface="org.freedesktop.DBus.Properties", member="GetAll",
                               signature="s", body=[IFACE])

            return list(await asyncio.gather(first.bus.call(message()), second.bus.call(message())))

        replies = first.run(both())
        assert all(r.message_type == MessageType.METHOD_RETURN for r in replies)
        assert first.call("Stop").message_type == MessageType.METHOD_RETURN
        second.wait_signal("JobFinished", lambda body: body == [job, "stopped"])
    finally:
        second.close()
        first.close()


def test_say_interrupts_unless_queued(services: Services, daemon: DaemonProcess, bus: Bus) -> None:
    watch_all(bus)
    first = say(bus, LONG)
    bus.wait_signal("SentenceStarted", lambda body: body[0] == first)
    second = say(bus, SHORT)
    bus.wait_signal("JobFinished", lambda body: body == [first, "replaced"])
    third = say(bus, "Then this one.", queue=Variant("b", True))
    done_at, _ = bus.wait_signal("JobFinished", lambda body: body == [second, "done"], timeout=60)
    third_at, _ = bus.wait_signal("SentenceStarted", lambda body: body[0] == third, timeout=60)
    assert third_at >= done_at  # the queued job waited for the one before it
    bus.wait_signal("JobFinished", lambda body: body == [third, "done"], timeout=60)


def test_say_wait_reports_how_the_job_ended(services: Services, daemon: DaemonProcess, bus: Bus) -> None:
    import subprocess
    import sys

    done = readaloud(services, "say", "--wait", SHORT, timeout=120)
    assert done.returncode == 0, done.stderr

    watch_all(bus)
    waiting = subprocess.Popen([sys.executable, "-m", "readaloud", "say", "--wait", LONG],
                               env=services.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    bus.wait_signal("SentenceStarted", timeout=60)
    assert readaloud(services, "stop").returncode == 0
    _, stderr = waiting.communicate(timeout=30)
    assert waiting.returncode == 1
    assert b"stopped" in stderr

    # Ctrl+C in `say --wait` stops its own reading, like a foreground player.
    since = time.monotonic()
    waiting = subprocess.Popen([sys.executable, "-m", "readaloud", "say", "--wait", LONG],
                               env=services.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, body = bus.wait_signal("SentenceStarted", since=since, timeout=60)
    waiting.send_signal(signal.SIGINT)
    _, stderr = waiting.communicate(timeout=30)
    assert waiting.returncode == 130, stderr
    bus.wait_signal("JobFinished", lambda finished: finished == [body[0], "stopped"], since=since)


# -- bad input ----------------------------------------------------------------------------------------


def _random_text(rng: random.Random, length: int) -> str:
    ranges = [(0x01, 0x1F), (0x20, 0x7E), (0x7F, 0x9F), (0xA0, 0x2FF), (0x300, 0x36F), (0x590, 0x6FF),
              (0x200B, 0x200F), (0x2028, 0x202E), (0x3040, 0x30FF), (0x4E00, 0x4FFF), (0xE000, 0xE0FF),
              (0xFFF0, 0xFFFF), (0x1F300, 0x1F6FF), (0x10000, 0x10FFFF)]
    chars = []
    for _ in range(length):
        low, high = rng.choice(ranges)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def test_bad_input_over_dbus_gets_errors_and_the_daemon_keeps_serving(
    services: Services, daemon: DaemonProcess, recorder: Recorder, bus: Bus
) -> None:
    def error_of(member: str, signature: str = "", body: list[object] | None = None) -> str | None:
        reply = bus.call(member, signature, body)
        if reply.message_type == MessageType.ERROR:
            assert reply.body and str(reply.body[0]).strip(), "errors carry a readable message"
        return reply.error_name

    assert error_of("Say", "sa{sv}", ["", {}]) == PREFIX + "NothingToSay"
    assert error_of("Say", "sa{sv}", ["   \n\t ", {}]) == PREFIX + "NothingToSay"
    assert error_of("Say", "sa{sv}", ["word " * 600_000, {}]) == PREFIX + "TextTooLong"  # 3 MB
    assert error_of("Say", "sa{sv}", ["Word. " * 330_000, {}]) is None  # just under the 2 MB limit
    assert status(services)["state"] == "speaking"  # still answering while it reads that
    assert error_of("Stop") is None
    assert error_of("Say", "sa{sv}", ["hi", {"voice": Variant("s", "xx_nobody")}]) == PREFIX + "UnknownVoice"
    assert error_of("Say", "sa{sv}", ["hi", {"speed": Variant("d", 0.0)}]) == PREFIX + "InvalidArgs"
    assert error_of("Say", "sa{sv}", ["hi", {"speed": Variant("d", 100.0)}]) == PREFIX + "InvalidArgs"
    assert error_of("Say", "sa{sv}", ["hi", {"loud": Variant("b", True)}]) == PREFIX + "InvalidArgs"
    assert error_of("SetVoice", "s", ["xx_nobody"]) == PREFIX + "UnknownVoice"
    for speed in (0.0, 100.0, float("nan"), float("inf"), -1.0):
        assert error_of("SetSpeed", "d", [speed]) == PREFIX + "InvalidArgs"
    assert error_of("ReadSelection", "s", ["somewhere"]) == PREFIX + "InvalidArgs"
    assert_still_serving(services, daemon)

    rng = random.Random(20261126)
    for _ in range(25):
        name = error_of("Say", "sa{sv}", [_random_text(rng, rng.randint(1, 400)), {}])
        assert name in (None, PREFIX + "NothingToSay")  # read, or refused as unreadable; never a crash
    for control in ("\x07\x1b[31m\x00".replace("\x00", ""), "\u202e\u200b", "\ufeff" * 50, "\x85" * 10):
        assert error_of("Say", "sa{sv}", [control + " hello " + control, {}]) is None
    assert error_of("Stop") is None
    assert_still_serving(services, daemon)

    t0 = time.monotonic()
    say(bus, SHORT)  # and it still speaks
    recorder.wait_for_sound(t0)
    wait_state(services, "idle", timeout=60)


def test_bad_input_over_the_cli_gets_errors_and_the_daemon_keeps_serving(
    services: Services, daemon: DaemonProcess
) -> None:
    empty = readaloud(services, "say", "")
    assert empty.returncode == 2 and b"empty" in empty.stderr

    huge = readaloud(services, "say", "-", input=("word " * 600_000).encode())
    assert huge.returncode == 1 and b"limit" in huge.stderr, huge.stderr

    cases = [
        (["voice", "xx_nobody"], 2, b"unknown voice"),  # a usage error, like the others
        (["speed", "0"], 2, b"speed"),
        (["speed", "100"], 2, b"speed"),
        (["speed", "nan"], 2, b"speed"),
        (["speed", "fast"], 2, b"invalid float"),
        (["say", "--voice", "xx_nobody", "hello"], 2, b"unknown voice"),
        (["say", "--speed", "0", "hello"], 2, b"speed"),
    ]
    for args, status_code, message in cases:
        result = readaloud(services, *args)
        assert result.returncode == status_code, (args, result.stderr)
        assert message in result.stderr.lower(), (args, result.stderr)

    # Bytes that are not UTF-8 in the arguments (a user's odd locale or file name) are replaced.
    import subprocess
    import sys

    odd = subprocess.run([sys.executable.encode(), b"-m", b"readaloud", b"say", b"caf\xe9 \xff\xfe hello"],
                         env=services.env, capture_output=True, timeout=60)
    assert odd.returncode == 0, odd.stderr
    assert b"not valid UTF-8" in odd.stderr
    controls = readaloud(services, "say", "-", input=b"bell\x07 escape\x1b[0m nul\x00 done \xc3\x28")
    assert controls.returncode == 0, controls.stderr
    assert readaloud(services, "stop").returncode == 0
    assert_still_serving(services, daemon)


# -- selection and config reload ----------------------------------------------------------------------


def _select(services: Services, text: str, selection: str) -> None:
    """Own an X selection with ``text`` (xclip serves it in the background until replaced)."""
    import subprocess

    subprocess.run(["xclip", "-selection", selection], input=text.encode(), env=services.env,
                   check=True, timeout=10)


def test_read_selection_reads_primary_or_clipboard(
    services: Services, daemon: DaemonProcess, recorder: Recorder, bus: Bus
) -> None:
    watch_all(bus)
    assert readaloud(services, "stop").returncode == 0
    _select(services, "Highlighted words are read aloud.", "primary")
    t0 = time.monotonic()
    result = readaloud(services, "read-selection")
    assert result.returncode == 0, result.stderr
    _, started = bus.wait_signal("SentenceStarted", since=t0)
    assert "Highlighted words" in started[2]
    recorder.wait_for_sound(t0)
    bus.wait_signal("StateChanged", lambda body: body[0] == "idle", since=t0, timeout=60)

    _select(services, "Copied to the clipboard.", "clipboard")
    t1 = time.monotonic()
    assert readaloud(services, "read-selection", "--clipboard").returncode == 0
    _, started = bus.wait_signal("SentenceStarted", since=t1)
    assert "clipboard" in started[2]
    bus.wait_signal("StateChanged", lambda body: body[0] == "idle", since=t1, timeout=60)

    _select(services, "", "primary")
    _select(services, "", "clipboard")
    nothing = readaloud(services, "read-selection")
    assert nothing.returncode == 1
    assert b"nothing selected" in nothing.stderr.lower()
    assert_still_serving(services, daemon)


def test_reload_applies_voice_and_speed_and_rejects_a_bad_config(
    services: Services, daemon: DaemonProcess, bus: Bus
) -> None:
    config = Path(services.env["XDG_CONFIG_HOME"]) / "readaloud" / "config.toml"
    base = config.read_text()
    try:
        config.write_text(base + '[speech]\nvoice = "bf_emma"\nspeed = 1.25\n')
        assert bus.call("Reload").message_type == MessageType.METHOD_RETURN
        assert (get(bus, "Voice"), get(bus, "Speed")) == ("bf_emma", 1.25)

        config.write_text(base + "[speech]\nspeed = 9\n")
        reply = bus.call("Reload")
        assert reply.error_name == PREFIX + "Config"
        assert "speech.speed" in reply.body[0]
        assert get(bus, "Speed") == 1.25  # the old settings stay

        config.write_text(base + "[speech]\nspeed = 1.5\n")
        daemon.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while get(bus, "Speed") != 1.5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert get(bus, "Speed") == 1.5
    finally:
        config.write_text(base)
        bus.call("Reload")
    assert (get(bus, "Voice"), get(bus, "Speed")) == ("af_heart", 1.0)
    assert_still_serving(services, daemon)


# -- privacy, single instance, shutdown, autospawn ------------------------------------------------------


def test_spoken_text_is_never_logged_or_written(services: Services, daemon: DaemonProcess, bus: Bus) -> None:
    marker = f"Zebracorn{uuid.uuid4().hex[:8]}"
    watch_all(bus)
    result = readaloud(services, "-v", "say", f"The secret word is {marker} today.")
    assert result.returncode == 0
    bus.wait_signal("SentenceStarted")
    bus.wait_signal("StateChanged", lambda body: body[0] == "idle", timeout=60)
    leaks = []
    for path in Path(services.root).rglob("*"):
        if path.is_file() and not path.is_socket():
            try:
                if marker.encode() in path.read_bytes():
                    leaks.append(str(path))
            except OSError:
                pass
    assert leaks == []
    assert "job" in daemon.log()  # the log does record activity, just not the words


def test_a_second_daemon_refuses_to_start(services: Services, daemon: DaemonProcess) -> None:
    second = readaloud(services, "daemon", timeout=60)
    assert second.returncode == 1
    assert b"already running" in second.stderr
    assert str(daemon.process.pid).encode() in second.stderr
    assert_still_serving(services, daemon)



def _terminate_spawned_daemon(services: Services, bus: Bus) -> None:
    """SIGTERM whichever process owns the name (a daemon the test did not start) and wait for it."""
    import os

    reply = bus.call("GetConnectionUnixProcessID", "s", ["io.github.readaloud.ReadAloud"],
                     interface="org.freedesktop.DBus", destination="org.freedesktop.DBus",
                     path="/org/freedesktop/DBus")
    if reply.message_type == MessageType.METHOD_RETURN:
        os.kill(int(reply.body[0]), signal.SIGTERM)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and readaloud(services, "status").returncode == 0:
            time.sleep(0.2)

def test_sigterm_shuts_down_cleanly_then_say_autospawns(
    services: Services, daemon: DaemonProcess, recorder: Recorder, bus: Bus
) -> None:
    watch_all(bus)
    job = say(bus, LONG)
    bus.wait_signal("SentenceStarted", lambda body: body[0] == job)
    term_at = time.monotonic()
    assert stop_daemon(daemon) == 0
    recorder.wait_for_silence(term_at, hold=1.0, timeout=5)
    gone = readaloud(services, "status")
    assert gone.returncode == 1 and b"not running" in gone.stderr

    spawned = readaloud(services, "say", "--wait", SHORT, timeout=300)
    try:
        assert spawned.returncode == 0, spawned.stderr
        assert b"starting one in the background" in spawned.stderr
        assert status(services)["state"] == "idle"
    finally:
        _terminate_spawned_daemon(services, bus)
    log = Path(services.env["XDG_STATE_HOME"]) / "readaloud" / "daemon.log"
    assert log.exists()


def test_say_starts_the_daemon_through_dbus_activation_when_installed(services: Services, bus: Bus) -> None:
    """With a D-Bus service file (as `readaloud install-service` writes), the bus starts the daemon."""
    import sys

    assert readaloud(services, "status").returncode == 1  # no daemon yet: the bus must start one
    service_dir = Path(services.env["XDG_DATA_HOME"]) / "dbus-1" / "services"
    service_dir.mkdir(parents=True, exist_ok=True)
    (service_dir / "io.github.readaloud.ReadAloud.service").write_text(
        f"[D-BUS Service]\nName=io.github.readaloud.ReadAloud\nExec={sys.executable} -m readaloud daemon\n"
    )
    # What a desktop session does with dbus-update-activation-environment.
    keys = ("DISPLAY", "XDG_RUNTIME_DIR", "PULSE_SERVER", "XDG_CONFIG_HOME", "XDG_STATE_HOME",
            "XDG_CACHE_HOME", "PYTHONPATH", "HOME")
    environment = {key: services.env[key] for key in keys if key in services.env}
    environment["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    for member, signature, body in (("UpdateActivationEnvironment", "a{ss}", [environment]),
                                    ("ReloadConfig", "", [])):
        reply = bus.call(member, signature, body, interface="org.freedesktop.DBus",
                         destination="org.freedesktop.DBus", path="/org/freedesktop/DBus")
        assert reply.message_type == MessageType.METHOD_RETURN, reply.body

    spawned = readaloud(services, "say", "--wait", SHORT, timeout=300)
    try:
        assert spawned.returncode == 0, spawned.stderr
        assert b"D-Bus activation" in spawned.stderr
    finally:
        # Without the service file no later test's client can start a daemon behind its back.
        (service_dir / "io.github.readaloud.ReadAloud.service").unlink()
        bus.call("ReloadConfig", "", [], interface="org.freedesktop.DBus",
                 destination="org.freedesktop.DBus", path="/org/freedesktop/DBus")
        _terminate_spawned_daemon(services, bus)


def test_a_two_megabyte_text_keeps_every_control_answering(
    services: Services, recorder: Recorder, bus: Bus
) -> None:
    # Its own daemon: the tests above end the module's one on purpose.
    daemon = start_daemon(services)
    try:
        _read_two_megabytes(services, daemon, bus)
    finally:
        stop_daemon(daemon)


def _read_two_megabytes(services: Services, daemon: DaemonProcess, bus: Bus) -> None:
    rng = random.Random(7)
    words = LONG.split()
    paragraphs: list[str] = []
    while sum(len(p) + 2 for p in paragraphs) < 1_990_000:
        rng.shuffle(words)
        paragraphs.append(" ".join(words).capitalize() + ".")
    text = "\n\n".join(paragraphs)
    began = time.monotonic()
    job = say(bus, text)
    replied = time.monotonic() - began
    assert replied < 0.5, f"Say took {replied:.2f} s to reply"
    timings = {}
    for name, call in (
        ("State", lambda: get(bus, "State")),
        ("Pause", lambda: bus.call("Pause")),
        # What `readaloud status` asks (its own start-up time depends on the machine, not the daemon).
        ("GetAll", lambda: bus.call("GetAll", "s", [IFACE], interface="org.freedesktop.DBus.Properties")),
        ("Resume", lambda: bus.call("Resume")),
    ):
        began = time.monotonic()
        call()
        timings[name] = time.monotonic() - began
    assert max(timings.values()) < 0.3, timings
    assert status(services)["state"] == "speaking"
    bus.call("Stop")
    assert_still_serving(services, daemon)
    assert job > 0
