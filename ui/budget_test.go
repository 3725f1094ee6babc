package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"leadsheet/importer/job"
	"leadsheet/importer/journal"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/ui/viewmodel"
)

// leadsCSV is a sheet of n people, each with their own email.
func leadsCSV(n int) string {
	var sb strings.Builder
	sb.WriteString("Email,First Name\n")
	for i := range n {
		fmt.Fprintf(&sb, "lead%04d@example.com,Name%d\n", i, i)
	}
	return sb.String()
}

// restProfile is a saved REST account on srv with budget b.
func restProfile(name string, srv *marketotest.Server, b marketo.Budget) marketo.Profile {
	cfg := srv.Config()
	return marketo.Profile{Name: name, API: marketo.ProfileREST, Budget: b, REST: marketo.RESTCredentials{
		BaseURL: srv.RESTBaseURL(), IdentityURL: srv.IdentityURL(), ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret}}
}

// openWithAccount opens csv in a window whose one account is a REST
// account on srv with budget b, and returns once the plan for it has its
// quota check back.
func openWithAccount(t *testing.T, srv *marketotest.Server, b marketo.Budget, csv string) (*App, *uiLoop) {
	t.Helper()
	store := newMemStore()
	if err := store.Save(restProfile("Acme", srv, b)); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	ui, loop := newTestApp(t, Options{Accounts: store, Open: in})
	ui.accounts.picker.SetSelected("Acme")
	loop.pump(t, "the plan for the account, with its quota", func() bool {
		c := ui.accounts.conn
		return c != nil && c.fields != nil && ui.mapping.model != nil && ui.mapping.model.Fields != nil && quotaKnown(ui)
	})
	return ui, loop
}

