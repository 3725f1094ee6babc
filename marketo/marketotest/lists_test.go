package marketotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// apiAnswer is a REST (Lead Database or Asset) answer with its records
// kept raw, so a test sees which members came back and how they are typed.
type apiAnswer struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Warnings      []string                     `json:"warnings"`
	Result        []map[string]json.RawMessage `json:"result"`
	MoreResult    bool                         `json:"moreResult"`
	NextPageToken string                       `json:"nextPageToken"`
	// top holds the answer's members, to tell a missing one from a zero
	// one.
	top  map[string]json.RawMessage
	body string
}

// code is the answer's first error code, "" for a success.
func (a apiAnswer) code() string {
	if a.Success || len(a.Errors) == 0 {
		return ""
	}
	return a.Errors[0].Code
}

// ints reads the member name of every record as a whole number.
func (a apiAnswer) ints(t *testing.T, name string) []int {
	t.Helper()
	out := []int{}
	for _, r := range a.Result {
		var n int
		if err := json.Unmarshal(r[name], &n); err != nil {
			t.Fatalf("%s of %s is not a number: %v", name, a.body, err)
		}
		out = append(out, n)
	}
	return out
}

// strs reads the member name of every record as a string.
func (a apiAnswer) strs(t *testing.T, name string) []string {
	t.Helper()
	out := []string{}
	for _, r := range a.Result {
		var s string
		if err := json.Unmarshal(r[name], &s); err != nil {
			t.Fatalf("%s of %s is not a string: %v", name, a.body, err)
		}
		out = append(out, s)
	}
	return out
}

// keys is a record's member names, sorted.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedKeys(names ...string) []string {
	slices.Sort(names)
	return names
}

// api sends one call with token and decodes its answer; it fails the test
// on anything but HTTP 200 with JSON.
func api(t *testing.T, srv *Server, token, method, path, contentType, body string) apiAnswer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, b)
	}
	a := apiAnswer{body: string(b)}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s %s: %v\n%s", method, path, err, b)
	}
	if err := json.Unmarshal(b, &a.top); err != nil {
		t.Fatal(err)
	}
	return a
}

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// Time formats of the two APIs, as every example and recording has them.
var (
	leadDBTimeRE = regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"$`)
	assetTimeRE  = regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\+0000"$`)
)

