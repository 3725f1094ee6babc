package cli_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"leadsheet/importer/cli"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
)

// TestImportIntoList drives `leadsheet sync --list / --new-list` against a
// `leadsheet sandbox` process and reads the list's membership back through
// Marketo's REST API, as any other client would (issue 13, lists).
func TestImportIntoList(t *testing.T) {
	s := &suite{bin: buildBinary(t, t.TempDir()), compared: new(atomic.Int64)}
	t.Run("new-list-killed-and-resumed", func(t *testing.T) { t.Parallel(); newListKilled(t, s) })
	t.Run("bulk-into-list", func(t *testing.T) { t.Parallel(); bulkIntoList(t, s) })
	t.Run("unknown-list", func(t *testing.T) { t.Parallel(); unknownList(t, s) })
	t.Run("unknown-status", func(t *testing.T) { t.Parallel(); unknownStatus(t, s) })
	t.Run("bulk-into-program", func(t *testing.T) { t.Parallel(); bulkIntoProgram(t, s) })
	t.Run("list-only", func(t *testing.T) { t.Parallel(); listOnly(t, s) })
	t.Run("status-column-killed-and-resumed", func(t *testing.T) { t.Parallel(); statusColumnKilled(t, s) })
	t.Run("partition", func(t *testing.T) { t.Parallel(); partition(t, s) })
}

// listOnly: --list-only adds the sheet's people Marketo already has to the
// list and creates and changes nobody: the store after it is the store
// before it, lead by lead, while the list holds exactly those people.
func listOnly(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest")
	known := listSheet(400)
	seed := h.path("known.csv")
	writeCSV(t, seed, known[:301])
	if r := h.sync(t, seed); r.code != cli.ExitOK {
		t.Fatalf("seeding: %s", r)
	}
	before := h.sb.leads(t)
	// The whole sheet, with other first names: 300 in Marketo, 100 not.
	changed := [][]string{known[0]}
	for _, rec := range known[1:] {
		changed = append(changed, []string{rec[0], "Someone else"})
	}
	file := h.path("only.csv")
	writeCSV(t, file, changed)
	r := h.sync(t, file, "--list-only", "--list", "Newsletter Subscribers", "--results", h.out("only-results.csv"))
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, "300 already in Marketo") || !strings.Contains(r.stdout, "100 left alone") {
		t.Fatalf("%s", r)
	}
	after := h.sb.leads(t)
	if len(after) != len(before) {
		t.Fatalf("%d leads before, %d after a list-only run", len(before), len(after))
	}
	for i := range before {
		if before[i].ID != after[i].ID || before[i].Fields["FirstName"] != after[i].Fields["FirstName"] || !before[i].UpdatedAt.Equal(after[i].UpdatedAt) {
			t.Fatalf("lead %d changed: %+v, then %+v", before[i].ID, before[i], after[i])
		}
	}
	if got, want := members(t, h, marketotest.SeedListID), leadsOf(t, h, known[:301]); !slices.Equal(got, want) {
		t.Fatalf("the list holds %d leads, Marketo has %d of the sheet's people", len(got), len(want))
	}
	h.compared.Add(int64(len(changed) - 1))
	table := readTable(t, h.out("only-results.csv"))
	col := slices.Index(table[0], "List: Newsletter Subscribers")
	if col < 0 {
		t.Fatalf("no List column: %q", table[0])
	}
	for k, rec := range table[1:] {
		want := "Added"
		if k >= 300 {
			want = "Not added: Marketo has no such lead"
		}
		if rec[col] != want {
			t.Fatalf("row %d's List column says %q, want %q", k+2, rec[col], want)
		}
	}
	if r := h.sync(t, file, "--list-only"); r.code != cli.ExitUsage {
		t.Errorf("--list-only without a list: %s", r)
	}
}

