package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"leadsheet/importer"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// testBatches makes n leads keyed by email, one per sheet row from row 2,
// in batches of size.
func testBatches(n, size int, emailFmt string) []importer.Batch {
	return testBatchesField(n, size, emailFmt, "FirstName")
}

// testBatchesField is testBatches with the first-name field's API name,
// which differs between SOAP (FirstName) and REST (firstName).
func testBatchesField(n, size int, emailFmt, field string) []importer.Batch {
	var out []importer.Batch
	for i := 0; i < n; i += size {
		b := importer.Batch{Seq: len(out), Key: marketo.KeyEmail}
		for k := i; k < min(n, i+size); k++ {
			b.Rows = append(b.Rows, k+2)
			b.Leads = append(b.Leads, marketo.Lead{
				Email:      fmt.Sprintf(emailFmt, k),
				Attributes: []marketo.Attribute{{Name: field, Value: fmt.Sprintf("First %d", k)}},
			})
		}
		out = append(out, b)
	}
	return out
}

func soapClient(t testing.TB, srv *marketotest.Server, key string) marketo.Syncer {
	t.Helper()
	c, err := marketo.NewSOAPClient(marketo.SOAPCredentials{
		Endpoint: srv.SOAPEndpoint(), UserID: marketotest.DefaultUserID, EncryptionKey: key,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func restClient(t testing.TB, srv *marketotest.Server) marketo.Syncer {
	t.Helper()
	c, err := marketo.NewRESTClient(marketo.RESTCredentials{
		BaseURL: srv.RESTBaseURL(), IdentityURL: srv.IdentityURL(),
		ClientID: marketotest.DefaultClientID, ClientSecret: marketotest.DefaultClientSecret,
	}, marketo.RESTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// eventLog collects a run's events and checks that each row reaches a
// final state exactly once.
type eventLog struct {
	mu     sync.Mutex
	events []importer.Event
	final  map[int]int // row -> how many final results
	last   map[int]importer.RowResult
}

func newEventLog() *eventLog {
	return &eventLog{final: map[int]int{}, last: map[int]importer.RowResult{}}
}

func (l *eventLog) emit(ev importer.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
	for _, r := range ev.Results {
		if r.State != importer.Waiting && r.State != importer.Sending {
			l.final[r.Row]++
			l.last[r.Row] = r
		}
	}
}

// check asserts the invariants every run keeps: the event stream and the
// outcome agree, every row ends in exactly one final state, and the last
// event is Finished with totals covering every row.
func (l *eventLog) check(t *testing.T, out Outcome, rows int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) == 0 || l.events[len(l.events)-1].Kind != importer.Finished {
		t.Fatalf("last event is not Finished")
	}
	if got := l.events[len(l.events)-1].Totals; got != out.Totals {
		t.Errorf("Finished totals %+v, outcome %+v", got, out.Totals)
	}
	if out.Totals.Total() != rows || len(out.Results) != rows {
		t.Errorf("totals cover %d rows and results %d, want %d", out.Totals.Total(), len(out.Results), rows)
	}
	if out.Totals.Waiting != 0 || out.Totals.Sending != 0 {
		t.Errorf("rows left in a passing state: %+v", out.Totals)
	}
	for _, r := range out.Results {
		if n := l.final[r.Row]; n != 1 {
			t.Errorf("row %d reached a final state %d times in events", r.Row, n)
		}
		if l.last[r.Row] != r {
			t.Errorf("row %d: event says %+v, outcome %+v", r.Row, l.last[r.Row], r)
		}
	}
	if len(l.final) != rows {
		t.Errorf("events finalised %d rows, want %d", len(l.final), rows)
	}
}

func (l *eventLog) messages(kind importer.EventKind) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, ev := range l.events {
		if ev.Kind == kind {
			out = append(out, ev.Message)
		}
	}
	return out
}

// fastOpts keeps retries quick in tests.
func fastOpts(dedup bool) RunOptions {
	return RunOptions{Dedup: dedup, BackoffBase: 5 * time.Millisecond, BackoffCap: 50 * time.Millisecond,
		MaxAttempts: 10, CallsPerWindow: 100000, Window: time.Second}
}

func storeByEmail(srv *marketotest.Server) map[string][]int {
	m := map[string][]int{}
	for _, l := range srv.Leads() {
		m[strings.ToLower(l.Email)] = append(m[strings.ToLower(l.Email)], l.ID)
	}
	return m
}

// TestRunWithFaults sends 10,000 rows through every kind of trouble the
// sandbox injects, plus its rate and concurrency limits, and checks that the
// store ends exactly as the rows say.
func TestRunWithFaults(t *testing.T) {
	for _, tc := range []struct {
		name       string
		api        string
		rows       int
		limitCodes []string
	}{
		{"soap", "soap", 10000, []string{"20023", "20024"}},
		{"rest", "rest", 3000, []string{"606", "615"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := marketotest.DefaultConfig()
			cfg.Latency, cfg.LatencyJitter = 20*time.Millisecond, 20*time.Millisecond
			cfg.FaultRate5xx, cfg.DropRate, cfg.MalformedRate = 0.06, 0.04, 0.04
			cfg.RateLimit, cfg.RateWindow = 5, 100*time.Millisecond // half what the run is told: rate faults
			cfg.MaxConcurrent = 4                                   // below the run's 10: concurrency faults
			srv := sandboxtest.Start(t, cfg)
			var s marketo.Syncer
			field := "FirstName"
			if tc.api == "soap" {
				s = soapClient(t, srv, marketotest.DefaultEncryptionKey)
			} else {
				s = restClient(t, srv)
				field = "firstName"
			}
			batches := testBatchesField(tc.rows, 50, "lead%05d@example.com", field)
			log := newEventLog()
			opts := fastOpts(true)
			opts.CallsPerWindow, opts.Window = 10, 100*time.Millisecond
			out, err := Run(context.Background(), s, batches, opts, log.emit)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			log.check(t, out, tc.rows)
			// A retry after a lost answer finds the lead the first try made:
			// the store was empty, so no row may claim Updated.
			if out.Totals.Created+out.Totals.CreatedOrUpdated != tc.rows || out.Totals.CreatedOrUpdated == 0 {
				t.Errorf("totals %+v, want all %d created, some only known as created or updated", out.Totals, tc.rows)
				for _, r := range out.Results {
					if r.State == importer.Failed {
						t.Fatalf("row %d failed: %s", r.Row, r.Reason)
					}
				}
			}
			store := storeByEmail(srv)
			if len(store) != tc.rows {
				t.Errorf("store holds %d distinct emails, want %d", len(store), tc.rows)
			}
			for _, r := range out.Results {
				email := fmt.Sprintf("lead%05d@example.com", r.Row-2)
				ids := store[email]
				if len(ids) != 1 || ids[0] != r.LeadID {
					t.Errorf("row %d: store has ids %v for %s, run says %d", r.Row, ids, email, r.LeadID)
				}
			}
			st := srv.Stats()
			st.Faults["http-5xx"] = st.Faults["http-502"] + st.Faults["http-503"] + st.Faults["http-504"]
			for _, code := range append([]string{"drop", "malformed", "http-5xx"}, tc.limitCodes...) {
				if st.Faults[code] == 0 {
					t.Errorf("sandbox injected no %q fault (faults %v): the test proves nothing about it", code, st.Faults)
				}
			}
			if len(log.messages(importer.Throttled)) == 0 || len(log.messages(importer.Retrying)) == 0 {
				t.Errorf("no Throttled or Retrying events")
			}
		})
	}
}

// TestRunDedupOffLostAnswers: with dedup off a batch whose answer was lost
// is never sent again, so no lead is created twice; its rows are Unknown.
func TestRunDedupOffLostAnswers(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.DropRate, cfg.MalformedRate, cfg.FaultRate5xx = 0.1, 0.1, 0.1
	srv := sandboxtest.Start(t, cfg)
	const rows = 2000
	log := newEventLog()
	out, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey),
		testBatches(rows, 50, "off%05d@example.com"), fastOpts(false), log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, rows)
	if out.Totals.Unknown == 0 || out.Totals.Created == 0 || out.Totals.Created+out.Totals.Unknown != rows {
		t.Fatalf("totals %+v: want a mix of created and unknown only", out.Totals)
	}
	store := storeByEmail(srv)
	for _, r := range out.Results {
		ids := store[fmt.Sprintf("off%05d@example.com", r.Row-2)]
		if len(ids) > 1 {
			t.Fatalf("row %d created %d times", r.Row, len(ids))
		}
		if r.State == importer.Created && (len(ids) != 1 || ids[0] != r.LeadID) {
			t.Errorf("row %d created as %d but store has %v", r.Row, r.LeadID, ids)
		}
		if r.State == importer.Unknown && !strings.Contains(r.Reason, "check in Marketo") {
			t.Errorf("unknown row %d reason %q", r.Row, r.Reason)
		}
	}
}

// TestRunStaysWithinRateLimit proves the budget's shape: told the sandbox's
// own limit, a run at full concurrency never trips the rate limit. Scaled to
// 10 calls per second so it takes a few seconds.
func TestRunStaysWithinRateLimit(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.RateLimit, cfg.RateWindow = 10, time.Second
	srv := sandboxtest.Start(t, cfg)
	opts := RunOptions{Dedup: true, CallsPerWindow: 10, Window: time.Second, Concurrency: 10}
	log := newEventLog()
	out, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey),
		testBatches(35, 1, "rate%02d@example.com"), opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 35)
	st := srv.Stats()
	if n := st.Faults["20023"]; n != 0 {
		t.Errorf("%d rate faults; the budget let more than the limit into a window", n)
	}
	if st.MaxInWindow > 10 {
		t.Errorf("sandbox saw %d calls in one window, limit 10", st.MaxInWindow)
	}
	if out.Totals.Created != 35 {
		t.Errorf("totals %+v", out.Totals)
	}
}

