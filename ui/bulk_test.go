package ui

import (
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"leadsheet/importer/job"
	"leadsheet/marketo/marketotest"
	"leadsheet/ui/viewmodel"
)

// TestBulkChoiceOfferedForLargeSheets: "Send with" is not offered for a
// small sheet; for a sheet of job.BulkHintRows rows on a REST account it
// is, with the Sync step saying what each engine costs, and Bulk Import is
// greyed out, with the reason, while dedup is off.
func TestBulkChoiceOfferedForLargeSheets(t *testing.T) {
	t.Run("small sheet", func(t *testing.T) {
		ui, loop := openCSV(t, Options{Sandbox: true}, leadsCSV(600))
		loop.pump(t, "the quota check", func() bool { return quotaKnown(ui) })
		if ui.mapping.engineRow.Visible() {
			t.Error("Send with is offered for a sheet of 600 rows")
		}
		if ui.sync.bulkHint.Visible() {
			t.Errorf("the Sync step offers Bulk Import for 600 rows: %q", ui.sync.bulkHint.Text)
		}
	})

	ui, loop := openCSV(t, Options{Sandbox: true}, leadsCSV(job.BulkHintRows))
	loop.pump(t, "the quota check", func() bool { return quotaKnown(ui) })
	mv := ui.mapping
	if !mv.engineRow.Visible() || mv.engine.Disabled() || mv.engine.Selected != viewmodel.EngineSync || mv.bulkLimits.Visible() {
		t.Fatalf("%d rows: Send with shown %v, disabled %v, says %q, limits shown %v; want Sync Leads chosen, Bulk Import on offer",
			job.BulkHintRows, mv.engineRow.Visible(), mv.engine.Disabled(), mv.engine.Selected, mv.bulkLimits.Visible())
	}
	if mv.choicesNote.Visible() {
		t.Errorf("the choices note says %q with nothing greyed out", mv.choicesNote.Text)
	}
	ui.show(stepSync)
	hint := ui.sync.bulkHint
	if !hint.Visible() || !strings.Contains(hint.Text, "with Sync Leads") || !strings.Contains(hint.Text, "with Bulk Import") ||
		strings.Contains(hint.Text, "--engine") {
		t.Errorf("the Sync step's hint (shown %v) says %q; want what each engine costs, pointing to the Map step", hint.Visible(), hint.Text)
	}
	if want := fmt.Sprintf("about %d calls with Sync Leads", ui.sync.quota.Calls); !strings.Contains(hint.Text, want) {
		t.Errorf("the hint says %q, want %q as the quota line counts it", hint.Text, want)
	}

	repreflight(t, ui, loop, "turning dedup off", func() { test.Tap(mv.dedup) })
	if !mv.engine.Disabled() || !strings.Contains(mv.choicesNote.Text, "Bulk Import needs dedup on") {
		t.Errorf("dedup off: Send with disabled %v, note %q", mv.engine.Disabled(), mv.choicesNote.Text)
	}
	loop.pump(t, "the quota check", func() bool { return quotaKnown(ui) })
	if ui.sync.bulkHint.Visible() {
		t.Errorf("with dedup off the Sync step offers Bulk Import, which cannot send it: %q", ui.sync.bulkHint.Text)
	}
	repreflight(t, ui, loop, "turning dedup on", func() { test.Tap(mv.dedup) })
	if mv.engine.Disabled() || mv.choicesNote.Visible() {
		t.Errorf("dedup back on: Send with disabled %v, note %q", mv.engine.Disabled(), mv.choicesNote.Text)
	}
}

