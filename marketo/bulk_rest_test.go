package marketo_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
)

// bulkClock is a sandbox clock the test moves: bulk jobs progress, and
// tokens expire, only when it says so.
type bulkClock struct{ offset atomic.Int64 }

var bulkEpoch = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func (c *bulkClock) Now() time.Time          { return bulkEpoch.Add(time.Duration(c.offset.Load())) }
func (c *bulkClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// bulkSandbox is sandbox with its clock under the test's control.
func bulkSandbox(t *testing.T, change func(*marketotest.Config)) (*marketotest.Server, *bulkClock) {
	t.Helper()
	clock := new(bulkClock)
	srv := sandbox(t, func(c *marketotest.Config) {
		c.Clock = clock.Now
		if change != nil {
			change(c)
		}
	})
	return srv, clock
}

// bulkFront serves the sandbox (configured as sandbox does, on a test
// clock) behind front, which sees every request first and may answer it
// itself; next is the sandbox. It returns the sandbox and a REST base URL
// pointing at front.
func bulkFront(t *testing.T, front func(w http.ResponseWriter, r *http.Request, next http.Handler)) (*marketotest.Server, *bulkClock, string) {
	t.Helper()
	clock := new(bulkClock)
	cfg := marketotest.DefaultConfig()
	cfg.Clock = clock.Now
	cfg.CustomFields = []marketotest.FieldDef{{
		RESTName: "crmPersonId", SOAPName: "CrmPersonId", DisplayName: "CRM Person Id",
		DataType: marketotest.TypeString, Length: 255, Searchable: true,
	}}
	cfg.Partitions = []marketotest.Partition{{Name: "Europe & Asia"}}
	h := marketotest.NewHandler(cfg)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { front(w, r, h) }))
	h.URL = ts.URL
	t.Cleanup(func() {
		ts.Close()
		h.Close()
	})
	return h, clock, h.RESTBaseURL()
}

