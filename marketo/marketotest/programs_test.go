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

// TestProgramsAndChannels: the seeded program and channels in the shapes
// of programs.md's and channels.md's examples, and Create Program.
func TestProgramsAndChannels(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)

	browse := api(t, srv, token, http.MethodGet, "/rest/asset/v1/programs.json", "", "")
	if !browse.Success || !slices.Equal(browse.ints(t, "id"), []int{SeedProgramID}) {
		t.Fatalf("Get Programs: %s", browse.body)
	}
	// programs.md: browse "does not return program tags"; its example has
	// neither tags nor costs.
	want := sortedKeys("id", "name", "description", "createdAt", "updatedAt", "url", "type", "channel", "folder", "status", "workspace", "headStart")
	if got := keys(browse.Result[0]); !slices.Equal(got, want) {
		t.Errorf("browsed program has %v, want %v", got, want)
	}
	for k, v := range map[string]string{"type": `"Event"`, "channel": `"Webinar"`, "folder": `{"type":"Folder","value":16,"folderName":"Webinars"}`,
		"status": `""`, "workspace": `"Default"`, "headStart": "false", "url": fmt.Sprintf(`"%s/#ME%dA1"`, srv.URL, SeedProgramID)} {
		if got := string(browse.Result[0][k]); got != v {
			t.Errorf("program %s = %s, want %s", k, got, v)
		}
	}
	for _, path := range []string{fmt.Sprintf("/rest/asset/v1/program/%d.json", SeedProgramID), "/rest/asset/v1/program/byName.json?name=2026+Product+Webinar"} {
		a := api(t, srv, token, http.MethodGet, path, "", "")
		if !a.Success || len(a.Result) != 1 || string(a.Result[0]["tags"]) != "null" || string(a.Result[0]["costs"]) != "null" {
			t.Errorf("%s: %s, want the program with tags and costs null", path, a.body)
		}
	}
	for _, path := range []string{"/rest/asset/v1/program/7999.json", "/rest/asset/v1/program/byName.json?name=2026+product+webinar"} {
		if a := api(t, srv, token, http.MethodGet, path, "", ""); !a.Success || len(a.Warnings) != 1 || a.top["result"] != nil {
			t.Errorf("%s: %s, want no assets", path, a.body)
		}
	}

	ch := api(t, srv, token, http.MethodGet, "/rest/asset/v1/channels.json", "", "")
	if !ch.Success || !slices.Equal(ch.strs(t, "name"), []string{"Email Blast", "Blog", "Online Advertising", "Webinar"}) {
		t.Fatalf("Get Channels: %s", ch.body)
	}
	if got := keys(ch.Result[1]); !slices.Equal(got, sortedKeys("id", "name", "applicableProgramType", "progressionStatuses", "createdAt", "updatedAt")) {
		t.Errorf("channel has %v", got)
	}
	// channels.md's Blog, as it is there.
	const blog = `[{"name":"Not in Program","step":0,"description":null,"hidden":false,"success":false},` +
		`{"name":"Invited","step":10,"description":null,"hidden":false,"success":false},` +
		`{"name":"Visited Booth","step":20,"description":null,"hidden":false,"success":false},` +
		`{"name":"Influenced","step":30,"description":null,"hidden":false,"success":true}]`
	if got := string(ch.Result[1]["progressionStatuses"]); got != blog || string(ch.Result[1]["applicableProgramType"]) != `"program"` {
		t.Errorf("Blog's statuses %s, want channels.md's %s", got, blog)
	}
	for _, path := range []string{"/rest/asset/v1/channel/byName.json?name=Webinar", "/rest/asset/v1/channel/byName.json?Name=Webinar"} {
		a := api(t, srv, token, http.MethodGet, path, "", "")
		var statuses []progressionStatus
		if !a.Success || len(a.Result) != 1 || json.Unmarshal(a.Result[0]["progressionStatuses"], &statuses) != nil {
			t.Fatalf("%s: %s", path, a.body)
		}
		if !slices.IsSortedFunc(statuses, func(x, y progressionStatus) int { return x.Step - y.Step }) || len(statuses) != 6 {
			t.Errorf("%s: statuses not in step order: %+v", path, statuses)
		}
	}
	if a := api(t, srv, token, http.MethodGet, "/rest/asset/v1/channels.json?offset=2&maxReturn=1", "", ""); !slices.Equal(a.strs(t, "name"), []string{"Online Advertising"}) {
		t.Errorf("a page of channels: %s", a.body)
	}

	form := func(name, folder, typ, channel string) string {
		return url.Values{"name": {name}, "folder": {folder}, "type": {typ}, "channel": {channel}, "description": {"made by a test"}}.Encode()
	}
	created := api(t, srv, token, http.MethodPost, "/rest/asset/v1/programs.json", formType, form("Spring Blog", `{"id":16,"type":"Folder"}`, "Default", "Blog"))
	if !created.Success || len(created.Result) != 1 || string(created.Result[0]["channel"]) != `"Blog"` || string(created.Result[0]["type"]) != `"Default"` ||
		!strings.Contains(string(created.Result[0]["url"]), "#PG") {
		t.Fatalf("Create Program: %s", created.body)
	}
	for _, e := range []struct{ name, body, code string }{
		{"name taken", form("spring blog", "16", "Default", "Blog"), "709"},
		{"unknown channel", form("x", "16", "Default", "Radio"), "709"},
		{"channel of another program type", form("x", "16", "Default", "Webinar"), "709"},
		{"unknown type", form("x", "16", "Party", "Blog"), "1003"},
		{"a Lead Database folder", form("x", "12", "Default", "Blog"), "711"},
		{"unknown folder", form("x", "999", "Default", "Blog"), "710"},
		{"no channel", url.Values{"name": {"x"}, "folder": {"16"}, "type": {"Default"}}.Encode(), "701"},
	} {
		if a := api(t, srv, token, http.MethodPost, "/rest/asset/v1/programs.json", formType, e.body); a.code() != e.code {
			t.Errorf("%s: %s, want %s", e.name, a.body, e.code)
		}
	}
	webinar := api(t, srv, token, http.MethodPost, "/rest/asset/v1/programs.json", formType, form("Autumn Webinar", "16", "Event with Webinar", "Webinar"))
	if !webinar.Success || string(webinar.Result[0]["type"]) != `"Event"` {
		t.Errorf("an Event with Webinar: %s", webinar.body)
	}
	filtered := api(t, srv, token, http.MethodGet, fmt.Sprintf("/rest/asset/v1/programs.json?filterType=id&filterValues=%d,%d", SeedProgramID, webinar.ints(t, "id")[0]), "", "")
	if !slices.Equal(filtered.ints(t, "id"), []int{SeedProgramID, webinar.ints(t, "id")[0]}) {
		t.Errorf("programs by id: %s", filtered.body)
	}
	if got := srv.Programs(); len(got) != 3 || got[1].Name != "Spring Blog" || got[1].Channel != "Blog" {
		t.Errorf("Programs() = %+v", got)
	}
}

