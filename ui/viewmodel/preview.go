package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"leadsheet/importer/job"
	"leadsheet/importer/results"
	"leadsheet/importer/run"
)

// PreviewListMax is how many rows a preview keeps for its list. The counts
// cover every row; the list stops growing so a big sheet's preview stays
// a few megabytes.
const PreviewListMax = 10_000

// PreviewFilter picks the rows of a preview the list shows.
type PreviewFilter uint8

// Preview filters, in the order the window offers them.
const (
	PreviewAll PreviewFilter = iota
	PreviewCreate
	PreviewUpdate
	PreviewNoChange
	PreviewLeftAlone
	PreviewRefused // several leads match, or no lead has the Marketo Id
	PreviewRepeats
)

// PreviewFilterLabels name the filters, by filter.
var PreviewFilterLabels = [...]string{
	PreviewAll:       "All",
	PreviewCreate:    "Will create",
	PreviewUpdate:    "Will update",
	PreviewNoChange:  "No change",
	PreviewLeftAlone: "Left alone",
	PreviewRefused:   "Refused",
	PreviewRepeats:   "Repeats",
}

// PreviewFilterOf is the filter a label names; PreviewAll for any other.
func PreviewFilterOf(label string) PreviewFilter {
	if i := indexOf(PreviewFilterLabels[:], label); i > 0 {
		return PreviewFilter(i)
	}
	return PreviewAll
}

// Keeps reports whether the filter shows a row of kind k.
func (f PreviewFilter) Keeps(k run.PreviewKind) bool {
	switch f {
	case PreviewCreate:
		return k == run.WillCreate
	case PreviewUpdate:
		return k == run.WillUpdate
	case PreviewNoChange:
		return k == run.WillNotChange
	case PreviewLeftAlone:
		return k == run.WillLeaveAlone
	case PreviewRefused:
		return k == run.Ambiguous || k == run.NotFound
	case PreviewRepeats:
		return k == run.Repeats
	}
	return true
}

// PreviewModel is one preview as the Sync step shows it: every row counted,
// the first rows kept for the list, and how the preview ended. Add is safe
// to call from the preview's goroutine while the window reads the rest.
type PreviewModel struct {
	mu      sync.Mutex
	max     int
	total   int // rows the preview will look at, for its progress line
	rows    []run.RowPreview
	seen    int
	counts  run.PreviewTotals
	dirty   bool
	ended   bool
	final   run.PreviewTotals
	err     error
	outdate string
}

// NewPreviewModel starts an empty preview of total rows that lists at most
// max of them.
func NewPreviewModel(total, max int) *PreviewModel {
	return &PreviewModel{total: total, max: max}
}

// Add records one row's preview.
func (m *PreviewModel) Add(p run.RowPreview) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen++
	switch p.Kind {
	case run.WillCreate:
		m.counts.Create++
	case run.WillUpdate:
		m.counts.Update++
	case run.WillNotChange:
		m.counts.NoChange++
	case run.WillLeaveAlone:
		m.counts.LeaveAlone++
	case run.Ambiguous:
		m.counts.Ambiguous++
	case run.NotFound:
		m.counts.NotFound++
	case run.Repeats:
		m.counts.Repeats++
	}
	if len(m.rows) < m.max {
		m.rows = append(m.rows, p)
	}
	m.dirty = true
}

// End records how the preview ended: its totals (with the calls it
// made) or why it stopped.
func (m *PreviewModel) End(t run.PreviewTotals, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ended, m.final, m.err, m.dirty = true, t, err, true
}

// Outdate marks the preview as no longer showing what Start would send,
// saying why.
func (m *PreviewModel) Outdate(why string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.outdate == "" {
		m.outdate, m.dirty = why, true
	}
}

// Outdated is why the preview is out of date, or "".
func (m *PreviewModel) Outdated() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.outdate
}

// Ended reports whether the preview has finished or stopped.
func (m *PreviewModel) Ended() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ended
}

// TakeDirty reports whether anything changed since the last call, and
// clears the flag.
func (m *PreviewModel) TakeDirty() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.dirty
	m.dirty = false
	return d
}

// Seen is the number of rows looked up so far.
func (m *PreviewModel) Seen() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seen
}

