"""Run a real DesktopFrontend in its own process, with a recording stand-in for the daemon.

GTK initialises once per process and binds to one display, and pynput picks its backend at
import: each desktop test therefore gets a fresh process. The main thread plays the daemon loop
(it runs what the frontend posts); every action prints one JSON line on stdout:

    READY {"tray": ..., "backend": ..., "host_found": ..., "hotkeys": ..., "pygobject": ...}
    ACTION {"name": "set_voice", "args": ["bf_emma"]}
    ACTION {"name": "read_selection", "args": ["primary"], "text": "...", "ms": 4.2}

Commands on stdin: ``state <name>``, ``sentence <text>``, ``error <message>``, ``quit``.
With ``--echo`` voice/speed changes come back as listener events, as the real Reader sends them.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from readaloud.core import State
from readaloud.desktop.frontend import DesktopActions, DesktopFrontend, DesktopSettings
from readaloud.desktop.selection import SelectionReader
from readaloud.speech.types import Sentence


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-tray", action="store_true")
    parser.add_argument("--hotkey", default="<ctrl>+<alt>+r")
    parser.add_argument("--source", default="primary-then-clipboard")
    parser.add_argument("--voice", default="af_heart")
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--echo", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                        format="harness %(threadName)s %(name)s: %(message)s")

    tasks: queue.Queue[Callable[[], None] | None] = queue.Queue()
    out_lock = threading.Lock()

    def emit(kind: str, payload: dict[str, Any]) -> None:
        with out_lock:
            print(kind, json.dumps(payload), flush=True)

    frontend: DesktopFrontend | None = None
    reader = SelectionReader()

    def record(name: str) -> Callable[..., None]:
        def action(*values: Any) -> None:
            emit("ACTION", {"name": name, "args": list(values)})
            if args.echo and frontend is not None:
                if name == "set_voice":
                    frontend.on_voice_changed(values[0])
                elif name == "set_speed":
                    frontend.on_speed_changed(values[0])

        return action

    def read_selection(source: str) -> None:
        started = time.perf_counter()
        text = reader.read(source)  # NothingSelectedError flows to the frontend's notification path
        emit("ACTION", {"name": "read_selection", "args": [source], "text": text,
                        "ms": (time.perf_counter() - started) * 1000})

    def quit_() -> None:
        record("quit")()
        tasks.put(None)

    actions = DesktopActions(
        read_selection=read_selection, toggle_pause=record("toggle_pause"), stop=record("stop"),
        skip=record("skip"), back=record("back"), set_voice=record("set_voice"),
        set_speed=record("set_speed"), quit=quit_,
        open_config=record("open_config"),
    )
    settings = DesktopSettings(hotkeys={"read_selection": args.hotkey}, selection_source=args.source,
                               tray=not args.no_tray)
    frontend = DesktopFrontend(actions, tasks.put, settings, voice=args.voice, speed=args.speed)
    frontend.start()
    tray = frontend.tray
    emit("READY", {
        "tray": bool(tray and tray.running), "backend": tray.backend if tray else None,
        "host_found": tray.host_found if tray else False,
        "hotkeys": frontend.hotkeys.mechanism if frontend.hotkeys else None,
        "pygobject": _pygobject_importable(), "gi_loaded": "gi" in sys.modules,
    })

    def commands() -> None:
        assert frontend is not None
        for line in sys.stdin:
            word, _, rest = line.strip().partition(" ")
            if word == "state":
                tasks.put(functools.partial(frontend.on_state_changed, State(rest)))
            elif word == "sentence":
                tasks.put(functools.partial(frontend.on_sentence_started, 1, Sentence(0, rest, 0, len(rest))))
            elif word == "error":
                tasks.put(functools.partial(frontend.on_error, rest))
            elif word == "quit":
                break
        tasks.put(None)

    threading.Thread(target=commands, daemon=True).start()
    while (task := tasks.get()) is not None:
        task()
    frontend.stop()
    emit("STOPPED", {"gi_loaded": "gi" in sys.modules})
    return 0


def _pygobject_importable() -> bool:
    try:
        return importlib.util.find_spec("gi") is not None
    except ImportError:  # refused by tests/integration/no_pygobject
        return False


if __name__ == "__main__":
    sys.exit(main())
