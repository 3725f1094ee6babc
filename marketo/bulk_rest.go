package marketo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
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

// ImportLeads runs Import Leads: it uploads f as multipart/form-data (the
// file in the part "file") and returns the job Marketo queued. f is
// checked before any call: Data must hold more than white space and be at
// most [MaxBulkFileBytes], Format one of csv, tsv and ssv (in any case),
// ListID not negative. Marketo's refusals come back as [*Error]; a full
// queue is [CodeTooManyImports].
func (c *RESTClient) ImportLeads(ctx context.Context, f BulkFile) (BulkBatch, error) {
	const op = "Marketo Bulk Import Leads"
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
	}
	q := url.Values{"format": {format}}
	if f.LookupField != "" {
		q.Set("lookupField", f.LookupField)
	}
	if f.ListID > 0 {
		q.Set("listId", strconv.Itoa(f.ListID))
	}
	if f.PartitionName != "" {
		q.Set("partitionName", f.PartitionName)
	}
	endpoint := c.bulkImportURL + "?" + q.Encode()
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
	return j.batch(), nil
}

func (j bulkJob) batch() BulkBatch {
	return BulkBatch{ID: j.BatchID, Status: j.Status, Processed: j.NumOfLeadsProcessed,
		Failed: j.NumOfRowsFailed, Warnings: j.NumOfRowsWithWarning, Message: j.Message}
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

// BulkBatch runs Get Import Lead Status for batchID. An unknown or
// expired batchId (valid seven days) is an [*Error] with
// [CodeBatchNotFound]; an answer about another batch is
// [ErrMismatchedAnswer].
func (c *RESTClient) BulkBatch(ctx context.Context, batchID int) (BulkBatch, error) {
	const op = "Marketo Bulk Get Import Lead Status"
	if batchID <= 0 {
		return BulkBatch{}, fmt.Errorf("%s: %d is not a batch id", op, batchID)
	}
	r, err := callREST[bulkJob](ctx, c, op, http.MethodGet, c.bulkBatchURL+strconv.Itoa(batchID)+".json", nil, "")
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
	return j.batch(), nil
}

// BulkRows runs Get Import Lead Failures or Warnings for an ended job and
// returns the file as Marketo sent it (an empty answer is an empty file).
// While the job runs, and for an unknown batch, Marketo answers with a
// JSON error instead, returned as [*Error]. A file over four times
// [MaxBulkFileBytes] is refused with [ErrMismatchedAnswer] without being
// read whole.
func (c *RESTClient) BulkRows(ctx context.Context, batchID int, which BulkRows) ([]byte, error) {
	var op, file string
	switch which {
	case BulkFailures:
		op, file = "Marketo Bulk Get Import Lead Failures", "failures"
	case BulkWarnings:
		op, file = "Marketo Bulk Get Import Lead Warnings", "warnings"
	default:
		return nil, fmt.Errorf("Marketo Bulk Import: rows %d are neither failures nor warnings", which)
	}
	if batchID <= 0 {
		return nil, fmt.Errorf("%s: %d is not a batch id", op, batchID)
	}
	endpoint := c.bulkBatchURL + strconv.Itoa(batchID) + "/" + file + ".json"
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
