package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"leadsheet/importer/journal"
	"leadsheet/importer/mapping"
	"leadsheet/marketo/marketotest"
	"leadsheet/ui/viewmodel"
)

func TestCanarySendsFirstBatchThenAsks(t *testing.T) {
	ui, loop := newTestApp(t, Options{Sandbox: true})
	waitReady(t, ui, loop)
	ui.show(stepSync)
	test.Tap(ui.sync.canary)
	test.Tap(ui.sync.start)
	loop.pump(t, "the first batch", func() bool { return !ui.sync.running })

	p := ui.sync.model.Progress()
	if p.Totals.Created+p.Totals.Updated != 300 || p.Totals.Waiting != 178 {
		t.Fatalf("after the canary: %+v", p.Totals)
	}
	if ui.sync.ask == nil {
		t.Fatal("no question after the first batch")
	}
	if got := len(ui.accounts.sandbox.Leads()); got != 299 {
		t.Errorf("sandbox holds %d leads after the canary, want 299 (row 35 updates row 4's lead)", got)
	}
	// The first batch alone must not finish the journal: the rest would
	// then start afresh, and a resume would send the first batch again.
	dir, key := ui.dirs().Journals(), journalKeyOf(ui)
	if n, open, err := journal.PeekJournal(dir, key); err != nil || !open || n != 300 {
		t.Errorf("journal after the canary: %d confirmed, open %v, err %v; want 300 in an open journal", n, open, err)
	}
	ui.sync.ask.Confirm()
	loop.pump(t, "the rest", func() bool { return !ui.sync.running })
	p = ui.sync.model.Progress()
	if p.Totals.Created != 477 || p.Totals.Updated != 1 || p.Totals.Waiting != 0 {
		t.Fatalf("after the rest: %+v", p.Totals)
	}
	if n, open, err := journal.PeekJournal(dir, key); err != nil || open {
		t.Errorf("journal after every row was sent: %d confirmed, open %v, err %v; want it finished", n, open, err)
	}
}

// journalKeyOf is the journal key of the file, mapping and account shown.
func journalKeyOf(ui *App) journal.JournalKey {
	f, mm, c := ui.file.model, ui.mapping.model, ui.accounts.conn
	return journal.JournalKey{FileSHA256: f.Job().SHA256(), Sheet: f.Sheet, HeaderRow: f.HeaderRow, Mapping: mm.Mapping,
		API: c.acct.API, Endpoint: c.acct.Endpoint, Dedup: mm.Dedup}
}

// TestRunLocksFileAndAccount: while a run goes, the file, sheet, header
// row and account cannot change, and a mapping edit does not rebuild the
// plan (which would open the journal the run is writing); it is applied
// once the run ends.
func TestRunLocksFileAndAccount(t *testing.T) {
	ui, loop := newTestApp(t, Options{Sandbox: true})
	waitReady(t, ui, loop)
	slowSandbox(ui.accounts.sandbox)
	ui.show(stepSync)
	plan := ui.sync.plan
	test.Tap(ui.sync.start)
	if !ui.sync.running {
		t.Fatal("the run did not start")
	}
	for name, w := range map[string]disableable{"sheet": ui.file.sheet, "header row": ui.file.header, "open": ui.file.openBtn,
		"account": ui.accounts.picker, "accounts": ui.accounts.manage} {
		if !w.Disabled() {
			t.Errorf("%s is usable during a run", name)
		}
	}
	path := ui.file.model.Path
	ui.dropped(fyne.NewPos(1, 1), []fyne.URI{storage.NewFileURI(filepath.Join(t.TempDir(), "other.csv"))})
	if ui.file.busy {
		t.Error("a dropped file is being opened during a run")
	}
	ui.mappingChanged()
	if ui.sync.plan != plan {
		t.Error("the plan was rebuilt during a run")
	}
	ui.accounts.sandbox.Configure(func(c *marketotest.Config) { c.Latency = 0 })
	loop.pump(t, "the run to end", func() bool { return !ui.sync.running })
	if ui.file.model.Path != path {
		t.Errorf("file changed to %s during the run", ui.file.model.Path)
	}
	if ui.sync.plan == plan {
		t.Error("the mapping edit made during the run was not applied after it")
	}
	if ui.file.sheet.Disabled() || ui.accounts.picker.Disabled() {
		t.Error("the file and account stay locked after the run")
	}
}

