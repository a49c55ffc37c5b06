#!/usr/bin/env bash
# The Windows build, made and run on Linux: built for x86_64-pc-windows-gnu with clippy's
# lints and no warning allowed, then run under Wine, in a scratch Wine prefix, against the
# loopback mock Jira (examples/mock_jira.rs, run natively):
# - the CLI's round trip, add, list, token, check and remove, with the token in the
#   Windows Credential Manager (Wine keeps it in the prefix's registry, checked too);
# - the window, under Xvfb: it opens, draws, and lists the connection checked against
#   the mock; its screenshot is target/windows-check/window.png.
# Wine 8 (Debian 12) lacks bcryptprimitives.dll, which Rust's standard library imports; the
# prefix gets a stand-in built from tests/fixtures/windows/bcryptprimitives.c. It is a test
# fixture only: the product never ships it.
# If the Windows target cannot be installed (rustup cannot reach its server), this says so
# and skips, with exit status 0.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/x.sh
start=$(date +%s)

target=x86_64-pc-windows-gnu
out=target/windows-check
# No debug info in the Windows build: the binary links in a fraction of the time (with it,
# it is 400 MB), and nothing here reads a backtrace. `-D warnings` makes any warning in
# jira-connect's own code fail the build (cargo caps the lints of dependencies). Both are
# set for the Windows target only, so the host's build (the mock Jira, build scripts, proc
# macros) stays the one the tests made.
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="-C debuginfo=0 -D warnings"

if ! rustup target list --installed | grep -qx "$target"; then
  if ! rustup target add "$target"; then
    echo "SKIP windows-check: rustup cannot install the $target target on this machine, so"
    echo "     the Windows build is neither built nor run here."
    exit 0
  fi
fi

# wine runs the binary; mingw is the C compiler for aws-lc-sys and for the fixture.
scripts/install-deps.sh wine wine64 gcc-mingw-w64-x86-64

# Linted while it is built: clippy-driver compiles jira-connect's own crate as rustc does,
# and runs clippy's lints on it on the way (as `cargo clippy` does, but with code generated),
# so the Windows dependencies are compiled once rather than checked and then compiled.
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)" \
  cargo build --locked --target "$target" --bin jira-connect
cargo build --locked --example mock_jira
exe=target/$target/debug/jira-connect.exe

scratch=$(mktemp -d)
mock=
xvfb=
cleanup() {
  [ -z "$mock" ] || { kill "$mock" 2>/dev/null || true; wait "$mock" 2>/dev/null || true; }
  WINEPREFIX=$scratch/prefix wineserver -k 2>/dev/null || true
  stop_x
  rm -rf "$scratch"
}
trap cleanup EXIT
passed=0
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok   $*"; passed=$((passed + 1)); }

# One X server for the whole run: Wine's desktop process starts with the first program and
# keeps the display it found then, so the window could not open on a display added later.
start_x

# A private Wine prefix, with no Mono or Gecko to fetch, and quiet.
export WINEPREFIX=$scratch/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wineboot -i >"$scratch/wineboot.log" 2>&1 || { cat "$scratch/wineboot.log"; fail "wineboot"; }
wineserver -w
x86_64-w64-mingw32-gcc -shared -O2 -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  tests/fixtures/windows/bcryptprimitives.c -ladvapi32
# The config directory, as a Windows path inside the prefix.
export JIRA_CONNECT_CONFIG_DIR='C:\jira-connect-check'

target/debug/examples/mock_jira 0 >"$scratch/mock.log" 2>&1 &
mock=$!
for _ in $(seq 100); do grep -q "listening on" "$scratch/mock.log" && break; sleep 0.1; done
url=$(sed -n 's/^mock Jira listening on //p' "$scratch/mock.log")
[ -n "$url" ] || { cat "$scratch/mock.log"; fail "the mock Jira did not start"; }

# Runs the Windows binary; its output lands in $scratch/last.
jc() { wine "$exe" "$@" >"$scratch/last" 2>&1; }
show() { sed 's/^/     | /' "$scratch/last"; }
credentials() { wine reg query 'HKCU\Software\Wine\Credential Manager' 2>/dev/null | tr -d '\r'; }

echo demo-token | jc add --url "$url" --cloud --name acme --email mia@example.com ||
  { show; fail "add"; }
grep -q 'Saved "acme"' "$scratch/last" || { show; fail "add did not save"; }
credentials | grep -q 'jira-connect' ||
  { credentials; fail "add left no credential in the Credential Manager"; }
ok "add: checked with the mock Jira, token in the Credential Manager"

jc list || { show; fail "list"; }
grep -q '^acme .*valid' "$scratch/last" || { show; fail "list does not show acme as valid"; }
ok "list"

jc token acme || { show; fail "token"; }
[ "$(tr -d '\r' <"$scratch/last")" = demo-token ] || { show; fail "token printed something else"; }
ok "token: read back from the Credential Manager"

jc check acme || { show; fail "check"; }
grep -q 'Logged in as Mia Krystof' "$scratch/last" || { show; fail "check did not log in"; }
ok "check"

# The window, over the saved connection.
wine "$exe" gui >"$scratch/gui.log" 2>&1 &
app=$!
wid=$(timeout 120 xdotool search --sync --name '^jira-connect$' | head -n 1) || {
  cat "$scratch/gui.log"; fail "no window titled jira-connect appeared under Wine"; }
sleep 5   # Wine's first frames, and the launch check against the mock, are slow
mkdir -p "$out"
import -window "$wid" "$out/window.png"
colours=$(convert "$out/window.png" -format '%k' info:)
[ "$colours" -ge 16 ] || fail "the window looks blank ($colours colours)"
xdotool windowfocus --sync "$wid" 2>/dev/null || true
xdotool key ctrl+q
for _ in $(seq 150); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$app" 2>/dev/null; then kill "$app"; fail "the app did not quit on Ctrl+Q"; fi
wait "$app" || { cat "$scratch/gui.log"; fail "the app failed"; }
ok "window: opened and drew ($colours colours), quit on Ctrl+Q; $out/window.png"

jc remove acme --yes || { show; fail "remove"; }
credentials | grep -q 'jira-connect' && fail "remove left the credential behind"
jc list || { show; fail "list after remove"; }
grep -q '^acme ' "$scratch/last" && { show; fail "remove left acme in the list"; }
if jc token acme; then show; fail "token still works after remove"; fi
ok "remove: gone from the list and from the Credential Manager"

echo "windows-check took $(( $(date +%s) - start )) s"
echo "windows: $passed passed, 0 failed"