// statusColumnKilled: a run whose Status column gives each row its program
// status is SIGKILLed mid-run and run again: every row's lead ends a
// member at the status its row names, read through Get Program Members,
// as an uninterrupted run leaves it; a row naming no status the channel
// has is not sent.
func statusColumnKilled(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest", "--latency", "40ms")
	records := [][]string{{"Email", "First Name", "Status"}}
	statuses := []string{"Registered", "attended", "Invited", ""}
	for k := range 2400 {
		records = append(records, []string{fmt.Sprintf("member%05d@example.com", k), fmt.Sprintf("Member %d", k), statuses[k%4]})
	}
	records = append(records, []string{"typo@example.com", "Typo", "Atended"})
	file := h.path("members.csv")
	writeCSV(t, file, records)
	flags := []string{"--program", "2026 Product Webinar", "--status-column", "Status", "--status", "No Show"}
	h.syncKilled(t, 700, file, flags...)
	r := h.sync(t, file, flags...)
	if r.code != cli.ExitRows || !strings.Contains(r.stdout, "program: 2400 status set") {
		t.Fatalf("the rerun (one invalid row: exit %d): %s", cli.ExitRows, r)
	}
	byEmail := map[string]int{}
	for _, l := range h.sb.leads(t) {
		byEmail[l.Email] = l.ID
	}
	if _, ok := byEmail["typo@example.com"]; ok {
		t.Error("the row with an unknown status was sent")
	}
	want := map[string][]int{}
	for _, rec := range records[1:2401] {
		st := map[string]string{"Registered": "Registered", "attended": "Attended", "Invited": "Invited", "": "No Show"}[rec[2]]
		want[st] = append(want[st], byEmail[rec[0]])
	}
	for st, ids := range want {
		slices.Sort(ids)
		if got := programMembers(t, h, st); !slices.Equal(got, ids) {
			t.Errorf("%d members at %q, the sheet names %d", len(got), st, len(ids))
		}
	}
	h.compared.Add(2400)
	for _, l := range h.sb.leads(t) {
		if _, ok := l.Fields["Status"]; ok {
			t.Fatalf("the status column went out as a field: %+v", l)
		}
	}
}

// partition: --partition puts the new people into it, as the store
// records; an unknown partition is refused before sending, naming those
// there are.
func partition(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest", "--partition", "Europe")
	file := h.path("europe.csv")
	records := listSheet(500)
	writeCSV(t, file, records)
	r := h.sync(t, file, "--partition", "Americas")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, `"Default", "Europe"`) {
		t.Fatalf("an unknown partition: %s", r)
	}
	if n := len(h.sb.leads(t)); n != 0 {
		t.Fatalf("%d leads stored after a refused run", n)
	}
	if r := h.sync(t, file, "--partition", "europe"); r.code != cli.ExitOK {
		t.Fatalf("%s", r)
	}
	leads := h.sb.leads(t)
	if len(leads) != 500 {
		t.Fatalf("%d leads stored", len(leads))
	}
	for _, l := range leads {
		if l.PartitionID != 2 {
			t.Fatalf("%s is in partition %d, not Europe (2)", l.Email, l.PartitionID)
		}
	}
	h.compared.Add(500)
}

// bulkIntoProgram: Bulk Import with a program sends Marketo's program
// member import: every lead of the sheet ends a member at the status.
func bulkIntoProgram(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest", "--bulk-delay", "20ms", "--bulk-row-time", "20us")
	records := listSheet(2000)
	file := h.path("bulk-program.csv")
	writeCSV(t, file, records)
	r := h.sync(t, file, append(bulkFlags[:6:6], "--program", "2026 Product Webinar", "--status", "Attended")...)
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, "program: 2000 status set") {
		t.Fatalf("%s", r)
	}
	if got, want := programMembers(t, h, "Attended"), leadsOf(t, h, records); !slices.Equal(got, want) {
		t.Fatalf("%d leads attended, the sheet's are %d", len(got), len(want))
	}
	if r := h.sync(t, file, append(bulkFlags[:6:6], "--program", "2026 Product Webinar", "--status", "Attended", "--list", "Newsletter Subscribers")...); r.code != cli.ExitUsage {
		t.Errorf("a list and a program with bulk: %s", r)
	}
}

