# ruff: noqa: F811  (pytest fixtures imported from other modules share their parameters' names)
"""The reading bar with the real daemon and model: ``readaloud say`` brings up the bar with the
sentence as it was written, its buttons pause, resume, skip and stop the daemon, Qt never loads
into the daemon, and the bar goes when the daemon does."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator

import jiwer
import pytest

from readaloud.desktop.overlay.window import TITLE
from tests.integration.daemon_fixtures import (  # noqa: F401  (fixtures)
    DaemonProcess,
    Services,
    readaloud,
    services,
    start_daemon,
    stop_daemon,
)
from tests.integration.test_overlay_bar import Box, Screen, ocr, readable, wait_for
from tests.support.services import BASE_CONFIG

pytestmark = [pytest.mark.desktop, pytest.mark.model, pytest.mark.audio]

SENTENCES = ["Chapter 3 starts at 10 o'clock sharp, said the old captain to the crew.",
             "The second sentence is the one we jump to from the first.",
             "The third and last sentence ends the story, long after the crew has gone to sleep below deck."]
TEXT = " ".join(SENTENCES)
# Told apart from the sentence's words by their text: no sentence above may use one of them.
BUTTONS = ("pause", "resume", "skip", "stop")


@pytest.fixture(scope="module")
def bar_daemon(services: Services) -> Iterator[DaemonProcess]:
    config = services.root / "config" / "readaloud" / "config.toml"
    config.write_text(BASE_CONFIG + "[overlay]\nenabled = true\n")
    daemon = start_daemon(services)
    yield daemon
    stop_daemon(daemon)
    config.write_text(BASE_CONFIG)


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


def status(services: Services) -> dict[str, object]:
    result = readaloud(services, "status", "--json")
    assert result.returncode == 0, result.stderr
    fields = json.loads(result.stdout)
    assert isinstance(fields, dict)
    return fields


def state(services: Services) -> str:
    return str(status(services)["state"])


def bar_text(screen: Screen, window: Box) -> tuple[list[str], dict[str, Box]]:
    """The sentence's words as read on the screen, and the buttons by label."""
    words = ocr(readable(screen.screenshot(), window, None), window)
    buttons = {w.text.lower(): w.box for w in words if w.text.lower() in BUTTONS}
    return [token for w in words if w.text.lower() not in BUTTONS for token in tokens(w.text)], buttons


def qt_in(pid: int) -> bool:
    with open(f"/proc/{pid}/maps") as maps:
        return "libQt6" in maps.read()


def test_the_bar_follows_the_daemon_and_its_buttons_drive_it(bar_daemon: DaemonProcess,
                                                               services: Services) -> None:
    screen = Screen(services.env["DISPLAY"])
    assert subprocess.run(["xdotool", "search", "--name", TITLE], env=services.env,
                          capture_output=True).returncode != 0, "the bar started before anything was read"
    result = readaloud(services, "say", TEXT)
    assert result.returncode == 0, result.stderr

    window = wait_for(screen.bar_window, timeout=60, what=f"the bar\n{bar_daemon.log()}")
    assert isinstance(window, Box)
    first = tokens(SENTENCES[0].split(",")[0])
    seen = wait_for(lambda: (found := bar_text(screen, window)) and found[0][:len(first)] == first and found,
                    timeout=30, what="the first sentence on the bar")
    assert isinstance(seen, tuple)
    words, buttons = seen
    # As written (digits), not as spoken ("three", "ten").
    assert jiwer.wer(" ".join(tokens(SENTENCES[0])), " ".join(words)) <= 0.15, words
    pid = screen.bar_pid()
    assert pid != bar_daemon.process.pid and not qt_in(bar_daemon.process.pid)

    screen.click(*buttons["pause"].center)
    wait_for(lambda: state(services) == "paused", what="Pause to pause")
    buttons = wait_for(lambda: (b := bar_text(screen, window)[1]) and "resume" in b and b, what="Resume")
    assert isinstance(buttons, dict)
    screen.click(*buttons["resume"].center)
    wait_for(lambda: state(services) == "speaking", what="Resume to resume")

    before = status(services)["sentence"]  # counts from 1, as status shows it
    assert isinstance(before, int) and before < len(SENTENCES)
    screen.click(*buttons["skip"].center)
    now = wait_for(lambda: (at := status(services)["sentence"]) != before and at, what="Skip to skip")
    assert isinstance(now, int) and now > before
    # Held there, so the sentence cannot end before the screen is read.
    assert readaloud(services, "pause").returncode == 0
    # The bar shows the sentence the daemon is at.
    # By word error rate: OCR may misread the highlighted current word.
    expected = " ".join(tokens(SENTENCES[now - 1]))
    shown: list[list[str]] = []
    try:
        wait_for(lambda: shown.append(bar_text(screen, window)[0])
                 or jiwer.wer(expected, " ".join(shown[-1]) or "-") <= 0.15, timeout=60)
    except AssertionError:
        raise AssertionError(f"the bar shows {shown[-1]}, not sentence {now} {expected}") from None

    buttons = bar_text(screen, window)[1]
    assert "stop" in buttons, buttons
    screen.click(*buttons["stop"].center)
    wait_for(lambda: state(services) == "idle", what="Stop to stop")
    wait_for(lambda: screen.bar_window() is None, what="the bar to hide")
    os.kill(pid, 0)  # hidden, still running for the next reading

    stop_daemon(bar_daemon)
    wait_for(lambda: not os.path.exists(f"/proc/{pid}"), timeout=10, what="the bar to exit with the daemon")
