"""Configuration: frozen dataclasses loaded from TOML, validated with every error reported at once.

The file is ``$XDG_CONFIG_HOME/readaloud/config.toml``; ``config/readaloud.toml`` in the repository
documents every key with its default. A missing file means all defaults. Errors read
``section.key: message`` and unknown sections or keys come with a did-you-mean.

Each key says whether a running daemon applies a new value on reload (``live``) or must restart;
the sets of values a key accepts come from :mod:`readaloud.values`, :mod:`readaloud.text.options`
and :mod:`readaloud.core` (speed), shared with everyone else who needs them.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import sys
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from readaloud import paths
from readaloud.core import MAX_SPEED, MIN_SPEED
from readaloud.errors import ConfigError, ConfigValidationError
from readaloud.keys import EXAMPLE as KEY_EXAMPLE
from readaloud.keys import clashes, combo_problem, not_a_combo
from readaloud.text.options import CODE_BLOCK_MODES, EMOJI_MODES, URL_MODES
from readaloud.values import (
    ASSET_SOURCES,
    ENGINES,
    HOTKEY_ACTIONS,
    PRECISIONS,
    READ_WHILE_SPEAKING,
    SELECTION_SOURCES,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

log = logging.getLogger(__name__)


class _Invalid(Exception):
    """Raised by a validator; the message completes ``section.key: ...``."""


# --- value validators ------------------------------------------------------------------------------

_TOML_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    list: "an array",
    dict: "a table",
}


def _describe(value: Any) -> str:
    kind = next((name for cls, name in _TOML_TYPE_NAMES.items() if type(value) is cls), None)
    if kind is None:
        kind = f"a {type(value).__name__}"
    shown = json.dumps(value) if isinstance(value, (str, bool)) else repr(value)
    if isinstance(value, (dict, list)):
        return kind
    return f"{kind} ({shown})"


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


@dataclass(frozen=True)
class Validator:
    """Checks one TOML value and returns what the dataclass field holds."""

    def __call__(self, value: Any, base_dir: Path | None) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Boolean(Validator):
    def __call__(self, value: Any, base_dir: Path | None) -> bool:
        if not isinstance(value, bool):
            raise _Invalid(f"must be true or false, got {_describe(value)}")
        return value


@dataclass(frozen=True)
class Number(Validator):
    """A float in [minimum, maximum]; TOML integers are accepted (``speed = 1``)."""

    minimum: float
    maximum: float
    unit: str = ""

    def __call__(self, value: Any, base_dir: Path | None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid(f"must be a number, got {_describe(value)}")
        if not self.minimum <= value <= self.maximum:
            raise _Invalid(f"must be between {self.minimum!r} and {self.maximum!r}{self.unit}, got {value!r}")
        return float(value)


@dataclass(frozen=True)
class Integer(Validator):
    minimum: int
    maximum: int

    def __call__(self, value: Any, base_dir: Path | None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"must be a whole number, got {_describe(value)}")
        if not self.minimum <= value <= self.maximum:
            raise _Invalid(f"must be between {self.minimum} and {self.maximum}, got {value}")
        return value


@dataclass(frozen=True)
class String(Validator):
    def __call__(self, value: Any, base_dir: Path | None) -> str:
        if not isinstance(value, str):
            raise _Invalid(f"must be a string, got {_describe(value)}")
        return value


@dataclass(frozen=True)
class Choice(Validator):
    choices: tuple[str, ...]

    def __call__(self, value: Any, base_dir: Path | None) -> str:
        if not isinstance(value, str):
            raise _Invalid(f"must be one of {', '.join(self.choices)}; got {_describe(value)}")
        if value not in self.choices:
            hint = _did_you_mean(value, self.choices)
            raise _Invalid(f"must be one of {', '.join(self.choices)}; got {json.dumps(value)}{hint}")
        return value


@dataclass(frozen=True)
class FilePath(Validator):
    """A path; ``~`` is expanded and relative paths are taken relative to the config file."""

    def __call__(self, value: Any, base_dir: Path | None) -> str:
        if not isinstance(value, str):
            raise _Invalid(f"must be a path string, got {_describe(value)}")
        if not value:
            return value
        path = Path(value).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        return str(path)


@lru_cache(maxsize=1)
def _voice_names() -> frozenset[str]:
    # Read the catalogue's JSON directly: importing readaloud.speech.voices would pull in numpy,
    # and control commands that load the config must start fast.
    text = resources.files("readaloud.speech").joinpath("data/voice_checksums.json").read_text()
    return frozenset(json.loads(text))


@dataclass(frozen=True)
class VoiceName(Validator):
    def __call__(self, value: Any, base_dir: Path | None) -> str:
        if not isinstance(value, str):
            raise _Invalid(f"must be a voice name string, got {_describe(value)}")
        names = _voice_names()
        if value not in names:
            hint = _did_you_mean(value, sorted(names))
            raise _Invalid(f"unknown voice {json.dumps(value)}{hint}; `readaloud voices` lists them")
        return value


@dataclass(frozen=True)
class Hotkey(Validator):
    """A pynput key combination, or "" for no hotkey."""

    def __call__(self, value: Any, base_dir: Path | None) -> str:
        if not isinstance(value, str):
            raise _Invalid(f'must be a key combination string like "{KEY_EXAMPLE}", got {_describe(value)}')
        if value == "":
            return value
        problem = combo_problem(value)
        if problem:
            raise _Invalid(not_a_combo(value, problem))
        return value


def _setting(default: Any, validator: Validator, *, live: bool) -> Any:
    """A config key: its default, its validator, and whether a running daemon applies a new value
    on reload (``live``) or needs a restart for it."""
    return field(default=default, metadata={"validator": validator, "live": live})


# --- the schema --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeechConfig:
    """``[speech]``: which voice, how fast, and which engine and model files."""

    voice: str = _setting("af_heart", VoiceName(), live=True)
    speed: float = _setting(1.0, Number(MIN_SPEED, MAX_SPEED), live=True)
    engine: str = _setting("auto", Choice(ENGINES), live=False)
    model_path: str = _setting("", FilePath(), live=False)
    voices_dir: str = _setting("", FilePath(), live=False)
    precision: str = _setting("auto", Choice(("auto", *PRECISIONS)), live=False)
    threads: int = _setting(0, Integer(0, 1024), live=False)
    asset_source: str = _setting("auto", Choice(ASSET_SOURCES), live=False)


@dataclass(frozen=True)
class PlaybackConfig:
    """``[playback]``: output device and timing of the audio stream."""

    device: str = _setting("", String(), live=False)
    sentence_pause: float = _setting(0.25, Number(0.0, 5.0, " s"), live=True)
    lookahead: float = _setting(10.0, Number(1.0, 600.0, " s"), live=False)
    preroll: float = _setting(0.05, Number(0.0, 2.0, " s"), live=False)


@dataclass(frozen=True)
class TextConfig:
    """``[text]``: how URLs, code and emoji are read, and the size limit of one request."""

    urls: str = _setting("domain", Choice(URL_MODES), live=True)
    code_blocks: str = _setting("announce", Choice(CODE_BLOCK_MODES), live=True)
    emoji: str = _setting("skip", Choice(EMOJI_MODES), live=True)
    lexicon_file: str = _setting("", FilePath(), live=True)
    max_chars: int = _setting(2_000_000, Integer(1, 100_000_000), live=True)


@dataclass(frozen=True)
class HotkeysConfig:
    """``[hotkeys]``: global key combinations in pynput syntax ("" = none)."""

    read_selection: str = _setting(KEY_EXAMPLE, Hotkey(), live=False)
    pause: str = _setting("", Hotkey(), live=False)
    stop: str = _setting("", Hotkey(), live=False)
    on_read_while_speaking: str = _setting("stop", Choice(READ_WHILE_SPEAKING), live=True)


@dataclass(frozen=True)
class SelectionConfig:
    """``[selection]``: where ``read-selection`` takes its text from."""

    source: str = _setting("primary-then-clipboard", Choice(SELECTION_SOURCES), live=True)
    copy_first: bool = _setting(False, Boolean(), live=True)


@dataclass(frozen=True)
class TrayConfig:
    """``[tray]``: the status icon."""

    enabled: bool = _setting(True, Boolean(), live=False)


@dataclass(frozen=True)
class OverlayConfig:
    """``[overlay]``: the reading bar (needs the ``overlay`` extra, PySide6)."""

    enabled: bool = _setting(False, Boolean(), live=True)


@dataclass(frozen=True)
class DaemonConfig:
    """``[daemon]``: how the CLI reaches the resident process (each command reads it afresh)."""

    autospawn: bool = _setting(True, Boolean(), live=True)


def _no_pronunciations() -> Mapping[str, str]:
    return types.MappingProxyType({})


@dataclass(frozen=True)
class Config:
    """The whole configuration; ``Config()`` is the defaults."""

    speech: SpeechConfig = field(default_factory=SpeechConfig)
    playback: PlaybackConfig = field(default_factory=PlaybackConfig)
    text: TextConfig = field(default_factory=TextConfig)
    hotkeys: HotkeysConfig = field(default_factory=HotkeysConfig)
    selection: SelectionConfig = field(default_factory=SelectionConfig)
    tray: TrayConfig = field(default_factory=TrayConfig)
    overlay: OverlayConfig = field(default_factory=OverlayConfig)
    daemon: DaemonConfig = field(default_factory=DaemonConfig)
    # word -> respelling ("kokoro" = "koh-KOH-roh") or phonemes between slashes ("/kˈOkəɹO/").
    pronunciations: Mapping[str, str] = field(default_factory=_no_pronunciations)


SECTIONS: dict[str, type] = {
    "speech": SpeechConfig,
    "playback": PlaybackConfig,
    "text": TextConfig,
    "hotkeys": HotkeysConfig,
    "selection": SelectionConfig,
    "tray": TrayConfig,
    "overlay": OverlayConfig,
    "daemon": DaemonConfig,
}
SECTION_NAMES: tuple[str, ...] = (*SECTIONS, "pronunciations")


def section_keys(section: str) -> tuple[str, ...]:
    """The keys a section accepts (empty for ``pronunciations``, whose keys are the user's words)."""
    cls = SECTIONS.get(section)
    return tuple(f.name for f in dataclasses.fields(cls)) if cls else ()


# --- parsing -------------------------------------------------------------------------------------------


def _parse_section(
    name: str, cls: type, table: Mapping[str, Any], base_dir: Path | None, errors: list[str]
) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        spec = known.get(key)
        if spec is None:
            errors.append(f"{name}.{key}: unknown key{_did_you_mean(key, known)}")
            continue
        validator: Validator = spec.metadata["validator"]
        try:
            values[key] = validator(value, base_dir)
        except _Invalid as problem:
            errors.append(f"{name}.{key}: {problem}")
    return cls(**values)


def _parse_pronunciations(table: Mapping[str, Any], errors: list[str]) -> Mapping[str, str]:
    entries: dict[str, str] = {}
    for word, spoken in table.items():
        where = f"pronunciations.{json.dumps(word) if not word.isidentifier() else word}"
        if not word.strip():
            errors.append(f"{where}: the word must not be empty")
        elif not isinstance(spoken, str):
            errors.append(
                f'{where}: must be a string (a respelling or "/phonemes/"), got {_describe(spoken)}'
            )
        elif not spoken.strip() or spoken.strip() == "//":
            errors.append(f"{where}: must not be empty")
        elif spoken.startswith("/") != spoken.endswith("/") or spoken == "/":
            errors.append(
                f'{where}: phonemes go between two slashes, like "/kˈOkəɹO/"; got {json.dumps(spoken)}'
            )
        else:
            entries[word] = spoken
    return types.MappingProxyType(entries)


def _check_hotkey_clashes(hotkeys: HotkeysConfig, errors: list[str]) -> None:
    bindings = {name: getattr(hotkeys, name) for name in HOTKEY_ACTIONS}
    for name, earlier in clashes(bindings, HOTKEY_ACTIONS):
        errors.append(f"hotkeys.{name}: same keys as hotkeys.{earlier} ({json.dumps(bindings[name])})")


def parse_config(data: Mapping[str, Any], base_dir: Path | None = None, source: str = "config") -> Config:
    """Build a Config from parsed TOML; raises ConfigValidationError listing every problem."""
    errors: list[str] = []
    built: dict[str, Any] = {}
    for name, table in data.items():
        if name not in SECTION_NAMES:
            if isinstance(table, dict):
                hint = _did_you_mean(name, SECTION_NAMES) or f"; sections are {', '.join(SECTION_NAMES)}"
                errors.append(f"{name}: unknown section{hint}")
            else:
                hint = _did_you_mean(name, [k for s in SECTIONS for k in section_keys(s)])
                errors.append(f"{name}: unknown top-level key{hint}; every key belongs in a [section]")
            continue
        if not isinstance(table, dict):
            errors.append(f"{name}: must be a section ([{name}]), got {_describe(table)}")
            continue
        if name == "pronunciations":
            built[name] = _parse_pronunciations(table, errors)
        else:
            built[name] = _parse_section(name, SECTIONS[name], table, base_dir, errors)
    if "hotkeys" in built:
        _check_hotkey_clashes(built["hotkeys"], errors)
    if errors:
        raise ConfigValidationError(errors, source)
    return Config(**built)


def parse_config_text(text: str, base_dir: Path | None = None, source: str = "config") -> Config:
    """Parse TOML text into a Config (syntax errors become ConfigError too)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    return parse_config(data, base_dir, source)


def load_config(path: Path | None = None) -> Config:
    """Load and validate the config file; a missing file gives the defaults.

    Safe to call again (SIGHUP / ``Reload()``): it reads the file afresh and returns a new Config.
    """
    path = paths.config_file() if path is None else Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        log.debug("no config file at %s; using defaults", path)
        return Config()
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}; fix its permissions or remove it") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    config = parse_config_text(text, base_dir=path.parent, source=str(path))
    log.debug("loaded config from %s", path)
    return config


def diff_configs(old: Config, new: Config) -> list[str]:
    """The ``section.key`` names whose values differ (``pronunciations`` as a whole), in schema order."""
    changed: list[str] = []
    for section in SECTIONS:
        before, after = getattr(old, section), getattr(new, section)
        changed.extend(
            f"{section}.{f.name}"
            for f in dataclasses.fields(before)
            if getattr(before, f.name) != getattr(after, f.name)
        )
    if dict(old.pronunciations) != dict(new.pronunciations):
        changed.append("pronunciations")
    return changed


def is_live(key: str) -> bool:
    """Whether a running daemon applies a changed ``section.key`` on reload (else: restart it).

    ``pronunciations`` is live as a whole.
    """
    if key == "pronunciations":
        return True
    section, _, name = key.partition(".")
    fields = {f.name: f for f in dataclasses.fields(SECTIONS[section])}
    return bool(fields[name].metadata["live"])
