package run

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"leadsheet/importer"
	"leadsheet/importer/journal"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// TestListOnlyChangesNobody: a list-only run over rows of whom some are in
// Marketo adds exactly those to the list, read back through the REST API,
// and leaves the store as it was: no lead created, no field changed, even
// though the rows carry other values. Two leads on one email: the one
// updated last goes in, as Marketo's own import picks it.
func TestListOnlyChangesNobody(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	client := restClient(t, srv)
	ctx := context.Background()
	if _, err := Run(ctx, client, testBatchesField(120, 300, "only%04d@example.com", "firstName"), fastOpts(true), nil); err != nil {
		t.Fatal(err)
	}
	// A second lead on only0007: dedup off creates it anew, after the first.
	twin := []importer.Batch{{Key: marketo.KeyEmail, Rows: []int{2}, Leads: []marketo.Lead{{Email: "only0007@example.com"}}}}
	if _, err := Run(ctx, client, twin, fastOpts(false), nil); err != nil {
		t.Fatal(err)
	}
	before := srv.Leads()

	// Rows 0..199: the first 120 are in Marketo, with other first names.
	batches := testBatchesField(200, 80, "only%04d@example.com", "firstName")
	for i := range batches {
		for k := range batches[i].Leads {
			batches[i].Leads[k].Attributes[0].Value = "Changed"
		}
	}
	opts := fastOpts(true)
	opts.ListOnly, opts.ListID = true, marketotest.SeedListID
	log := newEventLog()
	out, err := Run(ctx, client, batches, opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 200)
	if t2 := out.Totals; t2.InMarketo != 120 || t2.LeftAlone != 80 || t2.ListAdded != 120 || t2.ListNotFound != 80 {
		t.Errorf("totals: %+v", t2)
	}
	after := srv.Leads()
	if !slices.EqualFunc(before, after, func(a, b marketotest.Lead) bool {
		return a.ID == b.ID && a.Email == b.Email && maps.Equal(a.Fields, b.Fields) && a.UpdatedAt.Equal(b.UpdatedAt)
	}) {
		t.Fatalf("the store changed: %d leads before, %d after", len(before), len(after))
	}
	byEmail := storeByEmail(srv)
	var want []int
	for _, r := range out.Results {
		email := fmt.Sprintf("only%04d@example.com", r.Row-2)
		ids := byEmail[email]
		switch {
		case len(ids) == 0:
			if r.State != importer.LeftAlone || r.LeadID != 0 || r.List != importer.ListNotFound {
				t.Errorf("row %d (%s, not in Marketo): %+v", r.Row, email, r)
			}
			continue
		case len(ids) > 1:
			if r.LeadID != slices.Max(ids) || !strings.Contains(r.Reason, "2 people") {
				t.Errorf("row %d (%s on leads %v): lead %d, %q", r.Row, email, ids, r.LeadID, r.Reason)
			}
		case r.LeadID != ids[0]:
			t.Errorf("row %d: lead %d, Marketo has %v", r.Row, r.LeadID, ids)
		}
		if r.State != importer.InMarketo || r.List != importer.ListAdded {
			t.Errorf("row %d: %+v", r.Row, r)
		}
		want = append(want, r.LeadID)
	}
	slices.Sort(want)
	if got := listMembers(t, client, marketotest.SeedListID); !slices.Equal(got, want) {
		t.Errorf("the list holds %v, want %v", got, want)
	}
	if n := srv.Stats().Calls["REST leads.json"]; n != 2 {
		t.Errorf("%d Sync Leads calls: only the two seeding runs may sync", n)
	}
}

