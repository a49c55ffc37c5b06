#!/usr/bin/env bash
# The real window under Xvfb: it appears, draws something other than a blank frame, and
# quits on Ctrl+Q. Once with no connections and once with a few saved ones.
# Usage: scripts/smoke-window.sh [BINARY]   (default: target/debug/jira-connect)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/jira-connect}
scratch=$(mktemp -d)
xvfb=
cleanup() {
  [ -z "$xvfb" ] || { kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true; }
  rm -rf "$scratch"
}
trap cleanup EXIT

# A fresh X server for each run, on a display number the server picks itself (-displayfd),
# so that no other X server on the machine, and nothing left by the previous run, is in
# the way.
start_x() {
  [ -z "$xvfb" ] || { kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true; }
  rm -f "$scratch/display"
  Xvfb -displayfd 3 -screen 0 1200x800x24 -nolisten tcp 3>"$scratch/display" >/dev/null 2>&1 &
  xvfb=$!
  for _ in $(seq 100); do [ -s "$scratch/display" ] && break; sleep 0.1; done
  [ -s "$scratch/display" ] || { echo "FAIL: Xvfb did not start"; return 1; }
  export DISPLAY=:$(head -n 1 "$scratch/display")
}

# One run of the app with the given config dir; fails unless the window shows real content.
run_once() {
  local label=$1 config=$2
  start_x
  JIRA_CONNECT_CONFIG_DIR=$config "$bin" >"$scratch/$label.log" 2>&1 &
  local app=$!
  local wid
  wid=$(timeout 60 xdotool search --sync --name '^jira-connect$' | head -n 1) || {
    echo "FAIL $label: no window titled jira-connect appeared"; cat "$scratch/$label.log"; return 1; }
  sleep 2   # let the first frames and the background checks land
  import -window "$wid" "$scratch/$label.png"
  local colours
  colours=$(convert "$scratch/$label.png" -format '%k' info:)
  if [ "$colours" -lt 16 ]; then
    echo "FAIL $label: the window looks blank ($colours colours)"; return 1
  fi
  # Quit on request: Ctrl+Q. There is no window manager, so give the window focus first.
  xdotool windowfocus --sync "$wid"
  xdotool key ctrl+q
  local rc=0
  for _ in $(seq 100); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$app" 2>/dev/null; then
    echo "FAIL $label: the app did not quit on Ctrl+Q"; kill "$app"; return 1
  fi
  wait "$app" || rc=$?
  [ "$rc" -eq 0 ] || { echo "FAIL $label: exit status $rc"; cat "$scratch/$label.log"; return 1; }
  echo "ok   $label: window drawn ($colours colours), quit cleanly"
}

mkdir -p "$scratch/empty" "$scratch/saved"
cat >"$scratch/saved/connections.toml" <<'TOML'
version = 1
[[connection]]
id = "smoke0000000000000000000000000001"
name = "acme"
url = "https://acme.atlassian.net"
deployment = "cloud"
auth = "api-token"
login = "mia@example.com"
token_expires = 2027-11-22
[connection.last_check]
at = 2026-11-22T12:00:00Z
outcome = "valid"
display_name = "Mia Krystof"
[[connection]]
id = "smoke0000000000000000000000000002"
name = "corp"
url = "http://127.0.0.1:9/jira"
deployment = "data-center"
auth = "pat"
[[connection]]
id = "smoke0000000000000000000000000003"
name = "old"
url = "https://old.atlassian.net"
deployment = "cloud"
auth = "api-token"
login = "mia@example.com"
token_expires = 2020-01-01
TOML

run_once empty "$scratch/empty"
run_once saved "$scratch/saved"
echo "window smoke: 2 passed, 0 failed"
