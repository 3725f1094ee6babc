# Helpers shared by gui-smoke.sh and gui-screenshots.sh; sourced, not run.
# They drive the real Leadsheet binary on an X display (Xvfb in CI).

# build_leadsheet DIR: builds the GUI binary into DIR/leadsheet.
build_leadsheet() {
  go build -tags migrated_fynedo -o "$1/leadsheet" .
}

# start_leadsheet BIN LOG ARGS...: starts the app in the background and sets
# APP_PID and APP_WINDOW once its window is mapped; fails after 60 s.
start_leadsheet() {
  local bin=$1 log=$2
  shift 2
  "$bin" "$@" >"$log" 2>&1 &
  APP_PID=$!
  APP_WINDOW=
  for _ in $(seq 1 120); do
    if ! kill -0 "$APP_PID" 2>/dev/null; then
      echo "leadsheet exited before showing a window; its output:" >&2
      cat "$log" >&2
      return 1
    fi
    APP_WINDOW=$(xdotool search --onlyvisible --name '^Leadsheet' 2>/dev/null | head -n1 || true)
    [ -n "$APP_WINDOW" ] && return 0
    sleep 0.5
  done
  echo "no Leadsheet window after 60 s" >&2
  return 1
}

# wait_title SUBSTRING: waits (up to 60 s) until the window title contains SUBSTRING.
wait_title() {
  for _ in $(seq 1 120); do
    case "$(xdotool getwindowname "$APP_WINDOW" 2>/dev/null)" in *"$1"*) return 0 ;; esac
    sleep 0.5
  done
  echo "window title never showed '$1' (title: $(xdotool getwindowname "$APP_WINDOW" 2>/dev/null))" >&2
  return 1
}

# alive: fails when the app has died.
alive() {
  if ! kill -0 "$APP_PID" 2>/dev/null; then
    echo "leadsheet died" >&2
    return 1
  fi
}

# click X Y: clicks at a point of the app window.
click() {
  xdotool mousemove --window "$APP_WINDOW" "$1" "$2" click 1
}

# shoot FILE: captures the app window, with the pointer moved off it so no
# hover highlight shows.
shoot() {
  xdotool mousemove 1279 799
  sleep 0.3
  /usr/bin/import -window "$APP_WINDOW" "$1"
}

# not_blank FILE: fails when a screenshot is (nearly) one flat colour.
not_blank() {
  local sd colours
  sd=$(/usr/bin/convert "$1" -format '%[fx:standard_deviation]' info:)
  colours=$(/usr/bin/convert "$1" -format '%k' info:)
  echo "$1: standard deviation $sd, $colours colours"
  if awk -v sd="$sd" 'BEGIN { exit !(sd < 0.02) }' || [ "$colours" -lt 16 ]; then
    echo "$1 looks blank" >&2
    return 1
  fi
}

# stop_leadsheet: ends the app started by start_leadsheet.
stop_leadsheet() {
  if [ -n "${APP_PID:-}" ] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID"
    wait "$APP_PID" 2>/dev/null || true
  fi
  APP_PID=
}
