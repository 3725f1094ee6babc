package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// session is one `leadsheet sync` invocation.
type session struct {
	o   options
	env Env

	wb        *importer.Workbook
	sheet     string
	headerRow int
	header    importer.Header
	mapping   importer.Mapping
	profile   marketo.Profile
	client    marketo.Client
	fields    []marketo.Field
}

func (s *session) run(ctx context.Context) int {
	err := s.sync(ctx)
	if err != nil {
		fmt.Fprintln(s.env.Stderr, err)
		return exitCode(err)
	}
	return ExitOK
}

// plan is what pre-flight keeps of its pass over the sheet: counts, the
// first problems, the invalid rows and a digest per batch, never the leads,
// so memory does not grow with the sheet beyond a few values per row.
type plan struct {
	skipped   []importer.RowResult
	problems  []importer.Problem // capped for printing
	nProblems int
	rows      int
	valid     int
	warned    int
	byKey     [4]int
	notes     []string        // the workbook's reading notes
	first     *importer.Batch // the first batch, for the dry run's sample request
	digests   []batchDigest   // by Batch.Seq: what the send step must read again
}

// batchDigest identifies a batch's rows and leads, so the send step can
// check that it re-reads exactly what pre-flight checked.
type batchDigest [sha256.Size]byte

func digestOf(b importer.Batch) batchDigest {
	h := sha256.New()
	var buf []byte
	num := func(n int) { buf = binary.AppendVarint(buf, int64(n)) }
	str := func(v string) { num(len(v)); buf = append(buf, v...) }
	num(b.Seq)
	num(int(b.Key))
	for i, l := range b.Leads {
		num(b.Rows[i])
		num(l.ID)
		str(l.Email)
		str(l.ForeignSysPersonID)
		str(l.ForeignSysType)
		num(len(l.Attributes))
		for _, a := range l.Attributes {
			str(a.Name)
			str(a.Value)
		}
		h.Write(buf)
		buf = buf[:0]
	}
	var d batchDigest
	h.Sum(d[:0])
	return d
}

const maxPrinted = 20

