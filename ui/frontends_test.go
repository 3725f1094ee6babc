package ui

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2/test"

	"leadsheet/importer/cli"
	"leadsheet/importer/job"
	"leadsheet/marketo/marketotest"
)

// syncInCLI runs `leadsheet sync` on the window's file against the
// window's sandbox, with the window's folder of journals.
func syncInCLI(t *testing.T, ui *App, dirs job.Dirs, ctx context.Context, hc *http.Client) (int, string) {
	t.Helper()
	srv := ui.accounts.sandbox
	cfg := srv.Config()
	var out, errb bytes.Buffer
	env := cli.Env{Stdout: &out, Stderr: &errb, ConfigDir: dirs.Root, HTTPClient: hc, Getenv: func(k string) string {
		if k == cli.EnvClientSecret {
			return cfg.ClientSecret
		}
		return ""
	}}
	code := cli.Main(ctx, []string{"sync", ui.file.model.Path, "--api", "rest", "--rest-url", srv.RESTBaseURL(),
		"--identity-url", srv.IdentityURL(), "--client-id", cfg.ClientID}, env)
	return code, out.String() + errb.String()
}

func leadsCalls(srv *marketotest.Server) int { return srv.Stats().Calls["REST leads.json"] }

// TestWindowRunResumesInCLI: a run stopped in the window after its first
// batch is carried on by `leadsheet sync`, which sends only the rows not
// confirmed (issue 12: the two front ends kept journals apart).
func TestWindowRunResumesInCLI(t *testing.T) {
	dirs := job.Dirs{Root: t.TempDir()}
	ui, loop := newTestApp(t, Options{Sandbox: true, Dirs: dirs})
	waitReady(t, ui, loop)
	ui.show(stepSync)
	test.Tap(ui.sync.canary)
	test.Tap(ui.sync.start)
	loop.pump(t, "the first batch", func() bool { return !ui.sync.running })
	srv := ui.accounts.sandbox
	before := leadsCalls(srv)
	code, out := syncInCLI(t, ui, dirs, context.Background(), nil)
	// The sample holds two invalid rows: exit 1 says so.
	if code != cli.ExitRows || !strings.Contains(out, "Results: ") {
		t.Fatalf("leadsheet sync: exit %d\n%s", code, out)
	}
	if n := leadsCalls(srv) - before; n != 1 {
		t.Errorf("leadsheet sync made %d Sync Leads calls for the 178 rows the window had not sent, want 1\n%s", n, out)
	}
	if n := len(srv.Leads()); n != 477 {
		t.Errorf("sandbox holds %d leads, want 477 (one row updates another's lead)", n)
	}
}

// cancelAfterFirstSync stops the command-line run once the client has
// read Marketo's whole answer to its first Sync Leads call, as Ctrl-C
// would right then.
type cancelAfterFirstSync struct {
	cancel context.CancelFunc
	syncs  atomic.Int32
}

func (c *cancelAfterFirstSync) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	// A sync: the undo record's lookups before and after a batch GET the
	// same path (or POST it with _method=GET when the ids are many).
	sync := req.Method == http.MethodPost && req.URL.Query().Get("_method") == ""
	if err == nil && sync && strings.HasSuffix(req.URL.Path, "/leads.json") && c.syncs.Add(1) == 1 {
		resp.Body = cancelOnClose{resp.Body, c.cancel}
	}
	return resp, err
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// TestCLIRunResumesInWindow: the reverse: a `leadsheet sync` stopped after
// its first batch is offered for resuming in the window, which then sends
// only the rest.
func TestCLIRunResumesInWindow(t *testing.T) {
	dirs := job.Dirs{Root: t.TempDir()}
	ui, loop := newTestApp(t, Options{Sandbox: true, Dirs: dirs})
	waitReady(t, ui, loop)
	srv := ui.accounts.sandbox
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code, out := syncInCLI(t, ui, dirs, ctx, &http.Client{Transport: &cancelAfterFirstSync{cancel: cancel}})
	if code != cli.ExitRows {
		t.Fatalf("stopped leadsheet sync: exit %d\n%s", code, out)
	}
	stored := len(srv.Leads())
	if stored == 0 || stored >= 477 {
		t.Fatalf("the stopped run stored %d leads, want part of the file\n%s", stored, out)
	}
	ui.mappingChanged()
	loop.pump(t, "the resume offer", func() bool { return ui.sync.plan != nil && ui.sync.plan.Resume != nil && ui.sync.ask != nil })
	before := leadsCalls(srv)
	ui.show(stepSync)
	ui.sync.ask.Confirm()
	loop.pump(t, "the rest", func() bool { return !ui.sync.running && ui.sync.model.Progress().Totals.Waiting == 0 })
	if n := leadsCalls(srv) - before; n != 1 {
		t.Errorf("the window made %d Sync Leads calls for the rows the CLI had not sent, want 1", n)
	}
	if n := len(srv.Leads()); n != 477 {
		t.Errorf("sandbox holds %d leads, want 477", n)
	}
}

