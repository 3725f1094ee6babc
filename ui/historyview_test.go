package ui

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"leadsheet/importer"
	"leadsheet/importer/cli"
	"leadsheet/importer/history"
	"leadsheet/importer/job"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/ui/viewmodel"
)

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// syncFileInCLI runs `leadsheet sync` on path against srv, with dirs as
// its folder of journals and history.
func syncFileInCLI(t *testing.T, srv *marketotest.Server, dirs job.Dirs, path string) (int, string) {
	t.Helper()
	cfg := srv.Config()
	var out, errb bytes.Buffer
	env := cli.Env{Stdout: &out, Stderr: &errb, ConfigDir: dirs.Root, Getenv: func(k string) string {
		if k == cli.EnvClientSecret {
			return cfg.ClientSecret
		}
		return ""
	}}
	code := cli.Main(context.Background(), []string{"sync", path, "--api", "rest", "--rest-url", srv.RESTBaseURL(),
		"--identity-url", srv.IdentityURL(), "--client-id", cfg.ClientID}, env)
	return code, out.String() + errb.String()
}

// openHistory shows the History page and waits for its read of the
// history to be on it.
func openHistory(t *testing.T, ui *App, loop *uiLoop, what string, cond func(h *historyView) bool) *historyView {
	t.Helper()
	test.Tap(ui.historyBtn)
	h := ui.history
	loop.pump(t, what, func() bool { return h.shown == h.loads && cond(h) })
	return h
}

func leadByEmail(srv *marketotest.Server, email string) (marketotest.Lead, bool) {
	for _, l := range srv.Leads() {
		if strings.EqualFold(l.Email, email) {
			return l, true
		}
	}
	return marketotest.Lead{}, false
}

func detailText(h *historyView) string {
	var b strings.Builder
	for _, d := range viewmodel.RunDetails(mustEntry(h).Run, h.loc) {
		b.WriteString(d.Label + ": " + d.Value + "\n")
	}
	return b.String()
}

func mustEntry(h *historyView) viewmodel.HistoryEntry {
	e, _ := h.entry()
	return e
}