// syncEmails creates a lead for each email and returns their ids.
func syncEmails(t *testing.T, srv *Server, token string, emails ...string) []int {
	t.Helper()
	var in []string
	for _, e := range emails {
		in = append(in, fmt.Sprintf(`{"email":%q}`, e))
	}
	status, a := postLeads(t, srv, token, `{"input":[`+strings.Join(in, ",")+`]}`)
	if status != http.StatusOK || !a.Success || len(a.Result) != len(emails) {
		t.Fatalf("sync %v: %d %+v", emails, status, a)
	}
	var ids []int
	for _, r := range a.Result {
		if r.Status != "created" && r.Status != "updated" {
			t.Fatalf("sync %v: %+v", emails, a)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

// TestSeededListsAnswerAsDocumented: the lists every sandbox starts with,
// in the shapes of node-marketo-rest's recording of Get Lists (id, name,
// workspaceName, createdAt, updatedAt) and of static-lists.md and
// grouparoo's recording for the Asset API.
func TestSeededListsAnswerAsDocumented(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)

	a := api(t, srv, token, http.MethodGet, "/rest/v1/lists.json", "", "")
	if !a.Success || !slices.Equal(a.ints(t, "id"), []int{SeedListID, SeedProgramListID}) {
		t.Fatalf("Get Lists = %s, want the two seeded lists", a.body)
	}
	if got := keys(a.Result[0]); !slices.Equal(got, sortedKeys("id", "name", "workspaceName", "createdAt", "updatedAt")) {
		t.Errorf("a list outside a program has %v, want the recorded members", got)
	}
	if got := keys(a.Result[1]); !slices.Equal(got, sortedKeys("id", "name", "programName", "workspaceName", "createdAt", "updatedAt")) {
		t.Errorf("a list in a program has %v", got)
	}
	if names := a.strs(t, "name"); !slices.Equal(names, []string{"Newsletter Subscribers", "Webinar Invitees"}) {
		t.Errorf("names %v", names)
	}
	if p := string(a.Result[1]["programName"]); p != `"2026 Product Webinar"` {
		t.Errorf("programName %s", p)
	}
	if c := a.Result[0]["createdAt"]; !leadDBTimeRE.Match(c) {
		t.Errorf("createdAt %s is not RFC 3339 UTC", c)
	}

	by := api(t, srv, token, http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d.json", SeedListID), "", "")
	if !by.Success || len(by.Result) != 1 || string(by.Result[0]["name"]) != `"Newsletter Subscribers"` {
		t.Errorf("Get List by Id = %s", by.body)
	}

	asset := api(t, srv, token, http.MethodGet, "/rest/asset/v1/staticLists.json", "", "")
	if !asset.Success || len(asset.Warnings) != 0 || asset.top["errors"] == nil || len(asset.Result) != 2 {
		t.Fatalf("Get Static Lists = %s", asset.body)
	}
	if got := keys(asset.Result[0]); !slices.Equal(got, sortedKeys("id", "name", "createdAt", "updatedAt", "folder", "computedUrl", "workspace")) {
		t.Errorf("an Asset API list has %v, want the recorded members", got)
	}
	if f, u, c := string(asset.Result[0]["folder"]), string(asset.Result[0]["computedUrl"]), asset.Result[0]["createdAt"]; f != `{"id":12,"type":"Folder"}` ||
		u != fmt.Sprintf(`"%s/#ST%dA1"`, srv.URL, SeedListID) || !assetTimeRE.Match(c) {
		t.Errorf("folder %s, computedUrl %s, createdAt %s", f, u, c)
	}
	if f := string(asset.Result[1]["folder"]); f != fmt.Sprintf(`{"id":%d,"type":"Program"}`, SeedProgramID) {
		t.Errorf("the program's list is in %s", f)
	}
}

// TestGetListsFilters: filters combine, values are comma-separated or
// repeated, the POST form reads _method=GET from the URL or the body, and
// pages follow nextPageToken.
func TestGetListsFilters(t *testing.T) {
	srv, _ := newTestServer(t, func(c *Config) { c.Partitions = []Partition{{Name: "APAC", Workspace: "Asia"}} })
	token := mustToken(t, srv)
	created := api(t, srv, token, http.MethodPost, "/rest/asset/v1/staticLists.json", formType,
		url.Values{"name": {"Asia List"}, "folder": {`{"id":101,"type":"Folder"}`}}.Encode())
	if !created.Success {
		t.Fatalf("create in Asia's Group Lists: %s", created.body)
	}
	asia := created.ints(t, "id")[0]
	tests := []struct {
		name, method, path, contentType, body string
		want                                  []int
		code                                  string
	}{
		{"all", http.MethodGet, "/rest/v1/lists.json", "", "", []int{SeedListID, SeedProgramListID, asia}, ""},
		{"ids comma-separated", http.MethodGet, fmt.Sprintf("/rest/v1/lists.json?id=%d,%d", asia, SeedListID), "", "", []int{SeedListID, asia}, ""},
		{"ids repeated", http.MethodGet, fmt.Sprintf("/rest/v1/lists.json?id=%d&id=%d", asia, SeedListID), "", "", []int{SeedListID, asia}, ""},
		{"name, exactly", http.MethodGet, "/rest/v1/lists.json?name=Newsletter+Subscribers", "", "", []int{SeedListID}, ""},
		{"name in another case", http.MethodGet, "/rest/v1/lists.json?name=newsletter+subscribers", "", "", []int{}, ""},
		{"programName", http.MethodGet, "/rest/v1/lists.json?programName=2026+Product+Webinar", "", "", []int{SeedProgramListID}, ""},
		{"workspaceName", http.MethodGet, "/rest/v1/lists.json?workspaceName=Asia", "", "", []int{asia}, ""},
		{"filters combine", http.MethodGet, "/rest/v1/lists.json?workspaceName=Default&name=Asia+List", "", "", []int{}, ""},
		{"POST, _method in the body", http.MethodPost, "/rest/v1/lists.json", formType, "_method=GET&workspaceName=Default", []int{SeedListID, SeedProgramListID}, ""},
		{"POST, _method in the URL", http.MethodPost, "/rest/v1/lists.json?_method=GET", formType, "id=" + fmt.Sprint(asia), []int{asia}, ""},
		{"POST without _method=GET", http.MethodPost, "/rest/v1/lists.json", formType, "name=x", nil, "605"},
		{"id not a number", http.MethodGet, "/rest/v1/lists.json?id=abc", "", "", nil, "1001"},
		{"batchSize over 300", http.MethodGet, "/rest/v1/lists.json?batchSize=301", "", "", nil, "1003"},
		{"broken page token", http.MethodGet, "/rest/v1/lists.json?nextPageToken=xyz", "", "", nil, "1003"},
		{"wrong method", http.MethodDelete, "/rest/v1/lists.json", "", "", nil, "605"},
		{"unknown list by id", http.MethodGet, "/rest/v1/lists/1001.json", "", "", nil, "1013"},
		{"list id not a number", http.MethodGet, "/rest/v1/lists/abc.json", "", "", nil, "1001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := api(t, srv, token, tt.method, tt.path, tt.contentType, tt.body)
			if a.code() != tt.code {
				t.Fatalf("code %q, want %q: %s", a.code(), tt.code, a.body)
			}
			if tt.code == "" && !slices.Equal(a.ints(t, "id"), tt.want) {
				t.Errorf("lists %v, want %v: %s", a.ints(t, "id"), tt.want, a.body)
			}
		})
	}

	// Pages of one, each token leading to the next page only.
	var got []int
	q := url.Values{"batchSize": {"1"}}
	for page := 0; ; page++ {
		a := api(t, srv, token, http.MethodGet, "/rest/v1/lists.json?"+q.Encode(), "", "")
		got = append(got, a.ints(t, "id")...)
		if a.NextPageToken == "" {
			if a.MoreResult || page != 2 {
				t.Errorf("last page %d: %s", page, a.body)
			}
			break
		}
		if !a.MoreResult || page > 2 {
			t.Fatalf("page %d: %s", page, a.body)
		}
		q.Set("nextPageToken", a.NextPageToken)
	}
	if !slices.Equal(got, []int{SeedListID, SeedProgramListID, asia}) {
		t.Errorf("paged lists %v", got)
	}
	q.Set("name", "Asia List")
	if a := api(t, srv, token, http.MethodGet, "/rest/v1/lists.json?"+q.Encode(), "", ""); a.code() != "1003" {
		t.Errorf("a token of another query: %s, want 1003", a.body)
	}
}

// TestListMembership follows list-membership.md's examples and
// grouparoo's recording: per-lead added/removed/memberof/notmemberof, 1004
// for a lead no one has, 1015 for removing a non-member, "added" again for
// a member added twice.
func TestListMembership(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)
	ids := syncEmails(t, srv, token, "m1@example.com", "m2@example.com", "m3@example.com")
	a1, a2, a3 := ids[0], ids[1], ids[2]
	const missing = 999999
	list := fmt.Sprintf("/rest/v1/lists/%d/leads.json", SeedListID)
	type outcome struct {
		id     int
		status string
		code   string // of the one reason of a skipped record
	}
	steps := []struct {
		name, method, path, contentType, body string
		want                                  []outcome
	}{
		{"add by JSON body", http.MethodPost, list, jsonType, fmt.Sprintf(`{"input":[{"id":%d},{"id":"%d"},{"id":%d}]}`, a1, a2, missing),
			[]outcome{{a1, "added", ""}, {a2, "added", ""}, {missing, "skipped", "1004"}}},
		{"add by query, again, with an empty form", http.MethodPost, fmt.Sprintf("%s?id=%d&id=%d", list, a1, a3), formType, "",
			[]outcome{{a1, "added", ""}, {a3, "added", ""}}},
		{"member of list", http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads/ismember.json?id=%d&id=%d,%d", SeedListID, a1, missing, a2), "", "",
			[]outcome{{a1, "memberof", ""}, {missing, "skipped", "1004"}, {a2, "memberof", ""}}},
		{"remove", http.MethodDelete, fmt.Sprintf("%s?id=%d&id=%d&id=%d", list, a3, a3, missing), "", "",
			[]outcome{{a3, "removed", ""}, {a3, "skipped", "1015"}, {missing, "skipped", "1004"}}},
		{"remove by POST _method=DELETE with a body", http.MethodPost, list + "?_method=DELETE", jsonType, fmt.Sprintf(`{"input":[{"id":%d}]}`, a2),
			[]outcome{{a2, "removed", ""}}},
		{"not a member any more", http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads/ismember.json?id=%d,%d", SeedListID, a2, a3), "", "",
			[]outcome{{a2, "notmemberof", ""}, {a3, "notmemberof", ""}}},
	}
	for _, s := range steps {
		a := api(t, srv, token, s.method, s.path, s.contentType, s.body)
		if !a.Success || len(a.Result) != len(s.want) {
			t.Fatalf("%s: %s", s.name, a.body)
		}
		for i, w := range s.want {
			var r struct {
				ID      int         `json:"id"`
				Status  string      `json:"status"`
				Reasons []restError `json:"reasons"`
			}
			raw, _ := json.Marshal(a.Result[i])
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			code := ""
			if len(r.Reasons) == 1 {
				code = r.Reasons[0].Code
			}
			if r.ID != w.id || r.Status != w.status || code != w.code || (w.code == "") != (r.Reasons == nil) {
				t.Errorf("%s: record %d = %s, want %+v", s.name, i, raw, w)
			}
		}
	}
	if got := srv.Lists()[0].Members; !slices.Equal(got, []int{a1}) {
		t.Errorf("the list holds %v, want only %d", got, a1)
	}

	errs := []struct {
		name, method, path, contentType, body, code string
	}{
		{"unknown list", http.MethodPost, "/rest/v1/lists/1001/leads.json", jsonType, fmt.Sprintf(`{"input":[{"id":%d}]}`, a1), "1013"},
		{"no ids", http.MethodPost, list, jsonType, `{"input":[]}`, "1002"},
		{"no ids at all", http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads/ismember.json", SeedListID), "", "", "1002"},
		{"301 ids", http.MethodPost, list + "?id=" + strings.TrimSuffix(strings.Repeat(fmt.Sprintf("%d,", a1), 301), ","), "", "", "1003"},
		{"id not a number", http.MethodDelete, list + "?id=x", "", "", "1001"},
		{"a body that is not JSON", http.MethodPost, list, "text/plain", `{"input":[{"id":1}]}`, "612"},
		{"broken JSON", http.MethodPost, list, jsonType, `{"input":[`, "609"},
		{"PUT", http.MethodPut, list, jsonType, `{}`, "605"},
		{"POST on ismember", http.MethodPost, fmt.Sprintf("/rest/v1/lists/%d/leads/ismember.json", SeedListID), jsonType, `{}`, "605"},
	}
	for _, e := range errs {
		if a := api(t, srv, token, e.method, e.path, e.contentType, e.body); a.code() != e.code {
			t.Errorf("%s: %s, want %s", e.name, a.body, e.code)
		}
	}
}

// TestGetLeadsByListID: members by ascending id with the fields asked
// for (the docs' six by default), on both paths and as a POST form, in
// pages whose token survives members coming and going.
func TestGetLeadsByListID(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)
	mustSyncREST(t, srv, token, `{"input":[{"email":"g1@example.com","firstName":"Hanna","leadScore":5},{"email":"g2@example.com"},{"email":"g3@example.com"},{"email":"g4@example.com"}]}`)
	ids := []int{firstLeadID, firstLeadID + 1, firstLeadID + 2, firstLeadID + 3}
	add := fmt.Sprintf("/rest/v1/lists/%d/leads.json?id=%d,%d,%d", SeedListID, ids[3], ids[0], ids[2])
	if a := api(t, srv, token, http.MethodPost, add, "", ""); !a.Success {
		t.Fatal(a.body)
	}

	for _, path := range []string{"/rest/v1/lists/%d/leads.json", "/rest/v1/list/%d/leads.json"} {
		a := api(t, srv, token, http.MethodGet, fmt.Sprintf(path, SeedListID), "", "")
		if !a.Success || !slices.Equal(a.ints(t, "id"), []int{ids[0], ids[2], ids[3]}) || a.NextPageToken != "" || a.top["moreResult"] != nil {
			t.Fatalf("%s: %s", path, a.body)
		}
		if got := keys(a.Result[0]); !slices.Equal(got, sortedKeys("id", "email", "updatedAt", "createdAt", "lastName", "firstName")) {
			t.Errorf("%s: default fields %v", path, got)
		}
		if f, l := string(a.Result[0]["firstName"]), string(a.Result[0]["lastName"]); f != `"Hanna"` || l != "null" {
			t.Errorf("%s: firstName %s lastName %s", path, f, l)
		}
	}
	a := api(t, srv, token, http.MethodPost, fmt.Sprintf("/rest/v1/list/%d/leads.json", SeedListID), formType,
		fmt.Sprintf("listId=%d&_method=GET&fields=email,leadScore", SeedListID))
	if !a.Success || len(a.Result) != 3 || !slices.Equal(keys(a.Result[0]), sortedKeys("id", "email", "leadScore")) || string(a.Result[0]["leadScore"]) != "5" {
		t.Errorf("POST form with fields: %s", a.body)
	}

	// The first page holds ids[0]; then ids[1] joins and ids[2] leaves:
	// the next page starts after ids[0] whatever happened meanwhile.
	first := api(t, srv, token, http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads.json?batchSize=1", SeedListID), "", "")
	if !slices.Equal(first.ints(t, "id"), []int{ids[0]}) || first.NextPageToken == "" {
		t.Fatalf("first page: %s", first.body)
	}
	api(t, srv, token, http.MethodPost, fmt.Sprintf("/rest/v1/lists/%d/leads.json?id=%d", SeedListID, ids[1]), "", "")
	api(t, srv, token, http.MethodDelete, fmt.Sprintf("/rest/v1/lists/%d/leads.json?id=%d", SeedListID, ids[2]), "", "")
	var rest []int
	tok := first.NextPageToken
	for tok != "" {
		p := api(t, srv, token, http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads.json?batchSize=1&nextPageToken=%s", SeedListID, tok), "", "")
		if !p.Success {
			t.Fatal(p.body)
		}
		rest = append(rest, p.ints(t, "id")...)
		tok = p.NextPageToken
	}
	if !slices.Equal(rest, []int{ids[1], ids[3]}) {
		t.Errorf("later pages %v, want %v", rest, []int{ids[1], ids[3]})
	}

	for _, e := range []struct{ name, method, path, contentType, body, code string }{
		{"unknown field", http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads.json?fields=nope", SeedListID), "", "", "1006"},
		{"unknown list", http.MethodGet, "/rest/v1/lists/42/leads.json", "", "", "1013"},
		{"batchSize 0", http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads.json?batchSize=0", SeedListID), "", "", "1003"},
		{"token of another list", http.MethodGet, fmt.Sprintf("/rest/v1/lists/%d/leads.json?nextPageToken=%s", SeedProgramListID, first.NextPageToken), "", "", "1003"},
		{"POST to the old path without _method", http.MethodPost, fmt.Sprintf("/rest/v1/list/%d/leads.json", SeedListID), jsonType, `{}`, "605"},
		{"form POST without _method=GET", http.MethodPost, fmt.Sprintf("/rest/v1/lists/%d/leads.json", SeedListID), formType, "fields=email", "605"},
	} {
		if a := api(t, srv, token, e.method, e.path, e.contentType, e.body); a.code() != e.code {
			t.Errorf("%s: %s, want %s", e.name, a.body, e.code)
		}
	}
}

// TestCreateStaticList: the docs' form body and Segment's query string
// both create; the answer has grouparoo's recorded shape; names are
// unique; the folder must hold lists.
func TestCreateStaticList(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)
	const create = "/rest/asset/v1/staticLists.json"
	form := func(kv ...string) string {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q.Encode()
	}
	a := api(t, srv, token, http.MethodPost, create, formType, form("name", "(test) High Value", "folder", `{"type":"Folder","id":12}`, "description", "from a test"))
	if !a.Success || len(a.Result) != 1 || len(a.Warnings) != 0 {
		t.Fatalf("create: %s", a.body)
	}
	id := a.ints(t, "id")[0]
	if got := keys(a.Result[0]); !slices.Equal(got, sortedKeys("id", "name", "description", "createdAt", "updatedAt", "folder", "computedUrl", "workspace")) {
		t.Errorf("created list has %v", got)
	}
	inProgram := api(t, srv, token, http.MethodPost, create+"?"+form("name", "Program List", "folder", fmt.Sprintf(`{"id":%d,"type":"Program"}`, SeedProgramID)), "", "")
	bareID := api(t, srv, token, http.MethodPost, create+"?folder=12&name=Bare+Folder+Id", "", "")
	if !inProgram.Success || !bareID.Success {
		t.Fatalf("create in a program: %s\ncreate with a bare folder id: %s", inProgram.body, bareID.body)
	}
	got := api(t, srv, token, http.MethodGet, "/rest/v1/lists.json?programName=2026+Product+Webinar", "", "")
	if !slices.Equal(got.ints(t, "id"), []int{SeedProgramListID, inProgram.ints(t, "id")[0]}) {
		t.Errorf("lists of the program: %s", got.body)
	}

	errs := []struct {
		name, path, contentType, body string
		code                          string
	}{
		{"name taken, in another case", create, formType, form("name", "(TEST) high value", "folder", "12"), "709"},
		{"no name", create, formType, form("folder", "12"), "701"},
		{"no folder", create, formType, form("name", "x"), "701"},
		{"unknown folder", create, formType, form("name", "x", "folder", `{"id":999,"type":"Folder"}`), "710"},
		{"unknown program", create, formType, form("name", "x", "folder", `{"id":7999,"type":"Program"}`), "710"},
		{"a folder of another type", create, formType, form("name", "x", "folder", `{"id":16,"type":"Folder"}`), "711"},
		{"a workspace root", create, formType, form("name", "x", "folder", `{"id":5,"type":"Folder"}`), "711"},
		{"a folder that is not JSON", create, formType, form("name", "x", "folder", "{id:12"), "1003"},
		{"a JSON body", create, jsonType, `{"name":"x","folder":{"id":12,"type":"Folder"}}`, "612"},
	}
	for _, e := range errs {
		a := api(t, srv, token, http.MethodPost, e.path, e.contentType, e.body)
		if a.code() != e.code || a.top["warnings"] == nil {
			t.Errorf("%s: %s, want %s", e.name, a.body, e.code)
		}
	}
	if n := len(srv.Lists()); n != 5 {
		t.Errorf("%d lists after 3 creations and %d refusals, want 5", n, len(errs))
	}

	lookups := []struct {
		name, path string
		want       []int
	}{
		{"by name", "/rest/asset/v1/staticList/byName.json?name=" + url.QueryEscape("(test) High Value"), []int{id}},
		{"by name, another case", "/rest/asset/v1/staticList/byName.json?name=" + url.QueryEscape("(test) high value"), nil},
		{"by id", fmt.Sprintf("/rest/asset/v1/staticList/%d.json", id), []int{id}},
		{"by unknown id", "/rest/asset/v1/staticList/1.json", nil},
		{"in folder 12", "/rest/asset/v1/staticLists.json?folder=" + url.QueryEscape(`{"id":12,"type":"Folder"}`), []int{SeedListID, id, bareID.ints(t, "id")[0]}},
		{"page 2 of 2", "/rest/asset/v1/staticLists.json?maxReturn=3&offset=3", []int{inProgram.ints(t, "id")[0], bareID.ints(t, "id")[0]}},
		{"past the end", "/rest/asset/v1/staticLists.json?offset=10", nil},
		{"updated since the future", "/rest/asset/v1/staticLists.json?earliestUpdatedAt=2030-01-01T00:00:00Z", nil},
		{"updated until now", "/rest/asset/v1/staticLists.json?latestUpdatedAt=2026-11-28T10:00:00Z&maxReturn=1", []int{SeedListID}},
	}
	for _, l := range lookups {
		a := api(t, srv, token, http.MethodGet, l.path, "", "")
		switch {
		case !a.Success:
			t.Errorf("%s: %s", l.name, a.body)
		case l.want == nil && (a.top["result"] != nil || !slices.Equal(a.Warnings, []string{"No assets found for the given search criteria."})):
			t.Errorf("%s: %s, want the recorded no-assets warning", l.name, a.body)
		case l.want != nil && !slices.Equal(a.ints(t, "id"), l.want):
			t.Errorf("%s: %s, want %v", l.name, a.body, l.want)
		}
	}
	for _, e := range []struct{ name, path, code string }{
		{"byName without name", "/rest/asset/v1/staticList/byName.json", "701"},
		{"maxReturn 201", "/rest/asset/v1/staticLists.json?maxReturn=201", "1003"},
		{"bad date", "/rest/asset/v1/staticLists.json?earliestUpdatedAt=yesterday", "704"},
	} {
		if a := api(t, srv, token, http.MethodGet, e.path, "", ""); a.code() != e.code {
			t.Errorf("%s: %s, want %s", e.name, a.body, e.code)
		}
	}
}

// TestFolders: enough of the folder calls for a client to find where a
// list can go, in the shape of grouparoo's recorded Get Folder by Name.
func TestFolders(t *testing.T) {
	srv, _ := newTestServer(t, func(c *Config) { c.Partitions = []Partition{{Name: "APAC", Workspace: "Asia"}} })
	token := mustToken(t, srv)
	a := api(t, srv, token, http.MethodGet, "/rest/asset/v1/folder/byName.json?name=Group+Lists", "", "")
	if !a.Success || !slices.Equal(a.ints(t, "id"), []int{12, 101}) {
		t.Fatalf("Group Lists of both workspaces: %s", a.body)
	}
	want := sortedKeys("name", "description", "createdAt", "updatedAt", "url", "folderId", "folderType", "parent", "path",
		"isArchive", "isSystem", "accessZoneId", "workspace", "id")
	if got := keys(a.Result[0]); !slices.Equal(got, want) {
		t.Errorf("folder has %v, want the recorded %v", got, want)
	}
	for k, v := range map[string]string{"folderId": `{"id":12,"type":"Folder"}`, "folderType": `"List"`, "parent": `{"id":5,"type":"Folder"}`,
		"path": `"/Lead Database/Default/Group Lists"`, "isSystem": "true", "url": "null", "description": "null", "workspace": `"Default"`} {
		if got := string(a.Result[0][k]); got != v {
			t.Errorf("Group Lists' %s = %s, want %s", k, got, v)
		}
	}

	lookups := []struct {
		name, path string
		want       []int
	}{
		{"by name in a workspace", "/rest/asset/v1/folder/byName.json?name=Group+Lists&workSpace=Asia", []int{101}},
		{"a program by name", "/rest/asset/v1/folder/byName.json?name=2026+Product+Webinar&type=Program", []int{SeedProgramID}},
		{"a program is no Folder", "/rest/asset/v1/folder/byName.json?name=2026+Product+Webinar&type=Folder", nil},
		{"by name under a root", "/rest/asset/v1/folder/byName.json?name=Group+Lists&root=" + url.QueryEscape(`{"id":100,"type":"Folder"}`), []int{101}},
		{"every root and its children", "/rest/asset/v1/folders.json?maxReturn=200", []int{5, 12, 15, 16, 100, 101, 102}},
		{"three levels", "/rest/asset/v1/folders.json?maxDepth=3&workSpace=Default", []int{5, 12, 15, 16, SeedProgramID}},
		{"roots only", "/rest/asset/v1/folders.json?maxDepth=1", []int{5, 15, 100, 102}},
		{"below a root", "/rest/asset/v1/folders.json?root=" + url.QueryEscape(`{"id":15,"type":"Folder"}`), []int{15, 16, SeedProgramID}},
		{"a page", "/rest/asset/v1/folders.json?maxReturn=2&offset=1", []int{12, 15}},
		{"by id", "/rest/asset/v1/folder/16.json?type=Folder", []int{16}},
		{"a program by id", fmt.Sprintf("/rest/asset/v1/folder/%d.json?type=Program", SeedProgramID), []int{SeedProgramID}},
		{"an id of the wrong type", "/rest/asset/v1/folder/16.json?type=Program", nil},
	}
	for _, l := range lookups {
		a := api(t, srv, token, http.MethodGet, l.path, "", "")
		switch {
		case !a.Success:
			t.Errorf("%s: %s", l.name, a.body)
		case l.want == nil && len(a.Warnings) != 1:
			t.Errorf("%s: %s, want no assets", l.name, a.body)
		case l.want != nil && !slices.Equal(a.ints(t, "id"), l.want):
			t.Errorf("%s: %v, want %v\n%s", l.name, a.ints(t, "id"), l.want, a.body)
		}
	}
	p := api(t, srv, token, http.MethodGet, fmt.Sprintf("/rest/asset/v1/folder/%d.json?type=Program", SeedProgramID), "", "")
	if ft, path := string(p.Result[0]["folderType"]), string(p.Result[0]["path"]); ft != `"Marketing Event"` || path != `"/Marketing Activities/Default/Webinars/2026 Product Webinar"` {
		t.Errorf("the program as a folder: %s", p.body)
	}
	for _, e := range []struct{ name, path, code string }{
		{"byName without name", "/rest/asset/v1/folder/byName.json", "701"},
		{"byName with another type", "/rest/asset/v1/folder/byName.json?name=x&type=Zone", "1003"},
		{"by id without type", "/rest/asset/v1/folder/16.json", "701"},
		{"unknown root", "/rest/asset/v1/folders.json?root=" + url.QueryEscape(`{"id":99,"type":"Folder"}`), "710"},
	} {
		if a := api(t, srv, token, http.MethodGet, e.path, "", ""); a.code() != e.code {
			t.Errorf("%s: %s, want %s", e.name, a.body, e.code)
		}
	}
}

// TestIDSet: membership sets answer in id order across word boundaries,
// which paging relies on.
func TestIDSet(t *testing.T) {
	var s idSet
	for _, id := range []int{5000, 1001, 1064, 1065, 1128, 1064} {
		s.add(id)
	}
	if !s.remove(1065) || s.remove(1065) || s.remove(999) || s.remove(9999) {
		t.Error("remove reported the wrong members")
	}
	tests := []struct {
		after, n int
		want     []int
	}{
		{0, 10, []int{1001, 1064, 1128, 5000}},
		{1001, 2, []int{1064, 1128}},
		{1063, 1, []int{1064}},
		{1064, 10, []int{1128, 5000}},
		{1128, 10, []int{5000}},
		{5000, 10, nil},
		{9999, 10, nil},
	}
	for _, tt := range tests {
		if got := s.after(tt.after, tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("after(%d, %d) = %v, want %v", tt.after, tt.n, got, tt.want)
		}
	}
	if s.n != 4 || !s.has(1128) || s.has(1065) || s.has(1000) || s.has(1<<20) || !slices.Equal(s.all(), []int{1001, 1064, 1128, 5000}) {
		t.Errorf("set %+v", s)
	}
}
