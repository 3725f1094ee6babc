#!/usr/bin/env bash
# GUI smoke test: builds the real binary, runs it under Xvfb with --sandbox
# (local Marketo in-process, sample workbook opened), checks the window
# appears with the sample loaded, starts a sync with Ctrl+Enter, and fails if
# the process died or a screenshot is blank. Screenshots stay in
# $LEADSHEET_SMOKE_DIR (default: a temporary folder) for inspection.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--inside-x" ]; then
  out=${LEADSHEET_SMOKE_DIR:-$(mktemp -d)}
  mkdir -p "$out"
  echo "== building leadsheet"
  source .ci/gui-lib.sh
  build_leadsheet "$out"
  exec xvfb-run -a -s "-screen 0 1280x800x24" bash "$0" --inside-x "$out"
fi

out=$2
source .ci/gui-lib.sh
# A fresh home: no recent files, accounts or keyring from an earlier run.
export HOME="$out/home" XDG_CONFIG_HOME="$out/home/.config" XDG_DATA_HOME="$out/home/.local/share"
mkdir -p "$HOME"
trap stop_leadsheet EXIT

start_leadsheet "$out/leadsheet" "$out/leadsheet.log" --sandbox
wait_title "sample-leads.xlsx · Leads"
sleep 2
alive
shoot "$out/smoke-file.png"
not_blank "$out/smoke-file.png"

# Ctrl+Enter syncs the sample against the in-process sandbox; the results
# workbook appears beside the sample's copy in the app's storage.
xdotool key --window "$APP_WINDOW" ctrl+Return
results=
for _ in $(seq 1 60); do
  results=$(find "$HOME" -name 'sample-leads-results-*.xlsx' | head -n1)
  [ -n "$results" ] && break
  sleep 0.5
done
if [ -z "$results" ]; then
  echo "no results workbook 30 s after Ctrl+Enter: the sync did not run" >&2
  exit 1
fi
echo "results written: $results"
sleep 1
alive
shoot "$out/smoke-sync.png"
not_blank "$out/smoke-sync.png"
stop_leadsheet
echo "GUI smoke test passed; screenshots in $out"
