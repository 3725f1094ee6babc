package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// TestSyncDryRunReport: a dry run exits as a sync would for invalid rows
// and passes on what the workbook reader noticed about the file.
func TestSyncDryRunReport(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.xlsx")
	writeWorkbook(t, good, 10, nil)
	bad := filepath.Join(dir, "bad.xlsx")
	writeWorkbook(t, bad, 10, map[int]bool{2: true, 5: true})
	csvNamedXLSX := filepath.Join(dir, "export.xlsx")
	if err := os.WriteFile(csvNamedXLSX, []byte("Email,First Name\nanna@example.com,Anna\nli@example.com,Li\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file string
		code       int
		want       string
	}{
		{"all valid", good, ExitOK, "10 to send"},
		{"invalid rows", bad, ExitRows, "2 invalid rows would not be sent"},
		{"csv named xlsx", csvNamedXLSX, ExitOK, "Note: This file is named .xlsx but holds plain text (CSV)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain(t, Env{Getenv: keyEnv(""), ConfigDir: dir}, "sync", tc.file, "--dry-run")
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stdout, "Dry run: nothing was sent.") {
				t.Errorf("exit %d, want %d and %q\nstdout:\n%.400s\nstderr:\n%s", r.code, tc.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

// failFirst answers the first n calls with a gateway error, as a proxy in
// front of Marketo does, and passes the rest to the sandbox.
type failFirst struct {
	n     int64
	calls atomic.Int64
}

func (f *failFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	if f.calls.Add(1) <= f.n {
		if req.Body != nil {
			req.Body.Close()
		}
		return &http.Response{StatusCode: http.StatusBadGateway, Status: "502 Bad Gateway", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"text/html"}}, Body: io.NopCloser(strings.NewReader("<html>Bad Gateway</html>")), Request: req}, nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestSyncConnectRetries: passing trouble on the first call is tried again;
// trouble that lasts, or an address nothing answers on, ends with advice
// that fits it.
func TestSyncConnectRetries(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int64
		endpoint string // overrides the sandbox's
		code     int
		want     []string
		dontWant string
	}{
		{"one bad answer", 1, "", ExitOK, []string{"trying again", "HTTP 502"}, "Could not connect"},
		{"bad answers go on", 100, "", ExitConnect, []string{"did not answer properly 4 times", "wait a few minutes"}, "Check the address"},
		{"nothing listens", 0, "http://127.0.0.1:1/soap/mktows/2_2", ExitConnect, []string{"Nothing answered at 127.0.0.1:1", "leadsheet sandbox"}, "dial tcp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sandboxtest.Start(t, marketotest.DefaultConfig())
			dir := t.TempDir()
			in := filepath.Join(dir, "fair.xlsx")
			writeWorkbook(t, in, 20, nil)
			args := soapArgs(srv, in)
			if tc.endpoint != "" {
				args[3] = tc.endpoint
			}
			rt := &failFirst{n: tc.failures}
			r := runMain(t, Env{Getenv: keyEnv(marketotest.DefaultEncryptionKey), ConfigDir: dir, HTTPClient: &http.Client{Transport: rt}}, args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstderr:\n%s", r.code, tc.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, tc.dontWant) {
				t.Errorf("stderr says %q:\n%s", tc.dontWant, r.stderr)
			}
			if tc.code == ExitOK && len(srv.Leads()) != 20 {
				t.Errorf("store has %d leads, want 20", len(srv.Leads()))
			}
		})
	}
}

// cancelOnCall stops the run the moment the first call goes out, and
// answers it with a passing gateway error, as if the operator pressed
// Ctrl-C while Leadsheet waited to connect.
type cancelOnCall struct{ cancel context.CancelFunc }

func (c cancelOnCall) RoundTrip(req *http.Request) (*http.Response, error) {
	c.cancel()
	return (&failFirst{n: 1}).RoundTrip(req)
}

func TestSyncCancelWhileConnecting(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeWorkbook(t, in, 5, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb bytes.Buffer
	env := Env{Getenv: keyEnv(marketotest.DefaultEncryptionKey), ConfigDir: dir, HTTPClient: &http.Client{Transport: cancelOnCall{cancel}},
		Stdout: &out, Stderr: &errb}
	code := Main(ctx, soapArgs(srv, in), env)
	if code != ExitRows || !strings.Contains(errb.String(), "Stopped before anything was sent.") || strings.Contains(errb.String(), "did not answer") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d and a plain stop", code, errb.String(), ExitRows)
	}
	if len(srv.Leads()) != 0 {
		t.Errorf("a cancelled run stored %d leads", len(srv.Leads()))
	}
}

// writeCSV writes text as a CSV file in dir and returns its path.
func writeCSV(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSyncRefusesGuessedKey: a column headed "ID" holding the operator's
// own numbering is not used as the Marketo Id key without the operator's
// word (issue 11, defect 2): the run stops before sending and says how to
// confirm or skip it; --map settles it either way.
func TestSyncRefusesGuessedKey(t *testing.T) {
	const sheet = "ID,Email,First Name\n1,new1@example.com,Ann\n2,new2@example.com,Bo\n3,new3@example.com,Cy\n"
	for _, tc := range []struct {
		name  string
		extra []string
		code  int
		want  string
		leads int
	}{
		{"guessed", nil, ExitUsage, `--map "ID=id"`, 0},
		{"skipped by the operator", []string{"--map", "ID=skip"}, ExitOK, "3 rows: 3 created", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sandboxtest.Start(t, marketotest.DefaultConfig())
			dir := t.TempDir()
			in := writeCSV(t, dir, "fair.csv", sheet)
			r := runMain(t, Env{Getenv: keyEnv(marketotest.DefaultEncryptionKey), ConfigDir: dir}, soapArgs(srv, in, tc.extra...)...)
			if r.code != tc.code || !strings.Contains(r.stderr+r.stdout, tc.want) {
				t.Errorf("exit %d, want %d and %q\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, tc.want, r.stdout, r.stderr)
			}
			if n := len(srv.Leads()); n != tc.leads {
				t.Errorf("store has %d leads, want %d", n, tc.leads)
			}
			if tc.code == ExitUsage && srv.Stats().Calls["SOAP syncMultipleLeads"] != 0 {
				t.Errorf("a refused mapping still sent %d calls", srv.Stats().Calls["SOAP syncMultipleLeads"])
			}
		})
	}
}

// TestSyncRerunAfterFailedRowsDedupOff: a run that ends with rows Marketo
// refused keeps its journal, so running the same file again sends only
// those rows and creates no lead twice (issue 11, defect 3).
func TestSyncRerunAfterFailedRowsDedupOff(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	// The last row is keyed by a Marketo Id the instance does not have:
	// Marketo refuses it, the others are created.
	in := writeCSV(t, dir, "fair.csv", "Email,Marketo Id,First Name\na@example.com,,Ann\nb@example.com,,Bo\n,999999,Cy\n")
	env := Env{Getenv: keyEnv(marketotest.DefaultEncryptionKey), ConfigDir: dir}
	for run := 1; run <= 2; run++ {
		r := runMain(t, env, soapArgs(srv, in, "--dedup=false")...)
		if r.code != ExitRows {
			t.Fatalf("run %d: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", run, r.code, ExitRows, r.stdout, r.stderr)
		}
	}
	byEmail := map[string]int{}
	for _, l := range srv.Leads() {
		byEmail[l.Email]++
	}
	if byEmail["a@example.com"] != 1 || byEmail["b@example.com"] != 1 || len(srv.Leads()) != 2 {
		t.Errorf("store after two runs: %v, want a and b once each", byEmail)
	}
}

// TestSyncChecksResultsPathFirst: a results file that cannot be written is
// found before the first call, not after every row was sent (issue 11,
// defect 4).
func TestSyncChecksResultsPathFirst(t *testing.T) {
	dir := t.TempDir()
	in := writeCSV(t, dir, "fair.csv", "Email,First Name\na@example.com,Ann\n")
	notADir := writeCSV(t, dir, "plain.txt", "x")
	for _, tc := range []struct{ name, results, want string }{
		{"missing folder", filepath.Join(dir, "nope", "out.csv"), "does not exist"},
		{"the input itself", in, "the file being imported"},
		{"under a file", filepath.Join(notADir, "out.csv"), "is a file, not a folder"},
		{"a folder", dir, "that is a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sandboxtest.Start(t, marketotest.DefaultConfig())
			r := runMain(t, Env{Getenv: keyEnv(marketotest.DefaultEncryptionKey), ConfigDir: dir}, soapArgs(srv, in, "--results", tc.results)...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "Nothing was sent") {
				t.Errorf("exit %d, want %d and %q\nstderr:\n%s", r.code, ExitUsage, tc.want, r.stderr)
			}
			if n := srv.Stats().Calls["SOAP syncMultipleLeads"]; n != 0 || len(srv.Leads()) != 0 {
				t.Errorf("%d calls sent, %d leads stored before the bad path was found", n, len(srv.Leads()))
			}
		})
	}
}

// TestSyncExplicitMissingField: a column the operator mapped to a field
// Marketo does not have stops the run before sending, naming the field and
// the closest real ones (issue 11, defect 7).
func TestSyncExplicitMissingField(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := writeCSV(t, dir, "fair.csv", "Email,Org\na@example.com,Acme\n")
	r := runMain(t, Env{Getenv: keyEnv(marketotest.DefaultEncryptionKey), ConfigDir: dir}, soapArgs(srv, in, "--map", "Org=Compnay")...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, `"Compnay"`) || !strings.Contains(r.stderr, "Company") {
		t.Errorf("exit %d, want %d naming Compnay and Company\nstderr:\n%s", r.code, ExitUsage, r.stderr)
	}
	if len(srv.Leads()) != 0 {
		t.Errorf("%d leads stored", len(srv.Leads()))
	}
}

// TestSyncMessagesPointTheRightWay: each mistake is named for what it is
// (issue 11, defect 14).
func TestSyncMessagesPointTheRightWay(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	dir := t.TempDir()
	in := writeCSV(t, dir, "fair.csv", "Email\na@example.com\n")
	httpsToHTTP := strings.Replace(srv.SOAPEndpoint(), "http://", "https://", 1)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a folder as the file", soapArgs(srv, dir), ExitUsage, "is a folder or a device"},
		{"no such account", []string{"sync", in, "--profile", "nosuch"}, ExitUsage, `There is no saved account "nosuch"`},
		{"https to an http port", []string{"sync", in, "--endpoint", httpsToHTTP, "--user-id", marketotest.DefaultUserID}, ExitConnect, "not over HTTPS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain(t, Env{Getenv: keyEnv(marketotest.DefaultEncryptionKey), ConfigDir: dir, Accounts: func(name string) (marketo.Profile, error) {
				return marketo.Profile{}, fmt.Errorf("load account %q: %w", name, marketo.ErrProfileNotFound)
			}}, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want %d and %q\nstderr:\n%s", r.code, tc.code, tc.want, r.stderr)
			}
			if strings.Contains(r.stderr, "wait a few minutes") || strings.Contains(r.stderr, "locked") {
				t.Errorf("advice points the wrong way:\n%s", r.stderr)
			}
		})
	}
}

