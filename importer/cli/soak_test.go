package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// soakPlan sizes a kill-and-resume soak.
type soakPlan struct {
	rows, cycles, batch, concurrency int
	latency                          time.Duration
	faults                           marketotest.Faults
	limits                           bool // keep Marketo's rate and concurrency limits in the sandbox
	rest                             bool // sync over REST, where lost answers are looked up
}

// TestSoakKillResumeShort is the CI-sized soak: a sync killed with SIGKILL
// three times mid-run, with injected server trouble, then run to the end;
// no lead may be lost or stored twice, with dedup on and off.
// (TestSyncKilledAndResumed covers one kill without trouble.)
func TestSoakKillResumeShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	runSoak(t, soakPlan{rows: 3000, cycles: 3, batch: 100, concurrency: 4, latency: 300 * time.Millisecond,
		faults: marketotest.Faults{FaultRate5xx: 0.05, DropRate: 0.03, MalformedRate: 0.03}})
}

// TestSoakKillResumeRESTDedupOff (issue 14, item 5): over REST with dedup
// off, rows on the wire at each of five kills are looked up on resume
// rather than left Unknown, so the import ends with every row in Marketo
// exactly once and none to check by hand.
func TestSoakKillResumeRESTDedupOff(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	soakOnce(t, soakPlan{rows: 3000, cycles: 5, batch: 100, concurrency: 4, latency: 300 * time.Millisecond,
		faults: marketotest.Faults{FaultRate5xx: 0.05, DropRate: 0.03, MalformedRate: 0.03}, rest: true}, false)
}

func runSoak(t *testing.T, p soakPlan) {
	for _, dedup := range []bool{true, false} {
		t.Run(fmt.Sprintf("dedup=%v", dedup), func(t *testing.T) {
			t.Parallel()
			soakOnce(t, p, dedup)
		})
	}
}

