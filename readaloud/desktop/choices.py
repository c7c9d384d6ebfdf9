"""Voice and speed picked in the tray, remembered across restarts in ``$XDG_STATE_HOME/readaloud``.

Only these two settings are stored, never anything the user read. A choice holds until the user
edits the same key in the config file: the file records which config value it overrode, and a
changed config value wins.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from readaloud import paths
from readaloud.core import MAX_SPEED, MIN_SPEED
from readaloud.speech.voices import VOICES

log = logging.getLogger(__name__)

FILE_NAME = "choices.json"


def choices_file() -> Path:
    return paths.state_dir() / FILE_NAME


@dataclass(frozen=True)
class Choices:
    """Remembered tray choices and the config values they were made over."""

    voice: str | None = None
    voice_over: str | None = None
    speed: float | None = None
    speed_over: float | None = None

    def resolve(self, config_voice: str, config_speed: float) -> tuple[str, float]:
        """The voice and speed to start with, given the config file's values."""
        voice = self.voice if self.voice is not None and self.voice_over == config_voice else config_voice
        speed = (
            self.speed
            if self.speed is not None
            and self.speed_over is not None
            and abs(self.speed_over - config_speed) < 1e-9
            else config_speed
        )
        return voice, speed


def load_choices(path: Path | None = None) -> Choices:
    """What was remembered; a missing, unreadable or invalid file means nothing was."""
    path = path or choices_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Choices()
    except (OSError, ValueError) as error:
        log.warning("ignoring remembered tray choices in %s: %s", path, error)
        return Choices()
    if not isinstance(data, dict):
        return Choices()
    voice, voice_over = data.get("voice"), data.get("voice_over")
    if not (isinstance(voice, str) and voice in VOICES and isinstance(voice_over, str)):
        voice = voice_over = None
    speed, speed_over = data.get("speed"), data.get("speed_over")
    if not (_valid_speed(speed) and _valid_speed(speed_over)):
        speed = speed_over = None
    return Choices(
        voice,
        voice_over,
        None if speed is None else float(speed),
        None if speed_over is None else float(speed_over),
    )


def remember(
    *,
    config_voice: str,
    config_speed: float,
    voice: str | None = None,
    speed: float | None = None,
    path: Path | None = None,
) -> Choices:
    """Record a tray choice (voice and/or speed) made while the config said ``config_*``."""
    path = path or choices_file()
    old = load_choices(path)
    new = Choices(
        voice if voice is not None else old.voice,
        config_voice if voice is not None else old.voice_over,
        speed if speed is not None else old.speed,
        config_speed if speed is not None else old.speed_over,
    )
    _write_atomically(
        path,
        {
            "voice": new.voice,
            "voice_over": new.voice_over,
            "speed": new.speed,
            "speed_over": new.speed_over,
        },
    )
    return new


def _valid_speed(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and MIN_SPEED <= value <= MAX_SPEED


def _write_atomically(path: Path, data: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".choices-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