// programMembers is the seeded program's members at status, as Get
// Program Members returns them.
func programMembers(t *testing.T, h *harness, status string) []int {
	t.Helper()
	c, err := marketo.NewRESTClient(marketo.RESTCredentials{BaseURL: h.sb.root + marketotest.RESTPath,
		ClientID: marketotest.DefaultClientID, ClientSecret: marketotest.DefaultClientSecret}, marketo.RESTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := c.ProgramMembersAt(context.Background(), marketotest.SeedProgramID, status)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// unknownStatus: a status the program's channel does not have is refused
// before anything is sent, listing the channel's statuses.
func unknownStatus(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest")
	file := h.path("nostatus.csv")
	writeCSV(t, file, listSheet(10))
	r := h.sync(t, file, "--program", "2026 Product Webinar", "--status", "Atended")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, `"Registered"`) || !strings.Contains(r.stderr, `"Attended"`) {
		t.Fatalf("want exit %d listing the statuses: %s", cli.ExitUsage, r)
	}
	r = h.sync(t, file, "--program", "2026 Product Webinr", "--status", "Attended")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, `"2026 Product Webinar"`) {
		t.Fatalf("want exit %d naming the nearest program: %s", cli.ExitUsage, r)
	}
	if n := len(h.sb.leads(t)); n != 0 {
		t.Errorf("%d leads stored", n)
	}
}

// members is the list's membership as Get Leads by List Id returns it.
func members(t *testing.T, h *harness, listID int) []int {
	t.Helper()
	c, err := marketo.NewRESTClient(marketo.RESTCredentials{BaseURL: h.sb.root + marketotest.RESTPath,
		ClientID: marketotest.DefaultClientID, ClientSecret: marketotest.DefaultClientSecret}, marketo.RESTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := c.ListMembers(context.Background(), listID)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// leadsOf is the sorted ids of the stored leads with the sheet's emails,
// each of which must be stored once.
func leadsOf(t *testing.T, h *harness, records [][]string) []int {
	t.Helper()
	byEmail := map[string][]int{}
	for _, l := range h.sb.leads(t) {
		byEmail[strings.ToLower(l.Email)] = append(byEmail[strings.ToLower(l.Email)], l.ID)
	}
	var ids []int
	for _, rec := range records[1:] {
		got := byEmail[strings.ToLower(rec[0])]
		if len(got) != 1 {
			t.Fatalf("%s is stored %d times", rec[0], len(got))
		}
		ids = append(ids, got[0])
	}
	slices.Sort(ids)
	return ids
}

func listSheet(n int) [][]string {
	records := [][]string{{"Email", "First Name"}}
	for k := range n {
		records = append(records, []string{fmt.Sprintf("show%05d@example.com", k), fmt.Sprintf("Visitor %d", k)})
	}
	return records
}

// newListKilled: a run into a new list is SIGKILLed mid-run; running the
// same file again into that list (now by name) ends with every row's
// lead in it once, as an uninterrupted run leaves it, and sends no row
// twice over the rows' own leads.
func newListKilled(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest", "--latency", "40ms")
	records := listSheet(3000)
	file := h.path("show.csv")
	writeCSV(t, file, records)
	prog := []string{"--program", "2026 Product Webinar", "--status", "registered"}
	h.syncKilled(t, 900, file, append([]string{"--new-list", "Trade show 2026", "--folder", "Group Lists"}, prog...)...)
	var listID int
	for _, l := range h.sb.lists(t) {
		if l.Name == "Trade show 2026" {
			listID = l.ID
		}
	}
	if listID == 0 {
		t.Fatal("the killed run made no list")
	}
	r := h.sync(t, file, "--new-list", "Trade show 2026", "--folder", "Group Lists")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "already has a static list") {
		t.Fatalf("creating the list again: %s", r)
	}
	r = h.sync(t, file, append([]string{"--list", "Trade show 2026", "--results", h.out("show-results.csv")}, prog...)...)
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, "list: 3000 added, 0 not added") || !strings.Contains(r.stdout, "program: 3000 status set") {
		t.Fatalf("the rerun into the list and program: %s", r)
	}
	if got, want := members(t, h, listID), leadsOf(t, h, records); !slices.Equal(got, want) {
		t.Fatalf("the list holds %d leads, the sheet's are %d", len(got), len(want))
	}
	if got, want := programMembers(t, h, "Registered"), leadsOf(t, h, records); !slices.Equal(got, want) {
		t.Fatalf("%d leads are Registered in the program, the sheet's are %d", len(got), len(want))
	}
	h.compared.Add(int64(len(records) - 1))
	res := readResults(t, h.out("show-results.csv"), "Email")
	for _, rec := range records[1:] {
		if rr := res[strings.ToLower(rec[0])]; !strings.HasPrefix(rr.status, "Created") && !strings.HasPrefix(rr.status, "Updated") {
			t.Fatalf("%s: %q", rec[0], rr.status)
		}
	}
	table := readTable(t, h.out("show-results.csv"))
	col, pcol := slices.Index(table[0], "List: Trade show 2026"), slices.Index(table[0], "Program: 2026 Product Webinar: Registered")
	if col < 0 || pcol < 0 {
		t.Fatalf("the results have no List or Program column: %q", table[0])
	}
	for _, rec := range table[1:] {
		if rec[col] != "Added" || rec[pcol] != "Status set" {
			t.Fatalf("a row's List and Program columns say %q, %q: %q", rec[col], rec[pcol], rec)
		}
	}
	// Running it once more adds nobody twice.
	if r := h.sync(t, file, "--list", fmt.Sprint(listID)); r.code != cli.ExitOK {
		t.Fatalf("a third run: %s", r)
	}
	if got := members(t, h, listID); len(got) != 3000 {
		t.Errorf("after a third run the list holds %d leads", len(got))
	}
}

