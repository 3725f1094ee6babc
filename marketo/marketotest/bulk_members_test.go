package marketotest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// memberImportPath is Import Program Members' path for program with
// programMemberStatus status and the format csv.
func memberImportPath(program int, status string) string {
	return fmt.Sprintf("/v1/program/%d/members/import.json?%s", program, url.Values{"format": {"csv"}, "programMemberStatus": {status}}.Encode())
}

// mustImportMembers uploads file to program at status and returns its
// batchId.
func mustImportMembers(t testing.TB, srv *Server, token string, program int, status string, file []byte) int {
	t.Helper()
	ct, body := multipartFile(t, file)
	code, _, b := bulkRequest(t, srv, token, http.MethodPost, memberImportPath(program, status), ct, body)
	a := decodeBulk(t, code, b)
	if !a.Success || len(a.Result) != 1 || a.Result[0].Status != bulkQueued || a.Result[0].ImportID != fmt.Sprint(a.Result[0].BatchID) {
		t.Fatalf("import members: %s", b)
	}
	return a.Result[0].BatchID
}

func memberStatusOf(t testing.TB, srv *Server, token string, id int) importLeadResponse {
	t.Helper()
	code, _, b := bulkRequest(t, srv, token, http.MethodGet, fmt.Sprintf("/v1/program/members/import/%d/status.json", id), "", nil)
	a := decodeBulk(t, code, b)
	if !a.Success || len(a.Result) != 1 || a.Result[0].BatchID != id {
		t.Fatalf("status of %d: %s", id, b)
	}
	return a.Result[0]
}

// memberFile reads a program member import's failures or warnings.
func memberFile(t testing.TB, srv *Server, token string, id int, which string) [][]string {
	t.Helper()
	code, ct, b := bulkRequest(t, srv, token, http.MethodGet, fmt.Sprintf("/v1/program/members/import/%d/%s.json", id, which), "", nil)
	if code != http.StatusOK || !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("%s of %d: HTTP %d %s %s", which, id, code, ct, b)
	}
	return parseCSV(t, b)
}

func parseCSV(t testing.TB, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, b)
	}
	return rows
}

// membersAt is what Get Program Members answers for status: lead ids.
func membersAt(t *testing.T, srv *Server, token string, program int, status string) []int {
	t.Helper()
	a := api(t, srv, token, http.MethodGet, fmt.Sprintf("/rest/v1/programs/%d/members.json?filterType=statusName&filterValues=%s", program, url.QueryEscape(status)), "", "")
	if !a.Success {
		t.Fatalf("Get Program Members at %s: %s", status, a.body)
	}
	return a.ints(t, "leadId")
}

