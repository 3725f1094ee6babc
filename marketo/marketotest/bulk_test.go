package marketotest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// bulkAnswer is a decoded Import Leads or Get Import Lead Status answer.
type bulkAnswer struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Result []importLeadResponse `json:"result"`
}

// multipartFile builds a multipart/form-data body holding file as the part
// "file", as the docs' example sends it.
func multipartFile(t testing.TB, file []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, err := w.CreateFormFile("file", "leads.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(file); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.Bytes()
}

// bulkRequest sends one Bulk API request and returns the HTTP status, the
// Content-Type and the body.
func bulkRequest(t testing.TB, srv *Server, token, method, path, contentType string, body []byte) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.BulkBaseURL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

func decodeBulk(t testing.TB, status int, body []byte) bulkAnswer {
	t.Helper()
	var a bulkAnswer
	if status != http.StatusOK {
		t.Fatalf("HTTP %d: %.300s", status, body)
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("decode bulk answer: %v\n%s", err, body)
	}
	return a
}

// bulkImport uploads file with the query string query and returns the
// answer.
func bulkImport(t testing.TB, srv *Server, token, query string, file []byte) bulkAnswer {
	t.Helper()
	ct, body := multipartFile(t, file)
	status, _, b := bulkRequest(t, srv, token, http.MethodPost, "/v1/leads.json?"+query, ct, body)
	return decodeBulk(t, status, b)
}

// mustImport uploads file and returns its batchId.
func mustImport(t testing.TB, srv *Server, token, query string, file []byte) int {
	t.Helper()
	a := bulkImport(t, srv, token, query, file)
	if !a.Success || len(a.Result) != 1 || a.Result[0].Status != bulkQueued || a.Result[0].ImportID != fmt.Sprint(a.Result[0].BatchID) {
		t.Fatalf("import: %+v", a)
	}
	return a.Result[0].BatchID
}

func bulkStatus(t testing.TB, srv *Server, token string, id int) importLeadResponse {
	t.Helper()
	status, _, b := bulkRequest(t, srv, token, http.MethodGet, fmt.Sprintf("/v1/leads/batch/%d.json", id), "", nil)
	a := decodeBulk(t, status, b)
	if !a.Success || len(a.Result) != 1 || a.Result[0].BatchID != id {
		t.Fatalf("status of %d: %+v", id, a)
	}
	return a.Result[0]
}

// bulkFile reads a failures or warnings file and splits it with comma.
func bulkFile(t testing.TB, srv *Server, token string, id int, which string, comma rune) [][]string {
	t.Helper()
	status, ct, b := bulkRequest(t, srv, token, http.MethodGet, fmt.Sprintf("/v1/leads/batch/%d/%s.json", id, which), "", nil)
	if status != http.StatusOK || strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s of %d: HTTP %d %s %s", which, id, status, ct, b)
	}
	rd := csv.NewReader(bytes.NewReader(b))
	rd.Comma = comma
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("%s of %d is not %q-separated: %v\n%s", which, id, comma, err, b)
	}
	return rows
}

