package importer

import "leadsheet/marketo"

// Row is one data row of a sheet, as the operator sees it.
type Row struct {
	Number int      // 1-based row number in the sheet, as Excel shows it
	Cells  []string // one display value per column of the header
}

// TargetKind says what a column feeds in a lead.
type TargetKind int

// What a column can be mapped to.
const (
	Skip                 TargetKind = iota // the column is not sent
	ToID                                   // Marketo lead Id (key)
	ToEmail                                // Email (key)
	ToForeignSysPersonID                   // ForeignSysPersonId (key)
	ToForeignSysType                       // ForeignSysType of the row's ForeignSysPersonId
	ToAttribute                            // a lead attribute, named by Target.Field
	// ToMemberStatus: the column holds each row's program member status
	// (Registered, Attended); it is never sent as a lead field.
	ToMemberStatus
)

// Target is where one column goes.
type Target struct {
	Kind  TargetKind
	Field string // API name of the attribute when Kind is ToAttribute
}

// Mapping maps the columns of a sheet, by position, to lead fields.
type Mapping struct {
	Headers []string // the header row the mapping was made for
	Columns []Target // one per header
	// ForeignSysType applies to every row whose ForeignSysType column is
	// empty or absent; empty means marketo.ForeignSysCustom.
	ForeignSysType string
	// ClearBlanks makes a blank cell in an attribute column empty that
	// field in Marketo (REST sends null) instead of leaving Marketo's value
	// as it is. It is never saved with a preset: the operator asks for it,
	// and confirms it, for each import.
	ClearBlanks bool `json:"-"`
	// Ticks marks, per column, a column of tick marks: x (or a yes word)
	// means yes and a blank cell means No, which is sent. In any other
	// yes/no column a blank cell sends nothing. Not saved with a preset,
	// like ClearBlanks: a blank that says No overwrites.
	Ticks []bool `json:"-"`
}

// Tick reports whether column i is a tick column.
func (m Mapping) Tick(i int) bool { return i < len(m.Ticks) && m.Ticks[i] }

// Severity says whether a problem stops a row from being sent.
type Severity int

// Problem severities.
const (
	Warning Severity = iota // sent anyway; the operator should know
	Invalid                 // never sent
)

// Problem is one thing pre-flight validation found in a row.
type Problem struct {
	Row      int    // sheet row number; 0 for a problem with the whole sheet
	Column   string // header of the column concerned, if any
	Severity Severity
	Message  string // plain words: what is wrong and what to do
}

// Batch is up to marketo.MaxBatch leads sent in one call. Every lead keeps
// the sheet row it came from, and all leads of a batch share one key kind
// (REST can match one lookup field per request).
type Batch struct {
	Seq   int   // 0-based position of the batch in the run
	Rows  []int // sheet row number of each lead
	Leads []marketo.Lead
	Key   marketo.KeyKind
	// Statuses holds, by sheet row, the program member status a status
	// column gave the row; nil without one. It is keyed by row, not by
	// position, so that a part of the batch can share it as it is.
	Statuses map[int]string
}

// RowState is where a row stands in a run. Every row ends in exactly one of
// the final states.
type RowState uint8

// Row states. Waiting and Sending are transient; the others are final.
const (
	Waiting RowState = iota
	Sending
	Created
	Updated
	Failed  // Marketo refused the row; Reason says why
	Skipped // invalid in pre-flight: never sent
	NotSent // the run stopped (cancel, quota, auth) before the row was confirmed
	Unknown // in flight when a crash happened with dedup off: check in Marketo
	// CreatedOrUpdated: Marketo has the row's lead, but which of the two
	// happened is not known. An earlier try's answer was lost after it may
	// have been applied, and the retry found the lead there: Leadsheet may
	// have created it, or it may have existed before.
	CreatedOrUpdated
	// LeftAlone: the import's mode told Marketo not to touch this person
	// (create only found the lead, update only did not); Reason says which.
	// Nothing changed in Marketo, as the operator asked.
	LeftAlone
	// Imported: a Bulk Import job took the row. Marketo's bulk answer says
	// neither whether the lead was created or updated nor its id.
	Imported
	// ImportedWithWarning: imported, and Marketo warned about it (an
	// invalid email address kept as given, say); Reason is the warning.
	ImportedWithWarning
	// InMarketo: a list-only import found the row's lead in Marketo and
	// changed nothing about it; LeadID is the lead the list and program
	// steps take.
	InMarketo
)