// memberStatus is a decoded Sync Program Member Status record.
type memberStatus struct {
	Seq     int         `json:"seq"`
	Status  string      `json:"status"`
	LeadID  *int        `json:"leadId"`
	Reasons []restError `json:"reasons"`
}

func setStatus(t *testing.T, srv *Server, token string, program int, status string, leads ...any) (apiAnswer, []memberStatus) {
	t.Helper()
	var in []string
	for _, l := range leads {
		b, _ := json.Marshal(l)
		in = append(in, `{"leadId":`+string(b)+`}`)
	}
	body := fmt.Sprintf(`{"statusName":%q,"input":[%s]}`, status, strings.Join(in, ","))
	a := api(t, srv, token, http.MethodPost, fmt.Sprintf("/rest/v1/programs/%d/members/status.json", program), jsonType, body)
	var out []memberStatus
	for _, r := range a.Result {
		raw, _ := json.Marshal(r)
		var m memberStatus
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return a, out
}

// TestSyncMemberStatus walks the seeded webinar's channel (Invited 10,
// Registered 20, No Show 30, Attended 30 success, Attended On-demand 40)
// as program-members.md describes Sync Program Member Status: an upsert,
// created or updated, 1037 for a lead already in or past the status; a
// status of the same step may replace another.
func TestSyncMemberStatus(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)
	ids := syncEmails(t, srv, token, "w1@example.com", "w2@example.com")
	a, b := ids[0], ids[1]
	type want struct {
		status string
		lead   int    // 0: no leadId in the record
		code   string // of a skipped record's one reason
	}
	steps := []struct {
		status  string
		leads   []any
		want    []want
		success bool // a's reachedSuccess after the step
	}{
		{"Invited", []any{a, b, 999999}, []want{{"created", a, ""}, {"created", b, ""}, {"skipped", 0, "1004"}}, false},
		{"Registered", []any{a}, []want{{"updated", a, ""}}, false},
		{"Invited", []any{a}, []want{{"skipped", 0, "1037"}}, false},
		{"Registered", []any{a}, []want{{"skipped", 0, "1037"}}, false},
		{"No Show", []any{a}, []want{{"updated", a, ""}}, false},
		{"Attended", []any{a}, []want{{"updated", a, ""}}, true},
		// Back to No Show, the same step: success stays reached.
		{"No Show", []any{a}, []want{{"updated", a, ""}}, true},
		{"Not in Program", []any{b, a}, []want{{"skipped", 0, "1037"}, {"skipped", 0, "1037"}}, true},
		// A lead id as a string of digits; the same lead twice in a call.
		{"Attended On-demand", []any{fmt.Sprint(b), b, "x"}, []want{{"updated", b, ""}, {"skipped", 0, "1037"}, {"skipped", 0, "1003"}}, true},
	}
	for i, s := range steps {
		ans, got := setStatus(t, srv, token, SeedProgramID, s.status, s.leads...)
		if !ans.Success || len(got) != len(s.want) {
			t.Fatalf("step %d (%s): %s", i, s.status, ans.body)
		}
		for j, w := range s.want {
			g := got[j]
			lead := 0
			if g.LeadID != nil {
				lead = *g.LeadID
			}
			code := ""
			if len(g.Reasons) == 1 {
				code = g.Reasons[0].Code
			}
			if g.Seq != j || g.Status != w.status || lead != w.lead || code != w.code {
				t.Errorf("step %d (%s) record %d = %+v, want %+v", i, s.status, j, g, w)
			}
		}
		if m := srv.Programs()[0].Members[0]; m.LeadID != a || m.ReachedSuccess != s.success {
			t.Errorf("step %d (%s): member %+v, want reachedSuccess %v", i, s.status, m, s.success)
		}
	}
	members := srv.Programs()[0].Members
	if len(members) != 2 || members[0].Status != "No Show" || members[1].Status != "Attended On-demand" || !members[1].ReachedSuccess {
		t.Errorf("members %+v", members)
	}

	// The docs' skipped record, as it is there: seq, status, reasons.
	ans, _ := setStatus(t, srv, token, SeedProgramID, "Invited", a)
	if got := keys(ans.Result[0]); !slices.Equal(got, sortedKeys("seq", "status", "reasons")) ||
		string(ans.Result[0]["reasons"]) != `[{"code":"1037","message":"Lead skipped because it is already in or past this status"}]` {
		t.Errorf("skipped record %s", ans.body)
	}

	many := make([]any, 301)
	for i := range many {
		many[i] = a
	}
	status := fmt.Sprintf("/rest/v1/programs/%d/members/status.json", SeedProgramID)
	for _, e := range []struct {
		name, method, path, contentType, body, code string
	}{
		{"status the channel lacks", http.MethodPost, status, jsonType, fmt.Sprintf(`{"statusName":"Influenced","input":[{"leadId":%d}]}`, a), "1025"},
		{"status in another case", http.MethodPost, status, jsonType, fmt.Sprintf(`{"statusName":"invited","input":[{"leadId":%d}]}`, a), "1025"},
		{"no statusName", http.MethodPost, status, jsonType, fmt.Sprintf(`{"input":[{"leadId":%d}]}`, a), "1002"},
		{"no input", http.MethodPost, status, jsonType, `{"statusName":"Invited"}`, "701"},
		{"unknown program", http.MethodPost, "/rest/v1/programs/7999/members/status.json", jsonType, `{"statusName":"Invited","input":[]}`, "1013"},
		{"a list id for a program", http.MethodPost, fmt.Sprintf("/rest/v1/programs/%d/members/status.json", SeedListID), jsonType, `{"statusName":"Invited","input":[]}`, "1013"},
		{"not JSON", http.MethodPost, status, formType, "statusName=Invited", "612"},
		{"broken JSON", http.MethodPost, status, jsonType, `{"statusName":`, "609"},
		{"GET", http.MethodGet, status, "", "", "605"},
	} {
		if a := api(t, srv, token, e.method, e.path, e.contentType, e.body); a.code() != e.code {
			t.Errorf("%s: %s, want %s", e.name, a.body, e.code)
		}
	}
	if ans, _ := setStatus(t, srv, token, SeedProgramID, "Invited", many...); ans.code() != "1003" {
		t.Errorf("301 records: %s, want 1003", ans.body)
	}
}

