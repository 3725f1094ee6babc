package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/journal"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// TestResumeFindsWhatLostCallsCreated (issue 14, item 5): a run with dedup
// off stopped with two batches on the wire; Marketo applied the first and
// never saw the second. The resume looks their emails up instead of
// calling them Unknown: the first batch's rows are Created with the leads
// they made, the second's are sent now, and every email is in Marketo
// once, but for one whose older lead was there before the import (dedup
// off wants it duplicated).
func TestResumeFindsWhatLostCallsCreated(t *testing.T) {
	var offset atomic.Int64 // the sandbox clock's lead over the real one
	cfg := marketotest.DefaultConfig()
	cfg.Clock = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	srv := sandboxtest.Start(t, cfg)
	client := restClient(t, srv)
	ctx := context.Background()
	batches := testBatchesField(60, 20, "lost%03d@example.com", "firstName")

	// An hour ago, someone created a lead with row 27's email.
	offset.Store(int64(-time.Hour))
	if _, err := client.SyncLeads(ctx, []marketo.Lead{{Email: "lost025@example.com"}}, false); err != nil {
		t.Fatal(err)
	}
	offset.Store(0)
	before := storeByEmail(srv)["lost025@example.com"]

	dir := t.TempDir()
	key := testKey(false)
	key.API, key.Endpoint = "REST", srv.RESTBaseURL()
	j, err := journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches[:2] {
		if err := j.Sent(b.Rows, true); err != nil {
			t.Fatal(err)
		}
	}
	applied, err := client.SyncLeads(ctx, batches[0].Leads, false) // its answer "lost" in the crash
	if err != nil {
		t.Fatal(err)
	}
	j.Close()

	j, err = journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	log := newEventLog()
	opts := fastOpts(false)
	opts.Journal, opts.Settle = j, time.Millisecond
	out, err := RunStream(ctx, client, chanSource(batches, -1, nil), opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 60)
	if out.Totals.Created != 60 {
		t.Fatalf("totals %+v, want all 60 created", out.Totals)
	}
	store := storeByEmail(srv)
	for _, r := range out.Results {
		email := fmt.Sprintf("lost%03d@example.com", r.Row-2)
		ids := store[email]
		if email == "lost025@example.com" {
			if len(ids) != 2 || ids[0] != before[0] || ids[1] != r.LeadID {
				t.Errorf("%s: store %v, row's lead %d; want the older lead %v and the row's", email, ids, r.LeadID, before)
			}
			continue
		}
		if len(ids) != 1 || ids[0] != r.LeadID {
			t.Errorf("row %d (%s): store has %v, row says %d", r.Row, email, ids, r.LeadID)
		}
		if r.Row-2 < 20 && (r.LeadID != applied[r.Row-2].LeadID || r.Reason != msgFoundLost) {
			t.Errorf("row %d: lead %d (%q), want %d found after the lost answer", r.Row, r.LeadID, r.Reason, applied[r.Row-2].LeadID)
		}
	}
	if j.InFlight() != 0 || j.Confirmed() != 60 {
		t.Errorf("journal: %d in flight, %d confirmed; want 0 and 60", j.InFlight(), j.Confirmed())
	}
}

// TestRunFindsWhatLostAnswersCreated: with dedup off, answers lost after
// Marketo wrote the leads are settled by a lookup during the run: no row
// ends Unknown, and none is created twice.
func TestRunFindsWhatLostAnswersCreated(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	srv.SetFaults(marketotest.Faults{ApplyThen5xxRate: 0.3})
	const rows = 600
	log := newEventLog()
	opts := fastOpts(false)
	opts.Settle = time.Millisecond
	out, err := Run(context.Background(), restClient(t, srv), testBatchesField(rows, 20, "gone%04d@example.com", "firstName"), opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, rows)
	if out.Totals.Created != rows {
		t.Errorf("totals %+v, want all %d created", out.Totals, rows)
	}
	found := 0
	store := storeByEmail(srv)
	for _, r := range out.Results {
		if ids := store[fmt.Sprintf("gone%04d@example.com", r.Row-2)]; len(ids) != 1 || ids[0] != r.LeadID {
			t.Errorf("row %d (%v): store has %v, row says %d", r.Row, r.State, ids, r.LeadID)
		}
		if r.Reason == msgFoundLost {
			found++
		}
	}
	if found == 0 {
		t.Error("no answer was lost after the leads were written: the test proves nothing")
	}
}

