package marketotest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// partitioned is a sandbox with EMEA (in workspace Default), APAC (in
// workspace Asia) and Hidden, whose one lead, hidden@example.com, was
// made before the API user lost access to Hidden.
func partitioned(t *testing.T, tweak func(*Config)) (*Server, *testClock, string) {
	t.Helper()
	srv, clock := newTestServer(t, func(c *Config) {
		c.Partitions = []Partition{{Name: "EMEA", Description: "Europe"}, {Name: "APAC", Workspace: "Asia"}, {Name: "Hidden"}}
		if tweak != nil {
			tweak(c)
		}
	})
	token := mustToken(t, srv)
	mustSyncREST(t, srv, token, `{"partitionName":"Hidden","input":[{"email":"hidden@example.com"}]}`)
	srv.Configure(func(c *Config) { c.DeniedPartitions = append(c.DeniedPartitions, "Hidden") })
	return srv, clock, token
}

// partitionOf is the leadPartitionId of the stored lead with email.
func partitionOf(t *testing.T, srv *Server, email string) int {
	t.Helper()
	l, ok := leadByEmail(srv.Leads(), email)
	if !ok {
		t.Fatalf("no lead %s", email)
	}
	return l.PartitionID
}

// TestPartitionsDefault: without configuration there is one partition,
// Default, as Marketo names its first, and every lead is in it.
func TestPartitionsDefault(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)
	a := api(t, srv, token, http.MethodGet, "/rest/v1/leads/partitions.json", "", "")
	if !a.Success || len(a.Result) != 1 || string(a.Result[0]["id"]) != "1" || string(a.Result[0]["name"]) != `"Default"` ||
		string(a.Result[0]["description"]) != `"Initial system lead partition"` || len(a.Result[0]) != 3 {
		t.Fatalf("Get Lead Partitions: %s", a.body)
	}
	mustSyncREST(t, srv, token, `{"input":[{"email":"d@example.com"}]}`)
	_, f, body := find(t, srv, token, map[string][]string{"filterType": {"email"}, "filterValues": {"d@example.com"}, "fields": {"leadPartitionId"}}, false)
	if len(f.Result) != 1 || string(f.Result[0]["leadPartitionId"]) != "1" || partitionOf(t, srv, "d@example.com") != 1 {
		t.Errorf("leadPartitionId: %s", body)
	}
	if status, r := postLeads(t, srv, token, `{"input":[{"email":"d@example.com","leadPartitionId":2}]}`); status != http.StatusOK ||
		r.Result[0].Status != "skipped" || r.Result[0].Reasons[0].Code != "1003" {
		t.Errorf("writing leadPartitionId: %+v, want it refused as read-only", r)
	}
	if a := api(t, srv, token, http.MethodPost, "/rest/v1/leads/partitions.json", jsonType, `{"input":[]}`); a.code() != "605" {
		t.Errorf("Update Lead Partition: %s, want 605 (not emulated)", a.body)
	}
}