// TestUndoFromHistoryTakesImportBack: an import sent from the window is
// listed in History; its Undo dialog says what the undo will do, waits
// for the import's id, and takes it back: the lead it updated has its
// old values again and the lead it created is gone from the sandbox.
func TestUndoFromHistoryTakesImportBack(t *testing.T) {
	dirs := job.Dirs{Root: t.TempDir()}
	in := t.TempDir()
	before := writeFile(t, in, "before.csv", "Email,First Name\nann@example.com,Ann\n")
	after := writeFile(t, in, "after.csv", "Email,First Name\nann@example.com,Annie\nbo@example.com,Bo\n")
	ui, loop := newTestApp(t, Options{Sandbox: true, Open: after, Dirs: dirs})
	waitReady(t, ui, loop)
	srv := ui.accounts.sandbox
	if code, out := syncFileInCLI(t, srv, dirs, before); code != cli.ExitOK {
		t.Fatalf("leadsheet sync: exit %d\n%s", code, out)
	}

	ui.show(stepSync)
	test.Tap(ui.sync.start)
	loop.pump(t, "the sync", func() bool { return !ui.sync.running && ui.sync.model.Progress().Totals.Waiting == 0 })
	if ann, ok := leadByEmail(srv, "ann@example.com"); !ok || ann.Fields["FirstName"] != "Annie" {
		t.Fatalf("the window's import did not update Ann: %+v", ann)
	}
	if _, ok := leadByEmail(srv, "bo@example.com"); !ok {
		t.Fatal("the window's import did not create Bo")
	}

	h := openHistory(t, ui, loop, "both imports in History", func(h *historyView) bool { return len(h.rows) == 2 })
	row := h.rows[0]
	if row.File != "after.csv" || row.Account != sandboxAccount || !strings.HasPrefix(row.Outcome, "finished: 2 rows: 1 created, 1 updated") || row.Undone != "" {
		t.Fatalf("the window's import is listed as %+v", row)
	}
	if h.rows[1].File != "before.csv" {
		t.Errorf("the older, command-line import is listed as %+v", h.rows[1])
	}
	id := row.ID
	if !h.selectRun(id) {
		t.Fatal("the import cannot be selected")
	}
	if !strings.Contains(detailText(h), "By: ") || !strings.Contains(detailText(h), "the Leadsheet window") {
		t.Errorf("details do not say it came from the window:\n%s", detailText(h))
	}
	if h.openResults.Disabled() || h.undo.Disabled() || !h.openAgain.Disabled() {
		t.Fatalf("buttons for a finished import: results %v, undo %v, open again %v (disabled)",
			h.openResults.Disabled(), h.undo.Disabled(), h.openAgain.Disabled())
	}
	if e := mustEntry(h); e.Run.Results != ui.sync.resultsPath {
		t.Errorf("history's results %q, the window wrote %q", e.Run.Results, ui.sync.resultsPath)
	}

	test.Tap(h.undo)
	u := h.undoDlg
	if u == nil || !h.undo.Disabled() {
		t.Fatal("no Undo dialog, or Undo… still enabled under it")
	}
	loop.pump(t, "the undo's plan", func() bool { return !u.model.Planning() })
	if u.model.PlanErr != nil {
		t.Fatalf("no plan: %v", u.model.PlanErr)
	}
	for _, want := range []string{"1 lead set back to the values it had before the import", "1 lead the import created will be deleted from Marketo"} {
		if !strings.Contains(u.plan.Text, want) {
			t.Errorf("the plan says %q, not %q", u.plan.Text, want)
		}
	}
	if !u.undo.Disabled() {
		t.Fatal("Undo enabled before the id is typed")
	}
	test.Type(u.confirm, id[:len(id)-1])
	if !u.undo.Disabled() {
		t.Fatal("Undo enabled by part of the id")
	}
	test.Type(u.confirm, id[len(id)-1:])
	if u.undo.Disabled() {
		t.Fatalf("Undo disabled with the id typed (%q)", u.confirm.Text)
	}
	test.Tap(u.undo)
	loop.pump(t, "the undo", func() bool { return u.model.Ended })
	if u.model.Err != nil {
		t.Fatalf("undo failed: %v\n%s", u.model.Err, u.status.Text)
	}
	for _, want := range []string{"1 restored, 1 deleted, 0 removed from lists.", "What became of each lead: ", "The import is undone."} {
		if !strings.Contains(u.status.Text, want) {
			t.Errorf("the end says %q, not %q", u.status.Text, want)
		}
	}
	if u.results.Disabled() || !u.undo.Disabled() {
		t.Errorf("after the undo: results disabled %v, undo disabled %v", u.results.Disabled(), u.undo.Disabled())
	}
	if _, err := os.Stat(u.model.Result.Results); err != nil {
		t.Errorf("the undo's results: %v", err)
	}

	// The sandbox's store, not what the client was told.
	if _, ok := leadByEmail(srv, "bo@example.com"); ok {
		t.Error("the lead the import created is still in the sandbox")
	}
	if ann, ok := leadByEmail(srv, "ann@example.com"); !ok || ann.Fields["FirstName"] != "Ann" {
		t.Errorf("Ann is %+v, want her first name back to Ann", ann)
	}
	if n := len(srv.Leads()); n != 1 {
		t.Errorf("the sandbox holds %d leads, want 1", n)
	}

	loop.pump(t, "the undo in History", func() bool { return h.shown == h.loads && len(h.rows) == 3 })
	u.d.Hide()
	if h.undoDlg != nil {
		t.Error("the closed dialog is still the open one")
	}
	if !h.selectRun(id) {
		t.Fatal("the import is gone from History")
	}
	if r := h.rows[1]; r.ID != id || r.Undone != "undone" {
		t.Errorf("the import is listed as %+v, want it marked undone", r)
	}
	if !h.undo.Disabled() || !strings.Contains(h.why.Text, "undone already") {
		t.Errorf("an undone import: undo disabled %v, why %q", h.undo.Disabled(), h.why.Text)
	}
	if !h.selectRun(id + "-undo") {
		t.Fatal("the undo is not listed")
	}
	if !h.undo.Disabled() || !strings.Contains(h.why.Text, "An undo cannot be undone") || h.openResults.Disabled() {
		t.Errorf("the undo: undo disabled %v, why %q, results disabled %v", h.undo.Disabled(), h.why.Text, h.openResults.Disabled())
	}
}

