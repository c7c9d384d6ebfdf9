"""Selection reading logic, with the clipboard programs replaced by a scripted fake."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from typing import Any

import pytest

from readaloud.desktop.selection import (
    WL_TOOLS,
    XCLIP_TOOLS,
    XSEL_TOOLS,
    SelectionReader,
    Tools,
    detect_tools,
)
from readaloud.errors import NothingSelectedError, SelectionToolMissingError, UsageError


class FakeClipboard:
    """Plays xclip/wl-paste: PRIMARY and CLIPBOARD contents; None means no owner (exit 1)."""

    def __init__(self, primary: bytes | None = None, clipboard: bytes | None = None) -> None:
        self.selections: dict[str, bytes | None] = {"primary": primary, "clipboard": clipboard}
        self.calls: list[tuple[str, ...]] = []
        self.hang: set[str] = set()

    def _which(self, argv: Sequence[str]) -> str:
        return "primary" if any(a in ("primary", "--primary") for a in argv) else "clipboard"

    def __call__(self, argv: Sequence[str], *, input: bytes | None, timeout: float,
                 background: bool) -> subprocess.CompletedProcess[bytes]:
        self.calls.append(tuple(argv))
        which = self._which(argv)
        if which in self.hang:
            raise subprocess.TimeoutExpired(list(argv), timeout)
        if input is not None:  # a write
            self.selections[which] = input
            return subprocess.CompletedProcess(list(argv), 0, b"", b"")
        data = self.selections[which]
        if data is None:
            return subprocess.CompletedProcess(list(argv), 1, b"", b"Error: target STRING not available")
        return subprocess.CompletedProcess(list(argv), 0, data, b"")


def reader(fake: FakeClipboard, tools: Tools = XCLIP_TOOLS, **kwargs: Any) -> SelectionReader:
    return SelectionReader(tools, runner=fake, timeout=0.2, **kwargs)


def test_primary_wins_over_clipboard() -> None:
    fake = FakeClipboard(primary=b"highlighted", clipboard=b"copied")
    assert reader(fake).read() == "highlighted"


def test_falls_back_to_clipboard_when_nothing_is_highlighted() -> None:
    fake = FakeClipboard(primary=None, clipboard=b"copied")
    assert reader(fake).read("primary-then-clipboard") == "copied"


def test_whitespace_only_counts_as_nothing_selected() -> None:
    fake = FakeClipboard(primary=b"  \n\t", clipboard=b"copied")
    assert reader(fake).read() == "copied"


def test_primary_only_does_not_use_the_clipboard() -> None:
    fake = FakeClipboard(primary=None, clipboard=b"copied")
    with pytest.raises(NothingSelectedError, match="highlight"):
        reader(fake).read("primary")


def test_clipboard_source_ignores_primary() -> None:
    fake = FakeClipboard(primary=b"highlighted", clipboard=b"copied")
    assert reader(fake).read("clipboard") == "copied"


def test_nothing_anywhere_raises_nothing_selected() -> None:
    with pytest.raises(NothingSelectedError) as caught:
        reader(FakeClipboard()).read()
    assert caught.value.dbus_name == "NothingSelected"


def test_a_hanging_selection_owner_does_not_hang_the_read() -> None:
    fake = FakeClipboard(primary=b"never arrives", clipboard=b"copied")
    fake.hang.add("primary")
    assert reader(fake).read() == "copied"


def test_text_is_kept_as_is_and_bad_bytes_are_replaced() -> None:
    fake = FakeClipboard(primary="  Café — “quoted”\n".encode() + b"\xff")
    assert reader(fake).read() == "  Café — “quoted”\n\ufffd"


def test_unknown_source_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="primary-then-clipboard"):
        reader(FakeClipboard()).read("secondary")


def test_missing_tool_says_what_to_install() -> None:
    def runner(argv: Sequence[str], *, input: bytes | None, timeout: float,
               background: bool) -> subprocess.CompletedProcess[bytes]:
        raise FileNotFoundError(argv[0])

    with pytest.raises(SelectionToolMissingError, match="xclip"):
        SelectionReader(XCLIP_TOOLS, runner=runner).read()


@pytest.mark.parametrize(
    ("environ", "installed", "expected"),
    [
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, {"wl-paste", "xclip"}, WL_TOOLS),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, {"xclip"}, XCLIP_TOOLS),  # XWayland only
        ({"DISPLAY": ":0"}, {"xclip", "xsel"}, XCLIP_TOOLS),
        ({"DISPLAY": ":0"}, {"xsel"}, XSEL_TOOLS),
    ],
)
def test_tools_follow_the_session(environ: dict[str, str], installed: set[str], expected: object) -> None:
    assert detect_tools(environ, lambda name: f"/usr/bin/{name}" if name in installed else None) == expected


@pytest.mark.parametrize(
    ("environ", "hint"),
    [({"WAYLAND_DISPLAY": "wayland-0"}, "wl-clipboard"), ({"DISPLAY": ":0"}, "xclip"), ({}, "DISPLAY")],
)
def test_no_tool_names_the_fix(environ: dict[str, str], hint: str) -> None:
    with pytest.raises(SelectionToolMissingError, match=hint):
        detect_tools(environ, lambda name: None)


def test_wayland_reads_text_only_without_a_trailing_newline() -> None:
    fake = FakeClipboard(primary=b"from wayland")
    assert reader(fake, WL_TOOLS).read() == "from wayland"
    assert fake.calls[0] == ("wl-paste", "--primary", "--no-newline", "--type", "text")


def test_copy_first_reads_the_copy_and_restores_the_users_clipboard() -> None:
    fake = FakeClipboard(primary=None, clipboard=b"user's clipboard")
    pressed: list[bool] = []

    def app_copies() -> None:  # the focused app answers Ctrl+C
        pressed.append(True)
        fake.selections["clipboard"] = b"text in the app"

    assert reader(fake, copy_keystroke=app_copies).read(copy_first=True) == "text in the app"
    assert pressed == [True]
    assert fake.selections["clipboard"] == b"user's clipboard"


def test_copy_first_when_the_app_copies_nothing_falls_back_to_primary() -> None:
    fake = FakeClipboard(primary=b"highlighted", clipboard=b"user's clipboard")
    assert reader(fake, copy_keystroke=lambda: None).read(copy_first=True) == "highlighted"
    assert fake.selections["clipboard"] == b"user's clipboard"


def test_copy_first_is_x11_only() -> None:
    fake = FakeClipboard(primary=b"highlighted")
    pressed: list[bool] = []
    assert reader(fake, WL_TOOLS, copy_keystroke=lambda: pressed.append(True)).read(copy_first=True) == (
        "highlighted"
    )
    assert pressed == []


def test_copy_first_never_leaves_anything_of_ours_on_an_empty_clipboard() -> None:
    fake = FakeClipboard(primary=b"highlighted", clipboard=None)
    assert reader(fake, copy_keystroke=lambda: None).read(copy_first=True) == "highlighted"
    assert fake.selections["clipboard"] == b""


class BrokenWayland(FakeClipboard):
    """wl-paste cannot reach its display (a stale WAYLAND_DISPLAY); xclip reaches XWayland."""

    def __call__(self, argv: Sequence[str], *, input: bytes | None, timeout: float,
                 background: bool) -> subprocess.CompletedProcess[bytes]:
        if argv[0] == "wl-paste":
            self.calls.append(tuple(argv))
            return subprocess.CompletedProcess(list(argv), 1, b"", b"Failed to connect to a Wayland server\n")
        return super().__call__(argv, input=input, timeout=timeout, background=background)


def test_a_broken_wayland_connection_falls_back_to_the_x_server() -> None:
    fake = BrokenWayland(primary=b"read through XWayland")
    selection = SelectionReader(WL_TOOLS, runner=fake, timeout=0.2, fallback=XCLIP_TOOLS)
    assert selection.read() == "read through XWayland"
    assert [call[0] for call in fake.calls] == ["wl-paste", "xclip"]
    # ... and keeps to the tool that answered.
    assert selection.read("primary") == "read through XWayland"
    assert [call[0] for call in fake.calls] == ["wl-paste", "xclip", "xclip"]


def test_a_broken_wayland_connection_without_an_x_server_is_nothing_selected() -> None:
    fake = BrokenWayland(primary=b"unreachable")
    with pytest.raises(NothingSelectedError):
        SelectionReader(WL_TOOLS, runner=fake, timeout=0.2).read("primary")


def test_wayland_with_nothing_selected_does_not_ask_the_x_server() -> None:
    fake = FakeClipboard(primary=None, clipboard=b"copied")
    selection = SelectionReader(WL_TOOLS, runner=fake, timeout=0.2, fallback=XCLIP_TOOLS)
    assert selection.read() == "copied"
    assert {call[0] for call in fake.calls} == {"wl-paste"}
