#!/usr/bin/env bash
# Smoke-tests the Windows build of Leadsheet under Wine, inside Xvfb:
#
#   .ci/windows-smoke.sh [leadsheet.exe]
#
# Without an argument it cross-builds the .exe first (as .ci/dist.sh does,
# minus the icon resource); with one it tests that file, e.g. the one in
# dist/. Checks, each reported PASS or FAIL:
#   prefix   a fresh Wine prefix in a temp dir (plus the ProcessPrng shim, below)
#   version  "leadsheet.exe version" prints "leadsheet <version>" on stdout
#   keyring  .ci/wine/keyringcheck, cross-built, saves an account through
#            marketo.CredentialStore: the secret goes to the Windows Credential
#            Manager (wincred), is read back and deleted
#   sandbox  "leadsheet.exe sandbox" runs in Wine; the native Linux
#            "leadsheet sync" imports assets/sample-leads.xlsx into it over SOAP
#            (exit 1 and "2 invalid": the sample has two bad rows by design),
#            then again, which must update instead of create
#   gui      "leadsheet.exe --sandbox" opens a window titled "Leadsheet ..." whose
#            screenshot is not blank (saved as $SMOKE_OUT/gui.png)
# and ends with "N passed, N failed"; the exit status is non-zero on any failure.
#
# Wine 8.0 (Debian 12) lacks bcryptprimitives.dll!ProcessPrng, which the Go
# runtime needs since Go 1.22, so no Go program starts there. The test builds a
# small shim from .ci/wine/bcryptprimitives.c into the throwaway prefix only;
# real Windows 10 and later has the function, and the shim is never shipped.
#
# Env: SMOKE_OUT (logs and screenshot; default a temp dir, kept), SMOKE_TIMEOUT
# (seconds per step, default 90). Installs missing apt packages.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TIMEOUT=${SMOKE_TIMEOUT:-90}
start=$SECONDS

say() { printf '%s [smoke] %s\n' "$(date +%T)" "$*"; }
die() { say "$*"; exit 2; }

