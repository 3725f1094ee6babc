package importer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadsheet/marketo/marketotest"
)

func testKey(dedup bool) JournalKey {
	return JournalKey{FileSHA256: "abc", Sheet: "Leads", HeaderRow: 1, API: "SOAP", Endpoint: "http://127.0.0.1/soap", Dedup: dedup,
		Mapping: Mapping{Headers: []string{"Email"}, Columns: []Target{{Kind: ToEmail}}}}
}

func TestJournalKey(t *testing.T) {
	a := testKey(true)
	if a.ID() != testKey(true).ID() {
		t.Fatal("same key, different IDs")
	}
	for name, change := range map[string]func(*JournalKey){
		"file":     func(k *JournalKey) { k.FileSHA256 = "abd" },
		"sheet":    func(k *JournalKey) { k.Sheet = "Other" },
		"header":   func(k *JournalKey) { k.HeaderRow = 2 },
		"mapping":  func(k *JournalKey) { k.Mapping.Columns[0] = Target{Kind: ToAttribute, Field: "Email"} },
		"api":      func(k *JournalKey) { k.API = "REST" },
		"endpoint": func(k *JournalKey) { k.Endpoint = "http://127.0.0.1/other" },
		"dedup":    func(k *JournalKey) { k.Dedup = false },
	} {
		k := testKey(true)
		change(&k)
		if k.ID() == a.ID() {
			t.Errorf("changing the %s keeps the journal ID", name)
		}
	}
}

// TestJournalReplay writes a journal as a crash leaves it (a batch sent but
// not answered, a torn last line) and checks what a reopen makes of it.
func TestJournalReplay(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir, testKey(true))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(j.sent([]int{2, 3}, false))
	must(j.confirm([]RowResult{{Row: 2, State: Created, LeadID: 10}, {Row: 3, State: Failed, Reason: "bad \"value\"\n"}}))
	must(j.sent([]int{4, 5}, false))
	must(j.sent([]int{6}, false))
	must(j.clear([]int{6}))
	must(j.Close())
	// A crash mid-write leaves half a line.
	f, err := os.OpenFile(j.Path(), os.O_APPEND|os.O_WRONLY, 0)
	must(err)
	_, err = f.WriteString(`{"k":"done","res":[[4,"crea`)
	must(err)
	must(f.Close())

	j2, err := OpenJournal(dir, testKey(true))
	must(err)
	confirmed, inFlight := j2.resumeState()
	// Row 3 Marketo refused: it changed nothing, so it is sent again.
	if len(confirmed) != 1 || confirmed[2] != (RowResult{Row: 2, State: Created, LeadID: 10}) {
		t.Errorf("confirmed = %+v", confirmed)
	}
	if len(inFlight) != 2 || !inFlight[4] || !inFlight[5] {
		t.Errorf("in flight = %v", inFlight)
	}
	// The torn tail is cut, so the next record starts on its own line.
	must(j2.confirm([]RowResult{{Row: 4, State: Updated, LeadID: 11}, {Row: 5, State: Created, LeadID: 12}}))
	must(j2.Close())
	j3, err := OpenJournal(dir, testKey(true))
	must(err)
	if j3.Confirmed() != 3 || j3.InFlight() != 0 {
		t.Errorf("after repair: %d confirmed, %d in flight", j3.Confirmed(), j3.InFlight())
	}
	// A finished run is set aside; the next run starts afresh.
	must(j3.Finish())
	must(j3.Close())
	j4, err := OpenJournal(dir, testKey(true))
	must(err)
	defer j4.Close()
	if j4.Confirmed() != 0 {
		t.Errorf("a finished journal was resumed")
	}
	if _, err := os.Stat(filepath.Join(dir, testKey(true).ID()+".finished")); err != nil {
		t.Errorf("finished journal not kept: %v", err)
	}
}

func TestJournalDamaged(t *testing.T) {
	dir := t.TempDir()
	k := testKey(true)
	if err := os.WriteFile(filepath.Join(dir, k.ID()+".journal"), []byte("{\"k\":\"start\"}\nnot json\n{\"k\":\"sent\",\"rows\":[1]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := OpenJournal(dir, k)
	if err == nil || !strings.Contains(err.Error(), "damaged at line 2") {
		t.Fatalf("err = %v", err)
	}
}

// TestRunResumes runs with a journal an earlier run left: confirmed rows are
// not sent again and keep their results; rows that were in flight are sent
// again with dedup on and reported Unknown with dedup off.
func TestRunResumes(t *testing.T) {
	for _, dedup := range []bool{true, false} {
		srv := startSandbox(t, marketotest.DefaultConfig())
		dir := t.TempDir()
		j, err := OpenJournal(dir, testKey(dedup))
		if err != nil {
			t.Fatal(err)
		}
		j.sent([]int{2, 3}, false)
		j.confirm([]RowResult{{Row: 2, State: Created, LeadID: 5000}, {Row: 3, State: Failed, Reason: "earlier"}})
		j.sent([]int{4, 5}, false)
		j.Close()

		j, err = OpenJournal(dir, testKey(dedup))
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
		if out.Resumed != 1 || out.Results[0] != (RowResult{Row: 2, State: Created, LeadID: 5000}) || out.Results[1].State != Created {
			t.Errorf("dedup %v: resumed %d, results %+v", dedup, out.Resumed, out.Results[:2])
		}
		if msgs := log.messages(BatchDone); len(msgs) == 0 || msgs[0] != "Resuming: 1 of 10 rows already confirmed" {
			t.Errorf("dedup %v: first message %q", dedup, msgs)
		}
		sent := len(srv.Leads())
		if dedup && (sent != 9 || out.Totals.Created != 10) {
			t.Errorf("dedup on: sent %d, totals %+v", sent, out.Totals)
		}
		if !dedup && (sent != 7 || out.Totals.Unknown != 2 || out.Results[2].State != Unknown) {
			t.Errorf("dedup off: sent %d, totals %+v", sent, out.Totals)
		}
	}
}

// TestJournalHoldsNoSecret: the journal records rows and states only.
func TestJournalHoldsNoSecret(t *testing.T) {
	srv := startSandbox(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	j, err := OpenJournal(dir, testKey(true))
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
		srv := startSandbox(t, marketotest.DefaultConfig())
		dir := t.TempDir()
		j, err := OpenJournal(dir, testKey(false))
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
		n, ok, err := PeekJournal(dir, testKey(false))
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

// TestPeekJournal: peeking neither creates a journal nor sets a finished
// one aside.
func TestPeekJournal(t *testing.T) {
	dir := t.TempDir()
	k := testKey(true)
	if _, ok, err := PeekJournal(dir, k); ok || err != nil {
		t.Fatalf("empty dir: ok %v err %v", ok, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("peek created %v", entries)
	}
	j, err := OpenJournal(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.confirm([]RowResult{{Row: 2, State: Updated, LeadID: 1}, {Row: 3, State: Failed, Reason: "no"}}); err != nil {
		t.Fatal(err)
	}
	if n, ok, err := PeekJournal(dir, k); n != 1 || !ok || err != nil {
		t.Errorf("open journal: peek = %d, %v, %v; want 1, true", n, ok, err)
	}
	if err := j.Finish(); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if n, ok, err := PeekJournal(dir, k); ok || err != nil {
		t.Errorf("finished journal: peek = %d, %v, %v", n, ok, err)
	}
	if _, err := os.Stat(filepath.Join(dir, k.ID()+".journal")); err != nil {
		t.Errorf("peek moved the finished journal: %v", err)
	}
}
