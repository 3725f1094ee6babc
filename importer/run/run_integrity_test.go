package run

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"leadsheet/importer"
	"leadsheet/importer/journal"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// longAddressBatch is one batch of n rows keyed by email, each with an
// Address of addrLen characters: 300 rows of 4,000 characters make a REST
// body of about 1.2 MB, over Marketo's 1 MB.
func longAddressBatch(n, addrLen int, emailFmt string) importer.Batch {
	b := testBatchesField(n, n, emailFmt, "firstName")[0]
	for i := range b.Leads {
		b.Leads[i].Attributes = append(b.Leads[i].Attributes, marketo.Attribute{Name: "address", Value: strings.Repeat("x", addrLen)})
	}
	return b
}

// TestRunSplitsBatchMarketoFindsTooLarge (issue 11 #5): a batch the REST
// sandbox refuses with 413 is sent again in halves until each part fits;
// no row fails for its neighbours' size, and each row keeps its sheet row.
// A row too large on its own fails alone, with a reason an operator can
// act on.
func TestRunSplitsBatchMarketoFindsTooLarge(t *testing.T) {
	var huge []marketotest.FieldDef
	for i := range 40 {
		huge = append(huge, marketotest.FieldDef{RESTName: fmt.Sprintf("notes%d", i), DataType: marketotest.TypeText, Length: 30000, Custom: true})
	}
	cfg := marketotest.DefaultConfig()
	cfg.CustomFields = huge
	srv := sandboxtest.Start(t, cfg)

	b := longAddressBatch(300, 4000, "long%03d@example.com")
	// Row 150 alone is over 1 MB: 40 fields of 29,000 characters.
	for i := range huge {
		b.Leads[148].Attributes = append(b.Leads[148].Attributes, marketo.Attribute{Name: huge[i].RESTName, Value: strings.Repeat("y", 29000)})
	}
	log := newEventLog()
	out, err := Run(context.Background(), restClient(t, srv), []importer.Batch{b}, fastOpts(true), log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 300)
	store := storeByEmail(srv)
	for _, r := range out.Results {
		email := fmt.Sprintf("long%03d@example.com", r.Row-2)
		if r.Row == 150 {
			if r.State != importer.Failed || !strings.Contains(r.Reason, "too large") || len(store[email]) != 0 {
				t.Errorf("row 150: %+v (stored %v), want Failed as too large, nothing stored", r, store[email])
			}
			continue
		}
		if r.State != importer.Created || len(store[email]) != 1 || store[email][0] != r.LeadID {
			t.Errorf("row %d: %+v, store %v: want created once", r.Row, r, store[email])
		}
	}
	if srv.Stats().Faults["http-413"] == 0 {
		t.Errorf("the sandbox refused nothing as too large: the test proves nothing")
	}
}

