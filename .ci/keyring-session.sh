#!/usr/bin/env bash
# Runs a command next to a real Secret Service: a private D-Bus session with
# a freshly created, unlocked gnome-keyring. It sets LEADSHEET_KEYRING_TEST=1
# for the command, which turns on the tests that use the real keyring.
#
#   .ci/keyring-session.sh go test -race -count=1 -run Keyring ./marketo/
#
# Needs the Debian/Ubuntu packages dbus and gnome-keyring (not dbus-x11).
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

# Re-enter inside a private session bus, so nothing touches the user's own.
if [ -z "${LEADSHEET_KEYRING_SESSION:-}" ]; then
  exec env LEADSHEET_KEYRING_SESSION=1 dbus-run-session -- "$0" "$@"
fi

# A fresh keyring directory: one left over with another password "unlocks"
# with exit status 0 and then refuses every write.
tmp=$(mktemp -d)
export XDG_DATA_HOME="$tmp/data"
mkdir -p "$XDG_DATA_HOME/keyrings"
chmod 700 "$XDG_DATA_HOME" "$XDG_DATA_HOME/keyrings"

daemon_pid=""
cleanup() {
  # The daemon re-parents itself and can outlive the session: stop it by PID.
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo -n "leadsheet-ci-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null

bus_call() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus "$@" 2>/dev/null
}

# Wait until the unlocked daemon owns the name; a client that comes first
# D-Bus-activates a second, locked daemon and fails at random.
for _ in $(seq 1 100); do
  if bus_call org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q 'boolean true'; then
    daemon_pid=$(bus_call org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '/uint32/ {print $2}')
    break
  fi
  sleep 0.1
done
if [ -z "$daemon_pid" ]; then
  echo "keyring-session: gnome-keyring-daemon did not come up on the session bus" >&2
  exit 1
fi

export LEADSHEET_KEYRING_TEST=1
"$@"