func (s *session) sync(ctx context.Context) error {
	var sum string
	if !s.o.dryRun {
		// The journal is keyed on this hash, and the send step checks it
		// to be sure the file it reads again is the one checked here.
		// Hashing before the file is opened means a save between the two
		// shows up as a changed hash, never as a journal keyed on content
		// that was not read.
		var err error
		if sum, err = importer.HashFile(s.o.file); err != nil {
			return s.hashFailure(err)
		}
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.wb.Close()
	if err := s.connect(ctx); err != nil {
		return err
	}
	if err := s.mapColumns(ctx); err != nil {
		return err
	}
	p, err := s.readPlan(ctx)
	if err != nil {
		return err
	}
	s.printReport(p)
	if s.o.dryRun {
		return s.dryRun(ctx, p)
	}
	if p.valid == 0 {
		return fail(ExitRows, "No row can be sent: fix the problems above and run again.")
	}
	return s.send(ctx, p, sum)
}

// hashFailure puts a failure to read the input file for its fingerprint
// in plain words.
func (s *session) hashFailure(err error) error {
	msg := fmt.Sprintf("Leadsheet could not read %s. Check that you have permission to open it and that no other program has it locked; then run again.", s.o.file)
	if errors.Is(err, fs.ErrNotExist) {
		msg = fmt.Sprintf("Leadsheet could not read %s: there is no such file. Check the file name and folder, and run again.", s.o.file)
	}
	return &failure{code: ExitUsage, err: err, msg: msg}
}

// open reads the file's sheet list and picks the sheet and header row.
func (s *session) open(ctx context.Context) error {
	wb, err := importer.Open(ctx, s.o.file, importer.OpenOptions{Password: s.env.getenv(EnvWorkbookPassword)})
	if errors.Is(err, importer.ErrPasswordRequired) {
		return fail(ExitUsage, "%s is protected with a password. Set %s to the password Excel asks for.", s.o.file, EnvWorkbookPassword)
	}
	var oe *importer.OpenError
	if errors.As(err, &oe) {
		// The operator reads the plain message; the technical cause stays
		// wrapped for errors.Is, not printed.
		return &failure{code: ExitUsage, err: err, msg: fmt.Sprintf("Leadsheet could not read %s: %s", s.o.file, oe.Message)}
	}
	if err != nil {
		return fail(ExitUsage, "Leadsheet could not read %s: %w", s.o.file, err)
	}
	s.wb = wb
	sheets := wb.Sheets()
	if len(sheets) == 0 {
		return fail(ExitUsage, "%s has no sheets to import.", s.o.file)
	}
	s.sheet = s.o.sheet
	if s.sheet == "" {
		s.sheet = sheets[0].Name
		for _, sh := range sheets {
			if !sh.Hidden {
				s.sheet = sh.Name
				break
			}
		}
	} else if !slices.ContainsFunc(sheets, func(sh importer.SheetInfo) bool { return sh.Name == s.sheet }) {
		names := make([]string, len(sheets))
		for i, sh := range sheets {
			names[i] = fmt.Sprintf("%q", sh.Name)
		}
		return fail(ExitUsage, "%s has no sheet %q. Its sheets are: %s", s.o.file, s.sheet, strings.Join(names, ", "))
	}
	s.headerRow = s.o.headerRow
	if s.headerRow == 0 {
		if s.headerRow, err = wb.DetectHeader(ctx, s.sheet); err != nil {
			return fail(ExitUsage, "Leadsheet could not read sheet %q: %w", s.sheet, err)
		}
		if s.headerRow == 0 {
			return fail(ExitUsage, "Sheet %q is empty. Pick the sheet that holds your leads with --sheet.", s.sheet)
		}
	}
	if s.header, err = wb.Header(ctx, s.sheet, s.headerRow); err != nil {
		return fail(ExitUsage, "%w", err)
	}
	return nil
}

// connect settles the account and, unless this is a dry run, checks it by
// fetching the instance's lead fields.
func (s *session) connect(ctx context.Context) error {
	p := marketo.Profile{Name: s.o.profile}
	if s.o.profile != "" {
		load := s.env.Accounts
		if load == nil {
			dir, err := s.env.configDir()
			if err != nil {
				return fail(ExitUsage, "%w", err)
			}
			load = marketo.NewCredentialStore(dir).Load
		}
		var err error
		p, err = load(s.o.profile)
		if err != nil && !(errors.Is(err, marketo.ErrSecretMissing) && s.secretFromEnv(p.API)) {
			return fail(ExitConnect, "Could not use the saved account %q: %w", s.o.profile, err)
		}
	}
	if s.o.api != "" {
		p.API = s.o.api
	}
	if p.API == "" {
		p.API = marketo.ProfileSOAP
		if s.o.restURL != "" {
			p.API = marketo.ProfileREST
		}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&p.SOAP.Endpoint, s.o.endpoint)
	set(&p.SOAP.UserID, s.o.userID)
	set(&p.REST.BaseURL, s.o.restURL)
	set(&p.REST.IdentityURL, s.o.identityURL)
	set(&p.REST.ClientID, s.o.clientID)
	set(&p.ForeignSysPersonIDField, s.o.fspiField)
	set(&p.SOAP.EncryptionKey, s.env.getenv(EnvEncryptionKey))
	set(&p.REST.ClientSecret, s.env.getenv(EnvClientSecret))
	s.profile = p
	if s.o.dryRun {
		return nil
	}
	switch p.API {
	case marketo.ProfileSOAP:
		if p.SOAP.Endpoint == "" || p.SOAP.UserID == "" {
			return fail(ExitUsage, "Say where to send the leads: --profile NAME, or --endpoint URL and --user-id ID.")
		}
		if p.SOAP.EncryptionKey == "" {
			return fail(ExitUsage, "The SOAP encryption key is missing: use a saved account (--profile) or set %s.", EnvEncryptionKey)
		}
	case marketo.ProfileREST:
		if p.REST.BaseURL == "" || p.REST.ClientID == "" {
			return fail(ExitUsage, "Say where to send the leads: --profile NAME, or --rest-url URL and --client-id ID.")
		}
		if p.REST.ClientSecret == "" {
			return fail(ExitUsage, "The REST client secret is missing: use a saved account (--profile) or set %s.", EnvClientSecret)
		}
	}
	c, err := p.NewClient(s.env.HTTPClient)
	if err != nil {
		return fail(ExitUsage, "%w", err)
	}
	s.client = c
	fields, tries, err := s.leadFields(ctx, c)
	if err != nil && ctx.Err() != nil {
		// A stop asked for while connecting is the operator's choice, not
		// Marketo's trouble: it ends like a stopped sync.
		return &failure{code: ExitRows, err: errors.New("Stopped before anything was sent.")}
	}
	if err != nil {
		return fail(ExitConnect, "Could not connect to Marketo: %s", plainError(err, tries))
	}
	s.fields = fields
	return nil
}

// Connecting tries the field list this many times, waiting connectWait,
// then twice as long, and so on between tries.
const (
	connectTries = 4
	connectWait  = 500 * time.Millisecond
)

// leadFields fetches the instance's field list, trying again after passing
// trouble (a gateway error, a dropped or cut-off answer, Marketo's rate
// limits): one bad answer should not end a run that has sent nothing yet.
// It also returns how many tries were made.
func (s *session) leadFields(ctx context.Context, c marketo.FieldLister) ([]marketo.Field, int, error) {
	wait := connectWait
	for try := 1; ; try++ {
		fields, err := c.LeadFields(ctx)
		// An address that cannot be reached is reported at once: waiting
		// rarely helps, and the operator should check it.
		if err == nil || !marketo.IsRetryable(err) || unreachable(err) || try == connectTries || ctx.Err() != nil {
			return fields, try, err
		}
		fmt.Fprintf(s.env.Stderr, "Connecting to Marketo: %s; trying again in %s.\n", describeConnect(err), wait)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, try, ctx.Err()
		}
		wait *= 2
	}
}

