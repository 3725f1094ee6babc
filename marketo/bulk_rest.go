package marketo

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

var _ BulkImporter = (*RESTClient)(nil)

// maxBulkRowsBytes bounds a failures or warnings download. Such a file
// holds rows of the upload plus a reason column, so it cannot honestly
// reach four times the largest upload; anything bigger is not a file
// Leadsheet can use, and reading it whole would only exhaust memory.
const maxBulkRowsBytes = 4 * MaxBulkFileBytes

// maxUploadNameBytes keeps the file name, which only goes into Marketo's
// records, from eating into the room MaxBulkFileBytes leaves for the
// multipart envelope.
const maxUploadNameBytes = 200

// bulkPartTypes is the Content-Type of the file part for each format.
// Marketo documents none but text/csv; semicolon-separated values are
// CSV with another delimiter, so they go as text/csv too.
var bulkPartTypes = map[string]string{
	"csv": "text/csv",
	"tsv": "text/tab-separated-values",
	"ssv": "text/csv",
}

// bulkBase is the Bulk API's base for a REST base URL. Marketo serves
// /bulk/v1/... beside /rest/v1/... on the same host, so "…/rest" becomes
// "…/bulk"; a base without "/rest" gets "/bulk" appended.
func bulkBase(rest *url.URL) *url.URL {
	u := *rest
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/rest") + "/bulk"
	u.RawPath = ""
	return &u
}

// bulkJob is ImportLeadResponse in the Swagger spec: the answer of Import
// Leads and of Get Import Lead Status.
type bulkJob struct {
	BatchID              int    `json:"batchId"`
	Status               string `json:"status"`
	NumOfLeadsProcessed  int    `json:"numOfLeadsProcessed"`
	NumOfRowsFailed      int    `json:"numOfRowsFailed"`
	NumOfRowsWithWarning int    `json:"numOfRowsWithWarning"`
	Message              string `json:"message"`
}

func knownBulkStatus(s string) bool {
	switch s {
	case BulkQueued, BulkImporting, BulkComplete, BulkFailed:
		return true
	}
	return false
}

