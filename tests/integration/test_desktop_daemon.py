# ruff: noqa: F811  (pytest fixtures imported from other modules share their parameters' names)
"""End to end through the real daemon and model: highlight → hotkey → speech heard at the null sink
(checked with Whisper), and tray clicks that change the daemon's Voice and Speed, pause it, and
survive a restart.

Fixtures start everything: a private bus, an Xvfb and a PulseAudio null sink (daemon_fixtures), a
stub StatusNotifierWatcher and notification server on that bus, and ``readaloud daemon`` with the
tray enabled and PyGObject unimportable, as after a plain ``pip install .``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.daemon_fixtures import (  # noqa: F401  (fixtures)
    Bus,
    DaemonProcess,
    Recorder,
    Services,
    recorder,
    services,
    start_daemon,
    stop_daemon,
)
from tests.integration.desktop_stubs import StubDesktop, wait_for
from tests.integration.test_desktop import SniMenu, _checked
from tests.integration.tray_hosts import without_pygobject

pytestmark = [pytest.mark.desktop, pytest.mark.model, pytest.mark.audio]

SENTENCE = "The quick brown fox jumps over the lazy dog."


@dataclass
class Desktop:
    services: Services
    stubs: StubDesktop
    daemon: DaemonProcess

    def run(self, *argv: str, input: bytes | None = None) -> None:
        subprocess.run(list(argv), input=input, env=self.services.env, check=True, timeout=20,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def sni(self) -> SniMenu:
        assert wait_for(lambda: self.stubs.sni_items, 30), f"no tray icon; daemon log:\n{self.daemon.log()}"
        owner, path = self.stubs.sni_items[-1]
        return SniMenu(owner, path)

    def prop(self, name: str) -> Any:
        bus = Bus(self.services.env["DBUS_SESSION_BUS_ADDRESS"])
        try:
            reply = bus.call("Get", "ss", ["io.github.readaloud.ReadAloud1", name],
                             interface="org.freedesktop.DBus.Properties")
            return reply.body[0].value
        finally:
            bus.close()


@pytest.fixture(scope="module")
def desktop(services: Services, recorder: Recorder) -> Iterator[Desktop]:
    # services bring an Xvfb (DISPLAY) of their own
    env = without_pygobject(dict(services.env, NO_AT_BRIDGE="1"))
    (services.root / "config" / "readaloud" / "config.toml").write_text("[tray]\nenabled = true\n")
    with StubDesktop(watcher=True, bus_address=env["DBUS_SESSION_BUS_ADDRESS"]) as stubs:
        desktop_services = Services(env, services.root)
        daemon = start_daemon(desktop_services)
        state = Desktop(desktop_services, stubs, daemon)
        yield state
        stop_daemon(state.daemon)


@pytest.fixture
def on_private_bus(desktop: Desktop, monkeypatch: pytest.MonkeyPatch) -> Desktop:
    """SniMenu talks to the session bus of this process: point it at the daemon's."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.services.env["DBUS_SESSION_BUS_ADDRESS"])
    monkeypatch.setenv("DISPLAY", desktop.services.env["DISPLAY"])
    return desktop


def test_hotkey_speaks_the_highlighted_text(desktop: Desktop, recorder: Recorder) -> None:
    from tests.speech_check import transcribe, word_error_rate

    desktop.run("xclip", "-selection", "primary", input=SENTENCE.encode())

    def served() -> bool:
        result = subprocess.run(["xclip", "-o", "-selection", "primary"], env=desktop.services.env,
                                capture_output=True, timeout=5, check=False)
        return result.stdout == SENTENCE.encode()

    assert wait_for(served, 5)  # xclip's child takes ownership a moment after the parent exits
    pressed = time.monotonic()
    desktop.run("xdotool", "key", "--clearmodifiers", "ctrl+alt+r")
    first_sound = recorder.wait_for_sound(pressed, timeout=60)
    silent = recorder.wait_for_silence(first_sound, hold=0.6, timeout=60)
    heard = transcribe(recorder.audio(first_sound - 0.1, silent))
    assert word_error_rate(SENTENCE, heard) <= 0.25, heard
    print(f"\nhotkey → first sound: {(first_sound - pressed) * 1000:.0f} ms")

    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "readaloud", "say", SENTENCE], env=desktop.services.env,
                   check=True, timeout=60, capture_output=True)
    say_sound = recorder.wait_for_sound(started, timeout=60)
    recorder.wait_for_silence(say_sound, hold=0.6, timeout=60)
    print(f"readaloud say → first sound: {(say_sound - started) * 1000:.0f} ms")


