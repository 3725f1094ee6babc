package viewmodel

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"leadsheet/importer/history"
	"leadsheet/importer/job"
	"leadsheet/importer/mapping"
	"leadsheet/importer/run"
)

// HistoryEntry is one run of the history, with what the window found on
// disk for it: the buttons depend on whether its files are still there.
type HistoryEntry struct {
	Run history.Run
	// Undo is the undo of this import, when one started (listed or
	// filtered out) and could be read.
	Undo         *history.Run
	ResultsThere bool // its results file is where the run wrote it
	FileThere    bool // its input file is where it was opened
}

// LoadHistory reads the runs whose file name, or account name or
// address, contains query (capitals aside), newest first, and looks for
// their files. It reads the disk: call it off the Fyne goroutine. Runs
// that could be read are returned with the error about those that could
// not, as `leadsheet history` lists what it can.
func LoadHistory(store history.Store, query string) ([]HistoryEntry, error) {
	runs, err := store.List(history.Filter{Either: strings.TrimSpace(query)})
	out := make([]HistoryEntry, len(runs))
	for i, r := range runs {
		out[i] = HistoryEntry{Run: r, ResultsThere: isFile(r.Results), FileThere: isFile(r.File)}
		if r.UndoneBy == "" {
			continue
		}
		if j := slices.IndexFunc(runs, func(x history.Run) bool { return x.ID == r.UndoneBy }); j >= 0 {
			out[i].Undo = &runs[j]
		} else if u, uerr := store.Get(r.UndoneBy); uerr == nil {
			out[i].Undo = &u
		}
	}
	return out, err
}

