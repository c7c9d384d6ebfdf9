"""What the tray shows, as plain data: the menu, icon state and tooltip, built from the reader's state
and free of any toolkit.

``dbusmenu.py`` serves these entries over D-Bus (dbusmenu), ``tray_xembed.py`` turns them into
a pystray menu; tests read them directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from readaloud.core import BUSY_STATES, State
from readaloud.desktop.icons import IconState
from readaloud.speech.voices import LANGUAGES, VOICES, VoiceInfo

T = TypeVar("T")

SPEEDS = (0.75, 1.0, 1.25, 1.5)
TOOLTIP_SENTENCE_CHARS = 160


@dataclass(frozen=True)
class MenuEntry:
    """One menu line: an action, a radio choice, a submenu or (``label == "-"``) a separator.

    ``key`` names the line where its label changes with the state (Pause/Resume, the marked
    language), so a tray host that holds the menu open still finds the same item.
    """

    label: str
    action: Callable[[], None] | None = None
    checked: bool | None = None  # None: not a check item
    radio: bool = False
    enabled: bool = True
    default: bool = False
    submenu: tuple[MenuEntry, ...] = ()
    key: str = ""

    @property
    def is_separator(self) -> bool:
        return self.label == "-"

    @property
    def ident(self) -> str:
        return self.key or self.label


SEPARATOR = MenuEntry("-")


@dataclass(frozen=True)
class TrayView:
    """What the menu and icon reflect."""

    state: str = "idle"
    voice: str = "af_heart"
    speed: float = 1.0
    error: str | None = None
    sentence: str | None = None  # the sentence being read, shown in the tooltip


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
        MenuEntry(pause_label, commands.toggle_pause, enabled=active, key="pause"),
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
                key=language_name,
                submenu=tuple(
                    MenuEntry(v.display_name, _bind(set_voice, v.name), checked=v.name == current,
                              radio=True, key=v.name)
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


def primary_action(view: TrayView, commands: TrayCommands) -> None:
    """A left click on the icon: pause/resume while reading, else read the selection."""
    if view.state in (*BUSY_STATES, State.LOADING):
        commands.toggle_pause()
    else:
        commands.read_selection()


def icon_state(view: TrayView) -> IconState:
    if view.error is not None:
        return IconState.ERROR
    try:
        return IconState(view.state)
    except ValueError:
        return IconState.IDLE


def tooltip(view: TrayView) -> str:
    """One line: the state (or the error), the voice and the speed."""
    info = VOICES.get(view.voice)
    voice = info.display_name if info else view.voice
    if view.error is not None:
        return f"Read aloud: {view.error}"
    return f"Read aloud: {icon_state(view).value} · {voice} · {view.speed:g}×"


def tooltip_sentence(view: TrayView) -> str:
    """The sentence being read, shortened for a tooltip; empty when nothing is being read."""
    if not view.sentence or view.state not in BUSY_STATES:
        return ""
    text = " ".join(view.sentence.split())
    if len(text) > TOOLTIP_SENTENCE_CHARS:
        text = text[: TOOLTIP_SENTENCE_CHARS - 1].rstrip() + "…"
    return text


def _bind(fn: Callable[[T], None], value: T) -> Callable[[], None]:
    return lambda: fn(value)
