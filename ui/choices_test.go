package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"leadsheet/importer/fieldtype"
	"leadsheet/importer/job"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/ui/viewmodel"
)

// openCSV writes a CSV file and opens it in a window connected to the
// in-app sandbox, returning once pre-flight has checked it against the
// sandbox's field list.
func openCSV(t *testing.T, opts Options, csv string) (*App, *uiLoop) {
	t.Helper()
	in := filepath.Join(t.TempDir(), "fair.csv")
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.Open = in
	ui, loop := newTestApp(t, opts)
	loop.pump(t, "pre-flight with the account's fields", func() bool {
		c := ui.accounts.conn
		return c != nil && c.fields != nil && ui.sess.pre != nil && ui.mapping.model != nil && ui.mapping.model.Fields != nil
	})
	return ui, loop
}

// repreflight makes a change on the Map step and returns the pre-flight
// it causes.
func repreflight(t *testing.T, ui *App, loop *uiLoop, what string, change func()) *viewmodel.Preflight {
	t.Helper()
	old := ui.sess.pre
	change()
	loop.pump(t, "pre-flight after "+what, func() bool { return ui.sess.pre != nil && ui.sess.pre != old })
	return ui.sess.pre
}

// sentAttribute is the value the first batch sends for one row's field,
// and whether it sends the field at all.
func sentAttribute(t *testing.T, rep *job.Report, email, field string) (marketo.Attribute, bool) {
	t.Helper()
	if rep.First == nil {
		t.Fatalf("no batch to send; problems: %+v", rep.Problems)
	}
	for _, l := range rep.First.Leads {
		if l.Email != email {
			continue
		}
		for _, a := range l.Attributes {
			if a.Name == field {
				return a, true
			}
		}
		return marketo.Attribute{}, false
	}
	t.Fatalf("%s is not in the first batch", email)
	return marketo.Attribute{}, false
}

func hasProblem(pre *viewmodel.Preflight, column, says string) bool {
	for _, pr := range pre.Problems {
		if pr.Column == column && strings.Contains(pr.Message, says) {
			return true
		}
	}
	return false
}

