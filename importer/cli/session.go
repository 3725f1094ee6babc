package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/job"
	"leadsheet/importer/mapping"
	"leadsheet/importer/results"
	"leadsheet/importer/run"
	"leadsheet/marketo"
)

// session is one `leadsheet sync` invocation: flags in, the job's steps
// in order, lines and an exit code out.
type session struct {
	o   options
	env Env

	j       *job.Job
	dirs    job.Dirs
	profile marketo.Profile
	client  marketo.Client
	fields  []marketo.Field
	mapping job.Proposal
	ticks   []bool // the --tick-columns, per column
}

func (s *session) run(ctx context.Context) int {
	err := s.sync(ctx)
	if err != nil {
		fmt.Fprintln(s.env.Stderr, err)
		return exitCode(err)
	}
	return ExitOK
}

const maxPrinted = 20

func (s *session) sync(ctx context.Context) error {
	dir, err := s.env.configDir()
	if err != nil {
		return fail(ExitUsage, "%w", err)
	}
	s.dirs = job.Dirs{Root: dir}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.j.Close()
	now := time.Now
	if s.env.Now != nil {
		now = s.env.Now
	}
	// Before anything goes to Marketo, even the field list: a results file
	// that cannot be written would lose every row's answer.
	outputs := s.j.Outputs(s.o.results, now())
	if err := s.j.CheckOutputs(outputs); err != nil {
		return &failure{code: ExitUsage, err: err}
	}
	if err := s.connect(ctx); err != nil {
		return err
	}
	if err := s.mapColumns(); err != nil {
		return err
	}
	settings := s.settings()
	if s.o.list != "" {
		l, err := s.findList(ctx)
		if err != nil {
			return err
		}
		settings.List = l
	}
	if err := s.findProgram(ctx, &settings); err != nil {
		return err
	}
	if s.o.partition != "" {
		t, err := s.targeter()
		if err != nil {
			return err
		}
		p, err := job.FindPartition(ctx, t, s.o.partition)
		if err != nil {
			return s.targetFailure(err)
		}
		settings.Partition = p.Name
	}
	if pe := s.j.MappingProblem(settings); pe != nil {
		s.printMapping()
		return &failure{code: ExitUsage, err: pe, msg: pe.Error() + s.mappingHint() +
			fmt.Sprintf("\nLeadsheet took row %d as the header; use --header-row if the column names are elsewhere.", s.j.HeaderRow())}
	}
	rep, err := s.j.Check(ctx, settings, nil)
	if err != nil {
		return s.jobFailure(err)
	}
	s.printReport(rep)
	if s.o.dryRun {
		return s.dryRun(ctx, rep)
	}
	if rep.Valid == 0 {
		return fail(ExitRows, "No row can be sent: fix the problems above and run again.")
	}
	if s.o.preview {
		return s.preview(ctx, rep, outputs)
	}
	if s.o.newList != "" {
		rep = rep.IntoList(marketo.StaticList{Name: s.o.newList}) // counted in the estimate; made below
	}
	if err := s.checkQuota(ctx, rep, now()); err != nil {
		return err
	}
	if s.o.newList != "" {
		t, err := s.targeter()
		if err != nil {
			return err
		}
		l, err := job.NewList(ctx, t, s.o.newList, s.o.folder)
		if err != nil {
			return s.targetFailure(err)
		}
		fmt.Fprintf(s.env.Stderr, "Created the static list %q (id %d); running this file again adds to it with --list %d.\n", l.Name, l.ID, l.ID)
		rep = rep.IntoList(l)
	}
	if l := rep.Settings().List; l.ID != 0 {
		outputs.List = l.Name
	}
	if st := rep.Settings(); st.Program.ID != 0 {
		outputs.Program = st.Program.Name
		if st.ProgramStatus != "" && st.StatusColumn() < 0 {
			outputs.Program += ": " + st.ProgramStatus
		}
	}
	return s.send(ctx, rep, outputs)
}

