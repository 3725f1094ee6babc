package viewmodel

import (
	"fmt"
	"sync"
	"time"

	"leadsheet/importer"
)

// SyncRow is one line of the live table: a sheet row, the key it matches on
// and where it stands in the run.
type SyncRow struct {
	Row    int    // sheet row number
	Key    string // value of the key the row matches on, as in the sheet
	State  importer.RowState
	LeadID int
	Reason string
	// List and Program are what became of the row's lead in the static
	// list and the program the import targets.
	List    importer.ListState
	Program importer.ProgramState
}

// SyncModel holds the live state of one run for the Sync step. The run's
// event callback writes to it from any goroutine; the window reads it on
// the Fyne goroutine. Writers only mark it dirty: one ticker turns that
// into a single coalesced refresh, so 100,000 rows cost a few table
// refreshes a second rather than one UI call per row.
type SyncModel struct {
	mu       sync.Mutex
	rows     *Rows
	first    int     // sheet row number of pos[0]
	pos      []int32 // sheet row - first -> index in rows, -1 when absent
	counts   [importer.InMarketo + 1]int
	lists    [importer.ListAdding + 1]int
	programs [importer.ProgramNotSet + 1]int
	skipped0 int // rows invalid before the run: never part of the progress
	done0    int // rows already final when the run started, left out of the ETA

	started, ended time.Time
	throttle       string
	throttleAt     time.Time
	stopped        string
	finished       bool
	dirty          bool
	now            func() time.Time
}

// NewSyncModel returns a model for rows, which must be in sheet order. Rows
// already in the Skipped state (invalid in pre-flight) Count as done from
// the start and never move the progress bar. now is the Clock; nil means
// time.Now.
func NewSyncModel(rows *Rows, now func() time.Time) *SyncModel {
	if now == nil {
		now = time.Now
	}
	if rows == nil {
		rows = &Rows{}
	}
	m := &SyncModel{rows: rows, now: now, dirty: true}
	if n := rows.Len(); n > 0 {
		m.first = int(rows.row[0])
		m.pos = make([]int32, int(rows.row[n-1])-m.first+1)
		for i := range m.pos {
			m.pos[i] = -1
		}
	}
	for i, row := range rows.row {
		m.pos[int(row)-m.first] = int32(i)
		m.counts[rows.state[i]]++
		m.lists[rows.list[i]]++
		m.programs[rows.program[i]]++
	}
	m.skipped0 = m.counts[importer.Skipped]
	return m
}

// Start marks the beginning of a run for elapsed time and ETA. The rows
// given (sheet row numbers) are the ones the run will send: they go back to
// Waiting, so a retry of failed rows shows them pending again.
func (m *SyncModel) Start(rows []int) {
	m.mu.Lock()
	for _, r := range rows {
		if i := m.index(r); i >= 0 {
			m.counts[m.rows.state[i]]--
			m.counts[importer.Waiting]++
			m.rows.set(i, importer.Waiting, 0, "")
			m.lists[m.rows.list[i]]--
			m.programs[m.rows.program[i]]--
			m.lists[importer.ListNone]++
			m.programs[importer.ProgramNone]++
			m.rows.setTargets(i, importer.ListNone, importer.ProgramNone)
		}
	}
	m.started = m.now()
	m.ended = time.Time{}
	m.done0 = m.rows.Len() - m.skipped0 - m.counts[importer.Waiting] - m.counts[importer.Sending]
	m.finished, m.stopped, m.throttle = false, "", ""
	m.dirty = true
	m.mu.Unlock()
}

func (m *SyncModel) index(row int) int {
	i := row - m.first
	if i < 0 || i >= len(m.pos) {
		return -1
	}
	return int(m.pos[i])
}

