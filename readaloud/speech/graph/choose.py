"""Which graph the engine loads: the prepared copy, preparing it first if needed, or the source."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from readaloud.speech.graph.prepare import find_prepared

log = logging.getLogger(__name__)

PREPARE_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class GraphChoice:
    """The model file to load, and whether it is the prepared copy (``note`` says why not)."""

    path: Path
    prepared: bool
    note: str


def choose_graph(source: Path, *, prepare_missing: bool = True, threads: int = 0) -> GraphChoice:
    """The prepared copy of ``source``; prepared now (a child process, logged) when missing or stale."""
    try:
        found = find_prepared(source)
    except OSError as error:
        return GraphChoice(source, False, f"cannot read the prepared copy ({error})")
    if found is not None:
        return GraphChoice(found, True, "prepared")
    if not prepare_missing:
        return GraphChoice(source, False, "no prepared copy")
    problem = _prepare_in_child(source, threads)
    if problem is None:
        found = find_prepared(source)
        if found is not None:
            return GraphChoice(found, True, "prepared now")
        problem = "the prepared copy did not appear"
    log.warning("using the model as downloaded, which is slower: %s; 'readaloud setup' tries again", problem)
    return GraphChoice(source, False, problem)


def _prepare_in_child(source: Path, threads: int) -> str | None:
    """Run ``python -m readaloud.speech.graph SOURCE``; None on success, else what went wrong.

    A child process because preparing holds the model twice in memory and a process that is
    resident afterwards would keep that memory (the allocator does not give it back).
    """
    command = [sys.executable, "-m", "readaloud.speech.graph", "--threads", str(threads), str(source)]
    log.info("preparing a faster copy of the model; this happens once per model")
    try:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except OSError as error:
        return f"cannot start the preparation ({error})"
    last: list[str] = []
    assert child.stderr is not None
    stream = child.stderr

    def relay() -> None:
        for line in stream:
            line = line.rstrip()
            if line:
                last[:] = [line]
                log.info("graph: %s", line)

    reader = threading.Thread(target=relay, name="readaloud-graph-log", daemon=True)
    reader.start()
    try:
        status = child.wait(timeout=PREPARE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        return f"preparing took longer than {PREPARE_TIMEOUT_S:.0f} s"
    reader.join(timeout=5)
    if status != 0:
        return last[0].removeprefix("readaloud: error: ") if last else f"the preparation exited with {status}"
    return None
