"""The reading bar for real: the bar process (PySide6, xcb) on a private Xvfb, fed by the daemon's
overlay frontend over its pipe. What the screen shows is checked on screenshots (``import`` from
ImageMagick) with OCR (tesseract); the buttons are clicked with xdotool."""

from __future__ import annotations

import contextlib
import io
import os
import queue
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import jiwer
import numpy as np
import pytest
from PIL import Image, ImageOps

from readaloud.core import State
from readaloud.desktop.overlay.frontend import OverlayActions, OverlayFrontend
from readaloud.desktop.overlay.markup import HIGHLIGHT_BACKGROUND
from readaloud.desktop.overlay.window import TITLE
from readaloud.speech.types import Sentence

pytestmark = pytest.mark.desktop

TEXT = "The quick brown fox jumps over the lazy dog, and then it runs far away."
HIGHLIGHT = tuple(int(HIGHLIGHT_BACKGROUND[i:i + 2], 16) for i in (1, 3, 5))


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def center(self) -> tuple[int, int]:
        return (self.left + self.right) // 2, (self.top + self.bottom) // 2

    def inside(self, other: Box) -> bool:
        return (other.left <= self.left and self.right <= other.right
                and other.top <= self.top and self.bottom <= other.bottom)


class Screen:
    """The X server as a user sees it: windows, screenshots, OCR, clicks."""

    def __init__(self, display: str) -> None:
        self.display = display

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30,
                              env=dict(os.environ, DISPLAY=self.display))

    def bar_window(self) -> Box | None:
        """Where the visible reading bar is, or None."""
        found = self._run("xdotool", "search", "--onlyvisible", "--name", TITLE)
        if found.returncode != 0 or not found.stdout.split():
            return None
        geometry = self._run("xdotool", "getwindowgeometry", "--shell", found.stdout.split()[0]).stdout
        values = dict(line.split("=", 1) for line in geometry.split())
        x, y, w, h = (int(values[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
        return Box(x, y, x + w, y + h)

    def bar_pid(self) -> int:
        """The process that owns the visible reading bar (its _NET_WM_PID)."""
        window = self._run("xdotool", "search", "--onlyvisible", "--name", TITLE).stdout.split()[0]
        return int(self._run("xdotool", "getwindowpid", window).stdout)

    def screenshot(self) -> Image.Image:
        png = subprocess.run(["import", "-display", self.display, "-window", "root", "png:-"],
                             capture_output=True, timeout=30, check=True).stdout
        return Image.open(io.BytesIO(png)).convert("RGB")

    def click(self, x: int, y: int) -> None:
        self._run("xdotool", "mousemove", str(x), str(y), "click", "1").check_returncode()


def wait_for(condition: Callable[[], object], timeout: float = 20.0, what: str = "the screen") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def highlight_box(image: Image.Image) -> Box | None:
    """The bounding box of the highlight colour on the screen, or None."""
    pixels = np.asarray(image)
    mask = np.all(pixels == HIGHLIGHT, axis=2)
    if not mask.any():
        return None
    rows, cols = np.nonzero(mask)
    return Box(int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1)


def readable(image: Image.Image, bar: Box, highlighted: Box | None) -> Image.Image:
    """The bar as dark text on white, large, for tesseract (the highlighted word inverted first,
    so that it reads like the rest)."""
    gray = ImageOps.grayscale(image)
    if highlighted is not None:
        area = (highlighted.left, highlighted.top, highlighted.right, highlighted.bottom)
        gray.paste(ImageOps.invert(gray.crop(area)), area[:2])
    crop = gray.crop((bar.left, bar.top, bar.right, bar.bottom))
    crop = crop.point(lambda value: 0 if value > 110 else 255)
    return crop.resize((crop.width * 3, crop.height * 3), Image.Resampling.LANCZOS)


@dataclass(frozen=True)
class Word:
    text: str
    box: Box  # in screen coordinates


def ocr(image: Image.Image, origin: Box, scale: int = 3) -> list[Word]:
    """Words tesseract reads in ``image`` (a ``readable`` crop of ``origin``), with screen boxes."""
    png = io.BytesIO()
    image.save(png, format="PNG")
    tsv = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "11", "tsv"], input=png.getvalue(),
                         capture_output=True, timeout=60, check=True).stdout.decode()
    words = []
    for line in tsv.splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) < 12 or not fields[11].strip() or float(fields[10]) < 0:
            continue
        left, top, width, height = (int(v) // scale for v in fields[6:10])
        box = Box(origin.left + left, origin.top + top, origin.left + left + width, origin.top + top + height)
        words.append(Word(fields[11].strip(), box))
    return words


def highlighted_words(screen: Screen) -> list[str] | None:
    """What tesseract reads on the highlight colour in the bar (None: no bar or no highlight)."""
    shot, window = screen.screenshot(), screen.bar_window()
    box = highlight_box(shot)
    if window is None or box is None:
        return None
    around = Box(box.left - 3, box.top - 3, box.right + 3, box.bottom + 3)
    return [plain(w.text) for w in ocr(readable(shot, window, box), window) if w.box.inside(around)]


def plain(words: str) -> str:
    return re.sub(r"[^a-z ]", "", words.lower()).strip()


class Bar:
    """The daemon's overlay frontend with the real bar process; button actions land in ``calls``."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.posted: queue.Queue[Callable[[], None]] = queue.Queue()
        actions = OverlayActions(*(lambda name=name: self.calls.append(name)
                                   for name in ("toggle_pause", "skip", "stop")))
        self.frontend = OverlayFrontend(actions, self.posted.put, {1: TEXT}.get)
        assert self.frontend.enabled, "PySide6 is not installed (the overlay extra)"

    def run_loop_until(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out waiting for the bar"
            with contextlib.suppress(queue.Empty):
                self.posted.get(timeout=0.1)()

    def read(self, text: str = TEXT) -> None:
        self.frontend.on_state_changed(State.SPEAKING)
        self.frontend.on_sentence_started(1, Sentence(0, text, 0, len(text)))

    def word(self, word: str) -> None:
        start = TEXT.index(word)
        self.frontend.on_word_started(1, 0, start, start + len(word))


@pytest.fixture
def screen(xserver: str, monkeypatch: pytest.MonkeyPatch) -> Screen:
    monkeypatch.setenv("DISPLAY", xserver)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    return Screen(xserver)


@pytest.fixture
def bar(screen: Screen) -> Iterator[Bar]:
    bar = Bar()
    yield bar
    pid = bar.frontend.pid
    bar.frontend.stop()
    if pid is not None:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # closed, not left behind
    wait_for(lambda: screen.bar_window() is None, what="the bar to go away")


def test_the_bar_shows_the_sentence_with_the_word_being_heard_highlighted(screen: Screen, bar: Bar) -> None:
    bar.read()
    window = wait_for(screen.bar_window, what="the bar to appear")
    assert isinstance(window, Box)
    # Near the bottom of the screen, centred.
    assert window.bottom > 800 * 0.75 and abs((window.left + window.right) / 2 - 640) < 2

    bar.word("brown")
    shot = wait_for(lambda: (image := screen.screenshot()) and highlight_box(image) and image,
                    what="the highlighted word")
    assert isinstance(shot, Image.Image)
    brown = highlight_box(shot)
    assert brown is not None and brown.inside(window)
    words = ocr(readable(shot, window, brown), window)
    sentence = " ".join(w.text for w in words if plain(w.text) not in ("pause", "skip", "stop"))
    assert jiwer.wer(plain(TEXT), plain(sentence)) <= 0.1, sentence
    # The highlight sits exactly on the word "brown" as tesseract reads it.
    read_there = [w for w in words if w.box.inside(Box(brown.left - 3, brown.top - 3,
                                                        brown.right + 3, brown.bottom + 3))]
    assert [plain(w.text) for w in read_there] == ["brown"]

    bar.word("lazy")
    shot = wait_for(lambda: (image := screen.screenshot()) and highlight_box(image) != brown and image,
                    what="the highlight to move")
    assert isinstance(shot, Image.Image)
    lazy = highlight_box(shot)
    assert lazy is not None and lazy.left > brown.right
    words = ocr(readable(shot, window, lazy), window)
    assert [plain(w.text) for w in words if w.box.inside(Box(lazy.left - 3, lazy.top - 3, lazy.right + 3,
                                                             lazy.bottom + 3))] == ["lazy"]


def test_the_buttons_pause_skip_and_stop(screen: Screen, bar: Bar) -> None:
    bar.read()
    window = wait_for(screen.bar_window, what="the bar to appear")
    assert isinstance(window, Box)
    words = ocr(readable(screen.screenshot(), window, None), window)
    labels = {plain(w.text): w.box for w in words}
    for label, expected in (("pause", "toggle_pause"), ("skip", "skip"), ("stop", "stop")):
        assert label in labels, f"no {label} button in {sorted(labels)}"
        screen.click(*labels[label].center)
        bar.run_loop_until(lambda: len(bar.calls) > 0)
        assert bar.calls == [expected]
        bar.calls.clear()
    # Paused, the first button offers to resume.
    bar.frontend.on_state_changed(State.PAUSED)
    wait_for(lambda: "resume" in [plain(w.text) for w in ocr(readable(screen.screenshot(), window, None),
                                                             window)], what="the Resume button")


def test_the_bar_hides_while_idle_and_comes_back_with_the_next_sentence(screen: Screen, bar: Bar) -> None:
    bar.read()
    bar.word("fox")
    wait_for(lambda: highlight_box(screen.screenshot()), what="the highlighted word")
    pid = bar.frontend.pid
    bar.frontend.on_state_changed(State.IDLE)
    wait_for(lambda: screen.bar_window() is None, what="the bar to hide")
    assert highlight_box(screen.screenshot()) is None
    bar.read("Another sentence.")
    wait_for(screen.bar_window, what="the bar to come back")
    assert bar.frontend.pid == pid  # the same process, hidden meanwhile


def test_the_bar_lasts_through_a_long_reading(screen: Screen, bar: Bar) -> None:
    """Thousands of words (a long article) leave the bar running and showing the latest word.

    PySide6 6.12.0 on Python < 3.12 drops a reference to None in every void call (``setText``), and
    the bar died after a few thousand words; the ``overlay`` extra keeps that release out.
    """
    bar.read()
    wait_for(screen.bar_window, what="the bar to appear")
    pid = bar.frontend.pid
    words = [word.strip(",.") for word in TEXT.split()]
    for _ in range(20_000 // len(words)):
        for word in words:
            bar.word(word)
    bar.word("jumps")
    assert pid is not None

    def shows_jumps() -> bool:
        os.kill(pid, 0)  # ProcessLookupError when the bar died: fail at once
        return highlighted_words(screen) == ["jumps"]

    # The bar works through the backlog; then it shows the last word.
    wait_for(shows_jumps, timeout=120, what="the last word")
    assert bar.frontend.pid == pid