// bulkIntoList: Bulk Import puts the leads it imports into the list
// itself, with no call per batch.
func bulkIntoList(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest", "--bulk-delay", "20ms", "--bulk-row-time", "20us")
	records := listSheet(2000)
	file := h.path("bulk-list.csv")
	writeCSV(t, file, records)
	r := h.sync(t, file, append(bulkFlags[:6:6], "--list", "Newsletter Subscribers")...)
	if r.code != cli.ExitOK {
		t.Fatalf("%s", r)
	}
	if got, want := members(t, h, marketotest.SeedListID), leadsOf(t, h, records); !slices.Equal(got, want) {
		t.Fatalf("the list holds %d leads, the sheet's are %d", len(got), len(want))
	}
	if n := h.sb.stats(t).Calls["REST add to list"]; n != 0 {
		t.Errorf("%d Add to List calls in a bulk run", n)
	}
}

// unknownList: a list Marketo does not have is refused before anything is
// sent, naming the nearest lists.
func unknownList(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest")
	file := h.path("nolist.csv")
	writeCSV(t, file, listSheet(10))
	r := h.sync(t, file, "--list", "Newsletter Subscriber")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, `"Newsletter Subscribers"`) {
		t.Fatalf("want exit %d naming the nearest list: %s", cli.ExitUsage, r)
	}
	if n := len(h.sb.leads(t)); n != 0 {
		t.Errorf("%d leads stored", n)
	}
}

// lists is the sandbox's static lists, from its inspect page.
func (s *sandbox) lists(t *testing.T) []marketotest.StaticList {
	t.Helper()
	var l []marketotest.StaticList
	s.getJSON(t, "/sandbox/lists", &l)
	return l
}