func isFile(path string) bool {
	if path == "" {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// HistoryNone is what the History page says when no run is on record.
const HistoryNone = "No imports on record yet: every import sent from this window or with leadsheet sync is listed here."

// HistoryNoneMatch is what it says when the filter matches no run.
func HistoryNoneMatch(query string) string {
	return "No import of a file or into an account matching " + Quote(strings.TrimSpace(query)) + "."
}

// HistoryTrouble says that part of the history could not be read.
func HistoryTrouble(err error) string { return "Some of the history could not be read: " + err.Error() }

// HistoryRow is one line of the History table.
type HistoryRow struct {
	ID      string
	Started string // local time
	File    string // the file's name
	Account string
	Outcome string
	Undone  string // "undone", "undo not finished", or empty
}

// Column headings of the History table, in order.
var HistoryColumns = []string{"Started", "File", "Account", "Outcome", "Undone"}

// Cell is the text of column col (an index into HistoryColumns).
func (r HistoryRow) Cell(col int) string {
	switch col {
	case 0:
		return r.Started
	case 1:
		return r.File
	case 2:
		return r.Account
	case 3:
		return r.Outcome
	case 4:
		return r.Undone
	}
	return ""
}

// HistoryRows are the table's lines for entries, with times in loc.
func HistoryRows(entries []HistoryEntry, loc *time.Location) []HistoryRow {
	rows := make([]HistoryRow, len(entries))
	for i, e := range entries {
		r := e.Run
		rows[i] = HistoryRow{ID: r.ID, Started: r.Started.In(loc).Format("2006-01-02 15:04"), File: r.Name(),
			Account: AccountWords(r), Outcome: OutcomeWords(r), Undone: UndoneMark(r, e.Undo)}
	}
	return rows
}

// AccountWords names the account a run went to, as `leadsheet history`
// does: its saved name, else its address.
func AccountWords(r history.Run) string { return job.RunAccount(r) }

// OutcomeWords says how a run ended, in job's words, with what the window
// does to carry on a run that did not end.
func OutcomeWords(r history.Run) string {
	out := job.RunOutcome(r)
	switch {
	case r.Outcome == "" && r.Kind == history.KindUndo:
		out += "; undo the import again to finish it"
	case r.Outcome == "":
		out += "; open it again to resume it"
	}
	return out
}

// undoFinished reports whether undo, the undo of an import, got to its
// end: job.Undo records that as "finished: ...".
func undoFinished(undo *history.Run) bool {
	return undo != nil && strings.HasPrefix(undo.Outcome, history.OutcomeFinished+":")
}

// UndoneMark is the Undone column of import r, whose undo is undo (nil
// when it has none, or it could not be read).
func UndoneMark(r history.Run, undo *history.Run) string {
	switch {
	case r.UndoneBy == "":
		return ""
	case undo != nil && !undoFinished(undo):
		return "undo not finished"
	}
	return "undone"
}

// Detail is one fact about a run on the History page.
type Detail struct{ Label, Value string }

// RunDetails are the facts about r that `leadsheet history show` prints,
// a fact a line, with times in loc.
func RunDetails(r history.Run, loc *time.Location) []Detail {
	var out []Detail
	add := func(k, v string) {
		if v != "" {
			out = append(out, Detail{k, v})
		}
	}
	add("Run", r.ID+" ("+r.Kind+")")
	add("File", r.File)
	add("SHA-256", r.FileSHA256)
	add("Sheet", r.Sheet)
	if r.HeaderRow > 0 {
		add("Header row", strconv.Itoa(r.HeaderRow))
	}
	add("Account", AccountWords(r)+" ("+strings.ToUpper(r.API)+", "+r.Endpoint+")")
	if r.Kind == history.KindImport {
		add("Dedup", map[bool]string{true: "on", false: "off"}[r.Dedup])
	}
	add("Settings", r.Settings)
	add("List", r.List)
	add("Program", r.Program)
	add("Started", r.Started.In(loc).Format(time.DateTime))
	if !r.Ended.IsZero() {
		add("Ended", r.Ended.In(loc).Format(time.DateTime))
	}
	outcome := OutcomeWords(r)
	if r.UndoneBy != "" {
		outcome += " (undone: " + r.UndoneBy + ")"
	}
	add("Outcome", outcome)
	add("Results", r.Results)
	add("Failures", r.Failures)
	add("By", strings.Trim(r.User+", "+r.Frontend, ", "))
	switch {
	case r.Kind == history.KindUndo:
	case r.Undoable:
		add("Undo", "possible: Undo… takes it back")
	default:
		add("Undo", "not possible: it was not sent through REST Sync Leads")
	}
	return out
}

// Button labels of the History page.
const (
	OpenResultsLabel = "Open results"
	OpenAgainLabel   = "Open again"
	UndoLabel        = "Undo…"
	UndoFinishLabel  = "Finish the undo…"
)

// RunActions are the History page's buttons for a selected run: whether
// each is enabled, and why not when it is not.
type RunActions struct {
	Results     string // the file Open results opens
	OpenResults bool
	OpenAgain   bool
	Undo        bool
	UndoLabel   string
	// Why says, a line each, why Open again or Undo cannot be used.
	Why []string
}

// ActionsFor are the buttons for entry e. busy says a sync is going
// in the window: a run cannot be opened again nor undone under it.
func ActionsFor(e HistoryEntry, busy bool) RunActions {
	r := e.Run
	a := RunActions{Results: r.Results, OpenResults: e.ResultsThere, UndoLabel: UndoLabel}
	undo := e.Undo
	switch {
	case r.Kind == history.KindUndo:
		a.Why = append(a.Why, "An undo cannot be undone, nor opened again; to finish a stopped undo, undo its import ("+r.UndoOf+") again.")
	case r.Finished():
		// Nothing is left to resume.
	case r.UndoneBy != "":
		a.Why = append(a.Why, "It was undone: opening it again would send its rows once more.")
	case !e.FileThere:
		a.Why = append(a.Why, "It cannot be opened again: the file is no longer at "+r.File+".")
	case busy:
		a.Why = append(a.Why, "It can be opened again once the sync running now ends.")
	default:
		a.OpenAgain = true
	}
	switch {
	case r.Kind == history.KindUndo:
	case !r.Undoable:
		a.Why = append(a.Why, "It cannot be undone: it was not sent through REST Sync Leads.")
	case r.UndoneBy != "" && (undo == nil || undoFinished(undo)):
		a.Why = append(a.Why, "It is undone already ("+r.UndoneBy+").")
	case busy:
		a.Why = append(a.Why, "It can be undone once the sync running now ends.")
	default:
		a.Undo = true
		if r.UndoneBy != "" {
			a.UndoLabel = UndoFinishLabel
			a.Why = append(a.Why, "Its undo stopped before the end: "+UndoFinishLabel+" carries it on, doing nothing twice.")
		}
	}
	return a
}

// ReopenNote tells the operator which of a run's settings opening it
// again does not bring back: the journal resumes the run only when they
// are the same, so they must be set again by hand. Empty when there are
// none.
func ReopenNote(r history.Run) string {
	var parts []string
	if r.Settings != "" && r.Settings != job.SettingsWords("") {
		parts = append(parts, "settings: "+r.Settings)
	}
	if r.List != "" {
		parts = append(parts, "static list: "+r.List)
	}
	if r.Program != "" {
		parts = append(parts, "program: "+r.Program)
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("The file, sheet, header row and mapping are as import %s had them. It also ran with %s. "+
		"Set the same on the Map step so the run carries on where it stopped; with other settings Leadsheet offers to start it over.",
		r.ID, strings.Join(parts, "; "))
}

// reasonFromRun begins the reason of a column mapped as a run of the
// history mapped it.
const reasonFromRun = "as import "

// ApplyRun maps the columns as run r mapped them, with its dedup, so
// that the import opened again is the same import and its journal
// resumes it. The other choices stay as they are.
func (m *MapModel) ApplyRun(r history.Run) {
	if slices.Equal(r.Mapping.Headers, m.Header.Names) && len(r.Mapping.Columns) == len(m.Header.Names) {
		m.Mapping = r.Mapping
		m.Mapping.Headers, m.Mapping.Columns = slices.Clone(r.Mapping.Headers), slices.Clone(r.Mapping.Columns)
	} else {
		// The header changed since: each column gets the target its
		// header had.
		m.Mapping = mapping.Preset{Mapping: r.Mapping}.MappingFor(m.Header.Names)
	}
	m.Mapping.ClearBlanks, m.Mapping.Ticks = false, nil
	for i := range m.Mapping.Columns {
		m.Matches[i] = mapping.Match{Confidence: mapping.None, Reason: reasonFromRun + r.ID + " mapped it"}
	}
	m.dropTicks()
	m.Dedup = r.Dedup
	m.PresetName = ""
}

// UndoModel is the Undo dialog without widgets: the plan looked up in
// Marketo, the operator's choices, and how the undo went.
type UndoModel struct {
	Run   history.Run
	Check *job.UndoCheck // nil until looked up
	// PlanErr says why there is no plan: the undo is not possible (a
	// *job.UndoError, in the operator's words) or the lookup failed.
	PlanErr error
	Force   bool   // also take back leads changed in Marketo since the import
	Typed   string // what the operator typed to confirm
	Running bool
	Done    int // leads and memberships taken back (or left alone) so far
	// Stopping: the operator asked the undo going to stop.
	Stopping bool
	Ended    bool
	Result   job.UndoResult
	// ResultsThere: the undo's results file was written.
	ResultsThere bool
	Err          error // how the undo failed, if it did
	Stopped      bool  // it was stopped before its end
}

// NewUndoModel starts the dialog for undoing r.
func NewUndoModel(r history.Run) *UndoModel { return &UndoModel{Run: r} }

// UndoNeedsAccount is why no plan can be made without an account.
func UndoNeedsAccount(r history.Run) error {
	return fmt.Errorf("Choose the account import %s went to (top right: %s), then undo it.", r.ID, AccountWords(r))
}

// Title is the dialog's title.
func (m *UndoModel) Title() string { return "Undo import " + m.Run.ID }

// Intro says which import the dialog takes back.
func (m *UndoModel) Intro(loc *time.Location) string {
	r := m.Run
	return fmt.Sprintf("Import %s: %s into %s, %s.", r.ID, r.Name(), AccountWords(r), r.Started.In(loc).Format("2 Jan 2006 15:04"))
}

// Planned takes the lookup's answer.
func (m *UndoModel) Planned(c job.UndoCheck, err error) {
	if err != nil {
		m.PlanErr = err
		return
	}
	m.Check = &c
}

// Planning reports whether the lookup is still going.
func (m *UndoModel) Planning() bool { return m.Check == nil && m.PlanErr == nil }

// Confirmed reports whether the operator typed the import's id.
func (m *UndoModel) Confirmed() bool { return strings.TrimSpace(m.Typed) == m.Run.ID }

// CanForce reports whether the force choice means anything now: there
// are leads changed since, and nothing started.
func (m *UndoModel) CanForce() bool {
	return m.Check != nil && len(m.Check.Plan.Changed) > 0 && !m.Running && !m.Ended
}

// CanConfirm reports whether typing the id can lead anywhere.
func (m *UndoModel) CanConfirm() bool {
	return m.Check != nil && (!m.Check.Plan.Nothing() || m.finishOnly()) && !m.Running && !m.Ended
}

// finishOnly reports whether what a stopped undo left was done already
// (the answer to its last call was lost, and Marketo had carried it
// out): undoing again takes nothing back and records the undo as
// finished, so the import no longer shows an undo to finish.
func (m *UndoModel) finishOnly() bool {
	p := m.Check.Plan
	return p.Nothing() && p.Done > 0 && !p.Finished
}

// CanUndo reports whether the Undo button is enabled: a plan that takes
// something back, confirmed by the import's id, not started yet.
func (m *UndoModel) CanUndo() bool { return m.CanConfirm() && m.Confirmed() }

// PlanLines are what the undo will do, a line each, in job's words.
func (m *UndoModel) PlanLines() []string {
	if m.Check == nil {
		return nil
	}
	return job.UndoPlanWords(m.Check.Plan, m.Force)
}

// maxLeadLines is how many changed or unknown leads the dialog names;
// the undo's results list them all.
const maxLeadLines = 50

// LeadLines name the leads the undo leaves alone unless forced, or
// cannot tell about, with their sheet rows and why.
func (m *UndoModel) LeadLines() []string {
	if m.Check == nil {
		return nil
	}
	var out []string
	add := func(title string, leads []run.UndoLead) {
		if len(leads) == 0 {
			return
		}
		out = append(out, title+":")
		for i, l := range leads {
			if i == maxLeadLines {
				out = append(out, fmt.Sprintf("  … and %d more, in the undo's results", len(leads)-maxLeadLines))
				break
			}
			out = append(out, fmt.Sprintf("  lead %d (sheet %s %s): %s", l.ID, Plural(len(l.Rows), "row", "rows"), joinInts(l.Rows), l.Why))
		}
	}
	add("Changed in Marketo since the import", m.Check.Plan.Changed)
	add("Cannot tell whether the import created them", m.Check.Plan.Unknown)
	return out
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// Start records that the undo began.
func (m *UndoModel) Start() { m.Running, m.Stopping, m.Done = true, false, 0 }

// Finish records how the undo ended; stopped says it was cancelled.
func (m *UndoModel) Finish(res job.UndoResult, err error, stopped bool) {
	m.Running, m.Stopping, m.Ended = false, false, true
	m.Result, m.Err, m.Stopped = res, err, stopped
	m.Done = res.Outcome.Total()
}

// ForceLabel is the force choice.
const ForceLabel = "Also undo leads changed in Marketo since the import"

// UndoButton is the dialog's Undo button.
const UndoButton = "Undo the import"

// Status is the dialog's status line: what it waits for, how far the
// undo got, or how it ended.
func (m *UndoModel) Status() string {
	switch {
	case m.Running && m.Stopping:
		return "Stopping… " + undoAgain
	case m.Running:
		return fmt.Sprintf("Undoing… %s %s done", Count(m.Done), Plural(m.Done, "lead or membership", "leads and memberships"))
	case m.Ended:
		return m.endWords()
	case m.PlanErr != nil:
		return m.PlanErr.Error()
	case m.Planning():
		return "Looking the import's leads up in Marketo (nothing is changed yet)…"
	case m.finishOnly() && !m.Confirmed():
		return "What is left to take back was done already by the undo that stopped. Type " + m.Run.ID + " below to record the undo as finished."
	case m.finishOnly():
		return UndoButton + " records the undo as finished; it changes nothing in Marketo."
	case m.Check.Plan.Nothing() && len(m.Check.Plan.Unknown) > 0:
		return "Nothing to change: what is left is not Leadsheet's to take back (listed above)."
	case m.Check.Plan.Nothing():
		return "Nothing to change."
	case !m.Confirmed():
		return "Type " + m.Run.ID + " below to undo the import, or close to leave Marketo as it is."
	}
	return UndoButton + " takes it back now."
}

// endWords say how the undo ended and what is left to do, as `leadsheet
// undo` says it.
func (m *UndoModel) endWords() string {
	var ue *job.UndoError
	if errors.As(m.Err, &ue) {
		return ue.Error() // refused before changing anything
	}
	lines := []string{job.UndoSummary(m.Result.Outcome) + "."}
	if m.Result.Results != "" {
		lines = append(lines, "What became of each lead: "+m.Result.Results)
	}
	o := m.Result.Outcome
	switch {
	case m.Stopped:
		lines = append(lines, "The undo was stopped. "+undoAgain)
	case m.Err != nil:
		lines = append(lines, m.Err.Error(), undoAgain)
	case o.Failed > 0:
		lines = append(lines, "Marketo refused to take some leads back; the undo's results say why for each. Undo the import again to retry them.")
	case o.Refused > 0 && !m.Force:
		lines = append(lines, "Some leads were left alone because they changed in Marketo since the import, or cannot be told apart; they are listed above. "+
			"Check them, then undo again with "+Quote(ForceLabel)+" ticked to take them back too.")
	case o.Refused > 0:
		lines = append(lines, "Some leads were left alone (listed above).")
	default:
		lines = append(lines, "The import is undone.")
	}
	return strings.Join(lines, "\n")
}

// undoAgain is how a stopped undo is finished.
const undoAgain = "Undo the import again to finish it: what it did already is not done twice."
