package marketotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// idOutcome is one record of a Delete Leads or list membership answer: the
// id, the status and the code of its one reason, if skipped.
type idOutcome struct {
	id     int
	status string
	code   string
}

func idOutcomes(t *testing.T, a apiAnswer) []idOutcome {
	t.Helper()
	out := []idOutcome{}
	for _, rec := range a.Result {
		raw, _ := json.Marshal(rec)
		var r struct {
			ID      int         `json:"id"`
			Status  string      `json:"status"`
			Reasons []restError `json:"reasons"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		o := idOutcome{id: r.ID, status: r.Status}
		if len(r.Reasons) > 0 {
			o.code = r.Reasons[0].Code
		}
		out = append(out, o)
	}
	return out
}

// syncIDs runs one Sync Leads call and returns the ids of its records,
// each of which must have been created or updated.
func syncIDs(t *testing.T, srv *Server, token, body string) []int {
	t.Helper()
	status, a := postLeads(t, srv, token, body)
	if status != http.StatusOK || !a.Success {
		t.Fatalf("sync %s: HTTP %d %+v", body, status, a)
	}
	var ids []int
	for _, r := range a.Result {
		if r.Status != "created" && r.Status != "updated" {
			t.Fatalf("sync %s: %+v", body, a)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

// findIDs runs Get Leads by Filter Type and returns the ids it found.
func findIDs(t *testing.T, srv *Server, token, filterType, value string) []int {
	t.Helper()
	status, a, body := find(t, srv, token, url.Values{"filterType": {filterType}, "filterValues": {value}, "fields": {"id"}}, false)
	if status != http.StatusOK || !a.Success {
		t.Fatalf("find %s=%s: HTTP %d %s", filterType, value, status, body)
	}
	ids := []int{}
	for _, rec := range a.Result {
		var id int
		if err := json.Unmarshal(rec["id"], &id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func deleteBody(ids ...int) string {
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = fmt.Sprintf(`{"id":%d}`, id)
	}
	return `{"input":[` + strings.Join(in, ",") + `]}`
}

const deletePath = "/rest/v1/leads/delete.json"

// TestDeleteLeadsTakesTheLeadOutOfEverything: a deleted lead answers as
// leads.md's example does, and is gone from every lookup, list and
// program; its keys match nothing, so a sync creates it anew with a new
// id; deleting it again is 1004.
func TestDeleteLeadsTakesTheLeadOutOfEverything(t *testing.T) {
	srv, _ := newTestServer(t, func(c *Config) {
		c.CustomFields = []FieldDef{{RESTName: "memberNo", DataType: TypeInteger, Searchable: true}}
	})
	token := mustToken(t, srv)
	ids := syncIDs(t, srv, token, `{"input":[{"email":"gone@example.com","memberNo":7},{"email":"also@example.com","memberNo":8},{"email":"kept@example.com","memberNo":9}]}`)
	gone, also, kept := ids[0], ids[1], ids[2]
	list := fmt.Sprintf("/rest/v1/lists/%d/leads.json", SeedListID)
	if a := api(t, srv, token, http.MethodPost, list, jsonType, deleteBody(gone, also, kept)); !a.Success {
		t.Fatalf("add to list: %s", a.body)
	}
	if a, _ := setStatus(t, srv, token, SeedProgramID, "Invited", gone, also, kept); !a.Success {
		t.Fatalf("program status: %s", a.body)
	}

	const missing = 999999
	a := api(t, srv, token, http.MethodPost, deletePath, jsonType, fmt.Sprintf(`{"input":[{"id":%d},{"id":%d},{"id":%d},{"id":"%d"}]}`, gone, missing, gone, also))
	want := []idOutcome{{gone, "deleted", ""}, {missing, "skipped", "1004"}, {gone, "skipped", "1004"}, {also, "deleted", ""}}
	if !a.Success || !slices.Equal(idOutcomes(t, a), want) {
		t.Fatalf("delete = %s, want %v", a.body, want)
	}
	if got := keys(a.Result[0]); !slices.Equal(got, sortedKeys("id", "status")) {
		t.Errorf("a deleted record has %v, want the docs' id and status", got)
	}
	if got := keys(a.Result[1]); !slices.Equal(got, sortedKeys("id", "status", "reasons")) {
		t.Errorf("a skipped record has %v", got)
	}
	if msg := string(a.Result[1]["reasons"]); msg != `[{"code":"1004","message":"Lead not found"}]` {
		t.Errorf("reasons %s", msg)
	}

	for _, f := range []struct{ filterType, value string }{
		{"email", "gone@example.com"}, {"email", "also@example.com"}, {"id", fmt.Sprint(gone)}, {"memberNo", "7"}, {"memberNo", "8"},
	} {
		if got := findIDs(t, srv, token, f.filterType, f.value); len(got) != 0 {
			t.Errorf("Get Leads by %s=%s still finds %v", f.filterType, f.value, got)
		}
	}
	if got := findIDs(t, srv, token, "id", fmt.Sprintf("%d,%d,%d", gone, also, kept)); !slices.Equal(got, []int{kept}) {
		t.Errorf("Get Leads by id finds %v, want only %d", got, kept)
	}
	if got := api(t, srv, token, http.MethodGet, list+"?fields=id", "", ""); !slices.Equal(got.ints(t, "id"), []int{kept}) {
		t.Errorf("Get Leads by List Id = %s, want only %d", got.body, kept)
	}
	members := api(t, srv, token, http.MethodGet, fmt.Sprintf("/rest/v1/programs/%d/members.json?filterType=statusName&filterValues=Invited", SeedProgramID), "", "")
	if !slices.Equal(members.ints(t, "leadId"), []int{kept}) {
		t.Errorf("Get Program Members = %s, want only %d", members.body, kept)
	}
	if got := srv.Lists()[0].Members; !slices.Equal(got, []int{kept}) {
		t.Errorf("the store's list holds %v", got)
	}
	for _, p := range srv.Programs() {
		if p.ID == SeedProgramID && (len(p.Members) != 1 || p.Members[0].LeadID != kept) {
			t.Errorf("the store's program holds %+v", p.Members)
		}
	}
	if l := srv.Leads(); len(l) != 1 || l[0].ID != kept {
		t.Errorf("Leads = %+v, want only %d", l, kept)
	}
	resp, err := http.Get(srv.URL + "/sandbox/leads")
	if err != nil {
		t.Fatal(err)
	}
	var dump []Lead
	err = json.NewDecoder(resp.Body).Decode(&dump)
	resp.Body.Close()
	if err != nil || len(dump) != 1 || dump[0].ID != kept {
		t.Errorf("/sandbox/leads = %+v, %v", dump, err)
	}

	// Every call that names a lead by id answers 1004 for it.
	for _, c := range []struct{ name, method, path, body string }{
		{"add to list", http.MethodPost, list, deleteBody(gone)},
		{"remove from list", http.MethodDelete, list, deleteBody(gone)},
		{"member of list", http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads/ismember.json?id=%d", SeedListID, gone), ""},
		{"delete again", http.MethodPost, deletePath, deleteBody(gone)},
	} {
		ct := ""
		if c.body != "" {
			ct = jsonType
		}
		if got := idOutcomes(t, api(t, srv, token, c.method, c.path, ct, c.body)); !slices.Equal(got, []idOutcome{{gone, "skipped", "1004"}}) {
			t.Errorf("%s: %v, want 1004", c.name, got)
		}
	}
	if _, st := setStatus(t, srv, token, SeedProgramID, "Registered", gone); len(st) != 1 || st[0].Status != "skipped" || st[0].Reasons[0].Code != "1004" {
		t.Errorf("program status of a deleted lead: %+v", st)
	}
	if status, r := postLeads(t, srv, token, fmt.Sprintf(`{"action":"updateOnly","lookupField":"id","input":[{"id":%d,"firstName":"Back"}]}`, gone)); status != http.StatusOK ||
		len(r.Result) != 1 || r.Result[0].Status != "skipped" || r.Result[0].Reasons[0].Code != "1004" {
		t.Errorf("updateOnly by the deleted id: %+v", r)
	}

	// Its email and searchable value are free again: a new lead, with an
	// id above every id given so far.
	again := syncIDs(t, srv, token, `{"input":[{"email":"gone@example.com","memberNo":7}]}`)
	if again[0] != kept+1 {
		t.Errorf("the email of a deleted lead synced as lead %d, want a new lead %d", again[0], kept+1)
	}
	if got := findIDs(t, srv, token, "memberNo", "7"); !slices.Equal(got, again) {
		t.Errorf("memberNo 7 finds %v, want the new lead %v", got, again)
	}

	st := srv.Stats()
	if st.Calls["REST delete leads"] != 2 || st.LeadsDeleted != 2 {
		t.Errorf("Stats: %d delete calls, %d leads deleted; want 2 and 2 (%v)", st.Calls["REST delete leads"], st.LeadsDeleted, st.Calls)
	}
}

// TestDeletedLeadsMatchNothingOverSOAPAndBulk: syncMultipleLeads and a
// bulk import find no deleted lead by Id, ForeignSysPersonId or email.
func TestDeletedLeadsMatchNothingOverSOAPAndBulk(t *testing.T) {
	srv, clock := newTestServer(t, nil)
	token := mustToken(t, srv)
	cfg := srv.Config()
	soap := func(records ...string) []string {
		t.Helper()
		_, body := postSOAP(t, srv, "", envelope(authHeader(cfg, clock.Now()), syncBody("true", records...)))
		var out []string
		for _, s := range decodeSync(t, body).Statuses {
			out = append(out, fmt.Sprintf("%s %d %s", s.Status, s.LeadID, s.Error.Text))
		}
		return out
	}
	const fspi = `<ForeignSysPersonId>crm-1</ForeignSysPersonId><ForeignSysType>CUSTOM</ForeignSysType>`
	first := soap(`<Email>soap@example.com</Email>`+fspi, `<Email>bulk@example.com</Email>`)
	if !slices.Equal(first, []string{fmt.Sprintf("CREATED %d ", firstLeadID), fmt.Sprintf("CREATED %d ", firstLeadID+1)}) {
		t.Fatalf("seeding: %v", first)
	}
	soapLead, bulkLead := firstLeadID, firstLeadID+1
	if got := idOutcomes(t, api(t, srv, token, http.MethodPost, deletePath, jsonType, deleteBody(soapLead, bulkLead))); got[0].status != "deleted" || got[1].status != "deleted" {
		t.Fatalf("delete: %v", got)
	}

	got := soap(fmt.Sprintf(`<Id>%d</Id>`, soapLead), fspi, `<Email>soap@example.com</Email>`)
	want := []string{
		fmt.Sprintf("FAILED %d Lead not found: no lead has Id %d", soapLead, soapLead),
		fmt.Sprintf("CREATED %d ", bulkLead+1), // the foreign id is free again
		fmt.Sprintf("CREATED %d ", bulkLead+2), // and the email, since the foreign id took no email
	}
	if !slices.Equal(got, want) {
		t.Errorf("SOAP after the delete: %q, want %q", got, want)
	}

	mustImport(t, srv, token, "format=csv", []byte("email,firstName\nbulk@example.com,Bo\n"))
	clock.Advance(time.Minute)
	l, ok := leadByEmail(srv.Leads(), "bulk@example.com")
	if !ok || l.ID != bulkLead+3 || l.Fields["FirstName"] != "Bo" {
		t.Errorf("a bulk row with a deleted lead's email: %+v, %v; want the new lead %d", l, ok, bulkLead+3)
	}
}

// TestDeleteLeadsRequests: the ids come in a JSON body or in id query
// parameters (the Swagger spec); malformed calls are refused call-level;
// a lead the API user may not see is not found.
func TestDeleteLeadsRequests(t *testing.T) {
	srv, _ := newTestServer(t, func(c *Config) { c.Partitions = []Partition{{Name: "Europe"}} })
	token := mustToken(t, srv)
	var in []string
	for i := range 8 {
		in = append(in, fmt.Sprintf(`{"email":"r%d@example.com"}`, i))
	}
	ids := syncIDs(t, srv, token, `{"input":[`+strings.Join(in, ",")+`]}`)
	hidden := syncIDs(t, srv, token, `{"partitionName":"Europe","input":[{"email":"eu@example.com"}]}`)[0]
	srv.Configure(func(c *Config) { c.DeniedPartitions = []string{"Europe"} })
	tooMany := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("%d,", ids[7]), 301), ",")

	tests := []struct {
		name, method, path, contentType, body string
		want                                  []idOutcome
		code                                  string
	}{
		{"ids repeated in the query", http.MethodPost, fmt.Sprintf("%s?id=%d&id=%d", deletePath, ids[0], ids[1]), "", "",
			[]idOutcome{{ids[0], "deleted", ""}, {ids[1], "deleted", ""}}, ""},
		{"ids comma-separated in the query", http.MethodPost, fmt.Sprintf("%s?id=%d,%d", deletePath, ids[2], ids[3]), "", "",
			[]idOutcome{{ids[2], "deleted", ""}, {ids[3], "deleted", ""}}, ""},
		{"ids as strings in the body", http.MethodPost, deletePath, jsonType, fmt.Sprintf(`{"input":[{"id":"%d"}]}`, ids[4]),
			[]idOutcome{{ids[4], "deleted", ""}}, ""},
		{"the body wins over the query", http.MethodPost, fmt.Sprintf("%s?id=%d", deletePath, ids[6]), jsonType, deleteBody(ids[5]),
			[]idOutcome{{ids[5], "deleted", ""}}, ""},
		{"a lead in a denied partition", http.MethodPost, deletePath, jsonType, deleteBody(hidden),
			[]idOutcome{{hidden, "skipped", "1004"}}, ""},
		{"no ids in the body", http.MethodPost, deletePath, jsonType, `{"input":[]}`, nil, "1002"},
		{"no ids at all", http.MethodPost, deletePath, "", "", nil, "1002"},
		{"301 ids", http.MethodPost, deletePath + "?id=" + tooMany, "", "", nil, "1003"},
		{"an id that is not a number", http.MethodPost, deletePath + "?id=x", "", "", nil, "1001"},
		{"a body that is not JSON", http.MethodPost, deletePath, "text/plain", deleteBody(ids[7]), nil, "612"},
		{"broken JSON", http.MethodPost, deletePath, jsonType, `{"input":[`, nil, "609"},
		{"GET", http.MethodGet, fmt.Sprintf("%s?id=%d", deletePath, ids[7]), "", "", nil, "605"},
		{"DELETE", http.MethodDelete, fmt.Sprintf("%s?id=%d", deletePath, ids[7]), "", "", nil, "605"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := api(t, srv, token, tt.method, tt.path, tt.contentType, tt.body)
			if a.code() != tt.code {
				t.Fatalf("code %q, want %q: %s", a.code(), tt.code, a.body)
			}
			if tt.code == "" && !slices.Equal(idOutcomes(t, a), tt.want) {
				t.Errorf("%v, want %v", idOutcomes(t, a), tt.want)
			}
		})
	}
	var left []int
	for _, l := range srv.Leads() {
		left = append(left, l.ID)
	}
	if want := []int{ids[6], ids[7], hidden}; !slices.Equal(left, want) {
		t.Errorf("leads left %v, want %v", left, want)
	}
	if st := srv.Stats(); st.LeadsDeleted != 6 || st.Calls["REST delete leads"] != len(tests) {
		t.Errorf("Stats: %d deleted in %d calls, want 6 in %d", st.LeadsDeleted, st.Calls["REST delete leads"], len(tests))
	}
}

// TestFindPagesSurviveDeletes: a page token holds the last id given, so
// a lead deleted from an earlier page moves no one past the next page.
func TestFindPagesSurviveDeletes(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)
	mustSyncREST(t, srv, token, `{"action":"createDuplicate","input":[{"email":"p@example.com"},{"email":"p@example.com"},{"email":"p@example.com"},{"email":"p@example.com"}]}`)
	q := url.Values{"filterType": {"email"}, "filterValues": {"p@example.com"}, "fields": {"id"}, "batchSize": {"2"}}
	_, first, body := find(t, srv, token, q, false)
	if len(first.Result) != 2 || !first.MoreResult {
		t.Fatalf("first page: %s", body)
	}
	api(t, srv, token, http.MethodPost, deletePath, jsonType, deleteBody(firstLeadID))
	q.Set("nextPageToken", first.NextPageToken)
	_, second, body := find(t, srv, token, q, false)
	var got []string
	for _, rec := range second.Result {
		got = append(got, string(rec["id"]))
	}
	if want := []string{fmt.Sprint(firstLeadID + 2), fmt.Sprint(firstLeadID + 3)}; !slices.Equal(got, want) || second.MoreResult {
		t.Errorf("second page after deleting a lead of the first: %s, want %v", body, want)
	}
}

// TestUpdatedAt: every write of a lead's fields moves its updatedAt, a
// write of the values it has included; memberships do not; and no two
// changes of a lead read the same updatedAt, even within one second or
// on a clock set back.
func TestUpdatedAt(t *testing.T) {
	srv, clock := newTestServer(t, nil)
	token := mustToken(t, srv)
	cfg := srv.Config()
	stamps := func(id int) (created, updated string) {
		t.Helper()
		_, a, body := find(t, srv, token, url.Values{"filterType": {"id"}, "filterValues": {fmt.Sprint(id)}, "fields": {"createdAt,updatedAt"}}, false)
		if len(a.Result) != 1 {
			t.Fatalf("lead %d: %s", id, body)
		}
		var c, u string
		if json.Unmarshal(a.Result[0]["createdAt"], &c) != nil || json.Unmarshal(a.Result[0]["updatedAt"], &u) != nil {
			t.Fatalf("lead %d: %s", id, body)
		}
		return c, u
	}
	soap := func(records ...string) {
		t.Helper()
		_, body := postSOAP(t, srv, "", envelope(authHeader(cfg, clock.Now()), syncBody("true", records...)))
		for _, s := range decodeSync(t, body).Statuses {
			if s.Status == "FAILED" {
				t.Fatalf("SOAP: %s", body)
			}
		}
	}
	id := syncIDs(t, srv, token, `{"input":[{"email":"u@example.com","firstName":"Ann"}]}`)[0]
	const fspi = `<ForeignSysPersonId>crm-9</ForeignSysPersonId><ForeignSysType>CUSTOM</ForeignSysType>`
	soap(`<Email>owner@example.com</Email>` + fspi)
	owner := id + 1
	list := fmt.Sprintf("/rest/v1/lists/%d/leads.json", SeedListID)

	steps := []struct {
		name    string
		do      func()
		lead    int
		updated string // "" for unchanged
	}{
		{"created: updatedAt is createdAt", func() {}, id, "2026-11-28T10:00:00Z"},
		{"the same values again, in the same second", func() {
			syncIDs(t, srv, token, `{"input":[{"email":"u@example.com","firstName":"Ann"}]}`)
		}, id, "2026-11-28T10:00:01Z"},
		{"a change, still in that second", func() {
			syncIDs(t, srv, token, `{"input":[{"email":"u@example.com","firstName":"Anna"}]}`)
		}, id, "2026-11-28T10:00:02Z"},
		{"memberships are not lead fields", func() {
			clock.Advance(10 * time.Second)
			api(t, srv, token, http.MethodPost, list, jsonType, deleteBody(id))
			setStatus(t, srv, token, SeedProgramID, "Invited", id)
			api(t, srv, token, http.MethodDelete, list, jsonType, deleteBody(id))
			api(t, srv, token, http.MethodPost, deletePath, jsonType, deleteBody(999999))
		}, id, ""},
		{"a change ten seconds on", func() {
			syncIDs(t, srv, token, `{"action":"updateOnly","lookupField":"id","input":[{"id":`+fmt.Sprint(id)+`,"lastName":"Lee"}]}`)
		}, id, "2026-11-28T10:00:10Z"},
		{"a SOAP update in that second", func() { soap(`<Email>u@example.com</Email>` + attrs("Title", "CFO")) }, id, "2026-11-28T10:00:11Z"},
		{"a lead losing its foreign id to another", func() { soap(fmt.Sprintf(`<Id>%d</Id>`, id) + fspi) }, owner, "2026-11-28T10:00:10Z"},
		{"the lead taking it", func() {}, id, "2026-11-28T10:00:12Z"},
		{"a bulk row, run two seconds on", func() {
			mustImport(t, srv, token, "format=csv", []byte("email,city\nu@example.com,Berlin\n"))
			clock.Advance(time.Minute)
		}, id, "2026-11-28T10:00:13Z"},
		{"on a clock set back, still forward", func() {
			clock.Advance(-time.Hour)
			syncIDs(t, srv, token, `{"input":[{"email":"u@example.com","city":"Paris"}]}`)
		}, id, "2026-11-28T10:00:14Z"},
	}
	_, before := stamps(id)
	for _, s := range steps {
		_, prev := stamps(s.lead)
		s.do()
		created, got := stamps(s.lead)
		want := s.updated
		if want == "" {
			want = prev
		}
		if got != want {
			t.Errorf("%s: updatedAt %s, want %s", s.name, got, want)
		}
		if s.lead == id && created != "2026-11-28T10:00:00Z" {
			t.Errorf("%s: createdAt moved to %s", s.name, created)
		}
	}
	if _, after := stamps(id); after <= before {
		t.Errorf("updatedAt went from %s to %s", before, after)
	}
}