func (s *session) secretFromEnv(api string) bool {
	if api == marketo.ProfileREST {
		return s.env.getenv(EnvClientSecret) != ""
	}
	return s.env.getenv(EnvEncryptionKey) != ""
}

// mapColumns builds the mapping: a preset or auto-mapping, then --map.
func (s *session) mapColumns(ctx context.Context) error {
	fields := s.fields
	if fields == nil && s.profile.API == marketo.ProfileSOAP {
		fields = importer.StandardFields()
	}
	if s.o.preset != "" {
		pr, err := importer.LoadPreset(s.o.preset)
		if err != nil {
			return fail(ExitUsage, "Could not use the mapping %s: %w", s.o.preset, err)
		}
		s.mapping = pr.MappingFor(s.header.Names)
		if !s.o.set["dedup"] {
			s.o.dedup = pr.Dedup
		}
		if !s.o.set["batch-size"] && pr.BatchSize > 0 {
			s.o.batchSize = min(pr.BatchSize, marketo.MaxBatch)
		}
	} else {
		s.mapping, _ = importer.AutoMap(s.header.Names, fields)
	}
	return applyMaps(&s.mapping, s.header, s.o.maps)
}

// readPlan is pre-flight: it reads the whole sheet and validates every row,
// keeping counts, the first problems, the invalid rows as Skipped results,
// the first batch and a digest of each batch.
func (s *session) readPlan(ctx context.Context) (plan, error) {
	var p plan
	v := importer.NewValidator(s.mapping, s.fields, s.o.dedup)
	for _, sp := range v.SheetProblems() {
		p.nProblems++
		p.problems = append(p.problems, sp)
		if sp.Severity == importer.Invalid && sp.Column == "" {
			s.printMapping()
			return p, fail(ExitUsage, "The mapping cannot work: %s", sp.Message)
		}
	}
	var invalid []importer.Problem
	res, err := s.readRows(ctx, v, &p, func(pr importer.Problem) { invalid = append(invalid, pr) }, func(b importer.Batch) error {
		if p.first == nil {
			p.first = &b
		}
		p.digests = append(p.digests, digestOf(b))
		return nil
	})
	if err != nil {
		return p, err
	}
	p.notes = append(s.wb.Notes(), res.Notes...)
	p.skipped = importer.SkippedRows(invalid)
	return p, nil
}