func restClientAt(t *testing.T, base string) *marketo.RESTClient {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := marketo.NewRESTClient(marketo.RESTCredentials{
		BaseURL: base, IdentityURL: u.Scheme + "://" + u.Host + marketotest.IdentityPath,
		ClientID: marketotest.DefaultClientID, ClientSecret: marketotest.DefaultClientSecret,
	}, marketo.RESTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bulkRecords(t *testing.T, comma rune, rows ...[]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = comma
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func parseRecords(t *testing.T, file []byte, comma rune) [][]string {
	t.Helper()
	rd := csv.NewReader(bytes.NewReader(file))
	rd.Comma = comma
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("read %q: %v", file, err)
	}
	return rows
}

func mustImportLeads(t *testing.T, c *marketo.RESTClient, f marketo.BulkFile) marketo.BulkBatch {
	t.Helper()
	b, err := c.ImportLeads(context.Background(), f)
	if err != nil {
		t.Fatalf("ImportLeads: %v", err)
	}
	if b.ID <= 0 || b.Status != marketo.BulkQueued || b.Ended() {
		t.Fatalf("ImportLeads answered %+v, want a Queued job", b)
	}
	return b
}

// jobOf names the job b is.
func jobOf(b marketo.BulkBatch) marketo.BulkJob { return marketo.BulkJob{ID: b.ID, Members: b.Members} }

func mustBulkBatch(t *testing.T, c *marketo.RESTClient, job marketo.BulkJob) marketo.BulkBatch {
	t.Helper()
	b, err := c.BulkBatch(context.Background(), job)
	if err != nil {
		t.Fatalf("BulkBatch(%+v): %v", job, err)
	}
	return b
}

func mustBulkRows(t *testing.T, c *marketo.RESTClient, job marketo.BulkJob, which marketo.BulkRows, comma rune) [][]string {
	t.Helper()
	file, err := c.BulkRows(context.Background(), job, which)
	if err != nil {
		t.Fatalf("BulkRows(%+v, %d): %v", job, which, err)
	}
	return parseRecords(t, file, comma)
}

func wantMarketoError(t *testing.T, err error, code string) {
	t.Helper()
	var me *marketo.Error
	if !errors.As(err, &me) || me.API != marketo.REST || me.Code != code {
		t.Errorf("error %v, want a REST *marketo.Error %s", err, code)
	}
}

// A job goes from upload to Complete as the sandbox clock moves; a row
// with text in the integer leadScore fails, an address that is not one is
// a warning, and the two files hold those rows in the upload's format.
func TestRESTBulkImportRoundTrip(t *testing.T) {
	header := []string{"email", "firstName", "leadScore"}
	good := []string{"ann@example.com", "Ann, the first", "10"}
	bad := []string{"bo@example.com", "Bo", "TEXT"}
	warned := []string{"INVALID_EMAIL", "Cy", "3"}
	formats := []struct {
		format string
		comma  rune
	}{{"csv", ','}, {"TSV", '\t'}, {"ssv", ';'}}
	for _, tt := range formats {
		t.Run(tt.format, func(t *testing.T) {
			srv, clock := bulkSandbox(t, nil)
			c := restClient(t, srv)
			job := mustImportLeads(t, c, marketo.BulkFile{Format: tt.format, Data: bulkRecords(t, tt.comma, header, good, bad, warned)})

			// Until the job ends Marketo answers the file calls with a JSON error.
			_, err := c.BulkRows(context.Background(), jobOf(job), marketo.BulkFailures)
			wantMarketoError(t, err, "1003")
			if got := mustBulkBatch(t, c, jobOf(job)); got != (marketo.BulkBatch{ID: job.ID, Status: marketo.BulkQueued}) {
				t.Errorf("before the clock moves: %+v", got)
			}

			clock.Advance(time.Minute)
			want := marketo.BulkBatch{ID: job.ID, Status: marketo.BulkComplete, Processed: 2, Failed: 1, Warnings: 1,
				Message: "Import completed with errors, 2 records imported (2 members), 1 failed, 1 warning."}
			if got := mustBulkBatch(t, c, jobOf(job)); got != want || !got.Ended() {
				t.Errorf("status\n got %+v\nwant %+v", got, want)
			}
			files := []struct {
				which marketo.BulkRows
				want  [][]string
			}{
				{marketo.BulkFailures, [][]string{append(slices.Clone(header), "Import Failure Reason"), append(slices.Clone(bad), "Invalid data type in field Lead Score")}},
				{marketo.BulkWarnings, [][]string{append(slices.Clone(header), "Import Warning Reason"), append(slices.Clone(warned), "Invalid email address")}},
			}
			for _, f := range files {
				if got := mustBulkRows(t, c, jobOf(job), f.which, tt.comma); !slices.EqualFunc(got, f.want, slices.Equal) {
					t.Errorf("rows %d\n got %q\nwant %q", f.which, got, f.want)
				}
			}

			leads := srv.Leads()
			byEmail := map[string]marketotest.Lead{}
			for _, l := range leads {
				byEmail[l.Email] = l
			}
			if len(leads) != 2 || byEmail["ann@example.com"].Fields["FirstName"] != "Ann, the first" ||
				byEmail["ann@example.com"].Fields["LeadScore"] != "10" || byEmail["INVALID_EMAIL"].Fields["FirstName"] != "Cy" {
				t.Errorf("stored leads %+v", leads)
			}
		})
	}
}

// uploadSeen is what the sandbox's front saw of one Import Leads request.
type uploadSeen struct {
	path, auth    string
	query         url.Values
	contentLength int64
	chunked       bool
	parts         []string // form names of every part
	filename      string
	partType      string
	data          []byte
}

// The upload is what Adobe's docs show: a POST to /bulk/v1/leads.json
// (beside /rest, not under it) with the parameters in the query, one part
// "file" with a file name and the format's type, the token as a Bearer
// header and a known length.
func TestRESTBulkImportRequest(t *testing.T) {
	var mu sync.Mutex
	var seen []uploadSeen
	srv, _, base := bulkFront(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.URL.Path == marketotest.BulkPath+"/v1/leads.json" {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				t.Errorf("read the upload: %v", err)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			s := uploadSeen{path: r.URL.Path, auth: r.Header.Get("Authorization"), query: r.URL.Query(),
				contentLength: r.ContentLength, chunked: slices.Contains(r.TransferEncoding, "chunked")}
			_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil {
				t.Errorf("Content-Type %q: %v", r.Header.Get("Content-Type"), err)
			}
			mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Errorf("multipart body: %v", err)
					break
				}
				s.parts = append(s.parts, p.FormName())
				if p.FormName() == "file" {
					s.filename, s.partType = p.FileName(), p.Header.Get("Content-Type")
					s.data, _ = io.ReadAll(p)
				}
			}
			mu.Lock()
			seen = append(seen, s)
			mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
	data := []byte("email,crmPersonId\nx@example.com,P-1\n")
	tests := []struct {
		name     string
		base     string
		file     marketo.BulkFile
		query    url.Values
		filename string
		partType string
	}{
		{"csv, no name", base, marketo.BulkFile{Format: "csv"},
			url.Values{"format": {"csv"}}, "leads.csv", "text/csv"},
		{"base with a trailing slash", base + "/", marketo.BulkFile{Format: "csv", Name: "week48.csv"},
			url.Values{"format": {"csv"}}, "week48.csv", "text/csv"},
		{"tsv in capitals, name with a Windows folder", base, marketo.BulkFile{Format: "TSV", Name: `C:\exports\week 48.tsv`},
			url.Values{"format": {"tsv"}}, "week 48.tsv", "text/tab-separated-values"},
		{"ssv, no name", base, marketo.BulkFile{Format: "ssv"},
			url.Values{"format": {"ssv"}}, "leads.ssv", "text/csv"},
		{"name that would break the part header", base, marketo.BulkFile{Format: "csv", Name: "a\"b\r\nX-Evil: 1.csv"},
			url.Values{"format": {"csv"}}, "a_b__X-Evil: 1.csv", "text/csv"},
		{"name that is only a folder", base, marketo.BulkFile{Format: "csv", Name: "exports/"},
			url.Values{"format": {"csv"}}, "leads.csv", "text/csv"},
		{"long name clipped on a character", base, marketo.BulkFile{Format: "csv", Name: "a" + strings.Repeat("é", 150)},
			url.Values{"format": {"csv"}}, "a" + strings.Repeat("é", 99), "text/csv"},
		{"every parameter", base, marketo.BulkFile{Format: "csv", LookupField: "crmPersonId", ListID: marketotest.SeedListID, PartitionName: "Europe & Asia"},
			url.Values{"format": {"csv"}, "lookupField": {"crmPersonId"}, "listId": {strconv.Itoa(marketotest.SeedListID)}, "partitionName": {"Europe & Asia"}}, "leads.csv", "text/csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			f := tt.file
			f.Data = data
			mustImportLeads(t, restClientAt(t, tt.base), f)
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 1 {
				t.Fatalf("%d uploads reached the sandbox, want 1", len(seen))
			}
			s := seen[0]
			if !strings.HasPrefix(s.auth, "Bearer ") || len(s.auth) <= len("Bearer ") {
				t.Errorf("Authorization %q", s.auth)
			}
			if !slices.Equal(s.parts, []string{"file"}) || s.filename != tt.filename || s.partType != tt.partType || !bytes.Equal(s.data, data) {
				t.Errorf("parts %q, file %q of type %q holding %q; want one part file %q of type %q", s.parts, s.filename, s.partType, s.data, tt.filename, tt.partType)
			}
			if fmt.Sprint(s.query) != fmt.Sprint(tt.query) {
				t.Errorf("query %v, want %v", s.query, tt.query)
			}
			if s.chunked || s.contentLength <= int64(len(data)) {
				t.Errorf("Content-Length %d, chunked %v: want the length sent", s.contentLength, s.chunked)
			}
		})
	}
	if n := srv.Stats().Calls["BULK import leads"]; n != len(tests) {
		t.Errorf("%d imports counted, want %d", n, len(tests))
	}
}

// Ten jobs fill the queue while none can start; the eleventh is 1016, and
// once the clock lets the ten finish an upload is taken again.
func TestRESTBulkQueueHoldsTen(t *testing.T) {
	srv, clock := bulkSandbox(t, func(c *marketotest.Config) { c.BulkImportDelay = time.Hour })
	c := restClient(t, srv)
	f := marketo.BulkFile{Format: "csv", Data: []byte("email\nq@example.com\n")}
	ids := map[int]bool{}
	for range 10 {
		ids[mustImportLeads(t, c, f).ID] = true
	}
	if len(ids) != 10 {
		t.Fatalf("ten uploads got %d batch ids", len(ids))
	}
	_, err := c.ImportLeads(context.Background(), f)
	wantMarketoError(t, err, marketo.CodeTooManyImports)
	if got := srv.Stats().Bulk[marketo.BulkQueued]; got != 10 {
		t.Errorf("%d jobs queued, want 10", got)
	}
	clock.Advance(2 * time.Hour)
	mustImportLeads(t, c, f)
}

func TestRESTBulkMarketoErrors(t *testing.T) {
	srv, _ := bulkSandbox(t, func(c *marketotest.Config) { c.BulkImportDelay = time.Hour })
	c := restClient(t, srv)
	ctx := context.Background()
	queued := mustImportLeads(t, c, marketo.BulkFile{Format: "csv", Data: []byte("email\nq@example.com\n")}).ID
	unknown := queued + 100
	file := []byte("email\na@example.com\n")
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"status of an unknown batch", func() error { _, err := c.BulkBatch(ctx, marketo.BulkJob{ID: unknown}); return err }, marketo.CodeBatchNotFound},
		{"failures of an unknown batch", func() error {
			_, err := c.BulkRows(ctx, marketo.BulkJob{ID: unknown}, marketo.BulkFailures)
			return err
		}, marketo.CodeBatchNotFound},
		{"warnings of an unknown batch", func() error {
			_, err := c.BulkRows(ctx, marketo.BulkJob{ID: unknown}, marketo.BulkWarnings)
			return err
		}, marketo.CodeBatchNotFound},
		{"warnings of a queued job", func() error { _, err := c.BulkRows(ctx, marketo.BulkJob{ID: queued}, marketo.BulkWarnings); return err }, "1003"},
		{"unknown lookup field", func() error {
			_, err := c.ImportLeads(ctx, marketo.BulkFile{Format: "csv", LookupField: "nope", Data: file})
			return err
		}, "1006"},
		{"unsearchable lookup field", func() error {
			_, err := c.ImportLeads(ctx, marketo.BulkFile{Format: "csv", LookupField: "firstName", Data: file})
			return err
		}, "1011"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			wantMarketoError(t, err, tt.code)
			if errors.Is(err, marketo.ErrMismatchedAnswer) || marketo.IsRetryable(err) {
				t.Errorf("%v: a refusal, not an odd answer or something to retry", err)
			}
		})
	}
}

