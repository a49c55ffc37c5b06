#!/usr/bin/env bash
# Builds the Linux package, target/package/jira-connect_VERSION-1_ARCH.deb, with cargo-deb
# (installed from crates.io when missing). What goes in is [package.metadata.deb] in
# Cargo.toml. First it makes the generated files under target/package/generated/: the PNG
# icons, rendered from assets/icon.svg, and the man pages and shell completions, from the
# CLI's own definition (examples/gen_assets.rs). The desktop file and the AppStream metainfo
# are validated before and after packaging.
# Install the result with `sudo apt install ./target/package/jira-connect_*.deb`;
# scripts/deb-check.sh installs it and starts it as a desktop would.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

app_id=io.github.jira_connect.JiraConnect
cargo_deb_version=3.8.0
out=target/package
gen=$out/generated

# rsvg-convert for the icons, dpkg-shlibdeps for the package's own Depends, and the
# freedesktop validators.
scripts/install-deps.sh librsvg2-bin dpkg-dev desktop-file-utils appstream

if ! command -v cargo-deb >/dev/null; then
  echo "cargo-deb is missing: installing cargo-deb $cargo_deb_version from crates.io"
  cargo install --locked cargo-deb --version "$cargo_deb_version"
fi

desktop-file-validate "assets/$app_id.desktop"
appstreamcli validate --no-net "assets/$app_id.metainfo.xml"

rm -rf "$out"
mkdir -p "$gen/icons"
for size in 16 32 48 64 128 256 512; do
  rsvg-convert --width "$size" --height "$size" assets/icon.svg --output "$gen/icons/$size.png"
done

# Built with the debug profile: its dev-dependencies are the test suite's, already built.
cargo run --locked --quiet --example gen_assets -- "$gen"
gzip -9n "$gen"/man/*.1

cargo deb --locked --output "$out/"
deb=$(ls "$out"/jira-connect_*.deb)

# What a user's software centre reads, validated where the package puts it.
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
dpkg-deb -x "$deb" "$tree"
desktop-file-validate "$tree/usr/share/applications/$app_id.desktop"
appstreamcli validate-tree --no-net "$tree"

dpkg-deb --field "$deb" Package Version Architecture Installed-Size Depends Recommends
echo "package: $deb ($(du -h "$deb" | cut -f1)), built in $(( $(date +%s) - start )) s"