need=(wine wine64 xvfb xauth xdotool imagemagick curl gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  say "installing: ${missing[*]}"
  as_root apt-get update -q >/dev/null || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
    >/dev/null || die "apt-get install failed"
fi
bash "$ROOT/.ci/deps.sh" app >/dev/null || die "installing the app's build packages failed"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/leadsheet-wine.XXXXXX")
SMOKE_OUT=${SMOKE_OUT:-$WORK/out}
mkdir -p "$SMOKE_OUT"
export WINEPREFIX=$WORK/prefix WINEARCH=win64 WINEDEBUG=-all
# Never offer to download Mono or Gecko: Leadsheet needs neither.
export WINEDLLOVERRIDES="mscoree,mshtml="
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wineserver -k 2>/dev/null # this prefix's wineserver only
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  # Keep the logs when they live inside WORK.
  if [ "$SMOKE_OUT" = "$WORK/out" ]; then
    rm -rf "$WORK/prefix" "$WORK/bin" "$WORK/sync"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

passed=0 failed=0
result() { # NAME OK(0/1) STARTED DETAIL
  if [ "$2" = 0 ]; then passed=$((passed + 1)); say "PASS $1 ($(($SECONDS - $3)) s) $4"
  else failed=$((failed + 1)); say "FAIL $1 ($(($SECONDS - $3)) s) $4"; fi
}
freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wrun LOG ARGS...: runs a Windows program with its output in a file: Wine's
# helper processes inherit stdout and outlive the program, so a pipe or
# $(...) would wait for them.
wrun() { local log=$1; shift; timeout "$TIMEOUT" wine "$@" >"$log" 2>&1; }

VERSION=$(sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$ROOT/FyneApp.toml" | head -n1)
tag=$(git -C "$ROOT" describe --tags --exact-match HEAD 2>/dev/null || true)
[[ $tag =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] && VERSION=${tag#v}

# --- builds: the .exe, the keyring check and the native CLI ---
mkdir -p "$WORK/bin"
t=$SECONDS
if [ $# -ge 1 ]; then
  EXE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  [ -f "$EXE" ] || die "no such file: $1"
  # A file from dist.sh is named with its version.
  [[ $(basename "$EXE") =~ ^leadsheet-([0-9]+\.[0-9]+\.[0-9]+)-windows ]] && VERSION=${BASH_REMATCH[1]}
else
  EXE=$WORK/bin/leadsheet.exe
  (cd "$ROOT" && CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
    go build -trimpath -tags migrated_fynedo -ldflags "-H windowsgui -X main.version=$VERSION" -o "$EXE" .) ||
    die "cross-building leadsheet.exe failed"
fi
(cd "$ROOT" && GOOS=windows GOARCH=amd64 CGO_ENABLED=0 \
  go build -o "$WORK/bin/keyringcheck.exe" ./.ci/wine/keyringcheck/main.go) || die "building keyringcheck.exe failed"
(cd "$ROOT" && go build -tags migrated_fynedo -o "$WORK/bin/leadsheet" .) || die "building the Linux leadsheet failed"
say "built in $((SECONDS - t)) s; testing $EXE (version $VERSION), logs in $SMOKE_OUT"

# --- display ---
Xvfb -displayfd 9 -screen 0 1280x800x24 -nolisten tcp 9>"$WORK/display" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/display" ] && break; sleep 0.1; done
[ -s "$WORK/display" ] || die "Xvfb did not start"
export DISPLAY=:$(tr -dc 0-9 <"$WORK/display")

# --- prefix ---
t=$SECONDS ok=0
wine wineboot --init >"$SMOKE_OUT/wineboot.log" 2>&1 && wineserver -w || ok=1
sys32=$WINEPREFIX/drive_c/windows/system32
if [ $ok = 0 ] && [ ! -f /usr/lib/x86_64-linux-gnu/wine/x86_64-windows/bcryptprimitives.dll ]; then
  x86_64-w64-mingw32-gcc -O2 -shared -s -o "$sys32/bcryptprimitives.dll" "$ROOT/.ci/wine/bcryptprimitives.c" \
    -ladvapi32 >>"$SMOKE_OUT/wineboot.log" 2>&1 || ok=1
fi
wineserver -p >/dev/null 2>&1 # one wineserver for every step; killed in cleanup
result prefix $ok $t "$(wine --version 2>/dev/null </dev/null) in $WINEPREFIX"
if [ $ok != 0 ]; then
  tail -n 20 "$SMOKE_OUT/wineboot.log"
  echo "$passed passed, $((failed + 4)) failed (no Wine prefix, nothing else ran)"
  exit 1
fi

# --- version ---
t=$SECONDS ok=1
if wrun "$SMOKE_OUT/version.log" "$EXE" version && grep -qx "leadsheet $VERSION" "$SMOKE_OUT/version.log"; then ok=0; fi
result version $ok $t "$(head -c 200 "$SMOKE_OUT/version.log" | tr '\n' ' ')"

# --- keyring ---
t=$SECONDS ok=1
if wrun "$SMOKE_OUT/keyring.log" "$WORK/bin/keyringcheck.exe" && grep -qx "keyring: OK" "$SMOKE_OUT/keyring.log"; then ok=0; fi
result keyring $ok $t "$(tr '\n' ' ' <"$SMOKE_OUT/keyring.log" | head -c 300)"

# --- sandbox in Wine, synced into from Linux ---
t=$SECONDS ok=1 detail=
port=$(freeport)
endpoint=http://127.0.0.1:$port/soap/mktows/2_2
wine "$EXE" sandbox --addr "127.0.0.1:$port" >"$SMOKE_OUT/sandbox.log" 2>&1 &
spid=$!
PIDS+=($spid)
for _ in $(seq $((TIMEOUT * 2))); do
  curl -sf -m 5 -o "$SMOKE_OUT/wsdl.xml" "$endpoint?WSDL" && break
  kill -0 $spid 2>/dev/null || break
  sleep 0.5
done
if [ ! -s "$SMOKE_OUT/wsdl.xml" ]; then
  detail="the sandbox never answered $endpoint?WSDL (see $SMOKE_OUT/sandbox.log)"
else
  mkdir -p "$WORK/sync"
  cp "$ROOT/assets/sample-leads.xlsx" "$WORK/sync/sample.xlsx"
  # synced N: runs the native CLI into the Wine sandbox; sync.N.log keeps stdout.
  synced() {
    (cd "$WORK/sync" && LEADSHEET_ENCRYPTION_KEY=sandbox-encryption-key timeout "$TIMEOUT" "$WORK/bin/leadsheet" sync \
      sample.xlsx --api soap --endpoint "$endpoint" --user-id leadsheet_sandbox_1 \
      >"$SMOKE_OUT/sync.$1.log" 2>"$SMOKE_OUT/sync.$1.err")
  }
  synced 1
  rc1=$?
  first=$(grep -E '^[0-9]+ rows: ' "$SMOKE_OUT/sync.1.log" | tail -n1)
  synced 2
  rc2=$?
  second=$(grep -E '^[0-9]+ rows: ' "$SMOKE_OUT/sync.2.log" | tail -n1)
  detail="first: exit $rc1, \"$first\"; again: exit $rc2, \"$second\""
  # Rows repeating a lead already in the sheet count as updated on the
  # first run; on the second every valid row is an update.
  if [ $rc1 = 1 ] && [[ $first =~ ^[0-9]+\ rows:\ ([1-9][0-9]*)\ created,\ ([0-9]+)\ updated,\ 0\ failed,\ 2\ invalid,\ 0\ not\ sent$ ]]; then
    sent=$((BASH_REMATCH[1] + BASH_REMATCH[2]))
    [ $rc2 = 1 ] && [[ $second =~ ^[0-9]+\ rows:\ 0\ created,\ $sent\ updated,\ 0\ failed,\ 2\ invalid,\ 0\ not\ sent$ ]] && ok=0
  fi
fi
result sandbox $ok $t "$detail"
kill $spid 2>/dev/null

# --- gui ---
t=$SECONDS ok=1 detail="no window titled Leadsheet (see $SMOKE_OUT/gui.log)"
wine "$EXE" --sandbox >"$SMOKE_OUT/gui.log" 2>&1 &
gpid=$!
PIDS+=($gpid)
wid=
for _ in $(seq $((TIMEOUT * 2))); do
  wid=$(xdotool search --onlyvisible --name '^Leadsheet($| )' 2>/dev/null | head -n1)
  [ -n "$wid" ] && break
  kill -0 $gpid 2>/dev/null || break
  sleep 0.5
done
if [ -n "$wid" ]; then
  sleep 5 # the first frames, and the sample workbook loading
  eval "$(xdotool getwindowgeometry --shell "$wid")"
  import -window root "$SMOKE_OUT/screen.png" 2>/dev/null
  /usr/bin/convert "$SMOKE_OUT/screen.png" -crop "${WIDTH}x${HEIGHT}+${X}+${Y}" +repage "$SMOKE_OUT/gui.png"
  stats=$(/usr/bin/convert "$SMOKE_OUT/gui.png" -format '%[fx:standard_deviation] %k' info: 2>/dev/null)
  sd=${stats% *} colors=${stats#* }
  # A blank or single-colour window has no spread and a handful of colours;
  # rendered text and widgets have hundreds.
  awk -v s="$sd" -v c="$colors" 'BEGIN { exit !(s > 0.02 && c > 32) }' && ok=0
  detail="window $wid ${WIDTH}x${HEIGHT}, stddev $sd, $colors colours -> $SMOKE_OUT/gui.png"
fi
result gui $ok $t "$detail"
kill $gpid 2>/dev/null

say "took $((SECONDS - start)) s"
echo "$passed passed, $failed failed"
[ $failed = 0 ]