// TestPartitionsSyncLeads: partitionName with createOnly and
// createOrUpdate, keys matched across partitions (1010 for a match in
// another one, 1008 for one in a denied one), as doc.go reads leads.md
// and error-codes.md.
func TestPartitionsSyncLeads(t *testing.T) {
	srv, _, token := partitioned(t, nil)
	steps := []struct {
		name, body      string
		status, code    string
		message         string
		email           string // whose stored partition is checked
		partition       int
		callLevelFailed bool
	}{
		{"new lead in EMEA", `{"partitionName":"EMEA","input":[{"email":"e@example.com"}]}`, "created", "", "", "e@example.com", 2, false},
		{"same key, same partition", `{"action":"createOrUpdate","partitionName":"EMEA","input":[{"email":"E@example.com","firstName":"Eva"}]}`, "updated", "", "", "e@example.com", 2, false},
		{"same key from Default", `{"input":[{"email":"e@example.com"}]}`, "skipped", "1010", "Partition update not allowed", "e@example.com", 2, false},
		{"createOnly from Default", `{"action":"createOnly","input":[{"email":"e@example.com"}]}`, "skipped", "1005", "Lead already exists", "", 0, false},
		{"updateOnly reaches any partition", `{"action":"updateOnly","input":[{"email":"e@example.com","lastName":"Ek"}]}`, "updated", "", "", "e@example.com", 2, false},
		{"denied partitionName", `{"partitionName":"Hidden","input":[{"email":"n@example.com"}]}`, "skipped", "1008", "Access denied to partition 'Hidden'", "", 0, false},
		{"unknown partitionName", `{"action":"createOnly","partitionName":"Mars","input":[{"email":"n@example.com"}]}`, "skipped", "1008", "Access denied to partition 'Mars'", "", 0, false},
		{"a match in a denied partition", `{"input":[{"email":"hidden@example.com"}]}`, "skipped", "1008", "Access denied to partition 'Hidden'", "", 0, false},
		{"updateOnly of a denied lead", `{"action":"updateOnly","input":[{"email":"hidden@example.com","firstName":"x"}]}`, "skipped", "1008", "Access denied to partition 'Hidden'", "", 0, false},
		{"createOnly on a denied lead", `{"action":"createOnly","input":[{"email":"hidden@example.com"}]}`, "skipped", "1008", "Access denied to partition 'Hidden'", "", 0, false},
		{"a workspace's partition", `{"partitionName":"APAC","input":[{"email":"a@example.com"}]}`, "created", "", "", "a@example.com", 3, false},
		{"createDuplicate goes to Default", `{"action":"createDuplicate","input":[{"email":"a@example.com"}]}`, "created", "", "", "", 0, false},
		{"updateOnly with partitionName", `{"action":"updateOnly","partitionName":"EMEA","input":[{"email":"e@example.com"}]}`, "", "1003", "", "", 0, true},
		{"createDuplicate with partitionName", `{"action":"createDuplicate","partitionName":"EMEA","input":[{"email":"x@example.com"}]}`, "", "1003", "", "", 0, true},
	}
	for _, s := range steps {
		status, a := postLeads(t, srv, token, s.body)
		if status != http.StatusOK {
			t.Fatalf("%s: HTTP %d", s.name, status)
		}
		if s.callLevelFailed {
			if a.Success || a.Errors[0].Code != s.code {
				t.Errorf("%s: %+v, want call-level %s", s.name, a, s.code)
			}
			continue
		}
		if !a.Success || len(a.Result) != 1 {
			t.Fatalf("%s: %+v", s.name, a)
		}
		r := a.Result[0]
		code, message := "", ""
		if len(r.Reasons) == 1 {
			code, message = r.Reasons[0].Code, r.Reasons[0].Message
		}
		if r.Status != s.status || code != s.code || message != s.message {
			t.Errorf("%s: %+v, want %s %s %q", s.name, r, s.status, s.code, s.message)
		}
		if s.email != "" {
			if p := partitionOf(t, srv, s.email); p != s.partition {
				t.Errorf("%s: %s is in partition %d, want %d", s.name, s.email, p, s.partition)
			}
		}
	}
	if l, _ := leadByEmail(srv.Leads(), "e@example.com"); l.Fields["FirstName"] != "Eva" || l.Fields["LastName"] != "Ek" {
		t.Errorf("EMEA lead %+v", l)
	}

	// The API user sees neither Hidden nor its lead.
	a := api(t, srv, token, http.MethodGet, "/rest/v1/leads/partitions.json", "", "")
	if !slices.Equal(a.ints(t, "id"), []int{1, 2, 3}) || string(a.Result[1]["description"]) != `"Europe"` {
		t.Errorf("Get Lead Partitions: %s", a.body)
	}
	_, f, body := find(t, srv, token, map[string][]string{"filterType": {"email"},
		"filterValues": {"e@example.com,a@example.com,hidden@example.com"}, "fields": {"email,leadPartitionId"}}, false)
	got := map[string]string{}
	for _, r := range f.Result {
		var e string
		json.Unmarshal(r["email"], &e) //nolint:errcheck // compared below
		got[e+"/"+string(r["leadPartitionId"])] = ""
	}
	if len(f.Result) != 3 || len(got) != 3 {
		t.Errorf("lookups: %s, want e in 2, a in 3 and in 1 (its duplicate), no hidden lead", body)
	}
	for _, k := range []string{"e@example.com/2", "a@example.com/3", "a@example.com/1"} {
		if _, ok := got[k]; !ok {
			t.Errorf("lookups lack %s: %s", k, body)
		}
	}
	parts := srv.Partitions()
	if len(parts) != 4 || parts[3].Name != "Hidden" || !parts[3].Denied || parts[2].Workspace != "Asia" || parts[0].Denied {
		t.Errorf("Partitions() = %+v", parts)
	}
}

