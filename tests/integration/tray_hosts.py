"""Real tray hosts, each on its own Xvfb and session bus, for the tray tests and the docs screenshot.

- xfce4-panel (Debian's 4.18) with only its status tray plugin: a real StatusNotifierWatcher and
  host that draws the item's pixmaps and shows its menu through libdbusmenu-gtk3.
- trayer: an X11 system tray (XEmbed) and nothing else.

The session bus is started with the session's XDG folders, so the panel's settings daemon
(xfconfd, started by D-Bus activation) reads the panel layout from tests/data/xfce4-panel.xml and
never touches the user's own settings.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readaloud.desktop.tray_menu import MenuEntry
from tests.support.xvfb import start_xvfb

REPO = Path(__file__).resolve().parents[2]
PANEL_CONFIG = REPO / "tests" / "data" / "xfce4-panel.xml"
NO_PYGOBJECT = REPO / "tests" / "integration" / "no_pygobject"
WATCHER = "org.kde.StatusNotifierWatcher"
PANEL_HEIGHT = 40  # the panel (32 px, top of the screen) lies within this band


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def need(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise AssertionError(f"missing tools for the tray host tests: {', '.join(missing)} "
                             "(.ci/run installs them)")


@dataclass
class XSession:
    """A private X server and session bus; ``env`` points programs at both."""

    root: Path
    env: dict[str, str]
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)

    def run(self, *argv: str, timeout: float = 10) -> str:
        # errors="replace": window names are Latin-1 (the plain X11 icon's has a "·").
        return subprocess.run(list(argv), env=self.env, capture_output=True, text=True, errors="replace",
                              timeout=timeout, check=True).stdout

    def screenshot(self, path: Path | None = None) -> Any:
        from PIL import Image

        target = path or self.root / "screen.png"
        self.run("import", "-window", "root", str(target), timeout=20)
        with Image.open(target) as image:
            return image.convert("RGB")

    def owned(self, name: str) -> bool:
        out = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
             "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
            env=self.env, capture_output=True, text=True, timeout=5, check=False).stdout
        return "boolean true" in out

    def start(self, argv: Sequence[str], log_name: str,
              env: dict[str, str] | None = None) -> subprocess.Popen[Any]:
        with open(self.root / log_name, "ab") as log:
            process = subprocess.Popen(list(argv), env=env or self.env, stdout=log, stderr=log)
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.root / name
        return path.read_text(errors="replace") if path.exists() else f"(no {name})"

    def children_of(self, window_name: str) -> int:
        """How many child windows the top-level window named ``window_name`` has (xwininfo)."""
        tree = self.run("xwininfo", "-root", "-tree")
        match = re.search(rf'^(\s*)0x[0-9a-f]+ "{re.escape(window_name)}": .*\n\s*(\d+) child', tree, re.M)
        return int(match.group(2)) if match else 0

    def keys(self, *keys: str, pause: float = 0.4) -> None:
        for key in keys:
            self.run("xdotool", "key", key)
            time.sleep(pause)


@contextlib.contextmanager
def x_session(root: Path, size: str = "1280x800x24") -> Iterator[XSession]:
    need("Xvfb", "dbus-daemon", "dbus-send", "xdotool", "xwininfo", "import")
    root.mkdir(parents=True, exist_ok=True)
    runtime = root / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "PYSTRAY_BACKEND",
                        "XDG_CURRENT_DESKTOP", "SESSION_MANAGER")}
    env.update(HOME=str(root / "home"), XDG_CONFIG_HOME=str(root / "config"),
               XDG_CACHE_HOME=str(root / "cache"), XDG_DATA_HOME=str(root / "data"),
               XDG_STATE_HOME=str(root / "state"),
               XDG_RUNTIME_DIR=str(runtime), XDG_SESSION_TYPE="x11", NO_AT_BRIDGE="1", GTK_A11Y="none")
    session = XSession(root, env)
    xvfb, env["DISPLAY"] = start_xvfb(size, log=root / "Xvfb.log")
    session.processes.append(xvfb)
    bus_pid = None
    try:
        bus = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
                             env=env, capture_output=True, text=True, timeout=10, check=True)
        address, pid = bus.stdout.split()[:2]
        bus_pid = int(pid)
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        yield session
    finally:
        for process in reversed(session.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        if bus_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(bus_pid, signal.SIGTERM)  # also ends xfconfd, which it started


def without_pygobject(env: dict[str, str]) -> dict[str, str]:
    """``env`` in which ``import gi`` fails, as after a plain ``pip install .``."""
    paths = [str(NO_PYGOBJECT), str(REPO), env.get("PYTHONPATH", "")]
    return dict(env, PYTHONPATH=os.pathsep.join(p for p in paths if p))


@contextlib.contextmanager
def xfce_panel(session: XSession) -> Iterator[subprocess.Popen[Any]]:
    """xfce4-panel with only its status tray; yields once its StatusNotifierWatcher is on the bus."""
    need("xfce4-panel")
    channel = Path(session.env["XDG_CONFIG_HOME"]) / "xfce4" / "xfconf" / "xfce-perchannel-xml"
    channel.mkdir(parents=True, exist_ok=True)
    shutil.copy(PANEL_CONFIG, channel / "xfce4-panel.xml")
    panel = session.start(["xfce4-panel", "--disable-wm-check"], "xfce4-panel.log")
    try:
        if not wait_for(lambda: session.owned(WATCHER), 30):
            log = (session.root / "xfce4-panel.log").read_text(errors="replace")
            raise AssertionError(f"xfce4-panel never offered a StatusNotifierWatcher:\n{log}")
        yield panel
    finally:
        stop(panel)


@contextlib.contextmanager
def trayer(session: XSession) -> Iterator[subprocess.Popen[Any]]:
    """trayer (an XEmbed system tray, top right); yields once it owns the tray selection."""
    from readaloud.desktop.tray_path import xembed_tray_running

    need("trayer")
    argv = ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "32",
            "--SetDockType", "true"]
    # trayer is the test's host, not what it tests: a start that ends before it takes the selection
    # (CI saw one exit with status 1 once in many runs) is retried; each try's log is kept for the message.
    if xembed_tray_running(session.env):
        raise AssertionError("a tray owns the selection before trayer starts (a host left over from "
                             f"another test?):\n{session.run('xwininfo', '-root', '-tree')}")
    for attempt in range(1, 4):
        process = session.start(argv, f"trayer{attempt}.log")
        wait_for(lambda p=process: xembed_tray_running(session.env) or p.poll() is not None, 15)
        if process.poll() is None and xembed_tray_running(session.env):
            break
        stop(process)
    else:
        logs = "\n".join(f"try {n}: {session.log(f'trayer{n}.log')}" for n in range(1, 4))
        xvfb_state = "running" if session.processes[0].poll() is None else "gone"
        raise AssertionError(f"trayer never took the tray selection (last exit status {process.returncode}; "
                             f"Xvfb {xvfb_state}):\n{logs}\nXvfb: {session.log('Xvfb.log')}")
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@dataclass
class BusMonitor:
    """``dbus-monitor`` recording the method calls made to the tray's objects."""

    session: XSession
    paths: tuple[str, ...] = ("/StatusNotifierItem", "/MenuBar")
    process: subprocess.Popen[Any] | None = None

    def __enter__(self) -> BusMonitor:
        rules = [f"type='method_call',path='{path}'" for path in self.paths]
        self.log = self.session.root / "monitor.log"
        self.process = self.session.start(["dbus-monitor", *rules], "monitor.log")
        time.sleep(0.3)  # dbus-monitor is listening once it has become a monitor
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            stop(self.process)

    def calls(self, path: str) -> list[str]:
        """The members called on ``path`` so far, in order."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return re.findall(rf"method call .* path={re.escape(path)}; interface=\S+; member=(\w+)", text)


def find_colour(image: Any, colour: tuple[int, int, int], box: tuple[int, int, int, int],
                tolerance: int = 12, least: int = 20) -> tuple[int, int] | None:
    """The centre of the pixels of ``colour`` inside ``box`` (x0, y0, x1, y1), if there are ``least``."""
    region = image.crop(box).convert("RGB")
    data = region.tobytes()
    xs: list[int] = []
    ys: list[int] = []
    red, green, blue = colour
    for index in range(0, len(data), 3):
        if abs(data[index] - red) + abs(data[index + 1] - green) + abs(data[index + 2] - blue) <= tolerance:
            xs.append(index // 3 % region.width)
            ys.append(index // 3 // region.width)
    if len(xs) < least:
        return None
    return box[0] + sum(xs) // len(xs), box[1] + sum(ys) // len(ys)


def menu_keys(entries: tuple[MenuEntry, ...], labels: Sequence[str]) -> list[str]:
    """The keys that walk a GTK menu to the item at ``labels``: Down moves over the items one can
    select (not separators, not greyed-out ones); Right opens a submenu on its first item."""
    keys: list[str] = []
    for depth, label in enumerate(labels):
        selectable = [e for e in entries if not e.is_separator and e.enabled]
        index = next(i for i, e in enumerate(selectable) if e.label == label)
        keys += ["Down"] * (index + 1) if depth == 0 else ["Right"] + ["Down"] * index
        entries = selectable[index].submenu
    return keys


def menu_screenshot(target: Path) -> None:
    """docs/tray-menu.png: the menu open in xfce4-panel while reading, Voice ▸ English (US) open."""
    import sys
    import tempfile

    from readaloud.desktop.icons import FILL, IconState
    from readaloud.desktop.tray_menu import TrayCommands, TrayView, build_menu

    with tempfile.TemporaryDirectory(prefix="tray-screenshot-") as tmp, x_session(Path(tmp)) as session, \
            xfce_panel(session):
        _paint_desktop(session, DESKTOP)
        frontend = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.desktop_harness"], cwd=REPO, text=True,
            env=without_pygobject(session.env), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert frontend.stdin is not None and frontend.stdout is not None
        try:
            assert frontend.stdout.readline().startswith("READY")
            frontend.stdin.write("state speaking\nsentence The quick brown fox jumps over the lazy dog.\n")
            frontend.stdin.flush()
            colour = FILL[IconState.SPEAKING]
            icon = wait_for(lambda: find_colour(session.screenshot(), colour, (0, 0, 1280, PANEL_HEIGHT)), 20)
            assert icon, "the icon never showed in the panel"
            session.run("xdotool", "mousemove", str(icon[0]), str(icon[1]), "click", "3")
            time.sleep(1.5)
            entries = build_menu(TrayView(state="speaking"), TrayCommands(*[lambda *_: None] * 10))
            session.keys(*menu_keys(entries, ["Voice", "English (US) •", "Heart (US, female)"]))
            time.sleep(0.5)
            image = session.screenshot()
            from PIL import Image, ImageChops

            below = image.crop((0, PANEL_HEIGHT, image.width, image.height))
            box = ImageChops.difference(below, Image.new("RGB", below.size, DESKTOP)).getbbox()
            assert box, "no menu on the screen"
            right, bottom = min(image.width, box[2] + 12), min(image.height, PANEL_HEIGHT + box[3] + 12)
            image.crop((0, 0, right, bottom)).save(target, optimize=True)
        finally:
            if frontend.poll() is None:
                frontend.stdin.write("quit\n")
                frontend.stdin.flush()
                frontend.wait(10)


DESKTOP = (59, 66, 82)  # a desktop-like background behind the menu, instead of Xvfb's black


def _paint_desktop(session: XSession, colour: tuple[int, int, int]) -> None:
    from Xlib import display

    dpy = display.Display(session.env["DISPLAY"])
    try:
        root = dpy.screen().root
        red, green, blue = colour
        root.change_attributes(background_pixel=(red << 16) | (green << 8) | blue)  # 24-bit TrueColor
        root.clear_area()
        dpy.sync()
    finally:
        dpy.close()


if __name__ == "__main__":
    import sys

    menu_screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/tray-menu.png"))
