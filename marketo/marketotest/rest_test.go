package marketotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int    `json:"expires_in"`
	Scope            string `json:"scope"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func getToken(t testing.TB, srv *Server, method, id, secret string) (int, tokenAnswer) {
	t.Helper()
	q := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	var req *http.Request
	var err error
	if method == http.MethodGet {
		req, err = http.NewRequest(method, srv.IdentityURL()+"/oauth/token?"+q.Encode(), nil)
	} else {
		req, err = http.NewRequest(method, srv.IdentityURL()+"/oauth/token", strings.NewReader(q.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	var a tokenAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("decode token answer: %v", err)
	}
	return resp.StatusCode, a
}

type restAnswer struct {
	RequestID string `json:"requestId"`
	Success   bool   `json:"success"`
	Errors    []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Result []struct {
		ID      int    `json:"id"`
		Status  string `json:"status"`
		Reasons []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"reasons"`
	} `json:"result"`
}

// postLeads posts a raw JSON body to leads.json with the given bearer token.
func postLeads(t testing.TB, srv *Server, token, body string) (int, restAnswer) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.RESTBaseURL()+"/v1/leads.json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return doREST(t, req)
}

func doREST(t testing.TB, req *http.Request) (int, restAnswer) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("REST call: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var a restAnswer
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("decode REST answer: %v\n%s", err, b)
		}
	}
	return resp.StatusCode, a
}

func mustToken(t testing.TB, srv *Server) string {
	t.Helper()
	cfg := srv.Config()
	status, a := getToken(t, srv, http.MethodPost, cfg.ClientID, cfg.ClientSecret)
	if status != http.StatusOK || a.AccessToken == "" {
		t.Fatalf("token: HTTP %d %+v", status, a)
	}
	return a.AccessToken
}

func TestIdentity(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) { c.TokenTTL = time.Minute })
	cfg := srv.Config()
	status, a := getToken(t, srv, http.MethodGet, cfg.ClientID, cfg.ClientSecret)
	if status != http.StatusOK || a.TokenType != "bearer" || a.ExpiresIn != 60 || a.Scope == "" || a.AccessToken == "" {
		t.Fatalf("GET token: HTTP %d %+v", status, a)
	}
	clock.Advance(20 * time.Second)
	_, again := getToken(t, srv, http.MethodPost, cfg.ClientID, cfg.ClientSecret)
	if again.AccessToken != a.AccessToken || again.ExpiresIn != 40 {
		t.Errorf("token before expiry = %+v, want the same token with 40 s left", again)
	}
	clock.Advance(41 * time.Second)
	_, fresh := getToken(t, srv, http.MethodPost, cfg.ClientID, cfg.ClientSecret)
	if fresh.AccessToken == a.AccessToken || fresh.ExpiresIn != 60 {
		t.Errorf("token after expiry = %+v, want a new one", fresh)
	}
	for _, bad := range [][2]string{{cfg.ClientID, "wrong"}, {"someone", cfg.ClientSecret}, {"", ""}} {
		status, a := getToken(t, srv, http.MethodPost, bad[0], bad[1])
		if status != http.StatusUnauthorized || a.Error != "unauthorized" || a.ErrorDescription == "" {
			t.Errorf("credentials %q: HTTP %d %+v, want 401 unauthorized", bad, status, a)
		}
	}
}

func TestRESTAuth(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) { c.TokenTTL = time.Minute })
	token := mustToken(t, srv)
	body := `{"input":[{"email":"auth@example.com"}]}`
	tests := []struct {
		name  string
		build func() *http.Request
		code  string
	}{
		{"no token", func() *http.Request { return leadsRequest(srv, "", body) }, "601"},
		{"unknown token", func() *http.Request { return leadsRequest(srv, "nope:sb", body) }, "601"},
		{"token only in the query string", func() *http.Request {
			r := leadsRequest(srv, "", body)
			r.URL.RawQuery = "access_token=" + url.QueryEscape(token)
			return r
		}, "601"},
		{"Basic instead of Bearer", func() *http.Request {
			r := leadsRequest(srv, "", body)
			r.Header.Set("Authorization", "Basic "+token)
			return r
		}, "601"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, a := doREST(t, tc.build())
			if status != http.StatusOK || a.Success || len(a.Errors) != 1 || a.Errors[0].Code != tc.code {
				t.Errorf("HTTP %d %+v, want success false with %s", status, a, tc.code)
			}
		})
	}
	if _, a := postLeads(t, srv, token, body); !a.Success {
		t.Fatalf("valid token refused: %+v", a)
	}
	clock.Advance(61 * time.Second)
	if _, a := postLeads(t, srv, token, body); a.Success || a.Errors[0].Code != "602" || a.Errors[0].Message != "Access token expired" {
		t.Errorf("expired token: %+v, want 602", a)
	}
	if got := srv.Stats(); got.Admitted != 1 {
		t.Errorf("refused calls were counted: admitted %d, want 1", got.Admitted)
	}
}

