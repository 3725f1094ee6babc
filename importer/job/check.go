package job

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/fieldtype"
	"leadsheet/importer/mapping"
	"leadsheet/importer/run"
	"leadsheet/importer/sheet"
	"leadsheet/marketo"
)

// Origin says who decided a column's target. Only the operator's word
// (given by hand or saved in a preset) or an exact match of the header
// makes a key column safe to send on: a guessed key overwrites other
// people's leads when it is wrong.
type Origin uint8

// Where a column's target came from.
const (
	Auto     Origin = iota // AutoMap matched the header exactly
	Guessed                // AutoMap guessed (a synonym, a part of the header, a bare "ID")
	Operator               // the operator chose it: --map, the window's picker, or a confirm
	Preset                 // a saved mapping the operator made earlier
)

// Settings are the operator's choices for one import.
type Settings struct {
	Mapping importer.Mapping
	// Origins says, per column, who chose its target; missing entries
	// count as Operator.
	Origins []Origin
	Fields  []marketo.Field // the instance's field list; nil when not connected
	Dedup   bool
	// Mode restricts which people the import may touch (create only,
	// update only); it needs dedup on and a REST account.
	Mode marketo.SyncMode
	// FillEmpty sends a value only where the field is empty in Marketo
	// (REST): each batch is looked up just before it is sent.
	FillEmpty bool
	// Values are the operator's choices for reading cells that do not say
	// it themselves: day/month order and time zone. Their Booleans is not
	// used: tick columns are chosen per column, in Mapping.Ticks.
	Values    fieldtype.Options
	BatchSize int    // 1..300; 0 means 300
	API       string // marketo.ProfileSOAP or marketo.ProfileREST; sizes batches for that API
	// Bulk sends with Marketo's Bulk Import API (REST) instead of Sync
	// Leads: a call per file of up to 10 MB, but no live per-row answer,
	// no created/updated split and no lead ids.
	Bulk bool
	// BulkFileBytes caps one bulk import file; 0 means Marketo's limit.
	BulkFileBytes int
	// BulkLookUp looks the rows a bulk import took up afterwards (a call
	// per 300 rows) for their lead ids and Created or Updated.
	BulkLookUp bool
	// List is the static list every confirmed row's lead is added to
	// (REST); its ID 0 for none. Find it with [FindList].
	List marketo.StaticList
	// Program and ProgramStatus make every confirmed row's lead a member
	// of the program with that status (REST); Program.ID 0 for none. Find
	// the program with [FindProgram], the status with its Status. A
	// column mapped to [importer.ToMemberStatus] gives each row its own
	// status, one of Program.Statuses; a blank cell takes ProgramStatus.
	Program       ProgramTarget
	ProgramStatus string
	// ListOnly adds the people Marketo already has to the list and the
	// program and creates or changes nobody (Marketo's "skip new people
	// and updates"): each batch's keys are looked up, a call per batch,
	// instead of synced; rows Marketo has nobody for are left alone.
	ListOnly bool
	// Partition is the lead partition new people go into (REST); "" for
	// the API user's default. Find it with [FindPartition].
	Partition string
}

// journalSettings spells out, canonically, the settings beyond the
// mapping and dedup that change what is sent: an import run with other
// ones is another import, with its own journal.
func (s Settings) journalSettings() string {
	var parts []string
	if s.Mode != marketo.CreateOrUpdate {
		parts = append(parts, "mode="+s.Mode.String())
	}
	if s.Mapping.ClearBlanks {
		parts = append(parts, "blanks=clear")
	}
	if s.FillEmpty && s.Dedup {
		parts = append(parts, "fill=empty")
	}
	// Date order and zone only change what is sent when a date or time
	// column is mapped; anywhere else a changed zone is no reason to
	// refuse to resume.
	if v := s.Values; v.DateOrder != fieldtype.DateOrderUnset && s.maps("date", "datetime") {
		parts = append(parts, fmt.Sprintf("dates=%d", v.DateOrder))
	}
	if v := s.Values; v.Zone != nil && v.Zone != time.Local && s.maps("datetime") {
		parts = append(parts, "zone="+v.Zone.String())
	}
	var ticks []string
	for i := range s.Mapping.Columns {
		if s.Mapping.Tick(i) {
			ticks = append(ticks, strconv.Itoa(i))
		}
	}
	if len(ticks) > 0 {
		parts = append(parts, "ticks="+strings.Join(ticks, ","))
	}
	if s.List.ID != 0 {
		parts = append(parts, "list="+strconv.Itoa(s.List.ID))
	}
	if s.Program.ID != 0 {
		parts = append(parts, "program="+strconv.Itoa(s.Program.ID)+"/"+s.ProgramStatus)
	}
	if i := s.StatusColumn(); i >= 0 {
		parts = append(parts, "status-column="+strconv.Itoa(i))
	}
	if s.ListOnly {
		parts = append(parts, "only=existing")
	}
	if s.Partition != "" {
		parts = append(parts, "partition="+s.Partition)
	}
	return strings.Join(parts, ";")
}