// TestListOnlyResumes: a list-only run whose journal holds rows already
// looked up and listed looks up and adds only the others.
func TestListOnlyResumes(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	client := restClient(t, srv)
	ctx := context.Background()
	if _, err := Run(ctx, client, testBatchesField(600, 300, "back%04d@example.com", "firstName"), fastOpts(true), nil); err != nil {
		t.Fatal(err)
	}
	batches := testBatchesField(600, 300, "back%04d@example.com", "firstName")
	dir := t.TempDir()
	key := testKey(true)
	key.API, key.Endpoint = "REST", srv.RESTBaseURL()
	j, err := journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	opts := fastOpts(true)
	opts.ListOnly, opts.ListID, opts.Journal, opts.KeepJournalOpen = true, marketotest.SeedListID, j, true
	if _, err := Run(ctx, client, batches[:1], opts, nil); err != nil {
		t.Fatal(err)
	}
	j.Close()
	lookups := func() int {
		c := srv.Stats().Calls
		return c["REST getLeadsByFilter"] + c["REST getLeadsByFilter via POST"]
	}
	finds := lookups()
	adds := srv.Stats().Calls["REST add to list"]

	j, err = journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	opts.Journal, opts.KeepJournalOpen = j, false
	out, err := Run(ctx, client, batches, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Resumed != 300 || out.Totals.InMarketo != 600 || out.Totals.ListAdded != 600 {
		t.Errorf("resumed %d, totals %+v", out.Resumed, out.Totals)
	}
	if n := lookups() - finds; n != 1 {
		t.Errorf("the resume made %d lookups, want 1 (for the second batch)", n)
	}
	if n := srv.Stats().Calls["REST add to list"] - adds; n != 1 {
		t.Errorf("the resume made %d Add to List calls, want 1", n)
	}
	if got := listMembers(t, client, marketotest.SeedListID); len(got) != 600 {
		t.Errorf("the list holds %d leads, want 600", len(got))
	}
}

// TestStatusColumnSetsEachRowsStatus: rows that name their own member
// status end at it, read back through Get Program Members; rows without
// one take the run's status. One call per status per batch.
func TestStatusColumnSetsEachRowsStatus(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	client := restClient(t, srv).(*marketo.RESTClient)
	batches := testBatchesField(450, 300, "status%04d@example.com", "firstName")
	want := map[string][]int{} // status -> rows
	for i := range batches {
		b := &batches[i]
		b.Statuses = map[int]string{}
		for _, row := range b.Rows {
			switch row % 3 {
			case 0:
				b.Statuses[row] = "Attended"
			case 1:
				b.Statuses[row] = "Invited"
			default:
				continue // no status cell: the run's status
			}
		}
	}
	opts := fastOpts(true)
	opts.ProgramID, opts.ProgramStatus = marketotest.SeedProgramID, "Registered"
	log := newEventLog()
	out, err := Run(context.Background(), client, batches, opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 450)
	if out.Totals.ProgramSet != 450 {
		t.Errorf("totals: %+v", out.Totals)
	}
	for _, r := range out.Results {
		st := map[int]string{0: "Attended", 1: "Invited", 2: "Registered"}[r.Row%3]
		want[st] = append(want[st], r.LeadID)
	}
	for st, ids := range want {
		at, err := client.ProgramMembersAt(context.Background(), marketotest.SeedProgramID, st)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(at)
		slices.Sort(ids)
		if !slices.Equal(at, ids) {
			t.Errorf("%d members at %q, want %d", len(at), st, len(ids))
		}
	}
	if n := srv.Stats().Calls["REST program members status"]; n != 3*len(batches) {
		t.Errorf("%d status calls for %d batches of three statuses", n, len(batches))
	}
}

// TestPartitionTakesNewLeads: new leads go into the partition named, as
// the store records it; a person already in another partition is refused
// with words that say so, and is not moved.
func TestPartitionTakesNewLeads(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.Partitions = []marketotest.Partition{{Name: "Europe"}}
	srv := sandboxtest.Start(t, cfg)
	client := restClient(t, srv)
	ctx := context.Background()
	// part0000 already lives in Default.
	if _, err := Run(ctx, client, testBatchesField(1, 300, "part%04d@example.com", "firstName"), fastOpts(true), nil); err != nil {
		t.Fatal(err)
	}
	opts := fastOpts(true)
	opts.Partition = "Europe"
	out, err := Run(ctx, client, testBatchesField(50, 300, "part%04d@example.com", "firstName"), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.Created != 49 || out.Totals.Failed != 1 {
		t.Fatalf("totals: %+v", out.Totals)
	}
	if r := out.Results[0]; r.State != importer.Failed || !strings.Contains(r.Reason, "another partition") {
		t.Errorf("row in Default: %+v", r)
	}
	for _, l := range srv.Leads() {
		want := 2 // Europe
		if l.Email == "part0000@example.com" {
			want = 1
		}
		if l.PartitionID != want {
			t.Errorf("%s is in partition %d, want %d", l.Email, l.PartitionID, want)
		}
	}
	if _, err := Run(ctx, client, nil, RunOptions{Partition: "Europe"}, nil); err == nil {
		t.Error("a partition with dedup off was accepted")
	}
}

// TestResumeKeepsListAddsItsOwn: a run killed after it added a batch's
// leads to the list but before it recorded that, resumed, still says it
// added them (its intent was in the journal), not that they were members
// before: an undo must take them out again. Leads that were members
// before any run are said to be.
func TestResumeKeepsListAddsItsOwn(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	client := restClient(t, srv)
	rc := client.(*marketo.RESTClient)
	ctx := context.Background()
	batches := testBatchesField(300, 300, "intent%04d@example.com", "firstName")
	// Ten of them exist, and are members, before the import.
	pre, err := Run(ctx, client, testBatchesField(10, 300, "intent%04d@example.com", "firstName"), fastOpts(true), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.AddToList(ctx, marketotest.SeedListID, confirmedLeads(pre.Results)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	key := testKey(true)
	key.API, key.Endpoint = "REST", srv.RESTBaseURL()
	j, err := journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	opts := fastOpts(true)
	opts.Journal, opts.KeepJournalOpen = j, true
	first, err := Run(ctx, client, batches, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	// What the killed run did: it wrote its intent for the 290 new
	// leads, and Marketo added them; then it died.
	var rows, ids []int
	for _, r := range first.Results {
		if r.State == importer.Created {
			rows, ids = append(rows, r.Row), append(ids, r.LeadID)
		}
	}
	if len(rows) != 290 {
		t.Fatalf("%d rows created", len(rows))
	}
	if err := j.Listed(rows, importer.ListAdding); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.AddToList(ctx, marketotest.SeedListID, ids); err != nil {
		t.Fatal(err)
	}
	j.Close()

	j, err = journal.OpenJournal(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	opts = fastOpts(true)
	opts.Journal, opts.ListID = j, marketotest.SeedListID
	out, err := Run(ctx, client, batches, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.ListAdded != 290 || out.Totals.ListAlready != 10 {
		t.Errorf("totals: %+v", out.Totals)
	}
	if got := listMembers(t, client, marketotest.SeedListID); len(got) != 300 {
		t.Errorf("the list holds %d leads, want 300", len(got))
	}
}
