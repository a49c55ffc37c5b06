#!/usr/bin/env bash
# Regenerates the README screenshots from the real window under Xvfb, against the demo Jira
# (examples/mock_jira.rs) and a private keyring, in the dark and the light theme.
# SCREENSHOTS_PROFILE=dev uses a debug build (the same pixels, a quicker build).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/demo.sh
demo_session "${SCREENSHOTS_PROFILE:-release}" "$0" "$@"
demo_start 97 1280x800
trap 'kill $mock $xvfb 2>/dev/null || true' EXIT
sleep 1

# A few connections in different states.
echo demo-token | $bin add --url "http://localhost:$port" --cloud --name acme \
  --email mia@example.com --token-label laptop --expires 2027-05-01 >/dev/null
echo demo-pat | $bin add --url "http://127.0.0.1:$port/jira" --name corp-jira \
  --token-label jira-connect --expires "$(date -d '+9 days' +%F)" >/dev/null
echo demo-token | $bin add --url "http://localhost:$port" --cloud --name sandbox \
  --email mia@example.com --expires 2027-01-15 >/dev/null

# Starts the app in theme $1 and waits for its window: sets $app and $wid.
open_window() {
  JIRA_CONNECT_THEME=$1 $bin >/dev/null 2>&1 &
  app=$!
  wid=$(timeout 60 xdotool search --sync --name '^jira-connect$' | head -n 1)
  sleep 3
}

# Opens New Connection and types the demo site's address.
new_connection() {
  xdotool windowfocus --sync "$wid"
  xdotool key ctrl+n
  sleep 0.5
  xdotool type --delay 15 "acme.atlassian.net"
}

# Closes the dialog, quits, and waits for the app to end.
close_window() {
  xdotool key Escape
  xdotool key ctrl+q
  wait "$app" || true
}

shoot() {
  local theme=$1 app wid
  open_window "$theme"
  import -window "$wid" "$out/main-$theme.png"
  new_connection
  # Keys sent in the same frame as a Tab can miss the field the Tab moves to (a dark
  # screenshot once showed "ia@example.com"), so give each Tab a moment.
  for _ in 1 2 3; do xdotool key Tab; sleep 0.2; done
  xdotool type --delay 15 "mia@example.com"
  xdotool key Tab
  sleep 0.2
  xdotool type --delay 15 "not-the-real-token"
  sleep 1
  import -window "$wid" "$out/new-connection-$theme.png"
  # Replace token on the first connection: its button in the details, by the mouse (the
  # row of buttons under the Confluence card, below the menu bar).
  xdotool key Escape
  sleep 0.5
  xdotool mousemove --window "$wid" 449 543 click 1
  sleep 1
  import -window "$wid" "$out/replace-token-$theme.png"
  close_window

  # New Connection for a service account, in a fresh window (the first dialog's draft would
  # come back): the sign-in choice first, then back to its Client ID field.
  open_window "$theme"
  new_connection
  # Name, Jira Cloud, Email, then the two sign-in choices.
  for _ in 1 2 3 4 5; do xdotool key Tab; sleep 0.2; done
  xdotool key space
  sleep 0.3
  for _ in 1 2; do xdotool key shift+Tab; sleep 0.2; done
  xdotool type --delay 15 "Qm9hcmRSZXBvcnRzQm90"
  for _ in 1 2 3; do xdotool key Tab; sleep 0.2; done
  xdotool type --delay 15 "not-the-real-secret"
  # The pointer, left where the last window was clicked, would raise a tooltip.
  xdotool mousemove --window "$wid" 60 600
  sleep 1
  import -window "$wid" "$out/service-account-$theme.png"
  close_window
}
shoot dark
shoot light
echo "wrote $(ls "$out" | tr '\n' ' ')"