// readRows reads the sheet with v, counting into p, handing every Invalid
// problem to onInvalid and every batch of valid rows to emit.
func (s *session) readRows(ctx context.Context, v *importer.Validator, p *plan, onInvalid func(importer.Problem), emit func(importer.Batch) error) (importer.ReadResult, error) {
	bt := importer.NewBatcher(s.o.batchSize, emit)
	res, err := s.wb.Read(ctx, s.sheet, s.headerRow, func(r importer.Row) error {
		p.rows++
		lead, probs := v.Check(r)
		bad, warned := false, false
		for _, pr := range probs {
			p.nProblems++
			if len(p.problems) < maxPrinted {
				p.problems = append(p.problems, pr)
			}
			if pr.Severity == importer.Invalid {
				bad = true
				onInvalid(pr)
			} else {
				warned = true
			}
		}
		if bad {
			return nil
		}
		p.valid++
		if warned {
			p.warned++
		}
		p.byKey[lead.Key()]++
		return bt.Add(r.Number, lead)
	})
	if err == nil {
		err = bt.Flush()
	}
	var changed *changedError
	switch {
	case errors.As(err, &changed):
		return res, err
	case err != nil:
		return res, fail(ExitUsage, "Leadsheet could not read sheet %q: %w", s.sheet, err)
	}
	return res, nil
}

// changedError says the sheet read for sending differs from the one
// pre-flight checked.
type changedError struct{ file string }

func (e *changedError) Error() string {
	return fmt.Sprintf("%s changed while Leadsheet was working with it, so Leadsheet stopped rather than send rows it had not checked. Save the file, close it in Excel and run again", e.file)
}

// sourceChangedMessage tells the operator the file changed mid-send. The
// journal is keyed on the file's content, so the edited file starts a new
// journal: only the original file can resume without sending twice.
func sourceChangedMessage(file string, t importer.Totals, dedup bool) string {
	confirmed := t.Created + t.Updated
	again := "sends every row again, those included"
	if !dedup {
		again = "sends every row again, those included, as new leads (dedup is off), which makes duplicates"
	}
	return fmt.Sprintf("%s changed while Leadsheet was sending it, so Leadsheet stopped rather than send rows it had not checked. "+
		"Marketo had already confirmed %s. Running the edited file %s. "+
		"To carry on safely, put back the original %s (the version from before the edit) and run it again: Leadsheet then sends only the rows not yet confirmed. "+
		"No results file was written, because the file no longer matches what was sent.",
		file, plural(confirmed, "row"), again, file)
}

func (s *session) printMapping() {
	w := s.env.Stderr
	fmt.Fprintf(w, "Columns of sheet %q (header on row %d):\n", s.sheet, s.headerRow)
	for i, name := range s.header.Names {
		fmt.Fprintf(w, "  %s  %-24s -> %s\n", s.header.Letters[i], name, describeTarget(s.mapping.Columns[i]))
	}
}

func (s *session) printReport(p plan) {
	w := s.env.Stderr
	s.printMapping()
	fmt.Fprintf(w, "%s: %s read, %s to send, %s invalid (not sent), %s with warnings.\n",
		filepath.Base(s.o.file), plural(p.rows, "row"), fmt.Sprint(p.valid), fmt.Sprint(p.rows-p.valid), fmt.Sprint(p.warned))
	keys := []string{}
	for k := marketo.KeyID; k <= marketo.KeyEmail; k++ {
		if p.byKey[k] > 0 {
			keys = append(keys, fmt.Sprintf("%d on %s", p.byKey[k], k))
		}
	}
	if len(keys) > 0 {
		fmt.Fprintf(w, "Marketo will match %s.\n", strings.Join(keys, ", "))
	}
	for _, n := range p.notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
	for _, pr := range p.problems {
		where := "Sheet"
		if pr.Row > 0 {
			where = fmt.Sprintf("Row %d", pr.Row)
		}
		if pr.Column != "" {
			where += ", " + pr.Column
		}
		sev := "warning"
		if pr.Severity == importer.Invalid {
			sev = "not sent"
		}
		fmt.Fprintf(w, "  %s (%s): %s\n", where, sev, pr.Message)
	}
	if p.nProblems > len(p.problems) {
		fmt.Fprintf(w, "  ... and %d more; the results file lists every row.\n", p.nProblems-len(p.problems))
	}
}

