#!/usr/bin/env bash
# The macOS build, checked on Linux: jira-connect is compiled for aarch64-apple-darwin with
# clippy's lints and no warning allowed, twice, as `.ci/run` does for Linux: with its tests,
# benches and examples (`--all-targets`), and as shipped (`--lib --bins`, without the
# test-support feature). That covers the code behind `cfg(target_os = "macos")`: the Keychain
# store, the LaunchAgent, the notifications, the single-instance code. It is a check, not a
# build: nothing is linked (that needs Apple's SDK) and nothing is run.
#
# The C parts are compiled for real, with zig's clang (the `ziglang` package from PyPI, in a
# virtualenv under target/), which ships the macOS C headers: aws-lc-sys (under rustls) is
# built as a static library for arm64 macOS. One part is not: mac-notification-sys (under
# notify-rust) compiles Objective-C that imports <Cocoa/Cocoa.h>, and Apple's framework
# headers come only with Apple's SDK, which zig does not ship. Its build script skips that
# file when DOCS_RS is set (as docs.rs does), so DOCS_RS is set here; the only other build
# scripts that read it (objc-sys, android-activity) do not change what they build for this
# target. The Rust code that calls notify-rust is still checked.
#
# If the target or zig cannot be installed (rustup or pip cannot reach their servers), this
# says so and skips, with exit status 0.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

target=aarch64-apple-darwin
zig_version=0.17.1
out=target/macos-check
env_name=${target//-/_}

if ! rustup target list --installed | grep -qx "$target"; then
  if ! rustup target add "$target"; then
    echo "SKIP macos-check: rustup cannot install the $target target on this machine, so"
    echo "     the macOS build is not checked here."
    exit 0
  fi
fi

# zig, in its own virtualenv: nothing is installed into the system's Python. Debian's
# python3 makes virtualenvs only with python3-venv.
python3 -c "import ensurepip, venv" 2>/dev/null || scripts/install-deps.sh python3 python3-venv
mkdir -p "$out/bin"
venv=$out/zig-venv
if ! "$venv/bin/python" -c "import ziglang" 2>/dev/null ||
  [ "$("$venv/bin/python" -m ziglang version 2>/dev/null)" != "$zig_version" ]; then
  python3 -m venv "$venv"
  if ! "$venv/bin/pip" install -q "ziglang==$zig_version"; then
    echo "SKIP macos-check: zig (ziglang $zig_version) cannot be installed from PyPI on this"
    echo "     machine, so the macOS build is not checked here."
    exit 0
  fi
fi
zig=$("$venv/bin/python" -c 'import ziglang, os; print(os.path.dirname(ziglang.__file__))')/zig
zig=$(realpath "$zig")

# The C compiler and archiver cc-rs calls for the target. cc-rs adds clang's spelling of the
# target (--target=arm64-apple-macosx), which zig does not know; zig gets its own instead.
cat >"$out/bin/cc" <<EOF
#!/bin/sh
for a in "\$@"; do
  shift
  case \$a in --target=*) ;; *) set -- "\$@" "\$a" ;; esac
done
exec "$zig" cc -target aarch64-macos "\$@"
EOF
cat >"$out/bin/ar" <<EOF
#!/bin/sh
exec "$zig" ar "\$@"
EOF
chmod +x "$out/bin/cc" "$out/bin/ar"
export "CC_$env_name=$PWD/$out/bin/cc" "AR_$env_name=$PWD/$out/bin/ar"
export DOCS_RS=1

cargo clippy --locked --target "$target" --all-targets -- -D warnings
cargo clippy --locked --target "$target" --lib --bins -- -D warnings

# The C parts were compiled, not skipped: aws-lc-sys's static library is there.
ls target/$target/debug/build/aws-lc-sys-*/out/libaws_lc_*_crypto.a >/dev/null 2>&1 || {
  echo "FAIL: aws-lc-sys built no static library for $target"
  exit 1
}

echo "macos-check took $(($(date +%s) - start)) s"
echo "macos: $target clippy-clean (all targets, and as shipped); not linked or run"
