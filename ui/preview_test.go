package ui

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/ui/viewmodel"
)

// previewCell fills a cell of the preview table the way the table does.
func previewCell(t *testing.T, v *previewView, row, col int) string {
	t.Helper()
	if row >= len(v.view) {
		t.Fatalf("row %d beyond the preview list (%d rows)", row, len(v.view))
	}
	l := widget.NewLabel("")
	v.table.UpdateCell(widget.TableCellID{Row: row, Col: col}, l)
	return l.Text
}

// runPreview taps the preview button and waits for the preview to end.
func runPreview(t *testing.T, ui *App, loop *uiLoop) *previewView {
	t.Helper()
	pv := ui.sync.preview
	test.Tap(ui.sync.previewBtn)
	if !pv.running() {
		t.Fatal("the preview did not start")
	}
	if !ui.sync.start.Disabled() {
		t.Error("Start is usable while the preview reads the file")
	}
	loop.pump(t, "the preview to end", func() bool { return !pv.running() && pv.model.Ended() })
	return pv
}

// TestPreviewShowsWhatStartWouldDo: against a sandbox holding two of the
// sheet's people, the preview counts who is created, updated, unchanged
// and repeated, shows the update's old → new values, and leaves Marketo
// as it was. A setting changed afterwards marks it out of date.
func TestPreviewShowsWhatStartWouldDo(t *testing.T) {
	ui, loop := openCSV(t, Options{Sandbox: true}, "Email,First Name,City\n"+
		"anna@example.com,Annie,Berlin\n"+ // in Marketo as Anna, no city: updated
		"bo@example.com,Bo,Oslo\n"+ // not in Marketo: created
		"carl@example.com,Carl,Rome\n"+ // in Marketo as is: unchanged
		"anna@example.com,Annie,Berlin\n") // the same person again
	srv := ui.accounts.sandbox
	seed := []marketo.Lead{
		{Email: "anna@example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "Anna"}}},
		{Email: "carl@example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "Carl"}, {Name: "city", Value: "Rome"}}},
	}
	if _, err := ui.accounts.conn.client.SyncLeads(context.Background(), seed, true); err != nil {
		t.Fatal(err)
	}
	before, stats := srv.Leads(), srv.Stats()

	ui.show(stepSync)
	if got := ui.sync.previewBtn.Text; got != "Preview changes (1 call)" {
		t.Errorf("preview button %q, want its cost: one lookup for one batch", got)
	}
	pv := runPreview(t, ui, loop)
	if ui.sync.tabs.Selected() != ui.sync.previewTab {
		t.Error("the Preview tab is not shown")
	}
	if got, want := pv.head.Text, "Preview: 1 to create, 1 to update, 1 unchanged, 0 left alone, 1 repeating an earlier row (1 call)"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if n := len(pv.view); n != 4 {
		t.Errorf("the list shows %d rows, want 4", n)
	}

	pv.filterGroup.SetSelected(viewmodel.PreviewFilterLabels[viewmodel.PreviewUpdate])
	if n := len(pv.view); n != 1 {
		t.Fatalf("Will update shows %d rows, want 1", n)
	}
	if got := previewCell(t, pv, 0, pcolRow); got != "2" {
		t.Errorf("the update is row %s, want 2", got)
	}
	if got := previewCell(t, pv, 0, pcolKey); got != "anna@example.com" {
		t.Errorf("the update's key %q", got)
	}
	if got := previewCell(t, pv, 0, pcolWhat); !strings.HasPrefix(got, "Update lead ") || !strings.HasSuffix(got, ": 2 field(s) change") {
		t.Errorf("the update says %q", got)
	}
	if got, want := previewCell(t, pv, 0, pcolChanges), "firstName: “Anna” → “Annie” · city: empty → “Berlin”"; got != want {
		t.Errorf("changes %q, want %q", got, want)
	}
	pv.table.Select(widget.TableCellID{Row: 0, Col: pcolWhat})
	if !pv.detail.Visible() || !strings.Contains(pv.detail.Text, "\nfirstName: “Anna” → “Annie”\ncity: empty → “Berlin”") {
		t.Errorf("detail %q", pv.detail.Text)
	}
	pv.filterGroup.SetSelected(viewmodel.PreviewFilterLabels[viewmodel.PreviewRepeats])
	if n := len(pv.view); n != 1 {
		t.Fatalf("Repeats lists %d rows, want 1", n)
	}
	if row, what := previewCell(t, pv, 0, pcolRow), previewCell(t, pv, 0, pcolWhat); row != "5" || !strings.Contains(what, "row 2") {
		t.Errorf("the repeat is row %s, saying %q; want row 5, the same person as row 2", row, what)
	}

	if after := srv.Leads(); !reflect.DeepEqual(after, before) {
		t.Errorf("the preview changed Marketo:\nbefore %+v\nafter  %+v", before, after)
	}
	if s := srv.Stats(); s.LeadsCreated != stats.LeadsCreated || s.LeadsUpdated != stats.LeadsUpdated {
		t.Errorf("the preview created %d and updated %d leads", s.LeadsCreated-stats.LeadsCreated, s.LeadsUpdated-stats.LeadsUpdated)
	}

	// A setting changed after the preview: it no longer shows what Start
	// sends, until it is run again with the new setting.
	repreflight(t, ui, loop, "choosing update only", func() {
		ui.mapping.mode.SetSelected(viewmodel.ModeLabels[marketo.UpdateOnly])
	})
	loop.pump(t, "the new plan", func() bool { return ui.sync.plan != nil })
	if !pv.note.Visible() || !strings.HasPrefix(pv.note.Text, "Out of date: ") {
		t.Errorf("after a settings change the preview note is %q", pv.note.Text)
	}
	pv = runPreview(t, ui, loop)
	if got, want := pv.head.Text, "Preview: 0 to create, 1 to update, 1 unchanged, 1 left alone, 1 repeating an earlier row (1 call)"; got != want {
		t.Errorf("update only: summary %q, want %q", got, want)
	}
	if pv.note.Visible() {
		t.Errorf("the new preview is marked %q", pv.note.Text)
	}
	if after := srv.Leads(); !reflect.DeepEqual(after, before) {
		t.Error("the second preview changed Marketo")
	}
}

// TestPreviewStopsAndStartWaits: a preview can be stopped; Start waits
// for it, and a sync run marks it out of date.
func TestPreviewStopsAndStartWaits(t *testing.T) {
	ui, loop := newTestApp(t, Options{Sandbox: true})
	waitReady(t, ui, loop)
	// Lookups that never answer: only the stop can end this preview.
	ui.accounts.sandbox.Configure(func(c *marketotest.Config) { c.Latency = time.Hour })
	ui.show(stepSync)
	pv := ui.sync.preview
	test.Tap(ui.sync.previewBtn)
	if ui.sync.previewBtn.Text != "Stop preview" || !ui.sync.start.Disabled() {
		t.Fatalf("while previewing: button %q, Start disabled %v", ui.sync.previewBtn.Text, ui.sync.start.Disabled())
	}
	ui.sync.onStart() // Ctrl+Enter
	if ui.sync.running {
		t.Fatal("a sync started while the preview reads the file")
	}
	test.Tap(ui.sync.previewBtn)
	loop.pump(t, "the preview to stop", func() bool { return !pv.running() })
	if !strings.HasPrefix(pv.head.Text, "Preview stopped after ") || ui.sync.start.Disabled() {
		t.Errorf("stopped: head %q, Start disabled %v", pv.head.Text, ui.sync.start.Disabled())
	}
	if n := len(ui.accounts.sandbox.Leads()); n != 0 {
		t.Errorf("the preview stored %d leads", n)
	}

	ui.accounts.sandbox.Configure(func(c *marketotest.Config) { c.Latency = 0 })
	test.Tap(ui.sync.start)
	if ui.sync.tabs.Selected() != ui.sync.rowsTab || !strings.Contains(pv.note.Text, "a sync ran after this preview") {
		t.Errorf("after Start: tab %q, preview note %q", ui.sync.tabs.Selected().Text, pv.note.Text)
	}
	loop.pump(t, "the sync", func() bool { return !ui.sync.running })
}