// TestHistoryListsCommandLineRuns: one history for both front ends: an
// import sent with `leadsheet sync` into the window's folder is listed,
// and the filter finds it by file and by account.
func TestHistoryListsCommandLineRuns(t *testing.T) {
	dirs := job.Dirs{Root: t.TempDir()}
	in := writeFile(t, t.TempDir(), "fair leads.csv", "Email,First Name\ncy@example.com,Cy\n")
	ui, loop := newTestApp(t, Options{Sandbox: true, Dirs: dirs})
	loop.pump(t, "the sandbox", func() bool { return ui.accounts.sandbox != nil })
	h := openHistory(t, ui, loop, "the empty history", func(h *historyView) bool { return true })
	if len(h.rows) != 0 || h.note.Text != viewmodel.HistoryNone {
		t.Fatalf("an empty history lists %v, says %q", h.rows, h.note.Text)
	}
	srv := ui.accounts.sandbox
	if code, out := syncFileInCLI(t, srv, dirs, in); code != cli.ExitOK {
		t.Fatalf("leadsheet sync: exit %d\n%s", code, out)
	}
	ui.show(stepFile)
	h = openHistory(t, ui, loop, "the command line's import", func(h *historyView) bool { return len(h.rows) == 1 })
	r := h.rows[0]
	if r.File != "fair leads.csv" || r.Account != srv.RESTBaseURL() || !strings.HasPrefix(r.Outcome, "finished: 1 rows: 1 created") {
		t.Errorf("listed as %+v", r)
	}
	h.selectRun(r.ID)
	if d := detailText(h); !strings.Contains(d, "leadsheet sync") || !strings.Contains(d, "Undo: possible") {
		t.Errorf("details:\n%s", d)
	}
	for _, tt := range []struct {
		query string
		rows  int
	}{
		{"FAIR", 1},
		{strings.TrimPrefix(srv.URL, "http://"), 1},
		{"no such file", 0},
	} {
		h.filter.SetText(tt.query)
		loop.pump(t, "the filtered history", func() bool { return h.shown == h.loads })
		if len(h.rows) != tt.rows {
			t.Errorf("filter %q lists %d runs, want %d", tt.query, len(h.rows), tt.rows)
		}
	}
	if want := viewmodel.HistoryNoneMatch("no such file"); h.note.Text != want || !h.note.Visible() {
		t.Errorf("no match says %q, want %q", h.note.Text, want)
	}
	if !h.undo.Disabled() || !h.openResults.Disabled() {
		t.Error("buttons enabled with the selected run filtered out")
	}
}

