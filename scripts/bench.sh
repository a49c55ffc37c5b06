#!/usr/bin/env bash
# Builds jira-connect in release mode, runs every benchmark on this machine and writes
# BENCHMARKS.md: the criterion benches (config load/save at 1,000 connections, check-all
# scaling), then the process-level comparisons (check latency against curl, secret-tool +
# curl and Python's jira package; the real window against a bare eframe window under Xvfb).
#
# Installs what it needs (Debian/Ubuntu packages, and Python's jira package in a venv under
# target/bench). Nothing touches your own keyring or config: a private gnome-keyring runs
# on its own D-Bus session, and every config lives in a temporary directory.
#
# Usage: scripts/bench.sh          (BENCH_CHECK_ROUNDS, BENCH_FAR_ROUNDS, BENCH_WINDOW_ROUNDS:
#                                   rounds to run; BENCH_ONLY=check,near,far,window: those sections)
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: the test suite's (keyring, Xvfb, Mesa) and the contenders'.
scripts/install-deps.sh
packages=(curl libsecret-tools python3 python3-venv xvfb xdotool)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python's jira package, the tool a scripting user would pick instead.
mkdir -p target/bench
venv=target/bench/venv
if ! "$venv/bin/python" -c 'import jira' 2>/dev/null; then
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'jira==3.8.0'
fi

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
cargo build --locked --release --bin jira-connect --example bare_window --example mock_jira
# BENCH_ONLY=check,near,far|window re-runs only those process-level sections (see bench.py).
if [ -z "${BENCH_ONLY:-}" ]; then
  cargo bench --locked --bench config --bench check_all 2>&1 | tee target/bench/cargo-bench.log
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/data" "$scratch/runtime"
chmod 700 "$scratch/runtime"
export XDG_DATA_HOME="$scratch/data"        # the private keyring's files
export XDG_RUNTIME_DIR="$scratch/runtime"
export JIRA_CONNECT_REQUIRE_OS_KEYRING=1

dbus-run-session -- bash -c '
  set -euo pipefail
  echo -n "bench-keyring-password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  python3 scripts/bench.py "$1"
' bash "$PWD/$venv/bin/python"
echo "Wrote BENCHMARKS.md"
