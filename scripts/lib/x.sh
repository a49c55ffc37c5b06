# Sourced by the scripts that run the real window under Xvfb (smoke-window.sh, deb-check.sh,
# windows-check.sh): an X server of their own. The caller sets `scratch` (a scratch
# directory) and `xvfb=` first, and calls stop_x when it cleans up.

# Starts a fresh X server on a display number the server picks itself (-displayfd), so
# that no other X server on the machine, and nothing left by the previous one, is in the
# way; the one started before, if any, is stopped first. Sets xvfb to its pid and exports
# DISPLAY. Says so and returns 1 when Xvfb does not start.
start_x() {
  stop_x
  rm -f "$scratch/display"
  Xvfb -displayfd 3 -screen 0 1200x800x24 -nolisten tcp 3>"$scratch/display" >/dev/null 2>&1 &
  xvfb=$!
  for _ in $(seq 100); do [ -s "$scratch/display" ] && break; sleep 0.1; done
  [ -s "$scratch/display" ] || { echo "FAIL: Xvfb did not start"; return 1; }
  export DISPLAY=:$(head -n 1 "$scratch/display")
}

# Stops the X server start_x started, if any.
stop_x() {
  [ -z "${xvfb:-}" ] || { kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true; }
  xvfb=
}
