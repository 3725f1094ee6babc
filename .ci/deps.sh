#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Leadsheet needs that are missing.
#   .ci/deps.sh app    building and running the desktop app (cgo, X11/GL headers)
#   .ci/deps.sh test   the above plus what the test suite uses (Xvfb, a real
#                      keyring, xmllint, PHP's SoapClient, ImageMagick,
#                      node and npm for node-marketo-rest)
# Uses sudo when not run as root.
set -euo pipefail

app=(gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
  libxinerama-dev libxi-dev libxxf86vm-dev)
test=("${app[@]}" xvfb xauth xdotool imagemagick dbus gnome-keyring libsecret-tools
  libxml2-utils php-cli php-soap python3 nodejs npm)

case "${1:-}" in
app) wanted=("${app[@]}") ;;
test) wanted=("${test[@]}") ;;
*)
  echo "usage: $0 app|test" >&2
  exit 2
  ;;
esac

# A package whose command is already here counts as installed: NodeSource's
# nodejs, for one, brings npm, and installing Debian's npm beside it fails.
declare -A provides=([nodejs]=node [npm]=npm [python3]=python3 [php-cli]=php)
missing=()
for p in "${wanted[@]}"; do
  if [ -n "${provides[$p]:-}" ] && command -v "${provides[$p]}" >/dev/null; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "== installing: ${missing[*]}"
as_root apt-get update
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
