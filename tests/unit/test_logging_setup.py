"""Log output as a user sees it in a terminal and in `journalctl --user -u readaloud`."""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from readaloud.logging_setup import setup_logging


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def emit() -> None:
    log = logging.getLogger("readaloud.test")
    log.debug("debug line")
    log.info("info line")
    log.warning("warning line")
    log.error("error line")


def test_terminal_cli_prints_warnings_and_errors_tersely() -> None:
    out = io.StringIO()
    setup_logging(0, False, stream=out, environ={})
    emit()
    assert out.getvalue().splitlines() == [
        "readaloud: WARNING: warning line",
        "readaloud: ERROR: error line",
    ]


def test_verbose_and_quiet_levels() -> None:
    for verbose, quiet, expected in [
        (1, False, ["info line", "warning line", "error line"]),
        (2, False, ["debug line", "info line", "warning line", "error line"]),
        (0, True, ["error line"]),
    ]:
        out = io.StringIO()
        setup_logging(verbose, quiet, stream=out, environ={})
        emit()
        assert [line.rsplit(": ", 1)[1] for line in out.getvalue().splitlines()] == expected


def test_daemon_in_a_terminal_logs_info_with_timestamps() -> None:
    out = io.StringIO()
    setup_logging(0, False, daemon=True, stream=out, environ={})
    emit()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d\d\d INFO readaloud\.test: info line", lines[0])


def test_under_systemd_lines_have_no_timestamps() -> None:
    out = io.StringIO()
    setup_logging(0, False, daemon=True, stream=out, environ={"INVOCATION_ID": "abc"})
    emit()
    assert out.getvalue().splitlines() == [
        "INFO readaloud.test: info line",
        "WARNING readaloud.test: warning line",
        "ERROR readaloud.test: error line",
    ]


def test_journal_stream_gets_syslog_priorities(tmp_path: Path) -> None:
    with open(tmp_path / "journal", "w+") as stream:
        stat = os.fstat(stream.fileno())
        environ = {"INVOCATION_ID": "abc", "JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino}"}
        setup_logging(0, False, daemon=True, stream=stream, environ=environ)
        logging.getLogger("readaloud.test").info("info line")
        logging.getLogger("readaloud.test").warning("warning line")
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("readaloud.test").exception("failed")
        stream.seek(0)
        lines = stream.read().splitlines()
    assert lines[:3] == [
        "<6>readaloud.test: info line",
        "<4>readaloud.test: warning line",
        "<3>readaloud.test: failed",
    ]
    # Traceback lines keep the error priority instead of falling back to journald's default.
    assert lines[3:] and all(line.startswith("<3>") for line in lines[3:])
    assert lines[-1] == "<3>ValueError: boom"


def test_journal_stream_of_another_file_is_not_trusted(tmp_path: Path) -> None:
    with open(tmp_path / "other", "w+") as other, open(tmp_path / "mine", "w+") as mine:
        stat = os.fstat(other.fileno())
        setup_logging(0, False, stream=mine, environ={"JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino}"})
        logging.getLogger("readaloud.test").warning("warning line")
        mine.seek(0)
        assert mine.read() == "WARNING readaloud.test: warning line\n"


def test_calling_twice_does_not_duplicate_lines() -> None:
    out = io.StringIO()
    setup_logging(0, False, stream=out, environ={})
    setup_logging(0, False, stream=out, environ={})
    logging.getLogger("readaloud.test").warning("once")
    assert out.getvalue() == "readaloud: WARNING: once\n"


def test_chatty_libraries_stay_quiet_at_info() -> None:
    out = io.StringIO()
    setup_logging(1, False, stream=out, environ={})
    logging.getLogger("phonemizer").info("noise")
    logging.getLogger("readaloud.test").info("signal")
    assert out.getvalue() == "readaloud: INFO: signal\n"
