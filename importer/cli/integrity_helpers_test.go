package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"leadsheet/importer/cli"
	"leadsheet/marketo/marketotest"
)

// The integrity suite drives the real binary: a `leadsheet sandbox`
// process is the Marketo, `leadsheet sync` processes are the operator, and
// every verdict comes from the sandbox's own store (GET /sandbox/leads),
// never from what the client believes it did.

// hangGuard only stops a child that hangs, so that a broken build fails
// the test instead of blocking CI; no verdict depends on it.
const hangGuard = 3 * time.Minute

// buildBinary builds leadsheet from the module root into dir. main needs
// cgo (Fyne); the project builds it with the migrated_fynedo tag (.ci/),
// which also keeps this build in the same cache as everyone else's.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("find the module root: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(dir, "leadsheet")
	cmd := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build leadsheet: %v\n%s", err, out)
	}
	return bin
}

// childEnv is a child's whole environment: nothing from the developer's
// own settings (saved accounts, journals, LEADSHEET_* variables) leaks in.
func childEnv(home string, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"TMPDIR=" + os.TempDir(),
		// Fyne's init complains about the C locale on stderr.
		"LANG=en_US.UTF-8",
	}
	return append(env, extra...)
}

// sandbox is a running `leadsheet sandbox` process.
type sandbox struct {
	root string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
}

// startSandbox starts `leadsheet sandbox` on a free port with flags and
// reads the address it prints.
func startSandbox(t *testing.T, bin, home string, flags ...string) *sandbox {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, flags...)...)
	cmd.Env = childEnv(home)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the sandbox: %v", err)
	}
	sb := &sandbox{cmd: cmd}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt) //nolint:errcheck // it may have died already; Wait says so
		cmd.Wait()                       //nolint:errcheck // its exit status after an interrupt says nothing
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "SOAP endpoint:"); ok && !sent {
				found <- strings.TrimSuffix(strings.TrimSpace(v), marketotest.SOAPPath)
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case root, ok := <-found:
		if !ok {
			t.Fatalf("the sandbox printed no SOAP endpoint; stderr:\n%s", errb.String())
		}
		sb.root = root
	case <-time.After(hangGuard):
		t.Fatalf("the sandbox printed no address; stderr:\n%s", errb.String())
	}
	return sb
}

func (s *sandbox) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.root + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// leads is what the sandbox has stored, by id.
func (s *sandbox) leads(t *testing.T) []marketotest.Lead {
	t.Helper()
	var l []marketotest.Lead
	s.getJSON(t, "/sandbox/leads", &l)
	return l
}

func (s *sandbox) stats(t *testing.T) marketotest.Stats {
	t.Helper()
	var st marketotest.Stats
	s.getJSON(t, "/sandbox/stats", &st)
	return st
}

// calls counts every API call the sandbox received; syncCalls only the
// ones that carry leads.
func calls(st marketotest.Stats) int {
	n := 0
	for _, c := range st.Calls {
		n += c
	}
	return n
}

func syncCalls(st marketotest.Stats) int {
	return st.Calls["SOAP syncMultipleLeads"] + st.Calls["REST leads.json"]
}