// writeRows writes rows as an import file separated by comma.
func writeRows(t testing.TB, comma rune, rows ...[]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = comma
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func leadByEmail(leads []Lead, email string) (Lead, bool) {
	for _, l := range leads {
		if strings.EqualFold(l.Email, email) {
			return l, true
		}
	}
	return Lead{}, false
}

func TestBulkImportRows(t *testing.T) {
	header := []string{"email", "firstName", "lastName", "leadScore"}
	const (
		badType   = "Invalid data type in field Lead Score"
		noLookup  = "Value for lookup field 'email' not found"
		badEmail  = "Invalid email address"
		firstLong = "Value for field 'firstName' is too long: at most 255 characters"
	)
	rows := []struct {
		row              []string
		failure, warning string
	}{
		{row: []string{"new1@example.com", "Ann", "Lee", "10"}},
		{row: []string{"EXISTING@example.com", "New", "", ""}}, // blanks leave fields as they are
		{row: []string{"bad1@example.com", "Bo", "Ray", "TEXT_VALUE_IN_INTEGER_FIELD"}, failure: badType},
		{row: []string{"", "Benji", "Nordstrom", "3"}, failure: noLookup},
		{row: []string{"INVALID_EMAIL", "Aerys", "Targaryen", "0"}, warning: badEmail},
		{row: []string{"toolong@example.com", strings.Repeat("é", 256), "Lee", "1"}, failure: firstLong},
		{row: []string{"fits@example.com", strings.Repeat("é", 255), "", ""}},
		{row: []string{"quoted@example.com", "Lee; Jr.", "O\"Neil, \tSr.", "2"}}, // every delimiter, quoted
		{row: []string{"short@example.com", "Only two"}, failure: "Row has 2 values; the header has 4 columns"},
		{row: []string{"new1@example.com", "", "", "11"}}, // the lead of row 1 again
		{row: []string{"dup@example.com", "Dee", "", ""}, failure: "Multiple leads match the lookup criteria"},
		{row: []string{"INVALID_EMAIL", "", "T.", ""}, warning: badEmail}, // the warned lead again
		{row: []string{"spaces@example.com", "Pat", "", " 12 "}},          // spaces around a number
		{row: []string{"bad2@example.com", "Cy", "", "1e3"}, failure: badType},
		{row: []string{"bad3@example.com", "Di", "", "2147483648"}, failure: badType},
		{row: []string{"x@example.com,y@example.com", "Two", "", ""}, warning: badEmail},
		{row: []string{"zoë@example.com", "Zoë", "Åberg", "5"}, warning: badEmail},
		{row: []string{"warn-and-fail", "Ed", "", "TEXT"}, failure: badType}, // the failure wins
		{row: []string{"newline@example.com", "New", "two\nlines", ""}},
		{row: []string{"", "", "", ""}, failure: noLookup},
	}
	var file [][]string
	file = append(file, header)
	imported, failed, warned := 0, 0, 0
	for _, r := range rows {
		file = append(file, r.row)
		switch {
		case r.failure != "":
			failed++
		case r.warning != "":
			warned++
			imported++
		default:
			imported++
		}
	}
	formats := []struct {
		name  string
		comma rune
	}{{"csv", ','}, {"tsv", '\t'}, {"ssv", ';'}}
	for _, format := range formats {
		t.Run(format.name, func(t *testing.T) {
			srv, clock := newTestServer(t, nil)
			token := mustToken(t, srv)
			mustSyncREST(t, srv, token, `{"input":[{"email":"existing@example.com","firstName":"Old","lastName":"Stays","leadScore":5},{"email":"dup@example.com"}]}`)
			mustSyncREST(t, srv, token, `{"action":"createDuplicate","input":[{"email":"dup@example.com"}]}`)
			id := mustImport(t, srv, token, "format="+strings.ToUpper(format.name), writeRows(t, format.comma, file...))

			clock.Advance(time.Minute)
			want := importLeadResponse{BatchID: id, ImportID: fmt.Sprint(id), Status: bulkComplete,
				NumOfLeadsProcessed: imported, NumOfRowsFailed: failed, NumOfRowsWithWarning: warned,
				Message: fmt.Sprintf("Import completed with errors, %d records imported (%d members), %d failed, %d warnings.", imported, imported, failed, warned)}
			if st := bulkStatus(t, srv, token, id); st != want {
				t.Errorf("status\n got %+v\nwant %+v", st, want)
			}

			// The files hold the rows as sent (a short row padded), in
			// file order, with the reason; a row is in one file at most.
			for _, f := range []struct {
				name, column string
				reason       func(failure, warning string) string
			}{
				{"failures", failureColumn, func(failure, _ string) string { return failure }},
				{"warnings", warningColumn, func(failure, warning string) string { return map[bool]string{true: warning}[failure == ""] }},
			} {
				want := [][]string{append(slices.Clone(header), f.column)}
				for _, r := range rows {
					if reason := f.reason(r.failure, r.warning); reason != "" {
						row := append(slices.Clone(r.row), make([]string, len(header)-len(r.row))...)
						want = append(want, append(row, reason))
					}
				}
				if got := bulkFile(t, srv, token, id, f.name, format.comma); !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("%s\n got %q\nwant %q", f.name, got, want)
				}
			}

			leads := srv.Leads()
			stored := []struct {
				email, first, last, score string
			}{
				{"new1@example.com", "Ann", "Lee", "11"},
				{"existing@example.com", "New", "Stays", "5"},
				{"INVALID_EMAIL", "Aerys", "T.", "0"},
				{"fits@example.com", strings.Repeat("é", 255), "", ""},
				{"quoted@example.com", "Lee; Jr.", "O\"Neil, \tSr.", "2"},
				{"spaces@example.com", "Pat", "", "12"},
				{"x@example.com,y@example.com", "Two", "", ""},
				{"zoë@example.com", "Zoë", "Åberg", "5"},
				{"newline@example.com", "New", "two\nlines", ""},
			}
			for _, w := range stored {
				l, ok := leadByEmail(leads, w.email)
				if !ok || l.Fields["FirstName"] != w.first || l.Fields["LastName"] != w.last || l.Fields["LeadScore"] != w.score {
					t.Errorf("%s: %+v (stored %v), want %s %s %s", w.email, l.Fields, ok, w.first, w.last, w.score)
				}
			}
			// Three seeded leads and the ones above but existing@.
			if len(leads) != 3+len(stored)-1 {
				t.Errorf("%d leads stored, want %d: %+v", len(leads), 3+len(stored)-1, leads)
			}
			if st := srv.Stats(); st.Bulk[bulkComplete] != 1 || st.Calls["BULK import leads"] != 1 || st.Calls["BULK import failures"] != 1 ||
				st.LeadsCreated != 3+len(stored)-1 {
				t.Errorf("stats: bulk %v, calls %v, created %d", st.Bulk, st.Calls, st.LeadsCreated)
			}
		})
	}
}