// ImportLeads runs Import Leads, or Import Program Members when
// f.ProgramID is set: it uploads f as multipart/form-data (the file in the
// part "file") and returns the job Marketo queued, Members set for a
// program member import. f is checked before any call: Data must hold
// more than white space and be at most [MaxBulkFileBytes], Format one of
// csv, tsv and ssv (in any case), ListID and ProgramID not negative. A
// program member import needs ProgramStatus and a header with an email
// column (in any case), and takes no LookupField, ListID or
// PartitionName; a lead import takes no ProgramStatus. Marketo's refusals
// come back as [*Error]; a full queue, which lead and program member
// imports share, is [CodeTooManyImports], a status the program's channel
// lacks [CodeNoSuchStatus].
func (c *RESTClient) ImportLeads(ctx context.Context, f BulkFile) (BulkBatch, error) {
	op := "Marketo Bulk Import Leads"
	members := f.ProgramID > 0
	if members {
		op = "Marketo Bulk Import Program Members"
	}
	format := strings.ToLower(f.Format)
	partType, known := bulkPartTypes[format]
	switch {
	case !known:
		return BulkBatch{}, fmt.Errorf("%s: format %q is not csv, tsv or ssv", op, f.Format)
	case len(bytes.TrimSpace(f.Data)) == 0:
		return BulkBatch{}, fmt.Errorf("%s: the file is empty; Marketo needs a header row and leads", op)
	case len(f.Data) > MaxBulkFileBytes:
		return BulkBatch{}, fmt.Errorf("%s: the file is %d bytes; Marketo takes at most %d: split it", op, len(f.Data), MaxBulkFileBytes)
	case f.ListID < 0:
		return BulkBatch{}, fmt.Errorf("%s: list id %d is not a static list", op, f.ListID)
	case f.ProgramID < 0:
		return BulkBatch{}, fmt.Errorf("%s: program id %d is not a program", op, f.ProgramID)
	case !members && f.ProgramStatus != "":
		return BulkBatch{}, fmt.Errorf("%s: program status %q without a program id", op, f.ProgramStatus)
	}
	endpoint := c.bulkImportURL
	q := url.Values{"format": {format}}
	if members {
		if err := checkMemberFile(f, format); err != nil {
			return BulkBatch{}, fmt.Errorf("%s: %w", op, err)
		}
		endpoint = c.bulkURL(fmt.Sprintf("/v1/program/%d/members/import.json", f.ProgramID))
		q.Set("programMemberStatus", f.ProgramStatus)
	}
	if f.LookupField != "" {
		q.Set("lookupField", f.LookupField)
	}
	if f.ListID > 0 {
		q.Set("listId", strconv.Itoa(f.ListID))
	}
	if f.PartitionName != "" {
		q.Set("partitionName", f.PartitionName)
	}
	endpoint += "?" + q.Encode()
	head, tail, contentType, err := multipartEnvelope(uploadName(f.Name, format), partType)
	if err != nil {
		return BulkBatch{}, fmt.Errorf("%s: %w", op, err)
	}
	body := func() io.Reader {
		return io.MultiReader(bytes.NewReader(head), bytes.NewReader(f.Data), bytes.NewReader(tail))
	}
	var r *restResponse[bulkJob]
	err = c.withToken(ctx, func(tok string) error {
		// The file is streamed between the envelope's two halves rather
		// than copied into one body: it can be nearly 10 MB.
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, body())
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		req.ContentLength = int64(len(head) + len(f.Data) + len(tail))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(body()), nil }
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("User-Agent", userAgent)
		r = new(restResponse[bulkJob])
		return c.exchange(ctx, op, req, r)
	})
	var me *Error
	if errors.As(err, &me) && me.Code == "413" {
		// exchange words 413 for Sync Leads' 1 MB limit.
		return BulkBatch{}, &Error{API: REST, Code: "413", HTTPStatus: me.HTTPStatus,
			Message: "the import file is larger than Marketo accepts (10 MB); split it"}
	}
	if err != nil {
		return BulkBatch{}, err
	}
	if len(r.Result) != 1 {
		return BulkBatch{}, fmt.Errorf("%s: Marketo answered with %d jobs for one upload: %w", op, len(r.Result), ErrMismatchedAnswer)
	}
	j := r.Result[0]
	if j.BatchID <= 0 || !knownBulkStatus(j.Status) {
		return BulkBatch{}, fmt.Errorf("%s: Marketo answered with batch %d in status %q: %w", op, j.BatchID, j.Status, ErrMismatchedAnswer)
	}
	return j.batch(members), nil
}

// checkMemberFile refuses what Import Program Members cannot take: the
// lead import's parameters, no status, and a header without the email
// column every record must have. Only the header line is read.
func checkMemberFile(f BulkFile, format string) error {
	switch {
	case f.LookupField != "" || f.ListID != 0 || f.PartitionName != "":
		return errors.New("a program member import matches leads on email and takes no lookup field, list or partition")
	case f.ProgramStatus == "":
		return errors.New("a program member import needs the status its members get")
	}
	rd := csv.NewReader(bytes.NewReader(f.Data))
	rd.Comma = bulkCommas[format]
	rd.LazyQuotes = true // the header is only looked at; Marketo judges the file
	header, err := rd.Read()
	if err != nil {
		return fmt.Errorf("the header row cannot be read: %w", err)
	}
	if !slices.ContainsFunc(header, func(h string) bool { return strings.EqualFold(h, "email") }) {
		return errors.New("the header has no email column; every program member record must include email")
	}
	return nil
}

// bulkCommas is each format's delimiter.
var bulkCommas = map[string]rune{"csv": ',', "tsv": '\t', "ssv": ';'}

// bulkURL is the Bulk API address of path (which starts with "/v1/").
func (c *RESTClient) bulkURL(path string) string {
	return strings.TrimSuffix(c.bulkImportURL, "/v1/leads.json") + path
}

func (j bulkJob) batch(members bool) BulkBatch {
	return BulkBatch{ID: j.BatchID, Status: j.Status, Processed: j.NumOfLeadsProcessed,
		Failed: j.NumOfRowsFailed, Warnings: j.NumOfRowsWithWarning, Message: j.Message, Members: members}
}