// TestFillEmptyKeepsMarketoValues: keeping values already in Marketo
// reaches the job, costs no more calls in the estimate (its lookup is the
// one each batch makes for the undo record anyway), and the
// run fills only the fields Marketo holds empty. It cannot go with
// clearing fields from blank cells: each greys the other out.
func TestFillEmptyKeepsMarketoValues(t *testing.T) {
	ui, loop := openCSV(t, Options{Sandbox: true}, "Email,First Name,City\n"+
		"anna@example.com,Annie,Berlin\n"+ // in Marketo as Anna, no city
		"bo@example.com,Bo,Oslo\n") // not in Marketo
	srv := ui.accounts.sandbox
	seed := []marketo.Lead{{Email: "anna@example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "Anna"}}}}
	if _, err := ui.accounts.conn.client.SyncLeads(context.Background(), seed, true); err != nil {
		t.Fatal(err)
	}
	loop.pump(t, "the quota check", func() bool { return quotaKnown(ui) })
	replacing := ui.sync.quota.Calls
	mv := ui.mapping
	if mv.fill.Disabled() || mv.fill.Selected != viewmodel.ExistingReplace || ui.sess.pre.Report.Settings().FillEmpty {
		t.Fatalf("before any choice: keeping disabled %v, shown %q, sent to the job %v", mv.fill.Disabled(), mv.fill.Selected, ui.sess.pre.Report.Settings().FillEmpty)
	}

	pre := repreflight(t, ui, loop, "keeping Marketo's values", func() { mv.fill.SetSelected(viewmodel.ExistingKeep) })
	if !pre.Report.Settings().FillEmpty {
		t.Fatal("the job was not told to fill only empty fields")
	}
	if !mv.blanks.Disabled() || !strings.Contains(mv.choicesNote.Text, "cannot clear fields while only empty fields are filled") {
		t.Errorf("keeping values: blanks disabled %v, note %q", mv.blanks.Disabled(), mv.choicesNote.Text)
	}
	loop.pump(t, "the quota check", func() bool { return quotaKnown(ui) })
	if got := ui.sync.quota.Calls; got != replacing {
		t.Errorf("keeping values is estimated at %d calls, want %d, as replacing: the lookup is shared", got, replacing)
	}

	ui.show(stepSync)
	test.Tap(ui.sync.start)
	loop.pump(t, "the sync", func() bool { return !ui.sync.running })
	got := map[string][2]string{}
	for _, l := range srv.Leads() {
		got[l.Email] = [2]string{l.Fields["FirstName"], l.Fields["City"]}
	}
	want := map[string][2]string{"anna@example.com": {"Anna", "Berlin"}, "bo@example.com": {"Bo", "Oslo"}}
	for email, w := range want {
		if got[email] != w {
			t.Errorf("%s holds first name and city %q, want %q: only fields empty in Marketo are filled", email, got[email], w)
		}
	}

	repreflight(t, ui, loop, "replacing values again", func() { mv.fill.SetSelected(viewmodel.ExistingReplace) })
	repreflight(t, ui, loop, "clearing blank cells", func() {
		mv.blanks.SetSelected(viewmodel.BlankClear)
		mv.askClear.Confirm()
	})
	if !mv.fill.Disabled() || !strings.Contains(mv.choicesNote.Text, "cannot be kept while blank cells clear fields") {
		t.Errorf("clearing blanks: keeping disabled %v, note %q", mv.fill.Disabled(), mv.choicesNote.Text)
	}
	test.Tap(mv.dedup)
	if !mv.fill.Disabled() || !strings.Contains(mv.choicesNote.Text, "need dedup on") {
		t.Errorf("dedup off: keeping disabled %v, note %q", mv.fill.Disabled(), mv.choicesNote.Text)
	}
}

// TestStartOverAfterSettingsChanged: a run stopped after its first batch,
// then started with other settings, is refused with the job's sentence;
// Cancel sends nothing, and Start over (once confirmed) sends every row
// again with the new settings, the confirmed ones included.
func TestStartOverAfterSettingsChanged(t *testing.T) {
	ui, loop := newTestApp(t, Options{Sandbox: true})
	waitReady(t, ui, loop)
	srv := ui.accounts.sandbox
	ui.show(stepSync)
	test.Tap(ui.sync.canary)
	test.Tap(ui.sync.start)
	loop.pump(t, "the first batch", func() bool { return !ui.sync.running && ui.sync.ask != nil })
	ui.dismissTop()          // not the rest: the journal stays open
	test.Tap(ui.sync.canary) // from now on, whole runs
	before := srv.Stats()
	if before.LeadsCreated+before.LeadsUpdated != 300 {
		t.Fatalf("the first batch stored %d created and %d updated leads, want 300 in all", before.LeadsCreated, before.LeadsUpdated)
	}

	repreflight(t, ui, loop, "clearing blank cells", func() {
		ui.mapping.blanks.SetSelected(viewmodel.BlankClear)
		ui.mapping.askClear.Confirm()
	})
	loop.pump(t, "the plan with its quota", func() bool { return quotaKnown(ui) && ui.sync.plan.Resume != nil })
	if ui.sync.ask != nil {
		ui.dismissTop() // the offer to continue the earlier run: Start is pressed instead
	}
	startRefused := func() string {
		t.Helper()
		test.Tap(ui.sync.start)
		loop.pump(t, "the refused start", func() bool { return !ui.sync.running && ui.sync.ask != nil })
		text := dialogText(ui)
		if !strings.Contains(text, "used other settings") || !strings.Contains(text, "blank cells clear fields") {
			t.Fatalf("the refused start says %q; want the job's sentence with the settings", text)
		}
		return text
	}
	startRefused()
	ui.dismissTop() // Cancel
	if s := srv.Stats(); s.LeadsCreated != before.LeadsCreated || s.LeadsUpdated != before.LeadsUpdated {
		t.Fatalf("a refused start changed Marketo: %d created, %d updated", s.LeadsCreated-before.LeadsCreated, s.LeadsUpdated-before.LeadsUpdated)
	}
	if ui.sync.start.Disabled() {
		t.Fatal("Start is disabled after cancelling the start over")
	}

	startRefused()
	ui.sync.ask.Confirm() // Start over
	if q := dialogText(ui); !strings.Contains(q, "the 300 rows Marketo already confirmed included") || !strings.Contains(q, "update the same people") {
		t.Fatalf("the start over question says %q", q)
	}
	ui.sync.ask.Confirm()
	loop.pump(t, "the run started over", func() bool { return !ui.sync.running && ui.sync.model.Progress().Totals.Waiting == 0 })
	after, p := srv.Stats(), ui.sync.model.Progress()
	if n := after.LeadsUpdated - before.LeadsUpdated; n < 300 {
		t.Errorf("starting over updated %d leads, want the 300 rows the earlier run confirmed sent again", n)
	}
	if n := len(srv.Leads()); n != 477 || p.Totals.Created != 178 || p.Totals.Updated != 300 {
		t.Errorf("after starting over: sandbox holds %d leads (want 477), totals %+v (want 178 created, 300 updated)", n, p.Totals)
	}
	if _, open, err := journal.PeekJournal(ui.dirs().Journals(), journalKeyOf(ui)); err != nil || open {
		t.Errorf("the fresh run's journal: open %v, err %v; want it finished", open, err)
	}
}

// dialogText is the text of the open question's label.
func dialogText(ui *App) string {
	var out []string
	for _, o := range test.LaidOutObjects(ui.win.Canvas().Overlays().Top()) {
		if l, ok := o.(*widget.Label); ok && l.Visible() {
			out = append(out, l.Text)
		}
	}
	return strings.Join(out, "\n")
}

// TestBudgetSavedAndUsed: the API budget is typed in the account form,
// checked, saved and shown again with the account; the Sync step says
// it, the quota check counts with its daily quota, and the run keeps to
// its calls at once.
func TestBudgetSavedAndUsed(t *testing.T) {
	store := newMemStore()
	ui, loop := newTestApp(t, Options{Accounts: store, Sandbox: true})
	waitReady(t, ui, loop)
	// The account's own Marketo, slow enough that calls overlap, so the
	// fair share would have five in flight.
	srv := marketotest.NewServer(marketotest.DefaultConfig())
	defer srv.Close()
	srv.Configure(func(c *marketotest.Config) { c.Latency = 150 * time.Millisecond })

	f := ui.accounts.showDialog()
	f.name.SetText("Acme")
	f.kind.SetSelected(viewmodel.KindREST)
	f.base.SetText(srv.RESTBaseURL())
	f.ident.SetText(srv.IdentityURL())
	f.clientID.SetText(srv.Config().ClientID)
	test.Type(f.secret, srv.Config().ClientSecret)
	test.Type(f.concurrency, "12")
	test.Tap(f.save)
	if !strings.Contains(f.status.Text, "Calls at once must be from 1 to 10") {
		t.Errorf("12 calls at once: status %q", f.status.Text)
	}
	if _, err := store.Load("Acme"); err == nil {
		t.Fatal("an account with 12 calls at once was saved")
	}
	f.concurrency.SetText("2")
	test.Type(f.callsPer20s, "30")
	test.Type(f.dailyQuota, "20,000")
	test.Tap(f.save)
	want := marketo.Budget{Concurrency: 2, CallsPer20s: 30, DailyQuota: 20_000}
	if p, err := store.Load("Acme"); err != nil || p.Budget != want {
		t.Fatalf("saved budget %+v, %v; want %+v", p.Budget, err, want)
	}
	loop.pump(t, "the account's plan with its quota", func() bool {
		c := ui.accounts.conn
		return c != nil && c.name == "Acme" && c.fields != nil && ui.mapping.model.Fields != nil && quotaKnown(ui)
	})

	again := ui.accounts.showDialog()
	if again.existing.Selected != "Acme" || again.concurrency.Text != "2" || again.callsPer20s.Text != "30" || again.dailyQuota.Text != "20,000" {
		t.Errorf("the form shows %q with budget %q, %q, %q", again.existing.Selected, again.concurrency.Text, again.callsPer20s.Text, again.dailyQuota.Text)
	}
	ui.dismissTop()
	ui.dismissTop()

	ui.mapping.batch.SetSelected("50")
	loop.pump(t, "the plan in batches of 50", func() bool { return ui.sync.plan != nil && ui.sync.plan.Batches == 10 && quotaKnown(ui) })
	ui.show(stepSync)
	if got := ui.sync.share.Text; got != want.Share() || !strings.Contains(got, "Using 2 of the instance's 10 calls at once and 30 of its 100") {
		t.Errorf("the Sync step says %q", got)
	}
	if q := ui.sync.quota; q.Limit != 20_000 || q.Used < 1 {
		t.Errorf("the quota check counts with a quota of %d and %d calls used today; want 20,000 and the sandbox's count", q.Limit, q.Used)
	}
	test.Tap(ui.sync.start)
	loop.pump(t, "the sync", func() bool { return !ui.sync.running })
	if n := len(srv.Leads()); n != 477 {
		t.Fatalf("the account's Marketo holds %d leads, want 477", n)
	}
	if m := srv.Stats().MaxConcurrent; m > 2 {
		t.Errorf("the run had %d calls at once in Marketo, more than the account's 2", m)
	}
}

// TestQuotaBeforeStart: the quota check before Start refuses an import
// the account's daily quota cannot hold, with the rows that fit; asks
// first when it takes more than half of what is left; and otherwise says
// what it costs and starts.
func TestQuotaBeforeStart(t *testing.T) {
	// 600 rows in batches of 50: 12 Sync Leads calls, the undo record's
	// two reads for each, and connecting: 38.
	tests := []struct {
		name  string
		quota int
		want  quotaState
	}{
		{"too small", 12, quotaRefused},
		{"more than half of what is left", 60, quotaHeavy},
		{"room enough", 0, quotaFits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := marketotest.NewServer(marketotest.DefaultConfig())
			defer srv.Close()
			ui, loop := openWithAccount(t, srv, marketo.Budget{DailyQuota: tt.quota}, leadsCSV(600))
			ui.mapping.batch.SetSelected("50")
			loop.pump(t, "the plan in batches of 50", func() bool { return ui.sync.plan != nil && ui.sync.plan.Batches == 12 && quotaKnown(ui) })
			ui.show(stepSync)
			q := ui.sync.quota
			if limit := (marketo.Budget{DailyQuota: tt.quota}).Effective().DailyQuota; q.Limit != limit || q.Used < 1 || q.Used > srv.Stats().QuotaUsed || q.Rows != 600 {
				t.Fatalf("quota %+v; want the account's limit %d, today's usage as the sandbox counts it (%d) and 600 rows", *q, limit, srv.Stats().QuotaUsed)
			}
			if got := ui.sync.quotaNow(); got != tt.want {
				t.Fatalf("quota state %d, want %d (quota %+v)", got, tt.want, *q)
			}
			line := ui.sync.quotaLine
			words := job.QuotaWords(*q, ui.sync.quotaAt)
			if !line.Visible() || !strings.HasSuffix(line.Text, words) {
				t.Errorf("the quota line says %q, want %q", line.Text, words)
			}

			switch tt.want {
			case quotaRefused:
				fit := fmt.Sprintf("%s of its 600 rows fit", viewmodel.Count(q.RowsThatFit))
				if !ui.sync.start.Disabled() || line.Importance != widget.DangerImportance || !strings.Contains(line.Text, fit) {
					t.Errorf("too small: Start disabled %v, line %q (importance %v); want it to say %q", ui.sync.start.Disabled(), line.Text, line.Importance, fit)
				}
				if q.RowsThatFit <= 0 || q.RowsThatFit >= 600 || q.RowsThatFit%50 != 0 {
					t.Errorf("%d rows said to fit; want whole batches, some but not all of the file", q.RowsThatFit)
				}
				ui.sync.onStart() // Ctrl+Enter
				if ui.sync.running || len(ui.dialogs) != 1 || !strings.Contains(dialogText(ui), fit) {
					t.Errorf("the shortcut: running %v, %d dialogs saying %q", ui.sync.running, len(ui.dialogs), dialogText(ui))
				}
				if n := len(srv.Leads()); n != 0 {
					t.Errorf("%d leads sent past the quota check", n)
				}
				return
			case quotaHeavy:
				test.Tap(ui.sync.start)
				if ui.sync.running || ui.sync.ask == nil || !strings.Contains(dialogText(ui), "more than half") {
					t.Fatalf("more than half: running %v, question %q", ui.sync.running, dialogText(ui))
				}
				ui.sync.ask.Confirm()
			case quotaFits:
				if cost := fmt.Sprintf("takes about %s API calls", viewmodel.Count(q.Calls)); !strings.Contains(line.Text, cost) || q.Calls <= ui.sync.plan.Batches {
					t.Errorf("room enough: line %q, %d calls for %d batches", line.Text, q.Calls, ui.sync.plan.Batches)
				}
				test.Tap(ui.sync.start)
			}
			if !ui.sync.running {
				t.Fatal("the sync did not start")
			}
			loop.pump(t, "the sync", func() bool { return !ui.sync.running })
			if n := len(srv.Leads()); n != 600 {
				t.Errorf("the sandbox holds %d leads, want 600", n)
			}
		})
	}
}

// TestStartWaitsForQuotaCheck: while today's usage is being read, Start
// is greyed out and says so; a start asked for meanwhile (the shortcut)
// goes ahead once the check is back.
func TestStartWaitsForQuotaCheck(t *testing.T) {
	ui, loop := newTestApp(t, Options{Sandbox: true})
	waitReady(t, ui, loop)
	ui.accounts.sandbox.Configure(func(c *marketotest.Config) { c.Latency = time.Second })
	ui.mapping.batch.SetSelected("100")
	loop.pump(t, "the plan in batches of 100", func() bool { return ui.sync.plan != nil && ui.sync.plan.Batches == 5 })
	ui.show(stepSync)
	if ui.sync.quota != nil || !ui.sync.start.Disabled() || ui.sync.quotaLine.Text != viewmodel.QuotaChecking {
		t.Fatalf("while checking: quota %v, Start disabled %v, line %q", ui.sync.quota, ui.sync.start.Disabled(), ui.sync.quotaLine.Text)
	}
	ui.sync.onStart() // Ctrl+Enter
	if ui.sync.running {
		t.Fatal("the sync started before the quota check was back")
	}
	ui.accounts.sandbox.Configure(func(c *marketotest.Config) { c.Latency = 0 })
	loop.pump(t, "the sync to start and end", func() bool {
		return ui.sync.quota != nil && !ui.sync.running && ui.sync.model.Progress().Totals.Waiting == 0
	})
	if n := len(ui.accounts.sandbox.Leads()); n != 477 {
		t.Errorf("the sandbox holds %d leads, want 477", n)
	}
}