// RowResult is the final or current state of one row.
type RowResult struct {
	Row    int // sheet row number
	State  RowState
	LeadID int
	Reason string
	// List is what became of the row's lead in the static list the import
	// targets; ListNone when it targets none or the row has no lead.
	List ListState
	// Program is what became of the row's lead in the program the import
	// targets, with its member status; ProgramNone when it targets none.
	Program ProgramState
}

// ProgramState is where a row's lead stands with the program (and member
// status) an import targets.
type ProgramState uint8

// Program outcomes.
const (
	ProgramNone     ProgramState = iota // no program targeted, or no lead
	ProgramSet                          // a member with the status asked (made one, or moved to it)
	ProgramAlready                      // already at or past the status: Marketo moves statuses forward only (1037)
	ProgramRefused                      // Marketo refused this lead (no such lead, another workspace)
	ProgramNotSet                       // not set yet (the run stopped, or the call failed): running the import again sets it
	ProgramLaterRow                     // not this row's status: a later row for the same person names another, which was set
)

// Final reports whether nothing is left to do for the row's program step.
func (p ProgramState) Final() bool {
	return p == ProgramSet || p == ProgramAlready || p == ProgramRefused || p == ProgramLaterRow
}

// ListState is where a row's lead stands with the static list an import
// adds its leads to.
type ListState uint8

// List outcomes.
const (
	ListNone     ListState = iota // no list targeted, or no lead to add
	ListAdded                     // added to the list by this import
	ListNotFound                  // Marketo had no such lead to add (1004)
	ListNotAdded                  // not added yet (the run stopped, or Marketo refused the call): running the import again adds it
	ListAlready                   // a member before this import added anyone: nothing to add, and nothing an undo should remove
	// ListAdding: this import found the lead not a member and is adding
	// it; a run stopped there may have. A resume adds it again (which
	// changes nothing when it was) and counts it as added by this import.
	ListAdding
)

// Final reports whether nothing is left to do for the row's list step.
func (l ListState) Final() bool { return l == ListAdded || l == ListNotFound || l == ListAlready }

// Totals counts rows by state.
type Totals struct {
	Waiting, Sending, Created, Updated, Failed, Skipped, NotSent, Unknown int
	CreatedOrUpdated, LeftAlone, Imported, ImportedWithWarning, InMarketo int
	// What became of the rows' leads in the import's static list; they
	// are not part of Total: every such row is also counted by its state.
	ListAdded, ListNotFound, ListNotAdded, ListAlready int
	// The same for the program's member status.
	ProgramSet, ProgramAlready, ProgramRefused, ProgramNotSet, ProgramLaterRow int
}

// EventKind says what happened in a run.
type EventKind int

// Run events.
const (
	BatchStarted EventKind = iota // Rows of Batch are now Sending
	BatchDone                     // Results hold the final state of the batch's rows
	Throttled                     // Marketo asked us to slow down; Message says what and for how long
	Retrying                      // a batch failed for a passing reason and will be sent again
	Stopped                       // the run stopped early (cancel, quota, auth); Message says why and what to do
	Finished                      // every row is in a final state
	Progress                      // a bulk import job moved on; Message says how far
)

// Event is one step of a run, delivered to the caller as it happens.
type Event struct {
	Kind    EventKind
	Batch   int         // Batch.Seq the event is about, when it is about one
	Results []RowResult // rows whose state changed with this event
	Message string      // plain words for the operator, when there is something to say
	Totals  Totals      // counts after this event
}

// Total is the number of rows counted, in any state.
func (t Totals) Total() int {
	return t.Waiting + t.Sending + t.Created + t.Updated + t.Failed + t.Skipped + t.NotSent + t.Unknown + t.CreatedOrUpdated + t.LeftAlone + t.Imported + t.ImportedWithWarning + t.InMarketo
}

// Confirmed is the number of rows Marketo has given its final word on
// without refusing them: the rows a rerun of the same import does not send
// again.
func (t Totals) Confirmed() int {
	return t.Created + t.Updated + t.CreatedOrUpdated + t.LeftAlone + t.Imported + t.ImportedWithWarning + t.InMarketo
}