// dryRun prints the first request the run would send (the SOAP envelope
// with its signature blanked, or the REST leads.json body), without
// sending anything anywhere. Like a sync, it
// exits with ExitRows when some rows are invalid.
func (s *session) dryRun(ctx context.Context, p plan) error {
	w := s.env.Stdout
	if p.first == nil {
		fmt.Fprintln(w, "Dry run: no row would be sent.")
	} else {
		first, kind := firstSOAPRequest, "SOAP request"
		if s.profile.API == marketo.ProfileREST {
			first, kind = firstRESTRequest, "REST leads.json request body"
		}
		body, err := first(ctx, s.profile, *p.first, s.o.dedup)
		if err != nil {
			return fail(ExitUsage, "Could not build the first request: %w", err)
		}
		fmt.Fprintf(w, "Dry run: nothing was sent. %d batches of up to %d leads would go to Marketo; the first %s would be:\n%s\n",
			len(p.digests), s.o.batchSize, kind, body)
	}
	if invalid := p.rows - p.valid; invalid > 0 {
		return fail(ExitRows, "Dry run: %s would not be sent; fix the problems above and run again.", plural(invalid, "invalid row"))
	}
	return nil
}

var signatureRE = regexp.MustCompile(`<requestSignature>[^<]*</requestSignature>`)

// firstSOAPRequest has the real SOAP client encode b, catching the request
// in a transport that never touches the network.
func firstSOAPRequest(ctx context.Context, p marketo.Profile, b importer.Batch, dedup bool) (string, error) {
	cred := p.SOAP
	if cred.Endpoint == "" {
		cred.Endpoint = "https://your-instance.mktoapi.com/soap/mktows/2_2"
	}
	if cred.UserID == "" {
		cred.UserID = "your_user_id"
	}
	// The signature is blanked below, so no real key is needed or shown.
	cred.EncryptionKey = "dry-run"
	capture := &captureTransport{}
	c, err := marketo.NewSOAPClient(cred, &http.Client{Transport: capture})
	if err != nil {
		return "", err
	}
	_, _ = c.SyncLeads(ctx, b.Leads, dedup) // the capture refuses the call: nothing is sent
	if capture.body == nil {
		return "", errors.New("the SOAP client built no request")
	}
	return signatureRE.ReplaceAllString(string(capture.body), "<requestSignature>(signature: HMAC-SHA1 of timestamp and user ID, made with the encryption key)</requestSignature>"), nil
}

// firstRESTRequest has the real REST client encode b, catching the
// leads.json body in a transport that answers the token request itself
// with a made-up token and never touches the network. Only the body is
// returned: the secret and token are never part of it.
func firstRESTRequest(ctx context.Context, p marketo.Profile, b importer.Batch, dedup bool) (string, error) {
	cred := p.REST
	if cred.BaseURL == "" {
		cred.BaseURL = "https://your-instance.mktorest.com/rest"
	}
	if cred.ClientID == "" {
		cred.ClientID = "your_client_id"
	}
	cred.ClientSecret = "dry-run"
	capture := &captureTransport{fakeToken: true}
	c, err := marketo.NewRESTClient(cred, marketo.RESTOptions{HTTPClient: &http.Client{Transport: capture}, ForeignSysPersonIDField: p.ForeignSysPersonIDField})
	if err != nil {
		return "", err
	}
	_, syncErr := c.SyncLeads(ctx, b.Leads, dedup) // the capture refuses the call: nothing is sent
	if capture.body == nil {
		if syncErr != nil && !errors.Is(syncErr, errDryRun) {
			return "", syncErr
		}
		return "", errors.New("the REST client built no request")
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, capture.body, "", "  ") != nil {
		return string(capture.body), nil
	}
	return pretty.String(), nil
}

// captureTransport keeps the first request body and fails every call.
// With fakeToken it answers OAuth token requests itself, so a REST client
// goes on to build its leads.json call; those bodies are not kept.
type captureTransport struct {
	fakeToken bool
	body      []byte
}

func (c *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.fakeToken && strings.HasSuffix(req.URL.Path, "/oauth/token") {
		if req.Body != nil {
			req.Body.Close()
		}
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:  http.Header{"Content-Type": {"application/json"}},
			Body:    io.NopCloser(strings.NewReader(`{"access_token":"dry-run-token","token_type":"bearer","expires_in":3600,"scope":"dry-run"}`)),
			Request: req}, nil
	}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		if c.body == nil {
			c.body = b
		}
	}
	return nil, errDryRun
}