// A column blank in every row of a failures file is left out, as in the
// failures file a community post shows: the row without an email comes
// back without the email column.
func TestBulkFailuresDropEmptyColumns(t *testing.T) {
	srv, clock := newTestServer(t, nil)
	token := mustToken(t, srv)
	id := mustImport(t, srv, token, "format=csv", []byte("firstName,lastName,phone,email\nBenji,Nordstrom,212-555-2323,\nAnna,Lee,,anna@example.com\n"))
	clock.Advance(time.Minute)
	if st := bulkStatus(t, srv, token, id); st.Status != bulkComplete || st.NumOfRowsFailed != 1 || st.NumOfLeadsProcessed != 1 {
		t.Fatalf("status %+v", st)
	}
	status, ct, b := bulkRequest(t, srv, token, http.MethodGet, fmt.Sprintf("/v1/leads/batch/%d/failures.json", id), "", nil)
	want := "firstName,lastName,phone,Import Failure Reason\nBenji,Nordstrom,212-555-2323,Value for lookup field 'email' not found\n"
	if status != http.StatusOK || !strings.HasPrefix(ct, "text/csv") || string(b) != want {
		t.Errorf("failures: HTTP %d %s\n%s\nwant\n%s", status, ct, b, want)
	}
	// No warnings: the header and the reason column only.
	if got := bulkFile(t, srv, token, id, "warnings", ','); len(got) != 1 || !slices.Equal(got[0], []string{"firstName", "lastName", "phone", "email", warningColumn}) {
		t.Errorf("warnings = %q", got)
	}
}

