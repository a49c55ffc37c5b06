#!/usr/bin/env bash
# Regenerates assets/screenshots/notification.png: a real notification from
# `jira-connect check --notify`, shown by the dunst notification daemon under Xvfb, against
# the demo Jira (examples/mock_jira.rs) and a private keyring.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/demo.sh
if [ "${DEMO_INSIDE:-}" != 1 ] && ! command -v dunst >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends dunst >/dev/null
fi
demo_session dev "$0" "$@"
demo_start 96 660x170
cat > "$SCRATCH/dunstrc" <<'RC'
[global]
    width = 620
    height = 300
    origin = top-left
    offset = 10x10
    font = DejaVu Sans 10
    markup = full
    format = "<b>%s</b>\n%b"
    word_wrap = yes
    padding = 12
    horizontal_padding = 14
    frame_width = 2
    frame_color = "#e8a33d"
    separator_height = 2
    show_indicators = no
[urgency_normal]
    background = "#2b2d31"
    foreground = "#f0f0f0"
    timeout = 0
[urgency_critical]
    background = "#2b2d31"
    foreground = "#f0f0f0"
    frame_color = "#d9534f"
    timeout = 0
RC
sleep 1
dunst -config "$SCRATCH/dunstrc" >/dev/null 2>&1 &
dunst=$!
trap 'kill $mock $xvfb $dunst 2>/dev/null || true' EXIT
sleep 1

echo demo-pat | $bin add --url "http://127.0.0.1:$port/jira" --name corp-jira \
  --token-label jira-connect --expires "$(date -d '+9 days' +%F)" >/dev/null
# Not a terminal: it offers the Open button and waits for a click, so stop it afterwards.
$bin check --notify corp-jira >/dev/null 2>&1 &
check=$!
sleep 3
import -window root "$out/notification.png"
kill $check 2>/dev/null || true
echo "wrote $out/notification.png"
