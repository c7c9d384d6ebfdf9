"""A private Xvfb on a display number it picks itself (``-displayfd``), for tests and benchmarks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any


def start_xvfb(size: str = "1280x800x24", log: Path | None = None) -> tuple[subprocess.Popen[Any], str]:
    """Start Xvfb and wait until it serves; returns the process (the caller ends it) and ``":N"``.

    ``log`` receives Xvfb's output (otherwise it is discarded) and is quoted if it fails to start.
    """
    read_end, write_end = os.pipe()
    with open(log, "ab") if log else open(os.devnull, "wb") as output:
        process = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", size,
                                    "-nolisten", "tcp"], pass_fds=(write_end,), stdout=output, stderr=output)
    os.close(write_end)
    with os.fdopen(read_end) as display:
        number = display.readline().strip()  # written once it accepts clients; EOF if it died
    if not number.isdigit():
        process.terminate()
        process.wait(10)
        said = log.read_text(errors="replace") if log and log.exists() else "(output not kept)"
        raise AssertionError(f"Xvfb did not report a display number:\n{said}")
    return process, f":{number}"