// TestRunStops covers the ways a run ends early: every row still ends in
// exactly one state, confirmed rows are kept, and the rest say why.
func TestRunStops(t *testing.T) {
	for _, tc := range []struct {
		name      string
		configure func(*marketotest.Config)
		key       string
		cause     StopCause
		reason    string
	}{
		{"quota", func(c *marketotest.Config) { c.DailyQuota = 4 }, marketotest.DefaultEncryptionKey, StopQuota, "daily API quota is used up"},
		{"auth", nil, "wrong-key", StopAuth, "refused Leadsheet's login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := marketotest.DefaultConfig()
			if tc.configure != nil {
				tc.configure(&cfg)
			}
			srv := sandboxtest.Start(t, cfg)
			log := newEventLog()
			opts := fastOpts(true)
			opts.Concurrency = 2
			out, err := Run(context.Background(), soapClient(t, srv, tc.key), testBatches(1000, 50, "stop%04d@example.com"), opts, log.emit)
			var se *StopError
			if !errors.As(err, &se) || se.Cause != tc.cause {
				t.Fatalf("err = %v, want a StopError with cause %d", err, tc.cause)
			}
			log.check(t, out, 1000)
			if out.Totals.NotSent == 0 || out.Totals.Created+out.Totals.NotSent != 1000 {
				t.Errorf("totals %+v", out.Totals)
			}
			if got := len(srv.Leads()); got != out.Totals.Created {
				t.Errorf("store has %d leads, run confirmed %d", got, out.Totals.Created)
			}
			for _, r := range out.Results {
				if r.State == importer.NotSent && !strings.Contains(r.Reason, tc.reason) {
					t.Fatalf("row %d reason %q, want it to say %q", r.Row, r.Reason, tc.reason)
				}
			}
			if msgs := log.messages(importer.Stopped); len(msgs) != 1 || !strings.Contains(msgs[0], tc.reason) {
				t.Errorf("Stopped messages %q", msgs)
			}
		})
	}
}

