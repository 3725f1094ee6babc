package marketotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// findAnswer is a Get Leads by Filter Type answer, records kept raw so a
// test sees which fields came back and how they are typed.
type findAnswer struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Result        []map[string]json.RawMessage `json:"result"`
	MoreResult    bool                         `json:"moreResult"`
	NextPageToken string                       `json:"nextPageToken"`
}

// find calls Get Leads with q, as a GET or, with viaPOST, as the POST with
// _method=GET and q as a form body. It returns the HTTP status, the answer
// (decoded when the status is 200) and the raw body.
func find(t *testing.T, srv *Server, token string, q url.Values, viaPOST bool) (int, findAnswer, string) {
	t.Helper()
	var req *http.Request
	var err error
	if viaPOST {
		req, err = http.NewRequest(http.MethodPost, srv.RESTBaseURL()+"/v1/leads.json?_method=GET", strings.NewReader(q.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, err = http.NewRequest(http.MethodGet, srv.RESTBaseURL()+"/v1/leads.json?"+q.Encode(), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("Get Leads: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var a findAnswer
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("decode Get Leads answer: %v\n%s", err, b)
		}
	}
	return resp.StatusCode, a, string(b)
}

func mustSyncREST(t *testing.T, srv *Server, token, body string) {
	t.Helper()
	if status, a := postLeads(t, srv, token, body); status != http.StatusOK || !a.Success {
		t.Fatalf("seeding leads: HTTP %d %+v", status, a)
	}
}

func TestFindLeadsAnswers(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) {
		c.CustomFields = []FieldDef{{RESTName: "crmPersonId", Searchable: true}, {RESTName: "shoeSize", DataType: TypeInteger}}
	})
	clock.Advance(1500 * time.Millisecond) // a fraction, which answers must not show
	token := mustToken(t, srv)
	mustSyncREST(t, srv, token, `{"action":"createDuplicate","input":[`+
		`{"email":"Anna@Example.com","firstName":"Anna","leadScore":"42","unsubscribed":"yes","crmPersonId":"P-1","shoeSize":"38"},`+
		`{"email":"bo@example.com","crmPersonId":"P-2"}]}`)
	anna, bo := "1001", "1002"
	stamp := `"2026-11-28T10:00:01Z"`
	many := make([]string, 301)
	for i := range many {
		many[i] = fmt.Sprintf("m%d@example.com", i)
	}

	tests := []struct {
		name   string
		q      url.Values
		ids    []string          // ids found, in order; nil with code
		fields map[string]string // raw JSON of the first record's members; nil: not checked
		code   string            // error code expected instead
	}{
		{"email ignores case", url.Values{"filterType": {"email"}, "filterValues": {"anna@EXAMPLE.com,nobody@example.com"}, "fields": {"id,email,createdAt,updatedAt,firstName,leadScore,unsubscribed,lastName,shoeSize"}},
			[]string{anna}, map[string]string{"id": anna, "email": `"Anna@Example.com"`, "createdAt": stamp, "updatedAt": stamp,
				"firstName": `"Anna"`, "leadScore": "42", "unsubscribed": "true", "lastName": "null", "shoeSize": "38"}, ""},
		{"default fields", url.Values{"filterType": {"id"}, "filterValues": {bo}},
			[]string{bo}, map[string]string{"id": bo, "email": `"bo@example.com"`, "createdAt": stamp, "updatedAt": stamp, "firstName": "null", "lastName": "null"}, ""},
		{"several ids, by ascending id", url.Values{"filterType": {"id"}, "filterValues": {bo + ",77," + anna + "," + bo}, "fields": {"id"}},
			[]string{anna, bo}, map[string]string{"id": anna}, ""},
		{"searchable custom field", url.Values{"filterType": {"crmPersonId"}, "filterValues": {"p-2"}, "fields": {"id,crmPersonId"}},
			[]string{bo}, map[string]string{"id": bo, "crmPersonId": `"P-2"`}, ""},
		{"no match", url.Values{"filterType": {"email"}, "filterValues": {"nobody@example.com"}}, []string{}, nil, ""},
		{"unknown filterType", url.Values{"filterType": {"shoeColour"}, "filterValues": {"red"}}, nil, nil, "1003"},
		{"filterType not searchable", url.Values{"filterType": {"firstName"}, "filterValues": {"Anna"}}, nil, nil, "1011"},
		{"custom field not searchable", url.Values{"filterType": {"shoeSize"}, "filterValues": {"38"}}, nil, nil, "1011"},
		{"no filterValues", url.Values{"filterType": {"email"}}, nil, nil, "1002"},
		{"more than 300 filterValues", url.Values{"filterType": {"email"}, "filterValues": {strings.Join(many, ",")}}, nil, nil, "1003"},
		{"unknown field asked for", url.Values{"filterType": {"email"}, "filterValues": {"bo@example.com"}, "fields": {"id,shoeColour"}}, nil, nil, "1006"},
		{"bad nextPageToken", url.Values{"filterType": {"email"}, "filterValues": {"bo@example.com"}, "nextPageToken": {"AAAA"}}, nil, nil, "1003"},
	}
	for _, tc := range tests {
		for _, viaPOST := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/POST=%v", tc.name, viaPOST), func(t *testing.T) {
				status, a, body := find(t, srv, token, tc.q, viaPOST)
				if status != http.StatusOK {
					t.Fatalf("HTTP %d: %s", status, body)
				}
				if tc.code != "" {
					if a.Success || len(a.Errors) != 1 || a.Errors[0].Code != tc.code {
						t.Errorf("%s, want error %s", body, tc.code)
					}
					return
				}
				if !a.Success || a.Result == nil {
					t.Fatalf("%s, want success with a result array", body)
				}
				var ids []string
				for _, rec := range a.Result {
					ids = append(ids, string(rec["id"]))
				}
				if !slices.Equal(ids, tc.ids) {
					t.Errorf("ids %v, want %v", ids, tc.ids)
				}
				if tc.fields == nil {
					return
				}
				got := map[string]string{}
				for k, v := range a.Result[0] {
					got[k] = string(v)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.fields) {
					t.Errorf("record %v, want %v", got, tc.fields)
				}
			})
		}
	}

	t.Run("form path needs a form body", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.RESTBaseURL()+"/v1/leads.json?_method=GET", strings.NewReader(`{"filterType":"email"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		if _, a := doREST(t, req); a.Success || len(a.Errors) == 0 || a.Errors[0].Code != "612" {
			t.Errorf("%+v, want 612", a)
		}
	})
	t.Run("URI over 8 KB", func(t *testing.T) {
		q := url.Values{"filterType": {"email"}, "filterValues": {strings.Repeat("x", 8192)}}
		if status, _, _ := find(t, srv, token, q, false); status != http.StatusRequestURITooLong {
			t.Errorf("HTTP %d, want 414", status)
		}
		if status, a, body := find(t, srv, token, q, true); status != http.StatusOK || !a.Success {
			t.Errorf("the same query as a form body: HTTP %d %s", status, body)
		}
	})
	st := srv.Stats()
	if st.Calls["REST getLeadsByFilter"] == 0 || st.Calls["REST getLeadsByFilter via POST"] == 0 {
		t.Errorf("calls not told apart from Sync Leads: %v", st.Calls)
	}
	if n := len(srv.Leads()); n != 2 {
		t.Errorf("lookups changed the store: %d leads", n)
	}
}

func TestFindLeadsPaging(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)
	const n = 1001
	for done := 0; done < n; {
		k := min(300, n-done)
		recs := strings.TrimSuffix(strings.Repeat(`{"email":"dup@example.com"},`, k), ",")
		mustSyncREST(t, srv, token, `{"action":"createDuplicate","input":[`+recs+`]}`)
		done += k
	}
	q := url.Values{"filterType": {"email"}, "filterValues": {"dup@example.com"}, "fields": {"id"}}
	_, a, body := find(t, srv, token, q, false)
	if a.Success || len(a.Errors) != 1 || a.Errors[0].Code != "1003" || a.Errors[0].Message != "Too many results match the filter" {
		t.Errorf("1,001 matches: %s, want 1003 Too many results match the filter", body)
	}

	// Pages of batchSize, in id order, until moreResult is false.
	ids := make([]string, 301)
	for i := range ids {
		ids[i] = fmt.Sprint(1001 + i)
	}
	q = url.Values{"filterType": {"id"}, "filterValues": {strings.Join(ids[:300], ",")}, "fields": {"id"}, "batchSize": {"120"}}
	var got []string
	var pages []int
	for {
		status, a, body := find(t, srv, token, q, true)
		if status != http.StatusOK || !a.Success {
			t.Fatalf("page %d: HTTP %d %s", len(pages)+1, status, body)
		}
		pages = append(pages, len(a.Result))
		for _, rec := range a.Result {
			got = append(got, string(rec["id"]))
		}
		if !a.MoreResult {
			if a.NextPageToken != "" {
				t.Errorf("last page has a nextPageToken")
			}
			break
		}
		q.Set("nextPageToken", a.NextPageToken)
	}
	if !slices.Equal(pages, []int{120, 120, 60}) || !slices.Equal(got, ids[:300]) {
		t.Errorf("pages %v of %d ids, want [120 120 60] of the 300 asked for in order", pages, len(got))
	}
	q.Set("filterValues", strings.Join(ids[1:301], ","))
	if _, a, body := find(t, srv, token, q, true); a.Success || a.Errors[0].Code != "1003" {
		t.Errorf("token of another filter: %s, want 1003", body)
	}
}

func TestFindLeadsSharesLimitsAndFaults(t *testing.T) {
	srv, _ := newTestServer(t, func(c *Config) { c.DailyQuota = 3 })
	token := mustToken(t, srv)
	mustSyncREST(t, srv, token, `{"input":[{"email":"q@example.com"}]}`)
	q := url.Values{"filterType": {"email"}, "filterValues": {"q@example.com"}}
	for i, viaPOST := range []bool{false, true, false} {
		_, a, body := find(t, srv, token, q, viaPOST)
		switch {
		case i < 2 && (!a.Success || len(a.Result) != 1):
			t.Errorf("lookup %d within the quota: %s", i+1, body)
		case i == 2 && (a.Success || len(a.Errors) != 1 || a.Errors[0].Code != "607"):
			t.Errorf("lookup after Sync Leads and two lookups used a quota of 3: %s, want 607", body)
		}
	}
	if st := srv.Stats(); st.QuotaUsed != 3 {
		t.Errorf("quota used %d, want 3", st.QuotaUsed)
	}
	if status, _ := postLeads(t, srv, token, `{"input":[{"email":"r@example.com"}]}`); status != http.StatusOK || len(srv.Leads()) != 1 {
		t.Errorf("Sync Leads went through after the quota was used up by lookups")
	}

	srv.Configure(func(c *Config) { c.DailyQuota = 0 })
	srv.SetFaults(Faults{FaultRate5xx: 1})
	if status, _, _ := find(t, srv, token, q, false); status < 500 {
		t.Errorf("HTTP %d with every call failing at the gateway, want 5xx", status)
	}
}
