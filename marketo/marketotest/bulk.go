package marketotest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Bulk Import limits, as bulk-lead-import.md and error-codes.md give them.
const (
	// maxBulkBody is the "10MB for Import Lead" payload limit; larger
	// requests get 413. As with maxRESTBody the sandbox takes the smaller
	// reading, 10,000,000 bytes, and counts the whole multipart body, so
	// the file itself must stay a little under 10 MB.
	maxBulkBody = 10_000_000
	// maxBulkImporting jobs are processed at once, instance-wide.
	maxBulkImporting = 2
	// maxBulkQueued jobs may wait, the importing ones included; one more
	// is refused with 1016.
	maxBulkQueued = 10
	// bulkBatchLife is how long a batchId "remains valid".
	bulkBatchLife = 7 * 24 * time.Hour
	// firstBatchID is the first batchId the sandbox hands out; the docs'
	// example is 3404. Lead ids start elsewhere, so a client mixing the
	// two is caught.
	firstBatchID = 3401
)

// Bulk import job statuses (ImportLeadResponse.status).
const (
	bulkQueued    = "Queued"
	bulkImporting = "Importing"
	bulkComplete  = "Complete"
	bulkFailed    = "Failed"
)

// Reason columns Marketo adds to the failures and warnings files.
const (
	failureColumn = "Import Failure Reason"
	warningColumn = "Import Warning Reason"
)

// bulkFormat is an import file format.
type bulkFormat struct {
	name        string // csv, tsv or ssv
	comma       rune
	contentType string
}

var bulkFormats = map[string]bulkFormat{
	"csv": {"csv", ',', "text/csv;charset=UTF-8"},
	"tsv": {"tsv", '\t', "text/tab-separated-values;charset=UTF-8"},
	"ssv": {"ssv", ';', "text/csv;charset=UTF-8"},
}

// bulkJob is one bulk import. Its rows are applied as the sandbox clock
// passes through its Importing time, so a poll sees it progress.
type bulkJob struct {
	id      int
	format  bulkFormat
	lookup  string // REST name of the lookup field
	created time.Time
	ready   time.Time // when it may start: created + BulkImportDelay
	rowTime time.Duration
	status  string
	started time.Time
	end     time.Time

	// list, when the upload named one (listId), gets the leads of the
	// rows applied as members; plan is the partitionName, resolved at
	// upload (see [partitionPlan]).
	list *staticList
	plan partitionPlan

	// program is set for a program member import: each row applied makes
	// its lead a member at memberStatus, an index into the program
	// channel's statuses. Its batchId is answered only on the program
	// member status URLs, and a lead import's only on the lead ones.
	program      *program
	memberStatus int

	header  []string
	rows    [][]string // dropped when the job ends
	failMsg string     // why the file cannot be imported; the job fails when it starts
	cols    []*FieldDef
	lookupF *FieldDef

	applied  int // rows looked at so far
	imported int
	failures []bulkRowResult
	warnings []bulkRowResult
	message  string
}

// bulkRowResult is a row of the failures or warnings file.
type bulkRowResult struct {
	row    []string
	reason string
}

// bulkQueue is the instance's import queue: FIFO, two jobs importing.
type bulkQueue struct {
	mu      sync.Mutex
	nextID  int
	jobs    map[int]*bulkJob // every job whose batchId is still valid
	queue   []*bulkJob       // Queued, oldest first
	running []*bulkJob       // Importing
	// free holds, for each import slot not taken, when it became free,
	// so a queued job starts when both it and a slot are ready.
	free []time.Time
}

func newBulkQueue() *bulkQueue {
	return &bulkQueue{nextID: firstBatchID, jobs: map[int]*bulkJob{}, free: make([]time.Time, maxBulkImporting)}
}

// counts is the number of jobs by status, for Stats.
func (b *bulkQueue) counts() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]int{}
	for _, j := range b.jobs {
		out[j.status]++
	}
	return out
}