// TestOpenAgainResumesImport: an import stopped after its first batch is
// opened again from History, with the mapping it ran with (not the one
// the file would get now), and the journal offers to resume it; sending
// the rest finishes the same entry of the history.
func TestOpenAgainResumesImport(t *testing.T) {
	dirs := job.Dirs{Root: t.TempDir()}
	ui, loop := newTestApp(t, Options{Sandbox: true, Dirs: dirs})
	waitReady(t, ui, loop)
	sample := ui.file.model.Path
	mm := ui.mapping.model
	col := -1
	for i, c := range mm.Mapping.Columns {
		if c.Kind == importer.ToAttribute {
			col = i
			break
		}
	}
	if col < 0 {
		t.Fatal("the sample maps no field")
	}
	ui.mapping.choose(col, viewmodel.LabelSkip)
	loop.pump(t, "the plan without the column", func() bool { return ui.sync.plan != nil && quotaKnown(ui) })

	ui.show(stepSync)
	test.Tap(ui.sync.canary)
	test.Tap(ui.sync.start)
	loop.pump(t, "the first batch", func() bool { return !ui.sync.running && ui.sync.ask != nil })
	ui.sync.ask.Hide() // not the rest now
	t1 := ui.sync.model.Progress().Totals
	sent := t1.Created + t1.Updated

	other := writeFile(t, t.TempDir(), "other.csv", "Email\ndee@example.com\n")
	ui.file.open(other, "")
	loop.pump(t, "the other file", func() bool { return ui.file.model != nil && ui.file.model.Path == other && ui.sync.plan != nil })

	h := openHistory(t, ui, loop, "the stopped import", func(h *historyView) bool { return len(h.rows) == 1 })
	id := h.rows[0].ID
	if !strings.HasPrefix(h.rows[0].Outcome, "unfinished: ") {
		t.Fatalf("the stopped import is listed as %+v", h.rows[0])
	}
	h.selectRun(id)
	if h.openAgain.Disabled() {
		t.Fatalf("Open again disabled for an unfinished import: %q", h.why.Text)
	}
	test.Tap(h.openAgain)
	loop.pump(t, "the import opened again", func() bool {
		f := ui.file.model
		return f != nil && f.Path == sample && ui.sync.plan != nil && ui.sync.plan.Resume != nil && ui.sync.ask != nil
	})
	if ui.current != stepFile && ui.current != stepSync {
		t.Errorf("opening again shows page %d", ui.current)
	}
	if got := ui.mapping.model.Label(col); got != viewmodel.LabelSkip {
		t.Errorf("column %d maps to %q, want it skipped as the import ran", col, got)
	}
	if n := ui.sync.plan.Resume.Confirmed; n != sent {
		t.Errorf("the resume offer counts %d rows confirmed, the first batch confirmed %d", n, sent)
	}
	ui.show(stepSync)
	ui.sync.ask.Confirm()
	loop.pump(t, "the rest", func() bool { return !ui.sync.running && ui.sync.model.Progress().Totals.Waiting == 0 })
	if n := len(ui.accounts.sandbox.Leads()); n != 477 {
		t.Errorf("sandbox holds %d leads, want 477", n)
	}

	h = openHistory(t, ui, loop, "the finished import", func(h *historyView) bool { return len(h.rows) == 1 && h.rows[0].ID == id })
	if !strings.HasPrefix(h.rows[0].Outcome, "finished: ") {
		t.Errorf("the resumed import is listed as %+v", h.rows[0])
	}
}