// The rows of a program member import: each is an insert or update of a
// lead on email, with Import Leads' checks and wording, and the lead then
// becomes a member at the status; a member already in or past it keeps
// its status, with a warning.
func TestBulkMemberImportRows(t *testing.T) {
	srv, clock := newTestServer(t, nil)
	token := mustToken(t, srv)
	ids := syncEmails(t, srv, token, "invited@example.com", "attended@example.com", "registered@example.com", "existing@example.com", "dup@example.com")
	mustSyncREST(t, srv, token, `{"action":"createDuplicate","input":[{"email":"dup@example.com"}]}`)
	invited, attended, registered, existing := ids[0], ids[1], ids[2], ids[3]
	setStatus(t, srv, token, SeedProgramID, "Invited", invited)
	setStatus(t, srv, token, SeedProgramID, "Attended", attended)
	setStatus(t, srv, token, SeedProgramID, "Registered", registered)

	header := []string{"email", "firstName", "leadScore", "id"}
	rows := []struct {
		row              []string
		failure, warning string
	}{
		{row: []string{"new@example.com", "Ann", "10", ""}},
		{row: []string{"EXISTING@example.com", "Eve", "", ""}},
		{row: []string{"invited@example.com", "", "", ""}},
		{row: []string{"attended@example.com", "Al", "", ""}, warning: "Lead is already in or past this status; its status 'Attended' is kept"},
		{row: []string{"registered@example.com", "", "", ""}, warning: "Lead is already in or past this status; its status 'Registered' is kept"},
		{row: []string{"", "Nobody", "1", ""}, failure: "Value for required field 'email' not found"},
		{row: []string{"bad@example.com", "Bo", "TEXT", ""}, failure: "Invalid data type in field Lead Score"},
		{row: []string{"INVALID_EMAIL", "Aerys", "0", ""}, warning: "Invalid email address"},
		{row: []string{"dup@example.com", "", "", ""}, failure: "Multiple leads match the lookup criteria"},
		{row: []string{"short@example.com"}, failure: "Row has 1 values; the header has 4 columns"},
		{row: []string{"withid@example.com", "", "", fmt.Sprint(existing)}, failure: "Field 'id' cannot be imported: program members are matched on email"},
		// The lead of the first row again: already at the status.
		{row: []string{"new@example.com", "", "11", ""}, warning: "Lead is already in or past this status; its status 'Registered' is kept"},
	}
	file := [][]string{header}
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
	id := mustImportMembers(t, srv, token, SeedProgramID, "Registered", writeRows(t, ',', file...))
	if st := memberStatusOf(t, srv, token, id); st.Status != bulkQueued || st.Message != "" {
		t.Errorf("before the clock moves: %+v", st)
	}
	clock.Advance(time.Minute)
	want := importLeadResponse{BatchID: id, ImportID: fmt.Sprint(id), Status: bulkComplete,
		NumOfLeadsProcessed: imported, NumOfRowsFailed: failed, NumOfRowsWithWarning: warned,
		Message: fmt.Sprintf("Import completed with errors, %d records imported (%d members), %d failed, %d warnings.", imported, imported, failed, warned)}
	if st := memberStatusOf(t, srv, token, id); st != want {
		t.Errorf("status\n got %+v\nwant %+v", st, want)
	}
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
		// The warnings have no id in any row: that column is left out.
		if f.name == "warnings" {
			for i := range want {
				want[i] = slices.Delete(want[i], 3, 4)
			}
		}
		if got := memberFile(t, srv, token, id, f.name); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("%s\n got %q\nwant %q", f.name, got, want)
		}
	}

	leads := srv.Leads()
	newLead, _ := leadByEmail(leads, "new@example.com")
	invalid, _ := leadByEmail(leads, "INVALID_EMAIL")
	if newLead.Fields["FirstName"] != "Ann" || newLead.Fields["LeadScore"] != "11" || invalid.Fields["FirstName"] != "Aerys" {
		t.Errorf("imported leads %+v and %+v", newLead, invalid)
	}
	if l, _ := leadByID(leads, existing); l.Fields["FirstName"] != "Eve" {
		t.Errorf("existing lead %+v, want it renamed Eve", l)
	}
	if l, _ := leadByID(leads, attended); l.Fields["FirstName"] != "Al" {
		t.Errorf("a member whose status is kept still has its fields updated: %+v", l)
	}
	for _, email := range []string{"bad@example.com", "short@example.com", "withid@example.com"} {
		if _, ok := leadByEmail(leads, email); ok {
			t.Errorf("failed row stored %s", email)
		}
	}

	wantAt := map[string][]int{
		"Registered": slices.Sorted(slices.Values([]int{newLead.ID, existing, invited, registered, invalid.ID})),
		"Attended":   {attended},
		"Invited":    {},
	}
	for status, want := range wantAt {
		if got := membersAt(t, srv, token, SeedProgramID, status); !slices.Equal(got, want) {
			t.Errorf("members at %s: %v, want %v", status, got, want)
		}
	}
	members := srv.Programs()[0].Members
	if len(members) != 6 {
		t.Errorf("Programs() members %+v, want 6", members)
	}
	for _, m := range members {
		if m.LeadID == attended && (m.Status != "Attended" || !m.ReachedSuccess) {
			t.Errorf("attended member %+v", m)
		}
		if m.LeadID == newLead.ID && (m.Status != "Registered" || m.ReachedSuccess || !m.MembershipDate.After(clock.Now().Add(-time.Minute))) {
			t.Errorf("new member %+v", m)
		}
	}
	if s := srv.Stats(); s.Calls["BULK import program members"] != 1 || s.Calls["BULK import program members status"] != 2 ||
		s.Calls["BULK import program members failures"] != 1 || s.Calls["BULK import program members warnings"] != 1 || s.Bulk[bulkComplete] != 1 {
		t.Errorf("stats: calls %v, bulk %v", s.Calls, s.Bulk)
	}
}