// TestLostRowsStayUnknownWithoutLookup: SOAP has no lookup here, so a
// resume with dedup off still reports rows that were on the wire as
// Unknown, never sends them again.
func TestLostRowsStayUnknownWithoutLookup(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	j, err := journal.OpenJournal(dir, testKey(false))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	batches := testBatches(40, 20, "soap%03d@example.com")
	if err := j.Sent(batches[0].Rows, true); err != nil {
		t.Fatal(err)
	}
	opts := fastOpts(false)
	opts.Journal = j
	out, err := RunStream(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey), chanSource(batches, -1, nil), opts, func(importer.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.Unknown != 20 || out.Totals.Created != 20 || len(srv.Leads()) != 20 {
		t.Errorf("totals %+v with %d leads stored; want 20 unknown, 20 created", out.Totals, len(srv.Leads()))
	}
}

// TestResumeDoesNotTakeAnotherRowsLead: with dedup off a sheet may hold an
// email twice. The first row's lead, made moments before, must not pass
// for the lead of the second row, whose call a crash cut off before
// Marketo saw it: the second row is sent, and Marketo holds both.
func TestResumeDoesNotTakeAnotherRowsLead(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	client := restClient(t, srv)
	ctx := context.Background()
	batches := testBatchesField(40, 20, "twice%03d@example.com", "firstName")
	batches[1].Leads[5].Email = batches[0].Leads[3].Email // rows 5 and 27

	dir := t.TempDir()
	key := testKey(false)
	key.API, key.Endpoint = "REST", srv.RESTBaseURL()
	j, err := journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Sent(batches[0].Rows, true); err != nil {
		t.Fatal(err)
	}
	st, err := client.SyncLeads(ctx, batches[0].Leads, false)
	if err != nil {
		t.Fatal(err)
	}
	var done []importer.RowResult
	for i, s := range st {
		done = append(done, importer.RowResult{Row: batches[0].Rows[i], State: importer.Created, LeadID: s.LeadID})
	}
	if err := j.Confirm(done); err != nil {
		t.Fatal(err)
	}
	if err := j.Sent(batches[1].Rows, true); err != nil { // and then the crash
		t.Fatal(err)
	}
	j.Close()

	j, err = journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	opts := fastOpts(false)
	opts.Journal, opts.Settle = j, time.Millisecond
	out, err := RunStream(ctx, client, chanSource(batches, -1, nil), opts, func(importer.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.Created != 40 {
		t.Fatalf("totals %+v, want all 40 created", out.Totals)
	}
	ids := storeByEmail(srv)["twice003@example.com"]
	r5, r27 := out.Results[3], out.Results[25]
	if len(ids) != 2 || r5.LeadID == r27.LeadID || r5.LeadID != ids[0] || r27.LeadID != ids[1] {
		t.Errorf("email on leads %v; row 5 says %d, row 27 says %d (%q): want two leads, one each", ids, r5.LeadID, r27.LeadID, r27.Reason)
	}
}

// gateway stands between the run and the sandbox: lookups go through, and
// a test decides what a sync meets (a gateway that gives up while the
// backend still works, or one that never lets a call through).
type gateway struct {
	real marketo.Syncer
	sync func(ctx context.Context, leads []marketo.Lead, dedup bool) ([]marketo.SyncStatus, error)
}

func (w *gateway) SyncLeads(ctx context.Context, leads []marketo.Lead, dedup bool) ([]marketo.SyncStatus, error) {
	return w.sync(ctx, leads, dedup)
}
func (w *gateway) FindLeads(ctx context.Context, f string, v []string, fs []string) ([]marketo.FoundLead, error) {
	return w.real.(marketo.LeadFinder).FindLeads(ctx, f, v, fs)
}

// TestLostAnswersUseUpTries: a gateway that keeps answering 502 without
// the backend ever applying the call. Each lookup finds nothing and the
// rows are sent again, but only MaxAttempts times: then they end Failed,
// free to send later (the loop was endless; found in review).
func TestLostAnswersUseUpTries(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.RateLimit = 0
	srv := sandboxtest.Start(t, cfg)
	var calls atomic.Int64
	w := &gateway{real: restClient(t, srv), sync: func(ctx context.Context, leads []marketo.Lead, dedup bool) ([]marketo.SyncStatus, error) {
		calls.Add(1)
		return nil, &marketo.TransportError{Op: "read answer", HTTPStatus: 502, Err: errors.New("bad gateway")}
	}}
	opts := fastOpts(false)
	opts.Settle = time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	log := newEventLog()
	out, err := Run(ctx, w, testBatchesField(5, 5, "loop%03d@example.com", "firstName"), opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 5)
	if out.Totals.Failed != 5 || !strings.Contains(out.Results[0].Reason, "did not reach it") {
		t.Errorf("totals %+v, first reason %q; want 5 failed, known not sent", out.Totals, out.Results[0].Reason)
	}
	if calls.Load() > int64(opts.MaxAttempts) {
		t.Errorf("%d calls for one batch, MaxAttempts is %d: the lost-answer path never counts tries", calls.Load(), opts.MaxAttempts)
	}
}

// TestLostAnswerSettlesFromTheLoss: the backend is still applying the
// call when the gateway gives up (504 after 500 ms, the leads written 300
// ms later). With Settle 400 ms counted from the loss, the lookup finds
// the leads; counted from the send, it looked at once and sent the rows
// again, doubling every lead (found in review).
func TestLostAnswerSettlesFromTheLoss(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	real := restClient(t, srv)
	var first sync.Once
	var bg sync.WaitGroup
	w := &gateway{real: real}
	w.sync = func(ctx context.Context, leads []marketo.Lead, dedup bool) ([]marketo.SyncStatus, error) {
		lost := false
		first.Do(func() { lost = true })
		if !lost {
			return real.SyncLeads(ctx, leads, dedup)
		}
		bg.Go(func() {
			time.Sleep(800 * time.Millisecond)
			if _, err := real.SyncLeads(context.Background(), leads, dedup); err != nil {
				t.Error(err)
			}
		})
		time.Sleep(500 * time.Millisecond)
		return nil, &marketo.TransportError{Op: "read answer", HTTPStatus: 504, Err: errors.New("gateway timeout")}
	}
	opts := fastOpts(false)
	opts.Settle = 400 * time.Millisecond
	log := newEventLog()
	out, err := Run(context.Background(), w, testBatchesField(5, 5, "slow%03d@example.com", "firstName"), opts, log.emit)
	bg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 5)
	for email, ids := range storeByEmail(srv) {
		if len(ids) != 1 {
			t.Errorf("%s on %d leads %v", email, len(ids), ids)
		}
	}
	if out.Totals.Created != 5 {
		t.Errorf("totals %+v, want 5 created", out.Totals)
	}
}
