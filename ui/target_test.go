package ui

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"leadsheet/importer"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/ui/viewmodel"
)

// openTargeted opens csv in a window on the in-app sandbox and returns
// once the Target section holds what the sandbox offers.
func openTargeted(t *testing.T, csv string) (*App, *uiLoop, *targetView) {
	t.Helper()
	ui, loop := openCSV(t, Options{Sandbox: true}, csv)
	tv := ui.mapping.target
	loop.pump(t, "the sandbox's lists and programs", func() bool { return tv.model.Catalog() != nil })
	return ui, loop, tv
}

// sandboxREST is a REST client of the window's sandbox, for reading back
// what a run did the way any integration would.
func sandboxREST(t *testing.T, srv *marketotest.Server) *marketo.RESTClient {
	t.Helper()
	cfg := srv.Config()
	c, err := marketo.NewRESTClient(marketo.RESTCredentials{BaseURL: srv.RESTBaseURL(), IdentityURL: srv.IdentityURL(),
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret}, marketo.RESTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pickList ticks the list choice and picks an option as its drop-down
// does: by setting the option's text.
func pickList(tv *targetView, option string) {
	if !tv.listOn.Checked {
		test.Tap(tv.listOn)
	}
	tv.list.entry.SetText(option)
}

// pickProgram ticks the program choice, picks the program by typing part
// of its name and then its full name, waits for its statuses and picks
// status.
func pickProgram(t *testing.T, loop *uiLoop, tv *targetView, program, status string) {
	t.Helper()
	if !tv.programOn.Checked {
		test.Tap(tv.programOn)
	}
	test.Type(tv.program.entry, "webinar")
	if got := tv.program.entry.Entry.Text; got != "webinar" || !slices.Contains(tv.program.all, program) {
		t.Fatalf("typing into the program picker: text %q, options %q", got, tv.program.all)
	}
	tv.program.entry.SetText(program)
	loop.pump(t, "the program's statuses", func() bool { return tv.model.StatusesKnown() })
	if tv.status.Disabled() {
		t.Fatal("the status picker is disabled once the statuses are known")
	}
	tv.status.SetSelected(status)
}

// runTargeted waits for the plan the choices make, checks its line, runs
// it to the end and returns the lead ids of the rows Marketo confirmed,
// by sheet row.
func runTargeted(t *testing.T, ui *App, loop *uiLoop, planSays string) map[int]int {
	t.Helper()
	loop.pump(t, "the plan with the target", func() bool {
		p := ui.sync.plan
		return p != nil && p.Target.Targeted() && p.Blocked == "" && quotaKnown(ui)
	})
	ui.show(stepSync)
	if got := ui.sync.planLabel.Text; !strings.Contains(got, planSays) {
		t.Errorf("the plan line says %q, want it to say %q", got, planSays)
	}
	test.Tap(ui.sync.start)
	if !ui.sync.running {
		t.Fatalf("the run did not start: %q", ui.sync.planLabel.Text)
	}
	loop.pump(t, "the run to end", func() bool { return !ui.sync.running })
	ui.sync.refresh()
	ids := map[int]int{}
	m := ui.sync.model
	for i := range m.Len() {
		if r := m.Row(i); r.LeadID != 0 {
			ids[r.Row] = r.LeadID
		}
	}
	return ids
}

// resultColumns reads a CSV results file: each data row's cells by header,
// keyed by sheet row.
func resultColumns(t *testing.T, path string) map[int]map[string]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	lines, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("read the results: %v", err)
	}
	out := map[int]map[string]string{}
	for i, l := range lines[1:] {
		row := map[string]string{}
		for j, h := range lines[0] {
			row[h] = l[j]
		}
		out[i+2] = row
	}
	return out
}

