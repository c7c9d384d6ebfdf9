#!/usr/bin/env bash
# Regenerates docs/tray-menu.png: readaloud's tray menu open in a real panel (Xfce's xfce4-panel)
# on a private headless X server and session bus, without PyGObject. Needs the Debian packages
# xvfb xfce4-panel xdotool imagemagick x11-utils dbus (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
"${PYTHON:-.venv/bin/python}" -m tests.integration.tray_hosts "${1:-docs/tray-menu.png}"
echo "wrote ${1:-docs/tray-menu.png}"