// TestBulkImportFromTheWindow: with Bulk Import chosen the job is told,
// the Map step says what it gives up and greys out what it cannot send,
// the plan line says how the rows go, and a run ends with every row
// Imported in the table, in Marketo and in the results file.
func TestBulkImportFromTheWindow(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.BulkImportDelay, cfg.BulkRowTime = 0, 0
	rows := job.BulkHintRows
	ui, loop := openCSV(t, Options{Sandbox: true, SandboxConfig: &cfg, BulkPoll: 20 * time.Millisecond}, leadsCSV(rows))
	loop.pump(t, "the quota check", func() bool { return quotaKnown(ui) })
	syncCalls := ui.sync.quota.Calls
	mv := ui.mapping

	pre := repreflight(t, ui, loop, "choosing Bulk Import", func() { mv.engine.SetSelected(viewmodel.EngineBulk) })
	if !pre.Report.Settings().Bulk || pre.Fatal {
		t.Fatalf("Bulk Import sent to the job: %v (fatal %v, problems %+v)", pre.Report.Settings().Bulk, pre.Fatal, pre.Problems)
	}
	if !mv.bulkLimits.Visible() || mv.bulkLimits.Text != job.BulkLimits {
		t.Errorf("Bulk Import chosen: the limits (shown %v) say %q, want job's %q", mv.bulkLimits.Visible(), mv.bulkLimits.Text, job.BulkLimits)
	}
	if !mv.mode.Disabled() || !mv.blanks.Disabled() || !mv.fill.Disabled() || !strings.Contains(mv.choicesNote.Text, "send with Sync Leads") {
		t.Errorf("Bulk Import chosen: mode disabled %v, blanks disabled %v, keeping disabled %v, note %q",
			mv.mode.Disabled(), mv.blanks.Disabled(), mv.fill.Disabled(), mv.choicesNote.Text)
	}

	loop.pump(t, "the plan with its quota", func() bool { return ui.sync.plan != nil && ui.sync.plan.Bulk && quotaKnown(ui) })
	ui.show(stepSync)
	q := ui.sync.quota
	if q.Calls >= syncCalls {
		t.Errorf("Bulk Import is estimated at %d calls, Sync Leads at %d", q.Calls, syncCalls)
	}
	if want := viewmodel.BulkPlanSentence(rows, q.Calls, "Email"); ui.sync.planLabel.Text != want || !strings.Contains(want, "by Bulk Import") {
		t.Errorf("the plan line says %q, want %q", ui.sync.planLabel.Text, want)
	}
	if ui.sync.bulkHint.Visible() {
		t.Errorf("Bulk Import is chosen, yet offered: %q", ui.sync.bulkHint.Text)
	}

	test.Tap(ui.sync.start)
	if !ui.sync.running {
		t.Fatal("the bulk import did not start")
	}
	loop.pump(t, "the bulk import", func() bool { return !ui.sync.running })
	ui.sync.refresh()
	p := ui.sync.model.Progress()
	if p.Totals.Imported != rows || p.Done != rows {
		t.Fatalf("after the bulk import: %+v (stopped: %q)", p.Totals, p.Stopped)
	}
	for _, i := range []int{0, rows / 2, rows - 1} {
		if got := cellText(t, ui.sync, i, colStatus); got != "Imported" {
			t.Errorf("table row %d says %q, want Imported", i, got)
		}
	}
	if want := viewmodel.Count(rows) + " imported"; ui.sync.created.Text != want || !strings.HasPrefix(ui.sync.planLabel.Text, "Done: "+want) {
		t.Errorf("the counter says %q and the plan line %q; want %q", ui.sync.created.Text, ui.sync.planLabel.Text, want)
	}
	// Marketo's word on each file is the run's latest note.
	if !ui.sync.throttle.Visible() || !strings.HasPrefix(ui.sync.throttle.Text, "ⓘ File 1") {
		t.Errorf("the progress note (shown %v) says %q", ui.sync.throttle.Visible(), ui.sync.throttle.Text)
	}

	leads := ui.accounts.sandbox.Leads()
	names := make(map[string]string, len(leads))
	for _, l := range leads {
		names[l.Email] = l.Fields["FirstName"]
	}
	if len(leads) != rows || names["lead0000@example.com"] != "Name0" || names[fmt.Sprintf("lead%04d@example.com", rows-1)] != fmt.Sprintf("Name%d", rows-1) {
		t.Errorf("the sandbox holds %d leads (first %q, last %q), want %d with their first names", len(leads),
			names["lead0000@example.com"], names[fmt.Sprintf("lead%04d@example.com", rows-1)], rows)
	}

	res := ui.sync.resultsPath
	if res == "" || ui.sync.results.Disabled() {
		t.Fatalf("results path %q, Open results disabled %v", res, ui.sync.results.Disabled())
	}
	statuses := resultStatuses(t, res)
	if len(statuses) != rows {
		t.Errorf("the results file has %d data rows, want %d", len(statuses), rows)
	}
	for row, st := range statuses {
		if st != "Imported" {
			t.Fatalf("the results file says %q for row %d, want Imported", st, row)
		}
	}
}

// resultStatuses reads a CSV results file: the Status of each data row,
// by sheet row.
func resultStatuses(t *testing.T, path string) map[int]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	lines, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("read the results: %v", err)
	}
	status := indexOf(lines[0], "Status")
	if status < 0 {
		t.Fatalf("no Status column in the results header %q", lines[0])
	}
	out := make(map[int]string, len(lines)-1)
	for i, l := range lines[1:] {
		out[i+2] = l[status]
	}
	return out
}
