package job

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/journal"
	"leadsheet/importer/run"
)

// Kind says what stopped a step of the job, so each front end can add its
// own way out (a flag, a picker) to the one sentence kept here.
type Kind int

// What can stop a job before or after sending.
const (
	Unreadable      Kind = iota // the file could not be read
	NotAFile                    // a folder, pipe or device was given as the file
	NeedsPassword               // the workbook is encrypted
	WrongPassword               // the password did not open it
	NoSheets                    // the file has no sheet
	NoSuchSheet                 // the named sheet is not in the file
	EmptySheet                  // the sheet holds nothing
	Changed                     // the file changed since it was opened
	BadMapping                  // the mapping cannot work (no key, a column twice, a guessed key, a missing field)
	NothingToSend               // every row is invalid
	BadResults                  // the results or failures file cannot be written there
	JournalTrouble              // the record of what was sent cannot be kept
	Busy                        // another Leadsheet is running the same import
	NoRunToResume               // a resume was asked for and there is none
	LookupFailed                // a preview could not look the rows up in Marketo
	SettingsChanged             // an unfinished run of this import used other settings
	NoSuchTarget                // the static list (or folder) named is not in Marketo, or is ambiguous
	TargetTrouble               // Marketo could not be asked about the list, or refused to create it
	Undone                      // the unfinished run of this import was undone: carrying it on would send beside what was taken back
)

// Error is a stop of the job, with what the operator needs to read.
type Error struct {
	Kind    Kind
	Path    string   // the input file, or the results file for BadResults
	Sheet   string   // the sheet concerned, if any
	Choices []string // the sheets there are, for NoSuchSheet
	Detail  string   // the reader's or checker's own plain words, when it has them
	Err     error    // the cause, for errors.Is and errors.As; not printed
}

func (e *Error) Unwrap() error { return e.Err }

// Error is the operator's sentence: what happened and what to do.
func (e *Error) Error() string {
	name := filepath.Base(e.Path)
	switch e.Kind {
	case NotAFile:
		return fmt.Sprintf("%s is a folder or a device, not a spreadsheet file. Give the path of the .xlsx or .csv file itself.", e.Path)
	case NeedsPassword:
		return fmt.Sprintf("%s is protected with a password. Give the password Excel asks for.", name)
	case WrongPassword:
		return fmt.Sprintf("The password does not open %s. Check it (it is case-sensitive) and try again.", name)
	case NoSheets:
		return fmt.Sprintf("%s has no sheets to import.", name)
	case NoSuchSheet:
		q := make([]string, len(e.Choices))
		for i, c := range e.Choices {
			q[i] = strconv.Quote(c)
		}
		return fmt.Sprintf("%s has no sheet %q. Its sheets are: %s.", name, e.Sheet, strings.Join(q, ", "))
	case EmptySheet:
		return fmt.Sprintf("Sheet %q of %s is empty. Pick the sheet that holds your leads.", e.Sheet, name)
	case Changed:
		return fmt.Sprintf("%s changed while Leadsheet was working with it, so Leadsheet stopped rather than send rows it had not checked. Save the file, close it in Excel and start again.", name)
	case BadMapping:
		return "The mapping cannot work: " + e.Detail
	case NothingToSend:
		return "No row can be sent: fix the problems listed and try again."
	case BadResults:
		return fmt.Sprintf("Leadsheet cannot write the results to %s: %s. Nothing was sent. Choose another file name or folder.", e.Path, e.Detail)
	case JournalTrouble:
		return fmt.Sprintf("Leadsheet could not keep its record of what was sent in the folder %s, so it sent nothing: it could not otherwise promise that no row is sent twice. Check that this folder can be created and written to by you and that the disk is not full, then try again.", e.Detail)
	case Busy:
		return fmt.Sprintf("This import of %s is already running in %s. Wait for it to finish (or stop it there), then try again; running it twice at once could send rows twice.", name, e.Detail)
	case NoRunToResume:
		return fmt.Sprintf("There is no stopped run of %s (same sheet, mapping, account and dedup setting) to resume.", name)
	case SettingsChanged:
		return fmt.Sprintf("An unfinished run of %s (same sheet, mapping, account and dedup setting) used other settings (then: %s). "+
			"Nothing was sent. To finish that run, use its settings again: only the rows it has not confirmed are sent. "+
			"To start over with the new settings instead, say so (Start over): the rows it confirmed are then sent again, and with dedup off they become new leads.", name, e.Detail)
	case Undone:
		return fmt.Sprintf("This unfinished import of %s was undone (%s), so Leadsheet will not carry it on: what it sent now would go into Marketo beside an import that was taken back. Nothing was sent. To import the file again, start over: every row is then sent afresh.", name, e.Detail)
	case NoSuchTarget:
		return e.Detail + " Nothing was sent."
	case TargetTrouble:
		return fmt.Sprintf("Leadsheet could not %s (%v). Nothing was sent; check the account and try again.", e.Detail, e.Err)
	case LookupFailed:
		return fmt.Sprintf("Leadsheet could not look the rows of %s up in Marketo, so the preview is not complete (%v). Nothing was changed in Marketo; try the preview again later.", name, e.Err)
	}
	if e.Detail != "" {
		return fmt.Sprintf("Leadsheet could not read %s: %s", name, e.Detail)
	}
	if errors.Is(e.Err, fs.ErrNotExist) {
		return fmt.Sprintf("Leadsheet could not read %s: there is no such file (it does not exist, or was moved or renamed). Check the file name and folder, and try again.", e.Path)
	}
	return fmt.Sprintf("Leadsheet could not read %s. Check that you may open it and that no other program has it locked; then try again.", e.Path)
}

