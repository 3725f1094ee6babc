package viewmodel

import (
	"fmt"
	"slices"
	"strings"

	"leadsheet/importer"
	"leadsheet/importer/fieldtype"
	"leadsheet/importer/job"
	"leadsheet/importer/mapping"
	"leadsheet/importer/sheet"
	"leadsheet/marketo"
)

// samplesPerColumn is how many example values the Map step shows per column.
const samplesPerColumn = 3

// Target labels of the chooser that are not Marketo fields.
const (
	LabelSkip        = "Skip (don't send)"
	LabelID          = "Marketo Id (key)"
	LabelEmail       = "Email (key)"
	LabelFSPI        = "ForeignSysPersonId (key)"
	LabelForeignType = "ForeignSysType"
)

// MapModel is the Map step without widgets: the mapping of each column, the
// options the operator chooses from and the key each row will match on.
type MapModel struct {
	Header     sheet.Header
	Mapping    importer.Mapping
	Matches    []mapping.Match // AutoMap's verdict per column (confidence and reason)
	Samples    [][]string      // a few values per column, from the first rows
	Fields     []marketo.Field // the connected Marketo's lead fields; nil: the standard list
	Dedup      bool
	BatchSize  int
	PresetName string // name of the preset the mapping was recalled from, if any

	// Mode restricts which people the import may change; it needs dedup
	// on and a REST account (the job refuses it otherwise).
	Mode marketo.SyncMode
	// ClearBlanks makes blank cells empty their fields in Marketo. The
	// operator confirms it for each import: presets never carry it.
	ClearBlanks bool
	// FillEmpty keeps values already in Marketo: a field is sent only to
	// leads where it is empty (REST, dedup on; one more call per batch).
	FillEmpty bool
	// Bulk sends with Marketo's Bulk Import API: a call per file of up to
	// 10 MB instead of one per batch, answered per file. It needs a REST
	// account, dedup on and none of the choices above (the job refuses
	// it otherwise); like them, presets never carry it.
	Bulk bool
	// Values say how to read dates and times. Their Booleans is not
	// used: tick columns are chosen per column, in Ticks.
	Values fieldtype.Options
	// Ticks marks, per column, a yes/no column written as tick marks,
	// where a blank cell sends No. Only a column mapped to a yes/no field
	// can be one; like ClearBlanks, presets never carry it.
	Ticks []bool

	labels  []string                   // chooser options, in order
	targets map[string]importer.Target // label -> target
	types   map[string]string          // lower-case field name -> data type
}

// NewMapModel auto-maps a header against a field list (nil: the standard
// fields), with samples taken from preview rows below the header.
func NewMapModel(h sheet.Header, preview []importer.Row, fields []marketo.Field) *MapModel {
	m := &MapModel{Header: h, Fields: fields, Dedup: true, BatchSize: marketo.MaxBatch}
	m.Mapping, m.Matches = mapping.AutoMap(h.Names, fields)
	m.Samples = make([][]string, len(h.Names))
	for _, r := range preview {
		if r.Number <= h.Row {
			continue
		}
		for i := range h.Names {
			if i < len(r.Cells) && strings.TrimSpace(r.Cells[i]) != "" && len(m.Samples[i]) < samplesPerColumn {
				m.Samples[i] = append(m.Samples[i], r.Cells[i])
			}
		}
	}
	m.buildOptions()
	return m
}

