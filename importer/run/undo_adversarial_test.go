package run

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/history"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// undoImport reads run id's rollback record, plans its undo against what
// Marketo holds now and carries it out unforced, as `leadsheet undo` does, with
// the undo's log kept in store so that a second call resumes the first.
// undone is an undo's counts and what became of each lead.
type undone struct {
	UndoOutcome
	Rows []UndoRow
}

func undoImport(t *testing.T, c marketo.Syncer, store history.Store, id string) (UndoPlan, undone) {
	t.Helper()
	ctx := context.Background()
	rb, err := store.ReadRollback(id)
	if err != nil {
		t.Fatal(err)
	}
	log, err := store.OpenUndoLog(id)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	plan, err := PlanUndo(ctx, c.(marketo.LeadFinder), rb, log.State(), fastOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	var rows []UndoRow
	out, err := Undo(ctx, c, plan, UndoOptions{Run: fastOpts(true), Log: log}, func(rs []UndoRow) { rows = append(rows, rs...) })
	if err != nil {
		t.Fatalf("undo: %v (%+v)", err, out)
	}
	return plan, undone{out, rows}
}

// recorded runs batches with a rollback record kept as run id in store.
func recorded(t *testing.T, c marketo.Syncer, store history.Store, id string, batches []importer.Batch, opts RunOptions) (Outcome, error) {
	t.Helper()
	rec, err := store.OpenRecorder(id)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	opts.Rollback = rec
	return Run(context.Background(), c, batches, opts, nil)
}

// TestAdversarialUndoPersonIDKeepsEmail: rows keyed on ForeignSysPersonId
// send Email as a field that may change, so the import's record keeps
// the email each lead had before, and the undo sets it back. A lead that
// had an email must not end the undo without one.
func TestAdversarialUndoPersonIDKeepsEmail(t *testing.T) {
	srv, c := personIDSandbox(t)
	ctx := context.Background()
	if _, err := c.SyncLeads(ctx, []marketo.Lead{{ForeignSysPersonID: "P-1", Email: "kept@example.com",
		Attributes: []marketo.Attribute{{Name: "city", Value: "Lyon"}}}}, true); err != nil {
		t.Fatal(err)
	}
	before := srv.Leads()
	store := history.Store{Dir: t.TempDir()}
	opts := fastOpts(true)
	opts.ForeignKeyField = "crmPersonId"
	b := importer.Batch{Key: marketo.KeyForeignSysPersonID, Rows: []int{2},
		Leads: []marketo.Lead{{ForeignSysPersonID: "P-1", Email: "moved@example.com", Attributes: []marketo.Attribute{{Name: "city", Value: "Paris"}}}}}
	out, err := recorded(t, c, store, "fspi000001", []importer.Batch{b}, opts)
	if err != nil || out.Totals.Updated != 1 {
		t.Fatalf("import: %+v, %v", out.Totals, err)
	}
	if got := srv.Leads(); got[0].Email != "moved@example.com" {
		t.Fatalf("the import did not move the email: %+v", got[0])
	}
	rb, err := store.ReadRollback("fspi000001")
	if err != nil {
		t.Fatal(err)
	}
	if v := rb.Existing[before[0].ID].Values["email"]; v == nil || *v != "kept@example.com" {
		t.Errorf("the record keeps email %v for lead %d, which had kept@example.com", v, before[0].ID)
	}
	_, res := undoImport(t, c, store, "fspi000001")
	if res.Restored != 1 || res.Failed+res.Refused != 0 {
		t.Fatalf("undo: %+v", res)
	}
	sameStore(t, before, srv.Leads())
}

// TestAdversarialUndoAfterQuotaStop: an import looks its batch up, then
// Marketo's daily quota stops it before the batch is sent. Overnight, a
// sales rep edits one person and another person fills in a form (a new
// lead). The import is run again the next day (a resume: the same run,
// the same record) and updates both. Its undo must set the first person
// back to what they held when the import wrote to them, the rep's edit,
// and must not delete the second, whom the import did not create.
func TestAdversarialUndoAfterQuotaStop(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	c := restClient(t, srv)
	ctx := context.Background()
	seed, err := c.SyncLeads(ctx, []marketo.Lead{{Email: "rep-edits@example.com", Attributes: []marketo.Attribute{{Name: "company", Value: "Old"}}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	edited := seed[0].LeadID
	rows := []importer.Batch{{Key: marketo.KeyEmail, Rows: []int{2, 3}, Leads: []marketo.Lead{
		{Email: "rep-edits@example.com", Attributes: []marketo.Attribute{{Name: "company", Value: "From the sheet"}}},
		{Email: "fills-a-form@example.com", Attributes: []marketo.Attribute{{Name: "company", Value: "From the sheet"}}},
	}}}
	store := history.Store{Dir: t.TempDir()}
	// One call left today: the batch's lookup; its send is refused.
	used := srv.Stats().QuotaUsed
	srv.Configure(func(cfg *marketotest.Config) { cfg.DailyQuota = used + 1 })
	out, err := recorded(t, c, store, "quota00001", rows, fastOpts(true))
	var se *StopError
	if !errors.As(err, &se) || se.Cause != StopQuota || out.Totals.NotSent != 2 {
		t.Fatalf("first run: %+v, %v; want both rows not sent for the quota", out.Totals, err)
	}
	srv.Configure(func(cfg *marketotest.Config) { cfg.DailyQuota = 0 })

	if _, err := c.SyncLeads(ctx, []marketo.Lead{{ID: edited, Attributes: []marketo.Attribute{{Name: "company", Value: "Typed by the rep"}}}}, true); err != nil {
		t.Fatal(err)
	}
	form, err := c.SyncLeads(ctx, []marketo.Lead{{Email: "fills-a-form@example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "Form"}}}}, true)
	if err != nil || form[0].Status != marketo.Created {
		t.Fatalf("form fill: %+v, %v", form, err)
	}
	before := srv.Leads()

	out, err = recorded(t, c, store, "quota00001", rows, fastOpts(true))
	if err != nil || out.Totals.Updated != 2 {
		t.Fatalf("the run again: %+v, %v; want both people updated", out.Totals, err)
	}
	plan, res := undoImport(t, c, store, "quota00001")
	if len(plan.Delete) != 0 {
		t.Errorf("the undo deletes %+v: the import created nobody (lead %d came from a form)", plan.Delete, form[0].LeadID)
	}
	if res.Failed+res.Refused != 0 {
		t.Errorf("undo: %+v", res)
	}
	for _, l := range srv.Leads() {
		if l.ID == edited && l.Fields["Company"] != "Typed by the rep" {
			t.Errorf("lead %d after the undo has company %q; it held the rep's %q when the import wrote to it", l.ID, l.Fields["Company"], "Typed by the rep")
		}
	}
	sameStore(t, before, srv.Leads())
}

// TestAdversarialUndoAfterGivenUpBatches: with dedup on, a batch whose
// every try Marketo applied and lost the answer to ends Failed ("Marketo
// may already have these rows"). The import is then undone rather than
// run again. The undo must take those rows back too (they did change
// Marketo), or at least not report a clean undo while leads the import
// created, and values it overwrote, stay behind.
func TestAdversarialUndoAfterGivenUpBatches(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	c := restClient(t, srv)
	ctx := context.Background()
	var seed []marketo.Lead
	for k := 0; k < 40; k += 2 {
		seed = append(seed, marketo.Lead{Email: fmt.Sprintf("given-up%02d@example.com", k), Attributes: []marketo.Attribute{{Name: "company", Value: "Old"}}})
	}
	if _, err := c.SyncLeads(ctx, seed, true); err != nil {
		t.Fatal(err)
	}
	before := srv.Leads()
	var batches []importer.Batch
	for k := 0; k < 40; k++ {
		if k%4 == 0 {
			batches = append(batches, importer.Batch{Seq: len(batches), Key: marketo.KeyEmail})
		}
		b := &batches[len(batches)-1]
		b.Rows = append(b.Rows, k+2)
		b.Leads = append(b.Leads, marketo.Lead{Email: fmt.Sprintf("given-up%02d@example.com", k), Attributes: []marketo.Attribute{{Name: "company", Value: "New"}}})
	}
	store := history.Store{Dir: t.TempDir()}
	opts := fastOpts(true)
	opts.Concurrency, opts.MaxAttempts = 1, 2 // one call at a time: the seeded faults fall the same way every run
	srv.SetFaults(marketotest.Faults{ApplyThen5xxRate: 0.5})
	out, err := recorded(t, c, store, "givenup0001", batches, opts)
	srv.SetFaults(marketotest.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	lost := 0
	for _, r := range out.Results {
		if r.State == importer.Failed && strings.Contains(r.Reason, "answer was lost") {
			lost++
		}
	}
	if lost == 0 {
		t.Fatalf("no batch was given up after a lost answer: the case was not exercised (%+v)", out.Totals)
	}
	plan, res := undoImport(t, c, store, "givenup0001")
	if silent := unreported(before, srv.Leads(), plan, res); len(silent) > 0 {
		t.Errorf("the undo (%d restored, %d deleted, %d left alone, %d failed) says nothing of leads %v, which differ from before the import (%d rows given up after lost answers)",
			res.Restored, res.Deleted, res.Refused, res.Failed, silent, lost)
	}
}

// unreported are the leads that differ from before (new, or other
// values) and that the undo neither took back nor named as left alone,
// failed or unknown: a change it let pass in silence.
func unreported(before, after []marketotest.Lead, plan UndoPlan, res undone) []int {
	named := map[int]bool{}
	for _, x := range res.Rows {
		if x.Outcome == UndoRefused || x.Outcome == UndoFailed {
			named[x.Lead] = true
		}
	}
	for _, ls := range [][]UndoLead{plan.Unknown, plan.Gone} {
		for _, l := range ls {
			named[l.ID] = true
		}
	}
	was := map[int]marketotest.Lead{}
	for _, l := range before {
		was[l.ID] = l
	}
	var out []int
	for _, l := range after {
		b, ok := was[l.ID]
		if (!ok || b.Email != l.Email || !maps.Equal(b.Fields, l.Fields)) && !named[l.ID] {
			out = append(out, l.ID)
		}
	}
	return out
}

// TestAdversarialUndoListStepLost: a list-only import whose Add to List
// calls Marketo applies and then loses the answer to, every try, ends
// with those rows "not added to the list", yet Marketo added them. The
// undo must take those memberships out too, or say it left them: the
// list must not end the undo holding people the import put there while
// the undo reports nothing left alone.
func TestAdversarialUndoListStepLost(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	c := restClient(t, srv)
	ctx := context.Background()
	var seed []marketo.Lead
	for k := range 60 {
		seed = append(seed, marketo.Lead{Email: fmt.Sprintf("list-lost%02d@example.com", k)})
	}
	if _, err := c.SyncLeads(ctx, seed, true); err != nil {
		t.Fatal(err)
	}
	listBefore := members(t, c, marketotest.SeedListID)
	var batches []importer.Batch
	for k := range 60 {
		if k%3 == 0 {
			batches = append(batches, importer.Batch{Seq: len(batches), Key: marketo.KeyEmail})
		}
		b := &batches[len(batches)-1]
		b.Rows = append(b.Rows, k+2)
		b.Leads = append(b.Leads, marketo.Lead{Email: seed[k].Email})
	}
	store := history.Store{Dir: t.TempDir()}
	opts := fastOpts(true)
	opts.ListOnly, opts.ListID = true, marketotest.SeedListID
	opts.Concurrency, opts.MaxAttempts = 1, 2
	srv.SetFaults(marketotest.Faults{ApplyThen5xxRate: 0.5})
	out, err := recorded(t, c, store, "listlost001", batches, opts)
	srv.SetFaults(marketotest.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	added := map[int]bool{}
	for _, r := range out.Results {
		if r.List == importer.ListAdded || r.List == importer.ListAlready {
			added[r.LeadID] = true
		}
	}
	now := members(t, c, marketotest.SeedListID)
	var hidden []int
	for _, id := range now {
		if !added[id] && !slices.Contains(listBefore, id) {
			hidden = append(hidden, id)
		}
	}
	if len(hidden) == 0 {
		t.Fatalf("no Add to List was applied behind a lost answer: the case was not exercised (%+v)", out.Totals)
	}
	_, res := undoImport(t, c, store, "listlost001")
	named := map[int]bool{}
	for _, x := range res.Rows {
		if x.Outcome == UndoRefused || x.Outcome == UndoFailed {
			named[x.Lead] = true
		}
	}
	var silent []int
	for _, id := range members(t, c, marketotest.SeedListID) {
		if !slices.Contains(listBefore, id) && !named[id] {
			silent = append(silent, id)
		}
	}
	if len(silent) > 0 {
		t.Errorf("after the undo (%d removed, %d left alone, %d failed) the list still holds leads %v the import added (its rows said \"not added\" for %v); the undo says nothing of them",
			res.Removed, res.Refused, res.Failed, silent, hidden)
	}
}

// TestAdversarialUndoCreateOnlyLostAnswer: create only, through answers
// Marketo applied and lost. A retry of a row whose lost try created its
// lead is told "already exists" (1005), which names no lead; the row ends
// "may have created it". The undo must delete those leads the import
// created, or name them as left alone, not leave them in silence.
func TestAdversarialUndoCreateOnlyLostAnswer(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	c := restClient(t, srv)
	before := srv.Leads()
	var batches []importer.Batch
	for k := range 60 {
		if k%5 == 0 {
			batches = append(batches, importer.Batch{Seq: len(batches), Key: marketo.KeyEmail})
		}
		b := &batches[len(batches)-1]
		b.Rows = append(b.Rows, k+2)
		b.Leads = append(b.Leads, marketo.Lead{Email: fmt.Sprintf("create-only%02d@example.com", k), Attributes: []marketo.Attribute{{Name: "city", Value: "New"}}})
	}
	store := history.Store{Dir: t.TempDir()}
	opts := fastOpts(true)
	opts.Mode, opts.Concurrency, opts.MaxAttempts = marketo.CreateOnly, 1, 30
	srv.SetFaults(marketotest.Faults{ApplyThen5xxRate: 0.3})
	out, err := recorded(t, c, store, "createonly1", batches, opts)
	srv.SetFaults(marketotest.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.CreatedOrUpdated == 0 {
		t.Fatalf("no answer was lost: the case was not exercised (%+v)", out.Totals)
	}
	plan, res := undoImport(t, c, store, "createonly1")
	if silent := unreported(before, srv.Leads(), plan, res); len(silent) > 0 {
		t.Errorf("the undo (%d deleted, %d left alone, %d failed) says nothing of leads %v the import created (%d rows \"may have created it\")",
			res.Deleted, res.Refused, res.Failed, silent, out.Totals.CreatedOrUpdated)
	}
}

// TestAdversarialUndoValues: people whose fields hold every kind of value
// (numbers written another way, decimals, dates, datetimes, text with
// commas, quotes, new lines and accents, fields empty or absent), updated
// by rows that change some, repeat others as Marketo has them, clear
// others, on one person's several rows in one batch and across batches,
// plain and fill-empty: each undo gives the store back field for field.
func TestAdversarialUndoValues(t *testing.T) {
	old := []marketo.Attribute{
		{Name: "company", Value: `Ünïcødé, "Quoted" & Co`},
		{Name: "numberOfEmployees", Value: "7"},
		{Name: "annualRevenue", Value: "1234.5"},
		{Name: "dateOfBirth", Value: "1980-02-29"},
		{Name: "address", Value: "1 Rue de la Paix\n75002 Paris"},
		{Name: "title", Value: "Boss"},
		{Name: "lastName", Value: "  spaced  "},
	}
	row := func(email string, as ...marketo.Attribute) marketo.Lead {
		return marketo.Lead{Email: email, Attributes: as}
	}
	sheet := []importer.Batch{
		{Seq: 0, Key: marketo.KeyEmail, Rows: []int{2, 3, 4}, Leads: []marketo.Lead{
			row("values-a@example.com", marketo.Attribute{Name: "company", Value: "New, Inc."}, marketo.Attribute{Name: "numberOfEmployees", Value: "007"},
				marketo.Attribute{Name: "title", Clear: true}, marketo.Attribute{Name: "city", Value: "Köln"}),
			row("VALUES-A@example.com", marketo.Attribute{Name: "annualRevenue", Value: "1234.50"}, marketo.Attribute{Name: "dateOfBirth", Value: "1990-01-01"}),
			row("values-b@example.com", marketo.Attribute{Name: "address", Value: "elsewhere"}, marketo.Attribute{Name: "lastName", Value: "Plain"}),
		}},
		{Seq: 1, Key: marketo.KeyEmail, Rows: []int{5, 6}, Leads: []marketo.Lead{
			row("values-a@example.com", marketo.Attribute{Name: "company", Value: "Third value"}, marketo.Attribute{Name: "middleName", Value: "M"}),
			row("values-b@example.com", marketo.Attribute{Name: "company", Value: `Ünïcødé, "Quoted" & Co`}, marketo.Attribute{Name: "title", Clear: true}),
		}},
	}
	for _, tc := range []struct {
		name string
		set  func(*RunOptions)
	}{
		{"plain", func(*RunOptions) {}},
		{"fill-empty", func(o *RunOptions) { o.FillEmpty = true }},
		{"typed", func(o *RunOptions) {
			o.Fields = []marketo.Field{{Name: "numberOfEmployees", Type: "integer"}, {Name: "annualRevenue", Type: "currency"}, {Name: "dateOfBirth", Type: "date"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sandboxtest.Start(t, marketotest.DefaultConfig())
			c := restClient(t, srv)
			if _, err := c.SyncLeads(context.Background(), []marketo.Lead{row("values-a@example.com", old...), row("values-b@example.com", old...)}, true); err != nil {
				t.Fatal(err)
			}
			before := srv.Leads()
			store := history.Store{Dir: t.TempDir()}
			opts := fastOpts(true)
			tc.set(&opts)
			out, err := recorded(t, c, store, "values0001", sheet, opts)
			if err != nil || out.Totals.Updated != 5 {
				t.Fatalf("import: %+v, %v", out.Totals, err)
			}
			plan, res := undoImport(t, c, store, "values0001")
			if len(plan.Changed)+len(plan.Delete) != 0 || res.Restored != 2 || res.Failed+res.Refused != 0 {
				t.Fatalf("undo: plan %+v, outcome %+v", plan, res)
			}
			sameStore(t, before, srv.Leads())
		})
	}
}

// TestAdversarialUndoDedupOff: with dedup off every row creates a lead,
// even for people Marketo has and for an email on several rows, and no
// lookup comes first. Through answers Marketo applied and lost, each lead
// the import made is found again (Created) and the undo deletes every
// one of them, touching none of the people who were there before.
func TestAdversarialUndoDedupOff(t *testing.T) {
	// The people Marketo has were created an hour ago: a lead created
	// within a minute of a row's send could be that row's, for all a
	// lookup after a lost answer can tell.
	var ago atomic.Int64
	ago.Store(int64(time.Hour))
	cfg := marketotest.DefaultConfig()
	cfg.Clock = func() time.Time { return time.Now().Add(-time.Duration(ago.Load())) }
	srv := sandboxtest.Start(t, cfg)
	c := restClient(t, srv)
	var seed []marketo.Lead
	for k := range 10 {
		seed = append(seed, marketo.Lead{Email: fmt.Sprintf("dup%02d@example.com", k), Attributes: []marketo.Attribute{{Name: "company", Value: "Old"}}})
	}
	if _, err := c.SyncLeads(context.Background(), seed, true); err != nil {
		t.Fatal(err)
	}
	ago.Store(0)
	before, listBefore := srv.Leads(), members(t, c, marketotest.SeedListID)
	var batches []importer.Batch
	for k := range 60 {
		if k%10 == 0 {
			batches = append(batches, importer.Batch{Seq: len(batches), Key: marketo.KeyEmail})
		}
		b := &batches[len(batches)-1]
		b.Rows = append(b.Rows, k+2)
		b.Leads = append(b.Leads, marketo.Lead{Email: fmt.Sprintf("dup%02d@example.com", k%20), Attributes: []marketo.Attribute{{Name: "company", Value: "New"}}})
	}
	store := history.Store{Dir: t.TempDir()}
	opts := fastOpts(false)
	opts.Concurrency, opts.MaxAttempts, opts.Settle = 1, 30, time.Millisecond
	opts.ListID = marketotest.SeedListID
	srv.SetFaults(marketotest.Faults{ApplyThen5xxRate: 0.3})
	out, err := recorded(t, c, store, "dedupoff001", batches, opts)
	srv.SetFaults(marketotest.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.Created+out.Totals.Unknown != 60 {
		t.Fatalf("import: %+v", out.Totals)
	}
	found := 0
	for _, r := range out.Results {
		if r.Reason == msgFoundLost {
			found++
		}
	}
	if found == 0 {
		t.Fatalf("no answer was lost: the case was not exercised (%+v)", out.Totals)
	}
	plan, res := undoImport(t, c, store, "dedupoff001")
	if silent := unreported(before, srv.Leads(), plan, res); len(silent) > 0 {
		t.Errorf("the undo (%d deleted, %d removed from the list, %d left alone, %d failed) says nothing of leads %v, which the import created (%d rows found again after a lost answer)",
			res.Deleted, res.Removed, res.Refused, res.Failed, silent, found)
	}
	if out.Totals.Unknown == 0 {
		sameStore(t, before, srv.Leads())
		if m := members(t, c, marketotest.SeedListID); !slices.Equal(m, listBefore) {
			t.Errorf("the list after the undo: %v, before the import %v", m, listBefore)
		}
	}
}

// TestAdversarialUndoLeavesLaterChanges: after an import that updates
// three people, creates two, lists them all and sets their program
// status, Marketo changes: one updated person gets a field the import
// did not write, another is deleted, a created one is edited. The undo
// leaves the edited ones (and their memberships) as they are and names
// them, does nothing for the deleted one, takes the rest back, and lists
// the program statuses it cannot move back without touching them.
func TestAdversarialUndoLeavesLaterChanges(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	c := restClient(t, srv)
	rc := c.(*marketo.RESTClient)
	ctx := context.Background()
	email := func(k int) string { return fmt.Sprintf("later%d@example.com", k) }
	var seed []marketo.Lead
	for k := range 3 {
		seed = append(seed, marketo.Lead{Email: email(k), Attributes: []marketo.Attribute{{Name: "company", Value: "Old"}}})
	}
	if _, err := c.SyncLeads(ctx, seed, true); err != nil {
		t.Fatal(err)
	}
	listBefore := members(t, c, marketotest.SeedListID)
	b := importer.Batch{Key: marketo.KeyEmail}
	for k := range 5 {
		b.Rows = append(b.Rows, k+2)
		b.Leads = append(b.Leads, marketo.Lead{Email: email(k), Attributes: []marketo.Attribute{{Name: "company", Value: "New"}}})
	}
	store := history.Store{Dir: t.TempDir()}
	opts := fastOpts(true)
	opts.ListID, opts.ProgramID, opts.ProgramStatus = marketotest.SeedListID, marketotest.SeedProgramID, "Registered"
	out, err := recorded(t, c, store, "later00001", []importer.Batch{b}, opts)
	if err != nil || out.Totals.Updated != 3 || out.Totals.Created != 2 || out.Totals.ProgramSet != 5 {
		t.Fatalf("import: %+v, %v", out.Totals, err)
	}
	lead := map[string]int{}
	for i, r := range out.Results {
		lead[b.Leads[i].Email] = r.LeadID
	}
	// later0: a field the import did not write; later1: deleted; later3:
	// created by the import, then edited.
	if _, err := c.SyncLeads(ctx, []marketo.Lead{{ID: lead[email(0)], Attributes: []marketo.Attribute{{Name: "firstName", Value: "Typed"}}}}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.DeleteLeads(ctx, []int{lead[email(1)]}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SyncLeads(ctx, []marketo.Lead{{ID: lead[email(3)], Attributes: []marketo.Attribute{{Name: "title", Value: "Typed"}}}}, true); err != nil {
		t.Fatal(err)
	}
	edited := srv.Leads()

	plan, res := undoImport(t, c, store, "later00001")
	if res.Restored != 1 || res.Deleted != 1 || res.Refused != 2 || res.Failed != 0 || len(plan.Gone) != 1 || plan.Gone[0].ID != lead[email(1)] {
		t.Errorf("undo: %d restored, %d deleted, %d left alone, %d failed; gone %+v", res.Restored, res.Deleted, res.Refused, res.Failed, plan.Gone)
	}
	var set []int
	for _, ps := range plan.Programs {
		if ps.Program == marketotest.SeedProgramID && ps.Status == "Registered" {
			set = append(set, ps.Leads...)
		}
	}
	if slices.Sort(set); len(set) != 5 {
		t.Errorf("the plan lists program statuses for %v; the import set 5", set)
	}
	want := map[int]marketotest.Lead{}
	for _, l := range edited {
		switch l.ID {
		case lead[email(0)], lead[email(3)]:
			want[l.ID] = l
		case lead[email(2)]:
			l.Fields = map[string]string{"Company": "Old"}
			want[l.ID] = l
		}
	}
	got := srv.Leads()
	if len(got) != len(want) {
		t.Fatalf("%d leads after the undo, want %d (the two edited, and later2 set back)", len(got), len(want))
	}
	for _, l := range got {
		if w := want[l.ID]; w.Email != l.Email || !maps.Equal(w.Fields, l.Fields) {
			t.Errorf("lead %d after the undo: %s %v, want %s %v", l.ID, l.Email, l.Fields, w.Email, w.Fields)
		}
	}
	wantList := slices.Sorted(slices.Values(append(slices.Clone(listBefore), lead[email(0)], lead[email(3)])))
	if m := members(t, c, marketotest.SeedListID); !slices.Equal(m, wantList) {
		t.Errorf("the list after the undo holds %v, want %v (the members before and the two edited leads)", m, wantList)
	}
	var registered []int
	for _, p := range srv.Programs() {
		for _, m := range p.Members {
			if p.ID == marketotest.SeedProgramID && m.Status == "Registered" {
				registered = append(registered, m.LeadID)
			}
		}
	}
	if !slices.Equal(registered, []int{lead[email(0)], lead[email(2)], lead[email(3)]}) {
		t.Errorf("program members at Registered after the undo: %v; the statuses stay, for the leads still in Marketo", registered)
	}
}

// TestAdversarialUndoOtherKeys: rows keyed on the Marketo Id, and on an
// integer person-id field written "007" for the lead Marketo keeps as 7,
// update people who were there; the undo sets them back and deletes
// nobody.
func TestAdversarialUndoOtherKeys(t *testing.T) {
	srv, c := numberIDSandbox(t)
	ctx := context.Background()
	seeded, err := c.SyncLeads(ctx, []marketo.Lead{
		{ForeignSysPersonID: "7", Attributes: []marketo.Attribute{{Name: "city", Value: "Lyon"}}},
		{ForeignSysPersonID: "8", Attributes: []marketo.Attribute{{Name: "city", Value: "Metz"}, {Name: "title", Value: "Boss"}}},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	before := srv.Leads()
	sheet := []importer.Batch{
		{Seq: 0, Key: marketo.KeyForeignSysPersonID, Rows: []int{2}, Leads: []marketo.Lead{{ForeignSysPersonID: "007", Attributes: []marketo.Attribute{{Name: "city", Value: "Paris"}}}}},
		{Seq: 1, Key: marketo.KeyID, Rows: []int{3}, Leads: []marketo.Lead{{ID: seeded[1].LeadID, Attributes: []marketo.Attribute{{Name: "city", Value: "Nancy"}, {Name: "title", Clear: true}}}}},
	}
	store := history.Store{Dir: t.TempDir()}
	opts := fastOpts(true)
	opts.ForeignKeyField = "crmNumber"
	opts.Fields = []marketo.Field{{Name: "crmNumber", Type: "integer"}, {Name: "city", Type: "string"}, {Name: "title", Type: "string"}}
	out, err := recorded(t, c, store, "otherkeys01", sheet, opts)
	if err != nil || out.Totals.Updated != 2 {
		t.Fatalf("import: %+v, %v", out.Totals, err)
	}
	plan, res := undoImport(t, c, store, "otherkeys01")
	if len(plan.Delete) != 0 || res.Restored != 2 || res.Failed+res.Refused != 0 {
		t.Fatalf("undo: plan deletes %+v; %+v", plan.Delete, res)
	}
	sameStore(t, before, srv.Leads())
}
