package run

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"leadsheet/importer"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// statusAt maps each lead that is a member of the seeded program to its
// status, as Get Program Members reads it back.
func statusAt(t *testing.T, c *marketo.RESTClient, statuses ...string) map[int]string {
	t.Helper()
	at := map[int]string{}
	for _, st := range statuses {
		ids, err := c.ProgramMembersAt(context.Background(), marketotest.SeedProgramID, st)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			at[id] = st
		}
	}
	return at
}

// TestStatusColumnTwoRowsOneLeadSameStep: two rows of one person name two
// statuses of the same step (the Webinar channel's No Show and Attended
// are both step 30, and Marketo moves a member freely between equal
// steps). The program step makes one call per status, in alphabetical
// order, so the lead ends at whichever status sorts last, and both rows
// say "Status set": the results claim the person is Attended and No Show
// at once. Only the row whose status the lead holds may say so.
func TestStatusColumnTwoRowsOneLeadSameStep(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	client := restClient(t, srv)
	rc := client.(*marketo.RESTClient)
	// In either sheet order the lead ends No Show, which sorts after
	// Attended: with the first order the later row, the person's last word,
	// is lost as well.
	for _, order := range [][2]string{{"No Show", "Attended"}, {"Attended", "No Show"}} {
		email := "twostatus-" + order[0][:2] + "@example.com"
		batches := []importer.Batch{{Key: marketo.KeyEmail, Rows: []int{2, 3},
			Leads:    []marketo.Lead{{Email: email}, {Email: email}},
			Statuses: map[int]string{2: order[0], 3: order[1]}}}
		opts := fastOpts(true)
		opts.ProgramID, opts.ProgramStatus = marketotest.SeedProgramID, "Registered"
		out, err := Run(context.Background(), client, batches, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		at := statusAt(t, rc, "No Show", "Attended")
		for _, r := range out.Results {
			want := batches[0].Statuses[r.Row]
			if r.Program == importer.ProgramSet && at[r.LeadID] != want {
				t.Errorf("%v: row %d says its status %q was set; the lead is at %q", order, r.Row, want, at[r.LeadID])
			}
		}
	}
}

// TestProgramStatusLostAnswerSaysAlready: Marketo applies a Change Program
// Member Status call and its answer is lost (a gateway error after the
// backend wrote it). The retry finds every lead at the status and answers
// 1037, so rows this import moved into the program end "Already at or past
// this status", the words for people who were there before it: an
// operator reads that the import changed nothing for them. The list step
// takes care of the same case (Member of List first, and the sandbox
// answers "added" again); the program step does not.
func TestProgramStatusLostAnswerSaysAlready(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	rc := restClient(t, srv).(*marketo.RESTClient)
	client := &lossyStatus{RESTClient: rc, srv: srv}
	batches := testBatchesField(20, 300, "lostst%04d@example.com", "firstName")
	opts := fastOpts(true)
	opts.ProgramID, opts.ProgramStatus = marketotest.SeedProgramID, "Registered"
	out, err := Run(context.Background(), client, batches, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if client.calls < 2 {
		t.Fatalf("%d status calls: the lost answer was not retried", client.calls)
	}
	at := statusAt(t, rc, "Registered")
	wrong := map[string]int{}
	for _, r := range out.Results {
		if r.State != importer.Created || at[r.LeadID] != "Registered" {
			t.Fatalf("row %d: %q, lead %d at %q", r.Row, stateWord(r.State), r.LeadID, at[r.LeadID])
		}
		// The lead was created by this run, so it cannot have been in the
		// program before it.
		if r.Program != importer.ProgramSet {
			wrong[programWord(r.Program)]++
		}
	}
	if len(wrong) > 0 {
		t.Errorf("20 rows created by this run and made Registered by it; their Program column says %v", wrong)
	}
}

// lossyStatus is the REST client whose first Change Program Member Status
// call is applied by the sandbox and then answered with a gateway error.
type lossyStatus struct {
	*marketo.RESTClient
	srv   *marketotest.Server
	calls int
}

func (l *lossyStatus) SetProgramStatus(ctx context.Context, programID int, status string, leadIDs []int) ([]marketo.MemberResult, error) {
	l.calls++
	if l.calls == 1 {
		l.srv.SetFaults(marketotest.Faults{ApplyThen5xxRate: 1})
		defer l.srv.SetFaults(marketotest.Faults{})
	}
	return l.RESTClient.SetProgramStatus(ctx, programID, status, leadIDs)
}

// TestFillEmptyIntoPartitionDropsNewLeadsValues: an instance whose dedupe
// rules include the partition (Config.DedupeWithinPartition) has the
// person in Default; the sheet goes into Europe with fill-empty. The
// lookup that decides what is empty searches every partition, finds the
// Default lead's first name, and leaves the row's first name out; Sync
// Leads into Europe then matches nobody there and creates a new lead,
// without the first name the sheet gave. The row says Created.
func TestFillEmptyIntoPartitionDropsNewLeadsValues(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.Partitions = []marketotest.Partition{{Name: "Europe"}}
	cfg.DedupeWithinPartition = true
	srv := sandboxtest.Start(t, cfg)
	client := restClient(t, srv)
	ctx := context.Background()
	if _, err := Run(ctx, client, testBatchesField(1, 300, "fillpart%04d@example.com", "firstName"), fastOpts(true), nil); err != nil {
		t.Fatal(err)
	}
	batches := testBatchesField(1, 300, "fillpart%04d@example.com", "firstName")
	batches[0].Leads[0].Attributes[0].Value = "Europe's name"
	opts := fastOpts(true)
	opts.Partition, opts.FillEmpty = "Europe", true
	out, err := Run(ctx, client, batches, opts, nil)
	if err != nil {
		// Refused before sending: nothing is lost.
		if n := len(srv.Leads()); n != 1 {
			t.Fatalf("the run was refused (%v), and the store holds %d leads", err, n)
		}
		return
	}
	r := out.Results[0]
	if r.State != importer.Created && r.State != importer.Updated {
		t.Fatalf("row 2: %q (%s)", stateWord(r.State), r.Reason)
	}
	for _, l := range srv.Leads() {
		if l.ID == r.LeadID && l.Fields["FirstName"] != "Europe's name" {
			t.Errorf("the lead the row created in Europe (partition %d) has first name %q; the sheet's %q was dropped", l.PartitionID, l.Fields["FirstName"], "Europe's name")
		}
	}
}

// TestPreviewIgnoresPartition: --preview --partition Europe for a person
// Marketo has in Default says the row will update that lead, field by
// field; the import with the same settings fails the row (1010: another
// partition), and with partition-scoped dedupe creates a second lead.
// The preview is the operator's check before sending and it promises
// neither.
func TestPreviewIgnoresPartition(t *testing.T) {
	for _, within := range []bool{false, true} {
		cfg := marketotest.DefaultConfig()
		cfg.Partitions = []marketotest.Partition{{Name: "Europe"}}
		cfg.DedupeWithinPartition = within
		srv := sandboxtest.Start(t, cfg)
		c := restClient(t, srv).(*marketo.RESTClient)
		ctx := context.Background()
		if _, err := Run(ctx, c, testBatchesField(1, 300, "prevpart%04d@example.com", "firstName"), fastOpts(true), nil); err != nil {
			t.Fatal(err)
		}
		batches := testBatchesField(1, 300, "prevpart%04d@example.com", "firstName")
		batches[0].Leads[0].Attributes[0].Value = "Changed"
		opts := fastOpts(true)
		opts.Partition = "Europe"
		var previews []RowPreview
		if _, err := Preview(ctx, c, sliceSource(batches), PreviewOptions{Run: opts, Fields: restFields()}, func(p RowPreview) { previews = append(previews, p) }); err != nil {
			continue // a preview that declines a partition promises nothing
		}
		out, err := Run(ctx, c, batches, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(previews) != 1 {
			t.Fatalf("%d previews", len(previews))
		}
		if got, ok := expectedState(previews[0], opts.Mode, previews); !ok || got != out.Results[0].State {
			t.Errorf("dedupe within partition %v: the preview says %v (lead %d), the import ends %q (lead %d; %s)", within, previews[0].Kind, previews[0].LeadID, stateWord(out.Results[0].State), out.Results[0].LeadID, out.Results[0].Reason)
		}
	}
}

// TestListOnlyAddsTheLeadItLooksUp guards what list-only promises with
// several leads on one key: the lead added is the one the row names, the
// one updated last, and no other lead of that email joins the list.
func TestListOnlyAddsTheLeadItLooksUp(t *testing.T) {
	srv, offset := clockedSandbox(t, nil)
	client := restClient(t, srv)
	ctx := context.Background()
	email := "pair@example.com"
	twin := []importer.Batch{{Key: marketo.KeyEmail, Rows: []int{2, 3}, Leads: []marketo.Lead{{Email: email}, {Email: email}}}}
	if _, err := Run(ctx, client, twin, fastOpts(false), nil); err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, l := range srv.Leads() {
		ids = append(ids, l.ID)
	}
	if len(ids) != 2 {
		t.Fatalf("%d leads seeded", len(ids))
	}
	// The lower id is updated afterwards, in a later second (Marketo's
	// updatedAt has no finer grain): the lead updated last is no longer
	// the newest.
	offset.Add(int64(2 * time.Second))
	bump := []importer.Batch{{Key: marketo.KeyID, Rows: []int{2}, Leads: []marketo.Lead{{ID: slices.Min(ids), Attributes: []marketo.Attribute{{Name: "firstName", Value: "Later"}}}}}}
	if _, err := Run(ctx, client, bump, fastOpts(true), nil); err != nil {
		t.Fatal(err)
	}
	opts := fastOpts(true)
	opts.ListOnly, opts.ListID = true, marketotest.SeedListID
	rows := []importer.Batch{{Key: marketo.KeyEmail, Rows: []int{2, 3}, Leads: []marketo.Lead{{Email: "PAIR@example.com"}, {Email: email}}}}
	out, err := Run(ctx, client, rows, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	members := listMembers(t, client, marketotest.SeedListID)
	if len(members) != 1 {
		t.Fatalf("the list holds %v: one person's two leads went in", members)
	}
	for _, r := range out.Results {
		if r.State != importer.InMarketo || r.LeadID != members[0] {
			t.Errorf("row %d: %+v, the list holds %v", r.Row, r, members)
		}
	}
}

// numberIDSandbox is a sandbox whose people are keyed on an integer
// field, crmNumber, as many CRMs number their contacts, and a REST client
// that keys ForeignSysPersonId rows on it. Marketo compares an integer
// field by value: "007" finds 7.
func numberIDSandbox(t *testing.T) (*marketotest.Server, *marketo.RESTClient) {
	t.Helper()
	cfg := marketotest.DefaultConfig()
	cfg.CustomFields = []marketotest.FieldDef{{RESTName: "crmNumber", SOAPName: "CrmNumber", DataType: marketotest.TypeInteger, Searchable: true}}
	srv := sandboxtest.Start(t, cfg)
	c, err := marketo.NewRESTClient(marketo.RESTCredentials{BaseURL: srv.RESTBaseURL(), IdentityURL: srv.IdentityURL(),
		ClientID: marketotest.DefaultClientID, ClientSecret: marketotest.DefaultClientSecret}, marketo.RESTOptions{ForeignSysPersonIDField: "crmNumber"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// TestNumberPersonIDLookups: a row keyed "007" on an integer person-id
// field is the lead Marketo keeps as 7 (Sync Leads updates it). The
// run's own lookups match a found lead to its row with a previewer that
// knows no field types, so "7" and "007" differ for them: list-only
// leaves the person out ("not in Marketo", which the CLI does not count
// as a failure), and fill-empty takes the row for a new person, sends
// every value, and Sync Leads overwrites the fields Marketo had filled.
// matches' own comment says "007" should find 7.
func TestNumberPersonIDLookups(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*RunOptions)
	}{
		{"list-only", func(o *RunOptions) { o.ListOnly, o.ListID = true, marketotest.SeedListID }},
		{"fill-empty", func(o *RunOptions) { o.FillEmpty = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := numberIDSandbox(t)
			ctx := context.Background()
			if _, err := c.SyncLeads(ctx, []marketo.Lead{{ForeignSysPersonID: "7", Attributes: []marketo.Attribute{{Name: "city", Value: "Lyon"}}}}, true); err != nil {
				t.Fatal(err)
			}
			stored := srv.Leads()
			if len(stored) != 1 {
				t.Fatalf("%d leads seeded", len(stored))
			}
			b := importer.Batch{Key: marketo.KeyForeignSysPersonID, Rows: []int{2},
				Leads: []marketo.Lead{{ForeignSysPersonID: "007", Attributes: []marketo.Attribute{{Name: "city", Value: "Paris"}}}}}
			opts := fastOpts(true)
			opts.ForeignKeyField = "crmNumber"
			opts.Fields = []marketo.Field{{Name: "crmNumber", Type: "integer"}, {Name: "city", Type: "string"}}
			tc.set(&opts)
			out, err := Run(ctx, c, []importer.Batch{b}, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			after := srv.Leads()
			if len(after) != 1 || after[0].Fields["City"] != "Lyon" {
				t.Errorf("the store after the run: %+v; the lead's city was Lyon", after)
			}
			if opts.ListOnly {
				if r := out.Results[0]; r.State != importer.InMarketo || r.LeadID != stored[0].ID {
					t.Errorf("row 2 (\"007\"; lead %d is 7): %q, lead %d: %s", stored[0].ID, stateWord(r.State), r.LeadID, r.Reason)
				}
				if got := listMembers(t, c, marketotest.SeedListID); !slices.Equal(got, []int{stored[0].ID}) {
					t.Errorf("the list holds %v, want lead %d", got, stored[0].ID)
				}
			}
		})
	}
}

// TestListOnlyUnderFaults guards list-only with a status column through
// every kind of trouble the sandbox injects and its rate and concurrency
// limits (606, 615): the store ends as it began, lead by lead; a row that
// says its person is in the list or at a status is, read back through the
// REST API; and every person Marketo has who did not end in the list has
// a row that says so (failed, not sent, or not added yet). Nobody outside
// the sheet's known people joins the list.
func TestListOnlyUnderFaults(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	srv := sandboxtest.Start(t, cfg)
	client := restClient(t, srv)
	rc := client.(*marketo.RESTClient)
	ctx := context.Background()
	seeded, err := Run(ctx, client, testBatchesField(300, 300, "faulty%04d@example.com", "firstName"), fastOpts(true), nil)
	if err != nil {
		t.Fatal(err)
	}
	leadOf := map[string]int{}
	for i, r := range seeded.Results {
		leadOf[fmt.Sprintf("faulty%04d@example.com", i)] = r.LeadID
	}
	before := srv.Leads()
	srv.Configure(func(c *marketotest.Config) {
		c.FaultRate5xx, c.DropRate, c.MalformedRate, c.ApplyThen5xxRate, c.TimeoutRate = 0.06, 0.04, 0.04, 0.05, 0.05
		c.RateLimit, c.RateWindow = 5, 100*time.Millisecond
		c.MaxConcurrent = 4
	})
	statuses := []string{"Invited", "Registered", "Attended"}
	batches := testBatchesField(400, 50, "faulty%04d@example.com", "firstName")
	for i := range batches {
		batches[i].Statuses = map[int]string{}
		for k, row := range batches[i].Rows {
			batches[i].Leads[k].Attributes[0].Value = "Changed"
			batches[i].Statuses[row] = statuses[row%3]
		}
	}
	opts := fastOpts(true)
	opts.ListOnly, opts.ListID, opts.ProgramID = true, marketotest.SeedListID, marketotest.SeedProgramID
	opts.CallsPerWindow, opts.Window = 10, 100*time.Millisecond
	log := newEventLog()
	out, err := Run(ctx, client, batches, opts, log.emit)
	if err != nil {
		t.Fatal(err)
	}
	log.check(t, out, 400)
	srv.SetFaults(marketotest.Faults{})
	srv.Configure(func(c *marketotest.Config) { c.RateLimit, c.MaxConcurrent = 0, 0 })

	after := srv.Leads()
	if len(after) != len(before) {
		t.Fatalf("%d leads before the list-only run, %d after", len(before), len(after))
	}
	for i := range before {
		if before[i].ID != after[i].ID || before[i].Fields["FirstName"] != after[i].Fields["FirstName"] || !before[i].UpdatedAt.Equal(after[i].UpdatedAt) {
			t.Fatalf("lead %d changed: %+v, then %+v", before[i].ID, before[i], after[i])
		}
	}
	members := map[int]bool{}
	for _, id := range listMembers(t, client, marketotest.SeedListID) {
		members[id] = true
	}
	at := statusAt(t, rc, statuses...)
	known := map[int]bool{}
	for _, id := range leadOf {
		known[id] = true
	}
	for id := range members {
		if !known[id] {
			t.Errorf("lead %d is in the list and not one of the sheet's known people", id)
		}
	}
	for _, r := range out.Results {
		email := fmt.Sprintf("faulty%04d@example.com", r.Row-2)
		want, inMarketo := leadOf[email]
		switch r.State {
		case importer.InMarketo:
			if r.LeadID != want {
				t.Errorf("row %d: lead %d, Marketo's is %d", r.Row, r.LeadID, want)
			}
		case importer.LeftAlone:
			if inMarketo {
				t.Errorf("row %d (lead %d) left alone as not in Marketo", r.Row, want)
			}
		case importer.Failed, importer.NotSent:
		default:
			t.Errorf("row %d: %q in a list-only run", r.Row, stateWord(r.State))
		}
		if (r.List == importer.ListAdded || r.List == importer.ListAlready) && !members[r.LeadID] {
			t.Errorf("row %d says its lead %d is in the list; it is not", r.Row, r.LeadID)
		}
		if inMarketo && !members[want] && r.State == importer.InMarketo && r.List.Final() {
			t.Errorf("row %d: lead %d is not in the list, and the row's list outcome %v is final", r.Row, want, r.List)
		}
		st := statuses[r.Row%3]
		if (r.Program == importer.ProgramSet || r.Program == importer.ProgramAlready) && at[r.LeadID] != st {
			t.Errorf("row %d says lead %d is at %q; it is at %q", r.Row, r.LeadID, st, at[r.LeadID])
		}
	}
	faults := srv.Stats().Faults
	for _, code := range []string{"drop", "malformed", "606"} {
		if faults[code] == 0 {
			t.Errorf("the sandbox injected no %q (faults %v): the test proves nothing about it", code, faults)
		}
	}
}

// programWord and stateWord name outcomes in failure messages.
func programWord(p importer.ProgramState) string {
	return map[importer.ProgramState]string{importer.ProgramNone: "", importer.ProgramSet: "Status set",
		importer.ProgramAlready: "Already at or past this status", importer.ProgramRefused: "Refused", importer.ProgramNotSet: "Not set yet"}[p]
}

func stateWord(s importer.RowState) string {
	return map[importer.RowState]string{importer.Created: "Created", importer.Updated: "Updated", importer.Failed: "Failed",
		importer.LeftAlone: "Left alone", importer.InMarketo: "In Marketo", importer.NotSent: "Not sent", importer.Unknown: "Unknown",
		importer.CreatedOrUpdated: "Created or updated"}[s]
}

// TestPartitionIDRowsUpdateInPlace guards Id-keyed rows in a run with a
// partition: an Id names a lead that exists, so it is updated where it
// is, never copied into the partition named or moved there; one in a
// partition the API user may not reach fails its row (1008), and the
// failure says so.
func TestPartitionIDRowsUpdateInPlace(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.Partitions = []marketotest.Partition{{Name: "Europe"}, {Name: "Vault"}}
	srv := sandboxtest.Start(t, cfg)
	client := restClient(t, srv)
	ctx := context.Background()
	seed := func(partition, email string) int {
		t.Helper()
		opts := fastOpts(true)
		opts.Partition = partition
		out, err := Run(ctx, client, testBatchesField(1, 300, email, "firstName"), opts, nil)
		if err != nil || out.Results[0].State != importer.Created {
			t.Fatalf("seeding %s into %q: %+v, %v", email, partition, out.Results, err)
		}
		return out.Results[0].LeadID
	}
	home, hidden := seed("", "home%04d@example.com"), seed("Vault", "hidden%04d@example.com")
	srv.Configure(func(c *marketotest.Config) { c.DeniedPartitions = []string{"Vault"} })
	b := importer.Batch{Key: marketo.KeyID, Rows: []int{2, 3}, Leads: []marketo.Lead{
		{ID: home, Attributes: []marketo.Attribute{{Name: "firstName", Value: "Moved?"}}},
		{ID: hidden, Attributes: []marketo.Attribute{{Name: "firstName", Value: "Reached?"}}},
	}}
	opts := fastOpts(true)
	opts.Partition = "Europe"
	out, err := Run(ctx, client, []importer.Batch{b}, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := out.Results[0]; r.State != importer.Updated || r.LeadID != home {
		t.Errorf("row 2 (lead %d in Default): %q, lead %d (%s)", home, stateWord(r.State), r.LeadID, r.Reason)
	}
	if r := out.Results[1]; r.State != importer.Failed || !strings.Contains(r.Reason, "may not write") {
		t.Errorf("row 3 (lead %d in a denied partition): %q (%s)", hidden, stateWord(r.State), r.Reason)
	}
	leads := srv.Leads()
	if len(leads) != 2 {
		t.Fatalf("%d leads stored, want the 2 seeded", len(leads))
	}
	for _, l := range leads {
		switch l.ID {
		case home:
			if l.PartitionID != 1 || l.Fields["FirstName"] != "Moved?" {
				t.Errorf("lead %d: partition %d, first name %q; want Default, updated", l.ID, l.PartitionID, l.Fields["FirstName"])
			}
		case hidden:
			if l.PartitionID != 3 || l.Fields["FirstName"] == "Reached?" {
				t.Errorf("lead %d: partition %d, first name %q; want Vault, unchanged", l.ID, l.PartitionID, l.Fields["FirstName"])
			}
		}
	}
}
