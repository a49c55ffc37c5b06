#!/usr/bin/env bash
# Installs the system packages the test suite needs on Debian or Ubuntu:
# a Secret Service (gnome-keyring) on a private D-Bus session for the real-keyring tests,
# a virtual X display with Mesa and a window manager (openbox) for the real-window tests,
# xclip to read the real clipboard as another program does,
# the accessibility bus and pyatspi for reading the window as a screen reader does,
# fonts for Japanese, Korean and Chinese (Noto CJK) and Arabic and Hebrew (DejaVu) that the
# window finds through fontconfig, and systemd-analyze to verify the reminders units.
# Usage: scripts/install-deps.sh [PACKAGE...]   (extra packages another script needs)
set -euo pipefail

packages=(
  gnome-keyring libsecret-tools dbus dbus-x11
  xvfb xauth xdotool xclip imagemagick openbox
  at-spi2-core python3-pyatspi
  systemd
  libgl1 libgl1-mesa-dri libegl1 mesa-vulkan-drivers
  fonts-noto-cjk fonts-dejavu-core
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