// Jobs go Queued, Importing, Complete on the sandbox clock: two at a time,
// in order, each after BulkImportDelay in the queue, one row per
// BulkRowTime. The batchId is forgotten seven days after the upload.
func TestBulkStatusFollowsTheClock(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) {
		c.BulkImportDelay = 10 * time.Second
		c.BulkRowTime = time.Second
	})
	token := mustToken(t, srv)
	file := func(job string) []byte {
		rows := [][]string{{"email", "firstName"}}
		for i := range 4 {
			rows = append(rows, []string{fmt.Sprintf("%s-%d@example.com", job, i), job})
		}
		return writeRows(t, ',', rows...)
	}
	ids := []int{mustImport(t, srv, token, "format=csv", file("a")), mustImport(t, srv, token, "format=csv", file("b"))}
	clock.Advance(2 * time.Second)
	ids = append(ids, mustImport(t, srv, token, "format=csv", file("c"))) // ready at 12 s

	type state struct {
		status    string
		processed int
	}
	steps := []struct {
		at    time.Duration // since the first upload
		want  [3]state
		leads int
	}{
		{5 * time.Second, [3]state{{bulkQueued, 0}, {bulkQueued, 0}, {bulkQueued, 0}}, 0},
		{10 * time.Second, [3]state{{bulkImporting, 0}, {bulkImporting, 0}, {bulkQueued, 0}}, 0},
		// c is ready, but two jobs are importing.
		{13 * time.Second, [3]state{{bulkImporting, 3}, {bulkImporting, 3}, {bulkQueued, 0}}, 6},
		// a and b end at 14 s, when c starts.
		{14 * time.Second, [3]state{{bulkComplete, 4}, {bulkComplete, 4}, {bulkImporting, 0}}, 8},
		{16 * time.Second, [3]state{{bulkComplete, 4}, {bulkComplete, 4}, {bulkImporting, 2}}, 10},
		{time.Hour, [3]state{{bulkComplete, 4}, {bulkComplete, 4}, {bulkComplete, 4}}, 12},
	}
	elapsed := 2 * time.Second
	for _, step := range steps {
		clock.Advance(step.at - elapsed)
		elapsed = step.at
		token = mustToken(t, srv)
		for i, id := range ids {
			st := bulkStatus(t, srv, token, id)
			if got := (state{st.Status, st.NumOfLeadsProcessed}); got != step.want[i] {
				t.Errorf("at %s job %d: %+v, want %+v", step.at, i, got, step.want[i])
			}
			if (st.Status == bulkComplete) != (st.Message == "Import succeeded, 4 records imported (4 members)") {
				t.Errorf("at %s job %d: message %q", step.at, i, st.Message)
			}
		}
		if got := len(srv.Leads()); got != step.leads {
			t.Errorf("at %s: %d leads stored, want %d", step.at, got, step.leads)
		}
	}
	if st := srv.Stats(); st.Bulk[bulkComplete] != 3 || st.LeadsCreated != 12 {
		t.Errorf("stats: bulk %v, created %d", st.Bulk, st.LeadsCreated)
	}

	// Seven days after the first upload its batchId is gone; the third,
	// uploaded 2 s later, is still there.
	clock.Advance(7*24*time.Hour - elapsed)
	token = mustToken(t, srv)
	status, _, b := bulkRequest(t, srv, token, http.MethodGet, fmt.Sprintf("/v1/leads/batch/%d.json", ids[0]), "", nil)
	if a := decodeBulk(t, status, b); a.Success || a.Errors[0].Code != "1013" {
		t.Errorf("status after seven days: %+v, want 1013", a)
	}
	if st := bulkStatus(t, srv, token, ids[2]); st.Status != bulkComplete {
		t.Errorf("third job: %+v", st)
	}
}