// serveBulk routes the Bulk Import calls; they share REST's token, limits,
// quota and injected trouble.
func (s *Server) serveBulk(w http.ResponseWriter, r *http.Request) {
	cfg, fs := s.snapshotConfig()
	p := strings.TrimPrefix(r.URL.Path, BulkPath)
	var op string
	var handle func() reply
	batch, file, isBatch := bulkBatchPath(p)
	memberBatch, memberFile, isMemberBatch := memberBatchPath(p)
	programID, isMemberImport := matchPath(p, "/v1/program/{id}/members/import.json")
	files := map[string]string{"": "status", "failures": "failures", "warnings": "warnings"}
	switch {
	case p == "/v1/leads.json":
		op = "import leads"
		handle = func() reply {
			if r.Method != http.MethodPost {
				return s.restFail(605, "HTTP Method not supported: Import Leads is called with POST")
			}
			return s.importLeadsBulk(r, cfg, fs)
		}
	case isBatch:
		op = "import " + files[file]
		handle = func() reply {
			if r.Method != http.MethodGet {
				return s.restFail(605, "HTTP Method not supported: the import status and its files are read with GET")
			}
			return s.bulkBatchREST(batch, file, false)
		}
	case isMemberBatch:
		op = "import program members " + files[memberFile]
		handle = func() reply {
			if r.Method != http.MethodGet {
				return s.restFail(605, "HTTP Method not supported: the import status and its files are read with GET")
			}
			return s.bulkBatchREST(memberBatch, memberFile, true)
		}
	case isMemberImport:
		op = "import program members"
		handle = func() reply {
			if r.Method != http.MethodPost {
				return s.restFail(605, "HTTP Method not supported: Import Program Members is called with POST")
			}
			return s.importMembersBulk(r, cfg, programID)
		}
	default:
		op = "unknown"
		handle = func() reply { return s.restFail(610, "Requested resource not found") }
	}
	s.serveRESTCall(w, r, cfg, "BULK "+op, maxBulkBody, handle)
}

// bulkBatchPath reads /v1/leads/batch/{batchId}.json and its
// /failures.json and /warnings.json; file is "" for the status.
func bulkBatchPath(p string) (batch, file string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/v1/leads/batch/")
	if !ok {
		return "", "", false
	}
	if id, f, found := strings.Cut(rest, "/"); found {
		switch f {
		case "failures.json", "warnings.json":
			return id, strings.TrimSuffix(f, ".json"), id != ""
		}
		return "", "", false
	}
	id, ok := strings.CutSuffix(rest, ".json")
	return id, "", ok && id != ""
}

// memberBatchPath reads /v1/program/members/import/{batchId}/status.json,
// failures.json and warnings.json; file is "" for the status.
func memberBatchPath(p string) (batch, file string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/v1/program/members/import/")
	if !ok {
		return "", "", false
	}
	id, f, found := strings.Cut(rest, "/")
	if !found || id == "" {
		return "", "", false
	}
	switch f {
	case "status.json":
		return id, "", true
	case "failures.json", "warnings.json":
		return id, strings.TrimSuffix(f, ".json"), true
	}
	return "", "", false
}

// bulkParam reads a parameter from the query string, as the Swagger spec
// has them, or else from the multipart form, as the docs' curl example
// sends format.
func bulkParam(r *http.Request, form *multipart.Form, name string) string {
	if v := r.URL.Query().Get(name); v != "" {
		return v
	}
	if form != nil && len(form.Value[name]) > 0 {
		return form.Value[name][0]
	}
	return ""
}

// importLeadsBulk is Import Leads: it checks the call, reads the file and
// queues a job.
func (s *Server) importLeadsBulk(r *http.Request, cfg Config, fs *fieldSet) reply {
	form, format, bad := s.readBulkForm(r)
	if bad != nil {
		return *bad
	}
	defer form.RemoveAll() //nolint:errcheck // temporary files only; nothing to tell the client
	lookup := bulkParam(r, form, "lookupField")
	if lookup == "" {
		lookup = "email"
	}
	switch f := fs.byREST[lookup]; {
	case f == nil:
		return s.restFail(1006, fmt.Sprintf("Field '%s' not found", clip(lookup)))
	case !f.Searchable:
		return s.restFail(1011, fmt.Sprintf("Field '%s' not supported", lookup))
	}
	var list *staticList
	if v := bulkParam(r, form, "listId"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return s.restFail(1001, fmt.Sprintf("Invalid value '%s'. Required of type 'Integer'", clip(v)))
		}
		st := s.store
		st.mu.Lock()
		list = st.cat.list(n)
		st.mu.Unlock()
		if list == nil {
			return s.listNotFound(n)
		}
	}
	// Rows are upserts on the lookup field, so they write to one
	// partition, as createOrUpdate does; lookupField id only updates, and
	// needs a partition only when it names one.
	partitionName := bulkParam(r, form, "partitionName")
	plan := s.planPartitions(cfg, partitionName, lookup != "id")
	if plan.target < 0 && (partitionName != "" || lookup != "id") {
		code, _ := strconv.Atoi(plan.refuse.Code)
		return s.restFail(code, plan.refuse.Message)
	}
	content, bad := s.readBulkContent(form)
	if bad != nil {
		return *bad
	}
	return s.queueBulkJob(cfg, &bulkJob{format: format, lookup: lookup, list: list, plan: plan}, content)
}

