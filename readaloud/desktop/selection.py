"""Read the text the user selected (PRIMARY) or copied (CLIPBOARD), on X11 or Wayland.

Every external tool runs with a timeout: an application that owns the selection and hangs must not
hang the daemon. Nothing read here is ever logged above DEBUG, and then only its length.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from readaloud.errors import NothingSelectedError, SelectionToolMissingError, UsageError, echo
from readaloud.values import SELECTION_SOURCES

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 2.0


class Runner(Protocol):
    """How external programs are run: :func:`run_external` in production, a fake in unit tests."""

    def __call__(
        self, argv: Sequence[str], *, input: bytes | None, timeout: float, background: bool
    ) -> subprocess.CompletedProcess[bytes]: ...


def run_external(
    argv: Sequence[str], *, input: bytes | None, timeout: float, background: bool
) -> subprocess.CompletedProcess[bytes]:
    if background:
        # xclip/wl-copy fork a child that serves the selection until another owner takes it:
        # never wait on its pipes.
        return subprocess.run(
            list(argv), input=input, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=timeout, check=False,
        )
    return subprocess.run(list(argv), input=input, capture_output=True, timeout=timeout, check=False)


@dataclass(frozen=True)
class Tools:
    """The clipboard programs for one session type; argv prefixes keyed by what they do."""

    kind: str  # "wayland" | "x11-xclip" | "x11-xsel"
    read_primary: tuple[str, ...]
    read_clipboard: tuple[str, ...]
    write_clipboard: tuple[str, ...]

    @property
    def is_x11(self) -> bool:
        return self.kind.startswith("x11")


WL_TOOLS = Tools(
    "wayland",
    ("wl-paste", "--primary", "--no-newline", "--type", "text"),
    ("wl-paste", "--no-newline", "--type", "text"),
    ("wl-copy",),
)
XCLIP_TOOLS = Tools(
    "x11-xclip",
    ("xclip", "-o", "-selection", "primary"),
    ("xclip", "-o", "-selection", "clipboard"),
    ("xclip", "-i", "-selection", "clipboard"),
)
XSEL_TOOLS = Tools(
    "x11-xsel",
    ("xsel", "--primary", "--output"),
    ("xsel", "--clipboard", "--output"),
    ("xsel", "--clipboard", "--input"),
)


def x11_tools(
    environ: Mapping[str, str] | None = None, which: Callable[[str], str | None] = shutil.which
) -> Tools | None:
    """xclip (else xsel) where an X server is reachable, also on Wayland (XWayland); else None."""
    environ = os.environ if environ is None else environ
    if not environ.get("DISPLAY"):
        return None
    if which("xclip"):
        return XCLIP_TOOLS
    if which("xsel"):
        return XSEL_TOOLS
    return None


def detect_tools(
    environ: Mapping[str, str] | None = None, which: Callable[[str], str | None] = shutil.which
) -> Tools:
    """Pick the tools for this session: wl-clipboard on Wayland, else xclip, else xsel on X11."""
    environ = os.environ if environ is None else environ
    if environ.get("WAYLAND_DISPLAY") and which("wl-paste"):
        return WL_TOOLS
    if environ.get("DISPLAY"):
        if which("xclip"):
            return XCLIP_TOOLS
        if which("xsel"):
            return XSEL_TOOLS
        if environ.get("WAYLAND_DISPLAY"):
            raise SelectionToolMissingError(
                "cannot read the selection: install wl-clipboard (wl-paste) or xclip"
            )
        raise SelectionToolMissingError("cannot read the selection: install xclip or xsel")
    if environ.get("WAYLAND_DISPLAY"):
        raise SelectionToolMissingError(
            "cannot read the selection: install wl-clipboard (it provides wl-paste)"
        )
    raise SelectionToolMissingError(
        "cannot read the selection: no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    )


class SelectionReader:
    """Reads PRIMARY and CLIPBOARD through :class:`Tools`, each call bounded by ``timeout``."""

    def __init__(
        self,
        tools: Tools | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        runner: Runner | None = None,
        copy_keystroke: Callable[[], None] | None = None,
        fallback: Tools | None = None,
    ) -> None:
        """``fallback``: X11 tools to use when the Wayland ones cannot reach their display (found
        from the environment when ``tools`` are)."""
        self._tools = tools
        self._fallback = fallback if fallback is not None or tools is not None else x11_tools()
        self._timeout = timeout
        self._run: Runner = runner or run_external
        self._copy_keystroke = copy_keystroke or _xdotool_copy(self._run, timeout)

    @property
    def tools(self) -> Tools:
        if self._tools is None:
            self._tools = detect_tools()
        return self._tools

    def read(self, source: str = "primary-then-clipboard", *, copy_first: bool = False) -> str:
        """The selected text; raises :class:`NothingSelectedError` if there is none.

        ``copy_first`` (X11 only) first sends Ctrl+C to the focused window, for applications that
        never set PRIMARY, and puts the user's clipboard back afterwards.
        """
        if source not in SELECTION_SOURCES:
            choices = ", ".join(SELECTION_SOURCES)
            raise UsageError(f"unknown selection source {echo(source)}; use one of: {choices}")
        if copy_first and source != "clipboard":
            if self.tools.is_x11:
                copied = self._copy_then_restore()
                if copied is not None:
                    return copied
                log.debug("copy-first found nothing new on the clipboard; reading %s", source)
            else:
                log.debug("copy-first works on X11 only; reading %s", source)
        if source == "clipboard":
            return self._require(self._clipboard(), "the clipboard is empty")
        text = self._primary()
        if text is not None or source == "primary":
            return self._require(text, "nothing selected: highlight some text first")
        return self._require(
            self._clipboard(), "nothing selected: highlight or copy some text first"
        )

    @staticmethod
    def _require(text: str | None, message: str) -> str:
        if text is None:
            raise NothingSelectedError(message)
        return text

    def _primary(self) -> str | None:
        return self._read(self.tools.read_primary, "primary")

    def _clipboard(self) -> str | None:
        return self._read(self.tools.read_clipboard, "clipboard")

    def _read(self, argv: Sequence[str], what: str) -> str | None:
        result = self._run_read(argv, what)
        if result is None:
            return None
        if result.returncode != 0 and self._wayland_unreachable(result):
            fallback = self._fallback
            if fallback is None:
                log.debug("%s cannot reach the Wayland display and no X11 tool is available", argv[0])
                return None
            # A stale or wrong WAYLAND_DISPLAY, but an X server (XWayland) answers: use that.
            log.debug("%s cannot reach the Wayland display; trying %s", argv[0], fallback.kind)
            self._tools, self._fallback = fallback, None
            x11_argv = fallback.read_primary if what == "primary" else fallback.read_clipboard
            result = self._run_read(x11_argv, what)
            if result is None:
                return None
            argv = x11_argv
        if result.returncode != 0:
            log.debug("%s: no %s selection (exit %d)", argv[0], what, result.returncode)
            return None
        text = result.stdout.decode("utf-8", errors="replace")
        log.debug("%s answered with %d characters of %s", argv[0], len(text), what)
        return text if text.strip() else None

    def _wayland_unreachable(self, result: subprocess.CompletedProcess[bytes]) -> bool:
        if self._tools is None or self._tools.kind != "wayland":
            return False
        message = (result.stderr or b"").decode("utf-8", errors="replace").lower()
        return "connect" in message and "wayland" in message

    def _run_read(self, argv: Sequence[str], what: str) -> subprocess.CompletedProcess[bytes] | None:
        """Run one reading tool; None when it timed out (treated as nothing selected)."""
        started = time.monotonic()
        try:
            result = self._run(argv, input=None, timeout=self._timeout, background=False)
        except subprocess.TimeoutExpired:
            # The owning application did not answer: treat as empty rather than hang or fail.
            log.warning("reading the %s selection timed out after %.1f s", what, self._timeout)
            return None
        except FileNotFoundError as error:
            raise SelectionToolMissingError(
                f"cannot read the selection: {argv[0]} is not installed"
            ) from error
        log.debug("%s took %.1f ms (exit %d)", argv[0], (time.monotonic() - started) * 1000,
                  result.returncode)
        return result

    def _copy_then_restore(self) -> str | None:
        """Ctrl+C into the clipboard, read it, and give the user back their own clipboard."""
        saved = self._clipboard()
        sentinel = f"readaloud-copy-{uuid.uuid4()}"
        self._write_clipboard(sentinel)
        try:
            self._copy_keystroke()
            copied: str | None = None
            deadline = time.monotonic() + self._timeout
            while time.monotonic() < deadline:
                current = self._clipboard()
                if current is not None and current != sentinel:
                    copied = current
                    break
                time.sleep(0.02)
        finally:
            # An empty clipboard cannot be restored as such; empty text is the closest, and it
            # never leaves our sentinel behind.
            self._write_clipboard(saved if saved is not None else "")
        return copied

    def _write_clipboard(self, text: str) -> None:
        try:
            self._run(
                self.tools.write_clipboard, input=text.encode("utf-8"), timeout=self._timeout,
                background=True,
            )
        except (subprocess.TimeoutExpired, FileNotFoundError) as error:
            log.warning("could not write the clipboard: %s", type(error).__name__)


def _xdotool_copy(run: Runner, timeout: float) -> Callable[[], None]:
    def press() -> None:
        # --clearmodifiers releases the hotkey's Ctrl/Alt (still held while it fires) so the
        # window receives Ctrl+C and not Ctrl+Alt+C, and presses them again afterwards.
        try:
            run(("xdotool", "key", "--clearmodifiers", "ctrl+c"), input=None, timeout=timeout,
                background=False)
        except FileNotFoundError as error:
            raise SelectionToolMissingError(
                "selection.copy_first needs xdotool: install it or set copy_first = false"
            ) from error
        except subprocess.TimeoutExpired:
            log.warning("xdotool did not finish sending Ctrl+C within %.1f s", timeout)

    return press


def read_selection(
    source: str = "primary-then-clipboard", *, copy_first: bool = False, timeout: float = DEFAULT_TIMEOUT
) -> str:
    """Read the selection with the tools of the current session (see :class:`SelectionReader`)."""
    return SelectionReader(timeout=timeout).read(source, copy_first=copy_first)