// Statuses move forward only, as Sync Program Member Status moves them: a
// status of a higher step or another of the same step replaces the
// member's; the same status or a lower step keeps it, with a warning.
func TestBulkMemberStatusMovesForward(t *testing.T) {
	tests := []struct {
		from, to string // from "": not a member
		want     string
		warned   bool
		success  bool
	}{
		{"", "Invited", "Invited", false, false},
		{"", "Attended", "Attended", false, true},
		{"Invited", "Registered", "Registered", false, false},
		{"Registered", "Invited", "Registered", true, false},
		{"Registered", "Registered", "Registered", true, false},
		{"Attended", "No Show", "No Show", false, true}, // the same step; success stays reached
		{"No Show", "Attended", "Attended", false, true},
		{"Attended On-demand", "Attended", "Attended On-demand", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.from+" to "+tt.to, func(t *testing.T) {
			srv, clock := newTestServer(t, nil)
			token := mustToken(t, srv)
			lead := syncEmails(t, srv, token, "m@example.com")[0]
			if tt.from != "" {
				setStatus(t, srv, token, SeedProgramID, tt.from, lead)
			}
			id := mustImportMembers(t, srv, token, SeedProgramID, tt.to, []byte("email\nm@example.com\n"))
			clock.Advance(time.Minute)
			st := memberStatusOf(t, srv, token, id)
			if st.NumOfLeadsProcessed != 1 || (st.NumOfRowsWithWarning == 1) != tt.warned {
				t.Errorf("status %+v, want one lead processed, warned %v", st, tt.warned)
			}
			m := srv.Programs()[0].Members
			if len(m) != 1 || m[0].LeadID != lead || m[0].Status != tt.want || m[0].ReachedSuccess != tt.success {
				t.Errorf("members %+v, want lead %d at %s, reachedSuccess %v", m, lead, tt.want, tt.success)
			}
		})
	}
}

