package run

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadsheet/importer"
	"leadsheet/importer/journal"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// TestRunResumes runs with a journal an earlier run left: confirmed rows are
// not sent again and keep their results; rows that were in flight are sent
// again with dedup on and reported Unknown with dedup off.
func TestRunResumes(t *testing.T) {
	for _, dedup := range []bool{true, false} {
		srv := sandboxtest.Start(t, marketotest.DefaultConfig())
		dir := t.TempDir()
		j, err := journal.OpenJournal(dir, testKey(dedup))
		if err != nil {
			t.Fatal(err)
		}
		j.Sent([]int{2, 3}, false)
		j.Confirm([]importer.RowResult{{Row: 2, State: importer.Created, LeadID: 5000}, {Row: 3, State: importer.Failed, Reason: "earlier"}})
		j.Sent([]int{4, 5}, false)
		j.Close()

		j, err = journal.OpenJournal(dir, testKey(dedup))
		if err != nil {
			t.Fatal(err)
		}
		log := newEventLog()
		out, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey),
			testBatches(10, 3, "res%02d@example.com"), RunOptions{Dedup: dedup, Journal: j}, log.emit)
		j.Close()
		if err != nil {
			t.Fatal(err)
		}
		log.check(t, out, 10)
		// Row 3 failed earlier: a failure changed nothing, so it goes again.
		if out.Resumed != 1 || out.Results[0] != (importer.RowResult{Row: 2, State: importer.Created, LeadID: 5000}) || out.Results[1].State != importer.Created {
			t.Errorf("dedup %v: resumed %d, results %+v", dedup, out.Resumed, out.Results[:2])
		}
		if msgs := log.messages(importer.BatchDone); len(msgs) == 0 || msgs[0] != "Resuming: 1 of 10 rows already confirmed" {
			t.Errorf("dedup %v: first message %q", dedup, msgs)
		}
		sent := len(srv.Leads())
		if dedup && (sent != 9 || out.Totals.Created != 10) {
			t.Errorf("dedup on: sent %d, totals %+v", sent, out.Totals)
		}
		if !dedup && (sent != 7 || out.Totals.Unknown != 2 || out.Results[2].State != importer.Unknown) {
			t.Errorf("dedup off: sent %d, totals %+v", sent, out.Totals)
		}
	}
}

// TestJournalHoldsNoSecret: the journal records rows and states only.
func TestJournalHoldsNoSecret(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	j, err := journal.OpenJournal(dir, testKey(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey), testBatches(5, 5, "sec%d@example.com"),
		RunOptions{Dedup: true, Journal: j}, nil); err != nil {
		t.Fatal(err)
	}
	j.Close()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		for _, bad := range []string{marketotest.DefaultEncryptionKey, "sec0@example.com"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("journal %s holds %q", e.Name(), bad)
			}
		}
	}
}

// TestRunKeepJournalOpen: a run of part of a file (a first batch) keeps
// its journal, so the next part resumes instead of starting afresh and
// sending the confirmed rows again; a whole run finishes it.
func TestRunKeepJournalOpen(t *testing.T) {
	for _, keep := range []bool{true, false} {
		srv := sandboxtest.Start(t, marketotest.DefaultConfig())
		dir := t.TempDir()
		j, err := journal.OpenJournal(dir, testKey(false))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey), testBatches(6, 3, "keep%d@example.com"),
			RunOptions{Journal: j, KeepJournalOpen: keep}, nil); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		n, ok, err := journal.PeekJournal(dir, testKey(false))
		if err != nil {
			t.Fatal(err)
		}
		if keep && (!ok || n != 6) {
			t.Errorf("kept open: peek = %d, %v; want 6 confirmed in an open journal", n, ok)
		}
		if !keep && ok {
			t.Errorf("whole run: journal still open with %d confirmed", n)
		}
	}
}

func testKey(dedup bool) journal.JournalKey {
	return journal.JournalKey{FileSHA256: "abc", Sheet: "Leads", HeaderRow: 1, API: "SOAP", Endpoint: "http://127.0.0.1/soap", Dedup: dedup,
		Mapping: importer.Mapping{Headers: []string{"Email"}, Columns: []importer.Target{{Kind: importer.ToEmail}}}}
}
