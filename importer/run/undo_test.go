package run

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"leadsheet/importer"
	"leadsheet/importer/history"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// undoBatches are rows 2.. for people n0..n1-1, size to a batch, each
// writing company and title; title is blank on even rows, which clears it
// in Marketo.
func undoBatches(n0, n1 int, company string, size int) []importer.Batch {
	var out []importer.Batch
	b := importer.Batch{Key: marketo.KeyEmail}
	for k := n0; k < n1; k++ {
		title := marketo.Attribute{Name: "title", Value: "T" + company}
		if k%2 == 0 {
			title = marketo.Attribute{Name: "title", Clear: true}
		}
		b.Rows = append(b.Rows, k+2)
		b.Leads = append(b.Leads, marketo.Lead{Email: fmt.Sprintf("undo%03d@example.com", k),
			Attributes: []marketo.Attribute{{Name: "company", Value: company}, title}})
		if len(b.Rows) == size {
			out = append(out, b)
			b = importer.Batch{Seq: len(out), Key: marketo.KeyEmail}
		}
	}
	if len(b.Rows) > 0 {
		out = append(out, b)
	}
	return out
}

// sameStore compares the leads' ids, emails and fields: what an undo must
// give back. updatedAt moves with every change, the undo's too.
func sameStore(t *testing.T, before, after []marketotest.Lead) {
	t.Helper()
	if len(before) != len(after) {
		t.Fatalf("%d leads before, %d after", len(before), len(after))
	}
	for i := range before {
		a, b := before[i], after[i]
		if a.ID != b.ID || a.Email != b.Email || !maps.Equal(a.Fields, b.Fields) {
			t.Errorf("lead %d: before %s %v, after %d %s %v", a.ID, a.Email, a.Fields, b.ID, b.Email, b.Fields)
		}
	}
}