// StatusColumn is the column giving each row its program member status,
// or -1.
func (s Settings) StatusColumn() int {
	for i, t := range s.Mapping.Columns {
		if t.Kind == importer.ToMemberStatus {
			return i
		}
	}
	return -1
}

// memberStatus is the program member status row r asks for, as Marketo
// spells it: its status cell, or ProgramStatus where the cell is blank.
// A status the program's channel does not have, or none at all, is a
// problem that keeps the row from being sent: the operator said which
// status each row gets, and a guess would set the wrong one.
func (s Settings) memberStatus(r importer.Row, col int, header string) (string, *importer.Problem) {
	v := ""
	if col < len(r.Cells) {
		v = strings.TrimSpace(r.Cells[col])
	}
	if v == "" {
		if s.ProgramStatus != "" {
			return s.ProgramStatus, nil
		}
		return "", &importer.Problem{Row: r.Number, Column: header, Severity: importer.Invalid, Message: fmt.Sprintf(
			"The %s cell is blank, so Leadsheet does not know which member status of %q to give this person. Fill it in, or choose a status for rows without one.", header, s.Program.Name)}
	}
	st, err := s.Program.Status(v)
	if err != nil {
		var je *Error
		msg := err.Error()
		if errors.As(err, &je) {
			msg = je.Detail
		}
		return "", &importer.Problem{Row: r.Number, Column: header, Severity: importer.Invalid, Message: msg + " Fix the cell, or leave it blank for the status chosen for the whole sheet."}
	}
	return st, nil
}

// values are the settings' reading options with what the file itself
// says: its date system.
func (j *Job) values(s Settings) fieldtype.Options {
	v := s.Values
	v.Date1904 = j.wb.Date1904()
	return v
}

// maps reports whether a column is mapped to a field of one of types, or
// might be (the field list is not known).
func (s Settings) maps(types ...string) bool {
	if s.Fields == nil {
		return true
	}
	for _, t := range s.Mapping.Columns {
		if t.Kind != importer.ToAttribute {
			continue
		}
		for _, f := range s.Fields {
			if f.Name == t.Field && slices.ContainsFunc(types, func(ty string) bool { return strings.EqualFold(ty, f.Type) }) {
				return true
			}
		}
	}
	return false
}

