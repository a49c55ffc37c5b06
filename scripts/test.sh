#!/usr/bin/env bash
# Runs the whole test suite against real parts: a private gnome-keyring on its own D-Bus
# session (the real OS keyring path, through Secret Service), a loopback mock Jira, and the
# real window under Xvfb.
# Nothing here touches your own keyring or config: both live in temporary directories.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/data" "$scratch/runtime"
chmod 700 "$scratch/runtime"

export XDG_DATA_HOME="$scratch/data"        # the private keyring's files
export XDG_RUNTIME_DIR="$scratch/runtime"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

dbus-run-session -- bash -c '
  set -euo pipefail
  echo -n "test-keyring-password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  # The real-keyring tests are #[ignore]d for a bare `cargo test`; here they run.
  cargo test --locked -- --include-ignored "$@"
  scripts/smoke-window.sh target/debug/jira-connect
  scripts/a11y-tree.sh target/debug/jira-connect
' bash "$@"
