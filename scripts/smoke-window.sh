#!/usr/bin/env bash
# The real window under Xvfb: it appears, draws something other than a blank frame, and
# quits on Ctrl+Q. Once with no connections and once with a few saved ones. Then a second
# launch for the same config directory brings the first window forward and exits.
# Usage: scripts/smoke-window.sh [BINARY]   (default: target/debug/jira-connect)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/x.sh
bin=${1:-target/debug/jira-connect}
scratch=$(mktemp -d)
xvfb=
wm=
apps=()
cleanup() {
  for p in "${apps[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -z "$wm" ] || kill "$wm" 2>/dev/null || true
  stop_x
  rm -rf "$scratch"
}
trap cleanup EXIT

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

# Waits until a window titled jira-connect that is not one of "$@" exists, and prints it.
new_window() {
  local wid
  for _ in $(seq 300); do
    wid=$(xdotool search --name '^jira-connect$' 2>/dev/null | grep -vxF -f <(printf '%s\n' "$@") | head -n 1 || true)
    [ -n "$wid" ] && { echo "$wid"; return 0; }
    sleep 0.2
  done
  return 1
}

# One app per config directory: a second launch asks the running one to come forward (and
# to select what --select names), says so, and exits 0 at once; no second window opens.
# A window manager decides which window is active, so run one for this step when there is
# one (scripts/install-deps.sh installs openbox); without it, the focus check is skipped.
single_instance() {
  local config=$1 other=$2
  start_x
  if command -v openbox >/dev/null; then
    openbox >/dev/null 2>&1 &
    wm=$!
    sleep 1
  fi
  JIRA_CONNECT_CONFIG_DIR=$config "$bin" >"$scratch/first.log" 2>&1 &
  local first=$!
  apps+=("$first")
  local wid
  wid=$(new_window 0) || { echo "FAIL single instance: the first window did not appear"; return 1; }
  # Another window takes the focus: the same app for another config directory, which is
  # a separate instance.
  JIRA_CONNECT_CONFIG_DIR=$other "$bin" >"$scratch/other.log" 2>&1 &
  local second_app=$!
  apps+=("$second_app")
  local wid2
  wid2=$(new_window "$wid") || { echo "FAIL single instance: the other config's window did not appear"; return 1; }
  sleep 2
  if [ -n "$wm" ]; then
    xdotool windowactivate --sync "$wid2"
    [ "$(xdotool getactivewindow)" = "$wid2" ] || {
      echo "FAIL single instance: the other window could not take the focus"; return 1; }
  fi
  local start out rc=0
  start=$(date +%s%N)
  out=$(JIRA_CONNECT_CONFIG_DIR=$config timeout 10 "$bin" gui --select corp 2>&1) || rc=$?
  local took=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$rc" -eq 0 ] || { echo "FAIL single instance: the second launch exited $rc: $out"; return 1; }
  [ "$out" = "jira-connect is already running: brought its window to the front." ] || {
    echo "FAIL single instance: the second launch said: $out"; return 1; }
  [ "$took" -lt 3000 ] || { echo "FAIL single instance: the second launch took $took ms"; return 1; }
  kill -0 "$first" 2>/dev/null || { echo "FAIL single instance: the first app quit"; return 1; }
  sleep 1
  local windows
  windows=$(xdotool search --name '^jira-connect$' | wc -l)
  [ "$windows" -eq 2 ] || { echo "FAIL single instance: $windows windows, not 2"; return 1; }
  local focus="focus not checked: no window manager"
  if [ -n "$wm" ]; then
    local active
    active=$(xdotool getactivewindow)
    [ "$active" = "$wid" ] || {
      echo "FAIL single instance: window $active is active, not the first app's $wid"; return 1; }
    focus="its window came to the front"
  fi
  import -window root "$scratch/single-instance.png"
  xdotool windowfocus --sync "$wid"
  xdotool key ctrl+q
  for _ in $(seq 100); do kill -0 "$first" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$first" 2>/dev/null && { echo "FAIL single instance: the first app did not quit"; return 1; }
  [ ! -e "$config/gui.sock" ] || { echo "FAIL single instance: gui.sock left behind"; return 1; }
  echo "ok   single instance: the second launch exited in $took ms; $focus"
}

# Names in any script: the window draws Japanese and Korean account names with real glyphs,
# not boxes. A missing glyph looks the same whatever the character, so the window is drawn
# three times, with only the Japanese or only the Korean name swapped for another name of as
# many characters; each swap must change pixels. Arabic and Hebrew names are shown too, the
# same in all three (see the README for what is right and what is not).
# SMOKE_SHOTS=DIR keeps the first screenshot as DIR/any-script.png.
any_script() {
  local ja=$1 ko=$2 config=$3
  mkdir -p "$config"
  local n=0 row
  {
    echo 'version = 1'
    echo 'check_on_launch = false'
    for row in "yamada|$ja" "kim|$ko" "ali|محمد علي" "levi|דוד לוי" "ivanova|Анна Иванова"; do
      n=$((n + 1))
      cat <<TOML
[[connection]]
id = "script000000000000000000000000000$n"
name = "${row%%|*}"
url = "https://${row%%|*}.atlassian.net"
deployment = "cloud"
auth = "api-token"
login = "${row%%|*}@example.com"
token_expires = 2099-11-22
[connection.last_check]
at = 2026-11-22T12:00:00Z
outcome = "valid"
display_name = "${row#*|}"
TOML
    done
  } >"$config/connections.toml"
  start_x
  JIRA_CONNECT_CONFIG_DIR=$config "$bin" gui --select yamada >"$config.log" 2>&1 &
  local app=$!
  apps+=("$app")
  local wid
  wid=$(timeout 60 xdotool search --sync --name '^jira-connect$' | head -n 1) || {
    echo "FAIL any script: no window appeared"; cat "$config.log"; return 1; }
  sleep 3
  import -window "$wid" "$config.png"
  xdotool windowfocus --sync "$wid"
  xdotool key ctrl+q
  for _ in $(seq 100); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
}

# How many pixels differ between two screenshots.
differing() {
  compare -metric AE "$1" "$2" null: 2>&1 | cut -d' ' -f1 || true
}

scripts_check() {
  any_script "山田太郎" "김민준" "$scratch/script-a" || return 1
  any_script "田中花子" "김민준" "$scratch/script-ja" || return 1
  any_script "山田太郎" "박서연" "$scratch/script-ko" || return 1
  local ja ko
  ja=$(differing "$scratch/script-a.png" "$scratch/script-ja.png")
  ko=$(differing "$scratch/script-a.png" "$scratch/script-ko.png")
  if [ -n "${SMOKE_SHOTS:-}" ]; then cp "$scratch/script-a.png" "$SMOKE_SHOTS/any-script.png"; fi
  [ "${ja:-0}" -gt 50 ] || {
    echo "FAIL any script: 山田太郎 and 田中花子 look the same ($ja pixels differ): boxes, not glyphs"; return 1; }
  [ "${ko:-0}" -gt 50 ] || {
    echo "FAIL any script: 김민준 and 박서연 look the same ($ko pixels differ): boxes, not glyphs"; return 1; }
  echo "ok   any script: Japanese ($ja pixels) and Korean ($ko pixels) names drawn with their own glyphs"
}

run_once empty "$scratch/empty"
run_once saved "$scratch/saved"
mkdir -p "$scratch/other"
single_instance "$scratch/saved" "$scratch/other"
scripts_check
echo "window smoke: 4 passed, 0 failed"
