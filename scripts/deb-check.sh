#!/usr/bin/env bash
# Installs the package that scripts/package.sh built, as a user would (dpkg -i), checks what
# it put in place, then starts the installed app the way a desktop does, from its .desktop
# file's Exec line, and from its New Connection action, under Xvfb, and sees the window each
# time. The package is removed again at the end unless it was installed before.
# Usage: scripts/deb-check.sh [DEB]   (default: target/package/jira-connect_*.deb)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/x.sh

app_id=io.github.jira_connect.JiraConnect
deb=${1:-$(ls target/package/jira-connect_*.deb)}
shots=target/package/check
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"

scratch=$(mktemp -d)
xvfb=
installed_before=false
dpkg-query -W -f='${Status}' jira-connect 2>/dev/null | grep -q "install ok installed" &&
  installed_before=true
cleanup() {
  stop_x
  rm -rf "$scratch"
  if ! $installed_before && dpkg-query -W jira-connect >/dev/null 2>&1; then
    $sudo dpkg --purge jira-connect >/dev/null
  fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# What the package says it needs (the first of each set of alternatives), then the package.
depends=$(dpkg-deb --field "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g')
# shellcheck disable=SC2086
scripts/install-deps.sh $depends desktop-file-utils appstream
$sudo dpkg -i "$deb" >/dev/null
echo "ok   installed $(dpkg-query -W -f='${Package} ${Version}' jira-connect) with dpkg -i"

# What a desktop looks for.
desktop=/usr/share/applications/$app_id.desktop
for f in /usr/bin/jira-connect "$desktop" "/usr/share/metainfo/$app_id.metainfo.xml" \
  "/usr/share/icons/hicolor/scalable/apps/$app_id.svg" \
  /usr/share/icons/hicolor/{16x16,32x32,48x48,64x64,128x128,256x256,512x512}"/apps/$app_id.png" \
  /usr/share/man/man1/jira-connect.1.gz /usr/share/bash-completion/completions/jira-connect \
  /usr/share/zsh/vendor-completions/_jira-connect \
  /usr/share/fish/vendor_completions.d/jira-connect.fish; do
  [ -s "$f" ] || fail "$f is missing"
done
desktop-file-validate "$desktop"
appstreamcli validate --no-net "/usr/share/metainfo/$app_id.metainfo.xml" >/dev/null
key() { sed -n "/^\[Desktop Entry\]/,/^\[/ s/^$1=//p" "$desktop"; }
[ "$(key Icon)" = "$app_id" ] || fail "Icon=$(key Icon), not $app_id"
[ "$(key StartupWMClass)" = "$app_id" ] || fail "StartupWMClass=$(key StartupWMClass), not $app_id"
echo "ok   files in place; desktop file and metainfo valid; icon $app_id in hicolor"

# Starts the command of an Exec line (field codes such as %U dropped) with nothing but the
# system's PATH, so that the installed binary is the one that runs, and waits for its window.
launch() {
  local label=$1 exec_line=$2
  local -a argv
  read -ra argv <<<"$(sed 's/ %[fFuUdDnNickvm]//g' <<<"$exec_line")"
  start_x
  mkdir -p "$scratch/$label/home" "$scratch/$label/config"
  env -i PATH=/usr/bin:/bin DISPLAY="$DISPLAY" HOME="$scratch/$label/home" \
    JIRA_CONNECT_CONFIG_DIR="$scratch/$label/config" "${argv[@]}" \
    >"$scratch/$label.log" 2>&1 &
  app=$!
  wid=$(timeout 60 xdotool search --sync --name '^jira-connect$' | head -n 1) || {
    cat "$scratch/$label.log"; fail "$label: no window titled jira-connect appeared"; }
  # The window's class is what StartupWMClass names, so a desktop matches it to the entry.
  xdotool search --class "^$app_id\$" | grep -qx "$wid" ||
    fail "$label: the window's class is not $app_id"
  sleep 2   # let the first frames land
  mkdir -p "$shots"
  import -window "$wid" "$shots/$label.png"
  local colours
  colours=$(convert "$shots/$label.png" -format '%k' info:)
  [ "$colours" -ge 16 ] || fail "$label: the window looks blank ($colours colours)"
  xdotool windowfocus --sync "$wid"
  xdotool key ctrl+q
  for _ in $(seq 100); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$app" 2>/dev/null; then kill "$app"; fail "$label: the app did not quit on Ctrl+Q"; fi
  wait "$app" || { cat "$scratch/$label.log"; fail "$label: the app failed"; }
  echo "ok   $label: \`${argv[*]}\` opened its window ($colours colours), class $app_id"
}

launch app "$(key Exec)"
action_exec=$(sed -n '/^\[Desktop Action new-connection\]/,/^\[/ s/^Exec=//p' "$desktop")
[ -n "$action_exec" ] || fail "no New Connection action in $desktop"
launch new-connection "$action_exec"
# The action opens the dialog over the window, so the picture differs from the plain start.
differ=$(compare -metric AE "$shots/app.png" "$shots/new-connection.png" null: 2>&1 || true)
awk -v d="$differ" 'BEGIN { exit !(d + 0 > 10000) }' ||
  fail "the New Connection action shows the same window as a plain start ($differ pixels differ)"
echo "ok   the New Connection action opens the dialog ($differ pixels differ); screenshots in $shots/"
echo "installed package: 3 passed, 0 failed"