// The sandbox clock jumps past the token's life before each call: each
// kind of bulk call gets 602, fetches a new token and goes again once,
// the upload with its whole file.
func TestRESTBulkTokenExpiresBetweenCalls(t *testing.T) {
	srv, clock := bulkSandbox(t, nil)
	c := restClient(t, srv)
	first := mustImportLeads(t, c, marketo.BulkFile{Format: "csv", Data: []byte("email,leadScore\na@example.com,1\nb@example.com,x\n")})

	clock.Advance(2 * time.Hour)
	if got := mustBulkBatch(t, c, jobOf(first)); got.Status != marketo.BulkComplete || got.Processed != 1 || got.Failed != 1 {
		t.Errorf("status after the token expired: %+v", got)
	}
	clock.Advance(2 * time.Hour)
	if got := mustBulkRows(t, c, jobOf(first), marketo.BulkFailures, ','); len(got) != 2 || got[1][0] != "b@example.com" {
		t.Errorf("failures after the token expired: %q", got)
	}
	clock.Advance(2 * time.Hour)
	rows := [][]string{{"email"}}
	for i := range 50 {
		rows = append(rows, []string{fmt.Sprintf("later%d@example.com", i)})
	}
	second := mustImportLeads(t, c, marketo.BulkFile{Format: "csv", Data: bulkRecords(t, ',', rows...)})
	clock.Advance(time.Minute)
	if got := mustBulkBatch(t, c, jobOf(second)); got.Status != marketo.BulkComplete || got.Processed != 50 || got.Failed != 0 {
		t.Errorf("upload repeated with a new token: %+v, want all 50 rows imported", got)
	}

	s := srv.Stats()
	if s.Calls["REST token"] != 4 || s.Faults["602"] != 3 || s.Calls["BULK import leads"] != 3 || s.Bulk[marketo.BulkComplete] != 2 {
		t.Errorf("token calls %d, 602s %d, uploads %d, jobs %v; want 4, 3, 3 and two Complete",
			s.Calls["REST token"], s.Faults["602"], s.Calls["BULK import leads"], s.Bulk)
	}
}

