package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// TestListOnlyFoundButRefusedExitsOK: in an instance with a second
// workspace, the sheet's people live in that workspace's partition (Asia,
// in APJ) and the list is in Default's. --list-only finds every one of
// them (the API user sees both partitions), then Marketo refuses to add
// them to the list: 1004, as Adobe answers for a lead outside the list's
// workspace. The run reads 1004 as "Marketo has no such lead", which
// list-only is allowed to leave out, and exits 0: the results say "In
// Marketo (not changed)" and "Not added: Marketo has no such lead" on one
// row, the summary counts them "not in Marketo", and nobody is in the
// list. People Marketo has and did not take must fail the run.
func TestListOnlyFoundButRefusedExitsOK(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.Partitions = []marketotest.Partition{{Name: "Asia", Workspace: "APJ"}}
	srv := sandboxtest.Start(t, cfg)
	dir := t.TempDir()
	env := restEnv(dir)
	rows := [][]any{{"Email", "First Name"}}
	for k := range 3 {
		rows = append(rows, []any{fmt.Sprintf("apj%02d@example.com", k), fmt.Sprintf("Visitor %d", k)})
	}
	seed := filepath.Join(dir, "seed.xlsx")
	writeSheet(t, seed, rows)
	if r := runMain(t, env, restArgs(srv, seed, "--partition", "Asia")...); r.code != ExitOK {
		t.Fatalf("seeding into Asia: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, l := range srv.Leads() {
		if l.PartitionID != 2 {
			t.Fatalf("%s is in partition %d, not Asia", l.Email, l.PartitionID)
		}
	}
	only := filepath.Join(dir, "only.xlsx")
	writeSheet(t, only, append(rows, []any{"nobody@example.com", "Nobody"}))
	r := runMain(t, env, restArgs(srv, only, "--list-only", "--list", "Newsletter Subscribers")...)

	members, err := restReader(t, srv).ListMembers(context.Background(), marketotest.SeedListID)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) == 3 {
		return // Marketo took them: nothing was dropped
	}
	if r.code == ExitOK {
		t.Errorf("3 people Marketo has were not added to the list (it holds %v), and the run exits %d:\n%s", members, r.code, r.stdout)
	}
	if strings.Contains(r.stdout, "3 already in Marketo") && strings.Contains(r.stdout, "4 not in Marketo") {
		t.Errorf("the summary counts the same people in Marketo and not in Marketo:\n%s", r.stdout)
	}
}

// TestStatusColumnByMapHeaderNamesOneStatus: the status column mapped
// with --map Status=memberstatus (as a saved mapping does) rather than
// --status-column, with --status for blank cells. Every row's status
// comes from its cell, yet the results workbook heads the Program column
// "Program: 2026 Product Webinar: Registered", so a row whose lead is
// Attended reads "Status set" under a header naming Registered.
func TestStatusColumnByMapHeaderNamesOneStatus(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	env := restEnv(dir)
	in := filepath.Join(dir, "webinar.xlsx")
	writeSheet(t, in, [][]any{{"Email", "Status"}, {"came@example.com", "Attended"}, {"blank@example.com", ""}})
	res := filepath.Join(dir, "results.xlsx")
	r := runMain(t, env, restArgs(srv, in, "--program", "2026 Product Webinar", "--status", "Registered", "--map", "Status=memberstatus", "--results", res)...)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	f, err := excelize.OpenFile(res)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	header := -1
	for i, row := range rows {
		for _, cell := range row {
			if strings.HasPrefix(cell, "Program: ") {
				header = i
				if cell != "Program: 2026 Product Webinar" {
					t.Errorf("the Program column is headed %q; the rows' statuses come from the Status column", cell)
				}
			}
		}
	}
	if header < 0 {
		t.Fatalf("no Program column: %q", rows)
	}
	attended, err := restReader(t, srv).ProgramMembersAt(context.Background(), marketotest.SeedProgramID, "Attended")
	if err != nil {
		t.Fatal(err)
	}
	if len(attended) != 1 {
		t.Errorf("%d leads Attended, want the row that says so", len(attended))
	}
}

// restReader is a REST client of its own, to read back what a run left
// in the sandbox as any other client would.
func restReader(t *testing.T, srv *marketotest.Server) *marketo.RESTClient {
	t.Helper()
	c, err := marketo.NewRESTClient(marketo.RESTCredentials{BaseURL: srv.RESTBaseURL(), IdentityURL: srv.IdentityURL(),
		ClientID: marketotest.DefaultClientID, ClientSecret: marketotest.DefaultClientSecret}, marketo.RESTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