// Listed is the number of rows kept for the list.
func (m *PreviewModel) Listed() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rows)
}

// Row is listed row i.
func (m *PreviewModel) Row(i int) run.RowPreview {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rows[i]
}

// Totals counts every row seen by kind; Calls is known once it ended.
func (m *PreviewModel) Totals() run.PreviewTotals {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.counts
	t.Calls = m.final.Calls
	return t
}

// Count is the number of rows seen that f keeps, listed or not.
func (m *PreviewModel) Count(f PreviewFilter) int {
	t := m.Totals()
	switch f {
	case PreviewCreate:
		return t.Create
	case PreviewUpdate:
		return t.Update
	case PreviewNoChange:
		return t.NoChange
	case PreviewLeftAlone:
		return t.LeaveAlone
	case PreviewRefused:
		return t.Ambiguous + t.NotFound
	case PreviewRepeats:
		return t.Repeats
	}
	return m.Seen()
}

// Filter appends to dst the list indexes of the listed rows f keeps and
// returns it.
func (m *PreviewModel) Filter(f PreviewFilter, dst []int) []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	dst = dst[:0]
	for i := range m.rows {
		if f.Keeps(m.rows[i].Kind) {
			dst = append(dst, i)
		}
	}
	return dst
}

// Head is the preview's headline: its progress, its summary, or why it
// stopped.
func (m *PreviewModel) Head() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case !m.ended:
		return fmt.Sprintf("Looking the rows up in Marketo… %s of %s %s (nothing is changed)", Count(m.seen), Count(m.total), Plural(m.total, "row", "rows"))
	case errors.Is(m.err, context.Canceled):
		return fmt.Sprintf("Preview stopped after %s of %s %s; nothing was changed in Marketo.", Count(m.seen), Count(m.total), Plural(m.total, "row", "rows"))
	case m.err != nil:
		return m.err.Error()
	}
	return job.PreviewSummary(m.final)
}

// Failed reports whether the preview ended with an error other than a stop.
func (m *PreviewModel) Failed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err != nil && !errors.Is(m.err, context.Canceled)
}

// Note says what the list leaves out and whether the preview is out of
// date, or "".
func (m *PreviewModel) Note() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var parts []string
	if m.outdate != "" {
		parts = append(parts, "Out of date: "+m.outdate+" Preview again to see what Start would send now.")
	}
	if m.seen > len(m.rows) {
		parts = append(parts, fmt.Sprintf("The list shows the first %s of %s rows, to keep memory small; the counts cover every row.", Count(len(m.rows)), Count(m.seen)))
	}
	return strings.Join(parts, " ")
}

// Why a preview is out of date.
const (
	PreviewOutdatedSettings = "the file, the mapping or a setting changed after this preview."
	PreviewOutdatedSent     = "a sync ran after this preview, so Marketo has changed."
)

// NoPreview is why an account cannot preview.
const NoPreview = "The preview needs a REST account: SOAP has no way to look many leads up at once. Choose a REST account (top right) to preview."

// PreviewLabel is the preview button's label when there is nothing to
// preview.
const PreviewLabel = "Preview changes"

// PreviewButton is the label of the preview button, with its cost.
func PreviewButton(calls int) string {
	return fmt.Sprintf("%s (%s %s)", PreviewLabel, Count(calls), Plural(calls, "call", "calls"))
}

// ChangesLine lists a row's field changes on one line, old → new.
func ChangesLine(cs []run.FieldChange) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = changeText(c)
	}
	return strings.Join(parts, " · ")
}

func changeText(c run.FieldChange) string {
	return fmt.Sprintf("%s: %s → %s", c.Field, shownValue(c.Old), shownValue(c.New))
}

func shownValue(v string) string {
	if v == "" {
		return "empty"
	}
	return "\u201c" + v + "\u201d"
}

// PreviewDetail is the full account of one row, one change a line, for the
// row the operator selects.
func PreviewDetail(p run.RowPreview) string {
	s := fmt.Sprintf("Row %d · %s · %s", p.Row, p.Key, results.PreviewWords(p))
	for _, c := range p.Changes {
		s += "\n" + changeText(c)
	}
	return s
}