func leadsRequest(srv *Server, token, body string) *http.Request {
	r, err := http.NewRequest(http.MethodPost, srv.RESTBaseURL()+"/v1/leads.json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

func TestRESTSyncLeads(t *testing.T) {
	custom := []FieldDef{{RESTName: "crmPersonId", SOAPName: "crmPersonId", Searchable: true}}
	type call struct {
		body string
		want []string // "created", "updated", "skipped:<code>"
	}
	tests := []struct {
		name  string
		calls []call
		check func(t *testing.T, leads []Lead)
	}{
		{
			name: "createOrUpdate by email is the default",
			calls: []call{
				{`{"input":[{"email":"kj-1@example.com","firstName":"K1","postalCode":"04828"},{"email":"kj-2@example.com"}]}`, []string{"created", "created"}},
				{`{"action":"createOrUpdate","lookupField":"email","input":[{"email":"KJ-1@example.com","firstName":"K1b"}]}`, []string{"updated"}},
			},
			check: func(t *testing.T, leads []Lead) {
				if len(leads) != 2 || leads[0].Fields["FirstName"] != "K1b" || leads[0].Fields["PostalCode"] != "04828" {
					t.Errorf("leads = %+v", leads)
				}
			},
		},
		{
			name: "createOnly skips existing leads",
			calls: []call{
				{`{"action":"createOnly","input":[{"email":"a@example.com"},{"email":"a@example.com"},{"firstName":"NoEmail"}]}`, []string{"created", "skipped:1005", "created"}},
			},
		},
		{
			name: "updateOnly by email and by id",
			calls: []call{
				{`{"input":[{"email":"u@example.com"}]}`, []string{"created"}},
				{`{"action":"updateOnly","input":[{"email":"u@example.com","title":"CFO"},{"email":"missing@example.com"}]}`, []string{"updated", "skipped:1004"}},
				{`{"action":"updateOnly","lookupField":"id","input":[{"id":1001,"email":"renamed@example.com"},{"id":5}]}`, []string{"updated", "skipped:1004"}},
			},
			check: func(t *testing.T, leads []Lead) {
				if len(leads) != 1 || leads[0].Email != "renamed@example.com" || leads[0].Fields["Title"] != "CFO" {
					t.Errorf("leads = %+v", leads)
				}
			},
		},
		{
			name: "createDuplicate always creates, then createOrUpdate finds several",
			calls: []call{
				{`{"action":"createDuplicate","input":[{"email":"d@example.com"},{"email":"d@example.com"}]}`, []string{"created", "created"}},
				{`{"input":[{"email":"d@example.com"}]}`, []string{"skipped:1007"}},
				{`{"action":"updateOnly","input":[{"email":"d@example.com"}]}`, []string{"skipped:1007"}},
			},
		},
		{
			name: "a custom searchable field as lookupField",
			calls: []call{
				{`{"lookupField":"crmPersonId","input":[{"crmPersonId":"P-1","email":"c1@example.com"},{"crmPersonId":"P-2"}]}`, []string{"created", "created"}},
				{`{"lookupField":"crmPersonId","input":[{"crmPersonId":"p-1","lastName":"Kay"},{"email":"no-key@example.com"}]}`, []string{"updated", "skipped:1003"}},
			},
			check: func(t *testing.T, leads []Lead) {
				if len(leads) != 2 || leads[0].Fields["LastName"] != "Kay" || leads[0].Fields["crmPersonId"] != "P-1" {
					t.Errorf("leads = %+v", leads)
				}
			},
		},
		{
			name: "per-record problems are skipped in order",
			calls: []call{
				{`{"input":[
					{"email":"ok@example.com","numberOfEmployees":12,"unsubscribed":true,"annualRevenue":10.40,"dateOfBirth":"1990-12-31","company":null},
					{"email":"x@example.com","shoeSize":44},
					{"email":"x@example.com","numberOfEmployees":"many"},
					{"email":"x@example.com","dateOfBirth":"31.12.1990"},
					{"email":"zoë@example.com"},
					{"email":"x@example.com","id":5},
					{"email":"x@example.com","firstName":{"nested":true}},
					{"email":"x@example.com","updatedAt":"2020-01-01T00:00:00Z"},
					"not an object",
					{"email":"ok@example.com","Company":"wrong case"}
				]}`, []string{"created", "skipped:1006", "skipped:1003", "skipped:1003", "skipped:1003", "skipped:1003", "skipped:1003", "skipped:1003", "skipped:1003", "skipped:1006"}},
			},
			check: func(t *testing.T, leads []Lead) {
				if len(leads) != 1 {
					t.Fatalf("skipped records were stored: %+v", leads)
				}
				f := leads[0].Fields
				if f["NumberOfEmployees"] != "12" || f["Unsubscribed"] != "true" || f["AnnualRevenue"] != "10.4" {
					t.Errorf("fields = %v", f)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, clock := newTestServer(t, func(c *Config) { c.CustomFields = custom })
			token := mustToken(t, srv)
			for ci, c := range tc.calls {
				clock.Advance(time.Second)
				status, a := postLeads(t, srv, token, c.body)
				if status != http.StatusOK || !a.Success || len(a.Result) != len(c.want) {
					t.Fatalf("call %d: HTTP %d %+v", ci, status, a)
				}
				for i, want := range c.want {
					got := a.Result[i]
					wantStatus, wantCode, _ := strings.Cut(want, ":")
					if got.Status != wantStatus {
						t.Errorf("call %d record %d: %+v, want %s", ci, i, got, want)
						continue
					}
					if wantCode != "" && (len(got.Reasons) != 1 || got.Reasons[0].Code != wantCode || got.Reasons[0].Message == "" || got.ID != 0) {
						t.Errorf("call %d record %d: reasons %+v, want code %s", ci, i, got.Reasons, wantCode)
					}
					if wantCode == "" && got.ID == 0 {
						t.Errorf("call %d record %d: no id", ci, i)
					}
				}
			}
			if tc.check != nil {
				tc.check(t, srv.Leads())
			}
		})
	}
}

func TestRESTCallErrors(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)
	many := make([]string, 301)
	for i := range many {
		many[i] = fmt.Sprintf(`{"email":"m%d@example.com"}`, i)
	}
	tests := []struct {
		name, body, code string
	}{
		{"invalid JSON", `{"input":[`, "609"},
		{"unknown action", `{"action":"upsert","input":[]}`, "1003"},
		{"unknown lookupField", `{"lookupField":"shoeSize","input":[]}`, "1006"},
		{"lookupField not searchable", `{"lookupField":"firstName","input":[]}`, "1011"},
		{"id lookup outside updateOnly", `{"lookupField":"id","input":[]}`, "1003"},
		{"no input", `{"action":"createOnly"}`, "701"},
		{"more than 300 records", `{"input":[` + strings.Join(many, ",") + `]}`, "1003"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, a := postLeads(t, srv, token, tc.body)
			if status != http.StatusOK || a.Success || len(a.Errors) != 1 || a.Errors[0].Code != tc.code || a.RequestID == "" {
				t.Errorf("HTTP %d %+v, want success false with %s", status, a, tc.code)
			}
		})
	}
	t.Run("wrong content type", func(t *testing.T) {
		r := leadsRequest(srv, token, `{"input":[]}`)
		r.Header.Set("Content-Type", "text/plain")
		if _, a := doREST(t, r); a.Success || a.Errors[0].Code != "612" {
			t.Errorf("%+v, want 612", a)
		}
	})
	t.Run("GET is not Sync Leads", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodGet, srv.RESTBaseURL()+"/v1/leads.json", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		if _, a := doREST(t, r); a.Success || a.Errors[0].Code != "605" {
			t.Errorf("%+v, want 605", a)
		}
	})
	t.Run("payload over 1 MB", func(t *testing.T) {
		big := `{"input":[{"email":"big@example.com","address":"` + strings.Repeat("a", 1<<20) + `"}]}`
		if status, _ := postLeads(t, srv, token, big); status != http.StatusRequestEntityTooLarge {
			t.Errorf("HTTP %d, want 413", status)
		}
	})
	if len(srv.Leads()) != 0 {
		t.Errorf("failed calls stored leads")
	}
}