func (m *MapModel) buildOptions() {
	m.labels = []string{LabelSkip, LabelID, LabelEmail, LabelFSPI, LabelForeignType}
	m.targets = map[string]importer.Target{
		LabelSkip:        {Kind: importer.Skip},
		LabelID:          {Kind: importer.ToID},
		LabelEmail:       {Kind: importer.ToEmail},
		LabelFSPI:        {Kind: importer.ToForeignSysPersonID},
		LabelForeignType: {Kind: importer.ToForeignSysType},
	}
	fields := m.Fields
	if fields == nil {
		fields = mapping.StandardFields()
	}
	m.types = make(map[string]string, len(fields))
	var attrs []string
	for _, f := range fields {
		m.types[strings.ToLower(f.Name)] = strings.ToLower(f.Type)
		if f.ReadOnly {
			continue
		}
		l := FieldLabel(f)
		if _, dup := m.targets[l]; dup {
			continue
		}
		m.targets[l] = importer.Target{Kind: importer.ToAttribute, Field: f.Name}
		attrs = append(attrs, l)
	}
	slices.SortFunc(attrs, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	m.labels = append(m.labels, attrs...)
}

// FieldLabel is how a Marketo field appears in the chooser: its display
// name with the API name the operator may know from Marketo's admin pages.
func FieldLabel(f marketo.Field) string {
	if f.DisplayName == "" || f.DisplayName == f.Name {
		return f.Name
	}
	return fmt.Sprintf("%s (%s)", f.DisplayName, f.Name)
}

// Options lists the chooser's labels, keys first, then fields by name.
func (m *MapModel) Options() []string { return m.labels }

// Search returns the options containing every word of query, ignoring case.
func (m *MapModel) Search(query string) []string { return SearchLabels(m.labels, query) }

// Label names a column's current target in the chooser's words.
func (m *MapModel) Label(col int) string {
	t := m.Mapping.Columns[col]
	for _, l := range m.labels {
		if m.targets[l] == t {
			return l
		}
	}
	switch t.Kind {
	case importer.ToAttribute:
		return t.Field // a field the connected Marketo does not list
	case importer.ToMemberStatus:
		return LabelMemberState
	}
	return LabelSkip
}

// reasonStatusColumn is the Match reason of the column chosen in the
// Target section as the member status column.
const reasonStatusColumn = "the program member status, chosen under Target"

// StatusColumn is the column giving each row its program member status,
// or -1.
func (m *MapModel) StatusColumn() int {
	for i, t := range m.Mapping.Columns {
		if t.Kind == importer.ToMemberStatus {
			return i
		}
	}
	return -1
}

// SetStatusColumn makes column col the one giving each row its program
// member status (-1: none): it is no longer sent as a field. A column
// that was the status column before goes back to Skip. It returns the
// columns whose target changed, for the view to redraw.
func (m *MapModel) SetStatusColumn(col int) []int {
	var changed []int
	for i, t := range m.Mapping.Columns {
		if t.Kind == importer.ToMemberStatus && i != col {
			m.Mapping.Columns[i] = importer.Target{}
			m.Matches[i] = mapping.Match{Confidence: mapping.None, Reason: "no longer the member status column"}
			changed = append(changed, i)
		}
	}
	if col >= 0 && col < len(m.Mapping.Columns) && m.Mapping.Columns[col].Kind != importer.ToMemberStatus {
		m.Mapping.Columns[col] = importer.Target{Kind: importer.ToMemberStatus}
		m.Matches[col] = mapping.Match{Confidence: mapping.None, Reason: reasonStatusColumn}
		changed = append(changed, col)
	}
	if len(changed) > 0 {
		m.PresetName = ""
		m.dropTicks()
	}
	return changed
}

// StatusColumnOptions name the columns that may hold the member status,
// as the Target section offers them: every column but the keys, which
// Marketo needs to find the person.
func (m *MapModel) StatusColumnOptions() []string {
	var out []string
	for i := range m.Header.Names {
		switch m.Mapping.Columns[i].Kind {
		case importer.ToID, importer.ToEmail, importer.ToForeignSysPersonID:
			continue
		}
		out = append(out, m.ColumnName(i))
	}
	return out
}

// ColumnName is how the Target section names column col: its header,
// with its letter when another column has the same header.
func (m *MapModel) ColumnName(col int) string {
	name := m.Header.Names[col]
	for i, n := range m.Header.Names {
		if i != col && n == name && col < len(m.Header.Letters) {
			return fmt.Sprintf("%s (column %s)", name, m.Header.Letters[col])
		}
	}
	return name
}

// ColumnNamed is the column ColumnName calls label, or -1.
func (m *MapModel) ColumnNamed(label string) int {
	for i := range m.Header.Names {
		if m.ColumnName(i) == label {
			return i
		}
	}
	return -1
}

// Set maps a column to the target named by label. A key or field can feed
// one column only: a column that had it before is set to Skip, and its
// index is returned (-1 if none) so the view can redraw it.
func (m *MapModel) Set(col int, label string) (cleared int, err error) {
	t, ok := m.targets[label]
	if !ok {
		return -1, fmt.Errorf("%q is not a field of this Marketo: pick one from the list", label)
	}
	cleared = -1
	if t.Kind != importer.Skip {
		for i, other := range m.Mapping.Columns {
			if i != col && other == t {
				m.Mapping.Columns[i] = importer.Target{}
				m.Matches[i] = mapping.Match{Confidence: mapping.None, Reason: "cleared: " + label + " is now mapped from " + Quote(m.Header.Names[col])}
				cleared = i
			}
		}
	}
	m.Mapping.Columns[col] = t
	m.Matches[col] = mapping.Match{Confidence: mapping.None, Reason: "chosen by you"}
	m.PresetName = ""
	m.dropTicks()
	return cleared, nil
}

// Tickable reports whether a column goes to a yes/no field, and so may be
// marked as tick marks.
func (m *MapModel) Tickable(col int) bool {
	t := m.Mapping.Columns[col]
	return t.Kind == importer.ToAttribute && m.types[strings.ToLower(t.Field)] == "boolean"
}

// Tick reports whether a column is marked as tick marks.
func (m *MapModel) Tick(col int) bool { return col < len(m.Ticks) && m.Ticks[col] }

// SetTick marks a yes/no column as tick marks, or unmarks it; it reports
// whether that changed anything. Other columns cannot be marked.
func (m *MapModel) SetTick(col int, on bool) bool {
	on = on && m.Tickable(col)
	if m.Tick(col) == on {
		return false
	}
	if m.Ticks == nil {
		m.Ticks = make([]bool, len(m.Mapping.Columns))
	}
	m.Ticks[col] = on
	return true
}

// dropTicks unmarks the columns no longer mapped to a yes/no field.
func (m *MapModel) dropTicks() {
	for i := range m.Ticks {
		m.Ticks[i] = m.Ticks[i] && i < len(m.Mapping.Columns) && m.Tickable(i)
	}
}

// TickColumns are the tick marks for the job: nil when no column is one.
func (m *MapModel) TickColumns() []bool {
	if !slices.Contains(m.Ticks, true) {
		return nil
	}
	return slices.Clone(m.Ticks)
}

// Quote puts s in typographic quotes, as the window quotes headers.
func Quote(s string) string { return "\u201c" + s + "\u201d" }

// Origins says who chose each column's target, as the job weighs it: a
// guessed key column stops the run until the operator confirms it.
func (m *MapModel) Origins() []job.Origin {
	out := make([]job.Origin, len(m.Mapping.Columns))
	for i, match := range m.Matches {
		switch {
		case match.Confidence == mapping.Guess:
			out[i] = job.Guessed
		case match.Confidence != mapping.None:
			out[i] = job.Auto
		case strings.HasPrefix(match.Reason, "from your saved"):
			out[i] = job.Preset
		default:
			out[i] = job.Operator
		}
	}
	return out
}

// GuessedKey is the first key column whose target was only guessed, or -1.
func (m *MapModel) GuessedKey() int {
	for i, o := range m.Origins() {
		switch m.Mapping.Columns[i].Kind {
		case importer.ToID, importer.ToEmail, importer.ToForeignSysPersonID:
			if o == job.Guessed {
				return i
			}
		}
	}
	return -1
}

// Confirm takes a guessed column's target as the operator's own.
func (m *MapModel) Confirm(col int) {
	m.Matches[col] = mapping.Match{Confidence: mapping.None, Reason: "chosen by you"}
	m.PresetName = ""
}

// Badge is the short confidence mark shown beside an auto-mapped column.
func (m *MapModel) Badge(col int) string {
	switch m.Matches[col].Confidence {
	case mapping.Exact:
		return "auto · exact"
	case mapping.Synonym:
		return "auto · likely"
	case mapping.Guess:
		return "auto · guess, check"
	}
	switch r := m.Matches[col].Reason; {
	case r == "chosen by you":
		return "set by you"
	case r == reasonStatusColumn:
		return "Target: status"
	case strings.HasPrefix(r, "from your saved"):
		return "saved mapping"
	case strings.HasPrefix(r, reasonFromRun):
		return "as imported"
	}
	return ""
}

// KeyColumns reports which key kinds are mapped.
func (m *MapModel) KeyColumns() (id, fspi, email bool) {
	for _, t := range m.Mapping.Columns {
		switch t.Kind {
		case importer.ToID:
			id = true
		case importer.ToForeignSysPersonID:
			fspi = true
		case importer.ToEmail:
			email = true
		}
	}
	return
}

// KeyCounts counts rows by the key Marketo will match them on.
func KeyCounts(m importer.Mapping, rows []importer.Row) map[marketo.KeyKind]int {
	out := map[marketo.KeyKind]int{}
	for _, r := range rows {
		out[m.Lead(r.Cells).Key()]++
	}
	return out
}

// KeySentence explains in one sentence which key rows match on, with
// Marketo's precedence Id > ForeignSysPersonId > Email. counts may be nil
// before the rows are read.
func (m *MapModel) KeySentence(counts map[marketo.KeyKind]int) string {
	id, fspi, email := m.KeyColumns()
	if !id && !fspi && !email {
		return "No key column is mapped: map a column to Email (or Marketo Id / ForeignSysPersonId) so Marketo can find or create each lead."
	}
	var order []string
	if id {
		order = append(order, "Marketo Id")
	}
	if fspi {
		order = append(order, "ForeignSysPersonId")
	}
	if email {
		order = append(order, "Email")
	}
	s := "Marketo matches each row on " + order[0]
	for _, k := range order[1:] {
		s += ", else " + k
	}
	if len(order) > 1 {
		s += " (the first one the row has)"
	}
	s += "."
	if counts != nil {
		var parts []string
		for _, k := range []marketo.KeyKind{marketo.KeyID, marketo.KeyForeignSysPersonID, marketo.KeyEmail} {
			if n := counts[k]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s by %s", Count(n), k))
			}
		}
		if n := counts[marketo.KeyNone]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s without any key (not sent)", Count(n)))
		}
		if len(parts) > 0 {
			s += " Rows: " + strings.Join(parts, ", ") + "."
		}
	}
	if email && !id && !fspi && !m.emailIsAttribute() {
		s += " Email is only used to find the lead; an existing lead's email is not changed."
	}
	return s
}