// seed stores leads (REST field names) as another integration would, with
// createOnly on email, and returns the whole store afterwards.
func (s *sandbox) seed(t *testing.T, leads ...map[string]string) []marketotest.Lead {
	t.Helper()
	q := url.Values{"grant_type": {"client_credentials"}, "client_id": {marketotest.DefaultClientID}, "client_secret": {marketotest.DefaultClientSecret}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	s.getJSON(t, marketotest.IdentityPath+"/oauth/token?"+q.Encode(), &tok)
	body, err := json.Marshal(map[string]any{"action": "createOnly", "lookupField": "email", "input": leads})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.root+marketotest.RESTPath+"/v1/leads.json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("seed the sandbox: %v", err)
	}
	defer resp.Body.Close()
	var ans struct {
		Success bool `json:"success"`
		Result  []struct {
			Status string `json:"status"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || !ans.Success || len(ans.Result) != len(leads) {
		t.Fatalf("seed the sandbox: %+v, %v", ans, err)
	}
	for i, r := range ans.Result {
		if r.Status != "created" {
			t.Fatalf("seed lead %d: %s", i, r.Status)
		}
	}
	return s.leads(t)
}

// harness is one case's world: a sandbox, an operator's folder and HOME,
// and the API the runs use.
type harness struct {
	*suite
	dir, home string
	api       string // marketo profile API: soap or rest
	sb        *sandbox
}

func newHarness(t *testing.T, s *suite, api string, sandboxFlags ...string) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{suite: s, dir: dir, home: filepath.Join(dir, "home"), api: api}
	for _, d := range []string{h.home, filepath.Join(dir, "out")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	h.sb = startSandbox(t, s.bin, h.home, sandboxFlags...)
	return h
}

func (h *harness) path(name string) string { return filepath.Join(h.dir, name) }

// out names a results file in the folder made for them.
func (h *harness) out(name string) string { return filepath.Join(h.dir, "out", name) }

// command is `leadsheet sync FILE` against the sandbox, secrets in the
// environment as a script would set them.
func (h *harness) command(ctx context.Context, file string, extra ...string) *exec.Cmd {
	args := []string{"sync", file}
	var secret string
	switch h.api {
	case "rest":
		// The sandbox applies a call before answering or not at all, so
		// a lost answer settles at once.
		args = append(args, "--api", "rest", "--rest-url", h.sb.root+marketotest.RESTPath, "--client-id", marketotest.DefaultClientID,
			"--lost-answer-wait", "50ms")
		secret = cli.EnvClientSecret + "=" + marketotest.DefaultClientSecret
	default:
		args = append(args, "--api", "soap", "--endpoint", h.sb.root+marketotest.SOAPPath, "--user-id", marketotest.DefaultUserID)
		secret = cli.EnvEncryptionKey + "=" + marketotest.DefaultEncryptionKey
	}
	cmd := exec.CommandContext(ctx, h.bin, append(args, extra...)...)
	cmd.Env = childEnv(h.home, secret)
	cmd.Dir = h.dir
	return cmd
}

// run is one finished `leadsheet sync`.
type run struct {
	code           int
	stdout, stderr string
}

func (r run) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, tail(r.stderr, 40))
}

func (h *harness) sync(t *testing.T, file string, extra ...string) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	cmd := h.command(ctx, file, extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if cmd.ProcessState == nil {
		t.Fatalf("leadsheet sync did not run: %v", err)
	}
	r := run{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
	if ctx.Err() != nil {
		t.Fatalf("leadsheet sync hung and was stopped:\n%s", r)
	}
	if strings.Contains(r.stderr, "panic:") {
		t.Errorf("leadsheet sync panicked:\n%s", r)
	}
	return r
}

// syncKilled starts a sync and SIGKILLs it once the sandbox has stored at
// least after leads, the way a crash or a closed laptop ends a run.
func (h *harness) syncKilled(t *testing.T, after int, file string, extra ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	h.killWhen(t, h.command(ctx, file, extra...), fmt.Sprintf("%d leads were stored", after), func(st marketotest.Stats) bool {
		return st.LeadsCreated+st.LeadsUpdated >= after
	})
}

// killWhen starts cmd and SIGKILLs it once the sandbox's stats meet
// done (what says it in words); it fails the test if cmd ends first.
func (h *harness) killWhen(t *testing.T, cmd *exec.Cmd, what string, done func(marketotest.Stats) bool) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck // the exit status is read below
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-exited:
			t.Fatalf("%s ended before %s, so it could not be killed mid-run (make the sandbox slower):\nexit %d\n%s\n%s",
				filepath.Base(cmd.Path)+" "+cmd.Args[1], what, cmd.ProcessState.ExitCode(), out.String(), tail(errb.String(), 30))
		case <-tick.C:
			if done(h.sb.stats(t)) {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				<-exited
				if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
					t.Fatalf("%s was not killed by the signal (it ended by itself: exit %d)", cmd.Args[1], cmd.ProcessState.ExitCode())
				}
				return
			}
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// Files the operator writes.

func writeCSV(t *testing.T, path string, records [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(records); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeXLSX writes records to sheet "Leads"; cells that are int64 are
// stored as numbers (as Excel stores typed ids), all others as text.
func writeXLSX(t *testing.T, path string, records [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Leads"); err != nil {
		t.Fatal(err)
	}
	for i, rec := range records {
		for j, v := range rec {
			cell, err := excelize.CoordinatesToCellName(j+1, i+1)
			if err != nil {
				t.Fatal(err)
			}
			switch v := v.(type) {
			case int64:
				err = f.SetCellInt(sheetName, cell, v)
			case string:
				if v == "" {
					continue
				}
				err = f.SetCellStr(sheetName, cell, v)
			default:
				t.Fatalf("writeXLSX: cell %s has type %T", cell, v)
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

const sheetName = "Leads"

// pythonCSV reads a CSV file as Python's csv module does: the oracle for
// what a row's cells are.
func pythonCSV(t *testing.T, path string) [][]string {
	t.Helper()
	out, err := exec.Command("/usr/bin/python3", "-c",
		"import csv, json, sys\nprint(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))", path).Output()
	if err != nil {
		t.Fatalf("python3 csv oracle: %v", err)
	}
	var rows [][]string
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// What the store must say.

// fate is what a row must end as, decided by the operator's file alone.
type fate int

const (
	// stored: the person is in Marketo exactly once with the row's values.
	stored fate = iota
	// refused: the person is not in Marketo; the row failed or was invalid.
	refused
	// invalid: refused before sending (pre-flight).
	invalid
	// honest: the run may not have got the row through (injected trouble),
	// but its status must say so truly.
	honest
)

// row is one operator row and what it must leave in the store.
type row struct {
	email  string            // key cell; unique within a file
	id     int               // Marketo Id the row names, 0 for none
	fields map[string]string // SOAP field -> value the stored lead must hold
	fate   fate
}

// state is a results status, read by its first words so that richer
// wording ("Created (confirmed on retry)") is accepted.
type state string

const (
	// stEither is a row Marketo confirmed on a retry after the first
	// answer was lost, when the retry cannot tell whether the first try
	// created the lead: true for a new lead and for an existing one.
	stEither  state = "Created or updated"
	stCreated state = "Created"
	stUpdated state = "Updated"
	stFailed  state = "Failed"
	stInvalid state = "Invalid"
	stNotSent state = "Not sent"
	stUnknown state = "Unknown"
)

func classify(status string) (state, bool) {
	for _, s := range []state{stEither, stCreated, stUpdated, stFailed, stInvalid, stNotSent, stUnknown} {
		if strings.HasPrefix(status, string(s)) {
			return s, true
		}
	}
	return "", false
}

func confirmed(s state) bool { return s == stCreated || s == stUpdated || s == stEither }

// resultRow is one row of a results file.
type resultRow struct {
	status, leadID, errText string
}

var (
	resultsLine  = regexp.MustCompile(`(?m)^Results: (.+)$`)
	failuresLine = regexp.MustCompile(`(?m)^Rows to fix and send again: (.+)$`)
)

// readTable reads a results or failures file as records: a CSV (any BOM
// dropped) or the "Leads" sheet of a workbook.
func readTable(t *testing.T, path string) [][]string {
	t.Helper()
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		b = bytes.TrimPrefix(b, []byte("\uFEFF"))
		r := csv.NewReader(bytes.NewReader(b))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		return recs
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	recs, err := f.GetRows(sheetName)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return recs
}

// readResults maps each row's key (lower-cased email, from the column
// headed emailHeader) to its results row. A row listed twice is an error.
func readResults(t *testing.T, path, emailHeader string) map[string]resultRow {
	t.Helper()
	recs := readTable(t, path)
	hdr := -1
	for i, rec := range recs {
		if slices.Contains(rec, "Status") {
			hdr = i
			break
		}
	}
	if hdr < 0 {
		t.Fatalf("%s has no Status column", path)
	}
	col := func(name string) int {
		i := slices.Index(recs[hdr], name)
		if i < 0 {
			t.Fatalf("%s has no %q column; header: %q", path, name, recs[hdr])
		}
		return i
	}
	ec, sc, ic, xc := col(emailHeader), col("Status"), col("Marketo Lead ID"), col("Error")
	cell := func(rec []string, i int) string {
		if i < len(rec) {
			return rec[i]
		}
		return ""
	}
	out := map[string]resultRow{}
	for _, rec := range recs[hdr+1:] {
		key := strings.ToLower(cell(rec, ec))
		if key == "" {
			continue
		}
		if _, dup := out[key]; dup {
			t.Errorf("%s lists %s twice", path, key)
		}
		out[key] = resultRow{status: cell(rec, sc), leadID: cell(rec, ic), errText: cell(rec, xc)}
	}
	return out
}

// readFailures is the set of keys in a failures CSV.
func readFailures(t *testing.T, path, emailHeader string) map[string]bool {
	t.Helper()
	recs := readTable(t, path)
	if len(recs) == 0 {
		t.Fatalf("%s is empty", path)
	}
	ec := slices.Index(recs[0], emailHeader)
	if ec < 0 {
		t.Fatalf("%s has no %q column; header: %q", path, emailHeader, recs[0])
	}
	out := map[string]bool{}
	for _, rec := range recs[1:] {
		if ec < len(rec) && rec[ec] != "" {
			out[strings.ToLower(rec[ec])] = true
		}
	}
	return out
}

// expect is what one run must have done.
type expect struct {
	rows        []row
	emailHeader string             // the file's email column, to find rows in the results
	before      []marketotest.Lead // the store before the run (or before the first of a rerun's runs)
	code        int                // the exit code the README's contract gives; anyCode for "0 or 1 as the rows say"
	// maxUnknown rows may end "Unknown (check in Marketo)": rows on the
	// wire when their answer was truly lost (dedup off).
	maxUnknown int
	// maxUpdatedNew rows that were not in the store before may be
	// reported Updated: rows on the wire when a run was killed, which the
	// rerun can only find existing.
	maxUpdatedNew int
}

const anyCode = -1

// maxShown is how many problems of one run are printed.
const maxShown = 12

// suite is what every case shares: the binary, and a count of the rows
// checked against a sandbox's store (the figure issue 11 asks for).
type suite struct {
	bin      string
	compared *atomic.Int64
}

// verify compares the sandbox's store and the run's results file with
// what the operator's file says should be there.
func verify(t *testing.T, h *harness, r run, e expect) {
	t.Helper()
	// A broken run can fail every row the same way: the first problems
	// say how, the counts at the end say how many.
	problems := 0
	errorf := func(format string, args ...any) {
		t.Helper()
		problems++
		switch {
		case problems <= maxShown:
			t.Errorf(format, args...)
		case problems == maxShown+1:
			t.Errorf("... more problems, not shown")
		}
	}
	after := h.sb.leads(t)
	byEmail := map[string][]marketotest.Lead{}
	byID := map[int]marketotest.Lead{}
	for _, l := range after {
		byEmail[strings.ToLower(l.Email)] = append(byEmail[strings.ToLower(l.Email)], l)
		byID[l.ID] = l
	}
	beforeByID := map[int]marketotest.Lead{}
	beforeEmail := map[string]marketotest.Lead{}
	for _, l := range e.before {
		beforeByID[l.ID] = l
		beforeEmail[strings.ToLower(l.Email)] = l
	}
	// named: the earlier lead a row is about, by Id or by email.
	named := func(rw row) (marketotest.Lead, bool) {
		if l, ok := beforeByID[rw.id]; ok && rw.id != 0 {
			return l, true
		}
		l, ok := beforeEmail[strings.ToLower(rw.email)]
		return l, ok
	}
	inFile := map[string]bool{}
	namedIDs := map[int]bool{}
	for _, rw := range e.rows {
		inFile[strings.ToLower(rw.email)] = true
		if l, ok := named(rw); ok {
			namedIDs[l.ID] = true
		}
	}

	// 0 overwritten: leads the file does not name are exactly as they were.
	for _, b := range e.before {
		a, ok := byID[b.ID]
		switch {
		case !ok:
			errorf("lead %d (%s) was in Marketo before the run and is gone", b.ID, b.Email)
		case !namedIDs[b.ID] && !sameLead(a, b):
			errorf("lead %d (%s) is not named by the file but was overwritten:\n  before %s\n  after  %s", b.ID, b.Email, describe(b), describe(a))
		}
	}
	// Nothing stored that the file does not hold.
	for _, a := range after {
		if _, old := beforeByID[a.ID]; !old && !inFile[strings.ToLower(a.Email)] {
			errorf("Marketo holds lead %d (%s) that no row of the file is: %s", a.ID, a.Email, describe(a))
		}
	}

	results := map[string]resultRow{}
	if m := resultsLine.FindStringSubmatch(r.stdout); m != nil {
		results = readResults(t, strings.TrimSpace(m[1]), e.emailHeader)
	} else {
		errorf("the run wrote no results file, so no row's outcome is on record")
	}
	if len(results) != len(e.rows) {
		errorf("the results list %d rows; the file has %d", len(results), len(e.rows))
	}

	var lost, dup, unknown, updatedNew, disagree int
	allConfirmed := true
	needRetry := map[string]bool{}
	for _, rw := range e.rows {
		key := strings.ToLower(rw.email)
		prev, wasThere := named(rw)
		n := len(byEmail[key])
		if wasThere {
			n = 0
			for _, l := range byEmail[key] {
				if l.ID != prev.ID {
					n++ // a new lead beside the one the row names
				}
			}
			n++
		}
		res, listed := results[key]
		st, known := classify(res.status)
		switch {
		case !listed:
			if n == 0 && rw.fate == stored {
				lost++
			}
			errorf("%s: not in the results", rw.email)
			allConfirmed = false
			continue
		case !known:
			errorf("%s: status %q is none of the states a row can end in", rw.email, res.status)
			allConfirmed = false
			continue
		}
		if !confirmed(st) {
			allConfirmed = false
		}
		if st == stFailed || st == stInvalid || st == stNotSent {
			needRetry[key] = true
			if res.errText == "" && st != stNotSent {
				errorf("%s: %s without a reason in the Error column", rw.email, res.status)
			}
		}
		if n > 1 {
			dup++
			errorf("%s: stored %d times (status %q)", rw.email, n, res.status)
		}

		// The row's fate, from the file alone.
		switch rw.fate {
		case stored:
			if !confirmed(st) && !(st == stUnknown && e.maxUnknown > 0) {
				lost++
				errorf("%s: must reach Marketo, ended %q (%s)", rw.email, res.status, res.errText)
			}
		case refused:
			if st != stFailed && st != stInvalid {
				errorf("%s: must be refused (failed or invalid), ended %q", rw.email, res.status)
			}
		case invalid:
			if st != stInvalid {
				errorf("%s: must be invalid before sending, ended %q", rw.email, res.status)
			}
		}

		// The status must agree with the store.
		switch {
		case confirmed(st):
			var l marketotest.Lead
			switch {
			case wasThere:
				l = byID[prev.ID]
			case n == 0:
				lost++
				disagree++
				errorf("%s: %q but not in Marketo", rw.email, res.status)
				continue
			default:
				l = byEmail[key][0]
			}
			if res.leadID != strconv.Itoa(l.ID) {
				disagree++
				errorf("%s: results give lead ID %q; Marketo stored it as %d", rw.email, res.leadID, l.ID)
			}
			for f, want := range rw.fields {
				if got := l.Fields[f]; got != want {
					errorf("%s: Marketo holds %s = %q; the file says %q", rw.email, f, clip(got), clip(want))
				}
			}
			switch {
			case wasThere && st == stCreated:
				disagree++
				errorf("%s: lead %d existed before the run, yet the row is %q", rw.email, prev.ID, res.status)
			case !wasThere && st == stUpdated:
				updatedNew++
				if updatedNew > e.maxUpdatedNew {
					disagree++
					errorf("%s: %q, but the lead did not exist before this import: it was created by it", rw.email, res.status)
				}
			}
		case st == stUnknown:
			unknown++
			if unknown > e.maxUnknown {
				errorf("%s: %q, but no answer was lost for it", rw.email, res.status)
			}
		default: // failed, invalid, not sent: nothing of the row may be in Marketo
			if n > 0 && !wasThere {
				disagree++
				errorf("%s: %q, but Marketo holds it: %s", rw.email, res.status, describe(byEmail[key][0]))
			}
			if wasThere && !sameLead(byID[prev.ID], prev) {
				disagree++
				errorf("%s: %q, but lead %d changed", rw.email, res.status, prev.ID)
			}
		}
	}

	// The rows to fix and send again are exactly the rows that need it.
	if m := failuresLine.FindStringSubmatch(r.stdout); m != nil {
		got := readFailures(t, strings.TrimSpace(m[1]), e.emailHeader)
		for k := range needRetry {
			if !got[k] {
				errorf("%s needs sending again but is not in the failures file", k)
			}
		}
		for k := range got {
			if !needRetry[k] {
				errorf("the failures file lists %s, whose status says it needs nothing", k)
			}
		}
	} else if len(needRetry) > 0 && resultsLine.MatchString(r.stdout) {
		errorf("%d rows need sending again but no failures file was written", len(needRetry))
	}

	// Exit codes (README): 0 only when every row was created or updated.
	switch {
	case e.code != anyCode && r.code != e.code:
		t.Errorf("exit %d, want %d", r.code, e.code)
	case r.code == cli.ExitOK && !allConfirmed:
		t.Errorf("exit 0 although some rows were not created or updated")
	case e.code == anyCode && r.code != cli.ExitOK && r.code != cli.ExitRows:
		t.Errorf("exit %d: a run that sent rows ends 0 or 1", r.code)
	case e.code == anyCode && r.code == cli.ExitRows && allConfirmed:
		t.Errorf("exit 1 although every row was created or updated")
	}
	h.compared.Add(int64(len(e.rows)))
	if t.Failed() {
		t.Logf("%d problems: %d rows lost, %d duplicated, %d unknown, %d new leads reported updated, %d statuses disagreeing with the store\n%s",
			problems, lost, dup, unknown, updatedNew, disagree, r)
	}
}

// verifyStopped checks a run that had to stop before sending: exit 2, a
// message naming what is wrong, and a store exactly as before. With
// noCall, not even the connecting call may have been made.
func verifyStopped(t *testing.T, h *harness, r run, rows []row, before []marketotest.Lead, statsBefore marketotest.Stats, noCall bool, mention ...string) {
	t.Helper()
	if r.code != cli.ExitUsage {
		t.Errorf("exit %d, want %d (stop before sending):\n%s", r.code, cli.ExitUsage, r)
	}
	for _, m := range mention {
		if !strings.Contains(r.stderr, m) {
			t.Errorf("the message does not mention %q:\n%s", m, tail(r.stderr, 20))
		}
	}
	st := h.sb.stats(t)
	if n := syncCalls(st) - syncCalls(statsBefore); n > 0 {
		t.Errorf("%d calls carrying leads were made; the run had to stop before the first", n)
	}
	if n := calls(st) - calls(statsBefore); noCall && n > 0 {
		t.Errorf("%d calls were made (%v); the run had to stop before the first", n, st.Calls)
	}
	after := h.sb.leads(t)
	if len(after) != len(before) {
		t.Errorf("Marketo holds %d leads; before the run it held %d", len(after), len(before))
	}
	for i := range min(len(after), len(before)) {
		if !sameLead(after[i], before[i]) {
			t.Errorf("lead %d changed:\n  before %s\n  after  %s", before[i].ID, describe(before[i]), describe(after[i]))
		}
	}
	h.compared.Add(int64(len(rows)))
}

func sameLead(a, b marketotest.Lead) bool {
	return a.ID == b.ID && a.Email == b.Email && a.ForeignSysPersonID == b.ForeignSysPersonID &&
		a.UpdatedAt.Equal(b.UpdatedAt) && maps.Equal(a.Fields, b.Fields)
}

func describe(l marketotest.Lead) string {
	keys := make([]string, 0, len(l.Fields))
	for k := range l.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "id %d, email %q", l.ID, l.Email)
	for _, k := range keys {
		fmt.Fprintf(&b, ", %s %q", k, clip(l.Fields[k]))
	}
	return b.String()
}

func clip(s string) string {
	if len(s) > 60 {
		return fmt.Sprintf("%s... (%d bytes)", s[:60], len(s))
	}
	return s
}