// holderWords names the program holding an import's journal.
func holderWords(b *journal.JournalBusyError) string {
	who := b.Holder
	if who == "" {
		who = "another Leadsheet window or leadsheet sync"
	}
	if b.PID == 0 {
		return who
	}
	since := ""
	if !b.Since.IsZero() {
		since = ", started " + b.Since.Local().Format("2 Jan 2006 15:04")
	}
	return fmt.Sprintf("%s (process %d%s)", who, b.PID, since)
}

// ChangedWhileSending tells the operator the file changed mid-send. The
// journal is keyed on the file's content, so the edited file starts a new
// journal: only the original file can resume without sending twice.
func ChangedWhileSending(file string, t importer.Totals, dedup bool) string {
	confirmed := t.Confirmed()
	again := "sends every row again, those included"
	if !dedup {
		again = "sends every row again, those included, as new leads (dedup is off), which makes duplicates"
	}
	return fmt.Sprintf("%s changed while Leadsheet was sending it, so Leadsheet stopped rather than send rows it had not checked. "+
		"Marketo had already confirmed %s. Running the edited file %s. "+
		"To carry on safely, put back the original %s (the version from before the edit) and run it again: Leadsheet then sends only the rows not yet confirmed. "+
		"No results file was written, because the file no longer matches what was sent.",
		filepath.Base(file), Plural(confirmed, "row"), again, filepath.Base(file))
}

// ProblemWhere says where a problem is, in the words both front ends use:
// "Row 12, Email" or "Sheet".
func ProblemWhere(pr importer.Problem) string {
	where := "Sheet"
	if pr.Row > 0 {
		where = fmt.Sprintf("Row %d", pr.Row)
	}
	if pr.Column != "" {
		where += ", " + pr.Column
	}
	return where
}

// SeverityWord is "warning" or "not sent".
func SeverityWord(s importer.Severity) string {
	if s == importer.Invalid {
		return "not sent"
	}
	return "warning"
}

// Plural is "1 row", "2 rows".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// PreviewSummary is the one-line account of a preview, in digits without
// separators so scripts can read it, like the sync's summary.
func PreviewSummary(t run.PreviewTotals) string {
	s := fmt.Sprintf("Preview: %d to create, %d to update, %d unchanged, %d left alone", t.Create, t.Update, t.NoChange, t.LeaveAlone)
	if t.Repeats > 0 {
		s += fmt.Sprintf(", %d repeating an earlier row", t.Repeats)
	}
	if n := t.Ambiguous + t.NotFound; n > 0 {
		s += fmt.Sprintf(", %d Marketo would refuse", n)
	}
	if t.CannotLookUp > 0 {
		s += fmt.Sprintf(", %d that cannot be looked up", t.CannotLookUp)
	}
	return s + fmt.Sprintf(" (%s)", Plural(t.Calls, "call"))
}

// QuotaWords says what an import costs against the instance's daily quota:
// a note when it fits easily, a warning when it takes more than half of
// what is left today, and why it cannot start when it does not fit.
func QuotaWords(q Quota, now time.Time) string {
	used := fmt.Sprintf("%s of %s used today by every integration, the CRM sync included", thousands(q.Used), thousands(q.Limit))
	if q.Used < 0 {
		used = "Leadsheet could not read today's usage, so it counts the whole quota as left"
	}
	reset := fmt.Sprintf("midnight US Central time (in %s), when Marketo resets the quota", untilWords(q.ResetsAt.Sub(now)))
	switch {
	case !q.Fits():
		return fmt.Sprintf("This import needs about %s API calls, but your instance has %s left today (%s). "+
			"%s of its %s rows fit in that. Nothing was sent: send part of the file, or run it after %s. "+
			"If your instance's quota is not %s, set the right one in the account (Admin > Web Services shows it).",
			thousands(q.Calls), thousands(q.Left()), used, thousands(q.RowsThatFit), thousands(q.Rows), reset, thousands(q.Limit))
	case q.Heavy():
		return fmt.Sprintf("This import takes about %s API calls, more than half of the %s your instance has left today (%s). "+
			"Other integrations may run short before %s.", thousands(q.Calls), thousands(q.Left()), used, reset)
	}
	return fmt.Sprintf("This import takes about %s API calls of the %s your instance has left today (%s).", thousands(q.Calls), thousands(q.Left()), used)
}

// thousands writes n with comma thousands separators, as the quota page in
// Marketo shows it.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// untilWords is a wait in hours and minutes: "5 h 20 min", "40 min".
func untilWords(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	if m < 60 {
		return fmt.Sprintf("%d min", max(m, 1))
	}
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}
