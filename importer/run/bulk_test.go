package run

import (
	"context"
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

// bulkSandbox is a sandbox whose bulk jobs run fast enough for tests.
func bulkSandbox(t *testing.T, change func(*marketotest.Config)) (*marketotest.Server, marketo.BulkImporter) {
	t.Helper()
	cfg := marketotest.DefaultConfig()
	cfg.BulkImportDelay = 30 * time.Millisecond
	cfg.BulkRowTime = 20 * time.Microsecond
	if change != nil {
		change(&cfg)
	}
	srv := sandboxtest.Start(t, cfg)
	return srv, restClient(t, srv).(marketo.BulkImporter)
}

// fastBulk keeps a bulk run's waits short and its files small, so a few
// thousand rows make several files.
func fastBulk() BulkOptions {
	return BulkOptions{Run: fastOpts(true), Columns: []string{"firstName", "leadScore"},
		MaxFileBytes: 20_000, PollFirst: 10 * time.Millisecond, PollMax: 50 * time.Millisecond, QueueWait: 50 * time.Millisecond}
}

// bulkRows is n rows keyed on email with a first name and a score; every
// 50th row has a score Marketo refuses, every 70th an address it takes
// with a warning.
func bulkRows(n int) ([]importer.Batch, map[int]importer.RowState) {
	want := map[int]importer.RowState{}
	var out []importer.Batch
	for i := 0; i < n; i += 300 {
		b := importer.Batch{Seq: len(out), Key: marketo.KeyEmail}
		for k := i; k < min(n, i+300); k++ {
			row := k + 2
			email, score, st := fmt.Sprintf("bulk%05d@example.com", k), fmt.Sprint(k%100), importer.Imported
			switch {
			case k%50 == 7:
				score, st = "lots", importer.Failed
			case k%70 == 3:
				email, st = fmt.Sprintf("bulk%05d@@example", k), importer.ImportedWithWarning
			}
			b.Rows = append(b.Rows, row)
			b.Leads = append(b.Leads, marketo.Lead{Email: email, Attributes: []marketo.Attribute{
				{Name: "firstName", Value: fmt.Sprintf("Bulk, \"%d\"", k)}, {Name: "leadScore", Value: score}}})
			want[row] = st
		}
		out = append(out, b)
	}
	return out, want
}

// checkBulkStore compares the store with what the rows say: every
// imported row's lead is there once with its values, no failed row made a
// lead.
func checkBulkStore(t *testing.T, srv *marketotest.Server, batches []importer.Batch, res []importer.RowResult) {
	t.Helper()
	byEmail := map[string][]marketotest.Lead{}
	for _, l := range srv.Leads() {
		byEmail[strings.ToLower(l.Email)] = append(byEmail[strings.ToLower(l.Email)], l)
	}
	state := map[int]importer.RowState{}
	for _, r := range res {
		state[r.Row] = r.State
	}
	for _, b := range batches {
		for i, row := range b.Rows {
			l := b.Leads[i]
			got := byEmail[strings.ToLower(l.Email)]
			switch state[row] {
			case importer.Imported, importer.ImportedWithWarning:
				if len(got) != 1 {
					t.Errorf("row %d (%s): imported, but the store has %d leads with its email", row, l.Email, len(got))
					continue
				}
				if got[0].Fields["FirstName"] != l.Attributes[0].Value || got[0].Fields["LeadScore"] != l.Attributes[1].Value {
					t.Errorf("row %d: store has %v, the row says %v", row, got[0].Fields, l.Attributes)
				}
			case importer.Failed:
				if len(got) != 0 {
					t.Errorf("row %d (%s): failed, but the store has a lead with its email", row, l.Email)
				}
			default:
				t.Errorf("row %d ended %v", row, state[row])
			}
		}
	}
}

// TestBulkRunMatchesStore: a bulk import with failing and warning rows
// ends with every row in exactly one state, the one the store bears out,
// each file uploaded once, and no more than two of the run's jobs in
// Marketo's queue at any time.
func TestBulkRunMatchesStore(t *testing.T) {
	srv, bi := bulkSandbox(t, nil)
	batches, want := bulkRows(3000)
	log := newEventLog()
	var mu sync.Mutex
	maxQueued := 0
	emit := func(ev importer.Event) {
		log.emit(ev)
		st := srv.Stats().Bulk
		mu.Lock()
		maxQueued = max(maxQueued, st[marketo.BulkQueued]+st[marketo.BulkImporting])
		mu.Unlock()
	}
	out, err := RunBulk(context.Background(), bi, sliceSource(batches), fastBulk(), emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 3000)
	for _, r := range out.Results {
		if r.State != want[r.Row] {
			t.Errorf("row %d: %v (%s), want %v", r.Row, r.State, r.Reason, want[r.Row])
		}
		if r.State == importer.Failed && !strings.Contains(r.Reason, "Lead Score") {
			t.Errorf("row %d: reason %q does not name the field", r.Row, r.Reason)
		}
	}
	checkBulkStore(t, srv, batches, out.Results)
	uploads, files := srv.Stats().Calls["BULK import leads"], 0
	for _, m := range log.messages(importer.Progress) {
		if strings.Contains(m, "is in Marketo's import queue") {
			files++
		}
	}
	if uploads < 5 || uploads != files {
		t.Errorf("%d uploads for %d files of 3,000 rows in 20 kB each", uploads, files)
	}
	if maxQueued > marketo.MaxBulkImporting {
		t.Errorf("%d of the run's jobs were in Marketo's queue at once, want at most %d", maxQueued, marketo.MaxBulkImporting)
	}
}

func sliceSource(batches []importer.Batch) BatchSource {
	return func(yield func(importer.Batch)) error {
		for _, b := range batches {
			yield(b)
		}
		return nil
	}
}

// TestBulkResumeUploadsNothingTwice: a run stopped while its files wait
// in Marketo's queue resumes by reading their jobs, not by uploading them
// again, and ends with the store an uninterrupted run gives.
func TestBulkResumeUploadsNothingTwice(t *testing.T) {
	srv, bi := bulkSandbox(t, func(c *marketotest.Config) { c.BulkImportDelay = 500 * time.Millisecond })
	batches, want := bulkRows(1200)
	dir := t.TempDir()
	key := testKey(true)
	key.API, key.Endpoint = "REST", srv.RESTBaseURL()

	j, err := journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	queued := 0
	opts := fastBulk()
	opts.Run.Journal = j
	out, err := RunBulk(ctx, bi, sliceSource(batches), opts, func(ev importer.Event) {
		if ev.Kind == importer.Progress && strings.Contains(ev.Message, "is in Marketo's import queue") {
			if queued++; queued == 2 {
				cancel()
			}
		}
	})
	if err == nil {
		t.Fatal("the stopped run said nothing")
	}
	still := 0
	for _, r := range out.Results {
		if r.State == importer.NotSent && strings.Contains(r.Reason, "still importing") {
			still++
		}
	}
	if still == 0 {
		t.Fatalf("no row waits for a job after the stop: %+v", out.Totals)
	}
	j.Close()
	first := srv.Stats().Calls["BULK import leads"]

	j, err = journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(j.PendingBulk()); n != 2 {
		t.Fatalf("the journal holds %d files in Marketo's queue, want 2", n)
	}
	opts.Run.Journal = j
	log := newEventLog()
	out, err = RunBulk(context.Background(), bi, sliceSource(batches), opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	log.check(t, out, 1200)
	for _, r := range out.Results {
		if r.State != want[r.Row] {
			t.Errorf("row %d: %v (%s), want %v", r.Row, r.State, r.Reason, want[r.Row])
		}
	}
	checkBulkStore(t, srv, batches, out.Results)

	// The files the resume read back were not uploaded again: an
	// uninterrupted run into a fresh sandbox makes as many uploads.
	srv2, bi2 := bulkSandbox(t, nil)
	if _, err := RunBulk(context.Background(), bi2, sliceSource(batches), fastBulk(), nil); err != nil {
		t.Fatal(err)
	}
	if total, whole := srv.Stats().Calls["BULK import leads"], srv2.Stats().Calls["BULK import leads"]; total != whole {
		t.Errorf("stopped + resumed run uploaded %d files (%d before the stop), an uninterrupted one %d", total, first, whole)
	}
}

// TestBulkWaitsForAFullQueue: with Marketo's queue full of other
// integrations' jobs, uploads meet 1016 and are made again once there is
// room, and nothing is lost or doubled.
func TestBulkWaitsForAFullQueue(t *testing.T) {
	srv, bi := bulkSandbox(t, func(c *marketotest.Config) { c.BulkImportDelay = 300 * time.Millisecond })
	ctx := context.Background()
	other := []byte("email,firstName\nother@example.com,Other\n")
	for range 10 {
		if _, err := bi.ImportLeads(ctx, marketo.BulkFile{Format: "csv", Data: other}); err != nil {
			t.Fatal(err)
		}
	}
	batches, want := bulkRows(600)
	log := newEventLog()
	out, err := RunBulk(ctx, bi, sliceSource(batches), fastBulk(), log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 600)
	for _, r := range out.Results {
		if r.State != want[r.Row] {
			t.Errorf("row %d: %v (%s), want %v", r.Row, r.State, r.Reason, want[r.Row])
		}
	}
	checkBulkStore(t, srv, batches, out.Results)
	full := 0
	for _, m := range log.messages(importer.Throttled) {
		if strings.Contains(m, "1016") {
			full++
		}
	}
	if full == 0 {
		t.Error("no upload met a full queue")
	}
}

// TestBulkRefusesWhatItCannotDo: settings bulk import cannot carry out are
// refused before any call.
func TestBulkRefusesWhatItCannotDo(t *testing.T) {
	srv, bi := bulkSandbox(t, nil)
	batches, _ := bulkRows(10)
	for _, tc := range []struct {
		name   string
		change func(*RunOptions)
	}{
		{"dedup off", func(o *RunOptions) { o.Dedup = false }},
		{"create only", func(o *RunOptions) { o.Mode = marketo.CreateOnly }},
		{"fill empty", func(o *RunOptions) { o.FillEmpty = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := fastBulk()
			tc.change(&opts.Run)
			if _, err := RunBulk(context.Background(), bi, sliceSource(batches), opts, nil); err == nil {
				t.Fatal("refused nothing")
			}
		})
	}
	if n := srv.Stats().Calls["BULK import leads"]; n != 0 {
		t.Errorf("%d uploads made", n)
	}
}

// TestBulkLookUpFillsIDs: with LookUp, rows a bulk import took get their
// lead ids and Created or Updated from a lookup afterwards, as the store
// bears out; a row whose email two leads share stays as Marketo left it.
func TestBulkLookUpFillsIDs(t *testing.T) {
	var offset atomic.Int64 // the sandbox clock's lead over the real one
	srv, bi := bulkSandbox(t, func(c *marketotest.Config) {
		c.Clock = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	batches, _ := bulkRows(900)
	ctx := context.Background()
	// A third of the people were put in Marketo an hour ago.
	offset.Store(int64(-time.Hour))
	var old []marketo.Lead
	for i, l := range batches[0].Leads {
		if i%3 == 0 && !strings.Contains(l.Email, "@@") {
			old = append(old, marketo.Lead{Email: l.Email})
		}
	}
	if _, err := restClient(t, srv).SyncLeads(ctx, old, true); err != nil {
		t.Fatal(err)
	}
	offset.Store(0)
	existed := map[string]bool{}
	for _, l := range srv.Leads() {
		existed[strings.ToLower(l.Email)] = true
	}
	opts := fastBulk()
	opts.LookUp = true
	log := newEventLog()
	out, err := RunBulk(ctx, bi, sliceSource(batches), opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 900)
	idOf := map[string]int{}
	for _, l := range srv.Leads() {
		idOf[strings.ToLower(l.Email)] = l.ID
	}
	emailOf := map[int]string{}
	for _, b := range batches {
		for i, row := range b.Rows {
			emailOf[row] = strings.ToLower(b.Leads[i].Email)
		}
	}
	counts := map[importer.RowState]int{}
	for _, r := range out.Results {
		counts[r.State]++
		email := emailOf[r.Row]
		switch r.State {
		case importer.Created, importer.Updated:
			if r.LeadID != idOf[email] {
				t.Errorf("row %d: lead %d, the store's is %d", r.Row, r.LeadID, idOf[email])
			}
			if (r.State == importer.Updated) != existed[email] {
				t.Errorf("row %d (%s): %v, but it was in Marketo before: %v", r.Row, email, r.State, existed[email])
			}
		case importer.ImportedWithWarning:
			if r.LeadID != idOf[email] {
				t.Errorf("row %d: lead %d, the store's is %d", r.Row, r.LeadID, idOf[email])
			}
		case importer.Failed:
		default:
			t.Errorf("row %d ended %v (%s)", r.Row, r.State, r.Reason)
		}
	}
	if counts[importer.Updated] == 0 || counts[importer.Created] == 0 || counts[importer.Imported] != 0 {
		t.Errorf("%v; %d rows were in Marketo before", counts, len(old))
	}
	if st := srv.Stats(); st.Calls["REST getLeadsByFilter"]+st.Calls["REST getLeadsByFilter via POST"] < 3 {
		t.Errorf("%v lookups for 900 rows in 3 files or more", st.Calls)
	}
}
