"""Counts libasound's error messages instead of letting ALSA print them to stderr.

PortAudio reaches PulseAudio and PipeWire through ALSA, and libasound prints its complaints
("ALSA lib pcm.c:…:(snd_pcm_recover) underrun occurred", device probing errors) straight to the
process's stderr: under load a daemon log filled with thousands of such lines. An error handler
installed with ``snd_lib_error_set_handler`` counts them instead; the player counts the under-runs
that listeners hear per job (``core.Underruns``). Without libasound (another platform) nothing is
installed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

# void handler(const char *file, int line, const char *function, int err, const char *fmt, ...);
# The variadic arguments are not declared: the handler only looks at ``fmt``.
_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                 ctypes.c_char_p)


@dataclass(frozen=True)
class AlsaCounts:
    """libasound messages swallowed since :func:`install`, and how many were under-runs."""

    messages: int = 0
    underruns: int = 0


_lock = threading.Lock()
_messages = 0
_underruns = 0
_installed: object | None = None  # the ctypes callback: must stay referenced while libasound holds it
_tried = False


def _count(file: bytes | None, line: int, function: bytes | None, err: int, fmt: bytes | None) -> None:
    # Called on whichever thread libasound complains from (often PortAudio's audio thread):
    # count and return, never log here.
    global _messages, _underruns
    _messages += 1
    if fmt is not None and b"underrun" in fmt:
        _underruns += 1


def install() -> bool:
    """Route libasound's messages to the counter (once per process); False without libasound."""
    global _installed, _tried
    with _lock:
        if _tried:
            return _installed is not None
        _tried = True
        name = ctypes.util.find_library("asound")
        if name is None:
            log.debug("libasound not found; ALSA messages are not intercepted")
            return False
        try:
            library = ctypes.CDLL(name)
            handler = _HANDLER_TYPE(_count)
            library.snd_lib_error_set_handler.argtypes = [_HANDLER_TYPE]
            library.snd_lib_error_set_handler.restype = ctypes.c_int
            result = library.snd_lib_error_set_handler(handler)
        except (OSError, AttributeError) as error:
            log.debug("cannot intercept ALSA messages: %s", error)
            return False
        if result != 0:
            log.debug("snd_lib_error_set_handler failed (%d)", result)
            return False
        _installed = handler
        return True


def counts() -> AlsaCounts:
    """What libasound reported since :func:`install` (increments may race; these are statistics)."""
    return AlsaCounts(_messages, _underruns)