// slowSandbox makes every sandbox call take a while, so a run can be
// cancelled halfway.
func slowSandbox(srv *marketotest.Server) {
	srv.Configure(func(c *marketotest.Config) { c.Latency = 400 * time.Millisecond })
}

func TestCancelThenRetryAndResume(t *testing.T) {
	ui, loop := newTestApp(t, Options{Sandbox: true})
	waitReady(t, ui, loop)
	srv := ui.accounts.sandbox
	slowSandbox(srv)
	ui.mapping.batch.SetSelected("50")
	loop.pump(t, "the plan with batches of 50", func() bool { return ui.sync.plan != nil && ui.sync.plan.Batches == 10 && quotaKnown(ui) })

	ui.show(stepSync)
	test.Tap(ui.sync.start)
	loop.pump(t, "some rows confirmed", func() bool {
		ui.sync.refresh()
		t := ui.sync.model.Progress().Totals
		return t.Created > 0
	})
	test.Tap(ui.sync.cancelBtn)
	loop.pump(t, "the run to stop", func() bool { return !ui.sync.running })
	p := ui.sync.model.Progress()
	if p.Totals.NotSent == 0 || p.Totals.Waiting != 0 || p.Totals.Sending != 0 {
		t.Fatalf("after cancel: %+v (every row must end in a final state)", p.Totals)
	}
	if ui.sync.retry.Disabled() {
		t.Fatal("Retry is disabled with rows not sent")
	}

	// Opening the same file again offers to continue from the journal.
	ui.file.open(ui.file.model.Path, "")
	loop.pump(t, "the resume offer", func() bool { return ui.sync.ask != nil })
	srv.Configure(func(c *marketotest.Config) { c.Latency = 0 })
	ui.sync.ask.Confirm()
	loop.pump(t, "the resumed run", func() bool { return !ui.sync.running && ui.sync.model.Progress().Finished })
	p = ui.sync.model.Progress()
	if p.Totals.Created != 477 || p.Totals.Updated != 1 || p.Totals.NotSent != 0 || p.Totals.Skipped != 2 {
		t.Fatalf("after resume: %+v", p.Totals)
	}
	if got := len(srv.Leads()); got != 477 {
		t.Errorf("sandbox holds %d leads, want 477: a confirmed row was sent twice", got)
	}
}

func TestMapChooserSearchesFields(t *testing.T) {
	ui, loop := newTestApp(t, Options{Sandbox: true})
	waitReady(t, ui, loop)
	mv := ui.mapping
	col := indexOf(mv.model.Header.Names, "Badge No.")
	c := mv.choosers[col]
	c.SetText("")
	test.Type(c, "mobile")
	if opts := mv.offered[col]; len(opts) == 0 || len(opts) > 3 {
		t.Fatalf("typing narrowed the list to %q", opts)
	}
	choice := mv.offered[col][0]
	c.SetText(choice)
	if got := mv.model.Label(col); got != choice {
		t.Errorf("column maps to %q after choosing %q", got, choice)
	}
	if mv.badges[col].Text != "set by you" {
		t.Errorf("badge %q", mv.badges[col].Text)
	}
	// Turning dedup off shows the warning and changes the plan.
	test.Tap(mv.dedup)
	if !mv.dedupWarn.Visible() || mv.dedupWarn.Text != "⚠ "+viewmodel.DedupWarning {
		t.Errorf("dedup warning %q visible=%v", mv.dedupWarn.Text, mv.dedupWarn.Visible())
	}
	loop.pump(t, "pre-flight to run again with dedup off", func() bool { return ui.sync.plan != nil && !ui.sync.plan.Dedup })
}

