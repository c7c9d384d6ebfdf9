"""What the tray menu holds, as plain data: built from the reader's state, free of any toolkit.

``tray.py`` turns these entries into a pystray menu; tests read them directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from readaloud.core import BUSY_STATES
from readaloud.speech.voices import LANGUAGES, VOICES, VoiceInfo

T = TypeVar("T")

SPEEDS = (0.75, 1.0, 1.25, 1.5)


@dataclass(frozen=True)
class MenuEntry:
    """One menu line: an action, a radio choice, a submenu or (``label == "-"``) a separator."""

    label: str
    action: Callable[[], None] | None = None
    checked: bool | None = None  # None: not a check item
    radio: bool = False
    enabled: bool = True
    default: bool = False
    submenu: tuple[MenuEntry, ...] = ()

    @property
    def is_separator(self) -> bool:
        return self.label == "-"


SEPARATOR = MenuEntry("-")


@dataclass(frozen=True)
class TrayView:
    """What the menu and icon reflect."""

    state: str = "idle"
    voice: str = "af_heart"
    speed: float = 1.0
    error: str | None = None


@dataclass(frozen=True)
class TrayCommands:
    """What menu items do; each is safe to call from the tray's thread (it hands work to the daemon)."""

    read_selection: Callable[[], None]
    read_clipboard: Callable[[], None]
    toggle_pause: Callable[[], None]
    stop: Callable[[], None]
    skip: Callable[[], None]
    back: Callable[[], None]
    set_voice: Callable[[str], None]
    set_speed: Callable[[float], None]
    open_config: Callable[[], None]
    quit: Callable[[], None]


def speed_label(speed: float) -> str:
    return f"{speed:g}×"


def voice_groups(voices: Iterable[VoiceInfo] | None = None) -> list[tuple[str, list[VoiceInfo]]]:
    """Voices grouped by language, in the catalogue's language order, each group sorted by name."""
    pool = list(VOICES.values() if voices is None else voices)
    groups: list[tuple[str, list[VoiceInfo]]] = []
    for prefix, (_tag, language_name, _code) in LANGUAGES.items():
        members = sorted((v for v in pool if v.prefix == prefix), key=lambda v: v.display_name)
        if members:
            groups.append((language_name, members))
    return groups


def build_menu(view: TrayView, commands: TrayCommands) -> tuple[MenuEntry, ...]:
    """The whole tray menu for ``view``."""
    active = view.state in BUSY_STATES
    pause_label = "Resume" if view.state == "paused" else "Pause"
    return (
        MenuEntry("Read selection", commands.read_selection, default=True),
        MenuEntry("Read clipboard", commands.read_clipboard),
        SEPARATOR,
        MenuEntry(pause_label, commands.toggle_pause, enabled=active),
        MenuEntry("Stop", commands.stop, enabled=active or view.state == "loading"),
        MenuEntry("Skip", commands.skip, enabled=active),
        MenuEntry("Back", commands.back, enabled=active),
        SEPARATOR,
        MenuEntry("Voice", submenu=_voice_menu(view.voice, commands.set_voice)),
        MenuEntry("Speed", submenu=_speed_menu(view.speed, commands.set_speed)),
        SEPARATOR,
        MenuEntry("Open config", commands.open_config),
        MenuEntry("Quit", commands.quit),
    )


def _voice_menu(current: str, set_voice: Callable[[str], None]) -> tuple[MenuEntry, ...]:
    entries = []
    for language_name, members in voice_groups():
        holds_current = any(v.name == current for v in members)
        # The language holding the current voice is marked, so the choice is visible one level up.
        label = f"{language_name} •" if holds_current else language_name
        entries.append(
            MenuEntry(
                label,
                submenu=tuple(
                    MenuEntry(v.display_name, _bind(set_voice, v.name), checked=v.name == current,
                              radio=True)
                    for v in members
                ),
            )
        )
    return tuple(entries)


def _speed_menu(current: float, set_speed: Callable[[float], None]) -> tuple[MenuEntry, ...]:
    speeds = sorted({*SPEEDS, round(current, 2)})  # a speed set elsewhere (CLI, config) is shown too
    return tuple(
        MenuEntry(speed_label(s), _bind(set_speed, s), checked=abs(s - current) < 1e-6, radio=True)
        for s in speeds
    )


def _bind(fn: Callable[[T], None], value: T) -> Callable[[], None]:
    return lambda: fn(value)