// TestValueChoicesReachTheJob: each choice of the Map step changes what
// pre-flight accepts and what the job would send.
func TestValueChoicesReachTheJob(t *testing.T) {
	ui, loop := openCSV(t, Options{Sandbox: true}, "Email,First Name,Date of Birth,Unsubscribed\n"+
		"anna@example.com,Anna,03/05/2024,yes\n"+
		"bo@example.com,Bo,1990-01-02,x\n"+
		"carl@example.com,Carl,,\n")
	mv := ui.mapping
	pre := ui.sess.pre
	if pre.Invalid != 2 || !hasProblem(pre, "Date of Birth", "03/05/2024") || !hasProblem(pre, "Unsubscribed", "not a yes/no value") {
		t.Fatalf("before any choice: %d invalid, problems %+v; want 03/05/2024 and x refused", pre.Invalid, pre.Problems)
	}

	pre = repreflight(t, ui, loop, "choosing day first", func() { mv.dateOrder.SetSelected(viewmodel.DateOrderLabels[fieldtype.DayFirst]) })
	if pre.Invalid != 1 || hasProblem(pre, "Date of Birth", "03/05/2024") {
		t.Fatalf("day first: %d invalid, problems %+v; want only the x refused", pre.Invalid, pre.Problems)
	}
	if a, _ := sentAttribute(t, pre.Report, "anna@example.com", "dateOfBirth"); a.Value != "2024-05-03" {
		t.Errorf("day first sends 03/05/2024 as %q, want 2024-05-03", a.Value)
	}
	pre = repreflight(t, ui, loop, "choosing month first", func() { mv.dateOrder.SetSelected(viewmodel.DateOrderLabels[fieldtype.MonthFirst]) })
	if a, _ := sentAttribute(t, pre.Report, "anna@example.com", "dateOfBirth"); a.Value != "2024-03-05" {
		t.Errorf("month first sends 03/05/2024 as %q, want 2024-03-05", a.Value)
	}

	// Only the yes/no column offers tick marks; marked, an x is yes and a
	// blank cell is sent as No (in a words column it sends nothing).
	col := indexOf(mv.model.Header.Names, "Unsubscribed")
	for i, tick := range mv.ticks {
		if tick.Visible() != (i == col) {
			t.Errorf("column %q offers tick marks: %v", mv.model.Header.Names[i], tick.Visible())
		}
	}
	if _, sent := sentAttribute(t, pre.Report, "carl@example.com", "unsubscribed"); sent {
		t.Error("a blank yes/no cell is sent from a words column")
	}
	pre = repreflight(t, ui, loop, "marking tick marks", func() { test.Tap(mv.ticks[col]) })
	if pre.Invalid != 0 {
		t.Fatalf("tick marks: %d invalid, problems %+v", pre.Invalid, pre.Problems)
	}
	for email, want := range map[string]string{"anna@example.com": "true", "bo@example.com": "true", "carl@example.com": "false"} {
		if a, sent := sentAttribute(t, pre.Report, email, "unsubscribed"); !sent || a.Value != want {
			t.Errorf("tick marks: %s sends %+v (sent %v), want %s", email, a, sent, want)
		}
	}
	// Mapped elsewhere, the column is no tick column any more.
	pre = repreflight(t, ui, loop, "skipping the column", func() { mv.choosers[col].SetText(viewmodel.LabelSkip) })
	if mv.ticks[col].Visible() || pre.Report.Settings().Mapping.Tick(col) {
		t.Errorf("a skipped column stays a tick column (offered %v)", mv.ticks[col].Visible())
	}

	pre = repreflight(t, ui, loop, "choosing a time zone", func() { mv.zone.SetSelected("America/Chicago (Marketo's default)") })
	if z := pre.Report.Settings().Values.Zone; z == nil || z.String() != "America/Chicago" {
		t.Errorf("zone sent to the job: %v", z)
	}
	if got, want := mv.values.Items[0].Title, "Values · dates like 03/05/2024: month first · times without a zone: America/Chicago"; got != want {
		t.Errorf("the Values group is titled %q, want %q", got, want)
	}

	pre = repreflight(t, ui, loop, "choosing update only", func() { mv.mode.SetSelected(viewmodel.ModeLabels[marketo.UpdateOnly]) })
	if m := pre.Report.Settings().Mode; m != marketo.UpdateOnly || pre.Fatal {
		t.Errorf("mode sent to the job: %v (fatal %v)", m, pre.Fatal)
	}
	// Dedup off: update only cannot work, and the job says why; the
	// choice stays open so it can be taken back, then greys out.
	pre = repreflight(t, ui, loop, "turning dedup off", func() { test.Tap(mv.dedup) })
	if !pre.Fatal || !strings.Contains(pre.Problems[0].Message, "needs dedup on") {
		t.Errorf("update only with dedup off: fatal %v, first problem %+v", pre.Fatal, pre.Problems[0])
	}
	if mv.mode.Disabled() {
		t.Error("the chosen update only cannot be taken back with dedup off")
	}
	pre = repreflight(t, ui, loop, "choosing create or update", func() { mv.mode.SetSelected(viewmodel.ModeLabels[marketo.CreateOrUpdate]) })
	if pre.Fatal || !mv.mode.Disabled() || !mv.choicesNote.Visible() || !strings.Contains(mv.choicesNote.Text, "need dedup on") {
		t.Errorf("create or update with dedup off: fatal %v, mode disabled %v, note %q", pre.Fatal, mv.mode.Disabled(), mv.choicesNote.Text)
	}
	test.Tap(mv.dedup)
	if mv.mode.Disabled() || mv.choicesNote.Visible() {
		t.Errorf("dedup back on: mode disabled %v, note %q", mv.mode.Disabled(), mv.choicesNote.Text)
	}
}