// TestSyncTwiceAtOnceRefusesSecond: a second `leadsheet sync` of the same
// file into the same account, started while the first is sending, stops
// at once naming the first; the store holds every lead once although
// dedup is off (issue 12).
func TestSyncTwiceAtOnceRefusesSecond(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.Latency = 300 * time.Millisecond
	srv := sandboxtest.Start(t, cfg)
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeWorkbook(t, in, 600, nil)
	args := soapArgs(srv, in, "--dedup=false", "--batch-size", "100", "--concurrency", "1")
	first := soakChild(args, dir, false)
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for srv.Stats().Calls["SOAP syncMultipleLeads"] == 0 {
		if time.Now().After(deadline) {
			first.Process.Kill()
			t.Fatalf("the first run sent nothing in a minute:\n%s", firstErr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	second := soakChild(args, dir, false)
	out, _ := second.CombinedOutput()
	if code := second.ProcessState.ExitCode(); code != ExitUsage || !strings.Contains(string(out), "already running in leadsheet sync (process "+fmt.Sprint(first.Process.Pid)) {
		t.Errorf("second run: exit %d, want %d naming the first run's process %d:\n%s", code, ExitUsage, first.Process.Pid, out)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, firstErr.String())
	}
	byEmail := map[string]int{}
	for _, l := range srv.Leads() {
		byEmail[l.Email]++
	}
	if len(byEmail) != 600 || len(srv.Leads()) != 600 {
		t.Errorf("store holds %d leads for %d emails, want 600 once each", len(srv.Leads()), len(byEmail))
	}
}
