package viewmodel

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/history"
	"leadsheet/importer/job"
	"leadsheet/importer/run"
	"leadsheet/importer/sheet"
)

var t0 = time.Date(2026, 6, 12, 9, 30, 0, 0, time.UTC)

func saveRuns(t *testing.T, store history.Store, runs ...history.Run) {
	t.Helper()
	for _, r := range runs {
		if err := store.Save(r); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(entries []HistoryEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Run.ID)
	}
	return out
}

// TestLoadHistoryMatchesFileOrAccount: the one filter entry matches a
// run by its file name or by its account's name or address, lists it
// once whichever matched, newest first; and the entries say whether the
// files are still there, and carry an undo filtered out of the list.
func TestLoadHistoryMatchesFileOrAccount(t *testing.T) {
	dir := t.TempDir()
	store := history.Store{Dir: filepath.Join(dir, "history")}
	results := filepath.Join(dir, "acme-june-results.xlsx")
	if err := os.WriteFile(results, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	saveRuns(t, store,
		history.Run{ID: "r1", Kind: history.KindImport, File: "/in/leads-june.xlsx", Account: "Acme prod", Endpoint: "https://111-AAA-111.mktorest.com/rest",
			Started: t0, Results: results, UndoneBy: "r1-undo"},
		history.Run{ID: "r2", Kind: history.KindImport, File: "/in/other.csv", Endpoint: "https://123-ABC-456.mktorest.com/rest", Started: t0.Add(time.Hour)},
		history.Run{ID: "r3", Kind: history.KindImport, File: "/in/acme-list.xlsx", Account: "Sandbox", Started: t0.Add(2 * time.Hour)},
		history.Run{ID: "r1-undo", Kind: history.KindUndo, UndoOf: "r1", File: "/in/leads-june.xlsx", Account: "Other name", Started: t0.Add(3 * time.Hour),
			Outcome: "finished: 1 restored, 0 deleted, 0 removed from lists"},
	)
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"", []string{"r1-undo", "r3", "r2", "r1"}},
		{"acme", []string{"r3", "r1"}}, // r3 by its file, r1 by its account: each once
		{"  ACME  ", []string{"r3", "r1"}},
		{"123-abc", []string{"r2"}}, // the address, capitals aside
		{"june", []string{"r1-undo", "r1"}},
		{"sandbox", []string{"r3"}},
		{"nobody", nil},
	} {
		got, err := LoadHistory(store, tt.query)
		if err != nil {
			t.Fatalf("%q: %v", tt.query, err)
		}
		if !slices.Equal(ids(got), tt.want) {
			t.Errorf("%q lists %v, want %v", tt.query, ids(got), tt.want)
		}
	}
	got, err := LoadHistory(store, "sandbox acme prod")
	if err != nil || len(got) != 0 {
		t.Errorf("a query matching neither lists %v (%v)", ids(got), err)
	}
	got, err = LoadHistory(store, "acme prod")
	if err != nil || len(got) != 1 {
		t.Fatalf("acme prod: %v, %v", ids(got), err)
	}
	if e := got[0]; !e.ResultsThere || e.FileThere || e.Undo == nil || e.Undo.ID != "r1-undo" {
		t.Errorf("entry %+v: want its results there, its file gone and its undo read though filtered out", e)
	}
	if e, _ := LoadHistory(history.Store{Dir: filepath.Join(dir, "none")}, ""); len(e) != 0 {
		t.Errorf("a missing history folder lists %v", ids(e))
	}
}