// TestHistoryPageGoldenMarkup pins the History page with a run selected.
// After an intended change, check ui/testdata/failed/history_page.xml
// and copy it over the golden.
func TestHistoryPageGoldenMarkup(t *testing.T) {
	dirs := job.Dirs{Root: t.TempDir()}
	store := dirs.History()
	start := time.Date(2026, 6, 12, 9, 30, 0, 0, time.UTC)
	acme := "https://123-ABC-456.mktorest.com/rest"
	for _, r := range []history.Run{
		{ID: "20260612-093000-aaaa", Kind: history.KindImport, File: "/data/june-fair.xlsx", FileSHA256: "5f1c", Sheet: "Leads", HeaderRow: 3,
			Account: "Acme production", API: "rest", Endpoint: acme, Dedup: true, List: "June fair visitors",
			Started: start, Ended: start.Add(95 * time.Second), Outcome: history.OutcomeFinished, Totals: importer.Totals{Created: 310, Updated: 12, Skipped: 2},
			Results: "/data/june-fair-results-20260612-093000.xlsx", User: "pat on desk-7", Frontend: "the Leadsheet window", Undoable: true,
			UndoneBy: "20260612-093000-aaaa-undo"},
		{ID: "20260612-093000-aaaa-undo", Kind: history.KindUndo, UndoOf: "20260612-093000-aaaa", File: "/data/june-fair.xlsx",
			Account: "Acme production", API: "rest", Endpoint: acme, Started: start.Add(2 * time.Hour), Ended: start.Add(2*time.Hour + time.Minute),
			Outcome: "stopped: 12 restored, 100 deleted, 0 removed from lists", User: "pat on desk-7", Frontend: "the Leadsheet window"},
		{ID: "20260611-160500-bbbb", Kind: history.KindImport, File: "/data/webinar.csv", API: "soap", Endpoint: "https://123-ABC-456.mktoapi.com/soap/mktows/2_2",
			Dedup: true, Started: start.Add(-17 * time.Hour), User: "sam on laptop", Frontend: "leadsheet sync"},
		{ID: "20260610-110000-cccc", Kind: history.KindImport, File: "/data/partners.xlsx", Account: "Acme production", API: "rest", Endpoint: acme,
			Started: start.Add(-46 * time.Hour), Ended: start.Add(-46*time.Hour + time.Minute), Outcome: "stopped: 900 rows: 300 created, 0 updated, 0 failed, 0 invalid, 600 not sent",
			User: "pat on desk-7", Frontend: "leadsheet sync", Undoable: true},
	} {
		if err := store.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	ui, loop := newTestApp(t, Options{Dirs: dirs})
	ui.history.loc = time.UTC
	h := openHistory(t, ui, loop, "the history", func(h *historyView) bool { return len(h.rows) == 4 })
	h.selectRun("20260612-093000-aaaa")
	test.AssertRendersToMarkup(t, "history_page.xml", ui.win.Canvas())
}

// deleteGate stands in front of a sandbox and holds its Delete Leads
// calls until opened, so that a test can stop an undo between taking a
// lead back and deleting one. With apply, the sandbox carries the held
// call out first: only its answer is held, as when an answer is lost.
type deleteGate struct {
	srv     *marketotest.Server
	apply   bool
	held    chan struct{} // a Delete Leads call is being held
	release chan struct{} // closed: let every call through
	once    sync.Once
}

func (g *deleteGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/leads/delete.json") {
		g.srv.ServeHTTP(w, r)
		return
	}
	select {
	case <-g.release:
		g.srv.ServeHTTP(w, r)
		return
	default:
	}
	// Read first: the server notices a caller gone only once the body
	// is in.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	answer := httptest.NewRecorder()
	if g.apply {
		g.srv.ServeHTTP(answer, r)
	}
	select {
	case g.held <- struct{}{}:
	default:
	}
	select {
	case <-r.Context().Done():
	case <-g.release:
	}
	if r.Context().Err() != nil {
		return // the caller gave up: no answer, and unless applied, no call
	}
	if !g.apply {
		g.srv.ServeHTTP(w, r)
		return
	}
	w.WriteHeader(answer.Code)
	w.Write(answer.Body.Bytes())
}

// open lets every call through from now on.
func (g *deleteGate) open() { g.once.Do(func() { close(g.release) }) }

