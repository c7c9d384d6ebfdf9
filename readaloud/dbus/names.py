"""The daemon's well-known D-Bus names, paths and interfaces, and those of the tray protocols it
speaks: the one place they are written.

The service, MPRIS, the CLI client, ``doctor``, ``install-service``, the desktop portal and the tray
import them from here (importing this module costs nothing: no dbus-fast, no numpy). The shipped files in
``systemd/`` carry ``BUS_NAME`` too; a test checks they equal what ``install-service`` renders.
"""

BUS_NAME = "io.github.readaloud.ReadAloud"
OBJECT_PATH = "/io/github/readaloud/ReadAloud"
INTERFACE = "io.github.readaloud.ReadAloud1"
ERROR_PREFIX = INTERFACE + ".Error."
# Following along word by word: a signal for every word heard, and the word being heard now.
WORD_STARTED_SIGNAL = "WordStarted"  # (u job, u sentence, i start, i end): offsets into the job's text
CURRENT_WORD_PROPERTY = "CurrentWord"  # (uuii) the same; start and end -1 when no word is being heard
# The application id the desktop portal knows us by (GlobalShortcuts); the same reverse-DNS name.
APP_ID = BUS_NAME

MPRIS_BUS_NAME = "org.mpris.MediaPlayer2.readaloud"
MPRIS_PATH = "/org/mpris/MediaPlayer2"
MPRIS_ROOT_INTERFACE = "org.mpris.MediaPlayer2"
MPRIS_PLAYER_INTERFACE = "org.mpris.MediaPlayer2.Player"
MPRIS_NO_TRACK = "/org/mpris/MediaPlayer2/TrackList/NoTrack"  # the spec's "no current track" id
MPRIS_TRACK_PREFIX = OBJECT_PATH + "/track"  # track ids: <prefix>/<job>_<sentence>

# Spiel speech provider: a second name on the daemon's connection. Spiel finds providers by the
# "Speech.Provider" suffix and expects the object at the name with dots turned into slashes.
SPIEL_BUS_NAME = BUS_NAME + ".Speech.Provider"
SPIEL_PATH = "/" + SPIEL_BUS_NAME.replace(".", "/")
SPIEL_INTERFACE = "org.freedesktop.Speech.Provider"

# The tray: a StatusNotifierItem (KDE's names, which every host uses) with a dbusmenu menu.
SNI_WATCHER_NAME = "org.kde.StatusNotifierWatcher"
SNI_WATCHER_PATH = "/StatusNotifierWatcher"
SNI_ITEM_INTERFACE = "org.kde.StatusNotifierItem"
SNI_ITEM_NAME_PREFIX = SNI_ITEM_INTERFACE + "-"  # the item's bus name: <prefix><pid>-<n>
SNI_ITEM_PATH = "/StatusNotifierItem"
SNI_MENU_PATH = "/MenuBar"
DBUSMENU_INTERFACE = "com.canonical.dbusmenu"