// TestLoadHistoryKeepsWhatItCanRead: a damaged record is reported with
// the runs that could be read.
func TestLoadHistoryKeepsWhatItCanRead(t *testing.T) {
	store := history.Store{Dir: t.TempDir()}
	saveRuns(t, store, history.Run{ID: "good", Kind: history.KindImport, File: "/in/a.csv", Started: t0})
	if err := os.WriteFile(filepath.Join(store.Dir, "bad.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadHistory(store, "")
	if err == nil || !slices.Equal(ids(got), []string{"good"}) {
		t.Errorf("got %v, %v; want the good run and an error", ids(got), err)
	}
	if msg := HistoryTrouble(err); !strings.HasPrefix(msg, "Some of the history could not be read: ") || !strings.Contains(msg, "bad") {
		t.Errorf("trouble note %q", msg)
	}
}

func TestHistoryRows(t *testing.T) {
	loc := time.FixedZone("CEST", 2*3600)
	totals := importer.Totals{Created: 2, Updated: 1}
	finishedUndo := history.Run{ID: "a-undo", Kind: history.KindUndo, UndoOf: "a", Outcome: "finished: 1 restored, 2 deleted, 0 removed from lists"}
	stoppedUndo := history.Run{ID: "b-undo", Kind: history.KindUndo, UndoOf: "b", Outcome: "stopped: 0 restored, 1 deleted, 0 removed from lists"}
	for _, tt := range []struct {
		name    string
		entry   HistoryEntry
		outcome string
		undone  string
	}{
		{"finished", HistoryEntry{Run: history.Run{Kind: history.KindImport, Outcome: history.OutcomeFinished, Totals: totals}},
			"finished: 3 rows: 2 created, 1 updated, 0 failed, 0 invalid, 0 not sent", ""},
		{"stopped", HistoryEntry{Run: history.Run{Kind: history.KindImport, Outcome: "stopped: 3 rows: 1 created, 0 updated, 0 failed, 0 invalid, 2 not sent"}},
			"stopped: 3 rows: 1 created, 0 updated, 0 failed, 0 invalid, 2 not sent", ""},
		{"unfinished", HistoryEntry{Run: history.Run{Kind: history.KindImport, Outcome: "unfinished: 3 rows: 2 created, 0 updated, 1 failed, 0 invalid, 0 not sent"}},
			"unfinished: 3 rows: 2 created, 0 updated, 1 failed, 0 invalid, 0 not sent", ""},
		{"killed import", HistoryEntry{Run: history.Run{Kind: history.KindImport}},
			"not ended: still running, or killed; open it again to resume it", ""},
		{"killed undo", HistoryEntry{Run: history.Run{Kind: history.KindUndo, UndoOf: "x"}},
			"undo of x: not ended: still running, or killed; undo the import again to finish it", ""},
		{"undo", HistoryEntry{Run: finishedUndo}, "undo of a: finished: 1 restored, 2 deleted, 0 removed from lists", ""},
		{"undone", HistoryEntry{Run: history.Run{Kind: history.KindImport, Outcome: history.OutcomeFinished, UndoneBy: "a-undo"}, Undo: &finishedUndo},
			"finished: 0 rows: 0 created, 0 updated, 0 failed, 0 invalid, 0 not sent", "undone"},
		{"undo stopped", HistoryEntry{Run: history.Run{Kind: history.KindImport, Outcome: history.OutcomeFinished, UndoneBy: "b-undo"}, Undo: &stoppedUndo},
			"finished: 0 rows: 0 created, 0 updated, 0 failed, 0 invalid, 0 not sent", "undo not finished"},
		{"undo unreadable", HistoryEntry{Run: history.Run{Kind: history.KindImport, Outcome: history.OutcomeFinished, UndoneBy: "c-undo"}},
			"finished: 0 rows: 0 created, 0 updated, 0 failed, 0 invalid, 0 not sent", "undone"},
	} {
		tt.entry.Run.ID, tt.entry.Run.File, tt.entry.Run.Started = "id", "/in/june leads.xlsx", t0
		tt.entry.Run.Endpoint = "https://111-AAA-111.mktorest.com/rest"
		r := HistoryRows([]HistoryEntry{tt.entry}, loc)[0]
		if r.Outcome != tt.outcome || r.Undone != tt.undone {
			t.Errorf("%s: outcome %q, undone %q; want %q, %q", tt.name, r.Outcome, r.Undone, tt.outcome, tt.undone)
		}
		cells := []string{r.Cell(0), r.Cell(1), r.Cell(2)}
		if want := []string{"2026-06-12 11:30", "june leads.xlsx", "https://111-AAA-111.mktorest.com/rest"}; !slices.Equal(cells, want) {
			t.Errorf("%s: cells %q, want %q", tt.name, cells, want)
		}
	}
	if r := HistoryRows([]HistoryEntry{{Run: history.Run{Account: "Acme", Endpoint: "https://x/rest"}}}, time.UTC)[0]; r.Account != "Acme" {
		t.Errorf("account column %q, want the saved name", r.Account)
	}
}

func detailMap(ds []Detail) map[string]string {
	m := map[string]string{}
	for _, d := range ds {
		m[d.Label] = d.Value
	}
	return m
}

// TestRunDetails: the facts `leadsheet history show` prints, in the
// window's words; empty ones left out.
func TestRunDetails(t *testing.T) {
	r := history.Run{ID: "r1", Kind: history.KindImport, File: "/in/leads.xlsx", FileSHA256: "abc", Sheet: "Leads", HeaderRow: 3,
		Account: "Acme", API: "rest", Endpoint: "https://x/rest", Dedup: true, List: "June fair",
		Started: t0, Ended: t0.Add(90 * time.Second), Outcome: history.OutcomeFinished, Totals: importer.Totals{Created: 1},
		Results: "/in/leads-results.xlsx", User: "pat on desk-7", Frontend: "leadsheet sync", Undoable: true, UndoneBy: "r1-undo"}
	got := detailMap(RunDetails(r, time.UTC))
	for k, want := range map[string]string{
		"Run":        "r1 (import)",
		"Sheet":      "Leads",
		"Header row": "3",
		"Account":    "Acme (REST, https://x/rest)",
		"Dedup":      "on",
		"List":       "June fair",
		"Started":    "2026-06-12 09:30:00",
		"Ended":      "2026-06-12 09:31:30",
		"Outcome":    "finished: 1 rows: 1 created, 0 updated, 0 failed, 0 invalid, 0 not sent (undone: r1-undo)",
		"Results":    "/in/leads-results.xlsx",
		"By":         "pat on desk-7, leadsheet sync",
		"Undo":       "possible: Undo… takes it back",
	} {
		if got[k] != want {
			t.Errorf("%s: %q, want %q", k, got[k], want)
		}
	}
	for _, k := range []string{"Program", "Failures", "Settings"} {
		if v, ok := got[k]; ok {
			t.Errorf("empty %s shown as %q", k, v)
		}
	}
	soap := detailMap(RunDetails(history.Run{ID: "s", Kind: history.KindImport, API: "soap", Started: t0}, time.UTC))
	if soap["Undo"] != "not possible: it was not sent through REST Sync Leads" || soap["Ended"] != "" {
		t.Errorf("SOAP run: undo %q, ended %q", soap["Undo"], soap["Ended"])
	}
	undo := detailMap(RunDetails(history.Run{ID: "r1-undo", Kind: history.KindUndo, UndoOf: "r1", Started: t0}, time.UTC))
	if _, ok := undo["Undo"]; ok || undo["Dedup"] != "" {
		t.Errorf("an undo's details %v: no Undo line, no Dedup", undo)
	}
}

// TestActionsFor: which of the History page's buttons a run allows, and
// the reason given for each it does not.
func TestActionsFor(t *testing.T) {
	finishedUndo := &history.Run{ID: "x-undo", Kind: history.KindUndo, Outcome: "finished: 0 restored, 1 deleted, 0 removed from lists"}
	stoppedUndo := &history.Run{ID: "x-undo", Kind: history.KindUndo, Outcome: "stopped: 0 restored, 0 deleted, 0 removed from lists"}
	unfinishedUndo := &history.Run{ID: "x-undo", Kind: history.KindUndo, Outcome: "0 restored, 0 deleted, 0 removed from lists, 1 failed"}
	imp := func(outcome string, undoable bool, undoneBy string) history.Run {
		return history.Run{ID: "x", Kind: history.KindImport, File: "/in/x.csv", Outcome: outcome, Undoable: undoable, UndoneBy: undoneBy}
	}
	for _, tt := range []struct {
		name                 string
		entry                HistoryEntry
		busy                 bool
		results, again, undo bool
		undoLabel, why       string
	}{
		{"finished, undoable", HistoryEntry{Run: imp("finished", true, ""), FileThere: true, ResultsThere: true}, false,
			true, false, true, UndoLabel, ""},
		{"results gone", HistoryEntry{Run: imp("finished", true, ""), FileThere: true}, false,
			false, false, true, UndoLabel, ""},
		{"unfinished", HistoryEntry{Run: imp("unfinished: …", true, ""), FileThere: true}, false,
			false, true, true, UndoLabel, ""},
		{"killed", HistoryEntry{Run: imp("", true, ""), FileThere: true}, false,
			false, true, true, UndoLabel, ""},
		{"unfinished, file gone", HistoryEntry{Run: imp("stopped: …", true, "")}, false,
			false, false, true, UndoLabel, "the file is no longer at /in/x.csv"},
		{"SOAP", HistoryEntry{Run: imp("finished", false, ""), FileThere: true}, false,
			false, false, false, UndoLabel, "not sent through REST Sync Leads"},
		{"undone", HistoryEntry{Run: imp("finished", true, "x-undo"), FileThere: true, Undo: finishedUndo}, false,
			false, false, false, UndoLabel, "undone already (x-undo)"},
		{"undone, undo unreadable", HistoryEntry{Run: imp("finished", true, "x-undo"), FileThere: true}, false,
			false, false, false, UndoLabel, "undone already"},
		{"undo stopped", HistoryEntry{Run: imp("finished", true, "x-undo"), FileThere: true, Undo: stoppedUndo}, false,
			false, false, true, UndoFinishLabel, "Its undo stopped before the end"},
		{"undo left failures", HistoryEntry{Run: imp("finished", true, "x-undo"), FileThere: true, Undo: unfinishedUndo}, false,
			false, false, true, UndoFinishLabel, "carries it on"},
		{"unfinished and undone", HistoryEntry{Run: imp("unfinished: …", true, "x-undo"), FileThere: true, Undo: finishedUndo}, false,
			false, false, false, UndoLabel, "would send its rows once more"},
		{"an undo", HistoryEntry{Run: history.Run{ID: "x-undo", Kind: history.KindUndo, UndoOf: "x", Results: "/h/x-undo.csv"}, ResultsThere: true, FileThere: true}, false,
			true, false, false, UndoLabel, "An undo cannot be undone"},
		{"sync running", HistoryEntry{Run: imp("unfinished: …", true, ""), FileThere: true}, true,
			false, false, false, UndoLabel, "once the sync running now ends"},
	} {
		a := ActionsFor(tt.entry, tt.busy)
		why := strings.Join(a.Why, "\n")
		if a.OpenResults != tt.results || a.OpenAgain != tt.again || a.Undo != tt.undo || a.UndoLabel != tt.undoLabel {
			t.Errorf("%s: results %v, again %v, undo %v %q; want %v, %v, %v %q", tt.name, a.OpenResults, a.OpenAgain, a.Undo, a.UndoLabel,
				tt.results, tt.again, tt.undo, tt.undoLabel)
		}
		if tt.why == "" && why != "" || !strings.Contains(why, tt.why) {
			t.Errorf("%s: why %q, want it to say %q", tt.name, why, tt.why)
		}
	}
}

func TestReopenNote(t *testing.T) {
	for _, settings := range []string{"", job.SettingsWords("")} {
		if n := ReopenNote(history.Run{ID: "x", Settings: settings}); n != "" {
			t.Errorf("a run with default settings %q gets a note: %q", settings, n)
		}
	}
	n := ReopenNote(history.Run{ID: "x", Settings: "blanks=clear", List: "June fair", Program: "Webinar (Attended)"})
	for _, want := range []string{"import x", "settings: blanks=clear", "static list: June fair", "program: Webinar (Attended)", "start it over"} {
		if !strings.Contains(n, want) {
			t.Errorf("note %q does not say %q", n, want)
		}
	}
}

// TestApplyRunMapsAsTheRunDid: opening a run again maps each column as
// it did, by position for the same header and by name for one reordered,
// and the mapping counts as chosen (a key it guessed then was run then).
func TestApplyRunMapsAsTheRunDid(t *testing.T) {
	h := sheet.Header{Row: 1, Names: []string{"E-mail", "Given", "Notes"}, Letters: []string{"A", "B", "C"}}
	ran := importer.Mapping{Headers: slices.Clone(h.Names), Columns: []importer.Target{
		{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "FirstName"}, {Kind: importer.Skip}}}
	r := history.Run{ID: "r1", Mapping: ran, Dedup: false}
	m := NewMapModel(h, nil, nil)
	m.PresetName = "June"
	m.ApplyRun(r)
	if !slices.Equal(m.Mapping.Columns, ran.Columns) || m.Dedup || m.PresetName != "" {
		t.Fatalf("mapping %+v, dedup %v, preset %q", m.Mapping.Columns, m.Dedup, m.PresetName)
	}
	if b := m.Badge(1); b != "as imported" {
		t.Errorf("badge %q", b)
	}
	for i, o := range m.Origins() {
		if o != job.Operator {
			t.Errorf("column %d origin %v, want the operator's", i, o)
		}
	}
	m.Mapping.Columns[0] = importer.Target{}
	if ran.Columns[0].Kind != importer.ToEmail {
		t.Error("editing the mapping changed the run's")
	}

	moved := sheet.Header{Row: 1, Names: []string{"Notes", "e-mail", "Given"}, Letters: []string{"A", "B", "C"}}
	m = NewMapModel(moved, nil, nil)
	m.ApplyRun(r)
	want := []importer.Target{{Kind: importer.Skip}, {Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "FirstName"}}
	if !slices.Equal(m.Mapping.Columns, want) || !slices.Equal(m.Mapping.Headers, moved.Names) {
		t.Errorf("reordered header maps %+v (%v), want %+v", m.Mapping.Columns, m.Mapping.Headers, want)
	}
}

func undoPlan() run.UndoPlan {
	return run.UndoPlan{
		Restore: []run.UndoLead{{ID: 11, Rows: []int{2}}},
		Delete:  []run.UndoLead{{ID: 12, Rows: []int{3}, Delete: true}},
		Changed: []run.UndoLead{{ID: 13, Rows: []int{4, 9}, Why: "changed in Marketo since the import"}},
		Unknown: []run.UndoLead{{ID: 14, Rows: []int{5}, Why: "sent with dedup off and the answer lost"}},
	}
}

// TestUndoModelConfirmsByID: the Undo button waits for the plan, a plan
// that takes something back, and the import's id typed exactly (spaces
// around it aside); once started it cannot be pressed again.
func TestUndoModelConfirmsByID(t *testing.T) {
	m := NewUndoModel(history.Run{ID: "20260612-0930-ab12"})
	m.Typed = "20260612-0930-ab12"
	if m.CanUndo() || !m.Planning() || !strings.Contains(m.Status(), "nothing is changed yet") {
		t.Fatalf("before the plan: can undo %v, status %q", m.CanUndo(), m.Status())
	}
	m.Planned(job.UndoCheck{Plan: undoPlan()}, nil)
	for _, tt := range []struct {
		typed string
		ok    bool
	}{
		{"", false},
		{"20260612-0930-ab1", false},
		{"20260612-0930-AB12", false},
		{"20260612-0930-ab12x", false},
		{"20260612-0930-ab12", true},
		{"  20260612-0930-ab12\n", true},
	} {
		m.Typed = tt.typed
		if m.Confirmed() != tt.ok || m.CanUndo() != tt.ok {
			t.Errorf("typed %q: confirmed %v, can undo %v; want %v", tt.typed, m.Confirmed(), m.CanUndo(), tt.ok)
		}
	}
	m.Typed = ""
	if s := m.Status(); !strings.Contains(s, "Type 20260612-0930-ab12 below") {
		t.Errorf("status before typing %q", s)
	}
	m.Typed = "20260612-0930-ab12"
	m.Start()
	if m.CanUndo() || m.CanConfirm() || m.CanForce() {
		t.Error("a running undo can be started again or changed")
	}
	m.Done = 1234
	if s := m.Status(); s != "Undoing… 1,234 leads and memberships done" {
		t.Errorf("progress %q", s)
	}
	m.Finish(job.UndoResult{Outcome: run.UndoOutcome{Restored: 1, Deleted: 1}}, nil, false)
	if m.CanUndo() || m.Done != 2 {
		t.Errorf("an ended undo: can undo %v, done %d", m.CanUndo(), m.Done)
	}
}

// TestUndoModelNothingOrRefused: a plan that takes nothing back cannot be
// confirmed; an undo refused says why in job's words.
func TestUndoModelNothingOrRefused(t *testing.T) {
	m := NewUndoModel(history.Run{ID: "x"})
	m.Typed = "x"
	m.Planned(job.UndoCheck{Plan: run.UndoPlan{Unknown: []run.UndoLead{{ID: 1, Rows: []int{2}, Why: "w"}}}}, nil)
	if m.CanConfirm() || m.CanUndo() || !strings.Contains(m.Status(), "not Leadsheet's to take back") {
		t.Errorf("nothing to take back: confirm %v, undo %v, status %q", m.CanConfirm(), m.CanUndo(), m.Status())
	}
	if got := m.PlanLines(); !slices.Contains(got, "1 lead Leadsheet cannot tell whether the import created will be left alone") {
		t.Errorf("plan lines %q", got)
	}

	// A stopped undo whose last steps Marketo had carried out: undoing
	// again changes nothing, and records the undo as finished.
	m = NewUndoModel(history.Run{ID: "x"})
	m.Planned(job.UndoCheck{Plan: run.UndoPlan{Done: 2}}, nil)
	if !m.CanConfirm() || m.CanUndo() || !strings.Contains(m.Status(), "record the undo as finished") {
		t.Errorf("done already: confirm %v, undo %v, status %q", m.CanConfirm(), m.CanUndo(), m.Status())
	}
	m.Typed = "x"
	if !m.CanUndo() {
		t.Error("a stopped undo with nothing left cannot be finished")
	}
	m = NewUndoModel(history.Run{ID: "x"})
	m.Typed = "x"
	m.Planned(job.UndoCheck{Plan: run.UndoPlan{Done: 2, Finished: true}}, nil)
	if m.CanUndo() || m.Status() != "Nothing to change." {
		t.Errorf("finished already: undo %v, status %q", m.CanUndo(), m.Status())
	}

	m = NewUndoModel(history.Run{ID: "x"})
	refusal := &job.UndoError{ID: "x", Why: "it went to https://a/rest, and the account chosen is https://b/rest. Choose the account it went to."}
	m.Planned(job.UndoCheck{}, refusal)
	if m.Planning() || m.CanConfirm() || m.Status() != refusal.Error() {
		t.Errorf("refused: planning %v, status %q", m.Planning(), m.Status())
	}
	m = NewUndoModel(history.Run{ID: "x", Account: "Acme"})
	m.Planned(job.UndoCheck{}, UndoNeedsAccount(m.Run))
	if s := m.Status(); !strings.Contains(s, "Choose the account import x went to (top right: Acme)") {
		t.Errorf("no account: %q", s)
	}
}

// TestUndoModelForce: forcing changes what the plan says it does with
// leads changed since, and only means anything when there are some.
func TestUndoModelForce(t *testing.T) {
	m := NewUndoModel(history.Run{ID: "x"})
	m.Planned(job.UndoCheck{Plan: undoPlan()}, nil)
	if !m.CanForce() {
		t.Fatal("a plan with changed leads cannot be forced")
	}
	plain := strings.Join(m.PlanLines(), "\n")
	m.Force = true
	forced := strings.Join(m.PlanLines(), "\n")
	if !strings.Contains(plain, "1 lead changed in Marketo since the import will be left alone") ||
		!strings.Contains(forced, "1 lead changed in Marketo since the import will be taken back too") {
		t.Errorf("plain:\n%s\nforced:\n%s", plain, forced)
	}
	if want := job.UndoPlanWords(undoPlan(), true); !slices.Equal(m.PlanLines(), want) {
		t.Errorf("plan lines are not job's words: %q", m.PlanLines())
	}
	leads := m.LeadLines()
	want := []string{
		"Changed in Marketo since the import:",
		"  lead 13 (sheet rows 4, 9): changed in Marketo since the import",
		"Cannot tell whether the import created them:",
		"  lead 14 (sheet row 5): sent with dedup off and the answer lost",
	}
	if !slices.Equal(leads, want) {
		t.Errorf("lead lines %q, want %q", leads, want)
	}
	m = NewUndoModel(history.Run{ID: "x"})
	m.Planned(job.UndoCheck{Plan: run.UndoPlan{Delete: []run.UndoLead{{ID: 1}}}}, nil)
	if m.CanForce() {
		t.Error("force offered with no changed lead")
	}
}

func TestUndoModelLeadLinesAreCapped(t *testing.T) {
	m := NewUndoModel(history.Run{ID: "x"})
	var plan run.UndoPlan
	for i := range maxLeadLines + 7 {
		plan.Changed = append(plan.Changed, run.UndoLead{ID: i + 1, Rows: []int{i + 2}, Why: "changed"})
	}
	m.Planned(job.UndoCheck{Plan: plan}, nil)
	lines := m.LeadLines()
	if len(lines) != maxLeadLines+2 || lines[len(lines)-1] != "  … and 7 more, in the undo's results" {
		t.Errorf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
}

// TestUndoModelEndWords: how an undo ended, with job's summary, the
// results file, and what is left to do.
func TestUndoModelEndWords(t *testing.T) {
	res := func(o run.UndoOutcome) job.UndoResult { return job.UndoResult{Outcome: o, Results: "/h/x-undo.csv"} }
	for _, tt := range []struct {
		name    string
		res     job.UndoResult
		err     error
		stopped bool
		force   bool
		want    []string
	}{
		{"done", res(run.UndoOutcome{Restored: 1, Deleted: 2, Removed: 1}), nil, false, false,
			[]string{"1 restored, 2 deleted, 1 removed from lists.", "What became of each lead: /h/x-undo.csv", "The import is undone."}},
		{"stopped", res(run.UndoOutcome{Deleted: 1}), errors.New("context canceled"), true, false,
			[]string{"1 deleted", "The undo was stopped. Undo the import again to finish it"}},
		{"failed call", res(run.UndoOutcome{}), errors.New("Marketo said 611 System error"), false, false,
			[]string{"Marketo said 611 System error", "Undo the import again to finish it"}},
		{"refused leads", res(run.UndoOutcome{Failed: 2}), nil, false, false,
			[]string{"2 failed", "Marketo refused to take some leads back"}},
		{"left alone", res(run.UndoOutcome{Refused: 1}), nil, false, false,
			[]string{"1 left alone", "ticked to take them back too", ForceLabel}},
		{"left alone, forced", res(run.UndoOutcome{Refused: 1}), nil, false, true,
			[]string{"Some leads were left alone (listed above)."}},
	} {
		m := NewUndoModel(history.Run{ID: "x"})
		m.Force = tt.force
		m.Planned(job.UndoCheck{Plan: undoPlan()}, nil)
		m.Start()
		m.Finish(tt.res, tt.err, tt.stopped)
		s := m.Status()
		for _, w := range tt.want {
			if !strings.Contains(s, w) {
				t.Errorf("%s: %q does not say %q", tt.name, s, w)
			}
		}
	}
	m := NewUndoModel(history.Run{ID: "x"})
	busy := &job.UndoError{ID: "x", Why: "it is being undone already (leadsheet undo). Wait for that to end."}
	m.Finish(job.UndoResult{}, busy, false)
	if s := m.Status(); s != busy.Error() {
		t.Errorf("a refused undo says %q, want only %q", s, busy.Error())
	}
}