// SettingsWords says a journal's settings in the operator's words.
func SettingsWords(settings string) string {
	if settings == "" {
		return "the default settings (create or update, blank cells left alone)"
	}
	var out []string
	for _, p := range strings.Split(settings, ";") {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "mode":
			out = append(out, v)
		case "blanks":
			out = append(out, "blank cells clear fields")
		case "fill":
			out = append(out, "only empty fields filled")
		case "dates":
			out = append(out, map[string]string{"1": "text dates day first", "2": "text dates month first"}[v])
		case "zone":
			out = append(out, "times in "+v)
		case "ticks":
			out = append(out, "tick columns "+v)
		case "list":
			out = append(out, "into static list "+v)
		case "program":
			id, status, _ := strings.Cut(v, "/")
			out = append(out, fmt.Sprintf("into program %s as %q", id, status))
		case "status-column":
			if n, err := strconv.Atoi(v); err == nil {
				out = append(out, "member status from column "+importer.ColumnLetter(n+1))
			}
		case "only":
			out = append(out, "existing people only")
		case "partition":
			out = append(out, "new people into partition "+v)
		default:
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// sendProblem is why these settings cannot be sent at all, or "".
func (s Settings) sendProblem() string {
	rest := strings.EqualFold(s.API, marketo.ProfileREST)
	if s.Mode != marketo.CreateOrUpdate {
		if !s.Dedup {
			return fmt.Sprintf("%s needs dedup on: with dedup off every row creates a new lead. Turn dedup on, or choose create or update.", capitalize(s.Mode.String()))
		}
		if !rest && s.API != "" {
			return fmt.Sprintf("%s needs a REST account: SOAP's syncMultipleLeads always creates or updates. Connect with REST (--api rest), or choose create or update.", capitalize(s.Mode.String()))
		}
	}
	if s.Mode == marketo.CreateOnly {
		for _, t := range s.Mapping.Columns {
			if t.Kind == importer.ToID {
				return "Create only cannot match on Marketo Id: an Id names a lead that already exists, so there is nothing to create. Skip the Id column, or choose create or update."
			}
		}
	}
	if s.FillEmpty && !rest && s.API != "" {
		return "Filling only empty fields needs a REST account: SOAP cannot look the leads up first. Connect with REST (--api rest), or update every mapped field."
	}
	if s.FillEmpty && s.Mapping.ClearBlanks {
		return "Filling only empty fields and clearing fields from blank cells contradict each other: a field that is empty needs no clearing. Choose one."
	}
	for i, t := range s.Mapping.Columns {
		if !s.Mapping.Tick(i) {
			continue
		}
		name := fmt.Sprintf("column %d", i+1)
		if i < len(s.Mapping.Headers) {
			name = strconv.Quote(s.Mapping.Headers[i])
		}
		if t.Kind != importer.ToAttribute {
			return fmt.Sprintf("%s is marked as a tick column, but it is not mapped to a yes/no field. Map it to one, or do not mark it.", capitalize(name))
		}
		for _, f := range s.Fields {
			if f.Name == t.Field && !strings.EqualFold(f.Type, "boolean") {
				return fmt.Sprintf("%s is marked as a tick column, but %s is a %s field, not a yes/no one: a blank cell would send No to it. Do not mark the column, or map it to a yes/no field.", capitalize(name), f.Name, f.Type)
			}
		}
	}
	if s.Bulk {
		if msg := s.bulkProblem(rest); msg != "" {
			return msg
		}
	}
	if s.Program.ID != 0 && !rest && s.API != "" {
		return "Setting program member statuses needs a REST account: SOAP has no program calls Leadsheet can use. Connect with REST (--api rest), or import without a program."
	}
	if s.Program.ID != 0 && s.Bulk {
		if s.List.ID != 0 || s.List.Name != "" {
			return "Bulk Import cannot put the leads into a static list and a program in one go: Marketo's program member import takes no list. Choose one, or send with Sync Leads (--engine sync)."
		}
		for _, t := range s.Mapping.Columns {
			if t.Kind == importer.ToID || t.Kind == importer.ToForeignSysPersonID {
				return "Bulk Import into a program matches people on their email only, and a column is mapped to the Marketo Id or ForeignSysPersonId. Skip that column, or send with Sync Leads (--engine sync)."
			}
		}
	}
	if s.List.ID != 0 && !rest && s.API != "" {
		return "Adding the leads to a static list needs a REST account: SOAP has no list calls Leadsheet can use. Connect with REST (--api rest), or import without a list."
	}
	if s.Mapping.ClearBlanks && !rest && s.API != "" {
		return "Clearing fields from blank cells needs a REST account: SOAP cannot send an empty value. Connect with REST (--api rest), or leave blank cells alone."
	}
	if msg := s.targetProblem(rest); msg != "" {
		return msg
	}
	return ""
}

// targetProblem is why the status column, list-only mode or partition
// cannot work with the other settings, or "".
func (s Settings) targetProblem(rest bool) string {
	if s.StatusColumn() >= 0 {
		switch {
		case s.Program.ID == 0:
			return "A column is mapped to the program member status, but no program is chosen. Choose the program, or skip the column."
		case s.Bulk:
			return "Bulk Import sets one member status for a whole file, so it cannot take a status per row from a column. Send with Sync Leads (--engine sync), or choose one status for every row."
		}
	}
	if s.ListOnly {
		switch {
		case !rest && s.API != "":
			return "Adding only people already in Marketo needs a REST account: SOAP cannot look people up and has no list calls. Connect with REST (--api rest)."
		case s.List.ID == 0 && s.List.Name == "" && s.Program.ID == 0:
			return "Adding only people already in Marketo needs a static list or a program to add them to. Choose one, or import without list-only."
		case s.Bulk:
			return "Bulk Import creates and updates people; it cannot only add existing ones to a list. Send with Sync Leads (--engine sync)."
		case !s.Dedup:
			return "Dedup off creates every row as a new person, and list-only creates nobody: they contradict each other. Turn dedup on."
		case s.Mode != marketo.CreateOrUpdate, s.FillEmpty, s.Mapping.ClearBlanks:
			return "List-only changes no field of anyone, so create only, update only, filling empty fields and clearing fields do not go with it. Choose list-only alone, or import the fields."
		case s.Partition != "":
			return "List-only creates nobody, so a partition for new people does not go with it. Leave the partition out."
		}
	}
	if s.Partition != "" {
		switch {
		case !rest && s.API != "":
			return "Lead partitions need a REST account: SOAP's syncMultipleLeads cannot name one. Connect with REST (--api rest), or leave the partition out."
		case !s.Dedup:
			return "Marketo puts new people into a partition only when it may match them (dedup on): with dedup off it refuses a partition. Turn dedup on, or leave the partition out."
		case s.Mode == marketo.UpdateOnly:
			return "Update only creates nobody, and a partition only says where new people go. Leave the partition out, or choose create or update."
		case s.FillEmpty:
			return "Filling only empty fields looks people up in every partition, so it could leave out values a new person in the partition needs. Leave the partition out, or update every mapped field."
		case s.Bulk && s.Program.ID != 0:
			return "Bulk Import into a program takes no partition: Marketo's program member import puts new people in the default one. Send with Sync Leads (--engine sync), or leave the partition out."
		}
	}
	return ""
}

// bulkProblem is why these settings cannot go through Bulk Import, or "".
func (s Settings) bulkProblem(rest bool) string {
	switch {
	case !rest && s.API != "":
		return "Bulk Import needs a REST account: SOAP has no bulk import. Connect with REST (--api rest), or send with Sync Leads (--engine sync)."
	case !s.Dedup:
		return "Bulk Import always updates people already in Marketo (matched on the key); it cannot create every row anew. Turn dedup on, or send with Sync Leads (--engine sync)."
	case s.Mode != marketo.CreateOrUpdate:
		return fmt.Sprintf("Bulk Import only creates or updates; it cannot %s. Choose create or update, or send with Sync Leads (--engine sync).", s.Mode)
	case s.FillEmpty:
		return "Bulk Import cannot fill only empty fields: it cannot look people up first. Send with Sync Leads (--engine sync), or update every mapped field."
	case s.Mapping.ClearBlanks:
		return "Bulk Import cannot empty fields: a blank cell in an import file leaves Marketo's value as it is. Send with Sync Leads (--engine sync), or leave blank cells alone."
	}
	return ""
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (s Settings) origin(i int) Origin {
	if i < len(s.Origins) {
		return s.Origins[i]
	}
	return Operator
}

// MaxProblems caps Report.Problems; counts stay exact.
const MaxProblems = 1000

// RowCheck is one row's verdict, for a live table that keeps no cells.
type RowCheck struct {
	Row     int    // sheet row number
	Key     string // the value the row is matched on
	Invalid bool   // never sent
	Reason  string // why it is not sent, when Invalid
}

// Report is what pre-flight found: counts, the first problems, the invalid
// rows, and a digest of every batch so the send step can prove it reads
// again exactly what was checked. It keeps no leads beyond the first
// batch, so memory does not grow with the sheet beyond a few bytes a row.
type Report struct {
	Rows      int // data rows read
	Valid     int // rows that will be sent
	Warned    int // valid rows with a warning
	ByKey     map[marketo.KeyKind]int
	Problems  []importer.Problem // sheet problems first, then rows; at most MaxProblems
	NProblems int                // all problems, even past the cap
	Notes     []string           // what the reader noticed (merged cells, formats)
	// Fatal, when set, is why no row can be sent with this mapping.
	Fatal   *Error
	Skipped []importer.RowResult // the invalid rows, with their reasons
	First   *importer.Batch      // the first batch, for a dry run's sample request
	// Unchecked names what could not be checked without Marketo's field
	// list (names, types and lengths of fields); empty when it was known.
	Unchecked string

	settings Settings
	digests  []digest
	csvBytes int64 // the valid rows as lines of a bulk import file, roughly
	headers  sheet.Header
	// statusCalls counts the program calls a status column makes: one per
	// status per batch.
	statusCalls int
}

// statusCalls is how many Change Program Member Status calls batch b
// takes after it: one per status its status column names (a blank cell
// already holds the sheet's status).
func statusCalls(b importer.Batch) int {
	seen := map[string]bool{}
	for _, st := range b.Statuses {
		seen[st] = true
	}
	return len(seen)
}

// Batches is the number of calls the rows need.
func (r *Report) Batches() int { return len(r.digests) }

// Settings are the choices the report was made for.
func (r *Report) Settings() Settings { return r.settings }

// IntoList is the report for sending the same rows into static list l as
// well: the list changes no row's check, only what a run does after each
// batch and what it costs. A list not made yet (ID 0, a name) counts in
// the estimate only.
func (r *Report) IntoList(l marketo.StaticList) *Report {
	c := *r
	c.settings.List = l
	return &c
}

// KeyColumn is the header of the key column most rows match on.
func (r *Report) KeyColumn() string {
	best, n := marketo.KeyNone, 0
	for k := marketo.KeyID; k <= marketo.KeyEmail; k++ {
		if r.ByKey[k] > n {
			best, n = k, r.ByKey[k]
		}
	}
	want := map[marketo.KeyKind]importer.TargetKind{marketo.KeyID: importer.ToID,
		marketo.KeyForeignSysPersonID: importer.ToForeignSysPersonID, marketo.KeyEmail: importer.ToEmail}[best]
	for i, t := range r.settings.Mapping.Columns {
		if want != importer.Skip && t.Kind == want && i < len(r.headers.Names) {
			return r.headers.Names[i]
		}
	}
	return ""
}

// csvLineBytes is about what l takes as a line of a bulk import file: its
// values, a separator each and the line end, with room for quotes.
func csvLineBytes(l marketo.Lead) int64 {
	n := len(l.Email) + len(l.ForeignSysPersonID) + 12 + 2
	for _, a := range l.Attributes {
		n += len(a.Value) + 1
	}
	return int64(n + n/16)
}

// digest identifies a batch's rows and leads.
type digest [sha256.Size]byte

func digestOf(b importer.Batch) digest {
	h := sha256.New()
	var buf []byte
	num := func(n int) { buf = binary.AppendVarint(buf, int64(n)) }
	str := func(v string) { num(len(v)); buf = append(buf, v...) }
	num(b.Seq)
	num(int(b.Key))
	for i, l := range b.Leads {
		num(b.Rows[i])
		num(l.ID)
		str(l.Email)
		str(l.ForeignSysPersonID)
		str(l.ForeignSysType)
		num(len(l.Attributes))
		for _, a := range l.Attributes {
			str(a.Name)
			str(a.Value)
			if a.Clear {
				num(-1)
			}
		}
		if st, ok := b.Statuses[b.Rows[i]]; ok {
			str(st)
		}
		h.Write(buf)
		buf = buf[:0]
	}
	var d digest
	h.Sum(d[:0])
	return d
}

// MappingProblem is the first reason the mapping itself cannot work, found
// without reading a row: no key column, two columns on one key or field, a
// key column that was only guessed, or a column the operator mapped to a
// field Marketo does not have.
func (j *Job) MappingProblem(s Settings) *Error {
	h := j.header
	col := func(i int) string {
		if i < len(h.Letters) {
			return fmt.Sprintf("%q (%s)", h.Names[i], h.Letters[i])
		}
		return fmt.Sprintf("column %d", i+1)
	}
	if msg := s.sendProblem(); msg != "" {
		return &Error{Kind: BadMapping, Detail: msg}
	}
	for i, t := range s.Mapping.Columns {
		if isKey(t.Kind) && s.origin(i) == Guessed {
			return &Error{Kind: BadMapping, Detail: fmt.Sprintf(
				"column %s was guessed to be the %s key, and a wrong key updates other people's leads. "+
					"Confirm it if it really holds Marketo's %s, or skip the column.",
				col(i), mapping.TargetName(t), mapping.TargetName(t))}
		}
	}
	seen := map[importer.Target]int{}
	for i, t := range s.Mapping.Columns {
		if t.Kind == importer.Skip {
			continue
		}
		if first, dup := seen[t]; dup {
			return &Error{Kind: BadMapping, Detail: fmt.Sprintf(
				"columns %s and %s are both mapped to %s, so Leadsheet cannot tell which to send. Map one of them to Skip.",
				col(first), col(i), mapping.TargetName(t))}
		}
		seen[t] = i
	}
	v := mapping.NewValidator(s.Mapping, s.Fields, s.Dedup, j.values(s))
	for _, sp := range v.SheetProblems() {
		if sp.Severity != importer.Invalid {
			continue
		}
		if sp.Column == "" {
			return &Error{Kind: BadMapping, Detail: sp.Message}
		}
		for i, name := range h.Names {
			if name == sp.Column && s.origin(i) != Auto && s.origin(i) != Guessed {
				msg := sp.Message
				if t := s.Mapping.Columns[i]; t.Kind == importer.ToAttribute {
					if near := closest(t.Field, s.Fields, 3); len(near) > 0 {
						msg += " Fields with a similar name: " + strings.Join(near, ", ") + "."
					}
				}
				return &Error{Kind: BadMapping, Detail: msg}
			}
		}
	}
	return nil
}

func isKey(k importer.TargetKind) bool {
	return k == importer.ToID || k == importer.ToEmail || k == importer.ToForeignSysPersonID
}

// closest names up to n fields whose API names are nearest to name.
func closest(name string, fields []marketo.Field, n int) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return closestNames(name, names, n)
}

// closestNames is up to n of names nearest to name.
func closestNames(name string, names []string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	low := strings.ToLower(name)
	for _, f := range names {
		d := distance(low, strings.ToLower(f))
		if d <= max(2, len(name)/2) || strings.Contains(strings.ToLower(f), low) {
			cs = append(cs, cand{f, d})
		}
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].d < cs[b].d })
	out := make([]string, 0, n)
	for _, c := range cs {
		if len(out) == n {
			break
		}
		out = append(out, c.name)
	}
	return out
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Check is pre-flight: it reads the whole sheet and validates every row
// with s, before anything is sent. onRow, when set, gets every row's
// verdict in sheet order (the window's table); it must not keep the
// RowCheck's strings longer than it needs them. A mapping that cannot work
// still reads every row, so a window can show them all as not sent, and
// sets Report.Fatal.
func (j *Job) Check(ctx context.Context, s Settings, onRow func(RowCheck)) (*Report, error) {
	// The report keeps its own copy: a window may edit its mapping while
	// this pass or a run of this report reads it.
	s.Mapping.Headers = slices.Clone(s.Mapping.Headers)
	s.Mapping.Columns = slices.Clone(s.Mapping.Columns)
	s.Origins = slices.Clone(s.Origins)
	rep := &Report{ByKey: map[marketo.KeyKind]int{}, settings: s, headers: j.header}
	mapped := 0
	for _, t := range s.Mapping.Columns {
		if t.Kind != importer.Skip {
			mapped++
		}
	}
	if s.Fields == nil {
		rep.Unchecked = "Marketo's field list is not known, so field names, types and lengths were not checked (only keys and emails)."
	}
	rep.Fatal = j.MappingProblem(s)
	v := mapping.NewValidator(s.Mapping, s.Fields, s.Dedup, j.values(s))
	for _, sp := range v.SheetProblems() {
		rep.add(sp)
	}
	res, err := j.readRows(ctx, true, s, v, rep, onRow, func(b importer.Batch) error {
		if rep.Fatal != nil {
			return nil
		}
		if rep.First == nil {
			first := b
			rep.First = &first
		}
		rep.digests = append(rep.digests, digestOf(b))
		rep.statusCalls += statusCalls(b)
		for _, l := range b.Leads {
			// Every mapped column is in every line of a bulk file, a
			// blank cell still taking its separator.
			rep.csvBytes += csvLineBytes(l) + int64(mapped)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Notes = append(j.wb.Notes(), res.Notes...)
	if s.ListOnly {
		rep.Notes = append(rep.Notes, msgListOnly)
	}
	return rep, nil
}

const msgListOnly = "Existing people only: Leadsheet looks each row's person up and adds those Marketo has; nobody is created and no field is changed, so the columns other than the key are not sent."

func (rep *Report) add(pr importer.Problem) {
	rep.NProblems++
	if len(rep.Problems) < MaxProblems {
		rep.Problems = append(rep.Problems, pr)
	}
}

// readRows reads the sheet with v, counting into rep, and hands every
// batch of valid rows to emit.
//
// Pre-flight (cached) may read the rows from the sheet cache; the send step
// always reads the file.
func (j *Job) readRows(ctx context.Context, cached bool, s Settings, v *mapping.Validator, rep *Report, onRow func(RowCheck), emit func(importer.Batch) error) (sheet.ReadResult, error) {
	bt := newBatcher(s, emit)
	fatal := rep.Fatal != nil
	statusCol, statusHeader := s.StatusColumn(), ""
	if statusCol >= 0 && statusCol < len(j.header.Names) {
		statusHeader = j.header.Names[statusCol]
	}
	read := func(fn func(importer.Row) error) (sheet.ReadResult, error) {
		return j.wb.Read(ctx, j.sheet, j.headerRow, fn)
	}
	if cached {
		read = func(fn func(importer.Row) error) (sheet.ReadResult, error) { return j.scan(ctx, fn) }
	}
	res, err := read(func(r importer.Row) error {
		rep.Rows++
		lead, probs := v.Check(r)
		status := ""
		if statusCol >= 0 {
			var pr *importer.Problem
			if status, pr = s.memberStatus(r, statusCol, statusHeader); pr != nil {
				probs = append(probs, *pr)
			}
		}
		var reasons []string
		warned := false
		for _, pr := range probs {
			rep.add(pr)
			if pr.Severity == importer.Invalid {
				reasons = append(reasons, pr.Message)
			} else {
				warned = true
			}
		}
		if fatal && len(reasons) == 0 {
			reasons = append(reasons, "Not sent: fix the mapping first.")
		}
		if onRow != nil {
			onRow(RowCheck{Row: r.Number, Key: keyValue(lead), Invalid: len(reasons) > 0, Reason: strings.Join(reasons, " ")})
		}
		if len(reasons) > 0 {
			rep.Skipped = append(rep.Skipped, importer.RowResult{Row: r.Number, State: importer.Skipped, Reason: strings.Join(reasons, " ")})
			return nil
		}
		rep.Valid++
		if warned {
			rep.Warned++
		}
		rep.ByKey[lead.Key()]++
		return bt.AddMember(r.Number, lead, status)
	})
	if err == nil {
		err = bt.Flush()
	}
	var je *Error
	switch {
	case errors.As(err, &je):
		return res, err
	case err != nil && ctx.Err() != nil:
		return res, ctx.Err()
	case err != nil:
		return res, &Error{Kind: Unreadable, Path: j.path, Sheet: j.sheet, Err: err, Detail: readDetail(err)}
	}
	return res, nil
}

// readDetail is the reader's own plain words for a failure, when it has them.
func readDetail(err error) string {
	var oe *sheet.OpenError
	if errors.As(err, &oe) {
		return oe.Message
	}
	return err.Error()
}

// newBatcher is the one place batches are cut, so pre-flight and the send
// step cut them alike and their digests agree.
func newBatcher(s Settings, emit func(importer.Batch) error) *run.Batcher {
	return run.NewBatcherFor(s.API, s.BatchSize, emit)
}

// keyValue is the value a lead is matched on, for a table's Key column.
func keyValue(l marketo.Lead) string {
	switch l.Key() {
	case marketo.KeyID:
		return fmt.Sprint(l.ID)
	case marketo.KeyForeignSysPersonID:
		return l.ForeignSysPersonID
	case marketo.KeyEmail:
		return l.Email
	}
	return ""
}