func (m *MapModel) emailIsAttribute() bool {
	for _, t := range m.Mapping.Columns {
		if t.Kind == importer.ToAttribute && strings.EqualFold(t.Field, "email") {
			return true
		}
	}
	return false
}

// DedupWarning is the warning shown when dedup is off.
const DedupWarning = "Off creates duplicates in Marketo: every row becomes a new lead, even if the person is already there."

// ApplyPreset takes a saved mapping for this header.
func (m *MapModel) ApplyPreset(p mapping.Preset) {
	m.Mapping = p.MappingFor(m.Header.Names)
	for i, t := range m.Mapping.Columns {
		reason := "from your saved mapping “" + p.Name + "”"
		if t.Kind == importer.Skip {
			reason = "skipped in your saved mapping"
		}
		m.Matches[i] = mapping.Match{Confidence: mapping.None, Reason: reason}
	}
	m.dropTicks()
	m.Dedup = p.Dedup
	m.BatchSize = p.BatchSize
	if m.BatchSize <= 0 || m.BatchSize > marketo.MaxBatch {
		m.BatchSize = marketo.MaxBatch
	}
	m.PresetName = p.Name
}

// KeepChoices carries the import choices of prev, the mapping this one
// replaces (another sheet or header row, or the account's field list
// arriving), so a new mapping does not quietly widen who may be changed,
// overwrite values the operator chose to keep, send with another API, or
// read times in another zone. Clearing blanks and tick columns are kept
// only for the same columns: the operator chose them for those.
func (m *MapModel) KeepChoices(prev *MapModel) {
	if prev == nil {
		return
	}
	m.Mode, m.Values, m.FillEmpty, m.Bulk = prev.Mode, prev.Values, prev.FillEmpty, prev.Bulk
	if slices.Equal(prev.Header.Names, m.Header.Names) {
		m.ClearBlanks = prev.ClearBlanks
		m.Ticks = slices.Clone(prev.Ticks)
		m.dropTicks()
		// The status column is the Target section's choice, not a field
		// the new field list could map.
		if col := prev.StatusColumn(); col >= 0 {
			m.SetStatusColumn(col)
			m.Matches[col] = prev.Matches[col]
		}
	}
}

// Preset captures the current mapping under a name.
func (m *MapModel) Preset(name string) mapping.Preset {
	// The member status column is the Target section's, which a preset
	// does not keep: saved, it would stop the mapping without a program.
	mp := m.Mapping
	mp.Columns = slices.Clone(mp.Columns)
	for i, t := range mp.Columns {
		if t.Kind == importer.ToMemberStatus {
			mp.Columns[i] = importer.Target{}
		}
	}
	return mapping.Preset{Name: name, Headers: append([]string(nil), m.Header.Names...), Mapping: mp, Dedup: m.Dedup, BatchSize: m.BatchSize}
}