// Apply records one run event. It is cheap and safe to call from the run's
// goroutines; it never touches a widget.
func (m *SyncModel) Apply(ev importer.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range ev.Results {
		i := m.index(r.Row)
		if i < 0 {
			continue
		}
		m.counts[m.rows.state[i]]--
		m.counts[r.State]++
		m.rows.set(i, r.State, r.LeadID, r.Reason)
		m.lists[m.rows.list[i]]--
		m.lists[r.List]++
		m.programs[m.rows.program[i]]--
		m.programs[r.Program]++
		m.rows.setTargets(i, r.List, r.Program)
	}
	switch ev.Kind {
	case importer.Throttled, importer.Progress:
		// A bulk job's progress is a note of the same kind: the latest
		// word from Marketo, shown until the next.
		m.throttle, m.throttleAt = ev.Message, m.now()
	case importer.Stopped:
		m.stopped = ev.Message
		m.ended = m.now()
	case importer.Finished:
		m.finished = true
		if m.ended.IsZero() {
			m.ended = m.now()
		}
	}
	m.dirty = true
}

// TakeDirty reports whether anything changed since the last call, and
// clears the flag.
func (m *SyncModel) TakeDirty() bool {
	m.mu.Lock()
	d := m.dirty
	m.dirty = false
	m.mu.Unlock()
	return d
}

// Len is the number of rows in the table.
func (m *SyncModel) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rows.Len()
}

// Row returns the row at index i of the table.
func (m *SyncModel) Row(i int) SyncRow {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rows.At(i)
}

// NeedsAttention reports whether a row's state is one the operator has to
// look at: refused, invalid, not sent or uncertain.
func NeedsAttention(s importer.RowState) bool {
	switch s {
	case importer.Failed, importer.Skipped, importer.NotSent, importer.Unknown:
		return true
	}
	return false
}

// Problems appends to dst the table indexes of the rows that need
// attention, their own or their lead's in the list or the program
// ([TargetTrouble]), and returns it; the "problems only" filter shows
// these.
func (m *SyncModel) Problems(dst []int) []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	dst = dst[:0]
	for i, st := range m.rows.state {
		if NeedsAttention(st) || TargetTrouble(st, m.rows.list[i], m.rows.program[i]) {
			dst = append(dst, i)
		}
	}
	return dst
}

// RowsIn returns the sheet row numbers of the rows in any of states, in
// sheet order; "Retry failed rows" sends these again.
func (m *SyncModel) RowsIn(states ...importer.RowState) []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []int
	for i, st := range m.rows.state {
		for _, s := range states {
			if st == s {
				out = append(out, int(m.rows.row[i]))
				break
			}
		}
	}
	return out
}

// RowsToRetry returns the sheet row numbers, in sheet order, that "Retry
// failed rows" sends again: the rows Marketo refused or that were not
// sent, and the confirmed rows whose lead is not in the list or at the
// program status yet (the run then takes only those steps again; the
// journal keeps them from being synced twice).
func (m *SyncModel) RowsToRetry() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []int
	for i, st := range m.rows.state {
		l, p := m.rows.list[i], m.rows.program[i]
		if st == importer.Failed || st == importer.NotSent || l == importer.ListNotAdded || l == importer.ListAdding || p == importer.ProgramNotSet {
			out = append(out, int(m.rows.row[i]))
		}
	}
	return out
}

// SyncProgress is a summary of a run at one moment.
type SyncProgress struct {
	Totals   importer.Totals
	Total    int // rows to send (rows invalid before the run excluded)
	Done     int // of Total, rows in a final state
	Elapsed  time.Duration
	ETA      time.Duration // 0 when unknown
	Throttle string        // Marketo's last request to slow down, for ~30 s after it came
	Stopped  string        // why the run stopped early, if it did
	Running  bool
	Finished bool
}

// throttleShown is how long a "Marketo asked us to slow down" note stays up.
const throttleShown = 30 * time.Second