func TestBulkMemberImportCallErrors(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) { c.BulkImportDelay = time.Hour })
	token := mustToken(t, srv)
	leadJob := mustImport(t, srv, token, "format=csv", []byte("email\nq@example.com\n"))
	memberJob := mustImportMembers(t, srv, token, SeedProgramID, "Invited", []byte("email\nm@example.com\n"))
	csvType, good := multipartFile(t, []byte("email\na@example.com\n"))
	emptyType, empty := multipartFile(t, []byte(" \n"))
	var noFile bytes.Buffer
	w := multipart.NewWriter(&noFile)
	w.Close()
	imp := func(program int, query string) string {
		return fmt.Sprintf("/v1/program/%d/members/import.json?%s", program, query)
	}
	seed := SeedProgramID
	status := func(id int, file string) string {
		return fmt.Sprintf("/v1/program/members/import/%d/%s.json", id, file)
	}
	tests := []struct {
		name, method, path, contentType string
		body                            []byte
		code, message                   string
	}{
		{"unknown program", http.MethodPost, imp(7999, "format=csv&programMemberStatus=Invited"), csvType, good, "1013", "Program not found: no program has id 7999"},
		{"a list id for a program", http.MethodPost, imp(SeedListID, "format=csv&programMemberStatus=Invited"), csvType, good, "1013", fmt.Sprintf("Program not found: no program has id %d", SeedListID)},
		{"program id not a number", http.MethodPost, "/v1/program/abc/members/import.json?format=csv&programMemberStatus=Invited", csvType, good, "1001", "Invalid value 'abc'. Required of type 'Integer'"},
		{"no programMemberStatus", http.MethodPost, imp(seed, "format=csv"), csvType, good, "1002", "Missing value for the required parameter 'programMemberStatus'"},
		{"a status the channel lacks", http.MethodPost, imp(seed, "format=csv&programMemberStatus=Influenced"), csvType, good, "1025", "Program status not found"},
		{"a status in another case", http.MethodPost, imp(seed, "format=csv&programMemberStatus=invited"), csvType, good, "1025", "Program status not found"},
		{"Not in Program", http.MethodPost, imp(seed, "format=csv&programMemberStatus=Not+in+Program"), csvType, good, "1025", "Program status not found"},
		{"no format", http.MethodPost, imp(seed, "programMemberStatus=Invited"), csvType, good, "1002", "Missing value for the required parameter 'format'"},
		{"unknown format", http.MethodPost, imp(seed, "format=xlsx&programMemberStatus=Invited"), csvType, good, "1003", "Invalid format 'xlsx': csv, tsv or ssv expected"},
		{"no file", http.MethodPost, imp(seed, "format=csv&programMemberStatus=Invited"), w.FormDataContentType(), noFile.Bytes(), "1002", "Missing value for the required parameter 'file'"},
		{"empty file", http.MethodPost, imp(seed, "format=csv&programMemberStatus=Invited"), emptyType, empty, "1003", "Empty File"},
		{"not multipart", http.MethodPost, imp(seed, "format=csv&programMemberStatus=Invited"), "text/csv", []byte("email\na@example.com\n"), "612", "Invalid Content Type"},
		{"GET on import", http.MethodGet, imp(seed, "format=csv&programMemberStatus=Invited"), "", nil, "605", "HTTP Method not supported: Import Program Members is called with POST"},
		{"POST on status", http.MethodPost, status(memberJob, "status"), csvType, good, "605", "HTTP Method not supported: the import status and its files are read with GET"},
		{"batchId not a number", http.MethodGet, "/v1/program/members/import/abc/status.json", "", nil, "1001", "Invalid value 'abc'. Required of type 'Integer'"},
		{"unknown batchId", http.MethodGet, status(99, "status"), "", nil, "1013", "Object not found: no program member import batch 99 (a batchId is valid for seven days)"},
		{"a lead import's status", http.MethodGet, status(leadJob, "status"), "", nil, "1013",
			fmt.Sprintf("Object not found: no program member import batch %d (a batchId is valid for seven days)", leadJob)},
		{"a lead import's failures", http.MethodGet, status(leadJob, "failures"), "", nil, "1013",
			fmt.Sprintf("Object not found: no program member import batch %d (a batchId is valid for seven days)", leadJob)},
		{"a member import on the lead URL", http.MethodGet, fmt.Sprintf("/v1/leads/batch/%d.json", memberJob), "", nil, "1013",
			fmt.Sprintf("Object not found: no import batch %d (a batchId is valid for seven days)", memberJob)},
		{"a member import's warnings on the lead URL", http.MethodGet, fmt.Sprintf("/v1/leads/batch/%d/warnings.json", memberJob), "", nil, "1013",
			fmt.Sprintf("Object not found: no import batch %d (a batchId is valid for seven days)", memberJob)},
		{"failures too early", http.MethodGet, status(memberJob, "failures"), "", nil, "1003",
			fmt.Sprintf("Invalid data: import batch %d is Queued; its failures are ready when it is Complete", memberJob)},
		{"status without status.json", http.MethodGet, fmt.Sprintf("/v1/program/members/import/%d.json", memberJob), "", nil, "610", "Requested resource not found"},
		{"another file", http.MethodGet, status(memberJob, "rows"), "", nil, "610", "Requested resource not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, b := bulkRequest(t, srv, token, tt.method, tt.path, tt.contentType, tt.body)
			a := decodeBulk(t, code, b)
			if a.Success || len(a.Errors) != 1 || a.Errors[0].Code != tt.code || a.Errors[0].Message != tt.message {
				t.Errorf("got %s, want %s %q", b, tt.code, tt.message)
			}
		})
	}

	// programMemberStatus and format may come as form fields, as in the
	// docs' curl example.
	var form bytes.Buffer
	fw := multipart.NewWriter(&form)
	for k, v := range map[string]string{"format": "TSV", "programMemberStatus": "Attended On-demand"} {
		if err := fw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	part, err := fw.CreateFormFile("file", "members.tsv")
	if err != nil {
		t.Fatal(err)
	}
	part.Write([]byte("firstName\temail\nFormy\tform@example.com\n")) //nolint:errcheck // a bytes.Buffer
	fw.Close()
	code, _, b := bulkRequest(t, srv, token, http.MethodPost, fmt.Sprintf("/v1/program/%d/members/import.json", SeedProgramID), fw.FormDataContentType(), form.Bytes())
	if a := decodeBulk(t, code, b); !a.Success || a.Result[0].Status != bulkQueued {
		t.Fatalf("parameters as form fields: %s", b)
	}
	clock.Advance(2 * time.Hour)
	form1, ok := leadByEmail(srv.Leads(), "form@example.com")
	if m := srv.Programs()[0].Members; !ok || len(m) != 2 || !slices.ContainsFunc(m, func(m ProgramMember) bool {
		return m.LeadID == form1.ID && m.Status == "Attended On-demand"
	}) {
		t.Errorf("imported from form fields: lead %+v, members %+v", form1, m)
	}
}

