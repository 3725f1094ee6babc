package run

import (
	"context"
	"errors"
	"strings"
	"testing"

	"leadsheet/importer"
	"leadsheet/importer/journal"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// chanSource streams batches that a goroutine produces into a small
// channel, as the CLI does while reading a sheet.
func chanSource(batches []importer.Batch, failAfter int, failErr error) BatchSource {
	return func(yield func(importer.Batch)) error {
		ch := make(chan importer.Batch, 2)
		go func() {
			defer close(ch)
			for i, b := range batches {
				if failAfter >= 0 && i == failAfter {
					return
				}
				ch <- b
			}
		}()
		for b := range ch {
			yield(b)
		}
		if failAfter >= 0 {
			return failErr
		}
		return nil
	}
}

// TestRunStreamResumes streams batches with a journal an earlier run left:
// every row ends in exactly one state, confirmed rows are restored as their
// batch arrives and never sent again, in-flight rows follow the dedup rule,
// and the Waiting count covers rows not produced yet.
func TestRunStreamResumes(t *testing.T) {
	for _, dedup := range []bool{true, false} {
		srv := sandboxtest.Start(t, marketotest.DefaultConfig())
		dir := t.TempDir()
		j, err := journal.OpenJournal(dir, testKey(dedup))
		if err != nil {
			t.Fatal(err)
		}
		// Rows 2..41 are batches 0 and 1 (20 each); batch 3 (rows 62..81)
		// holds the in-flight rows.
		var done []importer.RowResult
		for row := 2; row < 42; row++ {
			done = append(done, importer.RowResult{Row: row, State: importer.Created, LeadID: 9000 + row})
		}
		j.Sent(rows(2, 42), false)
		j.Confirm(done)
		j.Sent([]int{70, 71}, false)
		j.Close()

		j, err = journal.OpenJournal(dir, testKey(dedup))
		if err != nil {
			t.Fatal(err)
		}
		log := newEventLog()
		opts := fastOpts(dedup)
		opts.Journal, opts.Rows, opts.Concurrency = j, 201, 2
		opts.Skipped = []importer.RowResult{{Row: 202, Reason: "no email"}}
		out, err := RunStream(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey),
			chanSource(testBatches(200, 20, "str%03d@example.com"), -1, nil), opts, log.emit)
		j.Close()
		if err != nil {
			t.Fatal(err)
		}
		log.check(t, out, 201)
		if first := log.events[0]; first.Totals.Total() != 201 || first.Totals.Waiting != 200 || first.Message != "Resuming: 40 of 201 rows already confirmed" {
			t.Errorf("dedup %v: first event %q totals %+v", dedup, first.Message, first.Totals)
		}
		if out.Resumed != 40 || out.Results[0] != (importer.RowResult{Row: 2, State: importer.Created, LeadID: 9002}) {
			t.Errorf("dedup %v: resumed %d, first result %+v", dedup, out.Resumed, out.Results[0])
		}
		for _, l := range srv.Leads() {
			if n := atoiEmail(l.Email); n < 40 {
				t.Errorf("dedup %v: confirmed row of %s sent again", dedup, l.Email)
			}
		}
		sent := len(srv.Leads())
		if dedup && (sent != 160 || out.Totals.Created != 200 || out.Totals.Skipped != 1) {
			t.Errorf("dedup on: sent %d, totals %+v", sent, out.Totals)
		}
		if !dedup && (sent != 158 || out.Totals.Unknown != 2 || out.Results[68].State != importer.Unknown) {
			t.Errorf("dedup off: sent %d, totals %+v, row 70 %+v", sent, out.Totals, out.Results[68])
		}
	}
}

// TestRunStreamSourceFails: a source that gives up mid-way stops the run
// with its reason; the rows it yielded still end in exactly one state.
func TestRunStreamSourceFails(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	log := newEventLog()
	opts := fastOpts(true)
	opts.Rows = 100
	cause := errors.New("The file changed on disk since it was checked")
	out, err := RunStream(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey),
		chanSource(testBatches(100, 10, "src%03d@example.com"), 4, cause), opts, log.emit)
	var se *StopError
	if !errors.As(err, &se) || se.Cause != StopSource || !errors.Is(err, cause) || !strings.HasPrefix(se.Message, "The file changed on disk") {
		t.Fatalf("err = %v, want a StopError for the source", err)
	}
	log.check(t, out, 40)
	if out.Totals.Created != 40 || len(srv.Leads()) != 40 {
		t.Errorf("totals %+v, store %d", out.Totals, len(srv.Leads()))
	}
}

func rows(lo, hi int) []int {
	var out []int
	for r := lo; r < hi; r++ {
		out = append(out, r)
	}
	return out
}

// atoiEmail reads the number in "str007@example.com".
func atoiEmail(email string) int {
	n := 0
	for _, c := range strings.TrimPrefix(email, "str") {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// TestRunStreamStopsMidStream: after a quota stop, the batches the source
// still yields end NotSent at once with the reason, unsent.
func TestRunStreamStopsMidStream(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.DailyQuota = 4
	srv := sandboxtest.Start(t, cfg)
	log := newEventLog()
	opts := fastOpts(true)
	opts.Rows, opts.Concurrency = 1000, 2
	out, err := RunStream(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey),
		chanSource(testBatches(1000, 50, "qs%04d@example.com"), -1, nil), opts, log.emit)
	var se *StopError
	if !errors.As(err, &se) || se.Cause != StopQuota {
		t.Fatalf("err = %v, want a quota stop", err)
	}
	log.check(t, out, 1000)
	if got := len(srv.Leads()); got != out.Totals.Created || out.Totals.Created+out.Totals.NotSent != 1000 {
		t.Errorf("store %d, totals %+v", got, out.Totals)
	}
	for _, r := range out.Results {
		if r.State == importer.NotSent && !strings.Contains(r.Reason, "daily API quota") {
			t.Fatalf("row %d reason %q", r.Row, r.Reason)
		}
	}
}
