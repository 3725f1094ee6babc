package marketo_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
)

func sameResults(t *testing.T, what string, got, want []marketo.MemberResult) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d results %+v, want %+v", what, len(got), got, want)
	}
	for i := range want {
		if got[i].LeadID != want[i].LeadID || got[i].Status != want[i].Status || got[i].Code != want[i].Code {
			t.Errorf("%s %d: %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

// TestUndoAgainstTheSandbox takes an import back through the client:
// members out of the list, leads out of the database, each result in the
// order of the ids given, checked against the sandbox's own record.
func TestUndoAgainstTheSandbox(t *testing.T) {
	srv := sandbox(t, nil)
	c := restClient(t, srv)
	var u marketo.Undoer = c
	ctx := context.Background()
	st := mustSync(t, c, []marketo.Lead{{Email: "a@example.com"}, {Email: "b@example.com"}, {Email: "c@example.com"}}, true)
	a, b, cID := st[0].LeadID, st[1].LeadID, st[2].LeadID
	const missing = 999999
	if _, err := c.AddToList(ctx, marketotest.SeedListID, []int{a, b}); err != nil {
		t.Fatal(err)
	}

	removed, err := u.RemoveFromList(ctx, marketotest.SeedListID, []int{b, cID, missing, a})
	if err != nil {
		t.Fatal(err)
	}
	sameResults(t, "remove", removed, []marketo.MemberResult{
		{LeadID: b, Status: "removed"},
		{LeadID: cID, Status: "skipped", Code: marketo.CodeNotInList},
		{LeadID: missing, Status: "skipped", Code: marketo.CodeLeadNotFound},
		{LeadID: a, Status: "removed"},
	})
	if removed[1].Reason != "Lead not in list" {
		t.Errorf("the reason of a non-member: %q", removed[1].Reason)
	}
	if members, err := c.ListMembers(ctx, marketotest.SeedListID); err != nil || len(members) != 0 {
		t.Errorf("the list after removing both: %v, %v", members, err)
	}

	deleted, err := u.DeleteLeads(ctx, []int{cID, missing, a})
	if err != nil {
		t.Fatal(err)
	}
	sameResults(t, "delete", deleted, []marketo.MemberResult{
		{LeadID: cID, Status: "deleted"},
		{LeadID: missing, Status: "skipped", Code: marketo.CodeLeadNotFound},
		{LeadID: a, Status: "deleted"},
	})
	if deleted[1].Reason != "Lead not found" {
		t.Errorf("the reason of a missing lead: %q", deleted[1].Reason)
	}
	var left []int
	for _, l := range srv.Leads() {
		left = append(left, l.ID)
	}
	if !slices.Equal(left, []int{b}) {
		t.Errorf("the sandbox holds leads %v, want only %d", left, b)
	}
	found, err := c.FindLeads(ctx, "email", []string{"a@example.com", "b@example.com", "c@example.com"}, nil)
	if err != nil || len(found) != 1 || found[0].ID != b {
		t.Errorf("FindLeads after the delete: %+v, %v", found, err)
	}
	// Again, as after a lost answer: nothing left to do, each skipped.
	again, err := u.DeleteLeads(ctx, []int{a})
	if err != nil {
		t.Fatal(err)
	}
	sameResults(t, "delete again", again, []marketo.MemberResult{{LeadID: a, Status: "skipped", Code: marketo.CodeLeadNotFound}})

	calls := srv.Stats().Calls
	if calls["REST delete leads"] != 2 || calls["REST remove from list"] != 1 {
		t.Errorf("calls %v, want 2 deletes and 1 removal", calls)
	}
}

// TestUpdatedAtTellsChangesApart: two syncs of one lead, however close,
// read back through FindLeads with different updatedAt, and a list
// membership leaves it as it was: what the undo engine compares.
func TestUpdatedAtTellsChangesApart(t *testing.T) {
	srv := sandbox(t, nil)
	c := restClient(t, srv)
	ctx := context.Background()
	id := mustSync(t, c, []marketo.Lead{{Email: "u@example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "Ann"}}}}, true)[0].LeadID
	read := func() marketo.FoundLead {
		t.Helper()
		found, err := c.FindLeads(ctx, "id", []string{strconv.Itoa(id)}, nil)
		if err != nil || len(found) != 1 {
			t.Fatalf("FindLeads: %+v, %v", found, err)
		}
		return found[0]
	}
	first := read()
	mustSync(t, c, []marketo.Lead{{Email: "u@example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "Ann"}}}}, true)
	second := read()
	if !second.UpdatedAt.After(first.UpdatedAt) {
		t.Errorf("a second sync left updatedAt at %v (was %v)", second.UpdatedAt, first.UpdatedAt)
	}
	if _, err := c.AddToList(ctx, marketotest.SeedListID, []int{id}); err != nil {
		t.Fatal(err)
	}
	if third := read(); !third.UpdatedAt.Equal(second.UpdatedAt) {
		t.Errorf("adding to a list moved updatedAt from %v to %v", second.UpdatedAt, third.UpdatedAt)
	}
}

// TestUndoRefusesBadInput: no call is made for no ids or too many.
func TestUndoRefusesBadInput(t *testing.T) {
	srv := sandbox(t, nil)
	c := restClient(t, srv)
	ctx := context.Background()
	tooMany := make([]int, marketo.MaxMembers+1)
	for i, call := range []func() error{
		func() error { _, err := c.DeleteLeads(ctx, nil); return err },
		func() error { _, err := c.DeleteLeads(ctx, tooMany); return err },
		func() error { _, err := c.RemoveFromList(ctx, marketotest.SeedListID, []int{}); return err },
		func() error { _, err := c.RemoveFromList(ctx, marketotest.SeedListID, tooMany); return err },
	} {
		if err := call(); err == nil {
			t.Errorf("call %d refused nothing", i)
		}
	}
	if n := len(srv.Stats().Calls); n != 0 {
		t.Errorf("%d kinds of calls reached the sandbox: %v", n, srv.Stats().Calls)
	}
}