// TestRunCancel cancels mid-run; with dedup off the calls on the wire are
// let finish, so the store holds exactly the rows reported created.
func TestRunCancel(t *testing.T) {
	for _, dedup := range []bool{true, false} {
		t.Run(fmt.Sprintf("dedup=%v", dedup), func(t *testing.T) {
			cfg := marketotest.DefaultConfig()
			cfg.Latency = 20 * time.Millisecond
			srv := sandboxtest.Start(t, cfg)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			log := newEventLog()
			var once sync.Once
			emit := func(ev importer.Event) {
				log.emit(ev)
				if ev.Kind == importer.BatchDone && ev.Batch >= 0 {
					once.Do(cancel)
				}
			}
			opts := fastOpts(dedup)
			opts.Concurrency = 3
			out, err := Run(ctx, soapClient(t, srv, marketotest.DefaultEncryptionKey), testBatches(3000, 20, "cancel%04d@example.com"), opts, emit)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			log.check(t, out, 3000)
			if out.Stopped != StopCancelled || out.Totals.NotSent == 0 || out.Totals.Created == 0 {
				t.Errorf("stopped %v totals %+v", out.Stopped, out.Totals)
			}
			store := storeByEmail(srv)
			for _, r := range out.Results {
				ids := store[fmt.Sprintf("cancel%04d@example.com", r.Row-2)]
				switch {
				case r.State == importer.Created && len(ids) != 1:
					t.Errorf("row %d created but store has %v", r.Row, ids)
				case r.State == importer.NotSent && !dedup && len(ids) != 0:
					t.Errorf("row %d not sent but store has %v", r.Row, ids)
				case r.State == importer.NotSent && r.Reason != msgCancelled && !(dedup && r.Reason == msgAbandoned):
					t.Errorf("row %d reason %q", r.Row, r.Reason)
				}
			}
		})
	}
}