// TestDedupeWithinPartition: with the partition among the dedupe rules,
// one email can have a lead in each partition.
func TestDedupeWithinPartition(t *testing.T) {
	srv, _, token := partitioned(t, func(c *Config) { c.DedupeWithinPartition = true })
	for _, s := range []struct {
		body, status string
		id           int
	}{
		{`{"partitionName":"EMEA","input":[{"email":"twin@example.com"}]}`, "created", firstLeadID + 1},
		{`{"input":[{"email":"twin@example.com"}]}`, "created", firstLeadID + 2},
		{`{"partitionName":"EMEA","input":[{"email":"twin@example.com","firstName":"Eu"}]}`, "updated", firstLeadID + 1},
		{`{"action":"createOnly","input":[{"email":"twin@example.com"}]}`, "skipped", 0},
	} {
		_, a := postLeads(t, srv, token, s.body)
		if r := a.Result[0]; r.Status != s.status || r.ID != s.id {
			t.Errorf("%s: %+v, want %s %d", s.body, r, s.status, s.id)
		}
	}
	// updateOnly names no partition, so it sees both twins.
	_, a := postLeads(t, srv, token, `{"action":"updateOnly","input":[{"email":"twin@example.com"}]}`)
	if a.Result[0].Reasons[0].Code != "1007" {
		t.Errorf("updateOnly on twins: %+v, want 1007", a.Result[0])
	}
}

// TestDefaultPartitionDenied: an API user without the Default partition
// must name one (1009) for anything that creates leads.
func TestDefaultPartitionDenied(t *testing.T) {
	srv, _, token := partitioned(t, nil)
	mustSyncREST(t, srv, token, `{"partitionName":"EMEA","input":[{"email":"e@example.com"}]}`)
	srv.Configure(func(c *Config) { c.DeniedPartitions = append(c.DeniedPartitions, "Default") })
	for _, s := range []struct{ body, status, code string }{
		{`{"input":[{"email":"n@example.com"}]}`, "skipped", "1009"},
		{`{"action":"createDuplicate","input":[{"email":"n@example.com"}]}`, "skipped", "1009"},
		{`{"partitionName":"EMEA","input":[{"email":"n@example.com"}]}`, "created", ""},
		{`{"action":"updateOnly","input":[{"email":"e@example.com","firstName":"Eva"}]}`, "updated", ""},
	} {
		_, a := postLeads(t, srv, token, s.body)
		r := a.Result[0]
		if r.Status != s.status || (s.code != "" && (len(r.Reasons) != 1 || r.Reasons[0].Code != s.code ||
			r.Reasons[0].Message != "Partition name must be specified")) {
			t.Errorf("%s: %+v, want %s %s", s.body, r, s.status, s.code)
		}
	}
	if a := api(t, srv, token, http.MethodGet, "/rest/v1/leads/partitions.json", "", ""); !slices.Equal(a.ints(t, "id"), []int{2, 3}) {
		t.Errorf("Get Lead Partitions: %s", a.body)
	}
	csv := []byte("email\nbulk@example.com\n")
	if a := bulkImport(t, srv, token, "format=csv", csv); a.Success || a.Errors[0].Code != "1009" {
		t.Errorf("bulk without partitionName: %+v, want 1009", a)
	}
	mustImport(t, srv, token, "format=csv&partitionName=EMEA", csv)
	mustImport(t, srv, token, "format=csv&lookupField=id", []byte(fmt.Sprintf("id,firstName\n%d,Ida\n", firstLeadID+1)))
}