func TestRESTBulkRefusedBeforeAnyCall(t *testing.T) {
	srv, _ := bulkSandbox(t, nil)
	c := restClient(t, srv)
	ctx := context.Background()
	file := []byte("email\na@example.com\n")
	importing := func(f marketo.BulkFile) func() error {
		return func() error { _, err := c.ImportLeads(ctx, f); return err }
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"no data", importing(marketo.BulkFile{Format: "csv"}), "empty"},
		{"only white space", importing(marketo.BulkFile{Format: "csv", Data: []byte("\n \r\n\t")}), "empty"},
		{"over MaxBulkFileBytes", importing(marketo.BulkFile{Format: "csv", Data: make([]byte, marketo.MaxBulkFileBytes+1)}), "at most 9900000"},
		{"unknown format", importing(marketo.BulkFile{Format: "xlsx", Data: file}), `"xlsx" is not csv, tsv or ssv`},
		{"no format", importing(marketo.BulkFile{Data: file}), `"" is not csv`},
		{"negative list id", importing(marketo.BulkFile{Format: "csv", ListID: -1, Data: file}), "list id -1"},
		{"status of batch 0", func() error { _, err := c.BulkBatch(ctx, marketo.BulkJob{}); return err }, "0 is not a batch id"},
		{"status of a negative batch", func() error { _, err := c.BulkBatch(ctx, marketo.BulkJob{ID: -3401}); return err }, "-3401 is not a batch id"},
		{"member status of batch 0", func() error { _, err := c.BulkBatch(ctx, marketo.BulkJob{Members: true}); return err }, "Program Member Status: 0 is not a batch id"},
		{"failures of batch 0", func() error { _, err := c.BulkRows(ctx, marketo.BulkJob{}, marketo.BulkFailures); return err }, "0 is not a batch id"},
		{"member warnings of batch 0", func() error {
			_, err := c.BulkRows(ctx, marketo.BulkJob{Members: true}, marketo.BulkWarnings)
			return err
		}, "Program Member Warnings: 0 is not a batch id"},
		{"rows that are neither", func() error { _, err := c.BulkRows(ctx, marketo.BulkJob{ID: 3401}, marketo.BulkRows(2)); return err }, "neither failures nor warnings"},
		{"a program status without a program", importing(marketo.BulkFile{Format: "csv", ProgramStatus: "Invited", Data: file}), `program status "Invited" without a program id`},
		{"negative program id", importing(marketo.BulkFile{Format: "csv", ProgramID: -1, ProgramStatus: "Invited", Data: file}), "program id -1"},
		{"members without a status", importing(marketo.BulkFile{Format: "csv", ProgramID: marketotest.SeedProgramID, Data: file}), "needs the status"},
		{"members with a lookup field", importing(marketo.BulkFile{Format: "csv", ProgramID: marketotest.SeedProgramID, ProgramStatus: "Invited", LookupField: "email", Data: file}), "takes no lookup field"},
		{"members with a list", importing(marketo.BulkFile{Format: "csv", ProgramID: marketotest.SeedProgramID, ProgramStatus: "Invited", ListID: marketotest.SeedListID, Data: file}), "takes no lookup field, list"},
		{"members with a negative list", importing(marketo.BulkFile{Format: "csv", ProgramID: marketotest.SeedProgramID, ProgramStatus: "Invited", ListID: -1, Data: file}), "list id -1"},
		{"members with a partition", importing(marketo.BulkFile{Format: "csv", ProgramID: marketotest.SeedProgramID, ProgramStatus: "Invited", PartitionName: "Default", Data: file}), "or partition"},
		{"members without an email column", importing(marketo.BulkFile{Format: "csv", ProgramID: marketotest.SeedProgramID, ProgramStatus: "Invited",
			Data: []byte("firstName,emailAddress\nAnn,a@example.com\n")}), "no email column"},
		{"members with email only in a later row", importing(marketo.BulkFile{Format: "csv", ProgramID: marketotest.SeedProgramID, ProgramStatus: "Invited",
			Data: []byte("firstName\nemail\n")}), "no email column"},
		{"members with email in another format's delimiter", importing(marketo.BulkFile{Format: "tsv", ProgramID: marketotest.SeedProgramID, ProgramStatus: "Invited",
			Data: []byte("firstName,email\nAnn,a@example.com\n")}), "no email column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
	if calls := srv.Stats().Calls; len(calls) != 0 {
		t.Errorf("refused calls reached Marketo: %v", calls)
	}
}

// With lookupField id an import only updates: the id of a lead updates
// it, an id no lead has fails its row, and no lead is created.
func TestRESTBulkLookupByID(t *testing.T) {
	srv, clock := bulkSandbox(t, nil)
	c := restClient(t, srv)
	id := mustSync(t, c, []marketo.Lead{{Email: "one@example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "One"}}}}, true)[0].LeadID
	job := mustImportLeads(t, c, marketo.BulkFile{Format: "csv", LookupField: "id",
		Data: bulkRecords(t, ',', []string{"id", "firstName"}, []string{fmt.Sprint(id), "Uno"}, []string{"999999", "Nobody"})})
	clock.Advance(time.Minute)
	if got := mustBulkBatch(t, c, jobOf(job)); got.Status != marketo.BulkComplete || got.Processed != 1 || got.Failed != 1 {
		t.Errorf("status %+v", got)
	}
	want := [][]string{{"id", "firstName", "Import Failure Reason"}, {"999999", "Nobody", "Lead not found"}}
	if got := mustBulkRows(t, c, jobOf(job), marketo.BulkFailures, ','); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("failures %q, want %q", got, want)
	}
	if leads := srv.Leads(); len(leads) != 1 || leads[0].ID != id || leads[0].Fields["FirstName"] != "Uno" {
		t.Errorf("leads %+v, want lead %d renamed Uno and no other", leads, id)
	}
}

// MaxBulkFileBytes leaves room for the multipart envelope, however long
// the file's name, under Marketo's 10 MB; one byte more is refused here.
func TestRESTBulkFileSizeLimit(t *testing.T) {
	tests := []struct {
		name     string
		size     int
		accepted bool
	}{
		{"MaxBulkFileBytes", marketo.MaxBulkFileBytes, true},
		{"one byte more", marketo.MaxBulkFileBytes + 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := bulkSandbox(t, nil)
			c := restClient(t, srv)
			data := append([]byte("email\n"), bytes.Repeat([]byte("x"), tt.size-len("email\n"))...)
			_, err := c.ImportLeads(context.Background(), marketo.BulkFile{Format: "csv", Name: strings.Repeat("n", 5000) + ".csv", Data: data})
			s := srv.Stats()
			switch {
			case tt.accepted && (err != nil || s.Bulk[marketo.BulkQueued] != 1 || s.Faults["http-413"] != 0):
				t.Errorf("error %v, jobs %v, faults %v; want one queued job", err, s.Bulk, s.Faults)
			case !tt.accepted && (err == nil || len(s.Calls) != 0):
				t.Errorf("error %v, calls %v; want a refusal before any call", err, s.Calls)
			}
		})
	}
}

// canned is an answer a broken Marketo might give in place of the
// sandbox's.
type canned struct {
	status      int
	contentType string
	body        []byte
	// stream, when positive, sends that many bytes of CSV without a
	// Content-Length; length, when positive, declares that Content-Length
	// and streams it.
	stream, length int
}

func (a canned) serve(w http.ResponseWriter) {
	w.Header().Set("Content-Type", a.contentType)
	n := max(a.stream, a.length)
	if n == 0 {
		w.Header().Set("Content-Length", fmt.Sprint(len(a.body)))
		w.WriteHeader(a.status)
		w.Write(a.body) //nolint:errcheck // the client may hang up
		return
	}
	if a.length > 0 {
		w.Header().Set("Content-Length", fmt.Sprint(a.length))
	}
	w.WriteHeader(a.status)
	line := []byte("email,Import Failure Reason\n" + strings.Repeat("x", 1<<16-28))
	for sent := 0; sent < n; sent += len(line) {
		if _, err := w.Write(line[:min(len(line), n-sent)]); err != nil {
			return // the client stopped reading, as it should
		}
	}
}

// Answers the sandbox never gives: each is refused as not matching what
// was asked, as transport trouble, or read as Marketo's error.
func TestRESTBulkOddAnswers(t *testing.T) {
	const batch = 3401
	statusPath := fmt.Sprintf("%s/v1/leads/batch/%d.json", marketotest.BulkPath, batch)
	failuresPath := fmt.Sprintf("%s/v1/leads/batch/%d/failures.json", marketotest.BulkPath, batch)
	importPath := marketotest.BulkPath + "/v1/leads.json"
	memberStatusPath := fmt.Sprintf("%s/v1/program/members/import/%d/status.json", marketotest.BulkPath, batch)
	memberWarningsPath := fmt.Sprintf("%s/v1/program/members/import/%d/warnings.json", marketotest.BulkPath, batch)
	memberImportPath := fmt.Sprintf("%s/v1/program/%d/members/import.json", marketotest.BulkPath, marketotest.SeedProgramID)
	jsonType := "application/json;charset=UTF-8"
	var answer atomic.Pointer[struct {
		path string
		a    canned
	}]
	_, _, base := bulkFront(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if p := answer.Load(); p != nil && r.URL.Path == p.path {
			p.a.serve(w)
			return
		}
		next.ServeHTTP(w, r)
	})
	c := restClientAt(t, base)
	ctx := context.Background()
	status := func() ([]byte, error) { _, err := c.BulkBatch(ctx, marketo.BulkJob{ID: batch}); return nil, err }
	failures := func() ([]byte, error) { return c.BulkRows(ctx, marketo.BulkJob{ID: batch}, marketo.BulkFailures) }
	memberStatus := func() ([]byte, error) {
		_, err := c.BulkBatch(ctx, marketo.BulkJob{ID: batch, Members: true})
		return nil, err
	}
	memberWarnings := func() ([]byte, error) {
		return c.BulkRows(ctx, marketo.BulkJob{ID: batch, Members: true}, marketo.BulkWarnings)
	}
	memberUpload := func() ([]byte, error) {
		_, err := c.ImportLeads(ctx, marketo.BulkFile{Format: "csv", ProgramID: marketotest.SeedProgramID, ProgramStatus: "Invited", Data: []byte("email\na@example.com\n")})
		return nil, err
	}
	upload := func() ([]byte, error) {
		_, err := c.ImportLeads(ctx, marketo.BulkFile{Format: "csv", Data: []byte("email\na@example.com\n")})
		return nil, err
	}
	job := func(id int, st string) string {
		return fmt.Sprintf(`{"batchId":%d,"importId":"%d","status":%q,"numOfLeadsProcessed":1}`, id, id, st)
	}
	ok := func(results ...string) []byte {
		return []byte(`{"requestId":"1#1","success":true,"result":[` + strings.Join(results, ",") + `]}`)
	}
	tests := []struct {
		name     string
		path     string
		answer   canned
		call     func() ([]byte, error)
		want     error  // errors.Is target; nil: see code or file
		code     string // a *marketo.Error's code
		file     string // the file returned, when no error is wanted
		retrying bool   // transport trouble, retryable
	}{
		{"status of another batch", statusPath, canned{status: 200, contentType: jsonType, body: ok(job(batch+1, "Complete"))}, status, marketo.ErrMismatchedAnswer, "", "", false},
		{"status without a result", statusPath, canned{status: 200, contentType: jsonType, body: ok()}, status, marketo.ErrMismatchedAnswer, "", "", false},
		{"status of two jobs", statusPath, canned{status: 200, contentType: jsonType, body: ok(job(batch, "Complete"), job(batch, "Complete"))}, status, marketo.ErrMismatchedAnswer, "", "", false},
		{"member status of another batch", memberStatusPath, canned{status: 200, contentType: jsonType, body: ok(job(batch+1, "Complete"))}, memberStatus, marketo.ErrMismatchedAnswer, "", "", false},
		{"member status with negative counts", memberStatusPath, canned{status: 200, contentType: jsonType,
			body: ok(`{"batchId":3401,"status":"Complete","numOfRowsFailed":-1}`)}, memberStatus, marketo.ErrMismatchedAnswer, "", "", false},
		{"member upload answered without a batch id", memberImportPath, canned{status: 200, contentType: jsonType, body: ok(job(0, "Queued"))}, memberUpload, marketo.ErrMismatchedAnswer, "", "", false},
		{"member warnings file", memberWarningsPath, canned{status: 200, contentType: "text/csv", body: []byte("email,Import Warning Reason\nINVALID,Invalid email address\n")},
			memberWarnings, nil, "", "email,Import Warning Reason\nINVALID,Invalid email address\n", false},
		{"unknown status", statusPath, canned{status: 200, contentType: jsonType, body: ok(job(batch, "Exploded"))}, status, marketo.ErrMismatchedAnswer, "", "", false},
		{"upload answered with two jobs", importPath, canned{status: 200, contentType: jsonType, body: ok(job(batch, "Queued"), job(batch+1, "Queued"))}, upload, marketo.ErrMismatchedAnswer, "", "", false},
		{"upload answered without a batch id", importPath, canned{status: 200, contentType: jsonType, body: ok(job(0, "Queued"))}, upload, marketo.ErrMismatchedAnswer, "", "", false},
		{"upload refused with 413", importPath, canned{status: 413, contentType: "text/html", body: []byte("<html><title>413</title></html>")}, upload, nil, "413", "", false},
		{"failures file declared too large", failuresPath, canned{status: 200, contentType: "text/csv", length: 4*marketo.MaxBulkFileBytes + 1}, failures, marketo.ErrMismatchedAnswer, "", "", false},
		{"failures file streamed too large", failuresPath, canned{status: 200, contentType: "text/csv", stream: 4*marketo.MaxBulkFileBytes + 1}, failures, marketo.ErrMismatchedAnswer, "", "", false},
		{"failures as a JSON success", failuresPath, canned{status: 200, contentType: jsonType, body: ok()}, failures, marketo.ErrMismatchedAnswer, "", "", false},
		{"JSON error labelled as text", failuresPath, canned{status: 200, contentType: "text/plain", body: []byte(` {"requestId":"1#1","success":false,"errors":[{"code":"1013","message":"Object not found"}]}`)}, failures, nil, "1013", "", false},
		{"JSON error cut off", failuresPath, canned{status: 200, contentType: jsonType, body: []byte(`{"requestId":"1#1","success":fal`)}, failures, nil, "", "", true},
		{"gateway page", failuresPath, canned{status: 502, contentType: "text/html", body: []byte("<html><head><title>502 Bad Gateway</title></head></html>")}, failures, nil, "", "", true},
		{"failures file without a Content-Type", failuresPath, canned{status: 200, body: []byte("email,Import Failure Reason\nb@example.com,Lead not found\n")}, failures, nil, "", "email,Import Failure Reason\nb@example.com,Lead not found\n", false},
		{"empty failures file", failuresPath, canned{status: 200, contentType: "text/csv"}, failures, nil, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer.Store(&struct {
				path string
				a    canned
			}{tt.path, tt.answer})
			got, err := tt.call()
			switch {
			case tt.want != nil:
				if !errors.Is(err, tt.want) || marketo.IsRetryable(err) {
					t.Errorf("error %v, want %v, not retryable", err, tt.want)
				}
			case tt.code != "":
				wantMarketoError(t, err, tt.code)
			case tt.retrying:
				var te *marketo.TransportError
				if !errors.As(err, &te) || !marketo.IsRetryable(err) {
					t.Errorf("error %v, want retryable transport trouble", err)
				}
			default:
				if err != nil || string(got) != tt.file {
					t.Errorf("got %q, %v; want the file %q", got, err, tt.file)
				}
			}
		})
	}
}