// multipartEnvelope is the multipart/form-data body around one file part
// named "file": what goes before the file, what goes after it, and the
// request's Content-Type with its boundary.
func multipartEnvelope(name, partType string) (head, tail []byte, contentType string, err error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
	h.Set("Content-Type", partType)
	if _, err := w.CreatePart(h); err != nil {
		return nil, nil, "", fmt.Errorf("build the upload: %w", err)
	}
	head = bytes.Clone(buf.Bytes()) // buf is reused for the tail
	buf.Reset()
	if err := w.Close(); err != nil {
		return nil, nil, "", fmt.Errorf("build the upload: %w", err)
	}
	return head, buf.Bytes(), w.FormDataContentType(), nil
}

// uploadName is the file name sent with an upload: name without any
// folder (after the last slash or backslash, so no backslash is left),
// with the characters a quoted header value cannot carry safely (control
// characters, quotes) replaced, clipped to maxUploadNameBytes;
// "leads.<format>" when nothing is left.
func uploadName(name, format string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.ToValidUTF8(name, "_")
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return '_'
		}
		return r
	}, name)
	if len(name) > maxUploadNameBytes {
		cut := maxUploadNameBytes
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut]
	}
	if strings.TrimSpace(name) == "" {
		return "leads." + format
	}
	return name
}

// bulkJobURL is the address of a job's status (file "status") or its
// failures or warnings file.
func (c *RESTClient) bulkJobURL(job BulkJob, file string) string {
	id := strconv.Itoa(job.ID)
	switch {
	case job.Members:
		return c.bulkURL("/v1/program/members/import/" + id + "/" + file + ".json")
	case file == "status":
		return c.bulkBatchURL + id + ".json"
	}
	return c.bulkBatchURL + id + "/" + file + ".json"
}

// BulkBatch runs Get Import Lead Status, or Get Import Program Member
// Status when job.Members, and returns the job with Members as asked. An
// unknown or expired batchId (valid seven days), or one of the other kind
// of import, is an [*Error] with [CodeBatchNotFound]; an answer about
// another batch is [ErrMismatchedAnswer].
func (c *RESTClient) BulkBatch(ctx context.Context, job BulkJob) (BulkBatch, error) {
	op := "Marketo Bulk Get Import Lead Status"
	if job.Members {
		op = "Marketo Bulk Get Import Program Member Status"
	}
	batchID := job.ID
	if batchID <= 0 {
		return BulkBatch{}, fmt.Errorf("%s: %d is not a batch id", op, batchID)
	}
	r, err := callREST[bulkJob](ctx, c, op, http.MethodGet, c.bulkJobURL(job, "status"), nil, "")
	if err != nil {
		return BulkBatch{}, err
	}
	if len(r.Result) != 1 {
		return BulkBatch{}, fmt.Errorf("%s: Marketo answered with %d jobs for batch %d: %w", op, len(r.Result), batchID, ErrMismatchedAnswer)
	}
	j := r.Result[0]
	switch {
	case j.BatchID != batchID:
		return BulkBatch{}, fmt.Errorf("%s: asked for batch %d, Marketo answered about batch %d: %w", op, batchID, j.BatchID, ErrMismatchedAnswer)
	case !knownBulkStatus(j.Status):
		return BulkBatch{}, fmt.Errorf("%s: batch %d has status %q: %w", op, batchID, j.Status, ErrMismatchedAnswer)
	case j.NumOfLeadsProcessed < 0 || j.NumOfRowsFailed < 0 || j.NumOfRowsWithWarning < 0:
		return BulkBatch{}, fmt.Errorf("%s: batch %d has negative row counts: %w", op, batchID, ErrMismatchedAnswer)
	}
	return j.batch(job.Members), nil
}

