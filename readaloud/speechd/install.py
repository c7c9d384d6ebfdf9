"""``readaloud install-speechd``: make readaloud a Speech Dispatcher voice for this user.

Speech Dispatcher (0.10 and later) finds output modules by themselves: every ``sd_*`` program in
its module folders is loaded, and ``~/.local/libexec/speech-dispatcher-modules`` (precisely
``$XDG_DATA_HOME/../libexec/…``) is one of them. So installing needs no system file:

1. ``sd_readaloud`` in that folder: a link to the installed console script, or, when there is
   none (a source checkout), a small script running ``python -m readaloud.speechd``;
2. ``~/.config/speech-dispatcher/modules/readaloud.conf``, the module's configuration (comments:
   readaloud's own config file holds its settings);
3. a marked block in ``~/.config/speech-dispatcher/speechd.conf``. When the user has no such file
   one is created that first includes the system's ``speechd.conf``, so every system setting and
   module (espeak-ng…) stays as it was. The block holds ``DefaultModule readaloud`` with
   ``--default``, and an ``AddModule`` line only when the file lists its modules itself (Speech
   Dispatcher then detects none).

``--uninstall`` removes all three (and the created ``speechd.conf`` if nothing else was added).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from readaloud.errors import ReadaloudError

MODULE_NAME = "readaloud"
MODULE_PROGRAM = "sd_readaloud"
SYSTEM_SPEECHD_CONF = Path("/etc/speech-dispatcher/speechd.conf")
BLOCK_BEGIN = "# BEGIN readaloud"
BLOCK_END = "# END readaloud"
CREATED_NOTE = "# Created by `readaloud install-speechd`: the system's settings, then readaloud's block."
_WRAPPER_NOTE = "# Written by `readaloud install-speechd`: Speech Dispatcher's output module for readaloud."
_BLOCK = re.compile(rf"\n?{re.escape(BLOCK_BEGIN)}.*?{re.escape(BLOCK_END)}[^\n]*\n?", re.DOTALL)
_ADD_MODULE = re.compile(r"^\s*AddModule\s", re.MULTILINE | re.IGNORECASE)
_DEFAULT_MODULE = re.compile(r"^\s*DefaultModule\s+\"?([\w.-]+)", re.MULTILINE | re.IGNORECASE)

CHROMIUM_NOTE = (
    "Chromium and Chrome use Speech Dispatcher only when started with --enable-speech-dispatcher\n"
    "  (for example in ~/.config/chromium-flags.conf, or CHROMIUM_FLAGS in /etc/chromium.d/ on Debian)."
)
ORCA_NOTE = (
    "Orca: keep its fast keyboard echo on espeak-ng (Orca's Voice settings, or a BeginClient \"*:orca:*\"\n"
    "  section with DefaultModule espeak-ng in speechd.conf) and use readaloud for reading."
)


@dataclass(frozen=True)
class SpeechdPaths:
    """Where Speech Dispatcher looks for a user's modules and configuration."""

    data_home: Path
    module: Path
    module_config: Path
    speechd_conf: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SpeechdPaths:
        home = Path(environ.get("HOME") or Path.home())

        def xdg(var: str, default: str) -> Path:
            value = environ.get(var, "")
            return Path(value) if os.path.isabs(value) else home / default

        config, data = xdg("XDG_CONFIG_HOME", ".config"), xdg("XDG_DATA_HOME", ".local/share")
        speechd = config / "speech-dispatcher"
        return cls(
            data_home=data,
            # Speech Dispatcher builds this path with "..", so $XDG_DATA_HOME itself must exist.
            module=data.parent / "libexec" / "speech-dispatcher-modules" / MODULE_PROGRAM,
            module_config=speechd / "modules" / f"{MODULE_NAME}.conf",
            speechd_conf=speechd / "speechd.conf",
        )