// A program member import goes from upload to Complete on its own URLs:
// rows upsert leads on email and make them members at the status, a
// member already past it keeps its status with a warning, and the members
// are what Get Program Members and the sandbox's programs say.
func TestRESTBulkProgramMembersRoundTrip(t *testing.T) {
	srv, clock := bulkSandbox(t, nil)
	c := restClient(t, srv)
	ctx := context.Background()
	past := mustSync(t, c, []marketo.Lead{{Email: "al@example.com"}}, true)[0].LeadID
	if _, err := c.SetProgramStatus(ctx, marketotest.SeedProgramID, "Attended", []int{past}); err != nil {
		t.Fatal(err)
	}
	header := []string{"firstName", "email", "leadScore"}
	good := []string{"Ann", "ann@example.com", "10"}
	kept := []string{"Al", "al@example.com", "2"}
	bad := []string{"Bo", "bo@example.com", "TEXT"}
	noEmail := []string{"Cy", "", "3"}
	job := mustImportLeads(t, c, marketo.BulkFile{Format: "csv", ProgramID: marketotest.SeedProgramID, ProgramStatus: "Registered",
		Data: bulkRecords(t, ',', header, good, kept, bad, noEmail)})
	if !job.Members {
		t.Errorf("ImportLeads answered %+v, want a program member job", job)
	}
	if got := mustBulkBatch(t, c, jobOf(job)); got != (marketo.BulkBatch{ID: job.ID, Status: marketo.BulkQueued, Members: true}) {
		t.Errorf("before the clock moves: %+v", got)
	}
	// A lead import's URLs do not know the job.
	_, err := c.BulkBatch(ctx, marketo.BulkJob{ID: job.ID})
	wantMarketoError(t, err, marketo.CodeBatchNotFound)

	clock.Advance(time.Minute)
	want := marketo.BulkBatch{ID: job.ID, Status: marketo.BulkComplete, Processed: 2, Failed: 2, Warnings: 1, Members: true,
		Message: "Import completed with errors, 2 records imported (2 members), 2 failed, 1 warning."}
	if got := mustBulkBatch(t, c, jobOf(job)); got != want {
		t.Errorf("status\n got %+v\nwant %+v", got, want)
	}
	files := []struct {
		which marketo.BulkRows
		want  [][]string
	}{
		{marketo.BulkFailures, [][]string{append(slices.Clone(header), "Import Failure Reason"),
			append(slices.Clone(bad), "Invalid data type in field Lead Score"), append(slices.Clone(noEmail), "Value for required field 'email' not found")}},
		{marketo.BulkWarnings, [][]string{append(slices.Clone(header), "Import Warning Reason"),
			append(slices.Clone(kept), "Lead is already in or past this status; its status 'Attended' is kept")}},
	}
	for _, f := range files {
		if got := mustBulkRows(t, c, jobOf(job), f.which, ','); !slices.EqualFunc(got, f.want, slices.Equal) {
			t.Errorf("rows %d\n got %q\nwant %q", f.which, got, f.want)
		}
		_, err := c.BulkRows(ctx, marketo.BulkJob{ID: job.ID}, f.which)
		wantMarketoError(t, err, marketo.CodeBatchNotFound)
	}

	ann := -1
	for _, l := range srv.Leads() {
		if l.Email == "ann@example.com" {
			ann = l.ID
		}
	}
	for status, want := range map[string][]int{"Registered": {ann}, "Attended": {past}} {
		got, err := c.ProgramMembersAt(ctx, marketotest.SeedProgramID, status)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("members at %s: %v, %v; want %v", status, got, err, want)
		}
	}
	var members []string
	for _, m := range srv.Programs()[0].Members {
		members = append(members, fmt.Sprintf("%d %s %v", m.LeadID, m.Status, m.ReachedSuccess))
	}
	if wantMembers := []string{fmt.Sprintf("%d Attended true", past), fmt.Sprintf("%d Registered false", ann)}; !slices.Equal(members, wantMembers) {
		t.Errorf("Programs() members %q, want %q", members, wantMembers)
	}

	// And a lead import's batchId is unknown at the member URLs.
	lead := mustImportLeads(t, c, marketo.BulkFile{Format: "csv", Data: []byte("email\nzed@example.com\n")})
	if lead.Members {
		t.Errorf("lead import answered %+v", lead)
	}
	_, err = c.BulkBatch(ctx, marketo.BulkJob{ID: lead.ID, Members: true})
	wantMarketoError(t, err, marketo.CodeBatchNotFound)

	s := srv.Stats()
	if s.Calls["BULK import program members"] != 1 || s.Calls["BULK import program members status"] != 3 ||
		s.Calls["BULK import program members failures"] != 1 || s.Calls["BULK import program members warnings"] != 1 ||
		s.Calls["BULK import status"] != 1 || s.Calls["BULK import failures"] != 1 || s.Calls["BULK import warnings"] != 1 {
		t.Errorf("calls %v", s.Calls)
	}
}

