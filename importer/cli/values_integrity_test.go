package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"leadsheet/importer/cli"
	"leadsheet/marketo/marketotest"
)

// typedFields are the custom fields the types case adds to the sandbox.
var typedFields = []string{"--field", "lastEventAt:datetime", "--field", "discount:percent", "--field", "vip:boolean"}

// valueFields are what the types case reads back for each person.
var valueFields = []string{"city", "title", "company", "dateOfBirth", "lastEventAt", "annualRevenue", "numberOfEmployees", "discount", "vip", "doNotCall"}

// typesAndPolicies drives `leadsheet sync` over REST through every value
// setting an operator has, one run after another on the same people, and
// reads each outcome back with Get Leads by Filter Type, as any REST client
// would: typed values normalised (a day-first date, a Chicago time, a
// dollar amount, a tick column), then blanks cleared, then only empty
// fields filled, then update only and create only.
func typesAndPolicies(t *testing.T, s *suite) {
	h := newHarness(t, s, "rest", append([]string{"--no-limits"}, typedFields...)...)
	h.sb.seed(t,
		map[string]string{"email": "ann@types.example", "city": "Lyon", "title": "CEO", "company": "Old Co", "annualRevenue": "10"},
		map[string]string{"email": "bob@types.example", "city": "Nice", "doNotCall": "true"})
	maps := []string{"--map", "Birthdate=dateOfBirth", "--map", "Met at=lastEventAt", "--map", "Revenue=annualRevenue",
		"--map", "Employees=numberOfEmployees", "--map", "Discount=discount", "--map", "VIP=vip", "--map", "Do not call=doNotCall"}

	in := h.path("typed.xlsx")
	writeTyped(t, in, [][]any{
		{"Email", "City", "Title", "Company", "Birthdate", "Met at", "Revenue", "Employees", "Discount", "VIP", "Do not call"},
		{"ann@types.example", "Paris", "", "New Co", "05/03/1990", "05/03/2024 14:30", "$1,234.50", "42.0", "15%", "x", "yes"},
		{"bob@types.example", "", "CTO", "", excelDate("1985-12-31"), "", "", "", "", "", ""},
		{"cy@types.example", "Metz", "CFO", "Cy Co", "31/02/2026", "", "", "", "", "", ""},
		{"dee@types.example", "Brest", "", "", "", "2024-07-01T09:00:00Z", "7", "", "", "x", ""},
	})
	values := append([]string{"--date-order", "day-first", "--time-zone", "America/Chicago", "--tick-columns", "VIP"}, maps...)

	r := h.sync(t, in, append([]string{"--results", h.out("typed.xlsx")}, values...)...)
	if r.code != cli.ExitRows || !strings.Contains(r.stdout, "4 rows: 1 created, 2 updated, 0 failed, 1 invalid, 0 not sent") ||
		!strings.Contains(r.stderr, "February") {
		t.Fatalf("typed sync:\n%s", r)
	}
	got := h.sb.restFind(t, []string{"ann@types.example", "bob@types.example", "cy@types.example", "dee@types.example"}, valueFields)
	want := map[string]map[string]string{
		"ann@types.example": {"city": "Paris", "title": "CEO", "company": "New Co", "dateOfBirth": "1990-03-05",
			"lastEventAt": "2024-03-05T20:30:00Z", "annualRevenue": "1234.5", "numberOfEmployees": "42", "discount": "15", "vip": "true", "doNotCall": "true"},
		// VIP is the tick column: its blank is No. Do not call is not:
		// its blank leaves Marketo's Yes alone.
		"bob@types.example": {"city": "Nice", "title": "CTO", "dateOfBirth": "1985-12-31", "vip": "false", "doNotCall": "true"},
		"dee@types.example": {"city": "Brest", "lastEventAt": "2024-07-01T09:00:00Z", "annualRevenue": "7", "vip": "true", "doNotCall": "false"},
	}
	checkValues(t, "typed sync", got, want)

	// Blank cells clear what they map to, and only that.
	blanks := h.path("blanks.xlsx")
	writeTyped(t, blanks, [][]any{{"Email", "City", "Title"}, {"ann@types.example", "Rome", ""}})
	if r := h.sync(t, blanks, "--clear-blanks", "--results", h.out("blanks.xlsx")); r.code != cli.ExitOK {
		t.Fatalf("clear blanks:\n%s", r)
	}
	want["ann@types.example"]["city"], want["ann@types.example"]["title"] = "Rome", ""
	checkValues(t, "clear blanks", h.sb.restFind(t, []string{"ann@types.example"}, valueFields), pick(want, "ann@types.example"))

	// Only empty fields are filled: ann's city stays, her cleared title
	// and bob's empty company are filled.
	fill := h.path("fill.xlsx")
	writeTyped(t, fill, [][]any{{"Email", "City", "Title", "Company"}, {"ann@types.example", "Oslo", "COO", "Other Co"}, {"bob@types.example", "Bern", "CIO", "Bob Co"}})
	if r := h.sync(t, fill, "--fill-empty", "--results", h.out("fill.xlsx")); r.code != cli.ExitOK {
		t.Fatalf("fill empty:\n%s", r)
	}
	want["ann@types.example"]["title"] = "COO"
	want["bob@types.example"]["company"] = "Bob Co"
	checkValues(t, "fill empty", h.sb.restFind(t, []string{"ann@types.example", "bob@types.example"}, valueFields), pick(want, "ann@types.example", "bob@types.example"))

	// Update only creates nobody; create only touches nobody known.
	modes := h.path("modes.xlsx")
	writeTyped(t, modes, [][]any{{"Email", "City"}, {"ann@types.example", "Kiev"}, {"eve@types.example", "Riga"}})
	r = h.sync(t, modes, "--mode", "update-only", "--results", h.out("update-only.xlsx"))
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, "2 rows: 0 created, 1 updated, 0 failed, 0 invalid, 0 not sent, 1 left alone") {
		t.Fatalf("update only:\n%s", r)
	}
	want["ann@types.example"]["city"] = "Kiev"
	got = h.sb.restFind(t, []string{"ann@types.example", "eve@types.example"}, valueFields)
	checkValues(t, "update only", got, pick(want, "ann@types.example"))

	writeTyped(t, modes, [][]any{{"Email", "City"}, {"ann@types.example", "Oslo"}, {"eve@types.example", "Riga"}})
	r = h.sync(t, modes, "--mode", "create-only", "--results", h.out("create-only.xlsx"))
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, "2 rows: 1 created, 0 updated, 0 failed, 0 invalid, 0 not sent, 1 left alone") {
		t.Fatalf("create only:\n%s", r)
	}
	want["eve@types.example"] = map[string]string{"city": "Riga", "vip": "false", "doNotCall": "false"}
	checkValues(t, "create only", h.sb.restFind(t, []string{"ann@types.example", "eve@types.example"}, valueFields), pick(want, "ann@types.example", "eve@types.example"))
	if n := len(h.sb.leads(t)); n != 4 {
		t.Errorf("the store holds %d leads, want the 2 seeded, dee, eve and no cy", n)
	}
}