// TestSandboxURLUsesRunningSandbox: with SandboxURL the tour syncs into a
// `leadsheet sandbox` already running, not into one inside the app.
func TestSandboxURLUsesRunningSandbox(t *testing.T) {
	srv := marketotest.NewServer(marketotest.DefaultConfig())
	defer srv.Close()
	ui, loop := newTestApp(t, Options{Sandbox: true, SandboxURL: srv.URL})
	waitReady(t, ui, loop)
	ui.show(stepSync)
	test.Tap(ui.sync.start)
	loop.pump(t, "the sync", func() bool { return !ui.sync.running && ui.sync.model.Progress().Totals.Waiting == 0 })
	if ui.accounts.sandbox != nil {
		t.Error("a sandbox was started inside the app")
	}
	if n := len(srv.Leads()); n != 477 {
		t.Errorf("the running sandbox holds %d leads, want 477", n)
	}
}

// TestGuessedKeyNeedsConfirm: a column headed "ID" that AutoMap only
// guessed to be the Marketo Id blocks the sync until the operator
// confirms it (issue 11, defect 2); the report says why.
func TestGuessedKeyNeedsConfirm(t *testing.T) {
	in := filepath.Join(t.TempDir(), "fair.csv")
	if err := os.WriteFile(in, []byte("ID,Email,First Name\n1,new1@example.com,Ann\n2,new2@example.com,Bo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ui, loop := newTestApp(t, Options{Sandbox: true, Open: in})
	loop.pump(t, "pre-flight with the account's fields", func() bool {
		c := ui.accounts.conn
		return c != nil && c.fields != nil && ui.sess.pre != nil && ui.mapping.model != nil && ui.mapping.model.Fields != nil
	})
	if ui.sync.plan != nil {
		t.Fatal("a guessed key column can be synced without a confirm")
	}
	if !ui.mapping.confirmKey.Visible() || !strings.Contains(ui.mapping.confirmKey.Text, "ID") {
		t.Fatalf("no confirm offered for the guessed key (button %q, visible %v)", ui.mapping.confirmKey.Text, ui.mapping.confirmKey.Visible())
	}
	found := false
	for _, pr := range ui.sess.pre.Problems {
		found = found || strings.Contains(pr.Message, "was guessed to be the Marketo Id key")
	}
	if !found {
		t.Errorf("the report does not say the key was guessed: %+v", ui.sess.pre.Problems)
	}
	test.Tap(ui.mapping.confirmKey)
	loop.pump(t, "the plan once confirmed", func() bool { return ui.sync.plan != nil })
	if ui.mapping.confirmKey.Visible() {
		t.Error("the confirm stays offered after confirming")
	}
}

// TestWindowStopsOnChangedFile: a file saved again after pre-flight is not
// sent, and no results are written against it (the window had neither
// guard before the job: issue 12).
func TestWindowStopsOnChangedFile(t *testing.T) {
	ui, loop := newTestApp(t, Options{Sandbox: true})
	waitReady(t, ui, loop)
	path := ui.file.model.Path
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("saved again"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ui.show(stepSync)
	test.Tap(ui.sync.start)
	loop.pump(t, "the run to stop", func() bool { return !ui.sync.running })
	if n := len(ui.accounts.sandbox.Leads()); n != 0 {
		t.Errorf("%d leads sent from a file changed after pre-flight", n)
	}
	if len(ui.dialogs) == 0 {
		t.Fatal("no message about the changed file")
	}
	results, _ := filepath.Glob(strings.TrimSuffix(path, filepath.Ext(path)) + "-results-*")
	if len(results) != 0 {
		t.Errorf("results written against the changed file: %v", results)
	}
}