func TestRESTDescribe(t *testing.T) {
	srv, _ := newTestServer(t, func(c *Config) {
		c.CustomFields = []FieldDef{{RESTName: "crmPersonId", DisplayName: "CRM Person", Searchable: true}}
	})
	token := mustToken(t, srv)
	r, _ := http.NewRequest(http.MethodGet, srv.RESTBaseURL()+"/v1/leads/describe.json", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		Success bool `json:"success"`
		Result  []struct {
			ID          int    `json:"id"`
			DisplayName string `json:"displayName"`
			DataType    string `json:"dataType"`
			Length      int    `json:"length"`
			REST        struct {
				Name     string `json:"name"`
				ReadOnly bool   `json:"readOnly"`
			} `json:"rest"`
			SOAP struct {
				Name     string `json:"name"`
				ReadOnly bool   `json:"readOnly"`
			} `json:"soap"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || !a.Success {
		t.Fatalf("describe: %v %+v", err, a)
	}
	byName := map[string]int{}
	for i, f := range a.Result {
		byName[f.REST.Name] = i
	}
	company := a.Result[byName["company"]]
	if company.DisplayName != "Company Name" || company.DataType != "string" || company.Length != 255 || company.SOAP.Name != "Company" || company.REST.ReadOnly {
		t.Errorf("company = %+v", company)
	}
	if f := a.Result[byName["crmPersonId"]]; f.DisplayName != "CRM Person" || f.SOAP.Name != "crmPersonId" {
		t.Errorf("custom field = %+v", f)
	}
	if f := a.Result[byName["id"]]; !f.REST.ReadOnly || f.DataType != "integer" {
		t.Errorf("id = %+v", f)
	}
}

func TestSOAPAndRESTShareTheStore(t *testing.T) {
	srv, clock := newTestServer(t, nil)
	status, body := postSOAP(t, srv, "", envelope(authHeader(srv.Config(), clock.Now()),
		syncBody("true", `<Email>both@example.com</Email>`+attrs("FirstName", "Soap"))))
	if status != http.StatusOK {
		t.Fatalf("SOAP: %d %s", status, body)
	}
	id := decodeSync(t, body).Statuses[0].LeadID
	_, a := postLeads(t, srv, mustToken(t, srv), `{"input":[{"email":"both@example.com","lastName":"Rest"}]}`)
	if !a.Success || a.Result[0].Status != "updated" || a.Result[0].ID != id {
		t.Fatalf("REST after SOAP: %+v, want lead %d updated", a, id)
	}
	l, _ := leadByID(srv.Leads(), id)
	if l.Fields["FirstName"] != "Soap" || l.Fields["LastName"] != "Rest" {
		t.Errorf("lead = %+v", l)
	}
}

// TestRESTBodyLimit: a Sync Leads body of exactly 1,000,000 bytes is taken;
// one byte more is refused with 413 before the token is looked at, and
// nothing is stored or counted.
func TestRESTBodyLimit(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)
	// Records of up to 29,000 address characters (the field takes 30,000),
	// the last one padded so the body has exactly size bytes.
	body := func(size int) string {
		var b strings.Builder
		b.WriteString(`{"input":[`)
		for i := 0; ; i++ {
			rec := fmt.Sprintf(`{"email":"big%d@example.com","address":"`, i)
			if i > 0 {
				rec = "," + rec
			}
			left := size - b.Len() - len(rec) - len(`"}]}`)
			if left <= 29000 {
				b.WriteString(rec + strings.Repeat("a", left) + `"}]}`)
				return b.String()
			}
			b.WriteString(rec + strings.Repeat("a", 29000) + `"}`)
		}
	}
	status, a := postLeads(t, srv, token, body(maxRESTBody))
	if status != http.StatusOK || !a.Success {
		t.Fatalf("1,000,000 bytes: HTTP %d %+v, want success", status, a)
	}
	for _, r := range a.Result {
		if r.Status != "created" {
			t.Fatalf("1,000,000 bytes: %+v, want every record created", r)
		}
	}
	stored := len(srv.Leads())
	before := srv.Stats()
	for _, tc := range []struct{ name, token string }{{"good token", token}, {"no token", ""}} {
		if status, _ := postLeads(t, srv, tc.token, body(maxRESTBody+1)); status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: 1,000,001 bytes: HTTP %d, want 413", tc.name, status)
		}
	}
	after := srv.Stats()
	if len(srv.Leads()) != stored || after.Faults["http-413"] != before.Faults["http-413"]+2 || after.Faults["601"] != before.Faults["601"] {
		t.Errorf("leads %d (were %d), faults before %v after %v: want no new lead and two 413s, no 601", len(srv.Leads()), stored, before.Faults, after.Faults)
	}
}

// TestAppliedThenLostFaults: "apply then fail" faults store the leads and
// then answer with a gateway page; the 604 time-out stores nothing.
func TestAppliedThenLostFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults Faults
		stored bool
	}{
		{"apply then 5xx", Faults{ApplyThen5xxRate: 1}, true},
		{"time-out", Faults{TimeoutRate: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newTestServer(t, nil)
			token := mustToken(t, srv)
			srv.SetFaults(tc.faults)
			status, a := postLeads(t, srv, token, `{"action":"createOrUpdate","lookupField":"email","input":[{"email":"a@example.com"}]}`)
			if tc.stored {
				if status != 502 && status != 503 && status != 504 {
					t.Errorf("HTTP %d, want a gateway error", status)
				}
			} else if status != http.StatusOK || a.Success || len(a.Errors) != 1 || a.Errors[0].Code != "604" {
				t.Errorf("HTTP %d %+v, want a 604 refusal", status, a)
			}
			if got := len(srv.Leads()); (got == 1) != tc.stored {
				t.Errorf("%d leads stored, want stored=%v", got, tc.stored)
			}
		})
	}
}