def find_module_program(executable: str | None = None) -> Path | None:
    """The installed ``sd_readaloud`` console script beside this Python, if there is one."""
    executable = sys.executable if executable is None else executable
    candidate = Path(executable).parent / MODULE_PROGRAM
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return Path(os.path.abspath(candidate))
    return None


def render_wrapper(executable: str) -> str:
    return f'#!/bin/sh\n{_WRAPPER_NOTE}\nexec {shlex.quote(executable)} -m readaloud.speechd "$@"\n'


def render_module_config() -> str:
    return f"""\
# Speech Dispatcher's configuration for the readaloud module ({MODULE_PROGRAM}).
# Written by `readaloud install-speechd`; `readaloud install-speechd --uninstall` removes it.
#
# The module has no options of its own: it hands every message to the readaloud daemon, whose
# voice, speed and audio device come from ~/.config/readaloud/config.toml. Speech Dispatcher's
# rate (-100..100) sets the speed (0.5..2.0), its volume scales the output, pitch is ignored.
# Voices: `spd-say -o readaloud -L`; choose one with `spd-say -o readaloud -y bf_emma "Hello"`.
"""


def render_block(*, default: bool, add_module: bool) -> str:
    lines = [
        f"{BLOCK_BEGIN} (`readaloud install-speechd`; `readaloud install-speechd --uninstall` removes it)",
        "# readaloud's module sd_readaloud is found in ~/.local/libexec/speech-dispatcher-modules; the",
        "# system's modules (espeak-ng, ...) stay available: pick one per client or with `spd-say -o`.",
    ]
    if add_module:
        lines.append(f'AddModule "{MODULE_NAME}" "{MODULE_PROGRAM}" "{MODULE_NAME}.conf"')
    if default:
        lines.append(f"DefaultModule {MODULE_NAME}")
    else:
        lines.append("# To make readaloud the default voice: `readaloud install-speechd --default`")
    lines.append(BLOCK_END)
    return "\n".join(lines) + "\n"


def without_block(text: str) -> str:
    """``speechd.conf`` with readaloud's block removed."""
    return _BLOCK.sub("\n", text).rstrip("\n") + "\n" if BLOCK_BEGIN in text else text


def created_config(system_conf: Path) -> str:
    return f'{CREATED_NOTE}\nInclude "{system_conf}"\n'


def with_block(existing: str | None, *, default: bool, system_conf: Path) -> str:
    """The user's ``speechd.conf`` with readaloud's block (created from the system's when missing)."""
    base = created_config(system_conf) if existing is None else without_block(existing)
    add_module = bool(_ADD_MODULE.search(base))
    if not base.endswith("\n"):
        base += "\n"
    return base + "\n" + render_block(default=default, add_module=add_module)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.chmod(mode)
    os.replace(temporary, path)


def _install_program(target: Path, program: Path | None, executable: str) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.exists():
        target.unlink()
    if program is not None:
        target.symlink_to(program)
        return f"linked {target} -> {program}"
    _write(target, render_wrapper(executable), 0o755)
    return f"wrote {target} (runs {executable} -m readaloud.speechd)"


def running_speechd(environ: Mapping[str, str]) -> int | None:
    """The pid of this user's running Speech Dispatcher, from its pid file."""
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if not os.path.isabs(runtime):
        return None
    try:
        pid_file = Path(runtime) / "speech-dispatcher" / "pid" / "speech-dispatcher.pid"
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def _restart_note(out: IO[str], environ: Mapping[str, str]) -> None:
    pid = running_speechd(environ)
    if pid is not None:
        print(f"Speech Dispatcher (pid {pid}) reads modules only when it starts: restart it with "
              f"`kill {pid}` (the next request starts it again).", file=out)


def default_module(text: str) -> str | None:
    found = _DEFAULT_MODULE.findall(text)
    return found[-1] if found else None