func TestEscapeClosesDialogs(t *testing.T) {
	ui, _ := newTestApp(t, Options{})
	c := ui.win.Canvas()
	ui.showAbout()
	ui.accounts.showDialog()
	if len(ui.dialogs) != 2 || c.Overlays().Top() == nil {
		t.Fatalf("%d dialogs open", len(ui.dialogs))
	}
	esc := &fyne.KeyEvent{Name: fyne.KeyEscape}
	c.OnTypedKey()(esc)
	c.OnTypedKey()(esc)
	if len(ui.dialogs) != 0 || c.Overlays().Top() != nil {
		t.Errorf("%d dialogs still open after Esc twice", len(ui.dialogs))
	}
}

func TestDropOpensWorkbook(t *testing.T) {
	ui, loop := newTestApp(t, Options{})
	ui.show(stepSync)
	path := filepath.Join(t.TempDir(), "dropped.csv")
	csv := "Email,First Name\n" + strings.Repeat("anna@example.com,Anna\n", 104) + "li@example.cn,Li,met at booth 4\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	ui.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(path)})
	loop.pump(t, "the dropped file to open", func() bool { return ui.file.model != nil && ui.sess.preFor != nil })
	if ui.current != stepFile || ui.file.model.DataRows != 105 || !strings.HasPrefix(ui.win.Title(), "Leadsheet — dropped.csv") {
		t.Errorf("step %d, %d rows, title %q", ui.current, ui.file.model.DataRows, ui.win.Title())
	}
	// A value far below, outside the header's columns, is not dropped
	// silently: the File step says so.
	if !ui.file.notes.Visible() || !strings.Contains(ui.file.notes.Text, "without a header") {
		t.Errorf("notes %q", ui.file.notes.Text)
	}
	if got := viewmodel.RecentFiles(ui.fyne.Preferences()); len(got) != 1 || got[0] != path {
		t.Errorf("recent files %q", got)
	}
}

func TestPresetRecalledForSameHeaders(t *testing.T) {
	ui, loop := newTestApp(t, Options{Sandbox: true})
	waitReady(t, ui, loop)
	mv := ui.mapping
	col := indexOf(mv.model.Header.Names, "Badge No.")
	mv.choosers[col].SetText(mv.model.Search("mobile")[0])
	mv.batch.SetSelected("100")
	if _, err := mapping.SavePreset(mv.presetDir(), mv.model.Preset("Booth scans")); err != nil {
		t.Fatal(err)
	}

	// Opening the file again recalls the saved mapping, not the automatic one.
	before := mv.model
	ui.file.open(ui.file.model.Path, "")
	loop.pump(t, "the file to reopen", func() bool { return ui.sync.plan != nil && ui.mapping.model != before })
	m := ui.mapping.model
	if m.PresetName != "Booth scans" || m.BatchSize != 100 || m.Label(col) == viewmodel.LabelSkip {
		t.Errorf("recalled: preset %q, batch %d, Badge No. -> %q", m.PresetName, m.BatchSize, m.Label(col))
	}
	if !strings.Contains(ui.mapping.presetNote.Text, "Booth scans") || ui.sync.plan.Batches != 5 {
		t.Errorf("note %q, %d batches", ui.mapping.presetNote.Text, ui.sync.plan.Batches)
	}
}

func TestNoAccountBlocksStart(t *testing.T) {
	ui, loop := newTestApp(t, Options{})
	path := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(path, []byte("Email\nanna@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ui.file.open(path, "")
	loop.pump(t, "the plan", func() bool { return ui.sync.plan != nil })
	ui.show(stepSync)
	if !ui.sync.start.Disabled() || !strings.HasPrefix(ui.sync.planLabel.Text, "Choose a Marketo account") {
		t.Errorf("start disabled=%v, line %q", ui.sync.start.Disabled(), ui.sync.planLabel.Text)
	}
}

func TestEscapeInTextFieldCancelsDialog(t *testing.T) {
	ui, _ := newTestApp(t, Options{})
	f := ui.accounts.showDialog()
	test.Type(f.name, "acme")
	f.name.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if len(ui.dialogs) != 0 || ui.win.Canvas().Overlays().Top() != nil {
		t.Errorf("%d dialogs open after Esc in a text field", len(ui.dialogs))
	}
}