var errDryRun = errors.New("dry run: not sent")

// send runs the sync with a journal and writes the results. sum is the
// file's SHA-256 from before pre-flight.
func (s *session) send(ctx context.Context, p plan, sum string) error {
	dir, err := s.env.configDir()
	if err != nil {
		return fail(ExitUsage, "%w", err)
	}
	if now, err := importer.HashFile(s.o.file); err != nil {
		return s.hashFailure(err)
	} else if now != sum {
		return fail(ExitUsage, "%v.", &changedError{file: filepath.Base(s.o.file)})
	}
	endpoint := s.profile.SOAP.Endpoint
	if s.profile.API == marketo.ProfileREST {
		endpoint = s.profile.REST.BaseURL
	}
	key := importer.JournalKey{FileSHA256: sum, Sheet: s.sheet, HeaderRow: s.headerRow, Mapping: s.mapping,
		API: s.profile.API, Endpoint: endpoint, Dedup: s.o.dedup}
	journals := filepath.Join(dir, "journals")
	j, err := importer.OpenJournal(journals, key)
	if err != nil {
		return &failure{code: ExitUsage, err: err, msg: fmt.Sprintf(
			"Leadsheet could not create or open its journal (its record of what was sent) in the folder %s. "+
				"Check that this folder can be created and written to by you, that the disk is not full, and run again. Nothing was sent.", journals)}
	}
	defer j.Close()
	if s.o.resume && j.Confirmed()+j.InFlight() == 0 {
		return fail(ExitUsage, "There is no stopped run of %s (same sheet, mapping, account and dedup setting) to resume.", s.o.file)
	}

	prog := newProgress(s.env.Stderr, s.env.StderrIsTerminal)
	opts := importer.RunOptions{Dedup: s.o.dedup, Concurrency: s.o.concurrency, Journal: j, Skipped: p.skipped, Rows: p.rows}
	out, runErr := importer.RunStream(ctx, s.client, s.reread(ctx, p), opts, prog.event)
	prog.done()
	var se *importer.StopError
	if errors.As(runErr, &se) && se.Cause == importer.StopSource {
		// No results file: the results writer copies the input file as it
		// is now, which is no longer the content the answers belong to, so
		// answers would land beside the wrong rows.
		fmt.Fprintln(s.env.Stdout, importer.Summary(out.Totals))
		return &failure{code: ExitUsage, err: errors.New(sourceChangedMessage(filepath.Base(s.o.file), out.Totals, s.o.dedup))}
	}

	now := time.Now
	if s.env.Now != nil {
		now = s.env.Now
	}
	// Results are written even after a cancel: they say what happened.
	files, werr := importer.WriteResults(context.WithoutCancel(ctx), s.wb,
		importer.ResultsOptions{Input: s.o.file, Sheet: s.sheet, HeaderRow: s.headerRow, Output: s.o.results, Now: now(),
			Password: s.env.getenv(EnvWorkbookPassword)}, out.Results)
	fmt.Fprintln(s.env.Stdout, importer.Summary(out.Totals))
	if werr != nil {
		fmt.Fprintf(s.env.Stderr, "Leadsheet could not write the results: %v\n", werr)
	} else {
		fmt.Fprintf(s.env.Stdout, "Results: %s\n", files.Results)
		if files.Failures != "" {
			fmt.Fprintf(s.env.Stdout, "Rows to fix and send again: %s\n", files.Failures)
		}
	}

	switch {
	case errors.As(runErr, &se) && (se.Cause == importer.StopQuota || se.Cause == importer.StopAuth):
		return &failure{code: ExitConnect, err: errors.New(se.Message)}
	case runErr != nil:
		return &failure{code: ExitRows, err: errors.New(stopMessage(runErr, out))}
	case werr != nil:
		return &failure{code: ExitRows, err: errors.New("The rows were sent, but the results file could not be written (see above).")}
	}
	t := out.Totals
	if t.Failed+t.Skipped+t.NotSent+t.Unknown > 0 {
		return &failure{code: ExitRows, err: errors.New("Some rows were not created or updated; the results file says why for each.")}
	}
	return nil
}

