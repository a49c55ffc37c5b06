#!/usr/bin/env bash
# Fuzzes the URL normaliser, the response classifier and the .netrc reader and remover
# with cargo-fuzz (libFuzzer) for a
# fixed time each, and prints the runs and any crash found.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60; FUZZ_TARGETS picks targets)
# cargo-fuzz needs unstable compiler flags; RUSTC_BOOTSTRAP lets the stable toolchain use them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for target in ${FUZZ_TARGETS:-site_url classify netrc}; do
  mkdir -p "fuzz/corpus/$target"
  log=$(mktemp)
  # FUZZ_ARGS passes more libFuzzer options, e.g. FUZZ_ARGS=-max_len=512.
  # shellcheck disable=SC2086
  if ! cargo fuzz run "$target" -- -max_total_time="$seconds" -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz $target: failed (see above)"
    rm -f "$log"
    exit 1
  fi
  tail -n 3 "$log"
  runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' || echo 0)
  crashes=$(ls fuzz/artifacts/"$target" 2>/dev/null | wc -l)
  echo "fuzz $target: $runs runs in ${seconds}s, $crashes crash artifacts"
  rm -f "$log"
done
