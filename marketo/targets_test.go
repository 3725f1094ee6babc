package marketo_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
)

// TestTargetsAgainstTheSandbox walks what an import into a list and a
// program does, through the client, and checks the sandbox's own record of
// the membership (not the client's answers alone).
func TestTargetsAgainstTheSandbox(t *testing.T) {
	srv := sandbox(t, func(c *marketotest.Config) {
		c.Partitions = []marketotest.Partition{{Name: "Europe", Description: "EMEA leads"}}
	})
	c := restClient(t, srv)
	ctx := context.Background()
	st, err := c.SyncLeads(ctx, []marketo.Lead{{Email: "a@example.com"}, {Email: "b@example.com"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	a, b := st[0].LeadID, st[1].LeadID

	lists, err := c.Lists(ctx, "Newsletter Subscribers")
	if err != nil || len(lists) != 1 || lists[0].ID != marketotest.SeedListID {
		t.Fatalf("the seeded list: %+v, %v", lists, err)
	}
	all, err := c.Lists(ctx, "")
	if err != nil || len(all) < 2 {
		t.Fatalf("every list: %+v, %v", all, err)
	}
	if none, err := c.Lists(ctx, "No such list"); err != nil || len(none) != 0 {
		t.Errorf("an unknown name: %+v, %v", none, err)
	}

	folders, err := c.FolderByName(ctx, "Group Lists")
	if err != nil || len(folders) != 1 || folders[0].Type != "Folder" {
		t.Fatalf("folder: %+v, %v", folders, err)
	}
	made, err := c.CreateList(ctx, "Trade show 2026", folders[0])
	if err != nil || made.ID <= 0 || made.Name != "Trade show 2026" {
		t.Fatalf("create: %+v, %v", made, err)
	}
	if _, err := c.CreateList(ctx, "Trade show 2026", folders[0]); err == nil {
		t.Error("a second list of the same name was made")
	}
	if got, err := c.FolderByName(ctx, "No such folder"); err != nil || len(got) != 0 {
		t.Errorf("an unknown folder: %+v, %v", got, err)
	}
	every, err := c.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(every, func(f marketo.Folder) bool { return f.ID == folders[0].ID && f.Type == folders[0].Type }); i < 0 || !strings.HasSuffix(every[i].Path, "/Group Lists") {
		t.Errorf("Get Folders has no Group Lists with its path: %+v", every)
	}

	res, err := c.AddToList(ctx, made.ID, []int{a, 999999, b})
	if err != nil {
		t.Fatal(err)
	}
	want := []marketo.MemberResult{{LeadID: a, Status: "added"}, {LeadID: 999999, Status: "skipped", Code: marketo.CodeLeadNotFound}, {LeadID: b, Status: "added"}}
	for i := range want {
		if res[i].LeadID != want[i].LeadID || res[i].Status != want[i].Status || res[i].Code != want[i].Code {
			t.Errorf("add %d: %+v, want %+v", i, res[i], want[i])
		}
	}
	if again, err := c.AddToList(ctx, made.ID, []int{a}); err != nil || again[0].Status != "added" {
		t.Errorf("adding a member again: %+v, %v", again, err)
	}
	// Adobe's example answer: memberof, notmemberof, skipped with 1004.
	c3, err := c.SyncLeads(ctx, []marketo.Lead{{Email: "c@example.com"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	is, err := c.IsMember(ctx, made.ID, []int{b, c3[0].LeadID, 999999})
	if err != nil {
		t.Fatal(err)
	}
	wantIs := []marketo.MemberResult{{LeadID: b, Status: "memberof"}, {LeadID: c3[0].LeadID, Status: "notmemberof"}, {LeadID: 999999, Status: "skipped", Code: marketo.CodeLeadNotFound}}
	for i := range wantIs {
		if is[i].LeadID != wantIs[i].LeadID || is[i].Status != wantIs[i].Status || is[i].Code != wantIs[i].Code {
			t.Errorf("ismember %d: %+v, want %+v", i, is[i], wantIs[i])
		}
	}
	for _, l := range srv.Lists() {
		if l.ID == made.ID && !slices.Equal(l.Members, []int{a, b}) {
			t.Errorf("the store's members of the new list: %v, want %v", l.Members, []int{a, b})
		}
	}

	programs, err := c.Programs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(programs, func(p marketo.Program) bool { return p.ID == marketotest.SeedProgramID })
	if i < 0 {
		t.Fatalf("the seeded program is not among %+v", programs)
	}
	ch, err := c.Channel(ctx, programs[i].Channel)
	if err != nil || len(ch.Statuses) < 3 {
		t.Fatalf("channel %q: %+v, %v", programs[i].Channel, ch, err)
	}
	if !slices.IsSortedFunc(ch.Statuses, func(x, y marketo.ProgressionStatus) int { return x.Step - y.Step }) {
		t.Errorf("statuses not in step order: %+v", ch.Statuses)
	}
	low, high := ch.Statuses[1].Name, ch.Statuses[len(ch.Statuses)-1].Name
	for _, s := range ch.Statuses {
		if s.Step > ch.Statuses[1].Step && !s.Hidden {
			high = s.Name
			break
		}
	}
	set, err := c.SetProgramStatus(ctx, marketotest.SeedProgramID, high, []int{a, b})
	if err != nil || set[0].Status != "created" || set[1].Status != "created" {
		t.Fatalf("set %q: %+v, %v", high, set, err)
	}
	// Statuses move forward only: the lower one is skipped, with 1037,
	// and Marketo leaves the lead id out of a skipped record.
	back, err := c.SetProgramStatus(ctx, marketotest.SeedProgramID, low, []int{a, b})
	if err != nil {
		t.Fatal(err)
	}
	for k, r := range back {
		if r.Status != "skipped" || r.Code != marketo.CodeAlreadyStatus || r.LeadID != []int{a, b}[k] {
			t.Errorf("moving back %d: %+v", k, r)
		}
	}
	for _, p := range srv.Programs() {
		if p.ID != marketotest.SeedProgramID {
			continue
		}
		for _, m := range p.Members {
			if m.Status != high {
				t.Errorf("the store has lead %d at %q, want %q", m.LeadID, m.Status, high)
			}
		}
		if len(p.Members) != 2 {
			t.Errorf("the store's program has %d members, want 2", len(p.Members))
		}
	}
	_, err = c.SetProgramStatus(ctx, marketotest.SeedProgramID, "No such status", []int{a})
	var me *marketo.Error
	if !errors.As(err, &me) || me.Code != marketo.CodeNoSuchStatus {
		t.Errorf("an unknown status: %v", err)
	}

	parts, err := c.Partitions(ctx)
	if err != nil || len(parts) != 2 || parts[0].Name != "Default" || parts[1].Name != "Europe" || parts[1].Description != "EMEA leads" {
		t.Errorf("partitions: %+v, %v", parts, err)
	}
}

// TestTargetCallsRefuseBadInput: calls that would ask Marketo the wrong
// thing are refused before any call is made.
func TestTargetCallsRefuseBadInput(t *testing.T) {
	srv := sandbox(t, nil)
	c := restClient(t, srv)
	ctx := context.Background()
	tooMany := make([]int, marketo.MaxMembers+1)
	for _, call := range []func() error{
		func() error { _, err := c.AddToList(ctx, marketotest.SeedListID, nil); return err },
		func() error { _, err := c.AddToList(ctx, marketotest.SeedListID, tooMany); return err },
		func() error { _, err := c.SetProgramStatus(ctx, marketotest.SeedProgramID, "Invited", nil); return err },
		func() error { _, err := c.CreateList(ctx, " ", marketo.Folder{ID: 12, Type: "Folder"}); return err },
		func() error { _, err := c.CreateList(ctx, "x", marketo.Folder{ID: 12, Type: "Workspace"}); return err },
	} {
		if err := call(); err == nil {
			t.Error("refused nothing")
		}
	}
	if n := len(srv.Stats().Calls); n != 0 {
		t.Errorf("%d kinds of calls reached the sandbox: %v", n, srv.Stats().Calls)
	}
}