// TestClearBlanksAsksFirst: choosing to clear fields from blank cells asks,
// and nothing changes unless the operator confirms.
func TestClearBlanksAsksFirst(t *testing.T) {
	ui, loop := openCSV(t, Options{Sandbox: true}, "Email,First Name,Phone\nanna@example.com,Anna,\n")
	mv := ui.mapping
	pre := ui.sess.pre
	mv.blanks.SetSelected(viewmodel.BlankClear)
	if mv.askClear == nil || ui.win.Canvas().Overlays().Top() == nil {
		t.Fatal("no question before clearing fields")
	}
	if mv.model.ClearBlanks || ui.sess.pre != pre {
		t.Fatal("clearing applied before it was confirmed")
	}
	ui.dismissTop() // Esc, as the Cancel button
	if mv.askClear != nil || mv.blanks.Selected != viewmodel.BlankLeave || mv.model.ClearBlanks || ui.sess.pre != pre {
		t.Fatalf("after cancel: question %v, shown %q, clear %v, pre-flight re-run %v",
			mv.askClear != nil, mv.blanks.Selected, mv.model.ClearBlanks, ui.sess.pre != pre)
	}
	if _, sent := sentAttribute(t, pre.Report, "anna@example.com", "phone"); sent {
		t.Error("a blank phone is sent while blanks are left alone")
	}

	pre = repreflight(t, ui, loop, "confirming clear", func() {
		mv.blanks.SetSelected(viewmodel.BlankClear)
		mv.askClear.Confirm()
	})
	if !pre.Report.Settings().Mapping.ClearBlanks {
		t.Error("the job was not told to clear blanks")
	}
	if a, sent := sentAttribute(t, pre.Report, "anna@example.com", "phone"); !sent || !a.Clear {
		t.Errorf("the blank phone sends %+v (sent %v), want a clear", a, sent)
	}
	pre = repreflight(t, ui, loop, "leaving blanks alone again", func() { mv.blanks.SetSelected(viewmodel.BlankLeave) })
	if pre.Report.Settings().Mapping.ClearBlanks || mv.askClear != nil {
		t.Errorf("back to leaving blanks: clear %v, asked %v", pre.Report.Settings().Mapping.ClearBlanks, mv.askClear != nil)
	}
}

// TestSOAPAccountGreysOutModeAndPreview: SOAP can neither restrict who is
// changed, nor clear a field, nor keep values already in Marketo, nor look
// rows up for a preview.
func TestSOAPAccountGreysOutModeAndPreview(t *testing.T) {
	srv := marketotest.NewServer(marketotest.DefaultConfig())
	defer srv.Close()
	cfg := srv.Config()
	store := newMemStore()
	if err := store.Save(marketo.Profile{Name: "Acme SOAP", API: marketo.ProfileSOAP,
		SOAP: marketo.SOAPCredentials{Endpoint: srv.SOAPEndpoint(), UserID: cfg.UserID, EncryptionKey: cfg.EncryptionKey}}); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "fair.csv")
	if err := os.WriteFile(in, []byte("Email,First Name\nanna@example.com,Anna\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ui, loop := newTestApp(t, Options{Accounts: store, Open: in})
	ui.accounts.picker.SetSelected("Acme SOAP")
	loop.pump(t, "the plan for the SOAP account", func() bool {
		c := ui.accounts.conn
		return c != nil && c.fields != nil && ui.sync.plan != nil && ui.mapping.model.Fields != nil
	})
	mv := ui.mapping
	if !mv.mode.Disabled() || !mv.blanks.Disabled() || !mv.fill.Disabled() || !strings.Contains(mv.choicesNote.Text, "REST account") ||
		!strings.Contains(mv.choicesNote.Text, "keeping values already in Marketo") {
		t.Errorf("SOAP: mode disabled %v, blanks disabled %v, keeping values disabled %v, note %q",
			mv.mode.Disabled(), mv.blanks.Disabled(), mv.fill.Disabled(), mv.choicesNote.Text)
	}
	// The job refuses it too, should it be chosen anyway.
	mm := *mv.model
	mm.FillEmpty = true
	if pe := ui.file.model.Job().MappingProblem(ui.settings(&mm)); pe == nil || !strings.Contains(pe.Error(), "needs a REST account") {
		t.Errorf("filling empty fields over SOAP: %v", pe)
	}
	ui.show(stepSync)
	if !ui.sync.previewBtn.Disabled() || ui.sync.preview.head.Text != viewmodel.NoPreview {
		t.Errorf("SOAP: preview button disabled %v, preview tab says %q", ui.sync.previewBtn.Disabled(), ui.sync.preview.head.Text)
	}
}