// TestListsAndProgramsFollowWorkspaces: a list or program takes members
// only from its workspace's partitions (1004 otherwise), and leads of a
// denied partition are left out of their answers.
func TestListsAndProgramsFollowWorkspaces(t *testing.T) {
	srv, _, token := partitioned(t, nil)
	hidden := firstLeadID
	srv.Configure(func(c *Config) { c.DeniedPartitions = nil })
	if a := api(t, srv, token, http.MethodPost, fmt.Sprintf("/rest/v1/lists/%d/leads.json?id=%d", SeedListID, hidden), "", ""); !slices.Equal(a.strs(t, "status"), []string{"added"}) {
		t.Fatalf("adding the lead of Hidden while it may be seen: %s", a.body)
	}
	srv.Configure(func(c *Config) { c.DeniedPartitions = []string{"Hidden"} })
	mustSyncREST(t, srv, token, `{"partitionName":"APAC","input":[{"email":"asia@example.com"}]}`)
	mustSyncREST(t, srv, token, `{"input":[{"email":"home@example.com"}]}`)
	asia, home := firstLeadID+1, firstLeadID+2
	created := api(t, srv, token, http.MethodPost, "/rest/asset/v1/staticLists.json", formType, `name=Asia+Leads&folder={"id":101,"type":"Folder"}`)
	asiaList := created.ints(t, "id")[0]

	for _, c := range []struct {
		name, path, want string
	}{
		{"a lead of Asia to a Default list", fmt.Sprintf("/rest/v1/lists/%d/leads.json?id=%d", SeedListID, asia), "skipped"},
		{"a Default lead to an Asia list", fmt.Sprintf("/rest/v1/lists/%d/leads.json?id=%d", asiaList, home), "skipped"},
		{"a lead of Asia to an Asia list", fmt.Sprintf("/rest/v1/lists/%d/leads.json?id=%d", asiaList, asia), "added"},
		{"a denied lead", fmt.Sprintf("/rest/v1/lists/%d/leads.json?id=%d", SeedListID, hidden), "skipped"},
	} {
		a := api(t, srv, token, http.MethodPost, c.path, "", "")
		if got := a.strs(t, "status"); !slices.Equal(got, []string{c.want}) || (c.want == "skipped" && !strings.Contains(a.body, `"code":"1004"`)) {
			t.Errorf("%s: %s, want %s", c.name, a.body, c.want)
		}
	}
	// The denied lead joined the list before the API user lost access; it
	// is a member still, but no answer shows it.
	if got := srv.Lists()[0].Members; !slices.Equal(got, []int{hidden}) {
		t.Errorf("stored members %v", got)
	}
	if a := api(t, srv, token, http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads.json", SeedListID), "", ""); !a.Success || len(a.Result) != 0 {
		t.Errorf("members shown: %s", a.body)
	}
	if a := api(t, srv, token, http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads/ismember.json?id=%d", SeedListID, hidden), "", ""); !strings.Contains(a.body, `"code":"1004"`) {
		t.Errorf("ismember of a denied lead: %s", a.body)
	}
	_, got := setStatus(t, srv, token, SeedProgramID, "Invited", asia, home, hidden)
	if len(got) != 3 || got[0].Status != "skipped" || got[0].Reasons[0].Code != "1004" || got[1].Status != "created" || got[2].Reasons[0].Code != "1004" {
		t.Errorf("program members from other partitions: %+v", got)
	}
}