// importMembersBulk is Import Program Members: rows are inserted or
// updated on email, as Import Leads does, into the first partition of the
// program's workspace the API user may access, and each lead applied
// becomes a member at programMemberStatus. A status the program's channel
// lacks, or Not in Program (step 0), which makes no one a member, fails
// the call with 1025, as Sync Program Member Status refuses an unknown
// statusName.
func (s *Server) importMembersBulk(r *http.Request, cfg Config, idText string) reply {
	programID, bad := pathID(idText)
	if bad != nil {
		return bad.lead(s)
	}
	form, format, fail := s.readBulkForm(r)
	if fail != nil {
		return *fail
	}
	defer form.RemoveAll() //nolint:errcheck // temporary files only; nothing to tell the client
	statusName := bulkParam(r, form, "programMemberStatus")
	if statusName == "" {
		return s.restFail(1002, "Missing value for the required parameter 'programMemberStatus'")
	}
	st := s.store
	st.mu.Lock()
	p := st.cat.program(programID)
	st.mu.Unlock()
	if p == nil {
		return s.programNotFound(programID)
	}
	// A program's channel and workspace never change once it exists.
	to := p.channel.status(statusName)
	if to < 0 || p.channel.statuses[to].Step == 0 {
		return s.restFail(1025, "Program status not found")
	}
	plan := s.programPartition(cfg, p)
	if plan.target < 0 {
		code, _ := strconv.Atoi(plan.refuse.Code)
		return s.restFail(code, plan.refuse.Message)
	}
	content, fail := s.readBulkContent(form)
	if fail != nil {
		return *fail
	}
	return s.queueBulkJob(cfg, &bulkJob{format: format, lookup: "email", plan: plan, program: p, memberStatus: to}, content)
}

// programPartition is where a program member import writes: new leads go
// to the first partition of the program's workspace the API user may
// access, and a lead matched in another partition fails its row as a
// createOrUpdate's would (1010). With none accessible the call is 1008,
// naming the workspace's first partition.
func (s *Server) programPartition(cfg Config, p *program) partitionPlan {
	denied := s.deniedPartitions(cfg)
	first := ""
	for i, part := range s.partitions {
		if part.workspace != p.workspace {
			continue
		}
		if !denied[i] {
			return s.planPartitions(cfg, part.name, true)
		}
		if first == "" {
			first = part.name
		}
	}
	return partitionPlan{denied: denied}.refused("1008", fmt.Sprintf("Access denied to partition '%s'", first))
}

// readBulkForm checks an upload's Content-Type and reads its multipart
// form and format; bad is the answer when they do not do. The caller
// removes the form's files.
func (s *Server) readBulkForm(r *http.Request) (form *multipart.Form, format bulkFormat, bad *reply) {
	fail := func(code int, message string) (*multipart.Form, bulkFormat, *reply) {
		rep := s.restFail(code, message)
		return nil, bulkFormat{}, &rep
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return fail(612, "Invalid Content Type")
	}
	form, err = multipart.NewReader(r.Body, params["boundary"]).ReadForm(maxBulkBody)
	if err != nil {
		return fail(1003, "Invalid data: the multipart/form-data body cannot be read")
	}
	name := strings.ToLower(bulkParam(r, form, "format"))
	format, known := bulkFormats[name]
	switch {
	case name == "":
		form.RemoveAll() //nolint:errcheck // temporary files only
		return fail(1002, "Missing value for the required parameter 'format'")
	case !known:
		form.RemoveAll() //nolint:errcheck // temporary files only
		return fail(1003, fmt.Sprintf("Invalid format '%s': csv, tsv or ssv expected", clip(name)))
	}
	return form, format, nil
}

