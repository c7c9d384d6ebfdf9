#!/bin/bash
# Regenerate docs/tray-menu.png: the tray icon (gtk/XEmbed backend) in trayer on a private Xvfb,
# with its menu open at Voice ▸ English (US).  Run from the repository root:
#   dbus-run-session -- bash docs/make-tray-screenshot.sh
set -euo pipefail
PY=${PY:-.venv/bin/python}
OUT=${1:-docs/tray-menu.png}
WORK=$(mktemp -d)
Xvfb -displayfd 5 -screen 0 900x700x24 -nolisten tcp -noreset 5>"$WORK/display" 2>/dev/null & XVFB=$!
for _ in $(seq 100); do [ -s "$WORK/display" ] && break; sleep 0.05; done
read -r NUM <"$WORK/display"
export DISPLAY=":$NUM" NO_AT_BRIDGE=1 XDG_STATE_HOME="$WORK/state" XDG_CONFIG_HOME="$WORK/config"
unset WAYLAND_DISPLAY PYSTRAY_BACKEND
cleanup() { kill ${HARNESS:-} ${TRAYER:-} $XVFB 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
"$PY" - <<'PYEOF'
from Xlib import display
d = display.Display(); screen = d.screen()  # Xvfb -noreset keeps this after we disconnect
colour = screen.default_colormap.alloc_color(0x5000, 0x5800, 0x6400).pixel  # a desktop-ish slate
screen.root.change_attributes(background_pixel=colour); screen.root.clear_area(0, 0, 0, 0); d.sync()
PYEOF
trayer --edge top --align right --widthtype request --height 28 --tint 0x30343c --transparent true \
  --alpha 0 --SetDockType true >/dev/null 2>&1 & TRAYER=$!
for _ in $(seq 50); do xwininfo -root -tree | grep -q '"panel"' && break; sleep 0.1; done
mkfifo "$WORK/in"
"$PY" -m tests.integration.desktop_harness --voice af_heart --speed 1.0 <"$WORK/in" >"$WORK/out" 2>"$WORK/err" &
HARNESS=$!
exec 4>"$WORK/in"
for _ in $(seq 100); do grep -q READY "$WORK/out" && break; sleep 0.1; done
echo "state speaking" >&4
sleep 1.5
read -r X Y W H < <("$PY" - <<'PYEOF'
from Xlib import display
d = display.Display(); root = d.screen().root
def walk(w):
    yield w
    for c in w.query_tree().children: yield from walk(c)
panel = next(w for w in walk(root) if w.get_wm_name() == "panel")
for c in panel.query_tree().children:
    g = c.get_geometry()
    if g.width > 1 and g.height > 1:
        t = root.translate_coords(c, 0, 0); print(t.x, t.y, g.width, g.height); break
PYEOF
)
xdotool mousemove $((X + W / 2)) $((Y + H / 2)) click 3
sleep 1
# Walk to Voice (7 items down past the separators) and open English (US).
xdotool key Down Down Down Down Down Down Down Right
sleep 0.6
xdotool key Right
sleep 0.8
import -window root "$WORK/full.png"
"$PY" - "$WORK/full.png" "$OUT" <<'PYEOF'
import sys
from PIL import Image
full = Image.open(sys.argv[1]).convert("RGB")
# Crop to the menus and the panel: everything that differs from the plain background.
background = Image.new("RGB", full.size, full.getpixel((0, full.height - 1)))
from PIL import ImageChops
box = ImageChops.difference(full, background).convert("L").point(lambda v: 255 if v > 8 else 0).getbbox()
x0, y0, x1, y1 = box or (0, 0, full.width, full.height)
full.crop((max(0, x0 - 16), max(0, y0), min(full.width, x1 + 16), min(full.height, y1 + 16))).save(sys.argv[2])
print("wrote", sys.argv[2])
PYEOF
echo quit >&4
