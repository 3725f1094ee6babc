package marketotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// typeFields are custom fields of every type the standard fields lack, as
// a live instance that grouparoo's fixtures recorded had them.
var typeFields = []FieldDef{
	{RESTName: "crmPersonId", DisplayName: "CRM Person", Searchable: true},
	{RESTName: "memberNo", DataType: TypeInteger, Searchable: true},
	{RESTName: "sfdcLeadId", DisplayName: "SFDC Lead ID", Length: 18, CRMManaged: true, Searchable: true},
	{RESTName: "emailField", DataType: TypeEmail},
	{RESTName: "floatField", DataType: TypeFloat},
	{RESTName: "datetimeField", DataType: TypeDateTime},
	{RESTName: "percentField", DataType: TypePercent},
	{RESTName: "scoreField", DataType: TypeScore},
	{RESTName: "textareaField", DataType: TypeText},
	{RESTName: "fullName", DataType: TypeFormula},
}

// soapNames maps REST names to the SOAP names Lead.Fields is keyed by.
func soapNames() map[string]string {
	out := map[string]string{}
	for _, f := range newFieldSet(typeFields).list {
		out[f.RESTName] = f.SOAPName
	}
	return out
}

// getDescribe2 calls Describe Lead2 and returns the HTTP status and body.
func getDescribe2(t *testing.T, srv *Server, token string) (int, []byte) {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, srv.RESTBaseURL()+"/v1/leads/describe2.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("describe2: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestRESTDescribe2(t *testing.T) {
	srv, _ := newTestServer(t, func(c *Config) { c.CustomFields = typeFields })
	status, body := getDescribe2(t, srv, mustToken(t, srv))
	if status != http.StatusOK {
		t.Fatalf("HTTP %d\n%s", status, body)
	}
	// Raw members first: the keys must be exactly LeadAttribute2's.
	var raw struct {
		RequestID string                       `json:"requestId"`
		Success   bool                         `json:"success"`
		Result    []map[string]json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || !raw.Success || raw.RequestID == "" || len(raw.Result) != 1 {
		t.Fatalf("describe2 = %s (%v), want success with one result", body, err)
	}
	var keys []string
	for k := range raw.Result[0] {
		keys = append(keys, k)
	}
	if len(keys) != 3 || raw.Result[0]["name"] == nil || raw.Result[0]["searchableFields"] == nil || raw.Result[0]["fields"] == nil {
		t.Errorf("result[0] has members %v, want name, searchableFields, fields", keys)
	}
	var fieldsRaw []map[string]any
	if err := json.Unmarshal(raw.Result[0]["fields"], &fieldsRaw); err != nil {
		t.Fatal(err)
	}
	for _, f := range fieldsRaw {
		want := map[string]bool{"name": true, "displayName": true, "dataType": true, "updateable": true, "crmManaged": true}
		if f["length"] != nil {
			want["length"] = true
		}
		if len(f) != len(want) {
			t.Errorf("field %v: members differ from LeadAttribute2Fields", f)
		}
		for k := range f {
			if !want[k] {
				t.Errorf("field %v: unexpected member %q", f["name"], k)
			}
		}
	}

	var a struct {
		Result []struct {
			Name             string     `json:"name"`
			SearchableFields [][]string `json:"searchableFields"`
			Fields           []struct {
				Name        string `json:"name"`
				DisplayName string `json:"displayName"`
				DataType    string `json:"dataType"`
				Length      int    `json:"length"`
				Updateable  bool   `json:"updateable"`
				CRMManaged  bool   `json:"crmManaged"`
			} `json:"fields"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	d := a.Result[0]
	if d.Name != "API Lead" {
		t.Errorf("name = %q, want API Lead", d.Name)
	}
	wantSearch := [][]string{{"id"}, {"email"}, {"crmPersonId"}, {"memberNo"}, {"sfdcLeadId"}}
	if !reflect.DeepEqual(d.SearchableFields, wantSearch) {
		t.Errorf("searchableFields = %v, want %v", d.SearchableFields, wantSearch)
	}
	all := newFieldSet(typeFields).list
	if len(d.Fields) != len(all) {
		t.Fatalf("describe2 lists %d fields, want %d", len(d.Fields), len(all))
	}
	for i, f := range all {
		got := d.Fields[i]
		if got.Name != f.RESTName || got.DisplayName != f.DisplayName || got.DataType != f.DataType || got.Length != f.Length ||
			got.Updateable != (!f.ReadOnly && !f.CRMManaged) || got.CRMManaged != f.CRMManaged {
			t.Errorf("field %d = %+v, want the sandbox's %+v", i, got, f)
		}
	}
	byName := map[string]int{}
	for i, f := range d.Fields {
		byName[f.Name] = i
	}
	for _, tc := range []struct {
		name, dataType    string
		length            int
		updateable, crmOn bool
	}{
		{"id", "integer", 0, false, false},
		{"company", "string", 255, true, false},
		{"unsubscribedReason", "string", 2000, true, false},
		{"address", "text", 30000, true, false},
		{"acquisitionProgramId", "reference", 0, true, false},
		{"contactCompany", "reference", 0, false, false},
		{"updatedAt", "datetime", 0, false, false},
		{"sfdcLeadId", "string", 18, false, true},
		{"fullName", "formula", 0, false, false},
		{"percentField", "percent", 0, true, false},
		{"scoreField", "score", 0, true, false},
		{"textareaField", "text", 30000, true, false},
	} {
		i, ok := byName[tc.name]
		if !ok {
			t.Errorf("describe2 lacks %s", tc.name)
			continue
		}
		f := d.Fields[i]
		if f.DataType != tc.dataType || f.Length != tc.length || f.Updateable != tc.updateable || f.CRMManaged != tc.crmOn {
			t.Errorf("%s = %+v, want %s length %d updateable %v crmManaged %v", tc.name, f, tc.dataType, tc.length, tc.updateable, tc.crmOn)
		}
	}
}

// TestRESTDescribe2IsAnOrdinaryCall: describe2 needs a token and counts
// against the daily quota like every other call.
func TestRESTDescribe2IsAnOrdinaryCall(t *testing.T) {
	srv, _ := newTestServer(t, func(c *Config) { c.DailyQuota = 2 })
	token := mustToken(t, srv)
	var a restAnswer
	for _, tc := range []struct {
		name, token, code string
	}{
		{"no token", "", "601"},
		{"first", token, ""},
		{"second", token, ""},
		{"over the quota", token, "607"},
	} {
		status, body := getDescribe2(t, srv, tc.token)
		if err := json.Unmarshal(body, &a); err != nil || status != http.StatusOK {
			t.Fatalf("%s: HTTP %d %s", tc.name, status, body)
		}
		if tc.code == "" && !a.Success || tc.code != "" && (a.Success || len(a.Errors) != 1 || a.Errors[0].Code != tc.code) {
			t.Errorf("%s: %s, want code %q", tc.name, body, tc.code)
		}
	}
	st := srv.Stats()
	if st.Calls["REST describe2.json"] != 4 || st.Admitted != 2 {
		t.Errorf("stats = %+v, want 4 describe2 calls of which 2 admitted", st)
	}
}

// typeCase is one value sent in a Sync Leads record.
type typeCase struct {
	field, value string // REST name, JSON value
	stored       string // what the store keeps; "" when refused
	reason       string // the refusal's message; "" means Marketo's 1003 sentence
}

// TestRESTTypeRules sends each value for an existing lead, next to a valid
// record for another lead, and checks what a live instance did: a value
// that does not fit is skipped with 1003 "Invalid value for field '<f>'",
// nothing of that record is written, and the other record is applied.
func TestRESTTypeRules(t *testing.T) {
	const refused = "" // stored value of a refused record: nothing
	tests := []typeCase{
		// The answers recorded from a live instance.
		{"unsubscribed", `"other"`, refused, ""},
		{"emailField", `"bademail"`, refused, ""},
		{"numberOfEmployees", `14.1`, refused, ""},
		{"floatField", `"14c"`, refused, ""},
		{"datetimeField", `"yesterday"`, refused, ""},
		{"percentField", `"100%"`, refused, ""},

		{"unsubscribed", `true`, "true", ""},
		{"unsubscribed", `false`, "false", ""},
		{"unsubscribed", `"TRUE"`, "true", ""},
		{"unsubscribed", `"yes"`, "true", ""},
		{"unsubscribed", `"No"`, "false", ""},
		{"unsubscribed", `1`, "true", ""},
		{"unsubscribed", `"0"`, "false", ""},
		{"unsubscribed", `2`, refused, ""},
		{"unsubscribed", `"y"`, refused, ""},
		{"unsubscribed", `"checked"`, refused, ""},

		{"emailField", `"Ann.Lee+tag@example.co.uk"`, "Ann.Lee+tag@example.co.uk", ""},
		{"emailField", `"zoë@example.com"`, refused, ""},
		{"emailField", `"a@b@example.com"`, refused, ""},
		{"emailField", `"ann lee@example.com"`, refused, ""},

		{"numberOfEmployees", `14`, "14", ""},
		{"numberOfEmployees", `"007"`, "7", ""},
		{"numberOfEmployees", `-3`, "-3", ""},
		{"numberOfEmployees", `"14.1"`, refused, ""},
		{"numberOfEmployees", `14.0`, refused, ""},
		{"numberOfEmployees", `1e3`, refused, ""},
		{"numberOfEmployees", `2147483648`, refused, ""},
		{"numberOfEmployees", `true`, refused, ""},
		{"numberOfEmployees", `"1,000"`, refused, ""},

		{"floatField", `14.5`, "14.5", ""},
		{"floatField", `"-0.25"`, "-0.25", ""},
		{"floatField", `3`, "3", ""},
		{"floatField", `".5"`, "0.5", ""},
		{"floatField", `"1e3"`, refused, ""},
		{"floatField", `"NaN"`, refused, ""},
		{"floatField", `"Inf"`, refused, ""},
		{"floatField", `"0x1p-2"`, refused, ""},
		{"floatField", `"1,5"`, refused, ""},
		{"annualRevenue", `10.40`, "10.4", ""},
		{"annualRevenue", `"$10"`, refused, ""},

		{"datetimeField", `"2010-05-07T15:41:32-05:00"`, "2010-05-07T20:41:32Z", ""},
		{"datetimeField", `"2010-05-07T15:41:32Z"`, "2010-05-07T15:41:32Z", ""},
		{"datetimeField", `"2010-05-07T15:41:32.250+02:00"`, "2010-05-07T13:41:32Z", ""},
		{"datetimeField", `"2010-05-07T15:41-05:00"`, "2010-05-07T20:41:00Z", ""},
		{"datetimeField", `"2010-05-07T15:41:32"`, refused, ""},
		{"datetimeField", `"2010-05-07 15:41:32Z"`, refused, ""},
		{"datetimeField", `"2010-05-07"`, refused, ""},
		{"datetimeField", `"2010-05-07T15:41:32+0500"`, refused, ""},
		{"datetimeField", `"2010-02-30T10:00:00Z"`, refused, ""},

		{"dateOfBirth", `"2010-05-07"`, "2010-05-07", ""},
		{"dateOfBirth", `"2010-5-7"`, refused, ""},
		{"dateOfBirth", `"05/07/2010"`, refused, ""},
		{"dateOfBirth", `"2010-02-30"`, refused, ""},
		{"dateOfBirth", `"2010-05-07T00:00:00Z"`, refused, ""},

		{"percentField", `30`, "30", ""},
		{"percentField", `"100"`, "100", ""},
		{"percentField", `12.5`, refused, ""},
		{"percentField", `"0.3"`, refused, ""},
		{"scoreField", `10`, "10", ""},
		{"scoreField", `"+5"`, "5", ""},
		{"scoreField", `"10 points"`, refused, ""},
		{"scoreField", `1.5`, refused, ""},

		{"acquisitionProgramId", `"1042"`, "1042", ""},
		{"acquisitionProgramId", `1042`, "1042", ""},
		{"acquisitionProgramId", `{"id":1042}`, refused, ""},
		{"contactCompany", `"1042"`, refused, "Invalid data: field 'contactCompany' is read-only"},
		{"fullName", `"Ann Lee"`, refused, "Invalid data: field 'fullName' is read-only"},
		{"sfdcLeadId", `"00Q5e00000AbCdE"`, refused, "Invalid data: field 'sfdcLeadId' is read-only"},

		{"title", `"` + strings.Repeat("é", 255) + `"`, strings.Repeat("é", 255), ""},
		{"title", `"` + strings.Repeat("a", 256) + `"`, refused, ""},
		{"unsubscribedReason", `"` + strings.Repeat("a", 2000) + `"`, strings.Repeat("a", 2000), ""},
		{"unsubscribedReason", `"` + strings.Repeat("a", 2001) + `"`, refused, ""},
		{"address", `"` + strings.Repeat("a", 30000) + `"`, strings.Repeat("a", 30000), ""},
		{"address", `"` + strings.Repeat("€", 10000) + `"`, strings.Repeat("€", 10000), ""},
		{"address", `"` + strings.Repeat("€", 10001) + `"`, refused, ""},
		{"address", `"` + strings.Repeat("a", 30001) + `"`, refused, ""},
		{"textareaField", `"` + strings.Repeat("€", 10001) + `"`, refused, ""},
		{"phone", `"+1 (555) 010-2030"`, "+1 (555) 010-2030", ""},
		{"website", `"http://example.com/"`, "http://example.com/", ""},
	}
	srv, clock := newTestServer(t, func(c *Config) { c.CustomFields = typeFields })
	token := mustToken(t, srv)
	soap := soapNames()
	seed := make([]string, len(tests))
	for i := range tests {
		seed[i] = fmt.Sprintf(`{"email":"type%d@example.com","firstName":"Before"}`, i)
	}
	mustSyncREST(t, srv, token, `{"action":"createOnly","input":[`+strings.Join(seed, ",")+`]}`)
	ids := map[string]int{}
	for _, l := range srv.Leads() {
		ids[l.Email] = l.ID
	}

	for i, tc := range tests {
		name := tc.field + "=" + tc.value
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			clock.Advance(time.Second)
			email, peer := fmt.Sprintf("type%d@example.com", i), fmt.Sprintf("peer%d@example.com", i)
			body := fmt.Sprintf(`{"input":[{"email":%q,"firstName":"After",%q:%s},{"email":%q,"firstName":"Peer"}]}`, email, tc.field, tc.value, peer)
			status, a := postLeads(t, srv, token, body)
			if status != http.StatusOK || !a.Success || len(a.Result) != 2 {
				t.Fatalf("HTTP %d %+v", status, a)
			}
			leads := map[string]Lead{}
			for _, l := range srv.Leads() {
				leads[l.Email] = l
			}
			if p, found := leads[peer]; a.Result[1].Status != "created" || !found || p.Fields["FirstName"] != "Peer" {
				t.Errorf("the valid record next to it: %+v, stored %+v; want it created", a.Result[1], p)
			}
			got, l := a.Result[0], leads[email]
			if tc.stored == "" {
				want := tc.reason
				if want == "" {
					want = fmt.Sprintf("Invalid value for field '%s'", tc.field)
				}
				if got.Status != "skipped" || got.ID != 0 || len(got.Reasons) != 1 || got.Reasons[0].Code != "1003" || got.Reasons[0].Message != want {
					t.Errorf("answer %+v, want skipped with 1003 %q", got, want)
				}
				if l.Fields["FirstName"] != "Before" || l.Fields[soap[tc.field]] != "" {
					t.Errorf("a skipped record changed the lead: %+v", l)
				}
				return
			}
			if got.Status != "updated" || got.ID != ids[email] || len(got.Reasons) != 0 {
				t.Errorf("answer %+v, want lead %d updated", got, ids[email])
			}
			if l.Fields["FirstName"] != "After" || l.Fields[soap[tc.field]] != tc.stored {
				t.Errorf("stored %s = %q (first name %q), want %q", tc.field, clip(l.Fields[soap[tc.field]]), l.Fields["FirstName"], clip(tc.stored))
			}
		})
	}
}

// TestRESTNullClears: JSON null (and an empty string) clears a field of an
// existing lead, leaves the fields a record does not name alone, and takes
// the lead out of the lookup index of a searchable field; Get Leads then
// answers null, except a boolean, which a live instance answered false.
func TestRESTNullClears(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) { c.CustomFields = typeFields })
	token := mustToken(t, srv)
	mustSyncREST(t, srv, token, `{"input":[{"email":"null@example.com","firstName":"Ann","lastName":"Lee","title":"CFO",
		"numberOfEmployees":12,"unsubscribed":true,"datetimeField":"2010-05-07T15:41:32Z","crmPersonId":"P-9","percentField":30,"address":"1 Main St"}]}`)
	fields := []string{"firstName", "lastName", "title", "numberOfEmployees", "unsubscribed", "datetimeField", "crmPersonId", "percentField", "address"}
	lookUp := func() map[string]json.RawMessage {
		t.Helper()
		q := url.Values{"filterType": {"email"}, "filterValues": {"null@example.com"}, "fields": {strings.Join(fields, ",")}}
		_, a, body := find(t, srv, token, q, false)
		if !a.Success || len(a.Result) != 1 {
			t.Fatalf("Get Leads: %s", body)
		}
		return a.Result[0]
	}
	before := lookUp()
	if string(before["unsubscribed"]) != "true" || string(before["numberOfEmployees"]) != "12" || string(before["percentField"]) != "30" {
		t.Fatalf("seeded lead reads %v", before)
	}

	steps := []struct {
		body  string
		after map[string]string // REST name -> JSON Get Leads answers
	}{
		{`{"input":[{"email":"null@example.com","lastName":null,"title":""}]}`, map[string]string{
			"firstName": `"Ann"`, "lastName": "null", "title": "null", "numberOfEmployees": "12", "unsubscribed": "true",
			"datetimeField": `"2010-05-07T15:41:32Z"`, "crmPersonId": `"P-9"`, "percentField": "30", "address": `"1 Main St"`}},
		{`{"input":[{"email":"null@example.com","firstName":null,"numberOfEmployees":null,"unsubscribed":null,"datetimeField":null,"crmPersonId":null,"percentField":null,"address":null}]}`, map[string]string{
			"firstName": "null", "lastName": "null", "title": "null", "numberOfEmployees": "null", "unsubscribed": "false",
			"datetimeField": "null", "crmPersonId": "null", "percentField": "null", "address": "null"}},
	}
	for i, step := range steps {
		clock.Advance(time.Second)
		_, a := postLeads(t, srv, token, step.body)
		if !a.Success || len(a.Result) != 1 || a.Result[0].Status != "updated" {
			t.Fatalf("step %d: %+v, want updated", i, a)
		}
		got := lookUp()
		for f, want := range step.after {
			if string(got[f]) != want {
				t.Errorf("step %d: %s reads %s, want %s", i, f, got[f], want)
			}
		}
	}
	if l := srv.Leads()[0]; len(l.Fields) != 0 {
		t.Errorf("store still holds %v after every field was cleared", l.Fields)
	}
	q := url.Values{"filterType": {"crmPersonId"}, "filterValues": {"P-9"}}
	if _, a, body := find(t, srv, token, q, false); !a.Success || len(a.Result) != 0 {
		t.Errorf("the cleared crmPersonId still finds the lead: %s", body)
	}
}

// TestRESTActionsByLookupField: createOnly refuses a lead that exists
// (1005) and updateOnly one that does not (1004), by email and by custom
// searchable fields, keys compared as Sync Leads stores them.
func TestRESTActionsByLookupField(t *testing.T) {
	tests := []struct {
		lookup           string
		existing, absent string // JSON key values
		same             string // another spelling of existing
	}{
		{"email", `"exist@example.com"`, `"absent@example.com"`, `"EXIST@Example.com"`},
		{"crmPersonId", `"P-1"`, `"P-2"`, `"p-1"`},
		{"memberNo", `7`, `8`, `"007"`},
	}
	for _, tc := range tests {
		t.Run(tc.lookup, func(t *testing.T) {
			srv, clock := newTestServer(t, func(c *Config) { c.CustomFields = typeFields })
			token := mustToken(t, srv)
			key := func(v string) string { return fmt.Sprintf("%q:%s", tc.lookup, v) }
			mustSyncREST(t, srv, token, fmt.Sprintf(`{"lookupField":%q,"input":[{%s,"firstName":"Original"}]}`, tc.lookup, key(tc.existing)))
			existingID := srv.Leads()[0].ID
			type want struct {
				status, code, message string
			}
			for _, step := range []struct {
				action string
				key    string
				want   want
				first  string // first name of the existing lead afterwards
				leads  int
			}{
				{"createOnly", tc.same, want{"skipped", "1005", "Lead already exists"}, "Original", 1},
				{"updateOnly", tc.absent, want{"skipped", "1004", "Lead not found"}, "Original", 1},
				{"updateOnly", tc.same, want{"updated", "", ""}, "Updated", 1},
				{"createOnly", tc.absent, want{"created", "", ""}, "Updated", 2},
			} {
				clock.Advance(time.Second)
				body := fmt.Sprintf(`{"action":%q,"lookupField":%q,"input":[{%s,"firstName":"Updated"}]}`, step.action, tc.lookup, key(step.key))
				status, a := postLeads(t, srv, token, body)
				if status != http.StatusOK || !a.Success || len(a.Result) != 1 {
					t.Fatalf("%s %s: HTTP %d %+v", step.action, step.key, status, a)
				}
				r := a.Result[0]
				switch {
				case r.Status != step.want.status:
					t.Errorf("%s %s: %+v, want %s", step.action, step.key, r, step.want.status)
				case step.want.code != "" && (len(r.Reasons) != 1 || r.Reasons[0].Code != step.want.code || r.Reasons[0].Message != step.want.message || r.ID != 0):
					t.Errorf("%s %s: %+v, want %s %q", step.action, step.key, r, step.want.code, step.want.message)
				case step.want.status == "updated" && r.ID != existingID:
					t.Errorf("%s %s: updated lead %d, want %d", step.action, step.key, r.ID, existingID)
				}
				leads := srv.Leads()
				if len(leads) != step.leads || leads[0].Fields["FirstName"] != step.first {
					t.Errorf("%s %s: store %+v, want %d leads and the first named %s", step.action, step.key, leads, step.leads, step.first)
				}
			}
		})
	}
}

// TestSOAPTypeRules: SOAP shares the type rules and refuses a CRM-managed
// field; describeMObject marks it update-blocked but not read-only.
func TestSOAPTypeRules(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) { c.CustomFields = typeFields })
	status, body := postSOAP(t, srv, "", envelope(authHeader(srv.Config(), clock.Now()), syncBody("true",
		`<Email>a@example.com</Email>`+attrs("datetimeField", "2010-05-07T15:41:32-05:00", "percentField", "30"),
		`<Email>b@example.com</Email>`+attrs("percentField", "100%"),
		`<Email>c@example.com</Email>`+attrs("sfdcLeadId", "00Q5e00000AbCdE"),
		`<Email>d@example.com</Email>`+attrs("fullName", "Ann Lee"),
	)))
	if status != http.StatusOK {
		t.Fatalf("HTTP %d\n%s", status, body)
	}
	r := decodeSync(t, body)
	want := []string{"CREATED", "FAILED", "FAILED", "FAILED"}
	for i, st := range r.Statuses {
		if st.Status != want[i] || (want[i] == "FAILED") == (st.Error.Text == "") {
			t.Errorf("record %d = %+v, want %s", i, st, want[i])
		}
	}
	if len(r.Statuses) != len(want) {
		t.Fatalf("%d statuses, want %d", len(r.Statuses), len(want))
	}
	if l := srv.Leads(); len(l) != 1 || l[0].Fields["datetimeField"] != "2010-05-07T20:41:32Z" || l[0].Fields["percentField"] != "30" {
		t.Errorf("store = %+v", l)
	}

	status, body = postSOAP(t, srv, "", envelope(authHeader(srv.Config(), clock.Now()),
		`<ns1:paramsDescribeMObject><objectName>LeadRecord</objectName></ns1:paramsDescribeMObject>`))
	if status != http.StatusOK {
		t.Fatalf("describe: HTTP %d\n%s", status, body)
	}
	for _, want := range []string{
		`<name>sfdcLeadId</name><description xsi:nil="true" /><displayName>SFDC Lead ID</displayName><sourceObject>Lead</sourceObject><dataType>string</dataType><size>18</size><isReadonly>false</isReadonly><isUpdateBlocked>true</isUpdateBlocked>`,
		`<name>fullName</name><description xsi:nil="true" /><displayName>fullName</displayName><sourceObject>Lead</sourceObject><dataType>formula</dataType><size xsi:nil="true" /><isReadonly>true</isReadonly><isUpdateBlocked>true</isUpdateBlocked>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("describeMObject lacks %q", want)
		}
	}
}
