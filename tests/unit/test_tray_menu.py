"""The tray menu's content and what its items do, without a toolkit; and the frontend's hand-over."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from readaloud.core import State
from readaloud.desktop.frontend import DesktopActions, DesktopFrontend, DesktopSettings
from readaloud.desktop.icons import IconState
from readaloud.desktop.tray_menu import (
    MenuEntry,
    TrayCommands,
    TrayView,
    build_menu,
    icon_state,
    tooltip,
    voice_groups,
)
from readaloud.speech.voices import VOICES


class Recorder:
    """TrayCommands whose calls are recorded as (name, args)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __call__(self, name: str) -> Callable[..., None]:
        return lambda *args: self.calls.append((name, args))

    def commands(self) -> TrayCommands:
        names = ("read_selection", "read_clipboard", "toggle_pause", "stop", "skip", "back", "set_voice",
                 "set_speed", "open_config", "quit")
        return TrayCommands(**{n: self(n) for n in names})


def by_label(entries: tuple[MenuEntry, ...]) -> dict[str, MenuEntry]:
    return {e.label: e for e in entries if not e.is_separator}


def checked(entries: tuple[MenuEntry, ...]) -> list[str]:
    return [e.label for e in entries if e.checked]


def test_menu_holds_every_command_in_order() -> None:
    menu = build_menu(TrayView(), Recorder().commands())
    labels = [e.label for e in menu if not e.is_separator]
    assert labels == ["Read selection", "Read clipboard", "Pause", "Stop", "Skip", "Back", "Voice", "Speed",
                      "Open config", "Quit"]
    assert by_label(menu)["Read selection"].default


@pytest.mark.parametrize(
    ("state", "pause_label", "enabled"),
    [
        ("idle", "Pause", {"Pause": False, "Stop": False, "Skip": False, "Back": False}),
        ("loading", "Pause", {"Pause": False, "Stop": True, "Skip": False, "Back": False}),
        ("speaking", "Pause", {"Pause": True, "Stop": True, "Skip": True, "Back": True}),
        ("paused", "Resume", {"Resume": True, "Stop": True, "Skip": True, "Back": True}),
    ],
)
def test_transport_items_follow_the_state(state: str, pause_label: str, enabled: dict[str, bool]) -> None:
    items = by_label(build_menu(TrayView(state=state), Recorder().commands()))
    assert pause_label in items
    assert {label: items[label].enabled for label in enabled} == enabled
    assert items["Read selection"].enabled and items["Read clipboard"].enabled


def test_every_voice_appears_once_grouped_by_language_with_readable_names() -> None:
    voice_menu = by_label(build_menu(TrayView(voice="bf_emma"), Recorder().commands()))["Voice"].submenu
    seen = [item.label for group in voice_menu for item in group.submenu]
    assert sorted(seen) == sorted(v.display_name for v in VOICES.values())
    groups = [g.label for g in voice_menu]
    assert groups[:2] == ["English (US)", "English (UK) •"]  # the current voice's language is marked
    uk = voice_menu[1].submenu
    assert checked(uk) == ["Emma (UK, female)"]
    assert all(item.radio for group in voice_menu for item in group.submenu)
    assert sum(bool(item.checked) for group in voice_menu for item in group.submenu) == 1


def test_voice_groups_keep_each_language_together() -> None:
    for language, members in voice_groups():
        assert {v.language_name for v in members} == {language}


def test_clicking_a_voice_or_speed_passes_the_choice() -> None:
    recorder = Recorder()
    menu = by_label(build_menu(TrayView(), recorder.commands()))
    japanese = by_label(by_label(menu["Voice"].submenu)["Japanese"].submenu)
    japanese["Kumo (JA, male)"].action()  # type: ignore[misc]
    by_label(menu["Speed"].submenu)["1.5×"].action()  # type: ignore[misc]
    assert recorder.calls == [("set_voice", ("jm_kumo",)), ("set_speed", (1.5,))]


def test_speed_menu_shows_a_speed_set_elsewhere() -> None:
    speeds = by_label(build_menu(TrayView(speed=1.1), Recorder().commands()))["Speed"].submenu
    assert [s.label for s in speeds] == ["0.75×", "1×", "1.1×", "1.25×", "1.5×"]
    assert checked(speeds) == ["1.1×"]


def test_icon_shows_errors_over_the_state() -> None:
    assert icon_state(TrayView(state="speaking")) is IconState.SPEAKING
    assert icon_state(TrayView(state="speaking", error="no audio device")) is IconState.ERROR
    assert "no audio device" in tooltip(TrayView(error="no audio device"))
    assert "Heart (US, female)" in tooltip(TrayView(voice="af_heart", speed=1.25))


# -- DesktopFrontend: every action goes through ``post`` -------------------------------------------


