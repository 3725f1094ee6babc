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

// TestRunModes checks create only and update only in the sandbox's store:
// the rows a mode keeps Marketo from touching end LeftAlone, their leads as
// they were, and a resumed run does not send them again.
func TestRunModes(t *testing.T) {
	for _, tc := range []struct {
		mode      marketo.SyncMode
		wantState func(known bool) importer.RowState
		wantCity  func(known bool, k int) string // "" = no lead
	}{
		{marketo.CreateOnly,
			func(known bool) importer.RowState {
				if known {
					return importer.LeftAlone
				}
				return importer.Created
			},
			func(known bool, k int) string {
				if known {
					return "Old"
				}
				return fmt.Sprintf("New %d", k)
			}},
		{marketo.UpdateOnly,
			func(known bool) importer.RowState {
				if known {
					return importer.Updated
				}
				return importer.LeftAlone
			},
			func(known bool, k int) string {
				if known {
					return fmt.Sprintf("New %d", k)
				}
				return ""
			}},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			srv := sandboxtest.Start(t, marketotest.DefaultConfig())
			c := restClient(t, srv)
			const n = 700
			known := func(k int) bool { return k%3 == 0 }
			var seed []marketo.Lead
			for k := 0; k < n; k++ {
				if known(k) {
					seed = append(seed, marketo.Lead{Email: fmt.Sprintf("m%d@example.com", k), Attributes: []marketo.Attribute{{Name: "city", Value: "Old"}}})
				}
			}
			for i := 0; i < len(seed); i += marketo.MaxBatch {
				if _, err := c.SyncLeads(context.Background(), seed[i:min(len(seed), i+marketo.MaxBatch)], true); err != nil {
					t.Fatal(err)
				}
			}
			var batches []importer.Batch
			for k := 0; k < n; k += 100 {
				b := importer.Batch{Seq: len(batches), Key: marketo.KeyEmail}
				for i := k; i < min(n, k+100); i++ {
					b.Rows = append(b.Rows, i+2)
					b.Leads = append(b.Leads, marketo.Lead{Email: fmt.Sprintf("M%d@example.com", i), Attributes: []marketo.Attribute{{Name: "city", Value: fmt.Sprintf("New %d", i)}}})
				}
				batches = append(batches, b)
			}
			j, err := journal.OpenJournal(t.TempDir(), journal.JournalKey{FileSHA256: "ab", API: "rest", Endpoint: srv.RESTBaseURL(), Dedup: true, Settings: "mode=" + tc.mode.String()})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			opts := fastOpts(true)
			opts.Mode, opts.Journal, opts.KeepJournalOpen = tc.mode, j, true
			log := newEventLog()
			out, err := Run(context.Background(), c, batches, opts, log.emit)
			if err != nil {
				t.Fatal(err)
			}
			log.check(t, out, n)
			city := map[string]string{}
			count := map[string]int{}
			for _, l := range srv.Leads() {
				city[strings.ToLower(l.Email)] = l.Fields["City"]
				count[strings.ToLower(l.Email)]++
			}
			for _, r := range out.Results {
				k := r.Row - 2
				if want := tc.wantState(known(k)); r.State != want {
					t.Errorf("row %d: %v (%s), want %v", r.Row, r.State, r.Reason, want)
				}
				email := fmt.Sprintf("m%d@example.com", k)
				want := tc.wantCity(known(k), k)
				if want == "" && count[email] != 0 || want != "" && (count[email] != 1 || city[email] != want) {
					t.Errorf("row %d: store holds %d leads with city %q, want city %q", r.Row, count[email], city[email], want)
				}
			}
			if out.Totals.LeftAlone == 0 || !strings.Contains(Summary(out.Totals), "left alone") {
				t.Errorf("summary %q does not count the rows left alone", Summary(out.Totals))
			}

			calls := srv.Stats().Calls["REST leads.json"]
			again, err := Run(context.Background(), c, batches, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.Stats().Calls["REST leads.json"]; got != calls {
				t.Errorf("a rerun over the journal made %d calls; every row was final", got-calls)
			}
			if again.Totals != out.Totals {
				t.Errorf("rerun totals %+v, first run %+v", again.Totals, out.Totals)
			}
		})
	}
}

func TestRunModeNeedsDedupAndREST(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	b := testBatches(1, 1, "x%d@example.com")
	opts := fastOpts(false)
	opts.Mode = marketo.CreateOnly
	if _, err := Run(context.Background(), restClient(t, srv), b, opts, nil); err == nil || !strings.Contains(err.Error(), "dedup") {
		t.Errorf("create only with dedup off: %v", err)
	}
	opts.Dedup = true
	if _, err := Run(context.Background(), soapClient(t, srv, marketotest.DefaultEncryptionKey), b, opts, nil); err == nil || !strings.Contains(err.Error(), "REST") {
		t.Errorf("create only over SOAP: %v", err)
	}
	if n := len(srv.Leads()); n != 0 {
		t.Errorf("%d leads created by refused runs", n)
	}
}

// TestRunModesWithLostAnswers: when Marketo applied a call and its answer
// was lost, the retry's answer must not be taken at its word. Under create
// only, a retry's 1005 may be the lead the lost try created: not "left
// alone". Under update only, nobody is ever created: not "maybe created".
func TestRunModesWithLostAnswers(t *testing.T) {
	for _, mode := range []marketo.SyncMode{marketo.CreateOnly, marketo.UpdateOnly} {
		t.Run(mode.String(), func(t *testing.T) {
			srv := sandboxtest.Start(t, marketotest.DefaultConfig())
			c := restClient(t, srv)
			const n = 40
			if mode == marketo.UpdateOnly {
				var seed []marketo.Lead
				for k := 0; k < n; k++ {
					seed = append(seed, marketo.Lead{Email: fmt.Sprintf("l%d@example.com", k)})
				}
				if _, err := c.SyncLeads(context.Background(), seed, true); err != nil {
					t.Fatal(err)
				}
			}
			srv.SetFaults(marketotest.Faults{ApplyThen5xxRate: 0.3})
			var batches []importer.Batch
			for k := 0; k < n; k++ {
				batches = append(batches, importer.Batch{Seq: k, Key: marketo.KeyEmail, Rows: []int{k + 2},
					Leads: []marketo.Lead{{Email: fmt.Sprintf("l%d@example.com", k), Attributes: []marketo.Attribute{{Name: "city", Value: "Metz"}}}}})
			}
			opts := fastOpts(true)
			opts.Mode = mode
			out, err := Run(context.Background(), c, batches, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			if out.Totals.LeftAlone != 0 || out.Totals.Failed != 0 {
				t.Errorf("totals %+v: every person was created (create only) or exists (update only)", out.Totals)
			}
			if mode == marketo.UpdateOnly && out.Totals.Updated != n {
				t.Errorf("update only: %d updated, want %d (it creates nobody, so nothing is 'maybe created')", out.Totals.Updated, n)
			}
			if mode == marketo.CreateOnly && out.Totals.Created+out.Totals.CreatedOrUpdated != n {
				t.Errorf("create only: totals %+v", out.Totals)
			}
			if got := len(srv.Leads()); got != n {
				t.Errorf("%d leads stored, want %d", got, n)
			}
			if f := srv.Stats().Faults; f["applied-http-502"]+f["applied-http-503"]+f["applied-http-504"] == 0 {
				t.Error("no answer was lost, so this proved nothing: raise ApplyThen5xxRate")
			}
		})
	}
}
