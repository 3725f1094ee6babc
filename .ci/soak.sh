#!/usr/bin/env bash
# The long fault soak of issue 7: `leadsheet sync` on a 20,000-row workbook,
# killed with SIGKILL ten times mid-run and resumed each time, with injected
# server trouble (5xx, dropped connections, cut-off and slow answers) and
# Marketo's limits in force, once with dedup on and once with dedup off. It
# fails unless the sandbox's store ends with every confirmed lead exactly
# once: 0 lost, 0 duplicated (with dedup off, rows whose call was in flight
# at a kill end "unknown, check in Marketo" and are never re-sent blindly).
# A few minutes on 2 cores; CI runs the 3-kill, 3,000-row variant
# (TestSoakKillResumeShort) with the ordinary tests; this one is built only
# with the soak tag.
#
#   bash .ci/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
go test -tags soak -count=1 -timeout 30m -run '^TestSoakKillResume$' -v ./importer/cli/ 2>&1 | grep -v '^=== '