// TestStoppedUndoResumes: an undo stopped after it set a lead back,
// while it deleted the one the import created, is listed as not
// finished, and undoing again from the same import finishes it without
// doing the first part twice: it deletes the lead when the stopped call
// never reached Marketo, and only records the undo as finished when
// Marketo had carried it out.
func TestStoppedUndoResumes(t *testing.T) {
	for _, tt := range []struct {
		name               string
		apply              bool
		plan, notPlan, end string
	}{
		{"call never reached Marketo", false, "1 lead the import created will be deleted from Marketo", "set back", "0 restored, 1 deleted"},
		{"answer lost", true, "2 steps done already by an undo that stopped", "deleted from Marketo", "0 restored, 0 deleted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := marketotest.NewServer(marketotest.DefaultConfig())
			defer srv.Close()
			gate := &deleteGate{srv: srv, apply: tt.apply, held: make(chan struct{}, 1), release: make(chan struct{})}
			front := httptest.NewServer(gate)
			defer front.Close()
			defer gate.open()

			dirs := job.Dirs{Root: t.TempDir()}
			after := writeFile(t, t.TempDir(), "after.csv", "Email,First Name\nann@example.com,Annie\nbo@example.com,Bo\n")
			ui, loop := newTestApp(t, Options{Sandbox: true, SandboxURL: front.URL, Open: after, Dirs: dirs})
			waitReady(t, ui, loop)
			seed := []marketo.Lead{{Email: "ann@example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "Ann"}}}}
			if _, err := ui.accounts.conn.client.SyncLeads(context.Background(), seed, true); err != nil {
				t.Fatal(err)
			}
			ui.show(stepSync)
			test.Tap(ui.sync.start)
			loop.pump(t, "the sync", func() bool { return !ui.sync.running && ui.sync.model.Progress().Totals.Waiting == 0 })

			h := openHistory(t, ui, loop, "the import in History", func(h *historyView) bool { return len(h.rows) == 1 })
			id := h.rows[0].ID
			undo := func(label string) *undoDialog {
				t.Helper()
				h.selectRun(id)
				if h.undo.Disabled() || h.undo.Text != label {
					t.Fatalf("Undo button %q, disabled %v; want %q enabled (%s)", h.undo.Text, h.undo.Disabled(), label, h.why.Text)
				}
				test.Tap(h.undo)
				u := h.undoDlg
				loop.pump(t, "the undo's plan", func() bool { return !u.model.Planning() })
				if u.model.PlanErr != nil {
					t.Fatalf("no plan: %v", u.model.PlanErr)
				}
				u.confirm.SetText(id)
				if u.undo.Disabled() {
					t.Fatalf("Undo disabled with the id typed: %s", u.status.Text)
				}
				return u
			}

			u := undo(viewmodel.UndoLabel)
			test.Tap(u.undo)
			loop.pump(t, "the undo to reach the delete", func() bool {
				select {
				case <-gate.held:
					return true
				default:
					return false
				}
			})
			test.Tap(u.stop)
			loop.pump(t, "the undo to stop", func() bool { return u.model.Ended })
			if !u.model.Stopped || !strings.Contains(u.status.Text, "The undo was stopped") || !strings.Contains(u.status.Text, "1 restored, 0 deleted") {
				t.Fatalf("stopped: %v, says %q", u.model.Stopped, u.status.Text)
			}
			u.d.Hide()
			loop.pump(t, "the stopped undo in History", func() bool { return h.shown == h.loads && len(h.rows) == 2 })
			if r := h.rows[1]; r.ID != id || r.Undone != "undo not finished" {
				t.Errorf("the import is listed as %+v", r)
			}
			if r := h.rows[0]; !strings.HasPrefix(r.Outcome, "undo of "+id+": stopped: ") {
				t.Errorf("the stopped undo is listed as %+v", r)
			}

			gate.open()
			u = undo(viewmodel.UndoFinishLabel)
			if !strings.Contains(u.plan.Text, tt.plan) || strings.Contains(u.plan.Text, tt.notPlan) {
				t.Errorf("the resumed plan says %q: want %q, not %q", u.plan.Text, tt.plan, tt.notPlan)
			}
			test.Tap(u.undo)
			loop.pump(t, "the resumed undo", func() bool { return u.model.Ended })
			if u.model.Err != nil || !strings.Contains(u.status.Text, tt.end) || !strings.Contains(u.status.Text, "The import is undone.") {
				t.Fatalf("resumed undo: %v, says %q", u.model.Err, u.status.Text)
			}
			if _, ok := leadByEmail(srv, "bo@example.com"); ok {
				t.Error("the lead the import created is still in the sandbox")
			}
			if ann, ok := leadByEmail(srv, "ann@example.com"); !ok || ann.Fields["FirstName"] != "Ann" {
				t.Errorf("Ann is %+v, want her first name back to Ann", ann)
			}
			u.d.Hide()
			loop.pump(t, "the finished undo in History", func() bool {
				return h.shown == h.loads && len(h.rows) == 2 && h.rows[1].Undone == "undone"
			})
			if h.selectRun(id); !h.undo.Disabled() {
				t.Error("Undo enabled for an import undone")
			}
		})
	}
}