// Progress summarises the run now.
func (m *SyncModel) Progress() SyncProgress {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.counts
	p := SyncProgress{
		Totals: importer.Totals{
			Waiting: c[importer.Waiting], Sending: c[importer.Sending], Created: c[importer.Created],
			Updated: c[importer.Updated], Failed: c[importer.Failed], Skipped: c[importer.Skipped],
			NotSent: c[importer.NotSent], Unknown: c[importer.Unknown], CreatedOrUpdated: c[importer.CreatedOrUpdated],
			LeftAlone: c[importer.LeftAlone], Imported: c[importer.Imported], ImportedWithWarning: c[importer.ImportedWithWarning],
			InMarketo: c[importer.InMarketo],
			ListAdded: m.lists[importer.ListAdded], ListAlready: m.lists[importer.ListAlready], ListNotFound: m.lists[importer.ListNotFound],
			ListNotAdded: m.lists[importer.ListNotAdded] + m.lists[importer.ListAdding],
			ProgramSet:   m.programs[importer.ProgramSet], ProgramAlready: m.programs[importer.ProgramAlready],
			ProgramRefused: m.programs[importer.ProgramRefused], ProgramNotSet: m.programs[importer.ProgramNotSet],
		},
		Total:    m.rows.Len() - m.skipped0,
		Stopped:  m.stopped,
		Finished: m.finished,
	}
	p.Done = p.Total - c[importer.Waiting] - c[importer.Sending]
	if m.started.IsZero() {
		return p
	}
	end := m.ended
	if end.IsZero() {
		end = m.now()
		p.Running = !m.finished
	}
	p.Elapsed = end.Sub(m.started)
	if sent := p.Done - m.done0; p.Running && sent > 0 && p.Done < p.Total {
		rate := float64(sent) / p.Elapsed.Seconds()
		p.ETA = time.Duration(float64(p.Total-p.Done) / rate * float64(time.Second))
	}
	if m.throttle != "" && end.Sub(m.throttleAt) < throttleShown {
		p.Throttle = m.throttle
	}
	return p
}

// Results returns every row's current state, in sheet order, for the
// results workbook.
func (m *SyncModel) Results() []importer.RowResult {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]importer.RowResult, m.rows.Len())
	for i := range out {
		r := m.rows.At(i)
		out[i] = importer.RowResult{Row: r.Row, State: r.State, LeadID: r.LeadID, Reason: r.Reason, List: r.List, Program: r.Program}
	}
	return out
}

// PlanSentence says what pressing Start will do, in one line.
func PlanSentence(rows, batches int, dedup bool, key string) string {
	d := "dedup on"
	if !dedup {
		d = "dedup OFF: every row creates a new lead"
	}
	s := fmt.Sprintf("Sync %s %s in %s %s, %s", Count(rows), Plural(rows, "row", "rows"), Count(batches), Plural(batches, "batch", "batches"), d)
	if key != "" {
		s += ", key: " + key
	}
	return s
}

// BulkPlanSentence is [PlanSentence] for Bulk Import: the rows go in
// files of up to 10 MB, at about calls API calls (0 while not estimated).
// Bulk Import always has dedup on.
func BulkPlanSentence(rows, calls int, key string) string {
	s := fmt.Sprintf("Send %s %s by Bulk Import, in files of up to 10 MB", Count(rows), Plural(rows, "row", "rows"))
	if calls > 0 {
		s += fmt.Sprintf(" (about %s API %s)", Count(calls), Plural(calls, "call", "calls"))
	}
	if key != "" {
		s += ", key: " + key
	}
	return s
}

// DoneCounts are the two success counters of the Sync step: created and
// updated for Sync Leads; imported and imported with a warning for Bulk
// Import, which does not tell created from updated. Outcomes of the
// other kind (from an earlier run of the same import with the other
// engine) and the rarer ones follow in the second.
func DoneCounts(t importer.Totals, bulk bool) (first, second string) {
	var more []string
	add := func(n int, what string) {
		if n > 0 {
			more = append(more, Count(n)+" "+what)
		}
	}
	if bulk {
		first, second = Count(t.Imported)+" imported", Count(t.ImportedWithWarning)+" imported with a warning"
		add(t.Created, "created")
		add(t.Updated, "updated")
	} else {
		first, second = Count(t.Created)+" created", Count(t.Updated)+" updated"
		add(t.Imported+t.ImportedWithWarning, "imported")
	}
	add(t.CreatedOrUpdated, "created or updated")
	add(t.LeftAlone, "left alone")
	add(t.InMarketo, "in Marketo, not changed")
	for _, m := range more {
		second += " \u00b7 " + m
	}
	return first, second
}
