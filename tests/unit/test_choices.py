"""Tray choices remembered across restarts, and when the config file wins over them."""

from __future__ import annotations

import json
from pathlib import Path

from readaloud.desktop.choices import Choices, load_choices, remember


def test_nothing_remembered_means_the_config_values(tmp_path: Path) -> None:
    assert load_choices(tmp_path / "choices.json").resolve("af_heart", 1.0) == ("af_heart", 1.0)


def test_a_tray_choice_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state" / "choices.json"
    remember(config_voice="af_heart", config_speed=1.0, voice="bf_emma", path=path)
    remember(config_voice="af_heart", config_speed=1.0, speed=1.25, path=path)
    assert load_choices(path).resolve("af_heart", 1.0) == ("bf_emma", 1.25)
    assert set(json.loads(path.read_text())) == {"voice", "voice_over", "speed", "speed_over"}


def test_editing_the_config_afterwards_wins(tmp_path: Path) -> None:
    path = tmp_path / "choices.json"
    remember(config_voice="af_heart", config_speed=1.0, voice="bf_emma", speed=1.5, path=path)
    assert load_choices(path).resolve("am_michael", 1.0) == ("am_michael", 1.5)
    assert load_choices(path).resolve("af_heart", 0.9) == ("bf_emma", 0.9)


def test_a_damaged_or_tampered_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "choices.json"
    path.write_text("{not json")
    assert load_choices(path) == Choices()
    path.write_text(json.dumps({"voice": "xx_nobody", "voice_over": "af_heart", "speed": 9.0,
                                "speed_over": 1.0}))
    assert load_choices(path).resolve("af_heart", 1.0) == ("af_heart", 1.0)