def install(
    out: IO[str],
    *,
    default: bool = False,
    environ: Mapping[str, str] | None = None,
    executable: str | None = None,
    system_conf: Path = SYSTEM_SPEECHD_CONF,
) -> int:
    """Install the module for this user; with ``default``, make it Speech Dispatcher's default."""
    environ = os.environ if environ is None else environ
    executable = sys.executable if executable is None else executable
    where = SpeechdPaths.from_environ(environ)
    if not shutil.which("speech-dispatcher", path=environ.get("PATH", os.defpath)):
        print("note: speech-dispatcher is not installed; install it (Debian/Ubuntu: "
              "`sudo apt install speech-dispatcher`), the module is ready for it", file=out)
    where.data_home.mkdir(parents=True, exist_ok=True)
    print(_install_program(where.module, find_module_program(executable), executable), file=out)
    _write(where.module_config, render_module_config())
    print(f"wrote {where.module_config}", file=out)
    existing = where.speechd_conf.read_text() if where.speechd_conf.exists() else None
    if existing is None and not system_conf.exists():
        raise ReadaloudError(
            f"{system_conf} does not exist, so there is no Speech Dispatcher configuration to build on; "
            "install speech-dispatcher first"
        )
    _write(where.speechd_conf, with_block(existing, default=default, system_conf=system_conf))
    print(f"{'created' if existing is None else 'updated'} {where.speechd_conf}", file=out)
    _restart_note(out, environ)
    print('Try it:  spd-say -o readaloud "Hello from readaloud"  (voices: spd-say -o readaloud -L)', file=out)
    if default:
        print("readaloud is now Speech Dispatcher's default voice; espeak-ng and the others stay available "
              "(spd-say -o espeak-ng).", file=out)
    else:
        print("To make readaloud the default voice for every program:  readaloud install-speechd --default",
              file=out)
    print(CHROMIUM_NOTE, file=out)
    print(ORCA_NOTE, file=out)
    return 0


def uninstall(out: IO[str], *, environ: Mapping[str, str] | None = None) -> int:
    """Remove the module, its configuration and readaloud's block from ``speechd.conf``."""
    environ = os.environ if environ is None else environ
    where = SpeechdPaths.from_environ(environ)
    removed = False
    for path in (where.module, where.module_config):
        if path.is_symlink() or path.exists():
            path.unlink()
            print(f"removed {path}", file=out)
            removed = True
    if where.speechd_conf.exists():
        text = where.speechd_conf.read_text()
        if BLOCK_BEGIN in text:
            rest = without_block(text)
            if rest.startswith(CREATED_NOTE) and len(rest.strip().splitlines()) <= 2:
                where.speechd_conf.unlink()
                print(f"removed {where.speechd_conf} (readaloud had created it)", file=out)
            else:
                _write(where.speechd_conf, rest)
                print(f"removed readaloud's block from {where.speechd_conf}", file=out)
            removed = True
    if not removed:
        print("nothing to remove: readaloud is not installed for Speech Dispatcher", file=out)
    else:
        _restart_note(out, environ)
    return 0


@dataclass(frozen=True)
class SpeechdState:
    """What ``doctor`` reports: is the module installed, loadable, and the default?"""

    module_installed: bool
    module_runs: bool
    listed_elsewhere: bool  # the user's speechd.conf lists modules but not readaloud
    default: str | None


def state(environ: Mapping[str, str]) -> SpeechdState:
    where = SpeechdPaths.from_environ(environ)
    module = where.module
    installed = module.is_symlink() or module.exists()
    runs = installed and module.exists() and os.access(module, os.X_OK)
    text = where.speechd_conf.read_text() if where.speechd_conf.exists() else ""
    lists_modules = bool(_ADD_MODULE.search(text))
    ours_listed = re.search(rf'^\s*AddModule\s+"?{MODULE_NAME}"?\s', text, re.MULTILINE) is not None
    return SpeechdState(installed, runs, lists_modules and not ours_listed, default_module(text))