func sortedValues(m map[int]int) []int {
	var out []int
	for _, v := range m {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// TestTargetListAndProgram: the seeded list and program with a status are
// picked in the window, the plan says so, every confirmed row's lead is a
// list member and at the status when read back through the REST API, and
// the table, its totals line and the results file say what became of each.
func TestTargetListAndProgram(t *testing.T) {
	ui, loop, tv := openTargeted(t, leadsCSV(5))
	if tv.listOn.Disabled() || tv.programOn.Disabled() || !tv.list.entry.Disabled() || tv.partRow.Visible() {
		t.Fatalf("catalog read: list choice disabled %v, program choice disabled %v, list picker enabled before the tick %v, partition shown %v",
			tv.listOn.Disabled(), tv.programOn.Disabled(), !tv.list.entry.Disabled(), tv.partRow.Visible())
	}
	if !tv.listOnly.Disabled() {
		t.Error("list-only can be ticked with neither a list nor a program")
	}
	pickList(tv, "Newsletter Subscribers")
	pickProgram(t, loop, tv, "2026 Product Webinar", "Registered")
	if want := "Target: list “Newsletter Subscribers” · program “2026 Product Webinar”: Registered"; tv.item.Title != want {
		t.Errorf("the section's title says %q, want %q", tv.item.Title, want)
	}
	if tv.listOnly.Disabled() {
		t.Error("list-only is disabled with a list and a program chosen")
	}
	ids := runTargeted(t, ui, loop, "then adds them to the list “Newsletter Subscribers” and sets “2026 Product Webinar”: Registered")
	if len(ids) != 5 {
		t.Fatalf("%d rows confirmed, want 5: %+v", len(ids), ui.sync.model.Progress().Totals)
	}

	rc := sandboxREST(t, ui.accounts.sandbox)
	members, err := rc.ListMembers(context.Background(), marketotest.SeedListID)
	if err != nil {
		t.Fatal(err)
	}
	registered, err := rc.ProgramMembersAt(context.Background(), marketotest.SeedProgramID, "Registered")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(members)
	slices.Sort(registered)
	if want := sortedValues(ids); !slices.Equal(members, want) || !slices.Equal(registered, want) {
		t.Errorf("list members %v and registered members %v, want every confirmed lead %v", members, registered, want)
	}

	v := ui.sync
	if !slices.Contains(v.cols, colList) || !slices.Contains(v.cols, colProgram) {
		t.Fatalf("the table's columns %v lack List or Program", v.cols)
	}
	for row := range 5 {
		if l, p := cellText(t, v, row, colList), cellText(t, v, row, colProgram); l != "Added" || p != "Status set" {
			t.Errorf("table row %d: list %q, program %q", row, l, p)
		}
	}
	if want := "List “Newsletter Subscribers”: 5 added · Program “2026 Product Webinar”: 5 status set"; !v.targets.Visible() || v.targets.Text != want {
		t.Errorf("the totals line (shown %v) says %q, want %q", v.targets.Visible(), v.targets.Text, want)
	}

	res := resultColumns(t, v.resultsPath)
	for row := 2; row <= 6; row++ {
		if l, p := res[row]["List: Newsletter Subscribers"], res[row]["Program: 2026 Product Webinar: Registered"]; l != "Added" || p != "Status set" {
			t.Errorf("results row %d: list %q, program %q (row %v)", row, l, p, res[row])
		}
	}
}

// staticListFolder reads where a list sits through the Asset API.
func staticListFolder(t *testing.T, srv *marketotest.Server, name string) string {
	t.Helper()
	cfg := srv.Config()
	token := ""
	get := func(u string, into any) {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			// Marketo takes the token from this header only.
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatal(err)
		}
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	get(srv.IdentityURL()+"/oauth/token?"+url.Values{"grant_type": {"client_credentials"}, "client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}}.Encode(), &tok)
	token = tok.AccessToken
	var ans struct {
		Result []struct {
			Folder struct {
				ID   int    `json:"id"`
				Type string `json:"type"`
			} `json:"folder"`
		} `json:"result"`
	}
	get(srv.RESTBaseURL()+"/asset/v1/staticList/byName.json?"+url.Values{"name": {name}}.Encode(), &ans)
	if len(ans.Result) != 1 {
		t.Fatalf("Marketo has %d static lists named %q", len(ans.Result), name)
	}
	return fmt.Sprintf("%s %d", ans.Result[0].Folder.Type, ans.Result[0].Folder.ID)
}

// TestTargetNewListInFolder: a new list named in the window is made in the
// folder picked when Start is pressed, once, and gets every confirmed
// row's lead; the section then names it as the list chosen.
func TestTargetNewListInFolder(t *testing.T) {
	ui, loop, tv := openTargeted(t, leadsCSV(4))
	pickList(tv, viewmodel.NewListOption)
	if !tv.newRow.Visible() {
		t.Fatal("New list… shows no name and folder")
	}
	loop.pump(t, "the plan waiting for the list's name", func() bool {
		p := ui.sync.plan
		return p != nil && strings.Contains(p.Blocked, "Name the new static list")
	})
	test.Type(tv.newName, "Fair 2026")
	folder := ""
	for _, f := range tv.folder.all {
		if strings.HasSuffix(f, "/Group Lists") && strings.HasPrefix(f, "/Lead Database/Default") {
			folder = f
		}
	}
	if folder == "" {
		t.Fatalf("no Group Lists among the folders offered: %q", tv.folder.all)
	}
	tv.folder.entry.SetText(folder)
	ids := runTargeted(t, ui, loop, "then adds them to a new list “Fair 2026” (made in "+folder)
	if len(ids) != 4 {
		t.Fatalf("%d rows confirmed, want 4", len(ids))
	}
	rc := sandboxREST(t, ui.accounts.sandbox)
	lists, err := rc.Lists(context.Background(), "Fair 2026")
	if err != nil || len(lists) != 1 {
		t.Fatalf("lists named Fair 2026: %+v (%v)", lists, err)
	}
	if got := staticListFolder(t, ui.accounts.sandbox, "Fair 2026"); got != "Folder 12" {
		t.Errorf("the new list is in %s, want Group Lists (Folder 12)", got)
	}
	members, err := rc.ListMembers(context.Background(), lists[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(members)
	if want := sortedValues(ids); !slices.Equal(members, want) {
		t.Errorf("the new list's members %v, want %v", members, want)
	}
	if m := tv.model; m.NewList || m.List.ID != lists[0].ID || tv.list.entry.Text != "Fair 2026" {
		t.Errorf("after the run the section still makes a new list (%v) or names another (%+v, %q)", m.NewList, m.List, tv.list.entry.Text)
	}
	if res := resultColumns(t, ui.sync.resultsPath); res[2]["List: Fair 2026"] != "Added" {
		t.Errorf("results row 2: %v", res[2])
	}
}

// TestTargetStatusFromColumn: a status column sets each row's own status
// (capitals as Marketo spells them, a blank cell the status chosen for
// blanks), is sent as no field, and a status the channel lacks keeps its
// row from being sent with the job's words.
func TestTargetStatusFromColumn(t *testing.T) {
	sheet := "Email,First Name,Status\n" +
		"ann@example.com,Ann,Registered\n" +
		"bo@example.com,Bo,attended\n" +
		"cy@example.com,Cy,\n" +
		"di@example.com,Di,Maybe\n"
	ui, loop, tv := openTargeted(t, sheet)
	pickProgram(t, loop, tv, "2026 Product Webinar", viewmodel.StatusFromColumn)
	if !tv.columnRow.Visible() {
		t.Fatal("Status from a column shows no column picker")
	}
	if slices.Contains(tv.column.Options, "Email") || !slices.Contains(tv.column.Options, "Status") {
		t.Errorf("columns offered for the status: %q", tv.column.Options)
	}
	tv.column.SetSelected("Status")
	tv.blank.SetSelected("Invited")
	mv := ui.mapping
	col := indexOf(mv.model.Header.Names, "Status")
	if mv.choosers[col].Text != viewmodel.LabelMemberState {
		t.Errorf("the Status column's chooser says %q, want %q", mv.choosers[col].Text, viewmodel.LabelMemberState)
	}
	loop.pump(t, "pre-flight with the status column", func() bool {
		pre := ui.sess.pre
		return pre != nil && pre.Report.Settings().Program.ID != 0 && pre.Report.Settings().Mapping.Columns[col].Kind == importer.ToMemberStatus
	})
	pre := ui.sess.pre
	if pre.Sendable != 3 || !hasProblem(pre, "Status", `has no member status "Maybe"`) {
		t.Fatalf("pre-flight: %d sendable, problems %+v; want 3 and Di's unknown status in the job's words", pre.Sendable, pre.Problems)
	}
	if _, sent := sentAttribute(t, pre.Report, "ann@example.com", "Status"); sent {
		t.Error("the status column is sent as a lead field")
	}
	ids := runTargeted(t, ui, loop, "then sets “2026 Product Webinar” to the status in the column “Status”")
	rc := sandboxREST(t, ui.accounts.sandbox)
	for _, tt := range []struct {
		status string
		rows   []int
	}{
		{"Registered", []int{2}}, {"Attended", []int{3}}, {"Invited", []int{4}},
	} {
		got, err := rc.ProgramMembersAt(context.Background(), marketotest.SeedProgramID, tt.status)
		if err != nil {
			t.Fatal(err)
		}
		var want []int
		for _, r := range tt.rows {
			want = append(want, ids[r])
		}
		if !slices.Equal(got, want) {
			t.Errorf("members at %s: %v, want rows %v's leads %v", tt.status, got, tt.rows, want)
		}
	}
	if res := resultColumns(t, ui.sync.resultsPath); res[2]["Program: 2026 Product Webinar"] != "Status set" || res[5]["Status"] != "Invalid (not sent)" {
		t.Errorf("results: row 2 %v, row 5 %v", res[2], res[5])
	}
}

// TestTargetListOnly: with only people already in Marketo, a sheet mixing
// people the sandbox has and people it has not creates no lead and
// changes no field; the people found go into the list, the others are
// said to be not in Marketo.
func TestTargetListOnly(t *testing.T) {
	ui, loop, tv := openTargeted(t, "Email,First Name\n"+
		"known1@example.com,Changed\n"+
		"stranger1@example.com,Nobody\n"+
		"known2@example.com,Changed\n"+
		"stranger2@example.com,Nobody\n")
	rc := sandboxREST(t, ui.accounts.sandbox)
	ctx := context.Background()
	if _, err := rc.SyncLeads(ctx, []marketo.Lead{
		{Email: "known1@example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "Kim"}}},
		{Email: "known2@example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "Kai"}}},
	}, true); err != nil {
		t.Fatal(err)
	}
	pickList(tv, "Newsletter Subscribers")
	test.Tap(tv.listOnly)
	loop.pump(t, "pre-flight with list-only", func() bool {
		pre := ui.sess.pre
		return pre != nil && pre.Report.Settings().ListOnly
	})
	ids := runTargeted(t, ui, loop, "existing people only: nobody is created or changed")
	if !strings.Contains(ui.sync.planLabel.Text, "Done:") {
		t.Errorf("after the run the plan line says %q", ui.sync.planLabel.Text)
	}
	found, err := rc.FindLeads(ctx, "email", []string{"known1@example.com", "known2@example.com", "stranger1@example.com", "stranger2@example.com"}, []string{"firstName"})
	if err != nil {
		t.Fatal(err)
	}
	var known []int
	for _, l := range found {
		if strings.HasPrefix(l.Email, "stranger") {
			t.Errorf("list-only created %s (lead %d)", l.Email, l.ID)
		}
		if l.Fields["firstName"] == "Changed" {
			t.Errorf("list-only changed %s's first name", l.Email)
		}
		known = append(known, l.ID)
	}
	slices.Sort(known)
	members, err := rc.ListMembers(ctx, marketotest.SeedListID)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(members)
	if !slices.Equal(members, known) || !slices.Equal(sortedValues(ids), known) {
		t.Errorf("list members %v, leads found in the window %v; want the people already there %v", members, sortedValues(ids), known)
	}
	v := ui.sync
	for _, tt := range []struct {
		row          int
		status, list string
	}{
		{0, "In Marketo (not changed)", "Added"},
		{1, "Left alone", "Not added: Marketo has no such lead"},
	} {
		if s, l := cellText(t, v, tt.row, colStatus), cellText(t, v, tt.row, colList); s != tt.status || l != tt.list {
			t.Errorf("table row %d: %q, list %q; want %q, %q", tt.row, s, l, tt.status, tt.list)
		}
	}
	if p := v.model.Progress(); p.Totals.InMarketo != 2 || p.Totals.ListNotFound != 2 || !strings.Contains(v.updated.Text, "2 in Marketo, not changed") {
		t.Errorf("totals %+v, counters %q", p.Totals, v.updated.Text)
	}
	v.filter.SetSelected("Only rows that need attention")
	if n := v.rowCount(); n != 0 {
		t.Errorf("%d rows need attention; people list-only left out on purpose do not", n)
	}
}

// TestTargetNeedsREST: a SOAP account's Target section says plainly that
// these targets need REST, and nothing in it can be chosen.
func TestTargetNeedsREST(t *testing.T) {
	srv := marketotest.NewServer(marketotest.DefaultConfig())
	defer srv.Close()
	cfg := srv.Config()
	store := newMemStore()
	if err := store.Save(marketo.Profile{Name: "Acme SOAP", API: marketo.ProfileSOAP,
		SOAP: marketo.SOAPCredentials{Endpoint: srv.SOAPEndpoint(), UserID: cfg.UserID, EncryptionKey: cfg.EncryptionKey}}); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "fair.csv")
	if err := os.WriteFile(in, []byte("Email\nanna@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ui, loop := newTestApp(t, Options{Accounts: store, Open: in})
	tv := ui.mapping.target
	if tv.note.Text != viewmodel.TargetNoAccount || !tv.listOn.Disabled() {
		t.Errorf("no account: the section says %q, list choice disabled %v", tv.note.Text, tv.listOn.Disabled())
	}
	ui.accounts.picker.SetSelected("Acme SOAP")
	loop.pump(t, "the plan for the SOAP account", func() bool { return ui.sync.plan != nil && ui.accounts.conn.fields != nil })
	if tv.note.Text != viewmodel.TargetNeedsREST || !tv.note.Visible() {
		t.Errorf("SOAP: the section says %q (shown %v)", tv.note.Text, tv.note.Visible())
	}
	for name, w := range map[string]disableable{"list choice": tv.listOn, "program choice": tv.programOn, "list-only": tv.listOnly,
		"list picker": tv.list.entry, "program picker": tv.program.entry, "status": tv.status} {
		if !w.Disabled() {
			t.Errorf("SOAP: the %s can be used", name)
		}
	}
	if srv.Stats().Calls["REST lists.json"] != 0 {
		t.Error("a SOAP account's lists were asked for over REST")
	}
}

// TestTargetCatalogTroubleAndRetry: when Marketo cannot be asked for the
// lists, the section says so in the job's words and offers to read them
// again; reading them again once Marketo answers makes them choosable.
func TestTargetCatalogTroubleAndRetry(t *testing.T) {
	h := marketotest.NewHandler(marketotest.DefaultConfig())
	var down atomic.Bool
	down.Store(true)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A gateway in front of Marketo failing one endpoint, as it does
		// when that backend is down.
		if down.Load() && strings.HasSuffix(r.URL.Path, "/v1/lists.json") {
			http.Error(w, "<html>503 Service Temporarily Unavailable</html>", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer front.Close()
	h.URL = front.URL
	ui, loop := openWithAccount(t, h, marketo.Budget{}, leadsCSV(2))
	tv := ui.mapping.target
	loop.pump(t, "the catalog read to fail", func() bool { return tv.failed != "" })
	if !strings.HasPrefix(tv.note.Text, "Leadsheet could not read the static lists from Marketo") || tv.note.Importance != widget.DangerImportance {
		t.Errorf("the section says %q (importance %v)", tv.note.Text, tv.note.Importance)
	}
	if !tv.retry.Visible() || !tv.listOn.Disabled() {
		t.Errorf("after the failure: retry shown %v, list choice disabled %v", tv.retry.Visible(), tv.listOn.Disabled())
	}
	down.Store(false)
	test.Tap(tv.retry)
	loop.pump(t, "the catalog read again", func() bool { return tv.model.Catalog() != nil })
	if tv.retry.Visible() || tv.listOn.Disabled() || tv.note.Visible() {
		t.Errorf("read again: retry shown %v, list choice disabled %v, note %q", tv.retry.Visible(), tv.listOn.Disabled(), tv.note.Text)
	}
	pickList(tv, "Newsletter Subscribers")
	if tv.model.List.ID != marketotest.SeedListID {
		t.Errorf("the list picked after reading again: %+v", tv.model.List)
	}
}

// TestTargetListStepRetried: when Marketo refuses the list step, the rows
// are created yet said to be not added; they need attention, and Retry
// adds them without syncing them again.
func TestTargetListStepRetried(t *testing.T) {
	h := marketotest.NewHandler(marketotest.DefaultConfig())
	var down atomic.Bool
	down.Store(true)
	addPath := fmt.Sprintf("/v1/lists/%d/leads.json", marketotest.SeedListID)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, addPath) {
			// Marketo's answer while the list's workspace is out of the API
			// user's reach, until an admin grants it.
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"requestId":"e42b#1","success":false,"errors":[{"code":"1013","message":"Static list not found"}]}`)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer front.Close()
	h.URL = front.URL
	ui, loop := openWithAccount(t, h, marketo.Budget{}, leadsCSV(3))
	tv := ui.mapping.target
	loop.pump(t, "the account's lists", func() bool { return tv.model.Catalog() != nil })
	pickList(tv, "Newsletter Subscribers")
	ids := runTargeted(t, ui, loop, "then adds them to the list “Newsletter Subscribers”")
	v := ui.sync
	p := v.model.Progress()
	if p.Totals.Created != 3 || p.Totals.ListNotAdded != 3 || cellText(t, v, 0, colList) != "Not added yet: run the same file again to add it" {
		t.Fatalf("with the list step refused: %+v, row 2's list %q", p.Totals, cellText(t, v, 0, colList))
	}
	v.filter.SetSelected("Only rows that need attention")
	if n := v.rowCount(); n != 3 {
		t.Errorf("%d rows need attention, want the 3 not added", n)
	}
	if v.retry.Disabled() {
		t.Fatal("Retry is disabled with leads not added to the list")
	}
	syncs := leadsCalls(h)
	down.Store(false)
	test.Tap(v.retry)
	loop.pump(t, "the retry", func() bool { return !v.running })
	v.refresh()
	if p := v.model.Progress(); p.Totals.ListAdded != 3 || p.Totals.Created != 3 || v.rowCount() != 0 {
		t.Errorf("after the retry: %+v, %d rows need attention", p.Totals, v.rowCount())
	}
	if n := leadsCalls(h); n != syncs {
		t.Errorf("the retry synced the leads again (%d more calls)", n-syncs)
	}
	members, err := sandboxREST(t, h).ListMembers(context.Background(), marketotest.SeedListID)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(members)
	if want := sortedValues(ids); !slices.Equal(members, want) {
		t.Errorf("list members %v, want %v", members, want)
	}
}

// TestTargetPartition: an instance with partitions offers them, and the
// leads a run creates go into the one picked; one without offers none.
func TestTargetPartition(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.Partitions = []marketotest.Partition{{Name: "Europe"}}
	in := filepath.Join(t.TempDir(), "fair.csv")
	if err := os.WriteFile(in, []byte(leadsCSV(2)), 0o600); err != nil {
		t.Fatal(err)
	}
	ui, loop := newTestApp(t, Options{Sandbox: true, SandboxConfig: &cfg, Open: in})
	tv := ui.mapping.target
	loop.pump(t, "the partitions", func() bool { return tv.model.Catalog() != nil && ui.sess.pre != nil })
	if !tv.partRow.Visible() || !slices.Equal(tv.partition.Options, []string{viewmodel.PartitionDefault, "Default", "Europe"}) {
		t.Fatalf("partition picker shown %v, options %q", tv.partRow.Visible(), tv.partition.Options)
	}
	tv.partition.SetSelected("Europe")
	loop.pump(t, "the plan for Europe", func() bool {
		p := ui.sync.plan
		return p != nil && p.Target.Partition == "Europe" && quotaKnown(ui)
	})
	ui.show(stepSync)
	if got := ui.sync.planLabel.Text; !strings.HasSuffix(got, "new people go into the partition “Europe”") {
		t.Errorf("the plan line says %q", got)
	}
	test.Tap(ui.sync.start)
	loop.pump(t, "the run to end", func() bool { return !ui.sync.running })
	found, err := sandboxREST(t, ui.accounts.sandbox).FindLeads(context.Background(), "email",
		[]string{"lead0000@example.com", "lead0001@example.com"}, []string{"leadPartitionId"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[0].Fields["leadPartitionId"] != "2" || found[1].Fields["leadPartitionId"] != "2" {
		t.Errorf("the leads made: %+v; want both in Europe (partition 2)", found)
	}
}
