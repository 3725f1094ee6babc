#!/usr/bin/env bash
# Produces the README screenshots of the three steps, of the Map step's
# Target section and of the History page, light and dark, into
# assets/screenshots/ by driving the real app under Xvfb with --sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--inside-x" ]; then
  out=$(mktemp -d)
  source .ci/gui-lib.sh
  build_leadsheet "$out"
  exec xvfb-run -a -s "-screen 0 1280x800x24" bash "$0" --inside-x "$out"
fi

out=$2
source .ci/gui-lib.sh
dest=assets/screenshots
mkdir -p "$dest"
trap stop_leadsheet EXIT

for theme in light dark; do
  export HOME="$out/home-$theme" XDG_CONFIG_HOME="$out/home-$theme/.config" XDG_DATA_HOME="$out/home-$theme/.local/share"
  mkdir -p "$HOME"
  FYNE_THEME=$theme start_leadsheet "$out/leadsheet" "$out/leadsheet-$theme.log" --sandbox
  wait_title "sample-leads.xlsx · Leads"
  sleep 2
  shoot "$dest/file-$theme.png"
  click 157 21 # step 2, Map
  sleep 1
  shoot "$dest/map-$theme.png"
  xdotool key --window "$APP_WINDOW" ctrl+Return
  sleep 6
  alive
  shoot "$dest/sync-$theme.png"
  # The Target section of the Map step, with the sandbox's seeded list and
  # program picked: typing an option's full name picks it.
  click 157 21 # step 2, Map
  sleep 1
  click 200 229 # the Target section's header
  sleep 1
  click 27 271 # Also add them to a static list
  click 400 271
  xdotool type --delay 20 "Newsletter Subscribers"
  click 27 311 # Make them members of a program
  click 450 311
  xdotool type --delay 20 "2026 Product Webinar"
  sleep 2 # the program's statuses
  click 880 311 # the status picker
  sleep 1
  click 855 380 # Registered
  sleep 2
  alive
  shoot "$dest/target-$theme.png"
  # The History page, with the sync above on it, selected.
  click 750 21 # History, in the header
  sleep 2
  click 300 146 # its first run
  sleep 1
  alive
  shoot "$dest/history-$theme.png"
  for f in "$dest"/*-"$theme".png; do not_blank "$f"; done
  stop_leadsheet
done
echo "screenshots written to $dest"