// targeter is the account's client for lists, which only REST has.
func (s *session) targeter() (marketo.Targeter, error) {
	t, ok := s.client.(marketo.Targeter)
	if !ok {
		return nil, fail(ExitUsage, "Static lists and programs need a REST account: SOAP has no list or program calls Leadsheet can use. Connect with REST (--api rest), or leave out --list, --new-list, --program and --partition.")
	}
	return t, nil
}

// findProgram resolves --program and its --status before anything is
// sent.
func (s *session) findProgram(ctx context.Context, settings *job.Settings) error {
	if s.o.program == "" {
		return nil
	}
	t, err := s.targeter()
	if err != nil {
		return err
	}
	pt, err := job.FindProgram(ctx, t, s.o.program)
	if err != nil {
		return s.targetFailure(err)
	}
	settings.Program = pt
	if strings.TrimSpace(s.o.status) != "" {
		if settings.ProgramStatus, err = pt.Status(s.o.status); err != nil {
			return s.targetFailure(err)
		}
	}
	return nil
}

// findList resolves --list before anything is sent.
func (s *session) findList(ctx context.Context) (marketo.StaticList, error) {
	t, err := s.targeter()
	if err != nil {
		return marketo.StaticList{}, err
	}
	l, err := job.FindList(ctx, t, s.o.list)
	if err != nil {
		return marketo.StaticList{}, s.targetFailure(err)
	}
	return l, nil
}

// targetFailure is a list that cannot be found (exit 2: bad usage) or a
// Marketo that cannot be asked (exit 3).
func (s *session) targetFailure(err error) error {
	var je *job.Error
	if errors.As(err, &je) && je.Kind == job.TargetTrouble {
		return &failure{code: ExitConnect, err: err}
	}
	return &failure{code: ExitUsage, err: err}
}

// jobFailure gives a stop of the job its exit code and the flag that helps.
func (s *session) jobFailure(err error) error {
	var je *job.Error
	if !errors.As(err, &je) {
		if errors.Is(err, context.Canceled) {
			return &failure{code: ExitRows, err: err, msg: "Stopped before anything was sent."}
		}
		return fail(ExitUsage, "%w", err)
	}
	msg := je.Error()
	switch je.Kind {
	case job.NeedsPassword, job.WrongPassword:
		msg += fmt.Sprintf(" Set %s to it.", EnvWorkbookPassword)
	case job.EmptySheet, job.NoSuchSheet:
		msg += " Choose the sheet with --sheet NAME."
	case job.Changed:
		if je.Detail != "" {
			msg = je.Detail
		}
	case job.SettingsChanged, job.Undone:
		msg += " (Start over: --start-over.)"
	}
	return &failure{code: ExitUsage, err: err, msg: msg}
}

// open opens the file, picks the sheet and header row.
func (s *session) open(ctx context.Context) error {
	j, err := job.Open(ctx, s.o.file, job.Options{Password: s.env.getenv(EnvWorkbookPassword), Sheet: s.o.sheet, HeaderRow: s.o.headerRow})
	if err != nil {
		return s.jobFailure(err)
	}
	s.j = j
	return nil
}

