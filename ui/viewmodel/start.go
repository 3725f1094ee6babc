package viewmodel

import "fmt"

// What the Sync step checks when Start is pressed: that the import fits
// in what is left of today's API quota, and that no unfinished run of the
// same import used other settings. The sentences about the quota and the
// earlier run themselves are job's, shared with `leadsheet sync`.

// QuotaChecking stands in for the quota line while today's usage is read.
const QuotaChecking = "Checking today's API usage in Marketo…"

// The question before an import that takes more than half of what is left
// of today's quota, and the note when it does not fit at all.
const (
	QuotaHeavyTitle   = "Use a large share of today's API calls?"
	QuotaHeavyYes     = "Start anyway"
	QuotaHeavyNo      = "Not now"
	QuotaRefusedTitle = "Not enough API calls left today"
)

// The way out of an unfinished run with other settings: the window cannot
// go back to settings it does not know, so it offers to start over.
const (
	SettingsChangedTitle = "An unfinished run used other settings"
	UndoneTitle          = "This unfinished import was undone"
	StartOverButton      = "Start over"
	StartOverCancel      = "Cancel"
	StartOverTitle       = "Send every row again?"
	StartOverYes         = "Start over and send every row"
)

// StartOverQuestion asks before starting over: the rows the earlier run
// had Marketo confirm (confirmed; 0 when not known) are sent again, and
// with dedup off each becomes a second lead.
func StartOverQuestion(confirmed int, dedup bool) string {
	rows := "the rows Marketo already confirmed"
	if confirmed > 0 {
		rows = fmt.Sprintf("the %s %s Marketo already confirmed", Count(confirmed), Plural(confirmed, "row", "rows"))
	}
	s := "Starting over sets the earlier run's record aside (it is kept, renamed) and sends every row with the new settings, " + rows + " included. "
	if dedup {
		return s + "With dedup on, those rows update the same people again."
	}
	return s + "Dedup is off, so each of those rows becomes a new lead in Marketo: a second copy of the person the earlier run created."
}

// BulkHintHow is where the window chooses Bulk Import, for job's offer of
// it ([job.Job.BulkHint]).
const BulkHintHow = "\u201c" + CaptionEngine + "\u201d on the Map step"