// readBulkContent is the upload's part "file"; bad is the answer when
// there is none or it is blank.
func (s *Server) readBulkContent(form *multipart.Form) (content []byte, bad *reply) {
	fail := func(code int, message string) ([]byte, *reply) {
		rep := s.restFail(code, message)
		return nil, &rep
	}
	files := form.File["file"]
	if len(files) == 0 {
		return fail(1002, "Missing value for the required parameter 'file'")
	}
	content, err := readFormFile(files[0])
	if err != nil {
		return fail(611, "System error: could not read the file")
	}
	if len(bytes.TrimSpace(content)) == 0 {
		return fail(1003, "Empty File")
	}
	return content, nil
}

// queueBulkJob reads content into j and puts it on the instance's one
// queue, which lead and program member imports share, as Marketo's
// limits are the instance's.
func (s *Server) queueBulkJob(cfg Config, j *bulkJob, content []byte) reply {
	now := s.now()
	j.created, j.ready, j.rowTime, j.status = now, now.Add(cfg.BulkImportDelay), cfg.BulkRowTime, bulkQueued
	j.header, j.rows, j.failMsg = readBulkFile(content, j.format)

	b := s.bulk
	b.mu.Lock()
	if j.list != nil {
		for _, other := range append(append([]*bulkJob{}, b.queue...), b.running...) {
			if other.list == j.list {
				b.mu.Unlock()
				return s.restFail(1019, "Import in progress")
			}
		}
	}
	if len(b.queue)+len(b.running) >= maxBulkQueued {
		b.mu.Unlock()
		return s.restFail(1016, "Too many imports")
	}
	j.id = b.nextID
	b.nextID++
	b.jobs[j.id] = j
	b.queue = append(b.queue, j)
	b.mu.Unlock()
	type created struct {
		BatchID  int    `json:"batchId"`
		ImportID string `json:"importId"`
		Status   string `json:"status"`
	}
	return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true,
		Result: []created{{j.id, strconv.Itoa(j.id), bulkQueued}}})
}

func readFormFile(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open the uploaded file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read the uploaded file: %w", err)
	}
	return b, nil
}

// readBulkFile splits an import file into its header and rows. A file
// that is not well-formed for its format is not refused on upload: the job
// fails when it starts, with failMsg as its message, as an asynchronous
// import would.
func readBulkFile(content []byte, format bulkFormat) (header []string, rows [][]string, failMsg string) {
	rd := csv.NewReader(bytes.NewReader(content))
	rd.Comma = format.comma
	rd.FieldsPerRecord = -1 // a row of the wrong width fails on its own
	all, err := rd.ReadAll()
	var perr *csv.ParseError
	switch {
	case errors.As(err, &perr):
		return nil, nil, fmt.Sprintf("Import failed: the file is not valid %s at line %d: %v", strings.ToUpper(format.name), perr.Line, perr.Err)
	case err != nil:
		return nil, nil, fmt.Sprintf("Import failed: the file cannot be read: %v", err)
	case len(all) == 0:
		return nil, nil, "Import failed: the file has no header row"
	}
	return all[0], all[1:], ""
}

// advanceBulk brings every job to where the sandbox clock says it is:
// queued jobs start in order as import slots free up, importing jobs apply
// the rows their time so far covers, and batchIds older than seven days
// are forgotten. Events are taken in time order, so a clock that jumps
// ahead gives what polling all along would have seen.
func (s *Server) advanceBulk() {
	b := s.bulk
	now := s.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, j := range b.jobs {
		if (j.status == bulkComplete || j.status == bulkFailed) && !now.Before(j.created.Add(bulkBatchLife)) {
			delete(b.jobs, id)
		}
	}
	if len(b.queue) == 0 && len(b.running) == 0 {
		return
	}
	_, fs := s.snapshotConfig()
	for {
		var next *bulkJob
		for _, j := range b.running {
			if next == nil || j.end.Before(next.end) {
				next = j
			}
		}
		canStart := len(b.queue) > 0 && len(b.free) > 0
		var startAt time.Time
		if canStart {
			startAt = b.queue[0].ready
			if slot := b.free[0]; slot.After(startAt) {
				startAt = slot
			}
		}
		switch {
		case canStart && !startAt.After(now) && (next == nil || !startAt.After(next.end)):
			j := b.queue[0]
			b.queue = b.queue[1:]
			if !startBulkJob(j, startAt, fs) {
				continue // it failed at once and leaves the slot free
			}
			b.free = b.free[1:]
			b.running = append(b.running, j)
		case next != nil && !next.end.After(now):
			s.applyBulkRows(next, len(next.rows))
			finishBulkJob(next)
			for i, j := range b.running {
				if j == next {
					b.running = append(b.running[:i], b.running[i+1:]...)
					break
				}
			}
			// Slots free up in time order, so free stays sorted.
			b.free = append(b.free, next.end)
		default:
			for _, j := range b.running {
				s.applyBulkRows(j, j.rowsDone(now))
			}
			return
		}
	}
}