func members(t *testing.T, c marketo.Syncer, list int) []int {
	t.Helper()
	ids, err := c.(*marketo.RESTClient).ListMembers(context.Background(), list)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// TestUndoGivesTheStoreBack: an import that updates 20 people (one field
// set, one cleared), creates 10 and adds all 30 to a list, then its undo:
// the store is as it was before, field for field, the created leads are
// gone and the list holds who it held. One lead edited in Marketo after
// the import is left alone and said, until the undo is forced.
func TestUndoGivesTheStoreBack(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	c := restClient(t, srv)
	ctx := context.Background()
	if _, err := Run(ctx, c, undoBatches(0, 20, "Old", 7), fastOpts(true), nil); err != nil {
		t.Fatal(err)
	}
	// undo003 is a member already: the import must not take it out.
	pre := fastOpts(true)
	pre.ListID = marketotest.SeedListID
	if _, err := Run(ctx, c, undoBatches(3, 4, "Old", 7), pre, nil); err != nil {
		t.Fatal(err)
	}
	before, listBefore := srv.Leads(), members(t, c, marketotest.SeedListID)

	store := history.Store{Dir: t.TempDir()}
	rec, err := store.OpenRecorder("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	opts := fastOpts(true)
	opts.ListID, opts.Rollback = marketotest.SeedListID, rec
	out, err := Run(ctx, c, undoBatches(0, 30, "New", 7), opts, nil)
	rec.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.Updated != 20 || out.Totals.Created != 10 || out.Totals.ListAdded != 29 || out.Totals.ListAlready != 1 {
		t.Fatalf("import: %+v", out.Totals)
	}
	edited := before[5].ID
	if _, err := Run(ctx, c, []importer.Batch{{Key: marketo.KeyID, Rows: []int{2}, Leads: []marketo.Lead{{ID: edited,
		Attributes: []marketo.Attribute{{Name: "company", Value: "Typed in Marketo"}}}}}}, fastOpts(true), nil); err != nil {
		t.Fatal(err)
	}

	rb, err := store.ReadRollback("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	if len(rb.Existing) != 20 || len(rb.Created) != 10 || len(rb.Lists[marketotest.SeedListID]) != 29 {
		t.Fatalf("rollback: %d existing, %d created, %d listed", len(rb.Existing), len(rb.Created), len(rb.Lists[marketotest.SeedListID]))
	}
	plan, err := PlanUndo(ctx, c.(marketo.LeadFinder), rb, history.UndoState{}, fastOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Restore) != 19 || len(plan.Delete) != 10 || len(plan.Changed) != 1 || plan.Changed[0].ID != edited {
		t.Fatalf("plan: %d restore, %d delete, changed %+v", len(plan.Restore), len(plan.Delete), plan.Changed)
	}
	log, err := store.OpenUndoLog("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	res, err := Undo(ctx, c, plan, UndoOptions{Run: fastOpts(true), Log: log}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Restored != 19 || res.Deleted != 10 || res.Refused != 1 || res.Failed != 0 || res.Removed != 18 {
		t.Fatalf("undo: %+v", res)
	}
	// The edited lead and its membership stay as they are.
	got := srv.Leads()
	for _, l := range got {
		if l.ID == edited && l.Fields["Company"] != "Typed in Marketo" {
			t.Fatalf("the lead edited after the import was overwritten: %v", l.Fields)
		}
	}
	if m := members(t, c, marketotest.SeedListID); len(m) != len(listBefore)+1 || !slices.Contains(m, edited) {
		t.Fatalf("list after the undo: %v, before the import %v", m, listBefore)
	}

	// Forced, the rest goes back too: the store is as before the import,
	// but for the edit, which the operator chose to lose.
	plan, err = PlanUndo(ctx, c.(marketo.LeadFinder), rb, log.State(), fastOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Restore)+len(plan.Delete) != 0 || len(plan.Changed) != 1 || plan.Done != 19+10+18 {
		t.Fatalf("second plan: %+v", plan)
	}
	if _, err := Undo(ctx, c, plan, UndoOptions{Run: fastOpts(true), Log: log, Force: true}, nil); err != nil {
		t.Fatal(err)
	}
	sameStore(t, before, srv.Leads())
	if m := members(t, c, marketotest.SeedListID); !slices.Equal(m, listBefore) {
		t.Fatalf("list after the forced undo: %v, before the import %v", m, listBefore)
	}
}

// TestUndoResumes: an undo stopped after its first call and run again from
// its log ends with the store as before the import, and does not take the
// leads the first try restored for leads changed since.
func TestUndoResumes(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	c := restClient(t, srv)
	ctx := context.Background()
	if _, err := Run(ctx, c, undoBatches(0, 300, "Old", 300), fastOpts(true), nil); err != nil {
		t.Fatal(err)
	}
	before := srv.Leads()
	store := history.Store{Dir: t.TempDir()}
	rec, err := store.OpenRecorder("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	opts := fastOpts(true)
	opts.Rollback = rec
	if _, err := Run(ctx, c, undoBatches(0, 400, "New", 300), opts, nil); err != nil {
		t.Fatal(err)
	}
	rec.Close()
	rb, err := store.ReadRollback("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	log, err := store.OpenUndoLog("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := PlanUndo(ctx, c.(marketo.LeadFinder), rb, log.State(), fastOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	stopCtx, stop := context.WithCancel(ctx)
	// The first restore call (300 leads) is answered, then the undo stops.
	_, err = Undo(stopCtx, c, plan, UndoOptions{Run: fastOpts(true), Log: log}, func([]UndoRow) { stop() })
	if err == nil {
		t.Fatal("the stopped undo reported no error")
	}
	log.Close()
	log, err = store.OpenUndoLog("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	plan, err = PlanUndo(ctx, c.(marketo.LeadFinder), rb, log.State(), fastOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changed) != 0 || plan.Done != 300 || len(plan.Delete) != 100 {
		t.Fatalf("resumed plan: %d changed, %d done, %d to delete", len(plan.Changed), plan.Done, len(plan.Delete))
	}
	if _, err := Undo(ctx, c, plan, UndoOptions{Run: fastOpts(true), Log: log}, nil); err != nil {
		t.Fatal(err)
	}
	sameStore(t, before, srv.Leads())
}

// TestUndoThroughLostAnswers: an import and its undo both through calls
// Marketo applies and then loses the answer to (a gateway error after the
// work is done). Rows the import's retries were told "updated" for leads
// its lost first tries created are deleted by the undo, people who were
// there are set back, and the store ends as it began.
func TestUndoThroughLostAnswers(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	c := restClient(t, srv)
	ctx := context.Background()
	if _, err := Run(ctx, c, undoBatches(0, 300, "Old", 100), fastOpts(true), nil); err != nil {
		t.Fatal(err)
	}
	before := srv.Leads()
	store := history.Store{Dir: t.TempDir()}
	rec, err := store.OpenRecorder("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(marketotest.Faults{ApplyThen5xxRate: 0.3})
	opts := fastOpts(true)
	opts.Rollback, opts.MaxAttempts = rec, 20
	out, err := Run(ctx, c, undoBatches(0, 600, "New", 100), opts, nil)
	rec.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.CreatedOrUpdated == 0 {
		t.Fatal("no answer was lost: the case was not exercised")
	}
	rb, err := store.ReadRollback("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	if len(rb.Existing) != 300 || len(rb.Created) != 300 || len(rb.Unknown) != 0 {
		t.Fatalf("rollback: %d existing, %d created, %d unknown; want 300, 300, 0", len(rb.Existing), len(rb.Created), len(rb.Unknown))
	}
	log, err := store.OpenUndoLog("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	uo := UndoOptions{Run: opts, Log: log}
	uo.Run.Rollback = nil
	plan, err := PlanUndo(ctx, c.(marketo.LeadFinder), rb, log.State(), uo.Run)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changed) != 0 {
		t.Fatalf("%d leads seen as changed since the import: %+v", len(plan.Changed), plan.Changed[0])
	}
	res, err := Undo(ctx, c, plan, uo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Restored != 300 || res.Deleted != 300 || res.Failed+res.Refused != 0 {
		t.Fatalf("undo: %+v", res)
	}
	srv.SetFaults(marketotest.Faults{})
	sameStore(t, before, srv.Leads())
}

// TestUndoNeverDeletesWhatItCannotDate: a row sent with dedup off whose
// answer was lost is recorded with its key and no time. A lead with that
// key, made before the import, cannot be told from one the lost call
// made: the undo names it and leaves it, forced or not.
func TestUndoNeverDeletesWhatItCannotDate(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	c := restClient(t, srv)
	ctx := context.Background()
	seed, err := c.SyncLeads(ctx, []marketo.Lead{{Email: "older@example.com"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	store := history.Store{Dir: t.TempDir()}
	rec, err := store.OpenRecorder("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Touched([]importer.RowResult{{Row: 2, State: importer.Unknown}}, "email", func(int) string { return "older@example.com" }); err != nil {
		t.Fatal(err)
	}
	rec.Close()
	rb, err := store.ReadRollback("abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := PlanUndo(ctx, c.(marketo.LeadFinder), rb, history.UndoState{}, fastOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Unknown) != 1 || plan.Unknown[0].ID != seed[0].LeadID || len(plan.Changed)+len(plan.Delete) != 0 {
		t.Fatalf("plan: unknown %+v, changed %+v, delete %+v", plan.Unknown, plan.Changed, plan.Delete)
	}
	if _, err := Undo(ctx, c, plan, UndoOptions{Run: fastOpts(true), Force: true}, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Leads()); n != 1 {
		t.Fatalf("%d leads after a forced undo; the older lead must stay", n)
	}
}
