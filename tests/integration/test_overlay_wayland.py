"""The reading bar on Wayland: the same bar process in a real compositor (sway, headless, pixman),
where Qt picks its Wayland platform by itself. Screenshots come from grim; OCR from tesseract.
(No input devices exist headless, so the buttons are clicked only in the X11 tests.)"""

from __future__ import annotations

import io
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import jiwer
import numpy as np
import pytest
from PIL import Image

from readaloud.core import State
from readaloud.desktop.overlay.markup import BAR_BACKGROUND
from readaloud.doctor.probe import query_overlay
from tests.integration.test_overlay_bar import TEXT, Bar, Box, highlight_box, ocr, plain, readable, wait_for

pytestmark = pytest.mark.desktop

SWAY_CONFIG = "output HEADLESS-1 resolution 1280x800\n"
BACKGROUND = tuple(int(BAR_BACKGROUND[i:i + 2], 16) for i in (1, 3, 5))


@pytest.fixture(scope="module")
def compositor() -> Iterator[str]:
    """A headless sway; returns the absolute path of its Wayland socket.

    sway refuses to run as root: as root it runs as ``nobody``, in a runtime directory of its own.
    """
    for tool in ("sway", "grim"):
        assert shutil.which(tool), f"{tool} is missing (apt install sway grim)"
    runtime = Path(tempfile.mkdtemp(prefix="readaloud-sway-"))
    runtime.chmod(0o700)
    (runtime / "sway.conf").write_text(SWAY_CONFIG)
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("nobody")
        os.chown(runtime, user.pw_uid, user.pw_gid)
        os.chown(runtime / "sway.conf", user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "nobody", "--"]
    env = {"PATH": os.environ["PATH"], "XDG_RUNTIME_DIR": str(runtime), "WLR_BACKENDS": "headless",
           "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman", "HOME": str(runtime)}
    sway = subprocess.Popen([*prefix, "sway", "-c", str(runtime / "sway.conf")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        socket = wait_for(lambda: next(runtime.glob("wayland-[0-9]"), None), timeout=20, what="sway")
        yield str(socket)
    finally:
        sway.terminate()
        sway.wait(10)
        shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture
def wayland(compositor: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("WAYLAND_DISPLAY", compositor)
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    return compositor


def screenshot() -> Image.Image:
    png = subprocess.run(["grim", "-t", "png", "-"], capture_output=True, timeout=30, check=True).stdout
    return Image.open(io.BytesIO(png)).convert("RGB")


def bar_box(image: Image.Image) -> Box | None:
    """Where the bar's background colour is on the screen (the compositor placed it)."""
    mask = np.all(np.asarray(image) == BACKGROUND, axis=2)
    if mask.sum() < 1000:
        return None
    rows, cols = np.nonzero(mask)
    return Box(int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1)


def test_qt_chooses_wayland_by_itself(wayland: str) -> None:
    assert query_overlay(os.environ).platform == "wayland"


def test_the_bar_shows_the_sentence_and_the_highlighted_word_on_wayland(wayland: str) -> None:
    bar = Bar()
    try:
        bar.read()
        bar.word("brown")
        shot = wait_for(lambda: (image := screenshot()) and highlight_box(image) and bar_box(image) and image,
                        what="the bar with its highlighted word")
        assert isinstance(shot, Image.Image)
        window, word = bar_box(shot), highlight_box(shot)
        assert window is not None and word is not None and word.inside(window)
        # Floating at the bar's own size, not tiled over the whole output.
        assert window.right - window.left <= 900 + 2 and window.bottom - window.top < 200
        words = ocr(readable(shot, window, word), window)
        sentence = " ".join(w.text for w in words if plain(w.text) not in ("pause", "skip", "stop"))
        assert jiwer.wer(plain(TEXT), plain(sentence)) <= 0.1, sentence
        around = Box(word.left - 3, word.top - 3, word.right + 3, word.bottom + 3)
        assert [plain(w.text) for w in words if w.box.inside(around)] == ["brown"]

        bar.frontend.on_state_changed(State.IDLE)
        wait_for(lambda: bar_box(screenshot()) is None, what="the bar to hide")
    finally:
        bar.frontend.stop()
