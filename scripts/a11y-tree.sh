#!/usr/bin/env bash
# The real window through AT-SPI, as a screen reader sees it: under Xvfb, on a private D-Bus
# session with its own accessibility bus, the app opens New Connection; the tree is read
# with pyatspi and must name the window and the dialog, show the expiry date in its field,
# and tie a validation error to its field. The whole tree is written to a11y-tree.txt in the
# scratch directory, and to $A11Y_TREE_OUT when that is set.
# Usage: scripts/a11y-tree.sh [BINARY]   (default: target/debug/jira-connect)
# Needs: at-spi2-core, python3-pyatspi, xvfb, xdotool (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/debug/jira-connect}")

# A private session bus, so that the app, the accessibility bus and pyatspi meet there and
# nothing of the desktop's own session is touched.
if [ -z "${A11Y_TREE_IN_SESSION:-}" ]; then
  exec env A11Y_TREE_IN_SESSION=1 timeout 180 dbus-run-session -- "$0" "$bin"
fi

py=/usr/bin/python3   # Debian's python, which has gi and pyatspi
"$py" -c 'import pyatspi' 2>/dev/null || {
  echo "FAIL: pyatspi is missing: install python3-pyatspi (scripts/install-deps.sh python3-pyatspi)"; exit 1; }

scratch=$(mktemp -d)
xvfb=
app=
cleanup() {
  [ -z "$app" ] || kill "$app" 2>/dev/null || true
  [ -z "$xvfb" ] || { kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true; }
  rm -rf "$scratch"
}
trap cleanup EXIT

Xvfb -displayfd 3 -screen 0 1200x800x24 -nolisten tcp 3>"$scratch/display" >/dev/null 2>&1 &
xvfb=$!
for _ in $(seq 100); do [ -s "$scratch/display" ] && break; sleep 0.1; done
[ -s "$scratch/display" ] || { echo "FAIL: Xvfb did not start"; exit 1; }
export DISPLAY=:$(head -n 1 "$scratch/display")

# Start the accessibility bus (D-Bus activates at-spi-bus-launcher) and switch it on, as a
# desktop does when a screen reader runs; AccessKit serves the tree only then.
dbus-send --session --print-reply --dest=org.a11y.Bus /org/a11y/bus \
  org.freedesktop.DBus.Properties.Set string:org.a11y.Status string:IsEnabled \
  variant:boolean:true >/dev/null || { echo "FAIL: the accessibility bus did not start"; exit 1; }
export NO_AT_BRIDGE=0 GTK_A11Y=atspi

mkdir -p "$scratch/config"
JIRA_CONNECT_CONFIG_DIR="$scratch/config" "$bin" gui --new >"$scratch/app.log" 2>&1 &
app=$!
wid=$(timeout 60 xdotool search --sync --name '^jira-connect$' | head -n 1) || {
  echo "FAIL: no window titled jira-connect appeared"; cat "$scratch/app.log"; exit 1; }
sleep 2
xdotool windowfocus --sync "$wid"

# A Cloud site: the expiry field fills in with a year from today (UTC).
expiry=$(date -u -d '+1 year' +%F)
xdotool type --delay 20 'acme.atlassian.net'
sleep 1
"$py" scripts/a11y-tree.py dialog "$expiry"
# Enter in the URL field submits; the empty Email field gets the error.
xdotool key Return
"$py" scripts/a11y-tree.py error
"$py" scripts/a11y-tree.py dump "$scratch/a11y-tree.txt"
[ -z "${A11Y_TREE_OUT:-}" ] || cp "$scratch/a11y-tree.txt" "$A11Y_TREE_OUT"
echo "a11y tree: 4 passed, 0 failed"
