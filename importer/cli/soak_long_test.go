//go:build soak

package cli

import (
	"testing"
	"time"

	"leadsheet/marketo/marketotest"
)

// TestSoakKillResume is the full soak of issue 7: ten SIGKILL-and-resume
// cycles on a 20,000-row import, dedup on and off, with injected trouble
// and Marketo's limits in force. It takes a few minutes, so it is built
// only with the soak tag (.ci/soak.sh): a tag rather than an environment
// switch, so the ordinary run reports no skipped test.
func TestSoakKillResume(t *testing.T) {
	runSoak(t, soakPlan{rows: 20000, cycles: 10, batch: 100, concurrency: 10, latency: 400 * time.Millisecond, limits: true,
		faults: marketotest.Faults{FaultRate5xx: 0.05, DropRate: 0.02, MalformedRate: 0.02, SlowBodyRate: 0.02}})
}
