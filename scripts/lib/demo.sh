# Sourced by the screenshot scripts: what they share to show the real app against the demo
# Jira (examples/mock_jira.rs) with a private keyring, on an X server of their own.

# Runs the calling script again inside a private D-Bus session whose keyring lives in a
# scratch directory, after building the app and the demo Jira with cargo's PROFILE
# ("release" or "dev"), then exits. Inside that session it returns at once.
# Usage: demo_session PROFILE "$0" "$@"
demo_session() {
  local profile=$1 script=$2
  shift 2
  [ "${DEMO_INSIDE:-}" = 1 ] && return 0
  scripts/install-deps.sh
  cargo build --locked --profile "$profile" --bin jira-connect --example mock_jira
  local scratch
  scratch=$(mktemp -d)
  mkdir -p "$scratch/data" "$scratch/run"; chmod 700 "$scratch/run"
  XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run" SCRATCH="$scratch" \
    DEMO_INSIDE=1 DEMO_PROFILE="$profile" dbus-run-session -- "$script" "$@"
  rm -rf "$scratch"
  exit 0
}

# Unlocks the private keyring, starts the demo Jira on a free port and Xvfb on DISPLAY_NUMBER
# with GEOMETRY (WIDTHxHEIGHT), and sets bin, out, port, mock and xvfb for the caller.
# Usage: demo_start DISPLAY_NUMBER GEOMETRY
demo_start() {
  local display=$1 geometry=$2 dir=target/release
  [ "$DEMO_PROFILE" = dev ] && dir=target/debug
  echo -n screenshots | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  bin=$dir/jira-connect
  out=assets/screenshots
  mkdir -p "$out"
  port=$(( 20000 + RANDOM % 20000 ))
  "$dir/examples/mock_jira" "$port" >/dev/null &
  mock=$!
  Xvfb ":$display" -screen 0 "${geometry}x24" -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  export DISPLAY=":$display" JIRA_CONNECT_CONFIG_DIR="$SCRATCH/cfg"
}