// TestBulkImportListAndPartition: listId names a list the rows' leads
// join as they are applied, one import per list at a time (1019);
// partitionName puts the rows in a partition.
func TestBulkImportListAndPartition(t *testing.T) {
	srv, clock, token := partitioned(t, func(c *Config) { c.BulkImportDelay = time.Second; c.BulkRowTime = time.Second })
	mustSyncREST(t, srv, token, `{"input":[{"email":"old@example.com"}]}`)
	old := firstLeadID + 1
	file := []byte("email,firstName\nold@example.com,Olga\nnew@example.com,Nils\n,Nobody\n")
	list := fmt.Sprintf("format=csv&listId=%d", SeedListID)

	for _, e := range []struct{ name, query, code, message string }{
		{"an unknown list", "format=csv&listId=42", "1013", "Static list not found: no list has id 42"},
		{"a denied partition", "format=csv&partitionName=Hidden", "1008", "Access denied to partition 'Hidden'"},
		{"an unknown partition", "format=csv&partitionName=Mars", "1008", "Access denied to partition 'Mars'"},
	} {
		if a := bulkImport(t, srv, token, e.query, file); a.Success || a.Errors[0].Code != e.code || a.Errors[0].Message != e.message {
			t.Errorf("%s: %+v, want %s %q", e.name, a, e.code, e.message)
		}
	}
	first := mustImport(t, srv, token, list, file)
	if a := bulkImport(t, srv, token, list, file); a.Success || a.Errors[0].Code != "1019" || a.Errors[0].Message != "Import in progress" {
		t.Errorf("a second import to the list while the first is queued: %+v, want 1019", a)
	}
	mustImport(t, srv, token, fmt.Sprintf("format=csv&listId=%d", SeedProgramListID), []byte("email\nother@example.com\n"))

	// Queued 1 s, then a row a second: after 2.5 s one row is applied.
	clock.Advance(2500 * time.Millisecond)
	if got := srv.Lists()[0].Members; !slices.Equal(got, []int{old}) {
		t.Errorf("members after the first row: %v, want %v", got, []int{old})
	}
	if a := bulkImport(t, srv, token, list, file); a.Success || a.Errors[0].Code != "1019" {
		t.Errorf("a second import to the list while the first is importing: %+v, want 1019", a)
	}
	clock.Advance(time.Minute)
	token = mustToken(t, srv)
	newLead, _ := leadByEmail(srv.Leads(), "new@example.com")
	newID := newLead.ID
	if got := srv.Lists()[0].Members; !slices.Equal(got, []int{old, newID}) {
		t.Errorf("members after the import: %v, want the two leads of rows imported", got)
	}
	if st := bulkStatus(t, srv, token, first); st.Status != bulkComplete || st.NumOfLeadsProcessed != 2 || st.NumOfRowsFailed != 1 ||
		st.Message != "Import completed with errors, 2 records imported (2 members), 1 failed" {
		t.Errorf("status %+v", st)
	}
	if got := srv.Lists()[1].Members; len(got) != 1 {
		t.Errorf("the other list's import: %v", got)
	}
	again := mustImport(t, srv, token, list, []byte("email\nold@example.com\n"))
	if again == first {
		t.Fatal("same batch")
	}

	// Into EMEA: a new lead goes there; a key whose lead is in Default
	// fails the row, as createOrUpdate skips it.
	emea := mustImport(t, srv, token, "format=csv&partitionName=EMEA", []byte("email\neu@example.com\nold@example.com\n"))
	clock.Advance(time.Minute)
	if p := partitionOf(t, srv, "eu@example.com"); p != 2 {
		t.Errorf("eu@example.com is in partition %d, want 2", p)
	}
	rows := bulkFile(t, srv, token, emea, "failures", ',')
	if len(rows) != 2 || rows[1][0] != "old@example.com" || rows[1][1] != "Partition update not allowed" {
		t.Errorf("failures %v", rows)
	}
}