// connect settles the account and fetches the instance's lead fields. A
// dry run connects too when the account is complete, so it checks field
// names, types and lengths as the real run does.
func (s *session) connect(ctx context.Context) error {
	p := marketo.Profile{Name: s.o.profile}
	if s.o.profile != "" {
		load := s.env.Accounts
		if load == nil {
			load = marketo.NewCredentialStore(s.dirs.Root).Load
		}
		var err error
		p, err = load(s.o.profile)
		if errors.Is(err, marketo.ErrProfileNotFound) {
			return fail(ExitUsage, "There is no saved account %q. Save it in Leadsheet's window (Account, top right), or check the name.", s.o.profile)
		}
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
	if missing := s.missingAccount(); missing != "" {
		if s.o.dryRun {
			return nil
		}
		return fail(ExitUsage, "%s", missing)
	}
	c, err := p.NewClient(s.env.HTTPClient)
	if err != nil {
		return fail(ExitUsage, "%w", err)
	}
	s.client = c
	fields, err := job.LeadFields(ctx, c, func(n string) { fmt.Fprintln(s.env.Stderr, n) })
	if err != nil && ctx.Err() != nil {
		// A stop asked for while connecting is the operator's choice, not
		// Marketo's trouble: it ends like a stopped sync.
		return &failure{code: ExitRows, err: errors.New("Stopped before anything was sent.")}
	}
	if err != nil {
		return fail(ExitConnect, "Could not connect to Marketo: %w", err)
	}
	s.fields = fields
	return nil
}

// missingAccount says what is missing to reach Marketo, or "".
func (s *session) missingAccount() string {
	p := s.profile
	switch p.API {
	case marketo.ProfileSOAP:
		if p.SOAP.Endpoint == "" || p.SOAP.UserID == "" {
			return "Say where to send the leads: --profile NAME, or --endpoint URL and --user-id ID."
		}
		if p.SOAP.EncryptionKey == "" {
			return fmt.Sprintf("The SOAP encryption key is missing: use a saved account (--profile) or set %s.", EnvEncryptionKey)
		}
	case marketo.ProfileREST:
		if p.REST.BaseURL == "" || p.REST.ClientID == "" {
			return "Say where to send the leads: --profile NAME, or --rest-url URL and --client-id ID."
		}
		if p.REST.ClientSecret == "" {
			return fmt.Sprintf("The REST client secret is missing: use a saved account (--profile) or set %s.", EnvClientSecret)
		}
	}
	return ""
}

func (s *session) secretFromEnv(api string) bool {
	if api == marketo.ProfileREST {
		return s.env.getenv(EnvClientSecret) != ""
	}
	return s.env.getenv(EnvEncryptionKey) != ""
}

// mapColumns builds the mapping: the preset named with --mapping, else a
// saved preset for these headers (as the window finds it), else the
// automatic mapping; then --map, which is the operator's own word.
func (s *session) mapColumns() error {
	h := s.j.Header()
	if s.o.preset != "" {
		pr, err := mapping.LoadPreset(s.o.preset)
		if err != nil {
			return fail(ExitUsage, "Could not use the mapping %s: %w", s.o.preset, err)
		}
		s.mapping = job.FromPreset(h, pr)
	} else {
		var err error
		if s.mapping, err = job.Propose(h, s.fields, s.profile.API, s.dirs.Presets()); err != nil {
			// Unreadable presets only cost the recall: map as if none were
			// saved. A folder that cannot be used is reported with the
			// journal, which needs it too.
			s.mapping, _ = job.Propose(h, s.fields, s.profile.API, "")
		}
	}
	if pr := s.mapping.Preset; pr != nil {
		if s.o.preset == "" {
			fmt.Fprintf(s.env.Stderr, "Using the saved mapping %q, made for these columns.\n", pr.Name)
		}
		if !s.o.set["dedup"] {
			s.o.dedup = pr.Dedup
		}
		if !s.o.set["batch-size"] && pr.BatchSize > 0 {
			s.o.batchSize = min(pr.BatchSize, marketo.MaxBatch)
		}
	}
	if err := applyMaps(&s.mapping, h, s.o.maps); err != nil {
		return err
	}
	if c := strings.TrimSpace(s.o.statusCol); c != "" {
		i := columnIndex(h, c)
		if i < 0 {
			return fail(ExitUsage, "--status-column: the sheet has no column %q. Its columns are: %s", c, strings.Join(h.Names, ", "))
		}
		s.mapping.Set(i, importer.Target{Kind: importer.ToMemberStatus})
	}
	m := importer.Mapping{Columns: s.mapping.Mapping.Columns}
	if err := applyTicks(&m, h, s.o.ticks); err != nil {
		return err
	}
	s.ticks = m.Ticks
	return nil
}

func (s *session) settings() job.Settings {
	m := s.mapping.Mapping
	m.ClearBlanks = s.o.clearBlanks
	m.Ticks = s.ticks
	return job.Settings{Mapping: m, Origins: s.mapping.Origins, Fields: s.fields,
		Dedup: s.o.dedup, Mode: s.o.mode, FillEmpty: s.o.fillEmpty, Values: s.o.values, BatchSize: s.o.batchSize, API: s.profile.API,
		Bulk: s.o.bulk, BulkFileBytes: s.o.bulkBytes, BulkLookUp: s.o.bulkLookUp, ListOnly: s.o.listOnly}
}

// mappingHint says how to fix a mapping from the command line.
func (s *session) mappingHint() string {
	h := s.j.Header()
	for _, i := range s.mapping.Guessed() {
		return fmt.Sprintf("\nTo use it as the key: --map %q. To leave it out: --map %q.",
			h.Names[i]+"="+job.TargetFlag(s.mapping.Mapping.Columns[i]), h.Names[i]+"=skip")
	}
	return "\nChange the mapping with --map \"COLUMN=FIELD\" (FIELD skip leaves a column out)."
}

func (s *session) printMapping() {
	w := s.env.Stderr
	h := s.j.Header()
	how := "detected"
	if s.o.headerRow != 0 {
		how = "as given"
	}
	fmt.Fprintf(w, "Columns of sheet %q (header on row %d, %s; choose another with --header-row N):\n", s.j.Sheet(), s.j.HeaderRow(), how)
	if g := s.j.HeaderGuess(); !g.Sure {
		fmt.Fprintf(w, "Header: Leadsheet used row %d, but %s. If the column names are on another row, run again with --header-row ROW.\n", g.Row, g.Reason)
	}
	for i, name := range h.Names {
		note := ""
		if s.mapping.Origins[i] == job.Guessed {
			note = "  (guessed: check it)"
		}
		fmt.Fprintf(w, "  %s  %-24s -> %s%s\n", h.Letters[i], name, job.DescribeTarget(s.mapping.Mapping.Columns[i]), note)
	}
}

func (s *session) printReport(rep *job.Report) {
	w := s.env.Stderr
	s.printMapping()
	fmt.Fprintf(w, "%s: %s read, %d to send, %d invalid (not sent), %d with warnings.\n",
		filepath.Base(s.o.file), job.Plural(rep.Rows, "row"), rep.Valid, rep.Rows-rep.Valid, rep.Warned)
	keys := []string{}
	for k := marketo.KeyID; k <= marketo.KeyEmail; k++ {
		if rep.ByKey[k] > 0 {
			keys = append(keys, fmt.Sprintf("%d on %s", rep.ByKey[k], k))
		}
	}
	if len(keys) > 0 {
		fmt.Fprintf(w, "Marketo will match %s.\n", strings.Join(keys, ", "))
	}
	if rep.Unchecked != "" {
		fmt.Fprintf(w, "Note: %s Give the account (--profile) to check them.\n", rep.Unchecked)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
	for i, pr := range rep.Problems {
		if i == maxPrinted {
			break
		}
		fmt.Fprintf(w, "  %s (%s): %s\n", job.ProblemWhere(pr), job.SeverityWord(pr.Severity), pr.Message)
	}
	if shown := min(len(rep.Problems), maxPrinted); rep.NProblems > shown {
		fmt.Fprintf(w, "  ... and %d more; the results file lists every row.\n", rep.NProblems-shown)
	}
}

// dryRun prints the first request the run would send (the SOAP envelope
// with its signature blanked, or the REST leads.json body), without
// sending anything anywhere. Like a sync, it exits with ExitRows when some
// rows are invalid.
func (s *session) dryRun(ctx context.Context, rep *job.Report) error {
	w := s.env.Stdout
	if rep.First == nil {
		fmt.Fprintln(w, "Dry run: no row would be sent.")
	} else {
		first, kind := firstSOAPRequest, "SOAP request"
		if s.profile.API == marketo.ProfileREST {
			first, kind = firstRESTRequest, "REST leads.json request body"
		}
		body, err := first(ctx, s.profile, *rep.First, s.o.dedup)
		if err != nil {
			return fail(ExitUsage, "Could not build the first request: %w", err)
		}
		fmt.Fprintf(w, "Dry run: nothing was sent. %d batches of up to %d leads would go to Marketo; the first %s would be:\n%s\n",
			rep.Batches(), s.o.batchSize, kind, body)
	}
	if invalid := rep.Rows - rep.Valid; invalid > 0 {
		return fail(ExitRows, "Dry run: %s would not be sent; fix the problems above and run again.", job.Plural(invalid, "invalid row"))
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

// budget is the account's share of the instance, with the flags given.
func (s *session) budget() marketo.Budget {
	b := s.profile.Budget
	if f := s.o.budget; f.Concurrency > 0 {
		b.Concurrency = f.Concurrency
	}
	if f := s.o.budget; f.CallsPer20s > 0 {
		b.CallsPer20s = f.CallsPer20s
	}
	if f := s.o.budget; f.DailyQuota > 0 {
		b.DailyQuota = f.DailyQuota
	}
	return b.Effective()
}

// runOptions are the engine's limits for this account.
func (s *session) runOptions() run.RunOptions {
	b := s.budget()
	return run.RunOptions{Concurrency: b.Concurrency, CallsPerWindow: b.CallsPer20s, Settle: s.o.lostWait}
}

// checkQuota estimates the import's calls against what is left of
// today's quota (read from Marketo over REST) and refuses, before the
// first sync call, an import that cannot fit.
func (s *session) checkQuota(ctx context.Context, rep *job.Report, now time.Time) error {
	used := -1
	if ur, ok := s.client.(marketo.UsageReader); ok {
		if u, err := ur.UsageToday(ctx); err == nil {
			used = u.Total
		} else {
			fmt.Fprintf(s.env.Stderr, "Leadsheet could not read today's API usage from Marketo (%v); it counts the whole quota as left.\n", err)
		}
	}
	confirmed, _, _ := s.j.Resumable(rep, job.AccountOf(s.profile), s.dirs)
	q := s.j.Estimate(rep, confirmed, used, s.budget(), now)
	if !q.Fits() {
		return fail(ExitConnect, "%s", job.QuotaWords(q, now))
	}
	fmt.Fprintln(s.env.Stderr, job.QuotaWords(q, now))
	fmt.Fprintln(s.env.Stderr, s.budget().Share())
	if hint := s.j.BulkHint(rep, confirmed, used, s.budget(), now, "--engine bulk"); hint != "" {
		fmt.Fprintln(s.env.Stderr, hint, job.BulkLimits)
	}
	if s.o.bulk {
		fmt.Fprintln(s.env.Stderr, job.BulkLimits)
	}
	return nil
}

// preview looks every row up and writes what the import would do, sending
// nothing. It exits like a dry run: ExitRows when some rows are invalid.
func (s *session) preview(ctx context.Context, rep *job.Report, outputs job.Outputs) error {
	finder, ok := s.client.(marketo.LeadFinder)
	if !ok {
		return fail(ExitUsage, "The preview needs a REST account: SOAP has no way to look many leads up at once. Connect with REST (--api rest).")
	}
	calls := run.PreviewCost(rep.Batches(), s.o.dedup)
	if s.o.fillEmpty {
		fmt.Fprintf(s.env.Stderr, "Only fields empty in Marketo will be filled: the import itself looks each batch up again just before sending it (%s more).\n", job.Plural(calls, "call"))
	}
	fmt.Fprintf(s.env.Stderr, "Preview: looking %s up in Marketo costs %s of the day's API quota; nothing is changed.\n", job.Plural(rep.Valid, "row"), job.Plural(calls, "call"))
	w, err := results.CreatePreview(outputs.Preview)
	if err != nil {
		return fail(ExitUsage, "%w", err)
	}
	var werr error
	tot, err := s.j.Preview(ctx, rep, finder, job.SendOptions{Account: job.AccountOf(s.profile), Run: s.runOptions()}, func(p run.RowPreview) {
		if werr == nil {
			werr = w.Add(p)
		}
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		w.Abort()
		if errors.Is(err, context.Canceled) {
			return &failure{code: ExitRows, err: err, msg: "Preview stopped; nothing was changed in Marketo."}
		}
		return s.jobFailure(err)
	}
	if err := w.Close(); err != nil {
		return fail(ExitRows, "%w", err)
	}
	fmt.Fprintln(s.env.Stdout, job.PreviewSummary(tot))
	fmt.Fprintf(s.env.Stdout, "Preview: %s\n", outputs.Preview)
	if invalid := rep.Rows - rep.Valid; invalid > 0 {
		return fail(ExitRows, "Preview: %s would not be sent; fix the problems above and run again.", job.Plural(invalid, "invalid row"))
	}
	return nil
}

// send runs the sync and writes the results.
func (s *session) send(ctx context.Context, rep *job.Report, outputs job.Outputs) error {
	prog := newProgress(s.env.Stderr, s.env.StderrIsTerminal)
	out, runErr := s.j.Send(ctx, rep, job.SendOptions{Client: s.client, Account: job.AccountOf(s.profile), Dirs: s.dirs,
		Holder: "leadsheet sync", RequireResume: s.o.resume, StartOver: s.o.startOver, Run: s.runOptions(), Outputs: outputs,
		Bulk: run.BulkOptions{PollFirst: s.o.bulkPoll}}, prog.event)
	prog.done()
	var je *job.Error
	if errors.As(runErr, &je) {
		if je.Kind == job.Changed && je.Detail != "" {
			// No results file: the results copy is made from the input as
			// it is now, which is no longer what the answers belong to.
			fmt.Fprintln(s.env.Stdout, run.Summary(out.Totals))
		}
		return s.jobFailure(runErr)
	}

	// Results are written even after a cancel: they say what happened.
	files, werr := s.j.WriteResults(context.WithoutCancel(ctx), outputs, out.Results)
	fmt.Fprintln(s.env.Stdout, run.Summary(out.Totals))
	if werr != nil {
		fmt.Fprintf(s.env.Stderr, "Leadsheet could not write the results: %v\n", werr)
	} else {
		fmt.Fprintf(s.env.Stdout, "Results: %s\n", files.Results)
		if files.Failures != "" {
			fmt.Fprintf(s.env.Stdout, "Rows to fix and send again: %s\n", files.Failures)
		}
	}

	var se *run.StopError
	switch {
	case errors.As(runErr, &se) && (se.Cause == run.StopQuota || se.Cause == run.StopAuth):
		return &failure{code: ExitConnect, err: errors.New(se.Message)}
	case runErr != nil:
		return &failure{code: ExitRows, err: errors.New(stopMessage(runErr, out))}
	case werr != nil:
		return &failure{code: ExitRows, err: errors.New("The rows were sent, but the results file could not be written (see above). Running the same file again sends only the rows Marketo has not confirmed.")}
	}
	t := out.Totals
	if t.Failed+t.Skipped+t.NotSent+t.Unknown > 0 {
		return &failure{code: ExitRows, err: errors.New("Some rows were not created or updated; the results file says why for each. Running the same file again sends only those rows.")}
	}
	if t.ListNotAdded > 0 {
		return &failure{code: ExitRows, err: errors.New("Some leads were not added to the list; the results file's List column says which. Running the same file again adds them.")}
	}
	notFound := t.ListNotFound
	if rep.Settings().ListOnly {
		// List-only asked to leave out the people Marketo does not have:
		// those rows, and only those, are left alone. A person it found
		// that the list then refused is not excused.
		notFound -= t.LeftAlone
	}
	if notFound > 0 {
		return &failure{code: ExitRows, err: errors.New("Marketo had no lead to add to the list for some rows; the results file's List column says which. Check those people in Marketo.")}
	}
	if t.ProgramNotSet+t.ProgramRefused > 0 {
		return &failure{code: ExitRows, err: errors.New("Some leads' program status was not set; the results file's Program column says which. Running the same file again sets it.")}
	}
	return nil
}

func stopMessage(err error, out run.Outcome) string {
	if out.Message != "" {
		return out.Message
	}
	return err.Error()
}
