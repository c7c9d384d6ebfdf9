"""Config loading and validation: what a user sees when their config.toml is right or wrong."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest

from readaloud.config import (
    SECTION_NAMES,
    SECTIONS,
    Config,
    diff_configs,
    load_config,
    parse_config_text,
    section_keys,
)
from readaloud.errors import ConfigError, ConfigValidationError
from readaloud.keys import combo_problem

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config" / "readaloud.toml"


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigValidationError) as caught:
        parse_config_text(text)
    return list(caught.value.errors)


# --- the shipped file ---------------------------------------------------------------------------------


def test_shipped_config_equals_the_code_defaults() -> None:
    assert load_config(SHIPPED) == Config()


def test_shipped_config_sets_every_key_of_every_section() -> None:
    data = tomllib.loads(SHIPPED.read_text())
    assert list(data) == list(SECTION_NAMES)
    for section in SECTIONS:
        assert list(data[section]) == list(section_keys(section)), section


def test_shipped_config_comments_every_key() -> None:
    lines = SHIPPED.read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^[a-z_]+ = ", line):
            above = lines[number - 1]
            # A key is explained by the comment right above it, or shares one with the keys before it.
            assert above.startswith("#") or re.match(r"^[a-z_]+ = ", above), line


def test_shipped_config_pronunciation_examples_are_valid_when_uncommented() -> None:
    text = SHIPPED.read_text()
    examples = text.split("[pronunciations]", 1)[1]
    uncommented = "\n".join(
        line[2:] for line in examples.splitlines() if re.fullmatch(r"# \S+ = \"[^\"]*\"", line)
    )
    assert uncommented, "the shipped file should show pronunciation examples"
    config = parse_config_text("[pronunciations]\n" + uncommented)
    assert config.pronunciations["kokoro"] == "koh-KOH-roh"


# --- loading ----------------------------------------------------------------------------------------------


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "nope.toml") == Config()


def test_default_path_is_under_xdg_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "readaloud").mkdir()
    (tmp_path / "readaloud" / "config.toml").write_text('[speech]\nvoice = "bm_george"\nspeed = 1.5\n')
    config = load_config()
    assert config.speech.voice == "bm_george"
    assert config.speech.speed == 1.5
    assert config.playback == Config().playback


def test_values_are_read_with_their_types(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[speech]\nspeed = 2\nthreads = 4\nengine = "onnx"\n'
        '[playback]\ndevice = "USB"\nsentence_pause = 0\n'
        '[selection]\nsource = "clipboard"\ncopy_first = true\n'
        "[tray]\nenabled = false\n"
        "[overlay]\nenabled = true\n"
        '[pronunciations]\nnginx = "engine x"\n"C++" = "see plus plus"\n'
    )
    config = load_config(path)
    assert config.speech.speed == 2.0 and isinstance(config.speech.speed, float)
    assert config.speech.threads == 4
    assert config.speech.engine == "onnx"
    assert config.playback.device == "USB"
    assert config.playback.sentence_pause == 0.0
    assert config.selection.source == "clipboard"
    assert config.selection.copy_first is True
    assert config.tray.enabled is False
    assert config.overlay.enabled is True
    assert dict(config.pronunciations) == {"nginx": "engine x", "C++": "see plus plus"}


def test_paths_expand_home_and_are_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    path.write_text('[speech]\nmodel_path = "~/models/kokoro.onnx"\nvoices_dir = "voices"\n')
    config = load_config(path)
    assert config.speech.model_path == str(tmp_path / "home" / "models" / "kokoro.onnx")
    assert config.speech.voices_dir == str(tmp_path / "conf" / "voices")


def test_config_is_immutable() -> None:
    config = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.speech.speed = 2.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.pronunciations["x"] = "y"  # type: ignore[index]


def test_reloading_sees_edits(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[speech]\nvoice = "af_heart"\n')
    first = load_config(path)
    path.write_text('[speech]\nvoice = "af_bella"\n[playback]\nlookahead = 20.0\n')
    second = load_config(path)
    assert second.speech.voice == "af_bella"
    assert diff_configs(first, second) == ["speech.voice", "playback.lookahead"]
    assert diff_configs(second, second) == []


def test_diff_reports_pronunciation_changes() -> None:
    before = parse_config_text('[pronunciations]\nnginx = "engine x"\n')
    after = parse_config_text('[pronunciations]\nnginx = "engine ex"\n')
    assert diff_configs(before, after) == ["pronunciations"]


# --- errors ----------------------------------------------------------------------------------------------


def test_wrong_types_are_reported_with_section_and_key() -> None:
    errors = errors_of(
        '[speech]\nspeed = "fast"\nthreads = 2.5\n[tray]\nenabled = "yes"\n[playback]\ndevice = 3\n'
    )
    assert errors == [
        'speech.speed: must be a number, got a string ("fast")',
        "speech.threads: must be a whole number, got a number (2.5)",
        'tray.enabled: must be true or false, got a string ("yes")',
        "playback.device: must be a string, got an integer (3)",
    ]


def test_booleans_are_not_numbers() -> None:
    assert errors_of("[speech]\nthreads = true\n") == [
        "speech.threads: must be a whole number, got a boolean (true)"
    ]


def test_ranges_are_checked() -> None:
    errors = errors_of("[speech]\nspeed = 2.5\nthreads = -1\n[playback]\nlookahead = 0.1\n")
    assert errors == [
        "speech.speed: must be between 0.5 and 2.0, got 2.5",
        "speech.threads: must be between 0 and 1024, got -1",
        "playback.lookahead: must be between 1.0 and 600.0 s, got 0.1",
    ]


def test_range_edges_are_accepted() -> None:
    config = parse_config_text("[speech]\nspeed = 0.5\n[playback]\nsentence_pause = 5.0\n")
    assert config.speech.speed == 0.5
    assert config.playback.sentence_pause == 5.0


def test_choices_name_the_allowed_values_and_suggest_one() -> None:
    assert errors_of('[speech]\nengine = "onx"\n') == [
        'speech.engine: must be one of auto, onnx, torch; got "onx" (did you mean "onnx"?)'
    ]
    assert errors_of('[selection]\nsource = "both"\n') == [
        'selection.source: must be one of primary, clipboard, primary-then-clipboard; got "both"'
    ]


def test_unknown_key_with_did_you_mean() -> None:
    assert errors_of('[speech]\nvoise = "af_heart"\n') == [
        'speech.voise: unknown key (did you mean "voice"?)'
    ]


def test_unknown_section_with_did_you_mean() -> None:
    assert errors_of("[hotkey]\nstop = ''\n") == ['hotkey: unknown section (did you mean "hotkeys"?)']


def test_unknown_section_without_a_close_match_lists_the_sections() -> None:
    (error,) = errors_of("[zzz]\n")
    assert error.startswith("zzz: unknown section; sections are speech, playback, text,")


def test_top_level_key_outside_a_section() -> None:
    (error,) = errors_of('voice = "af_heart"\n')
    assert error.startswith('voice: unknown top-level key (did you mean "voice"?)')


def test_unknown_voice_suggests_the_closest() -> None:
    assert errors_of('[speech]\nvoice = "af_hart"\n') == [
        'speech.voice: unknown voice "af_hart" (did you mean "af_heart"?); `readaloud voices` lists them'
    ]


def test_every_error_is_reported_at_once() -> None:
    with pytest.raises(ConfigValidationError) as caught:
        parse_config_text(
            '[speech]\nvioce = "x"\nspeed = 9\n[hotkeys]\nread_selection = "<ctl>+r"\n'
            "[tray]\nenabled = 1\n[colours]\n",
            source="/home/u/.config/readaloud/config.toml",
        )
    error = caught.value
    assert [line.split(":")[0] for line in error.errors] == [
        "speech.vioce",
        "speech.speed",
        "hotkeys.read_selection",
        "tray.enabled",
        "colours",
    ]
    message = str(error)
    assert message.startswith("/home/u/.config/readaloud/config.toml has 5 errors:\n")
    assert all(f"  {line}" in message for line in error.errors)
    assert isinstance(error, ConfigError)


def test_one_error_is_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config_text("[speech]\nspeed = 0\n", source="c.toml")
    assert str(caught.value) == "c.toml: speech.speed: must be between 0.5 and 2.0, got 0"


def test_toml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[speech]\nvoice = "af_heart\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not valid TOML:")
    assert "line 2" in message


def test_unreadable_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.mkdir()  # reading a directory fails like an unreadable file, even as root
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(path)


def test_section_that_is_not_a_table() -> None:
    assert errors_of("speech = 1\n") == ["speech: must be a section ([speech]), got an integer (1)"]


@pytest.mark.parametrize(
    ("combo", "problem"),
    [
        ("<ctrl>+<alt>+r", None),
        ("<CTRL>+<Shift>+<f5>", None),
        ("<cmd>++", None),  # the plus key itself, as pynput spells it
        ("<ctrl>+<65>", None),  # a virtual key code
        ("<ctl>+r", 'unknown key "<ctl>" (did you mean "<ctrl>"?)'),
        ("ctrl+r", '"ctrl" is neither one character nor a <name> like <ctrl>'),
        ("<ctrl>+", "ends with '+'"),
        ("<ctrl>+r+R", '"R" appears twice'),
        ("<super>+<space>", None),
        ("<f9>", None),
        ("<ctrl>+<alt>", "needs exactly one key besides the modifiers"),
        ("<ctrl>+a+b", "needs exactly one key besides the modifiers"),
        ("r", 'would fire on every "r" typed; add a modifier like <ctrl>'),
    ],
)
def test_hotkey_syntax(combo: str, problem: str | None) -> None:
    assert combo_problem(combo) == problem


def test_bad_hotkey_in_config_says_how_to_write_one() -> None:
    assert errors_of('[hotkeys]\nstop = "ctrl+s"\n') == [
        'hotkeys.stop: "ctrl+s" is not a key combination: "ctrl" is neither one character nor a <name> '
        'like <ctrl>; use e.g. "<ctrl>+<alt>+r"'
    ]


def test_two_actions_on_the_same_hotkey() -> None:
    assert errors_of('[hotkeys]\npause = "<ctrl>+<alt>+r"\n') == [
        'hotkeys.pause: same keys as hotkeys.read_selection ("<ctrl>+<alt>+r")'
    ]


def test_the_same_keys_in_another_order_or_case_are_the_same_hotkey() -> None:
    assert errors_of('[hotkeys]\nstop = "<alt>+<ctrl_l>+R"\n') == [
        'hotkeys.stop: same keys as hotkeys.read_selection ("<alt>+<ctrl_l>+R")'
    ]


def test_only_keys_a_running_daemon_can_apply_are_live() -> None:
    from readaloud.config import is_live

    assert is_live("speech.voice") and is_live("text.urls") and is_live("pronunciations")
    assert not is_live("speech.engine") and not is_live("hotkeys.read_selection")
    assert not is_live("tray.enabled") and not is_live("playback.device")


def test_empty_hotkey_means_none() -> None:
    assert parse_config_text('[hotkeys]\nread_selection = ""\n').hotkeys.read_selection == ""


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "kokoro = 3",
            'pronunciations.kokoro: must be a string (a respelling or "/phonemes/"), got an integer (3)',
        ),
        ('kokoro = ""', "pronunciations.kokoro: must not be empty"),
        (
            'kokoro = "/kOkO"',
            'pronunciations.kokoro: phonemes go between two slashes, like "/kˈOkəɹO/"; got "/kOkO"',
        ),
        ('"" = "x"', 'pronunciations."": the word must not be empty'),
    ],
)
def test_bad_pronunciations(entry: str, message: str) -> None:
    assert errors_of(f"[pronunciations]\n{entry}\n") == [message]
