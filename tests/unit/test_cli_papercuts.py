"""Small things a newcomer meets in the CLI: bare ``readaloud``, ``say --output`` paths, exit codes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from readaloud.cli import main
from readaloud.environment import Environment


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), Environment(stdin=io.StringIO(""), stdout=out, stderr=err))
    return status, out.getvalue(), err.getvalue()


def test_bare_readaloud_lists_the_commands() -> None:
    status, out, err = run()
    assert status == 0 and err == ""
    for command in ("say", "status", "quit", "doctor", "install-service"):
        assert f"\n    {command} " in out


def test_say_output_into_a_missing_folder_fails_at_once_and_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "deeper" / "out.wav"
    status, _, err = run("say", "--output", str(target), "hello")
    assert status == 2
    assert err.count("\n") == 1 and "does not exist" in err and str(target.parent) in err
    assert not (tmp_path / "missing").exists()


def test_say_output_under_a_file_is_a_one_line_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file")
    status, _, err = run("say", "--output", str(blocker / "out.wav"), "hello")
    assert status == 2
    assert err.count("\n") == 1 and "is a file, not a folder" in err and "Traceback" not in err


def test_say_output_naming_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "speech.wav"
    folder.mkdir()
    status, _, err = run("say", "--output", str(folder), "hello")
    assert status == 2 and "it is a folder" in err


@pytest.mark.parametrize("args", [("say", "--no-daemon", "--voice", "zz_nobody", "hi"),
                                  ("say", "--output", "x.wav", "--voice", "zz_nobody", "hi")])
def test_an_unknown_voice_is_a_usage_error_with_the_name_cut(args: tuple[str, ...], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    status, _, err = run(*args)
    assert status == 2 and "unknown voice 'zz_nobody'" in err
    long_name = "q" * 5000
    status, _, err = run(*[long_name if a == "zz_nobody" else a for a in args])
    assert status == 2 and len(err) < 200 and "…" in err