def _status(desktop: Desktop) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "readaloud", "status", "--json"], env=desktop.services.env,
                            capture_output=True, timeout=20, check=True)
    return dict(json.loads(result.stdout))


def test_tray_menu_pauses_the_daemon_and_a_voice_click_shows_in_status_at_once(
    on_private_bus: Desktop,
) -> None:
    desktop = on_private_bus
    sni = desktop.sni()
    menu = sni.layout()
    assert {"Pause", "Stop", "Voice", "Speed"} <= set(menu)
    us = menu["Voice"]["children"]["English (US) •"]["children"]
    assert {"Heart (US, female)", "Michael (US, male)"} <= set(us)
    assert _checked(us) == ["Heart (US, female)"]

    sni.click("Voice", "English (US) •", "Michael (US, male)")
    clicked = time.monotonic()  # the click's Event call has returned
    assert wait_for(lambda: desktop.prop("Voice") == "am_michael", 10, interval=0.005)
    shown_after = time.monotonic() - clicked
    print(f"\ntray voice click answered → daemon's Voice property: {shown_after * 1000:.0f} ms")
    assert _status(desktop)["voice"] == "am_michael"  # the first status after the click shows it
    assert wait_for(lambda: _checked(sni.layout()["Voice"]["children"]["English (US) •"]["children"])
                    == ["Michael (US, male)"], 10)

    doctor = subprocess.run([sys.executable, "-m", "readaloud", "doctor"], env=desktop.services.env,
                            capture_output=True, text=True, timeout=120, check=False)
    tray_line = next(line for line in doctor.stdout.splitlines() if line.split()[1:2] == ["tray"])
    assert tray_line.startswith("ok") and "registered with org.kde.StatusNotifierWatcher" in tray_line

    desktop.run(sys.executable, "-m", "readaloud", "say", " ".join([SENTENCE] * 4))
    assert wait_for(lambda: _status(desktop)["state"] == "speaking", 60)
    sni.click("Pause")
    assert wait_for(lambda: _status(desktop)["state"] == "paused", 10)
    assert wait_for(lambda: "Resume" in sni.layout(), 10)
    sni.click("Stop")
    assert wait_for(lambda: _status(desktop)["state"] == "idle", 10)
    sni.click("Voice", "English (US) •", "Heart (US, female)")
    assert wait_for(lambda: _status(desktop)["voice"] == "af_heart", 10)


def test_tray_voice_and_speed_change_the_daemon_and_survive_a_restart(on_private_bus: Desktop) -> None:
    desktop = on_private_bus
    sni = desktop.sni()
    assert "Read selection" in sni.layout()
    sni.click("Voice", "English (UK)", "Emma (UK, female)")
    assert wait_for(lambda: desktop.prop("Voice") == "bf_emma", 15), desktop.prop("Voice")
    sni.click("Speed", "1.25×")
    assert wait_for(lambda: abs(desktop.prop("Speed") - 1.25) < 1e-6, 15), desktop.prop("Speed")
    assert wait_for(lambda: "English (UK) •" in sni.layout()["Voice"]["children"], 10)

    remembered = desktop.services.root / "state" / "readaloud" / "choices.json"
    assert json.loads(remembered.read_text())["voice"] == "bf_emma"

    assert stop_daemon(desktop.daemon) == 0
    desktop.stubs.sni_items.clear()
    desktop.daemon = start_daemon(desktop.services)
    assert (desktop.prop("Voice"), desktop.prop("Speed")) == ("bf_emma", 1.25)
    assert "English (UK) •" in desktop.sni().layout()["Voice"]["children"]