// TestRunBadBatch: Marketo refusing one whole call (unknown field) fails
// that batch's rows with its reason and the others go through.
func TestRunBadBatch(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	batches := testBatches(300, 100, "bad%03d@example.com")
	for i := range batches[1].Leads {
		batches[1].Leads[i].Attributes = append(batches[1].Leads[i].Attributes, marketo.Attribute{Name: "NoSuchField", Value: "x"})
	}
	skipped := SkippedRows([]importer.Problem{
		{Row: 400, Column: "Email", Severity: importer.Invalid, Message: "Email is missing"},
		{Row: 400, Severity: importer.Invalid, Message: "no key"},
		{Row: 401, Severity: importer.Warning, Message: "only a warning"},
	})
	opts := fastOpts(true)
	opts.Skipped = skipped
	log := newEventLog()
	out, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey), batches, opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 301)
	want := importer.Totals{Created: 200, Failed: 100, Skipped: 1}
	if out.Totals != want {
		t.Errorf("totals %+v, want %+v", out.Totals, want)
	}
	for _, r := range out.Results {
		switch {
		case r.Row >= 102 && r.Row < 202:
			if r.State != importer.Failed || !strings.Contains(r.Reason, "20105") {
				t.Errorf("row %d: %+v, want Failed with Marketo's 20105", r.Row, r)
			}
		case r.Row == 400:
			if r.State != importer.Skipped || r.Reason != "Email: Email is missing; no key" {
				t.Errorf("row 400: %+v", r)
			}
		}
	}
	if len(srv.Leads()) != 200 {
		t.Errorf("store has %d leads", len(srv.Leads()))
	}
}

// TestRunSlowConsumer: a consumer that does not return until the whole
// sync reached Marketo must not hold the senders up.
func TestRunSlowConsumer(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	const rows = 1000
	release := make(chan struct{})
	var once sync.Once
	go func() {
		for len(srv.Leads()) < rows {
			time.Sleep(5 * time.Millisecond)
		}
		close(release)
	}()
	log := newEventLog()
	emit := func(ev importer.Event) {
		once.Do(func() { <-release })
		log.emit(ev)
	}
	out, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey), testBatches(rows, 10, "slow%04d@example.com"), fastOpts(true), emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, rows)
}

func TestBudgetBackoff(t *testing.T) {
	r := &runner{opts: RunOptions{BackoffBase: 100 * time.Millisecond, BackoffCap: time.Second}}
	for attempt := 1; attempt < 50; attempt++ {
		ceiling := min(time.Second, 100*time.Millisecond<<min(attempt-1, 20))
		for range 20 {
			if d := r.backoff(attempt); d <= 0 || d > ceiling+time.Millisecond {
				t.Fatalf("attempt %d: backoff %v outside (0, %v]", attempt, d, ceiling)
			}
		}
	}
}

func TestSummary(t *testing.T) {
	got := Summary(importer.Totals{Created: 9000, Updated: 700, Failed: 12, Skipped: 3, NotSent: 1285})
	want := "11000 rows: 9000 created, 700 updated, 12 failed, 3 invalid, 1285 not sent"
	if got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	if got := Summary(importer.Totals{Created: 1, Unknown: 2}); !strings.HasSuffix(got, ", 2 unknown (check in Marketo)") {
		t.Errorf("Summary = %q", got)
	}
	if got := Summary(importer.Totals{Created: 1, CreatedOrUpdated: 2}); got != "3 rows: 1 created, 0 updated, 0 failed, 0 invalid, 0 not sent, 2 created or updated (first answer lost)" {
		t.Errorf("Summary = %q", got)
	}
}

// TestRunResultsFromEvents: a caller that keeps the rows from the events
// gets every row's final state there, and no second copy in the outcome.
func TestRunResultsFromEvents(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	log := newEventLog()
	out, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey), testBatches(450, 300, "ev%d@example.com"),
		RunOptions{Dedup: true, ResultsFromEvents: true}, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 0 || out.Totals.Created != 450 {
		t.Fatalf("outcome: %d results, %+v; want none and 450 created", len(out.Results), out.Totals)
	}
	if len(log.last) != 450 {
		t.Errorf("events gave %d rows their final state, want 450", len(log.last))
	}
	for row, r := range log.last {
		if r.State != importer.Created || r.LeadID == 0 || log.final[row] != 1 {
			t.Errorf("row %d: %+v, final %d times", row, r, log.final[row])
		}
	}
}
