"""``readaloud bind-shortcut``: make a desktop shortcut run ``readaloud read-selection``.

For Wayland desktops without the GlobalShortcuts portal (and anyone who prefers the desktop's own
shortcut settings). GNOME gets a custom keybinding through gsettings, appended to the user's
existing ones; elsewhere the command prints the exact line or steps for that desktop.
"""

from __future__ import annotations

import argparse
import ast
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING

from readaloud.errors import ReadaloudError
from readaloud.keys import KeyCombo, same_gtk_accelerator

if TYPE_CHECKING:
    from readaloud.environment import Environment

MEDIA_KEYS = "org.gnome.settings-daemon.plugins.media-keys"
CUSTOM_SCHEMA = f"{MEDIA_KEYS}.custom-keybinding"
CUSTOM_BASE = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/"
OUR_PATH = f"{CUSTOM_BASE}readaloud-read-selection/"
SHORTCUT_NAME = "Read aloud: read selection"
DESKTOPS = ("auto", "gnome", "kde", "sway", "i3", "hyprland", "xfce", "other")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "bind-shortcut",
        help="bind a desktop shortcut to 'readaloud read-selection' (GNOME: done for you)",
        description="Bind a key to 'readaloud read-selection' in your desktop's own shortcut settings. "
        "On GNOME this adds a custom keybinding (keeping your others); elsewhere it prints how.",
    )
    parser.add_argument("--key", help="key combination in config syntax (default: hotkeys.read_selection)")
    parser.add_argument("--desktop", choices=DESKTOPS, default="auto", help="desktop to bind for")
    parser.add_argument("--remove", action="store_true", help="remove the GNOME keybinding again")
    parser.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    parser.set_defaults(handler=bind_shortcut)


def bind_shortcut(args: argparse.Namespace, env: Environment) -> int:
    from readaloud.keys import parse_combo

    where = "--key" if args.key else "hotkeys.read_selection"
    combo = parse_combo(args.key or _configured_key(), where=where)
    desktop = detect_desktop(os.environ) if args.desktop == "auto" else args.desktop
    command = read_selection_command()
    if desktop == "gnome":
        gnome = GnomeKeybindings(dry_run=args.dry_run, out=env.stdout)
        if args.remove:
            gnome.remove()
        else:
            gnome.bind(combo, command)
        return 0
    if args.remove:
        print("--remove only undoes the GNOME keybinding; remove the line you added yourself.",
              file=env.stdout)
        return 0
    print(instructions(desktop, combo, command), file=env.stdout)
    return 0


def _configured_key() -> str:
    from readaloud.config import HotkeysConfig, load_config

    return load_config().hotkeys.read_selection or HotkeysConfig().read_selection


def detect_desktop(environ: Mapping[str, str]) -> str:
    """The desktop, from XDG_CURRENT_DESKTOP and compositor sockets."""
    if environ.get("HYPRLAND_INSTANCE_SIGNATURE"):
        return "hyprland"
    if environ.get("SWAYSOCK"):
        return "sway"
    if environ.get("I3SOCK"):
        return "i3"
    names = [n.strip().lower() for n in environ.get("XDG_CURRENT_DESKTOP", "").split(":")]
    for name, desktop in (("gnome", "gnome"), ("kde", "kde"), ("hyprland", "hyprland"), ("sway", "sway"),
                          ("i3", "i3"), ("xfce", "xfce")):
        if name in names:
            return desktop
    return "other"


def read_selection_command() -> str:
    """The command a shortcut should run; absolute, since desktops' PATH often lacks ~/.local/bin."""
    beside = os.path.join(os.path.dirname(sys.executable), "readaloud")  # a venv's own script
    exe = beside if os.access(beside, os.X_OK) else shutil.which("readaloud")
    if exe:
        return f"{shlex.quote(os.path.abspath(exe))} read-selection"
    return f"{shlex.quote(sys.executable)} -m readaloud read-selection"


def instructions(desktop: str, combo: KeyCombo, command: str) -> str:
    mods, key = combo.hyprland()
    texts = {
        "kde": (
            "KDE Plasma 5.27+ on Wayland: the daemon asks for the hotkey through the desktop portal; "
            "accept it in the dialog that appears when the daemon starts.\n"
            "To bind it yourself instead: System Settings → Keyboard → Shortcuts → Add New → "
            f"Command or Script…\n  command:  {command}\n  shortcut: {combo.kde()}"
        ),
        "sway": (
            "Add to ~/.config/sway/config, then run 'swaymsg reload':\n"
            f"  bindsym {combo.sway()} exec {command}"
        ),
        "i3": (
            "On X11 the daemon's own hotkey already works. To let i3 run it instead, add to "
            "~/.config/i3/config and run 'i3-msg reload':\n"
            f"  bindsym {combo.sway()} exec --no-startup-id {command}"
        ),
        "hyprland": (
            "Hyprland's portal offers global shortcuts to the daemon; to bind the command yourself, "
            "add to ~/.config/hypr/hyprland.conf (reloads by itself):\n"
            f"  bind = {mods}, {key.upper() if len(key) == 1 else key}, exec, {command}"
        ),
        "xfce": (
            "Run once (or use Settings → Keyboard → Application Shortcuts):\n"
            "  xfconf-query -c xfce4-keyboard-shortcuts -n -t string "
            f"-p {shlex.quote('/commands/custom/' + combo.gtk().replace('<Control>', '<Primary>'))} "
            f"-s {shlex.quote(command)}"
        ),
    }
    generic = (
        "Open your desktop's keyboard shortcut settings and add a custom shortcut:\n"
        f"  command:  {command}\n  shortcut: {combo.kde()}"
    )
    return texts.get(desktop, generic)