// TestRunReportsWhatItKnowsAfterLostAnswers (issue 11 #13): with dedup on,
// a batch Marketo applied whose answer was lost (a gateway error after the
// work, a dropped connection) is sent again and the retry finds the leads
// there. A lead Leadsheet created must not be reported Updated, and a lead
// that existed before must not be reported Created. Checked against the
// store: one lead per row.
func TestRunReportsWhatItKnowsAfterLostAnswers(t *testing.T) {
	for _, api := range []string{"soap", "rest"} {
		t.Run(api, func(t *testing.T) {
			cfg := marketotest.DefaultConfig()
			srv := sandboxtest.Start(t, cfg)
			var s marketo.Syncer
			field := "FirstName"
			if api == "soap" {
				s = soapClient(t, srv, marketotest.DefaultEncryptionKey)
			} else {
				s, field = restClient(t, srv), "firstName"
			}
			const rows = 1000
			batches := testBatchesField(rows, 20, "lost%04d@example.com", field)
			// Every third row's lead is in Marketo before the run.
			var existing []marketo.Lead
			for i := 0; i < rows; i += 3 {
				existing = append(existing, batches[i/20].Leads[i%20])
			}
			for i := 0; i < len(existing); i += marketo.MaxBatch {
				if _, err := s.SyncLeads(context.Background(), existing[i:min(i+marketo.MaxBatch, len(existing))], true); err != nil {
					t.Fatal(err)
				}
			}
			srv.SetFaults(marketotest.Faults{ApplyThen5xxRate: 0.2, DropRate: 0.1})
			log := newEventLog()
			out, err := Run(context.Background(), s, batches, fastOpts(true), log.emit)
			if err != nil {
				t.Fatal(err)
			}
			log.check(t, out, rows)
			store := storeByEmail(srv)
			for _, r := range out.Results {
				email := fmt.Sprintf("lost%04d@example.com", r.Row-2)
				existed := (r.Row-2)%3 == 0
				if ids := store[email]; len(ids) != 1 || ids[0] != r.LeadID {
					t.Errorf("row %d: store has %v, run says lead %d", r.Row, ids, r.LeadID)
				}
				switch {
				case r.State == importer.Failed || r.State == importer.Unknown || r.State == importer.NotSent:
					t.Errorf("row %d ended %v: %s", r.Row, r.State, r.Reason)
				case existed && r.State == importer.Created:
					t.Errorf("row %d: its lead existed before the run, but it is reported Created", r.Row)
				case !existed && r.State == importer.Updated:
					t.Errorf("row %d: Leadsheet created its lead, but it is reported Updated (%s)", r.Row, r.Reason)
				}
			}
			st := srv.Stats()
			if st.Faults["drop"] == 0 || st.Faults["applied-http-502"]+st.Faults["applied-http-503"]+st.Faults["applied-http-504"] == 0 {
				t.Errorf("faults %v: the sandbox lost no applied answer; the test proves nothing", st.Faults)
			}
		})
	}
}

// TestRunDedupOffResendsWhatMarketoDidNotRun (issue 11 #13): with dedup
// off, a call Marketo answered with 604 ("not executed") is sent again, so
// its rows are created once and not left Unknown.
func TestRunDedupOffResendsWhatMarketoDidNotRun(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.TimeoutRate = 0.3
	srv := sandboxtest.Start(t, cfg)
	const rows = 600
	log := newEventLog()
	out, err := Run(context.Background(), restClient(t, srv), testBatchesField(rows, 20, "busy%04d@example.com", "firstName"), fastOpts(false), log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, rows)
	if out.Totals.Created != rows {
		t.Errorf("totals %+v, want all %d created", out.Totals, rows)
	}
	store := storeByEmail(srv)
	for _, r := range out.Results {
		if ids := store[fmt.Sprintf("busy%04d@example.com", r.Row-2)]; len(ids) != 1 || ids[0] != r.LeadID {
			t.Errorf("row %d (%v): store has %v", r.Row, r.State, ids)
		}
	}
	if srv.Stats().Faults["604"] == 0 {
		t.Errorf("no 604 injected: the test proves nothing")
	}
}

// TestRunResumeKeepsCreatedOrUpdated: a row known only as created or
// updated is confirmed in the journal, so a resume neither sends it again
// nor reports it as something more definite.
func TestRunResumeKeepsCreatedOrUpdated(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	srv.SetFaults(marketotest.Faults{ApplyThen5xxRate: 0.3})
	batches := testBatches(400, 20, "resume%04d@example.com")
	dir := t.TempDir()
	j, err := journal.OpenJournal(dir, testKey(true))
	if err != nil {
		t.Fatal(err)
	}
	opts := fastOpts(true)
	opts.Journal, opts.KeepJournalOpen = j, true
	first, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey), batches, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	j.Close() //nolint:errcheck // reopened below
	if first.Totals.CreatedOrUpdated == 0 {
		t.Fatalf("totals %+v: no row came back created or updated; the test proves nothing", first.Totals)
	}
	srv.SetFaults(marketotest.Faults{})
	calls := srv.Stats().Calls["SOAP syncMultipleLeads"]
	if j, err = journal.OpenJournal(dir, testKey(true)); err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	opts.Journal = j
	again, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey), batches, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Stats().Calls["SOAP syncMultipleLeads"]; got != calls {
		t.Errorf("the resume made %d calls, want none", got-calls)
	}
	for i := range first.Results {
		if first.Results[i] != again.Results[i] {
			t.Errorf("row %d: first run %+v, resume %+v", first.Results[i].Row, first.Results[i], again.Results[i])
		}
	}
}