// A member file that cannot be imported as a whole fails when its turn
// comes, making no one a member.
func TestBulkMemberImportJobFails(t *testing.T) {
	tests := []struct {
		name, file, message string
	}{
		{"no email column", "firstName,lastName\nAnn,Lee\n", "Import failed: the header has no column 'email'; every program member record must include email"},
		// Field names are case-sensitive, as everywhere in the sandbox.
		{"Email in capitals", "Email,firstName\na@example.com,Ann\n", "Import failed: the header names fields the instance does not have: 'Email'"},
		{"a program member field", "email,statusName\na@example.com,Attended\n", "Import failed: the header names fields the instance does not have: 'statusName'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, clock := newTestServer(t, nil)
			token := mustToken(t, srv)
			id := mustImportMembers(t, srv, token, SeedProgramID, "Invited", []byte(tt.file))
			clock.Advance(time.Minute)
			if st := memberStatusOf(t, srv, token, id); st.Status != bulkFailed || st.Message != tt.message {
				t.Errorf("status %+v, want Failed with %q", st, tt.message)
			}
			if len(srv.Leads()) != 0 || len(srv.Programs()[0].Members) != 0 {
				t.Errorf("a failed job stored leads %+v, members %+v", srv.Leads(), srv.Programs()[0].Members)
			}
		})
	}
}

// Lead and program member imports wait in one queue of ten, as Marketo's
// limits are the instance's: the eleventh of either kind is 1016.
func TestBulkQueueSharedByKinds(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) { c.BulkImportDelay = time.Hour })
	token := mustToken(t, srv)
	file := []byte("email\nq@example.com\n")
	var members []int
	for i := range 10 {
		if i%2 == 0 {
			mustImport(t, srv, token, "format=csv", file)
		} else {
			members = append(members, mustImportMembers(t, srv, token, SeedProgramID, "Invited", file))
		}
	}
	ct, body := multipartFile(t, file)
	for _, path := range []string{"/v1/leads.json?format=csv", memberImportPath(SeedProgramID, "Invited")} {
		code, _, b := bulkRequest(t, srv, token, http.MethodPost, path, ct, body)
		if a := decodeBulk(t, code, b); a.Success || a.Errors[0].Code != "1016" || a.Errors[0].Message != "Too many imports" {
			t.Errorf("%s with ten queued: %s, want 1016", path, b)
		}
	}
	if s := srv.Stats(); s.Bulk[bulkQueued] != 10 {
		t.Errorf("jobs %v, want 10 queued", s.Bulk)
	}
	// Ten uploads, two refused and this call count.
	if _, total, _ := usage(t, srv, token); total != 13 {
		t.Errorf("usage %d, want 13", total)
	}
	clock.Advance(2 * time.Hour)
	token = mustToken(t, srv)
	for _, id := range members {
		if st := memberStatusOf(t, srv, token, id); st.Status != bulkComplete {
			t.Errorf("member job %d: %+v", id, st)
		}
	}
	mustImportMembers(t, srv, token, SeedProgramID, "Invited", file)
}

