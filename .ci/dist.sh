#!/usr/bin/env bash
# Builds every Leadsheet release artifact into dist/ with SHA-256 checksums:
#
#   dist/leadsheet-<version>-windows-amd64.exe   one file to double-click: cross-built
#       with mingw-w64 (cgo), GUI subsystem (no console window), icon, manifest
#       and version information embedded; "leadsheet.exe version|sync|sandbox"
#       still print to the terminal they are run from (cli.AttachConsole)
#   dist/leadsheet-<version>-linux-amd64.tar.xz  "fyne package -os linux": binary,
#       .desktop entry, icon and a Makefile ("make user-install" or
#       "sudo make install")
#   dist/SHA256SUMS
#
# Usage: .ci/dist.sh            (from anywhere; Debian/Ubuntu with Go)
# The version is FyneApp.toml's, unless HEAD carries an exact vX.Y.Z tag. It
# is stamped into the binaries with -X main.version.
#
# The source tree is never written to: fyne package rewrites Build in
# FyneApp.toml and go-winres drops a .syso next to main.go, so everything is
# built in a temporary copy. Missing apt packages and the pinned Go tools are
# installed on first use (tools under $LEADSHEET_TOOLS, default
# ~/.cache/leadsheet-dist-tools).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=$ROOT/dist
TOOLS=${LEADSHEET_TOOLS:-$HOME/.cache/leadsheet-dist-tools}
FYNE_TOOLS_VERSION=v1.7.4
GOWINRES_VERSION=v0.3.3
BIN=leadsheet

log() { printf '%s [dist] %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'dist.sh: %s\n' "$*" >&2; exit 1; }

# tomlval KEY: a [Details] value of FyneApp.toml (its keys are unique there).
tomlval() {
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*\$/\1/p" \
    "$ROOT/FyneApp.toml" | head -n1
}
NAME=$(tomlval Name)
ICON=$(tomlval Icon)
VERSION=$(tomlval Version)
BUILD=$(tomlval Build)
tag=$(git -C "$ROOT" describe --tags --exact-match HEAD 2>/dev/null || true)
if [[ $tag =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  VERSION=${tag#v}
fi
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "version '$VERSION' is not X.Y.Z (FyneApp.toml or git tag)"
[ -n "$NAME" ] && [ -f "$ROOT/$ICON" ] || die "FyneApp.toml needs Name and an existing Icon"
LDX="-X main.version=$VERSION"
# fyneDo = true in FyneApp.toml means the code is migrated to fyne.Do.
TAGS=migrated_fynedo
log "$NAME $VERSION (build ${BUILD:-1})"

# --- what the build needs ---
bash "$ROOT/.ci/deps.sh" app
missing=()
for p in gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 icoutils xz-utils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  log "installing: ${missing[*]}"
  as_root apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p "$TOOLS"
have=$("$TOOLS/fyne" version 2>/dev/null || true)
if [[ $have != *"cli version: $FYNE_TOOLS_VERSION"* ]]; then
  log "installing fyne.io/tools/cmd/fyne@$FYNE_TOOLS_VERSION"
  GOBIN=$TOOLS go install "fyne.io/tools/cmd/fyne@$FYNE_TOOLS_VERSION"
fi
if [ "$(cat "$TOOLS/go-winres.version" 2>/dev/null)" != "$GOWINRES_VERSION" ]; then
  log "installing github.com/tc-hib/go-winres@$GOWINRES_VERSION"
  GOBIN=$TOOLS go install "github.com/tc-hib/go-winres@$GOWINRES_VERSION"
  echo "$GOWINRES_VERSION" >"$TOOLS/go-winres.version"
fi

# --- a throwaway copy of the source ---
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/leadsheet-dist.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
tar -C "$ROOT" --exclude=./.git --exclude=./dist --exclude='*.syso' -cf - . | tar -C "$STAGE" -xf -
rm -rf "$DIST"
mkdir -p "$DIST"

# --- Windows ---
t=$SECONDS
# Windows wants a four-part numeric file version. Task Manager and the
# SmartScreen prompt show the file description, so it is just the name.
(cd "$STAGE" && "$TOOLS/go-winres" simply --arch amd64 --out rsrc --icon "$ICON" --manifest gui \
  --product-name "$NAME" --file-description "$NAME" \
  --original-filename "$BIN.exe" --product-version "$VERSION" --file-version "$VERSION.${BUILD:-0}")
exe=$DIST/$BIN-$VERSION-windows-amd64.exe
(cd "$STAGE" && CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
  go build -trimpath -tags "$TAGS" -ldflags "-H windowsgui -s -w $LDX" -o "$exe" .)
# The resource must really be in: RT_GROUP_ICON (14) and RT_VERSION (16).
res=$(wrestool -l "$exe")
grep -q 'type=14' <<<"$res" && grep -q 'type=16' <<<"$res" || die "icon or version resource missing in $exe"
# (Captured first: grep -q stopping early would fail the pipe under pipefail.)
pe=$(x86_64-w64-mingw32-objdump -p "$exe")
grep -q 'Subsystem.*(Windows GUI)' <<<"$pe" || die "$exe is not a GUI-subsystem program"
log "windows: $(basename "$exe") in $((SECONDS - t)) s"

# --- Linux ---
t=$SECONDS
(cd "$STAGE" && CGO_ENABLED=1 GOFLAGS="-ldflags=-X=main.version=$VERSION" \
  "$TOOLS/fyne" package -os linux --release --tags "$TAGS" --app-version "$VERSION" --name "$NAME" \
  --executable "$BIN")
tarball=$DIST/$BIN-$VERSION-linux-amd64.tar.xz
mv "$STAGE/$NAME.tar.xz" "$tarball"
files=$(tar -tJf "$tarball")
grep -q "usr/local/bin/$BIN\$" <<<"$files" || die "$tarball holds no $BIN binary"
log "linux: $(basename "$tarball") in $((SECONDS - t)) s"

(cd "$DIST" && sha256sum -- *.exe *.tar.xz >SHA256SUMS)
ls -l "$DIST" >&2
log "done: $DIST"