// TestGetProgramMembers: the filters program-members.md documents, its
// default fields and its answer's shape (seq, moreResult).
func TestGetProgramMembers(t *testing.T) {
	srv, clock := newTestServer(t, nil)
	token := mustToken(t, srv)
	ids := syncEmails(t, srv, token, "p1@example.com", "p2@example.com", "p3@example.com")
	setStatus(t, srv, token, SeedProgramID, "Registered", ids[2], ids[0])
	clock.Advance(8 * 24 * time.Hour)
	token = mustToken(t, srv)
	setStatus(t, srv, token, SeedProgramID, "Attended", ids[1])
	start := clock.Now().Add(-time.Hour).Format(time.RFC3339)
	end := clock.Now().Add(time.Hour).Format(time.RFC3339)

	base := fmt.Sprintf("/rest/v1/programs/%d/members.json?", SeedProgramID)
	a := api(t, srv, token, http.MethodGet, base+"filterType=statusName&filterValues=Registered", "", "")
	if !a.Success || !slices.Equal(a.ints(t, "leadId"), []int{ids[0], ids[2]}) || !slices.Equal(a.ints(t, "seq"), []int{0, 1}) ||
		string(a.top["moreResult"]) != "false" {
		t.Fatalf("by status: %s", a.body)
	}
	// program-members.md's example record.
	if got := keys(a.Result[0]); !slices.Equal(got, sortedKeys("seq", "leadId", "reachedSuccess", "programId", "acquiredBy", "membershipDate")) {
		t.Errorf("default fields %v", got)
	}
	if p, d := string(a.Result[0]["programId"]), a.Result[0]["membershipDate"]; p != fmt.Sprint(SeedProgramID) || !leadDBTimeRE.Match(d) {
		t.Errorf("programId %s membershipDate %s", p, d)
	}

	lookups := []struct {
		name, query string
		want        []int
	}{
		{"by leadId", fmt.Sprintf("filterType=leadId&filterValues=%d,%d,%d", ids[1], 999999, ids[0]), []int{ids[0], ids[1]}},
		{"by reachedSuccess", "filterType=reachedSuccess&filterValues=true", []int{ids[1]}},
		{"not successful", "filterType=reachedSuccess&filterValues=FALSE", []int{ids[0], ids[2]}},
		{"updated in a range", "filterType=updatedAt&startAt=" + url.QueryEscape(start) + "&endAt=" + url.QueryEscape(end), []int{ids[1]}},
		{"two statuses", "filterType=statusName&filterValues=Attended,Registered", ids},
		{"no match", "filterType=statusName&filterValues=Invited", []int{}},
	}
	for _, l := range lookups {
		a := api(t, srv, token, http.MethodGet, base+l.query, "", "")
		if !a.Success || !slices.Equal(a.ints(t, "leadId"), l.want) {
			t.Errorf("%s: %s, want %v", l.name, a.body, l.want)
		}
	}
	f := api(t, srv, token, http.MethodGet, base+fmt.Sprintf("filterType=leadId&filterValues=%d&fields=statusName,reachedSuccess,reachedSuccessDate,program", ids[1]), "", "")
	if len(f.Result) != 1 || !slices.Equal(keys(f.Result[0]), sortedKeys("seq", "leadId", "statusName", "reachedSuccess", "reachedSuccessDate", "program")) ||
		string(f.Result[0]["statusName"]) != `"Attended"` || string(f.Result[0]["program"]) != `"2026 Product Webinar"` || !leadDBTimeRE.Match(f.Result[0]["reachedSuccessDate"]) {
		t.Errorf("fields: %s", f.body)
	}
	post := api(t, srv, token, http.MethodPost, fmt.Sprintf("/rest/v1/programs/%d/members.json?_method=GET", SeedProgramID), formType,
		"filterType=statusName&filterValues=Attended")
	if !slices.Equal(post.ints(t, "leadId"), []int{ids[1]}) {
		t.Errorf("as POST: %s", post.body)
	}

	var paged []int
	q := url.Values{"filterType": {"statusName"}, "filterValues": {"Registered,Attended"}, "batchSize": {"2"}}
	for {
		p := api(t, srv, token, http.MethodGet, base+q.Encode(), "", "")
		paged = append(paged, p.ints(t, "leadId")...)
		if p.MoreResult != (p.NextPageToken != "") {
			t.Fatalf("moreResult and nextPageToken disagree: %s", p.body)
		}
		if !p.MoreResult {
			break
		}
		q.Set("nextPageToken", p.NextPageToken)
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("paged %v, want %v", paged, ids)
	}

	for _, e := range []struct{ name, query, code string }{
		{"no filterType", "filterValues=1", "1002"},
		{"no filterValues", "filterType=leadId", "1002"},
		{"an unsearchable field", "filterType=program&filterValues=x", "1011"},
		{"an unknown filterType", "filterType=email&filterValues=x", "1003"},
		{"an unknown field", "filterType=leadId&filterValues=1&fields=progressionStatus", "1006"},
		{"a range over seven days", "filterType=updatedAt&startAt=2026-11-01T00:00:00Z&endAt=2026-11-09T00:00:00Z", "1003"},
		{"a range without its end", "filterType=updatedAt&startAt=2026-11-01T00:00:00Z", "1002"},
		{"reachedSuccess not a boolean", "filterType=reachedSuccess&filterValues=yes", "1003"},
		{"leadId not a number", "filterType=leadId&filterValues=x", "1001"},
		{"301 values", "filterType=leadId&filterValues=" + strings.TrimSuffix(strings.Repeat("1,", 301), ","), "1003"},
	} {
		if a := api(t, srv, token, http.MethodGet, base+e.query, "", ""); a.code() != e.code {
			t.Errorf("%s: %s, want %s", e.name, a.body, e.code)
		}
	}
	if a := api(t, srv, token, http.MethodGet, "/rest/v1/programs/7999/members.json?filterType=leadId&filterValues=1", "", ""); a.code() != "1013" {
		t.Errorf("unknown program: %s", a.body)
	}
	if a := api(t, srv, token, http.MethodPost, fmt.Sprintf("/rest/v1/programs/%d/members.json", SeedProgramID), jsonType, `{"input":[]}`); a.code() != "610" {
		t.Errorf("Sync Program Member Data: %s, want 610 (not emulated)", a.body)
	}

	d := api(t, srv, token, http.MethodGet, "/rest/v1/programs/members/describe.json", "", "")
	var desc struct {
		Name             string     `json:"name"`
		DedupeFields     []string   `json:"dedupeFields"`
		SearchableFields [][]string `json:"searchableFields"`
		Fields           []struct {
			Name string `json:"name"`
		} `json:"fields"`
	}
	raw, _ := json.Marshal(d.Result[0])
	if err := json.Unmarshal(raw, &desc); err != nil || desc.Name != "API Program Membership" || !slices.Equal(desc.DedupeFields, []string{"leadId", "programId"}) ||
		len(desc.SearchableFields) != 3 || len(desc.Fields) != len(memberFields) {
		t.Errorf("describe: %s", d.body)
	}
}