// rowsDone is how many rows the job has looked at by now.
func (j *bulkJob) rowsDone(now time.Time) int {
	if j.rowTime <= 0 {
		return len(j.rows)
	}
	return min(len(j.rows), int(now.Sub(j.started)/j.rowTime))
}

// startBulkJob moves j to Importing at t, checking its header against the
// fields the instance has now. It returns false when the job failed
// instead, so its slot stays free.
func startBulkJob(j *bulkJob, t time.Time, fs *fieldSet) bool {
	j.started = t
	if j.failMsg == "" {
		j.failMsg = j.resolveColumns(fs)
	}
	if j.failMsg != "" {
		j.status, j.end, j.message, j.rows = bulkFailed, t, j.failMsg, nil
		return false
	}
	j.status = bulkImporting
	j.end = t.Add(time.Duration(len(j.rows)) * j.rowTime)
	return true
}

// resolveColumns maps the header's REST names to fields; it returns why
// the job cannot run, or "".
func (j *bulkJob) resolveColumns(fs *fieldSet) string {
	j.lookupF = fs.byREST[j.lookup]
	if j.lookupF == nil || !j.lookupF.Searchable {
		return fmt.Sprintf("Import failed: lookup field '%s' is no longer searchable", j.lookup)
	}
	j.cols = make([]*FieldDef, len(j.header))
	seen := map[string]bool{}
	var unknown []string
	for i, name := range j.header {
		if seen[name] {
			return fmt.Sprintf("Import failed: column '%s' appears twice in the header", clip(name))
		}
		seen[name] = true
		if j.cols[i] = fs.byREST[name]; j.cols[i] == nil {
			unknown = append(unknown, "'"+clip(name)+"'")
		}
	}
	if len(unknown) > 0 {
		return "Import failed: the header names fields the instance does not have: " + strings.Join(unknown, ", ")
	}
	if j.program != nil && !slices.Contains(j.cols, j.lookupF) {
		return "Import failed: the header has no column 'email'; every program member record must include email"
	}
	return ""
}

// applyBulkRows looks at j's rows up to upTo, under the store lock, as an
// insert or update on the job's lookup field. Each row is stamped with the
// time its turn came, however late the clock was looked at.
func (s *Server) applyBulkRows(j *bulkJob, upTo int) {
	if upTo <= j.applied {
		return
	}
	created, updated, failed := 0, 0, 0
	st := s.store
	st.mu.Lock()
	for ; j.applied < upTo; j.applied++ {
		row := j.rows[j.applied]
		at := j.started.Add(time.Duration(j.applied+1) * j.rowTime)
		status, failure, warning := s.applyBulkRow(j, row, at)
		switch status {
		case "created":
			created++
		case "updated":
			updated++
		default:
			failed++
			j.failures = append(j.failures, bulkRowResult{row, failure})
			continue
		}
		j.imported++
		if warning != "" {
			j.warnings = append(j.warnings, bulkRowResult{row, warning})
		}
	}
	st.mu.Unlock()
	s.rec.outcomes(created, updated, failed)
}