// TestCatalogCallsAreOrdinaryCalls: every new call needs a token, counts
// against the quota under its own name in Stats, and suffers injected
// trouble like Sync Leads: a time-out applies nothing, an "apply then
// 5xx" applies all.
func TestCatalogCallsAreOrdinaryCalls(t *testing.T) {
	calls := []struct{ op, method, path, contentType, body string }{
		{"REST lists.json", http.MethodGet, "/rest/v1/lists.json", "", ""},
		{"REST lists/{id}.json", http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d.json", SeedListID), "", ""},
		{"REST add to list", http.MethodPost, fmt.Sprintf("/rest/v1/lists/%d/leads.json", SeedListID), jsonType, fmt.Sprintf(`{"input":[{"id":%d}]}`, firstLeadID)},
		{"REST ismember.json", http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads/ismember.json?id=%d", SeedListID, firstLeadID), "", ""},
		{"REST list leads", http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads.json", SeedListID), "", ""},
		{"REST remove from list", http.MethodDelete, fmt.Sprintf("/rest/v1/lists/%d/leads.json?id=%d", SeedListID, firstLeadID), "", ""},
		{"REST partitions.json", http.MethodGet, "/rest/v1/leads/partitions.json", "", ""},
		{"REST program members status", http.MethodPost, fmt.Sprintf("/rest/v1/programs/%d/members/status.json", SeedProgramID), jsonType, fmt.Sprintf(`{"statusName":"Invited","input":[{"leadId":%d}]}`, firstLeadID)},
		{"REST program members", http.MethodGet, fmt.Sprintf("/rest/v1/programs/%d/members.json?filterType=leadId&filterValues=%d", SeedProgramID, firstLeadID), "", ""},
		{"REST program members describe", http.MethodGet, "/rest/v1/programs/members/describe.json", "", ""},
		{"REST asset staticLists.json", http.MethodGet, "/rest/asset/v1/staticLists.json", "", ""},
		{"REST asset create static list", http.MethodPost, "/rest/asset/v1/staticLists.json", formType, `name=Counted&folder=12`},
		{"REST asset staticList/byName.json", http.MethodGet, "/rest/asset/v1/staticList/byName.json?name=Counted", "", ""},
		{"REST asset folders.json", http.MethodGet, "/rest/asset/v1/folders.json", "", ""},
		{"REST asset programs.json", http.MethodGet, "/rest/asset/v1/programs.json", "", ""},
		{"REST asset channels.json", http.MethodGet, "/rest/asset/v1/channels.json", "", ""},
	}
	srv, _ := newTestServer(t, func(c *Config) { c.DailyQuota = len(calls) + 2 })
	token := mustToken(t, srv)
	syncEmails(t, srv, token, "counted@example.com")
	for _, c := range calls {
		if a := api(t, srv, token, c.method, c.path, c.contentType, c.body); !a.Success {
			t.Fatalf("%s: %s", c.op, a.body)
		}
		if a := api(t, srv, "not-a-token", c.method, c.path, c.contentType, c.body); a.code() != "601" {
			t.Errorf("%s without a token: %s", c.op, a.body)
		}
	}
	st := srv.Stats()
	for _, c := range calls {
		if st.Calls[c.op] != 2 {
			t.Errorf("Stats counted %d %q calls, want 2 (one refused); %v", st.Calls[c.op], c.op, st.Calls)
		}
	}
	if st.Admitted != len(calls)+1 {
		t.Errorf("admitted %d, want %d", st.Admitted, len(calls)+1)
	}
	if a := api(t, srv, token, http.MethodGet, "/rest/v1/lists.json", "", ""); !a.Success {
		t.Errorf("the last call of the quota: %s", a.body)
	}
	if a := api(t, srv, token, http.MethodGet, "/rest/v1/lists.json", "", ""); a.code() != "607" {
		t.Errorf("a call over the quota: %s, want 607", a.body)
	}

	srv.Configure(func(c *Config) { c.DailyQuota = 0 })
	add := func() (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+fmt.Sprintf("/rest/v1/lists/%d/leads.json?id=%d", SeedListID, firstLeadID), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tr := range []struct {
		name   string
		faults Faults
		status int    // 0: any 5xx
		body   string // in the answer of a 200
		member bool
	}{
		{"5xx at the gateway", Faults{FaultRate5xx: 1}, 0, "", false},
		{"604 time-out", Faults{TimeoutRate: 1}, http.StatusOK, `"code":"604"`, false},
		{"applied, then 5xx", Faults{ApplyThen5xxRate: 1}, 0, "", true},
	} {
		srv.SetFaults(tr.faults)
		status, body := add()
		if (tr.status == 0 && status < 500) || (tr.status != 0 && (status != tr.status || !strings.Contains(body, tr.body))) {
			t.Errorf("%s: HTTP %d %s", tr.name, status, body)
		}
		if got := len(srv.Lists()[0].Members) == 1; got != tr.member {
			t.Errorf("%s: member %v, want %v", tr.name, got, tr.member)
		}
	}
}

// TestMainPartitionFlags: --partition and --deny-partition reach the
// sandbox, whose inspection pages show partitions, lists and programs.
func TestMainPartitionFlags(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"--addr", "127.0.0.1:0", "--partition", "EMEA", "--partition", "APAC:Asia", "--deny-partition", "APAC"}, outW, io.Discard)
		outW.Close()
	}()
	root := ""
	sc := bufio.NewScanner(outR)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Partitions:"); ok {
			root = strings.TrimSuffix(strings.TrimSpace(v), "/sandbox/partitions")
			break
		}
	}
	go io.Copy(io.Discard, outR) //nolint:errcheck // drain the rest
	if root == "" {
		t.Fatal("Main did not print the partitions page")
	}
	get := func(path string, v any) {
		t.Helper()
		resp, err := http.Get(root + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var parts []LeadPartition
	get("/sandbox/partitions", &parts)
	want := []LeadPartition{{1, "Default", defaultPartitionDescription, "Default", false}, {2, "EMEA", "", "Default", false}, {3, "APAC", "", "Asia", true}}
	if !slices.Equal(parts, want) {
		t.Errorf("/sandbox/partitions = %+v, want %+v", parts, want)
	}
	var lists []StaticList
	get("/sandbox/lists", &lists)
	var programs []Program
	get("/sandbox/programs", &programs)
	if len(lists) != 2 || lists[0].ID != SeedListID || len(programs) != 1 || programs[0].Channel != "Webinar" {
		t.Errorf("/sandbox/lists = %+v, /sandbox/programs = %+v", lists, programs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Main: %v", err)
	}
}
