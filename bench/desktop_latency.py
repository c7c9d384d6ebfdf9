"""Desktop latency: time to read the selection, and from key press to the hotkey callback.

    .venv/bin/python bench/desktop_latency.py [--repeat 30]

Starts its own Xvfb (so it runs headless and leaves your session alone), serves PRIMARY/CLIPBOARD
with xclip, and prints a Markdown table of median and 90th-percentile times. "highlight → hotkey →
first sound" is the hotkey latency plus the selection read plus `readaloud say`'s time to first
sound for the same text.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Callable

from readaloud.desktop.selection import XCLIP_TOOLS, XSEL_TOOLS, SelectionReader

SENTENCE = "Highlight any text, press the key, and hear it read aloud."


def start_xvfb() -> subprocess.Popen[str]:
    proc = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    os.environ["DISPLAY"] = ":" + proc.stdout.readline().strip()
    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        os.environ.pop(name, None)
    return proc


def serve(which: str, text: str) -> None:
    subprocess.run(["xclip", "-selection", which], input=text.encode(), check=True, timeout=10,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def clear(which: str) -> None:
    subprocess.run(["xsel", f"--{which}", "--clear"], check=False, timeout=10)


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def hotkey_latency(repeat: int) -> list[float]:
    """Key press injected with XTest → pynput GlobalHotKeys callback, in ms.

    Ctrl and Alt go down first; the clock starts when the R press is flushed to the X server, as
    when a finger lands on the last key of the combination.
    """
    from pynput import keyboard
    from Xlib import XK, X, display
    from Xlib.ext import xtest

    fired = threading.Event()
    listener = keyboard.GlobalHotKeys({"<ctrl>+<alt>+r": fired.set})
    listener.start()
    listener.wait()
    dpy = display.Display()
    codes = [dpy.keysym_to_keycode(XK.string_to_keysym(name)) for name in ("Control_L", "Alt_L", "r")]
    samples = []
    try:
        for _ in range(repeat):
            fired.clear()
            for code in codes[:2]:
                xtest.fake_input(dpy, X.KeyPress, code)
            dpy.sync()
            time.sleep(0.02)
            started = time.perf_counter()
            xtest.fake_input(dpy, X.KeyPress, codes[2])
            dpy.sync()
            if fired.wait(5):
                samples.append((time.perf_counter() - started) * 1000)
            for code in reversed(codes):
                xtest.fake_input(dpy, X.KeyRelease, code)
            dpy.sync()
            time.sleep(0.05)
    finally:
        listener.stop()
        # pynput's X11 listener only notices stop() at the next input event: send a harmless one.
        xtest.fake_input(dpy, X.KeyPress, codes[0])
        xtest.fake_input(dpy, X.KeyRelease, codes[0])
        dpy.sync()
        listener.join(5)
        dpy.close()
    return samples


def row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"| {name} | {len(samples)} | {statistics.median(samples):.1f} | {p90:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    xvfb = start_xvfb()
    try:
        xclip, xsel = SelectionReader(XCLIP_TOOLS), SelectionReader(XSEL_TOOLS)
        rows = []
        serve("primary", SENTENCE)
        rows.append(row("read PRIMARY, one sentence (xclip)", timed(lambda: xclip.read(), args.repeat)))
        rows.append(row("read PRIMARY, one sentence (xsel)", timed(lambda: xsel.read(), args.repeat)))
        serve("primary", SENTENCE * 800)  # ~47 kB, a long article
        rows.append(row("read PRIMARY, 47 kB (xclip)", timed(lambda: xclip.read(), args.repeat)))
        clear("primary")
        serve("clipboard", SENTENCE)
        rows.append(row("empty PRIMARY → CLIPBOARD fallback (xclip)",
                        timed(lambda: xclip.read(), args.repeat)))
        rows.append(row("hotkey press → callback (pynput on X11)", hotkey_latency(args.repeat)))
        print("| step | runs | median ms | p90 ms |\n| --- | ---: | ---: | ---: |")
        print("\n".join(rows))
    finally:
        xvfb.terminate()
        xvfb.wait(10)


if __name__ == "__main__":
    main()