// applyBulkRow applies one row, returning "created", "updated" or
// "failed" with the failure's reason, and any warning. The caller holds
// the store lock.
//
// A blank cell leaves the field as it is (Marketo's list import does not
// overwrite with blanks). Values are checked as Sync Leads checks them,
// worded as the bulk docs word a failure ("Invalid data type in field
// Lead Score"); an email that is not a valid address is the docs' warning:
// the row is imported with the address as given.
func (s *Server) applyBulkRow(j *bulkJob, row []string, now time.Time) (status, failure, warning string) {
	if len(row) != len(j.header) {
		return "failed", fmt.Sprintf("Row has %d values; the header has %d columns", len(row), len(j.header)), ""
	}
	lookup := j.lookupF
	var changes []fieldChange
	var warnings []string
	email, hasEmail := "", false
	key := ""
	for i, v := range row {
		f := j.cols[i]
		if v == "" {
			continue
		}
		if f.RESTName == "id" {
			switch {
			case j.program != nil:
				return "failed", "Field 'id' cannot be imported: program members are matched on email", ""
			case f != lookup:
				return "failed", "Field 'id' can only be given as the lookup field (lookupField=id)", ""
			}
			key = strings.TrimSpace(v)
			continue
		}
		if !f.updateable() {
			return "failed", fmt.Sprintf("Field '%s' is read-only", f.RESTName), ""
		}
		norm, fail, warn := bulkValue(f, v)
		if fail != "" {
			return "failed", fail, ""
		}
		if warn != "" {
			warnings = append(warnings, warn)
		}
		if f == lookup {
			key = norm
		}
		if f.SOAPName == "Email" {
			email, hasEmail = norm, true
			continue
		}
		changes = append(changes, fieldChange{f, norm})
	}
	switch {
	case key == "" && j.program != nil:
		return "failed", "Value for required field 'email' not found", ""
	case key == "":
		return "failed", fmt.Sprintf("Value for lookup field '%s' not found", lookup.RESTName), ""
	}
	st := s.store
	var l *lead
	switch matches := j.plan.candidates(st, st.findField(lookup, key)); len(matches) {
	case 0:
		if lookup.RESTName == "id" {
			return "failed", "Lead not found", ""
		}
		l = st.create(now)
		st.setPartition(l.id, j.plan.target)
		status = "created"
	case 1:
		if why, ok := s.refusal(j.plan, st, matches[0]); !ok {
			return "failed", why.Message, ""
		}
		l = st.lead(matches[0])
		status = "updated"
	default:
		return "failed", "Multiple leads match the lookup criteria", ""
	}
	if hasEmail && !(status == "updated" && lookup.SOAPName == "Email") {
		st.setEmail(l, email)
	}
	if status == "updated" {
		// The key matched; its spelling on the lead stays as it was.
		kept := changes[:0]
		for _, c := range changes {
			if c.f != lookup {
				kept = append(kept, c)
			}
		}
		changes = kept
	}
	st.setFields(l, changes)
	if status == "updated" {
		// As Sync Leads: any update, even one writing the values the
		// lead has; a new lead's creation stamped it already.
		st.touch(l, now)
	}
	// bulk-lead-import.md: "Imported leads become members of this list";
	// as Add to List does, only leads of the list's workspace.
	if j.list != nil && s.leadWorkspace(st, l.id) == j.list.workspace {
		j.list.members.add(l.id)
	}
	// The lead is in the program's workspace: its partition is the job's
	// target (plan.strict).
	if p := j.program; p != nil && p.moveMember(l.id, j.memberStatus, now.UnixNano()) == "" {
		warnings = append(warnings, fmt.Sprintf("Lead is already in or past this status; its status '%s' is kept",
			p.channel.statuses[p.members[l.id].status].Name))
	}
	return status, "", strings.Join(warnings, "; ")
}

// bulkValue checks one cell: the value to store, or why the row fails, and
// any warning.
func bulkValue(f *FieldDef, v string) (norm, failure, warning string) {
	if f.DataType == TypeEmail && checkEmail(v) != "" {
		if !utf8.ValidString(v) || (f.Length > 0 && utf8.RuneCountInString(v) > f.Length) {
			return "", tooLongOrInvalid(f, v), ""
		}
		return v, "", "Invalid email address"
	}
	norm, reason, badType := checkValueKind(f, v)
	switch {
	case badType:
		return "", "Invalid data type in field " + f.DisplayName, ""
	case reason != "":
		return "", tooLongOrInvalid(f, v), ""
	}
	return norm, "", ""
}

// tooLongOrInvalid words the two ways a value of the right type can fail.
func tooLongOrInvalid(f *FieldDef, v string) string {
	if !utf8.ValidString(v) {
		return fmt.Sprintf("Value for field '%s' is not valid UTF-8", f.RESTName)
	}
	unit := "characters"
	if f.DataType == TypeText {
		unit = "bytes"
	}
	return fmt.Sprintf("Value for field '%s' is too long: at most %d %s", f.RESTName, f.Length, unit)
}