func TestBulkQueueHoldsTen(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) { c.BulkImportDelay, c.BulkRowTime = time.Second, time.Second })
	token := mustToken(t, srv)
	file := []byte("email\nq@example.com\n")
	for range 10 {
		mustImport(t, srv, token, "format=csv", file)
	}
	a := bulkImport(t, srv, token, "format=csv", file)
	if a.Success || a.Errors[0].Code != "1016" || a.Errors[0].Message != "Too many imports" {
		t.Fatalf("eleventh job: %+v, want 1016 Too many imports", a)
	}
	// The refused call is a 1xxx answer: it counts, as the ten did.
	_, total, _ := usage(t, srv, token)
	if total != 12 {
		t.Errorf("usage %d, want 10 imports, the refused one and this call", total)
	}
	// Two jobs of one row each end every second once started: after
	// 2 s, the first two are done and two places are free.
	clock.Advance(2 * time.Second)
	mustImport(t, srv, token, "format=csv", file)
	mustImport(t, srv, token, "format=csv", file)
	if a := bulkImport(t, srv, token, "format=csv", file); a.Success || a.Errors[0].Code != "1016" {
		t.Errorf("with ten queued again: %+v, want 1016", a)
	}
}

// An upload over the 10 MB limit gets 413 before anything else, and does
// not count; one under it is queued.
func TestBulkFileSizeLimit(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	token := mustToken(t, srv)
	tests := []struct {
		name   string
		size   int
		status int
	}{
		{"10 MB", maxBulkBody, http.StatusRequestEntityTooLarge},
		{"over 10 MB", maxBulkBody + 1_000_000, http.StatusRequestEntityTooLarge},
		{"9.9 MB", maxBulkBody - 100_000, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Stats()
			file := append([]byte("email\n"), bytes.Repeat([]byte("x"), tt.size-6)...)
			ct, body := multipartFile(t, file)
			status, _, b := bulkRequest(t, srv, token, http.MethodPost, "/v1/leads.json?format=csv", ct, body)
			if status != tt.status {
				t.Fatalf("HTTP %d, want %d: %.200s", status, tt.status, b)
			}
			after := srv.Stats()
			counted := after.QuotaUsed - before.QuotaUsed
			jobs := after.Bulk[bulkQueued] - before.Bulk[bulkQueued]
			if tt.status == http.StatusOK && (counted != 1 || jobs != 1 || !bytes.Contains(b, []byte(`"Queued"`))) {
				t.Errorf("accepted upload: counted %d, jobs %d, %s", counted, jobs, b)
			}
			if tt.status != http.StatusOK && (counted != 0 || jobs != 0 || after.Faults["http-413"] != before.Faults["http-413"]+1) {
				t.Errorf("refused upload: counted %d, jobs %d, faults %v", counted, jobs, after.Faults)
			}
		})
	}
}