func soakOnce(t *testing.T, p soakPlan, dedup bool) {
	cfg := marketotest.DefaultConfig()
	if !p.limits {
		cfg.RateLimit, cfg.MaxConcurrent = 0, 0
	}
	cfg.DailyQuota = 0
	cfg.Latency = p.latency
	cfg.FaultRate5xx, cfg.DropRate, cfg.MalformedRate, cfg.SlowBodyRate = p.faults.FaultRate5xx, p.faults.DropRate, p.faults.MalformedRate, p.faults.SlowBodyRate
	cfg.SlowBodyDuration = 300 * time.Millisecond
	srv := sandboxtest.Start(t, cfg)
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeWorkbook(t, in, p.rows, nil)
	config := filepath.Join(dir, "config")
	flags := []string{"--batch-size", fmt.Sprint(p.batch), "--concurrency", fmt.Sprint(p.concurrency),
		fmt.Sprintf("--dedup=%v", dedup), "--results", filepath.Join(dir, "results.xlsx")}
	args := soapArgs(srv, in, flags...)
	if p.rest {
		// The sandbox applies a call before answering or not at all, so
		// a lost answer settles at once.
		args = append([]string{"sync", in, "--api", "rest", "--rest-url", srv.RESTBaseURL(), "--client-id", marketotest.DefaultClientID,
			"--lost-answer-wait", "50ms"}, flags...)
	}

	// Each cycle kills after this many lead writes, leaving rows for every
	// later cycle even when (dedup off) rows in flight at a kill are never
	// sent again.
	step := max(p.batch, p.rows/(2*(p.cycles+1)))
	kills, refused := 0, 0
	// A child whose connecting call (the field list) meets injected
	// trouble stops at once with ExitConnect: that start is repeated.
	const maxRefused = 10
	finished := false
	for cycle := 1; cycle <= p.cycles && !finished; cycle++ {
		start := storedRows(srv)
		cmd := soakChild(args, config, cycle > 1)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.After(3 * time.Minute)
		killed := false
	watch:
		for {
			select {
			case err := <-exited:
				if cmd.ProcessState.ExitCode() == ExitConnect && refused < maxRefused {
					refused++
					cycle--
					t.Logf("could not connect through the injected trouble (%s); starting again", lastLine(errb.String()))
				} else {
					t.Logf("cycle %d: the run ended by itself (%v) before the kill", cycle, err)
					finished = true
				}
				break watch
			case <-deadline:
				cmd.Process.Kill()
				<-exited
				t.Fatalf("cycle %d: no progress in 3 minutes; stderr:\n%s", cycle, tail(errb.String()))
			case <-time.After(10 * time.Millisecond):
				if storedRows(srv)-start >= step {
					if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
						t.Fatal(err)
					}
					<-exited
					killed = true
					break watch
				}
			}
		}
		if !killed {
			continue
		}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("cycle %d: the child was not killed by the signal", cycle)
		}
		kills++
		if strings.Contains(errb.String(), "panic") {
			t.Fatalf("cycle %d: the child panicked:\n%s", cycle, tail(errb.String()))
		}
	}

	// The last run goes to the end (again when it could not connect).
	var out, errb bytes.Buffer
	var err error
	code := ExitConnect
	for attempt := 0; code == ExitConnect && attempt <= maxRefused; attempt++ {
		out.Reset()
		errb.Reset()
		cmd := soakChild(args, config, kills > 0)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err = cmd.Run()
		code = cmd.ProcessState.ExitCode()
	}
	if code != ExitOK && code != ExitRows {
		t.Fatalf("final run: exit %d (%v)\n%s\n%s", code, err, out.String(), tail(errb.String()))
	}
	if kills > 0 && !strings.Contains(errb.String(), "Resuming: ") {
		t.Errorf("final run did not resume:\n%s", tail(errb.String()))
	}

	status := readResults(t, out.String())
	byEmail := map[string]int{}
	for _, l := range srv.Leads() {
		byEmail[l.Email]++
	}
	var lost, dup, unknown, unknownStored, other int
	for i := range p.rows {
		name := fmt.Sprintf("lead%05d", i)
		n := byEmail[name+"@example.com"]
		if n > 1 {
			dup++
			if dup <= 5 {
				t.Errorf("%s stored %d times (status %q)", name, n, status[name])
			}
		}
		switch st := status[name]; {
		case st == "Created" || st == "Updated" || st == "Created or updated":
			if n == 0 {
				lost++
				if lost <= 5 {
					t.Errorf("%s is %s but not in the store", name, st)
				}
			}
		case st == "Unknown (check in Marketo)" && !dedup:
			unknown++
			unknownStored += n
		default:
			other++
			if other <= 5 {
				t.Errorf("%s ended %q", name, st)
			}
		}
	}
	if dedup && len(byEmail) != p.rows {
		t.Errorf("dedup on: the store holds %d of %d leads", len(byEmail), p.rows)
	}
	// With dedup off only calls whose answer never came (in flight at a
	// kill, dropped or cut off) may end unknown.
	st := srv.Stats()
	ambiguous := (kills*p.concurrency + st.Faults["drop"] + st.Faults["malformed"]) * p.batch
	if unknown > ambiguous {
		t.Errorf("%d rows unknown; at most %d can be (calls in flight at %d kills, %d dropped, %d cut off)",
			unknown, ambiguous, kills, st.Faults["drop"], st.Faults["malformed"])
	}
	if p.rest && unknown > 0 {
		t.Errorf("%d rows left Unknown: over REST every lost answer can be looked up", unknown)
	}
	if lost+dup+other > 0 {
		t.Errorf("%d lost, %d duplicated, %d in an unexpected state", lost, dup, other)
	}
	t.Logf("%d starts could not connect and were repeated", refused)
	t.Logf("%d kills; %d leads stored for %d rows; %d rows unknown (dedup off only: %d of them did reach the store); 0 lost, 0 duplicated wanted, got %d and %d; faults injected: %v",
		kills, len(srv.Leads()), p.rows, unknown, unknownStored, lost, dup, st.Faults)
}

// storedRows is how many lead writes the sandbox has done: cheap enough to
// poll, unlike a snapshot of the store.
func storedRows(srv *marketotest.Server) int {
	st := srv.Stats()
	return st.LeadsCreated + st.LeadsUpdated
}

// soakChild is `leadsheet sync` in a child process (see TestMain).
func soakChild(args []string, config string, resume bool) *exec.Cmd {
	if resume {
		args = append(append([]string(nil), args...), "--resume")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", childArgs+"="+strings.Join(args, "\x1f"), childConfig+"="+config,
		EnvEncryptionKey+"="+marketotest.DefaultEncryptionKey, EnvClientSecret+"="+marketotest.DefaultClientSecret)
	return cmd
}