// New leads of a program member import go to the first partition of the
// program's workspace the API user may access; a lead matched in another
// partition fails its row as createOrUpdate's would.
func TestBulkMemberImportPartitions(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) {
		c.Partitions = []Partition{{Name: "Europe", Workspace: "Europe"}, {Name: "Default EMEA"}}
		c.DeniedPartitions = []string{"Default"}
	})
	token := mustToken(t, srv)
	created := api(t, srv, token, http.MethodPost, "/rest/asset/v1/programs.json", formType,
		url.Values{"name": {"EU Blast"}, "folder": {fmt.Sprint(firstExtraFolderID + 2)}, "type": {"Default"}, "channel": {"Email Blast"}}.Encode())
	if !created.Success {
		t.Fatalf("Create Program: %s", created.body)
	}
	eu := created.ints(t, "id")[0]
	mustSyncREST(t, srv, token, `{"partitionName":"Default EMEA","input":[{"email":"home@example.com"}]}`)

	euJob := mustImportMembers(t, srv, token, eu, "Member", []byte("email\nhome@example.com\neu@example.com\n"))
	defaultJob := mustImportMembers(t, srv, token, SeedProgramID, "Invited", []byte("email\nhome@example.com\nnew@example.com\n"))
	clock.Advance(time.Minute)
	if got := memberFile(t, srv, token, euJob, "failures"); !slices.EqualFunc(got, [][]string{{"email", failureColumn}, {"home@example.com", "Partition update not allowed"}}, slices.Equal) {
		t.Errorf("failures of the Europe import %q", got)
	}
	if st := memberStatusOf(t, srv, token, defaultJob); st.NumOfLeadsProcessed != 2 || st.NumOfRowsFailed != 0 {
		t.Errorf("Default import %+v", st)
	}
	wantPartition := map[string]int{"eu@example.com": 2, "new@example.com": 3, "home@example.com": 3}
	leads := srv.Leads()
	for email, part := range wantPartition {
		if l, ok := leadByEmail(leads, email); !ok || l.PartitionID != part {
			t.Errorf("%s: %+v, want partition %d", email, l, part)
		}
	}
	progs := srv.Programs()
	if len(progs[0].Members) != 2 || len(progs[1].Members) != 1 || progs[1].Members[0].Status != "Member" {
		t.Errorf("members: webinar %+v, EU Blast %+v", progs[0].Members, progs[1].Members)
	}

	// With every partition of the workspace denied, the call is refused.
	srv.Configure(func(c *Config) { c.DeniedPartitions = []string{"Default", "Europe"} })
	ct, body := multipartFile(t, []byte("email\nx@example.com\n"))
	code, _, b := bulkRequest(t, srv, token, http.MethodPost, memberImportPath(eu, "Member"), ct, body)
	if a := decodeBulk(t, code, b); a.Success || a.Errors[0].Code != "1008" || a.Errors[0].Message != "Access denied to partition 'Europe'" {
		t.Errorf("import into a workspace with no partition to write to: %s", b)
	}
}

// Program member calls count and suffer injected trouble as every other
// call does: a gateway error before processing queues nothing, one after
// it leaves the job queued, a 604 queues nothing.
func TestBulkMemberImportTrouble(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		status int
		queued int
	}{
		{"gateway error", Faults{FaultRate5xx: 1}, 0, 0},
		{"applied then a gateway error", Faults{ApplyThen5xxRate: 1}, 0, 1},
		{"time-out", Faults{TimeoutRate: 1}, http.StatusOK, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t, func(c *Config) { c.BulkImportDelay = time.Hour })
			token := mustToken(t, srv)
			srv.SetFaults(tt.faults)
			ct, body := multipartFile(t, []byte("email\nq@example.com\n"))
			code, _, b := bulkRequest(t, srv, token, http.MethodPost, memberImportPath(SeedProgramID, "Invited"), ct, body)
			switch {
			case tt.status == 0 && (code < 502 || code > 504):
				t.Errorf("HTTP %d %s, want a gateway error", code, b)
			case tt.status == http.StatusOK && !bytes.Contains(b, []byte(`"604"`)):
				t.Errorf("HTTP %d %s, want 604", code, b)
			}
			srv.SetFaults(Faults{})
			if s := srv.Stats(); s.Bulk[bulkQueued] != tt.queued || s.Calls["BULK import program members"] != 1 {
				t.Errorf("jobs %v, calls %v; want %d queued after one call", s.Bulk, s.Calls, tt.queued)
			}
		})
	}
	// The rate window is shared with the lead calls.
	srv, _ := newTestServer(t, func(c *Config) { c.RateLimit = 3 })
	token := mustToken(t, srv)
	id := mustImportMembers(t, srv, token, SeedProgramID, "Invited", []byte("email\nr@example.com\n"))
	bulkStatus(t, srv, token, mustImport(t, srv, token, "format=csv", []byte("email\nr@example.com\n")))
	code, _, b := bulkRequest(t, srv, token, http.MethodGet, fmt.Sprintf("/v1/program/members/import/%d/status.json", id), "", nil)
	if a := decodeBulk(t, code, b); a.Success || a.Errors[0].Code != "606" {
		t.Errorf("fourth call in the window: %s, want 606", b)
	}
}