// BulkRows runs Get Import Lead Failures or Warnings (Get Import Program
// Member Failures or Warnings when job.Members) for an ended job and
// returns the file as Marketo sent it (an empty answer is an empty file).
// While the job runs, and for an unknown batch, Marketo answers with a
// JSON error instead, returned as [*Error]. A file over four times
// [MaxBulkFileBytes] is refused with [ErrMismatchedAnswer] without being
// read whole.
func (c *RESTClient) BulkRows(ctx context.Context, job BulkJob, which BulkRows) ([]byte, error) {
	kind := "Lead"
	if job.Members {
		kind = "Program Member"
	}
	var op, file string
	switch which {
	case BulkFailures:
		op, file = "Marketo Bulk Get Import "+kind+" Failures", "failures"
	case BulkWarnings:
		op, file = "Marketo Bulk Get Import "+kind+" Warnings", "warnings"
	default:
		return nil, fmt.Errorf("Marketo Bulk Import: rows %d are neither failures nor warnings", which)
	}
	if job.ID <= 0 {
		return nil, fmt.Errorf("%s: %d is not a batch id", op, job.ID)
	}
	endpoint := c.bulkJobURL(job, file)
	var out []byte
	err := c.withToken(ctx, func(tok string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		req.Header.Set("Accept", "*/*")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("User-Agent", userAgent)
		out, err = c.fetchFile(ctx, op, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// withToken runs call with a cached token and, as callREST does, drops a
// token Marketo calls invalid or expired (601, 602) and runs call once
// more with a new one.
func (c *RESTClient) withToken(ctx context.Context, call func(tok string) error) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return err
		}
		err = call(tok)
		var me *Error
		if attempt == 0 && errors.As(err, &me) && (me.Code == "601" || me.Code == "602") {
			c.dropToken(tok)
			continue
		}
		return err
	}
}

// fetchFile sends req and returns the file it answers with. An answer in
// JSON is Marketo's error envelope: a file's first line names lead
// fields, so it never starts with "{".
func (c *RESTClient) fetchFile(ctx context.Context, op string, req *http.Request) ([]byte, error) {
	resp, wrote, err := sendTracked(c.hc, req)
	if err != nil {
		return nil, doErr(ctx, op, wrote, err)
	}
	data, err := readFile(resp, op)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s: stopped: %w", op, ctxErr)
		}
		return nil, err
	}
	ct := resp.Header.Get("Content-Type")
	status := resp.StatusCode
	if isJSONAnswer(ct, data) {
		var r restResponse[json.RawMessage]
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, &TransportError{Op: op, HTTPStatus: status, Err: fmt.Errorf("Marketo's answer is cut off or not valid JSON: %w", err)}
		}
		if me := r.apiErr(status); me != nil {
			return nil, me
		}
		return nil, fmt.Errorf("%s: Marketo answered with JSON instead of the file: %w", op, ErrMismatchedAnswer)
	}
	switch {
	case looksLikeHTML(ct, data):
		return nil, nonAPIAnswer(op, resp, data, "the file")
	case status >= 400 && status < 500:
		return nil, &Error{API: REST, Code: strconv.Itoa(status),
			Message: fmt.Sprintf("Marketo refused the request (HTTP %d %s)", status, http.StatusText(status)), HTTPStatus: status}
	case status != http.StatusOK:
		return nil, &TransportError{Op: op, HTTPStatus: status, Err: errors.New("Marketo answered with an unexpected HTTP status")}
	}
	return data, nil
}

// readFile reads a file answer of at most maxBulkRowsBytes and closes it.
func readFile(resp *http.Response, op string) ([]byte, error) {
	defer closeBody(resp)
	tooBig := func() error {
		return fmt.Errorf("%s: the file is larger than the %d bytes rows of a %d-byte upload can fill: %w",
			op, maxBulkRowsBytes, MaxBulkFileBytes, ErrMismatchedAnswer)
	}
	if resp.ContentLength > maxBulkRowsBytes {
		return nil, tooBig()
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, maxBulkRowsBytes+1))
	if err != nil {
		return nil, &TransportError{Op: op, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("the connection broke while reading the answer: %w", err)}
	}
	if n > maxBulkRowsBytes {
		return nil, tooBig()
	}
	return buf.Bytes(), nil
}

// isJSONAnswer reports whether an answer is JSON by its Content-Type or
// by its first byte, for a JSON error sent with another Content-Type.
func isJSONAnswer(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return true
	}
	t := bytes.TrimLeft(body, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}
