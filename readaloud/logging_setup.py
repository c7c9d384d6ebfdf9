"""Logging for the CLI and the daemon: terse on a terminal, journald-friendly under systemd.

Under systemd, journald adds its own timestamps, so lines carry none; when stderr *is* the journal
(``JOURNAL_STREAM`` matches it) each line starts with a ``<N>`` syslog priority, which journald turns
into the entry's priority (``journalctl -p warning`` then works).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import IO

# Third-party loggers that are chatty at INFO; they stay at WARNING unless -vv.
_NOISY = ("phonemizer", "numba", "urllib3", "httpx", "huggingface_hub", "filelock", "asyncio", "PIL")

_SYSLOG_PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


class JournalFormatter(logging.Formatter):
    """Prefixes each line with ``<priority>`` (sd-daemon(3)) so journald records the level."""

    def format(self, record: logging.LogRecord) -> str:
        priority = next(
            (p for level, p in sorted(_SYSLOG_PRIORITY.items(), reverse=True) if record.levelno >= level), 7
        )
        text = super().format(record)
        # Continuation lines (tracebacks) get the prefix too, or journald files them as INFO.
        return "\n".join(f"<{priority}>{line}" for line in text.splitlines())


def stream_is_journal(stream: IO[str], environ: Mapping[str, str]) -> bool:
    """Whether ``stream`` is connected to journald, per the ``JOURNAL_STREAM=dev:inode`` contract."""
    value = environ.get("JOURNAL_STREAM", "")
    device, _, inode = value.partition(":")
    if not (device.isdigit() and inode.isdigit()):
        return False
    try:
        stat = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (stat.st_dev, stat.st_ino) == (int(device), int(inode))


def under_systemd(environ: Mapping[str, str]) -> bool:
    """Whether systemd started this process: it sets ``INVOCATION_ID`` (and ``JOURNAL_STREAM``)."""
    return bool(environ.get("INVOCATION_ID") or environ.get("JOURNAL_STREAM"))


def level_for(verbose: int, quiet: bool, *, daemon: bool = False) -> int:
    """``-q`` → errors only; default → warnings (the daemon: info); each ``-v`` one step more."""
    if quiet:
        return logging.ERROR
    steps = [logging.WARNING, logging.INFO, logging.DEBUG]
    start = 1 if daemon else 0
    return steps[min(start + verbose, len(steps) - 1)]


def setup_logging(
    verbose: int = 0,
    quiet: bool = False,
    *,
    daemon: bool = False,
    stream: IO[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> logging.Handler:
    """Configure the root logger once per process (calling again replaces the handler); returns it.

    The CLI calls this with ``-v``/``-q``; ``readaloud daemon`` passes ``daemon=True`` so that it logs
    INFO by default and, when run in a terminal, time-stamps its lines.
    """
    stream = stream if stream is not None else sys.stderr
    environ = environ if environ is not None else os.environ
    formatter: logging.Formatter
    if stream_is_journal(stream, environ):
        formatter = JournalFormatter("%(name)s: %(message)s")
    elif under_systemd(environ):
        formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    elif daemon:
        formatter = logging.Formatter("%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s",
                                      "%H:%M:%S")
    else:
        formatter = logging.Formatter("readaloud: %(levelname)s: %(message)s")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.set_name("readaloud")

    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "readaloud"]:
        root.removeHandler(old)
    root.addHandler(handler)
    level = level_for(verbose, quiet, daemon=daemon)
    root.setLevel(level)
    noisy_level = logging.NOTSET if verbose >= 2 else max(level, logging.WARNING)
    for name in _NOISY:
        logging.getLogger(name).setLevel(noisy_level)
    logging.captureWarnings(True)
    return handler
