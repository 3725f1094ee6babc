package run

import (
	"context"
	"slices"
	"strings"
	"testing"

	"leadsheet/importer"
	"leadsheet/importer/journal"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// listMembers reads a list's members back through the REST API, as
// another client would, not from the sandbox's insides.
func listMembers(t *testing.T, c marketo.Syncer, listID int) []int {
	t.Helper()
	ids, err := c.(*marketo.RESTClient).ListMembers(context.Background(), listID)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// confirmedLeads is the sorted, distinct lead ids of the rows Marketo
// created or updated.
func confirmedLeads(rs []importer.RowResult) []int {
	var ids []int
	for _, r := range rs {
		if listable(r.State) && !slices.Contains(ids, r.LeadID) {
			ids = append(ids, r.LeadID)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestRunAddsToList: every confirmed row's lead is in the list afterwards,
// read back through Get Leads by List Id, each row says Added, and a rerun
// of the same rows adds nobody twice.
func TestRunAddsToList(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	client := restClient(t, srv)
	batches := testBatchesField(1000, 300, "list%04d@example.com", "firstName")
	opts := fastOpts(true)
	opts.ListID = marketotest.SeedListID
	log := newEventLog()
	out, err := Run(context.Background(), client, batches, opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 1000)
	for _, r := range out.Results {
		if r.List != importer.ListAdded {
			t.Errorf("row %d: list %v", r.Row, r.List)
		}
	}
	if out.Totals.ListAdded != 1000 {
		t.Errorf("totals: %+v", out.Totals)
	}
	if got, want := listMembers(t, client, marketotest.SeedListID), confirmedLeads(out.Results); !slices.Equal(got, want) {
		t.Fatalf("the list holds %d leads, the run confirmed %d", len(got), len(want))
	}
	// The first run created every lead: nothing to ask before adding.
	if n := srv.Stats().Calls["REST ismember.json"]; n != 0 {
		t.Errorf("%d Member of List calls for leads the run created", n)
	}
	again, err := Run(context.Background(), client, batches, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := listMembers(t, client, marketotest.SeedListID); len(got) != 1000 {
		t.Errorf("after a rerun the list holds %d leads, want 1000", len(got))
	}
	// The rerun finds every lead a member already: it says so, and adds
	// nobody, so an undo of it would take nobody out.
	if again.Totals.ListAlready != 1000 || again.Totals.ListAdded != 0 {
		t.Errorf("rerun totals: %+v", again.Totals)
	}
	if n := srv.Stats().Calls["REST add to list"]; n != len(batches) {
		t.Errorf("%d Add to List calls for 2 runs of %d batches, the second adding nobody", n, len(batches))
	}
	if n := srv.Stats().Calls["REST ismember.json"]; n != len(batches) {
		t.Errorf("%d Member of List calls in the rerun of %d batches", n, len(batches))
	}
}

// TestResumeFinishesTheListStep: a run stopped after its batches were
// confirmed but before their leads went into the list leaves the journal
// open; the resume sends no row again and only adds the leads.
func TestResumeFinishesTheListStep(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	client := restClient(t, srv)
	batches := testBatchesField(600, 300, "resume%04d@example.com", "firstName")
	dir := t.TempDir()
	key := testKey(true)
	key.API, key.Endpoint = "REST", srv.RESTBaseURL()

	// The first run sends without a list, as if it stopped right after
	// each batch's answer: the rows are confirmed, none is listed.
	j, err := journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	opts := fastOpts(true)
	opts.Journal, opts.KeepJournalOpen = j, true
	if _, err := Run(context.Background(), client, batches, opts, nil); err != nil {
		t.Fatal(err)
	}
	j.Close()
	syncs := srv.Stats().Calls["REST leads.json"]

	j, err = journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	opts = fastOpts(true)
	opts.Journal, opts.ListID = j, marketotest.SeedListID
	log := newEventLog()
	out, err := Run(context.Background(), client, batches, opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 600)
	if n := srv.Stats().Calls["REST leads.json"] - syncs; n != 0 {
		t.Errorf("the resume made %d sync calls; its rows were confirmed", n)
	}
	if out.Resumed != 600 || out.Totals.ListAdded != 600 {
		t.Errorf("resumed %d, totals %+v", out.Resumed, out.Totals)
	}
	if got, want := listMembers(t, client, marketotest.SeedListID), confirmedLeads(out.Results); !slices.Equal(got, want) || len(got) != 600 {
		t.Errorf("the list holds %d leads, want the 600 confirmed", len(got))
	}
	if j.Untargeted(true, false) != 0 {
		t.Errorf("%d rows still wait for the list step", j.Untargeted(true, false))
	}
}

// TestRunSetsProgramStatus: every confirmed row's lead becomes a member
// of the program at the status asked, read back through Get Program
// Members; a rerun at an earlier status finds them already past it, and
// Marketo leaves them where they were.
func TestRunSetsProgramStatus(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	client := restClient(t, srv)
	ch, err := client.(*marketo.RESTClient).Channel(context.Background(), "Webinar")
	if err != nil || len(ch.Statuses) < 3 {
		t.Fatalf("the seeded program's channel: %+v, %v", ch, err)
	}
	low, high := ch.Statuses[1].Name, ch.Statuses[2].Name
	batches := testBatchesField(700, 300, "prog%04d@example.com", "firstName")
	opts := fastOpts(true)
	opts.ProgramID, opts.ProgramStatus = marketotest.SeedProgramID, high
	log := newEventLog()
	out, err := Run(context.Background(), client, batches, opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 700)
	if out.Totals.ProgramSet != 700 {
		t.Errorf("totals: %+v", out.Totals)
	}
	at, err := client.(*marketo.RESTClient).ProgramMembersAt(context.Background(), marketotest.SeedProgramID, high)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(at)
	if want := confirmedLeads(out.Results); !slices.Equal(at, want) {
		t.Fatalf("%d members at %q, the run confirmed %d", len(at), high, len(want))
	}
	opts.ProgramStatus = low
	again, err := Run(context.Background(), client, batches, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Totals.ProgramAlready != 700 {
		t.Errorf("moving back to %q: %+v", low, again.Totals)
	}
	if at, _ := client.(*marketo.RESTClient).ProgramMembersAt(context.Background(), marketotest.SeedProgramID, high); len(at) != 700 {
		t.Errorf("after the rerun %d members are at %q, want 700", len(at), high)
	}
}

// TestBulkIntoListOneFileAtATime: Marketo refuses a second import into a
// list while one runs (1019), so a bulk run into a list keeps one file in
// the queue and is never refused; every imported lead ends in the list.
func TestBulkIntoListOneFileAtATime(t *testing.T) {
	srv, bi := bulkSandbox(t, nil)
	batches, _ := bulkRows(2000)
	opts := fastBulk()
	opts.Run.ListID = marketotest.SeedListID
	log := newEventLog()
	most := 0
	out, err := RunBulk(context.Background(), bi, sliceSource(batches), opts, func(ev importer.Event) {
		log.emit(ev)
		st := srv.Stats().Bulk
		most = max(most, st[marketo.BulkQueued]+st[marketo.BulkImporting])
	})
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 2000)
	if most > 1 {
		t.Errorf("%d of the run's files were queued at once", most)
	}
	for _, m := range log.messages(importer.Throttled) {
		if strings.Contains(m, "1019") {
			t.Errorf("an upload met 1019: %s", m)
		}
	}
	var imported []int
	for _, r := range out.Results {
		if r.State == importer.Imported || r.State == importer.ImportedWithWarning {
			if r.List != importer.ListAdded {
				t.Errorf("row %d: imported, list %v", r.Row, r.List)
			}
			imported = append(imported, r.Row)
		}
	}
	if got := listMembers(t, restClient(t, srv), marketotest.SeedListID); len(got) != len(imported) {
		t.Errorf("the list holds %d leads, %d rows were imported", len(got), len(imported))
	}
}

// TestBulkIntoProgram: Bulk Import with a program uses Marketo's program
// member import: every imported lead is a member at the status, read back
// through Get Program Members, rows keyed on an Id are refused, and a
// second run at an earlier status finds the leads already past it.
func TestBulkIntoProgram(t *testing.T) {
	srv, bi := bulkSandbox(t, nil)
	c := restClient(t, srv).(*marketo.RESTClient)
	ch, err := c.Channel(context.Background(), "Webinar")
	if err != nil || len(ch.Statuses) < 3 {
		t.Fatalf("channel: %+v, %v", ch, err)
	}
	low, high := ch.Statuses[1].Name, ch.Statuses[2].Name
	batches, want := bulkRows(1500)
	byID := importer.Batch{Seq: len(batches), Key: marketo.KeyID, Rows: []int{9000}, Leads: []marketo.Lead{{ID: 5, Email: "id@example.com"}}}
	opts := fastBulk()
	opts.Run.ProgramID, opts.Run.ProgramStatus = marketotest.SeedProgramID, high
	log := newEventLog()
	out, err := RunBulk(context.Background(), bi, sliceSource(append(batches, byID)), opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 1501)
	var imported []int
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
	for _, r := range out.Results {
		switch {
		case r.Row == 9000:
			if r.State != importer.Failed || !strings.Contains(r.Reason, "email") {
				t.Errorf("the Id-keyed row: %v (%s)", r.State, r.Reason)
			}
		case r.State != want[r.Row]:
			t.Errorf("row %d: %v (%s), want %v", r.Row, r.State, r.Reason, want[r.Row])
		case r.State == importer.Imported || r.State == importer.ImportedWithWarning:
			if r.Program != importer.ProgramSet {
				t.Errorf("row %d: imported, program %v", r.Row, r.Program)
			}
			imported = append(imported, idOf[emailOf[r.Row]])
		}
	}
	slices.Sort(imported)
	at, err := c.ProgramMembersAt(context.Background(), marketotest.SeedProgramID, high)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(at)
	if !slices.Equal(at, imported) {
		t.Fatalf("%d members at %q, %d rows imported", len(at), high, len(imported))
	}
	if n := srv.Stats().Calls["BULK import program members"]; n == 0 {
		t.Errorf("no program member import was made: %v", srv.Stats().Calls)
	}

	opts.Run.ProgramStatus = low
	again, err := RunBulk(context.Background(), bi, sliceSource(batches), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Totals.ProgramAlready != len(imported) {
		t.Errorf("at the earlier status: %+v; %d were past it", again.Totals, len(imported))
	}
	if at, _ := c.ProgramMembersAt(context.Background(), marketotest.SeedProgramID, high); len(at) != len(imported) {
		t.Errorf("after the second run %d members are at %q, want %d", len(at), high, len(imported))
	}
}