// readAhead is how many batches the send step reads ahead of the senders.
const readAhead = 4

// reread is the send step's batch source: it reads the sheet again with a
// fresh validator, a few batches ahead of the senders, and checks every
// batch against pre-flight's digest, so what is sent is what was checked.
// It reads to the end even after a cancel or a stop, which makes every
// remaining row NotSent and so listed in the results and failures files.
func (s *session) reread(ctx context.Context, p plan) importer.BatchSource {
	return func(yield func(importer.Batch)) error {
		ch := make(chan importer.Batch, readAhead)
		var q plan
		var readErr error
		go func() {
			defer close(ch)
			v := importer.NewValidator(s.mapping, s.fields, s.o.dedup)
			changed := &changedError{file: filepath.Base(s.o.file)}
			batches := 0
			_, readErr = s.readRows(context.WithoutCancel(ctx), v, &q, func(importer.Problem) {}, func(b importer.Batch) error {
				if b.Seq >= len(p.digests) || digestOf(b) != p.digests[b.Seq] {
					return changed
				}
				batches++
				ch <- b
				return nil
			})
			if readErr == nil && (q.rows != p.rows || q.valid != p.valid || batches != len(p.digests)) {
				readErr = changed
			}
		}()
		for b := range ch {
			yield(b)
		}
		return readErr
	}
}

func stopMessage(err error, out importer.Outcome) string {
	if out.Message != "" {
		return out.Message
	}
	return err.Error()
}

// plainError puts a connection error in words, with advice that fits its
// kind: a refused login, a used-up quota, an address that cannot be
// reached, or a server that answered badly. tries is how many times the
// call was made.
func plainError(err error, tries int) string {
	var me *marketo.Error
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case marketo.IsAuth(err) && errors.As(err, &me):
		return fmt.Sprintf("Marketo refused the login (%s). Check the account's user ID and key, or client ID and secret.", me.Message)
	case marketo.IsAuth(err):
		return fmt.Sprintf("Marketo refused the login (%s). Check the account's user ID and key, or client ID and secret.", err)
	case marketo.IsQuota(err):
		return "Marketo's daily API quota is used up, so nothing was sent. Run again tomorrow."
	case errors.As(err, &dns):
		return fmt.Sprintf("The address %s could not be found. Check the endpoint for typos (copy it from Marketo's Admin > Web Services page).", dns.Name)
	case errors.As(err, &op) && op.Op == "dial":
		return fmt.Sprintf("Nothing answered at %s. Check the address and your network or proxy — or, for the local sandbox, start it with `leadsheet sandbox`.", dialHost(op))
	case marketo.IsRetryable(err) && tries > 1:
		return fmt.Sprintf("Marketo did not answer properly %d times in a row (last: %s). Marketo may be busy or having trouble: wait a few minutes and run again.", tries, describeConnect(err))
	case marketo.IsRetryable(err):
		return fmt.Sprintf("Marketo did not answer properly (%s). Marketo may be busy or having trouble: wait a few minutes and run again.", describeConnect(err))
	case errors.As(err, &me):
		return fmt.Sprintf("Marketo said: %s (error %s)", me.Message, me.Code)
	}
	return err.Error() + ". Check the address and your network connection."
}

// dialHost names the address a failed dial was aimed at.
func dialHost(op *net.OpError) string {
	if op.Addr != nil {
		return op.Addr.String()
	}
	return "the address given"
}

// unreachable reports whether no answer came at all because the address
// could not be reached: the name does not resolve or nothing listens there.
func unreachable(err error) bool {
	var te *marketo.TransportError
	if !errors.As(err, &te) || te.HTTPStatus != 0 {
		return false
	}
	var dns *net.DNSError
	var op *net.OpError
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial")
}

// describeConnect names the trouble of one connecting try.
func describeConnect(err error) string {
	var me *marketo.Error
	var te *marketo.TransportError
	switch {
	case errors.As(err, &me):
		return fmt.Sprintf("Marketo error %s: %s", me.Code, me.Message)
	case errors.As(err, &te) && te.HTTPStatus != 0:
		return fmt.Sprintf("HTTP %d", te.HTTPStatus)
	}
	return err.Error()
}