class FakeDaemon:
    """Actions that record what the daemon was asked; ``posted`` holds work not yet run."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.posted: list[Callable[[], None]] = []
        self.refuse_voice = False

    def record(self, name: str) -> Callable[..., None]:
        def action(*args: Any) -> None:
            if name == "set_voice" and self.refuse_voice:
                from readaloud.errors import UnknownVoiceError

                raise UnknownVoiceError("unknown voice")
            self.calls.append((name, args))

        return action

    def actions(self) -> DesktopActions:
        names = ("read_selection", "toggle_pause", "stop", "skip", "back", "set_voice", "set_speed", "quit",
                 "open_config")
        return DesktopActions(**{n: self.record(n) for n in names})

    def run_posted(self) -> None:
        while self.posted:
            self.posted.pop(0)()


@pytest.fixture
def daemon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeDaemon:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    return FakeDaemon()


def frontend(daemon: FakeDaemon, **settings: Any) -> DesktopFrontend:
    return DesktopFrontend(daemon.actions(), daemon.posted.append, DesktopSettings(**settings),
                           voice="af_heart", speed=1.0)


def test_the_tray_asks_for_attention_while_no_sound_reaches_the_user(daemon: FakeDaemon) -> None:
    from readaloud.core import AudioStatus
    from readaloud.desktop.sni import status

    desktop = frontend(daemon)
    assert status(desktop.view()) == "Active"
    desktop.on_audio_changed(AudioStatus.LOST)
    assert status(desktop.view()) == "NeedsAttention"
    assert "sound server" in tooltip(desktop.view())
    desktop.on_state_changed(State.SPEAKING)  # a new job does not hide that nothing is heard
    assert status(desktop.view()) == "NeedsAttention"
    desktop.on_audio_changed(AudioStatus.OK)
    assert status(desktop.view()) == "Active"
    started_without = DesktopFrontend(daemon.actions(), daemon.posted.append, DesktopSettings(),
                                      voice="af_heart", speed=1.0, audio=AudioStatus.NONE)
    assert status(started_without.view()) == "NeedsAttention"


def test_menu_actions_run_on_the_daemon_loop_not_the_tray_thread(daemon: FakeDaemon) -> None:
    commands = frontend(daemon, selection_source="primary").tray_commands()
    commands.read_selection()
    commands.read_clipboard()
    commands.skip()
    assert daemon.calls == []  # nothing ran on the calling (tray) thread
    daemon.run_posted()
    assert daemon.calls == [("read_selection", ("primary",)), ("read_selection", ("clipboard",)),
                            ("skip", ())]


def test_tray_choices_apply_and_are_remembered_without_user_text(daemon: FakeDaemon, tmp_path: Path) -> None:
    commands = frontend(daemon).tray_commands()
    commands.set_voice("bf_emma")
    commands.set_speed(1.25)
    daemon.run_posted()
    assert daemon.calls == [("set_voice", ("bf_emma",)), ("set_speed", (1.25,))]
    stored = json.loads((tmp_path / "readaloud" / "choices.json").read_text())
    assert stored == {"voice": "bf_emma", "voice_over": "af_heart", "speed": 1.25, "speed_over": 1.0}


def test_a_refused_voice_is_not_remembered_and_is_reported(daemon: FakeDaemon, tmp_path: Path) -> None:
    ui = frontend(daemon)
    sent: list[tuple[Any, ...]] = []

    def notify(*args: Any, **kw: Any) -> bool:
        sent.append(args)
        return True

    ui.notifier.notify = notify  # type: ignore[method-assign]
    daemon.refuse_voice = True
    ui.tray_commands().set_voice("bf_emma")
    daemon.run_posted()
    assert not (tmp_path / "readaloud" / "choices.json").exists()
    assert sent and "unknown voice" in sent[0][1]


def test_listener_events_update_what_the_tray_shows(daemon: FakeDaemon) -> None:
    ui = frontend(daemon)
    ui.on_state_changed(State.SPEAKING)
    ui.on_voice_changed("am_michael")
    ui.on_speed_changed(1.5)
    assert ui.view() == TrayView(state="speaking", voice="am_michael", speed=1.5)
    ui.notifier.notify = lambda *args, **kw: True  # type: ignore[method-assign]
    ui.on_error("audio device lost")
    ui.on_state_changed(State.IDLE)
    assert ui.view().error == "audio device lost"  # still shown after the failed job ends
    ui.on_state_changed(State.LOADING)
    assert ui.view().error is None  # a new job clears it


def test_settings_come_from_the_config_file(tmp_path: Path) -> None:
    from readaloud.config import load_config

    path = tmp_path / "config.toml"
    path.write_text('[hotkeys]\nread_selection = "<super>+r"\npause = "<ctrl>+<alt>+p"\n'
                    '[selection]\nsource = "clipboard"\n[tray]\nenabled = false\n'
                    '[speech]\nvoice = "bf_emma"\nspeed = 1.25\n')
    settings = DesktopSettings.from_config(load_config(path))
    assert settings == DesktopSettings(
        hotkeys={"read_selection": "<super>+r", "pause": "<ctrl>+<alt>+p", "stop": ""},
        selection_source="clipboard", tray=False, config_voice="bf_emma", config_speed=1.25)


def test_the_tooltip_follows_the_sentence_being_read(daemon: FakeDaemon) -> None:
    from readaloud.desktop.tray_menu import tooltip_sentence
    from readaloud.speech.types import Sentence

    ui = frontend(daemon)
    ui.on_state_changed(State.SPEAKING)
    ui.on_sentence_started(1, Sentence(0, "The quick brown fox.", 0, 20))
    assert tooltip_sentence(ui.view()) == "The quick brown fox."
    ui.on_state_changed(State.IDLE)
    assert ui.view().sentence is None and tooltip_sentence(ui.view()) == ""


def test_a_long_sentence_is_shortened_for_the_tooltip() -> None:
    from readaloud.desktop.tray_menu import TOOLTIP_SENTENCE_CHARS, tooltip_sentence

    shown = tooltip_sentence(TrayView(state="speaking", sentence="word " * 100))
    assert len(shown) == TOOLTIP_SENTENCE_CHARS and shown.endswith("…")


@pytest.mark.parametrize(("state", "expected"), [("idle", "read_selection"), ("speaking", "toggle_pause"),
                                                  ("paused", "toggle_pause"), ("loading", "toggle_pause")])
def test_left_click_pauses_while_reading_and_reads_the_selection_when_idle(state: str, expected: str) -> None:
    from readaloud.desktop.tray_menu import primary_action

    recorder = Recorder()
    primary_action(TrayView(state=state), recorder.commands())
    assert recorder.calls == [(expected, ())]
