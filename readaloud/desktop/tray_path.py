"""Which kind of tray icon readaloud shows, and why: one rule for the daemon and ``readaloud doctor``.

1. A StatusNotifierWatcher on the session bus (KDE, GNOME's AppIndicator extension, Xfce, Cinnamon,
   MATE, LXQt, waybar, swaybar): the native StatusNotifierItem with its full menu. Needs nothing
   beyond dbus-fast.
2. Else an X11 system tray (XEmbed: i3bar, trayer, stalonetray): pystray's ``gtk`` backend with the
   full menu where PyGObject is installed, else its ``xorg`` backend (left click only).
3. Else no icon for now; with a session bus the StatusNotifierItem still waits for a watcher and
   registers when one appears (panels often start after the daemon at login).
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)


class TrayPath(str, enum.Enum):
    SNI = "sni"
    XEMBED_GTK = "gtk"
    XEMBED_XORG = "xorg"
    WAITING = "waiting"  # no host yet; the StatusNotifierItem registers when a watcher appears
    NONE = "none"


@dataclass(frozen=True)
class TrayFacts:
    """What the choice depends on."""

    bus: bool  # a session bus is reachable
    watcher: bool  # the StatusNotifierWatcher has an owner
    xembed: bool  # an X11 system tray owns _NET_SYSTEM_TRAY_S<screen>
    pygobject: bool  # ``gi`` is importable


@dataclass(frozen=True)
class TrayChoice:
    path: TrayPath
    why: str

    @property
    def has_menu(self) -> bool:
        return self.path in (TrayPath.SNI, TrayPath.XEMBED_GTK)


def choose_tray_path(facts: TrayFacts) -> TrayChoice:
    if facts.bus and facts.watcher:
        return TrayChoice(
            TrayPath.SNI,
            "a StatusNotifierWatcher runs: native StatusNotifierItem with its menu (no PyGObject needed)",
        )
    if facts.xembed and facts.pygobject:
        return TrayChoice(
            TrayPath.XEMBED_GTK,
            "no StatusNotifierWatcher, but an X11 system tray: XEmbed icon with a GTK menu",
        )
    if facts.xembed:
        return TrayChoice(
            TrayPath.XEMBED_XORG,
            "no StatusNotifierWatcher, but an X11 system tray: XEmbed icon without a menu (left click "
            "pauses/resumes; voices and speed through the CLI; PyGObject would add a menu)",
        )
    if facts.bus:
        return TrayChoice(
            TrayPath.WAITING,
            "no tray host: no StatusNotifierWatcher and no X11 system tray",
        )
    return TrayChoice(TrayPath.NONE, "no session bus and no X11 system tray: no tray icon")


def xembed_tray_running(environ: Mapping[str, str] | None = None) -> bool:
    """True when an X11 system tray (the ``_NET_SYSTEM_TRAY_S<n>`` selection's owner) runs."""
    display_name = (environ if environ is not None else os.environ).get("DISPLAY")
    if not display_name:
        return False
    try:
        from Xlib import X, display

        dpy = display.Display(display_name)
        try:
            atom = dpy.intern_atom(f"_NET_SYSTEM_TRAY_S{dpy.get_default_screen()}")
            return bool(dpy.get_selection_owner(atom) != X.NONE)
        finally:
            dpy.close()
    except Exception as error:  # no X server, Xlib missing: both mean no XEmbed tray
        log.debug("no XEmbed tray: %s", error)
        return False