// finishBulkJob ends an Importing job whose rows are all applied.
func finishBulkJob(j *bulkJob) {
	j.status, j.rows = bulkComplete, nil
	failed, warned := len(j.failures), len(j.warnings)
	plural := func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	}
	switch {
	case failed == 0 && warned == 0:
		j.message = fmt.Sprintf("Import succeeded, %d records imported (%d members)", j.imported, j.imported)
	case failed == 0:
		j.message = fmt.Sprintf("Import succeeded, %d records imported (%d members), %d %s.", j.imported, j.imported, warned, plural(warned, "warning", "warnings"))
	case warned == 0:
		j.message = fmt.Sprintf("Import completed with errors, %d records imported (%d members), %d failed", j.imported, j.imported, failed)
	default:
		j.message = fmt.Sprintf("Import completed with errors, %d records imported (%d members), %d failed, %d %s.", j.imported, j.imported, failed, warned, plural(warned, "warning", "warnings"))
	}
}

// importLeadResponse is ImportLeadResponse in the Swagger spec.
type importLeadResponse struct {
	BatchID              int    `json:"batchId"`
	ImportID             string `json:"importId"`
	Status               string `json:"status"`
	NumOfLeadsProcessed  int    `json:"numOfLeadsProcessed"`
	NumOfRowsFailed      int    `json:"numOfRowsFailed"`
	NumOfRowsWithWarning int    `json:"numOfRowsWithWarning"`
	Message              string `json:"message,omitempty"`
}

// bulkBatchREST answers Get Import Lead Status, or, for file "failures" or
// "warnings", the rows that failed or were imported with a warning; with
// members, Get Import Program Member Status and its files. A batchId of
// the other kind of import is not found, as an id the other family's
// calls never handed out would be.
func (s *Server) bulkBatchREST(batch, file string, members bool) reply {
	id, err := strconv.Atoi(batch)
	if err != nil {
		return s.restFail(1001, fmt.Sprintf("Invalid value '%s'. Required of type 'Integer'", clip(batch)))
	}
	b := s.bulk
	b.mu.Lock()
	defer b.mu.Unlock()
	j := b.jobs[id]
	if j == nil || (j.program != nil) != members {
		kind := map[bool]string{false: "import batch", true: "program member import batch"}[members]
		return s.restFail(1013, fmt.Sprintf("Object not found: no %s %d (a batchId is valid for seven days)", kind, id))
	}
	if file == "" {
		return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true, Result: []importLeadResponse{{
			BatchID: j.id, ImportID: strconv.Itoa(j.id), Status: j.status,
			NumOfLeadsProcessed: j.imported, NumOfRowsFailed: len(j.failures), NumOfRowsWithWarning: len(j.warnings),
			Message: j.message,
		}}})
	}
	if j.status != bulkComplete && j.status != bulkFailed {
		return s.restFail(1003, fmt.Sprintf("Invalid data: import batch %d is %s; its %s are ready when it is Complete", id, j.status, file))
	}
	rows, column := j.failures, failureColumn
	if file == "warnings" {
		rows, column = j.warnings, warningColumn
	}
	body, err := writeBulkResults(j.format, j.header, rows, column)
	if err != nil {
		return s.restFail(611, "System error: could not write the file")
	}
	return reply{status: http.StatusOK, contentType: j.format.contentType, body: body}
}

// writeBulkResults writes rows in the job's format with the reason column
// after the header's. Like Marketo (a community report of a failures file
// without its empty email column), a column blank in every row is left
// out, so a client must match rows by content, not position.
func writeBulkResults(format bulkFormat, header []string, rows []bulkRowResult, column string) ([]byte, error) {
	keep := make([]bool, len(header))
	for i := range header {
		keep[i] = len(rows) == 0
		for _, r := range rows {
			if i < len(r.row) && r.row[i] != "" {
				keep[i] = true
				break
			}
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = format.comma
	line := make([]string, 0, len(header)+1)
	for i, h := range header {
		if keep[i] {
			line = append(line, h)
		}
	}
	if err := w.Write(append(line, column)); err != nil {
		return nil, fmt.Errorf("write the header: %w", err)
	}
	for _, r := range rows {
		line = line[:0]
		for i := range header {
			if !keep[i] {
				continue
			}
			v := ""
			if i < len(r.row) {
				v = r.row[i]
			}
			line = append(line, v)
		}
		if err := w.Write(append(line, r.reason)); err != nil {
			return nil, fmt.Errorf("write a row: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write the file: %w", err)
	}
	return buf.Bytes(), nil
}
