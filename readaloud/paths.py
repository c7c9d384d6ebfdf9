"""XDG locations for config, cache (models), state and runtime files."""

from __future__ import annotations

import os
from pathlib import Path

APP = "readaloud"


def _xdg(var: str, default: str) -> Path:
    value = os.environ.get(var)
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / default


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / APP


def config_file() -> Path:
    return config_dir() / "config.toml"


def cache_dir() -> Path:
    """Where models and voices live (``$XDG_CACHE_HOME/readaloud``)."""
    return _xdg("XDG_CACHE_HOME", ".cache") / APP


def state_dir() -> Path:
    return _xdg("XDG_STATE_HOME", ".local/state") / APP


def runtime_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and os.path.isabs(base):
        return Path(base) / APP
    return cache_dir() / "run"