func TestBulkCallErrors(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) {
		c.CustomFields = []FieldDef{{RESTName: "memberNo", DataType: TypeInteger, Searchable: true}}
		c.BulkImportDelay = time.Hour
	})
	token := mustToken(t, srv)
	queued := mustImport(t, srv, token, "format=csv", []byte("email\nq@example.com\n"))
	csvType, good := multipartFile(t, []byte("email\na@example.com\n"))
	emptyType, empty := multipartFile(t, []byte("\n \n"))
	var noFile bytes.Buffer
	w := multipart.NewWriter(&noFile)
	if err := w.WriteField("format", "csv"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	tests := []struct {
		name, method, path, contentType string
		body                            []byte
		token                           string
		code, message                   string
	}{
		{"no format", http.MethodPost, "/v1/leads.json", csvType, good, token, "1002", "Missing value for the required parameter 'format'"},
		{"unknown format", http.MethodPost, "/v1/leads.json?format=xlsx", csvType, good, token, "1003", "Invalid format 'xlsx': csv, tsv or ssv expected"},
		{"unknown lookupField", http.MethodPost, "/v1/leads.json?format=csv&lookupField=nope", csvType, good, token, "1006", "Field 'nope' not found"},
		{"unsearchable lookupField", http.MethodPost, "/v1/leads.json?format=csv&lookupField=firstName", csvType, good, token, "1011", "Field 'firstName' not supported"},
		{"listId not a number", http.MethodPost, "/v1/leads.json?format=csv&listId=abc", csvType, good, token, "1001", "Invalid value 'abc'. Required of type 'Integer'"},
		{"no file", http.MethodPost, "/v1/leads.json?format=csv", w.FormDataContentType(), noFile.Bytes(), token, "1002", "Missing value for the required parameter 'file'"},
		{"empty file", http.MethodPost, "/v1/leads.json?format=csv", emptyType, empty, token, "1003", "Empty File"},
		{"not multipart", http.MethodPost, "/v1/leads.json?format=csv", "text/csv", []byte("email\na@example.com\n"), token, "612", "Invalid Content Type"},
		{"no token", http.MethodPost, "/v1/leads.json?format=csv", csvType, good, "", "601", "Access token invalid"},
		{"token in the query", http.MethodPost, "/v1/leads.json?format=csv&access_token=" + token, csvType, good, "", "601", "Access token invalid"},
		{"GET on import", http.MethodGet, "/v1/leads.json", "", nil, token, "605", "HTTP Method not supported: Import Leads is called with POST"},
		{"POST on status", http.MethodPost, fmt.Sprintf("/v1/leads/batch/%d.json", queued), csvType, good, token, "605", "HTTP Method not supported: the import status and its files are read with GET"},
		{"batchId not a number", http.MethodGet, "/v1/leads/batch/abc.json", "", nil, token, "1001", "Invalid value 'abc'. Required of type 'Integer'"},
		{"unknown batchId", http.MethodGet, "/v1/leads/batch/99.json", "", nil, token, "1013", "Object not found: no import batch 99 (a batchId is valid for seven days)"},
		{"failures too early", http.MethodGet, fmt.Sprintf("/v1/leads/batch/%d/failures.json", queued), "", nil, token, "1003",
			fmt.Sprintf("Invalid data: import batch %d is Queued; its failures are ready when it is Complete", queued)},
		{"unknown bulk path", http.MethodGet, "/v1/leads/export.json", "", nil, token, "610", "Requested resource not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, b := bulkRequest(t, srv, tt.token, tt.method, tt.path, tt.contentType, tt.body)
			a := decodeBulk(t, status, b)
			if a.Success || len(a.Errors) != 1 || a.Errors[0].Code != tt.code || a.Errors[0].Message != tt.message {
				t.Errorf("got %+v, want %s %q", a, tt.code, tt.message)
			}
		})
	}
	// The format may come as a form field, as in the docs' curl example,
	// and in any case.
	var form bytes.Buffer
	fw := multipart.NewWriter(&form)
	if err := fw.WriteField("format", "TSV"); err != nil {
		t.Fatal(err)
	}
	part, err := fw.CreateFormFile("file", "leads.tsv")
	if err != nil {
		t.Fatal(err)
	}
	part.Write([]byte("email\tmemberNo\nform@example.com\t007\n")) //nolint:errcheck // a bytes.Buffer
	fw.Close()
	status, _, b := bulkRequest(t, srv, token, http.MethodPost, "/v1/leads.json?lookupField=memberNo", fw.FormDataContentType(), form.Bytes())
	if a := decodeBulk(t, status, b); !a.Success || a.Result[0].Status != bulkQueued {
		t.Fatalf("format as a form field: %+v", a)
	}
	clock.Advance(2 * time.Hour)
	if l, ok := leadByEmail(srv.Leads(), "form@example.com"); !ok || l.Fields["memberNo"] != "7" {
		t.Errorf("imported by memberNo: %+v, %v", l, ok)
	}
}

