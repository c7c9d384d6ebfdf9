"""Which Python versions readaloud is tested on, and which the optional ``kokoro`` package installs on.

The plain install (onnx engine) is tested on 3.10-3.14. The torch engine runs the ``kokoro`` package's
``KModel``, and kokoro (through misaki) declares ``Requires-Python <3.13``, so ``readaloud[torch]``
leaves it out on 3.13 and newer (an environment marker in pyproject.toml) and the torch engine says so.
"""

from __future__ import annotations

import sys

TESTED = ((3, 10), (3, 14))  # oldest and newest, both included
KOKORO_NEWEST = (3, 12)


def _text(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def tested_range() -> str:
    return f"{_text(TESTED[0])}–{_text(TESTED[1])}"


def current() -> tuple[int, int]:
    return sys.version_info[0], sys.version_info[1]


def is_tested(version: tuple[int, int]) -> bool:
    return TESTED[0] <= version <= TESTED[1]


def kokoro_installs_on(version: tuple[int, int]) -> bool:
    return TESTED[0] <= version <= KOKORO_NEWEST


def kokoro_fix(version: tuple[int, int]) -> str:
    """How to get the ``kokoro`` package (for the torch engine) on this Python, in one line."""
    if kokoro_installs_on(version):
        return "`pip install 'readaloud[torch]'`"
    return (
        f"the kokoro package needs Python {_text(TESTED[0])}–{_text(KOKORO_NEWEST)} (this is "
        f'{_text(version)}): set [speech] engine = "onnx", or install readaloud[torch] in a Python '
        f"{_text(KOKORO_NEWEST)} venv"
    )
