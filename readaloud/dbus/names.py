"""Well-known D-Bus names of the readaloud daemon (DESIGN.md section 3); shared by service and client."""

BUS_NAME = "io.github.readaloud.ReadAloud"
OBJECT_PATH = "/io/github/readaloud/ReadAloud"
INTERFACE = "io.github.readaloud.ReadAloud1"
ERROR_PREFIX = INTERFACE + ".Error."

MPRIS_BUS_NAME = "org.mpris.MediaPlayer2.readaloud"
MPRIS_PATH = "/org/mpris/MediaPlayer2"
MPRIS_ROOT_INTERFACE = "org.mpris.MediaPlayer2"
MPRIS_PLAYER_INTERFACE = "org.mpris.MediaPlayer2.Player"
