"""Configuration: frozen dataclasses loaded from TOML, validated with every error reported at once.

The file is ``$XDG_CONFIG_HOME/readaloud/config.toml``; ``config/readaloud.toml`` in the repository
documents every key with its default. A missing file means all defaults. Errors read
``section.key: message`` and unknown sections or keys come with a did-you-mean.
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
from readaloud.errors import ConfigError, ConfigValidationError

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


# pynput's Key names (keyboard._base.Key), plus <super> (readaloud.desktop.keys maps it to <cmd>);
# matched case-insensitively like pynput's HotKey.parse.
_PYNPUT_KEYS = frozenset(
    [
        "alt", "alt_l", "alt_r", "alt_gr", "backspace", "caps_lock", "cmd", "cmd_l", "cmd_r",
        "ctrl", "ctrl_l", "ctrl_r", "delete", "down", "end", "enter", "esc", "home", "left",
        "page_down", "page_up", "right", "shift", "shift_l", "shift_r", "space", "tab", "up",
        "media_play_pause", "media_volume_mute", "media_volume_down", "media_volume_up",
        "media_previous", "media_next", "insert", "menu", "num_lock", "pause", "print_screen",
        "scroll_lock", "super",
        *(f"f{n}" for n in range(1, 21)),
    ]
)  # fmt: skip
_MODIFIER_KEYS = frozenset(
    ["ctrl", "ctrl_l", "ctrl_r", "alt", "alt_l", "alt_r", "alt_gr", "shift", "shift_l", "shift_r",
     "cmd", "cmd_l", "cmd_r", "super"]
)  # fmt: skip


def hotkey_problem(combo: str) -> str | None:
    """Why ``combo`` is not a pynput key combination (``"<ctrl>+<alt>+r"``), or None when it is."""
    parts: list[str] = []
    start = 0
    # Same splitting as pynput: a "+" right after a separator is the plus key itself.
    for index, char in enumerate(combo):
        if char == "+" and index != start:
            parts.append(combo[start:index])
            start = index + 1
    if start == len(combo):
        return "ends with '+'"
    parts.append(combo[start:])
    seen: set[str] = set()
    for part in parts:
        if len(part) == 1:
            key = part.lower()
        elif len(part) > 2 and part[0] == "<" and part[-1] == ">":
            key = part[1:-1].lower()
            if key not in _PYNPUT_KEYS and not key.isdigit():
                close = difflib.get_close_matches(key, _PYNPUT_KEYS, n=1)
                return f'unknown key "{part}"' + (f' (did you mean "<{close[0]}>"?)' if close else "")
            key = f"<{key}>"
        else:
            return f'"{part}" is neither one character nor a <name> like <ctrl>'
        if key in seen:
            return f'"{part}" appears twice'
        seen.add(key)
    # What the hotkey backends can bind (readaloud.desktop.keys): modifiers plus exactly one key.
    keys = [key for key in seen if key.strip("<>") not in _MODIFIER_KEYS]
    if len(keys) != 1:
        return "needs exactly one key besides the modifiers"
    if len(keys[0]) == 1 and len(seen) == 1:
        return f'would fire on every "{keys[0]}" typed; add a modifier like <ctrl>'
    return None


@dataclass(frozen=True)
class Hotkey(Validator):
    """A pynput key combination, or "" for no hotkey."""

    def __call__(self, value: Any, base_dir: Path | None) -> str:
        if not isinstance(value, str):
            raise _Invalid(f'must be a key combination string like "<ctrl>+<alt>+r", got {_describe(value)}')
        if value == "":
            return value
        problem = hotkey_problem(value)
        if problem:
            raise _Invalid(
                f'{json.dumps(value)} is not a key combination: {problem}; use e.g. "<ctrl>+<alt>+r"'
            )
        return value


def _setting(default: Any, validator: Validator) -> Any:
    return field(default=default, metadata={"validator": validator})


# --- the schema --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeechConfig:
    """``[speech]``: which voice, how fast, and which engine and model files."""

    voice: str = _setting("af_heart", VoiceName())
    speed: float = _setting(1.0, Number(0.5, 2.0))
    engine: str = _setting("auto", Choice(("auto", "onnx", "torch")))
    model_path: str = _setting("", FilePath())
    voices_dir: str = _setting("", FilePath())
    precision: str = _setting("auto", Choice(("auto", "fp32", "fp16", "int8")))
    threads: int = _setting(0, Integer(0, 1024))
    asset_source: str = _setting("auto", Choice(("auto", "hf", "registry")))


@dataclass(frozen=True)
class PlaybackConfig:
    """``[playback]``: output device and timing of the audio stream."""

    device: str = _setting("", String())
    sentence_pause: float = _setting(0.25, Number(0.0, 5.0, " s"))
    lookahead: float = _setting(10.0, Number(1.0, 600.0, " s"))
    preroll: float = _setting(0.05, Number(0.0, 2.0, " s"))


@dataclass(frozen=True)
class TextConfig:
    """``[text]``: how URLs, code and emoji are read, and the size limit of one request."""

    urls: str = _setting("domain", Choice(("domain", "full", "skip")))
    code_blocks: str = _setting("announce", Choice(("announce", "read", "skip")))
    emoji: str = _setting("skip", Choice(("skip", "name")))
    lexicon_file: str = _setting("", FilePath())
    max_chars: int = _setting(2_000_000, Integer(1, 100_000_000))


@dataclass(frozen=True)
class HotkeysConfig:
    """``[hotkeys]``: global key combinations in pynput syntax ("" = none)."""

    read_selection: str = _setting("<ctrl>+<alt>+r", Hotkey())
    pause: str = _setting("", Hotkey())
    stop: str = _setting("", Hotkey())
    on_read_while_speaking: str = _setting("stop", Choice(("stop", "restart", "queue")))


@dataclass(frozen=True)
class SelectionConfig:
    """``[selection]``: where ``read-selection`` takes its text from."""

    source: str = _setting(
        "primary-then-clipboard", Choice(("primary", "clipboard", "primary-then-clipboard"))
    )
    copy_first: bool = _setting(False, Boolean())


@dataclass(frozen=True)
class TrayConfig:
    """``[tray]``: the status icon."""

    enabled: bool = _setting(True, Boolean())


@dataclass(frozen=True)
class DaemonConfig:
    """``[daemon]``: how the CLI reaches the resident process."""

    autospawn: bool = _setting(True, Boolean())


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
    seen: dict[str, str] = {}
    for key in ("read_selection", "pause", "stop"):
        combo = getattr(hotkeys, key)
        if not combo:
            continue
        normal = combo.lower()
        if normal in seen:
            errors.append(f"hotkeys.{key}: same keys as hotkeys.{seen[normal]} ({json.dumps(combo)})")
        else:
            seen[normal] = key


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
