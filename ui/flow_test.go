package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/xuri/excelize/v2"

	"leadsheet/ui/viewmodel"
)

// newTestApp starts the window on the test driver with its storage in a
// fresh temporary folder (presets, journals, the sample copy).
func newTestApp(t testing.TB, opts Options) (*App, *uiLoop) {
	t.Helper()
	t.Setenv("TMPDIR", t.TempDir())
	a := test.NewTempApp(t)
	loop := newUILoop()
	opts.Do = loop.do
	opts.KeepTheme = true
	if opts.Version == "" {
		opts.Version = "0.0.0-test"
	}
	ui := New(a, opts)
	t.Cleanup(ui.Close)
	ui.win.Resize(fyne.NewSize(1180, 760))
	return ui, loop
}

// waitReady pumps until the sample is open, read, mapped against the
// connected Marketo's fields and planned, with the plan's quota checked.
func waitReady(t testing.TB, ui *App, loop *uiLoop) {
	t.Helper()
	loop.pump(t, "the sample to be read and mapped", func() bool {
		c := ui.accounts.conn
		return ui.sync.plan != nil && c != nil && c.fields != nil && ui.mapping.model != nil && ui.mapping.model.Fields != nil && quotaKnown(ui)
	})
}

func TestFullFlowWithSandbox(t *testing.T) {
	ui, loop := newTestApp(t, Options{Sandbox: true})
	waitReady(t, ui, loop)

	if got, want := ui.win.Title(), "Leadsheet — sample-leads.xlsx · Leads"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	f := ui.file.model
	if f.HeaderRow != 3 || f.Detected != 3 {
		t.Errorf("header row = %d (detected %d), want 3 below the title", f.HeaderRow, f.Detected)
	}

	// Map: the e-mail column is the key, matched with confidence.
	mm := ui.mapping.model
	col := indexOf(mm.Header.Names, "E-mail")
	if col < 0 || mm.Label(col) != viewmodel.LabelEmail || mm.Badge(col) == "" {
		t.Fatalf("E-mail column maps to %q (%q), want %q with a confidence badge", mm.Label(col), mm.Badge(col), viewmodel.LabelEmail)
	}
	if badge := mm.Badge(indexOf(mm.Header.Names, "Badge No.")); badge != "" || mm.Label(indexOf(mm.Header.Names, "Badge No.")) != viewmodel.LabelSkip {
		t.Errorf("Badge No. should be skipped, got %q", mm.Label(indexOf(mm.Header.Names, "Badge No.")))
	}
	pre := ui.sess.pre
	if pre.Invalid != 2 || pre.Warned != 1 {
		t.Errorf("pre-flight: %d invalid, %d warned; want 2 (non-ASCII email, no key) and 1 (repeated email)", pre.Invalid, pre.Warned)
	}
	if !strings.Contains(ui.sync.planLabel.Text, "Sync 478 rows in 2 batches, dedup on") {
		t.Errorf("start line = %q", ui.sync.planLabel.Text)
	}

	// Sync.
	ui.show(stepSync)
	test.Tap(ui.sync.start)
	loop.pump(t, "the sync to finish", func() bool { return !ui.sync.running })
	p := ui.sync.model.Progress()
	if p.Totals.Created != 477 || p.Totals.Updated != 1 || p.Totals.Skipped != 2 || p.Totals.Waiting+p.Totals.Sending+p.Totals.Failed+p.Totals.NotSent != 0 {
		t.Fatalf("final totals: %+v", p.Totals)
	}
	if got := ui.sync.planLabel.Text; !strings.HasPrefix(got, "Done: 477 created · 1 updated · 2 invalid") {
		t.Errorf("summary = %q", got)
	}
	// The table shows each row's final state: the first data row (4) is
	// created with a lead id, row 11 (non-ASCII email) is invalid.
	if got := cellText(t, ui.sync, 0, colStatus); got != "Created" {
		t.Errorf("row 4 status cell = %q", got)
	}
	if got := cellText(t, ui.sync, 0, colLeadID); got == "" {
		t.Error("row 4 has no lead id in the table")
	}
	ui.sync.filter.SetSelected("Only rows that need attention")
	if n := ui.sync.rowCount(); n != 2 {
		t.Errorf("problems-only filter shows %d rows, want 2", n)
	}
	if got := cellText(t, ui.sync, 0, colStatus); got != "Invalid (not sent)" {
		t.Errorf("first problem row status = %q", got)
	}

	// Results: a new workbook beside the input with the outcome per row.
	res := ui.sync.resultsPath
	if res == "" || res == f.Path || filepath.Dir(res) != filepath.Dir(f.Path) {
		t.Fatalf("results path %q (input %q)", res, f.Path)
	}
	if ui.sync.results.Disabled() {
		t.Error("Open results is disabled after the run")
	}
	checkResults(t, res, map[int]string{4: "created", 11: "invalid", 23: "invalid", 35: "updated"})
}

// checkResults reads the results workbook back and checks the status of
// some rows (case-insensitive prefix of the Status column).
func checkResults(t *testing.T, path string, want map[int]string) {
	t.Helper()
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("open results: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows("Leads")
	if err != nil {
		t.Fatal(err)
	}
	header := rows[2]
	status := indexOf(header, "Status")
	if status < 0 {
		t.Fatalf("no Status column in results header %q", header)
	}
	for row, w := range want {
		cells := rows[row-1]
		if status >= len(cells) || !strings.HasPrefix(strings.ToLower(cells[status]), w) {
			t.Errorf("results row %d: %q, want %s", row, cells, w)
		}
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// cellText fills a table cell the way the table does and returns its text.
func cellText(t *testing.T, v *syncView, row, col int) string {
	t.Helper()
	c := newStatusCell()
	if row >= v.rowCount() {
		t.Fatalf("row %d beyond the table (%d rows)", row, v.rowCount())
	}
	v.updateCell(c, v.modelIndex(row), col)
	return c.label.Text
}

func TestOpenUnreadableFile(t *testing.T) {
	ui, loop := newTestApp(t, Options{})
	path := filepath.Join(t.TempDir(), "leads.xlsx")
	if err := os.WriteFile(path, []byte("<html><body>not a workbook</body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	ui.file.open(path, "")
	loop.pump(t, "the open to fail", func() bool { return !ui.file.busy })
	msg := ui.file.message.Text
	if !strings.Contains(msg, "could not read leads.xlsx") || !strings.Contains(msg, "not a real workbook") || ui.file.model != nil {
		t.Errorf("message = %q", msg)
	}
	if !ui.file.next.Disabled() {
		t.Error("Next is enabled without a file")
	}
}

func TestEncryptedWorkbookAsksForPassword(t *testing.T) {
	ui, loop := newTestApp(t, Options{})
	path := filepath.Join(t.TempDir(), "secret.xlsx")
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"Email", "First Name"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"anna@example.com", "Anna"})
	if err := x.SaveAs(path, excelize.Options{Password: "tradeshow"}); err != nil {
		t.Fatal(err)
	}
	ui.file.open(path, "")
	loop.pump(t, "the password prompt", func() bool { return !ui.file.busy })
	c := ui.win.Canvas()
	if c.Overlays().Top() == nil || ui.file.password == nil {
		t.Fatal("no password dialog")
	}
	entry := c.Focused()
	if entry == nil {
		t.Fatal("the password field has no focus")
	}
	test.Type(entry, "tradeshow")
	ui.file.password.Submit()
	loop.pump(t, "the workbook to open", func() bool { return ui.file.model != nil })
	if got := ui.file.model.Header.Names; len(got) != 2 || got[0] != "Email" {
		t.Errorf("header = %q", got)
	}
}