class GnomeKeybindings:
    """GNOME custom keybindings through the ``gsettings`` tool (works on X11 and Wayland)."""

    def __init__(self, *, dry_run: bool, out: IO[str], timeout: float = 10.0) -> None:
        self._dry_run = dry_run
        self._out = out
        self._timeout = timeout

    def bind(self, combo: KeyCombo, command: str) -> None:
        paths = self._list()
        for other in paths:
            if other == OUR_PATH:
                continue
            binding = _parse_gvariant_string(self._get(f"{CUSTOM_SCHEMA}:{other}", "binding"))
            if same_gtk_accelerator(binding, combo.gtk()):
                name = _parse_gvariant_string(self._get(f"{CUSTOM_SCHEMA}:{other}", "name"))
                raise ReadaloudError(
                    f"{combo.label()} is already your GNOME shortcut {name!r}; pick another with --key"
                )
        schema = f"{CUSTOM_SCHEMA}:{OUR_PATH}"
        self._set(schema, "name", SHORTCUT_NAME)
        self._set(schema, "command", command)
        self._set(schema, "binding", combo.gtk())
        if OUR_PATH not in paths:
            self._set(MEDIA_KEYS, "custom-keybindings", _gvariant_strings([*paths, OUR_PATH]))
        verb = "Would bind" if self._dry_run else "Bound"
        self._say(f"{verb} {combo.label()} to '{command}' (GNOME Settings → Keyboard → Custom Shortcuts).")

    def remove(self) -> None:
        paths = self._list()
        if OUR_PATH not in paths:
            self._say("No readaloud shortcut is bound in GNOME.")
            return
        self._set(MEDIA_KEYS, "custom-keybindings", _gvariant_strings([p for p in paths if p != OUR_PATH]))
        self._run(["reset-recursively", f"{CUSTOM_SCHEMA}:{OUR_PATH}"])
        self._say("Would remove" if self._dry_run else "Removed the readaloud shortcut from GNOME.")

    def _list(self) -> list[str]:
        text = self._get(MEDIA_KEYS, "custom-keybindings")
        return _parse_gvariant_strings(text)

    def _get(self, schema: str, key: str) -> str:
        return self._run(["get", schema, key], read_only=True).strip()

    def _set(self, schema: str, key: str, value: str) -> None:
        self._run(["set", schema, key, value])

    def _run(self, argv: Sequence[str], *, read_only: bool = False) -> str:
        if self._dry_run and not read_only:
            self._say("gsettings " + " ".join(shlex.quote(a) for a in argv))
            return ""
        if shutil.which("gsettings") is None:
            raise ReadaloudError("gsettings not found: is this GNOME? Use --desktop to pick another")
        try:
            result = subprocess.run(["gsettings", *argv], capture_output=True, text=True,
                                    timeout=self._timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise ReadaloudError("gsettings did not answer; is the GNOME session running?") from error
        if result.returncode != 0 and "No such schema" in result.stderr:
            raise ReadaloudError(
                "GNOME's keybinding settings (gnome-settings-daemon) are not installed here; "
                "use --desktop to get instructions for your desktop"
            )
        if result.returncode != 0:
            detail = result.stderr.strip().splitlines()[0] if result.stderr.strip() else "failed"
            raise ReadaloudError(f"gsettings {argv[0]} {argv[1]}: {detail}")
        return result.stdout

    def _say(self, text: str) -> None:
        print(text, file=self._out)


def _parse_gvariant_strings(text: str) -> list[str]:
    """A GVariant ``as`` in gsettings' text form: ``@as []`` or ``['/a/', '/b/']``."""
    text = text.strip()
    if text.startswith("@as"):
        text = text[3:].strip()
    value = ast.literal_eval(text) if text else []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReadaloudError(f"unexpected GNOME custom-keybindings value: {text[:80]}")
    return value


def _parse_gvariant_string(text: str) -> str:
    """A GVariant ``s`` in gsettings' text form (``'<Super>t'``); empty when unset or unreadable."""
    try:
        value = ast.literal_eval(text.strip()) if text.strip() else ""
    except (ValueError, SyntaxError):
        return ""
    return value if isinstance(value, str) else ""


def _gvariant_strings(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values) + "]"