// lookupField id only updates: an id no lead has fails the row. An id
// column with another lookup field is refused, as Sync Leads refuses id
// outside updateOnly.
func TestBulkLookupByID(t *testing.T) {
	srv, clock := newTestServer(t, nil)
	token := mustToken(t, srv)
	mustSyncREST(t, srv, token, `{"input":[{"email":"one@example.com","firstName":"One"}]}`)
	existing := srv.Leads()[0].ID
	byID := mustImport(t, srv, token, "format=csv&lookupField=id", writeRows(t, ',',
		[]string{"id", "firstName"}, []string{fmt.Sprint(existing), "Uno"}, []string{"999999", "Nobody"}, []string{"", "Blank"}))
	byEmail := mustImport(t, srv, token, "format=csv", writeRows(t, ',',
		[]string{"id", "email"}, []string{fmt.Sprint(existing), "one@example.com"}, []string{"", "two@example.com"}))
	clock.Advance(time.Minute)
	if got := bulkFile(t, srv, token, byID, "failures", ','); !slices.EqualFunc(got, [][]string{
		{"id", "firstName", failureColumn}, {"999999", "Nobody", "Lead not found"}, {"", "Blank", "Value for lookup field 'id' not found"},
	}, slices.Equal) {
		t.Errorf("failures by id = %q", got)
	}
	if got := bulkFile(t, srv, token, byEmail, "failures", ','); !slices.EqualFunc(got, [][]string{
		{"id", "email", failureColumn}, {fmt.Sprint(existing), "one@example.com", "Field 'id' can only be given as the lookup field (lookupField=id)"},
	}, slices.Equal) {
		t.Errorf("failures by email = %q", got)
	}
	leads := srv.Leads()
	if len(leads) != 2 || leads[0].Fields["FirstName"] != "Uno" || leads[1].Email != "two@example.com" {
		t.Errorf("leads = %+v", leads)
	}
}

// A file the sandbox cannot import as a whole fails when its turn comes,
// with the reason in message, and changes nothing.
func TestBulkJobFails(t *testing.T) {
	tests := []struct {
		name, file, message string
	}{
		{"unknown column", "email,favouriteColour,Rank\na@example.com,blue,1\n",
			"Import failed: the header names fields the instance does not have: 'favouriteColour', 'Rank'"},
		{"column twice", "email,email\na@example.com,b@example.com\n", "Import failed: column 'email' appears twice in the header"},
		{"broken quotes", "email,firstName\na@example.com,\"Ann\n", "Import failed: the file is not valid CSV at line 2: extraneous or missing \" in quoted-field"},
		{"byte order mark", "\ufeffemail\na@example.com\n", "Import failed: the header names fields the instance does not have: '\ufeffemail'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, clock := newTestServer(t, nil)
			token := mustToken(t, srv)
			id := mustImport(t, srv, token, "format=csv", []byte(tt.file))
			clock.Advance(time.Minute)
			st := bulkStatus(t, srv, token, id)
			if st.Status != bulkFailed || st.Message != tt.message || st.NumOfLeadsProcessed != 0 || st.NumOfRowsFailed != 0 {
				t.Errorf("status %+v, want Failed with %q", st, tt.message)
			}
			if len(srv.Leads()) != 0 {
				t.Errorf("a failed job stored %+v", srv.Leads())
			}
			// A failed job leaves its slot free: the next one runs.
			next := mustImport(t, srv, token, "format=csv", []byte("email\nnext@example.com\n"))
			clock.Advance(time.Minute)
			if st := bulkStatus(t, srv, token, next); st.Status != bulkComplete {
				t.Errorf("job after the failed one: %+v", st)
			}
		})
	}
}

// Bulk calls share the rate window with the other REST and SOAP calls.
func TestBulkCallsAreRateLimited(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) { c.RateLimit = 3 })
	token := mustToken(t, srv)
	id := mustImport(t, srv, token, "format=csv", []byte("email\nr@example.com\n"))
	bulkStatus(t, srv, token, id)
	if status, b := soapCall(t, srv, clock, "r2@example.com"); status != http.StatusOK {
		t.Fatalf("SOAP call: %d %s", status, b)
	}
	status, _, b := bulkRequest(t, srv, token, http.MethodGet, fmt.Sprintf("/v1/leads/batch/%d.json", id), "", nil)
	if a := decodeBulk(t, status, b); a.Success || a.Errors[0].Code != "606" {
		t.Errorf("fourth call in the window: %+v, want 606", a)
	}
}
