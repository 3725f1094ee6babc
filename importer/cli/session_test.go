package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"leadsheet/importer"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
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
			srv := startSandbox(t, marketotest.DefaultConfig())
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

// checkedSession runs pre-flight on a fresh workbook of n rows, as a sync
// does before sending.
func checkedSession(t *testing.T, n int) (*session, plan) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "fair.xlsx")
	writeWorkbook(t, in, n, map[int]bool{7: true})
	s := &session{o: options{file: in, batchSize: 50, dedup: true}, env: Env{Stdout: io.Discard, Stderr: io.Discard}}
	s.profile.API = marketo.ProfileSOAP
	ctx := context.Background()
	if err := s.open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.wb.Close() })
	if err := s.mapColumns(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := s.readPlan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

// TestRereadMatchesPreflight: the send step's second read yields exactly
// the batches pre-flight checked, and stops with a plain message at the
// first batch that differs.
func TestRereadMatchesPreflight(t *testing.T) {
	s, p := checkedSession(t, 500)
	if p.rows != 500 || p.valid != 499 || len(p.digests) != 10 || len(p.skipped) != 1 || p.first == nil || len(p.first.Leads) != 50 {
		t.Fatalf("plan: %d rows, %d valid, %d batches, %d skipped", p.rows, p.valid, len(p.digests), len(p.skipped))
	}
	var got []int
	if err := s.reread(context.Background(), p)(func(b importer.Batch) { got = append(got, b.Rows...) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 499 || got[0] != 3 || got[len(got)-1] != 502 {
		t.Errorf("re-read %d rows (%v ... %v)", len(got), got[:1], got[len(got)-1:])
	}

	p.digests[3][0] ^= 1
	batches := 0
	err := s.reread(context.Background(), p)(func(importer.Batch) { batches++ })
	var changed *changedError
	if !errors.As(err, &changed) || !strings.Contains(err.Error(), "changed while Leadsheet was working with it") {
		t.Fatalf("err = %v, want the file-changed message", err)
	}
	if batches != 3 {
		t.Errorf("yielded %d batches before the changed one, want 3", batches)
	}
}

// TestSendRefusesChangedFile: a file whose hash no longer matches the one
// taken before pre-flight is not sent at all.
func TestSendRefusesChangedFile(t *testing.T) {
	s, p := checkedSession(t, 20)
	s.env.ConfigDir = t.TempDir()
	sum, err := importer.HashFile(s.o.file)
	if err != nil {
		t.Fatal(err)
	}
	err = s.send(context.Background(), p, sum[:len(sum)-1]+"x")
	if exitCode(err) != ExitUsage || !strings.Contains(err.Error(), "changed while Leadsheet was working with it") {
		t.Fatalf("err = %v (exit %d)", err, exitCode(err))
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
	srv := startSandbox(t, marketotest.DefaultConfig())
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

func TestPlainErrorNetwork(t *testing.T) {
	dnsErr := &marketo.TransportError{Op: "describeMObject", Err: &url.Error{Op: "Post", URL: "https://typo.mktoapi.invalid/soap/mktows/2_2",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "typo.mktoapi.invalid", IsNotFound: true}}}}
	dialErr := &marketo.TransportError{Op: "describeMObject", Err: &url.Error{Op: "Post", URL: "http://127.0.0.1:1/soap/mktows/2_2",
		Err: &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: syscall.ECONNREFUSED}}}
	gateway := &marketo.TransportError{Op: "describeMObject", HTTPStatus: http.StatusBadGateway, Err: errors.New("502 Bad Gateway")}
	for _, tc := range []struct {
		name  string
		err   error
		tries int
		want  string
	}{
		{"name not found", dnsErr, 1, "The address typo.mktoapi.invalid could not be found. Check the endpoint for typos"},
		{"nothing listens", dialErr, 1, "Nothing answered at 127.0.0.1:1. Check the address and your network or proxy"},
		{"tried several times", gateway, 3, "did not answer properly 3 times in a row"},
		{"tried once", gateway, 1, "Marketo did not answer properly (HTTP 502)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := plainError(tc.err, tc.tries)
			if !strings.Contains(got, tc.want) {
				t.Errorf("plainError = %q, want %q", got, tc.want)
			}
			for _, raw := range []string{"describeMObject", "dial tcp", "lookup", "connection refused"} {
				if strings.Contains(got, raw) {
					t.Errorf("plainError = %q shows %q to the operator", got, raw)
				}
			}
		})
	}
}

func TestSourceChangedMessage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dedup bool
		want  []string
	}{
		{"dedup on", true, []string{"Marketo had already confirmed 7 rows", "sends every row again", "put back the original list.xlsx", "No results file"}},
		{"dedup off", false, []string{"Marketo had already confirmed 7 rows", "as new leads", "duplicates"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sourceChangedMessage("list.xlsx", importer.Totals{Created: 4, Updated: 3, NotSent: 10}, tc.dedup)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("message %q lacks %q", got, w)
				}
			}
			if strings.Contains(got, "will not be sent twice") {
				t.Errorf("message %q promises what a changed file cannot keep", got)
			}
		})
	}
}