// The program member upload is what Adobe's docs show: a POST to
// /bulk/v1/program/{programId}/members/import.json with format and
// programMemberStatus in the query and one part "file"; the status and
// files are read at /bulk/v1/program/members/import/{batchId}/….
func TestRESTBulkProgramMembersRequest(t *testing.T) {
	var mu sync.Mutex
	type seen struct {
		method, path string
		query        url.Values
		parts        []string
	}
	var calls []seen
	_, clock, base := bulkFront(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if strings.HasPrefix(r.URL.Path, marketotest.BulkPath+"/") {
			s := seen{method: r.Method, path: r.URL.Path, query: r.URL.Query()}
			if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && params["boundary"] != "" {
				body, err := io.ReadAll(r.Body)
				if err != nil {
					t.Errorf("read the upload: %v", err)
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
				mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
				for p, err := mr.NextPart(); err == nil; p, err = mr.NextPart() {
					s.parts = append(s.parts, p.FormName())
				}
			}
			mu.Lock()
			calls = append(calls, s)
			mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
	tests := []struct {
		name, base, status string
	}{
		{"a status with a space", base, "Attended On-demand"},
		{"base with a trailing slash", base + "/", "Invited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			calls = nil
			mu.Unlock()
			c := restClientAt(t, tt.base)
			job := mustImportLeads(t, c, marketo.BulkFile{Format: "CSV", ProgramID: marketotest.SeedProgramID, ProgramStatus: tt.status,
				Data: []byte("email\nx@example.com\n")})
			clock.Advance(time.Minute)
			mustBulkBatch(t, c, jobOf(job))
			mustBulkRows(t, c, jobOf(job), marketo.BulkFailures, ',')
			mustBulkRows(t, c, jobOf(job), marketo.BulkWarnings, ',')
			want := []seen{
				{http.MethodPost, fmt.Sprintf("/bulk/v1/program/%d/members/import.json", marketotest.SeedProgramID),
					url.Values{"format": {"csv"}, "programMemberStatus": {tt.status}}, []string{"file"}},
				{http.MethodGet, fmt.Sprintf("/bulk/v1/program/members/import/%d/status.json", job.ID), url.Values{}, nil},
				{http.MethodGet, fmt.Sprintf("/bulk/v1/program/members/import/%d/failures.json", job.ID), url.Values{}, nil},
				{http.MethodGet, fmt.Sprintf("/bulk/v1/program/members/import/%d/warnings.json", job.ID), url.Values{}, nil},
			}
			mu.Lock()
			defer mu.Unlock()
			if fmt.Sprint(calls) != fmt.Sprint(want) {
				t.Errorf("calls\n got %v\nwant %v", calls, want)
			}
		})
	}
}

// Lead and program member imports share the instance's queue of ten.
func TestRESTBulkQueueSharedWithMembers(t *testing.T) {
	srv, clock := bulkSandbox(t, func(c *marketotest.Config) { c.BulkImportDelay = time.Hour })
	c := restClient(t, srv)
	data := []byte("email\nq@example.com\n")
	leads := marketo.BulkFile{Format: "csv", Data: data}
	members := marketo.BulkFile{Format: "csv", ProgramID: marketotest.SeedProgramID, ProgramStatus: "Invited", Data: data}
	var jobs []marketo.BulkBatch
	for i := range 10 {
		f := leads
		if i%2 == 1 {
			f = members
		}
		jobs = append(jobs, mustImportLeads(t, c, f))
	}
	for _, f := range []marketo.BulkFile{leads, members} {
		_, err := c.ImportLeads(context.Background(), f)
		wantMarketoError(t, err, marketo.CodeTooManyImports)
	}
	clock.Advance(2 * time.Hour)
	for _, j := range jobs {
		if got := mustBulkBatch(t, c, jobOf(j)); got.Status != marketo.BulkComplete || got.Processed != 1 || got.Members != j.Members {
			t.Errorf("job %+v ended as %+v", j, got)
		}
	}
	mustImportLeads(t, c, members)
}

func TestRESTBulkProgramMembersMarketoErrors(t *testing.T) {
	srv, _ := bulkSandbox(t, nil)
	c := restClient(t, srv)
	file := []byte("email\na@example.com\n")
	tests := []struct {
		name    string
		program int
		status  string
		code    string
	}{
		{"unknown program", 7999, "Invited", "1013"},
		{"a list id for a program", marketotest.SeedListID, "Invited", "1013"},
		{"a status the channel lacks", marketotest.SeedProgramID, "Influenced", marketo.CodeNoSuchStatus},
		{"Not in Program", marketotest.SeedProgramID, "Not in Program", marketo.CodeNoSuchStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.ImportLeads(context.Background(), marketo.BulkFile{Format: "csv", ProgramID: tt.program, ProgramStatus: tt.status, Data: file})
			wantMarketoError(t, err, tt.code)
			if errors.Is(err, marketo.ErrMismatchedAnswer) || marketo.IsRetryable(err) {
				t.Errorf("%v: a refusal, not an odd answer or something to retry", err)
			}
		})
	}
	if n := srv.Stats().Bulk[marketo.BulkQueued]; n != 0 {
		t.Errorf("%d jobs queued by refused uploads", n)
	}
}

// The client finds the email column in any case, as Adobe's docs do not
// say Marketo's header names are case-sensitive; the sandbox reads them
// case-sensitively, so there the job fails as a whole when its turn comes.
func TestRESTBulkProgramMembersEmailInCapitals(t *testing.T) {
	srv, clock := bulkSandbox(t, nil)
	c := restClient(t, srv)
	job := mustImportLeads(t, c, marketo.BulkFile{Format: "ssv", ProgramID: marketotest.SeedProgramID, ProgramStatus: "Invited",
		Data: []byte("firstName;EMAIL\nAnn;ann@example.com\n")})
	clock.Advance(time.Minute)
	want := marketo.BulkBatch{ID: job.ID, Status: marketo.BulkFailed, Members: true,
		Message: "Import failed: the header names fields the instance does not have: 'EMAIL'"}
	if got := mustBulkBatch(t, c, jobOf(job)); got != want {
		t.Errorf("status\n got %+v\nwant %+v", got, want)
	}
}