// excelDate marks a cell written as an Excel date (a serial number with a
// date format), as a sheet typed in Excel holds it.
type excelDate string

// writeTyped writes records to Sheet1: strings as text, excelDate as a
// date-formatted serial.
func writeTyped(t *testing.T, path string, records [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range records {
		for j, v := range rec {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			switch v := v.(type) {
			case string:
				if v != "" {
					err = f.SetCellStr("Sheet1", cell, v)
				}
			case excelDate:
				err = f.SetCellValue("Sheet1", cell, mustDate(t, string(v)))
				if err == nil {
					err = f.SetCellStyle("Sheet1", cell, cell, style)
				}
			default:
				t.Fatalf("writeTyped: %T", v)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// restFind reads people back through the sandbox's REST API with Get Leads
// by Filter Type, field values as text ("" for null).
func (s *sandbox) restFind(t *testing.T, emails, fields []string) map[string]map[string]string {
	t.Helper()
	q := url.Values{"grant_type": {"client_credentials"}, "client_id": {marketotest.DefaultClientID}, "client_secret": {marketotest.DefaultClientSecret}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	s.getJSON(t, marketotest.IdentityPath+"/oauth/token?"+q.Encode(), &tok)
	p := url.Values{"filterType": {"email"}, "filterValues": {strings.Join(emails, ",")}, "fields": {"email," + strings.Join(fields, ",")}}
	req, err := http.NewRequest(http.MethodGet, s.root+marketotest.RESTPath+"/v1/leads.json?"+p.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans struct {
		Success bool             `json:"success"`
		Raw     []map[string]any `json:"result"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&ans); err != nil || !ans.Success {
		t.Fatalf("Get Leads by Filter Type: %+v, %v", ans, err)
	}
	out := map[string]map[string]string{}
	for _, l := range ans.Raw {
		email := fmt.Sprint(l["email"])
		if _, dup := out[email]; dup {
			t.Errorf("two leads have email %s", email)
		}
		vals := map[string]string{}
		for _, f := range fields {
			if v, ok := l[f]; ok && v != nil {
				vals[f] = fmt.Sprint(v)
			}
		}
		out[email] = vals
	}
	return out
}

// checkValues compares what Marketo holds with what the runs promised:
// every person wanted is there with exactly these values (fields not
// named are empty), and nobody else of those asked for.
func checkValues(t *testing.T, step string, got, want map[string]map[string]string) {
	t.Helper()
	for email, w := range want {
		g, ok := got[email]
		if !ok {
			t.Errorf("%s: %s is not in Marketo", step, email)
			continue
		}
		for _, f := range valueFields {
			if g[f] != w[f] {
				t.Errorf("%s: %s %s is %q, want %q", step, email, f, g[f], w[f])
			}
		}
	}
	for email := range got {
		if _, ok := want[email]; !ok {
			t.Errorf("%s: %s is in Marketo and should not be", step, email)
		}
	}
}

func pick(m map[string]map[string]string, keys ...string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
