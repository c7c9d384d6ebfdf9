#!/bin/bash
# Regenerate docs/reading-bar.png: the reading bar (python -m readaloud.desktop.overlay) on a private
# Xvfb, with a sentence and the word being heard highlighted.  Run from the repository root:
#   bash docs/make-reading-bar-screenshot.sh
set -euo pipefail
PY=${PY:-.venv/bin/python}
OUT=${1:-docs/reading-bar.png}
WORK=$(mktemp -d)
Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp -noreset 5>"$WORK/display" 2>/dev/null & XVFB=$!
for _ in $(seq 100); do [ -s "$WORK/display" ] && break; sleep 0.05; done
read -r NUM <"$WORK/display"
export DISPLAY=":$NUM" QT_QPA_PLATFORM=xcb
unset WAYLAND_DISPLAY
cleanup() { kill ${BAR:-} $XVFB 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
"$PY" - <<'PYEOF'
from Xlib import display
d = display.Display(); screen = d.screen()  # Xvfb -noreset keeps this after we disconnect
colour = screen.default_colormap.alloc_color(0x5000, 0x5800, 0x6400).pixel  # a desktop-ish slate
screen.root.change_attributes(background_pixel=colour); screen.root.clear_area(0, 0, 0, 0); d.sync()
PYEOF
mkfifo "$WORK/in"
"$PY" -m readaloud.desktop.overlay <"$WORK/in" >"$WORK/out" & BAR=$!
exec 4>"$WORK/in"
"$PY" - >&4 <<'PYEOF'
from readaloud.desktop.overlay import protocol
text = "Kokoro predicts how long every sound lasts, so readaloud knows which word you hear."
start = text.index("every")
for message in (protocol.SetState(protocol.BarState.SPEAKING), protocol.ShowSentence(text, 1, 0),
                protocol.ShowWord(start, start + len("every"))):
    print(protocol.encode(message).decode(), end="")
PYEOF
for _ in $(seq 100); do
  WIN=$(xdotool search --onlyvisible --name 'readaloud reading bar' 2>/dev/null | head -1) && [ -n "$WIN" ] && break
  sleep 0.1
done
sleep 1  # let it paint
eval "$(xdotool getwindowgeometry --shell "$WIN")"
M=24
import -window root -crop "$((WIDTH + 2 * M))x$((HEIGHT + 2 * M))+$((X - M))+$((Y - M))" +repage "$OUT"
echo '{"quit":true}' >&4
wait $BAR
echo "wrote $OUT"
