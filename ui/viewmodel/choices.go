package viewmodel

import (
	"fmt"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // the zone list must load on computers without a zone database (Windows)

	"leadsheet/importer/fieldtype"
	"leadsheet/importer/job"
	"leadsheet/marketo"
)

// The Map step's choices beyond the mapping: which people the import may
// change, what a blank cell does, whether values already in Marketo are
// kept, which of Marketo's APIs sends the rows, and how to read dates and
// times. Each
// choice's labels are indexed by the value they stand for.

// ModeLabels name the "Who may be changed" choices, by mode.
var ModeLabels = [...]string{
	marketo.CreateOrUpdate: "Create new people and update existing ones",
	marketo.CreateOnly:     "Only create new people (leave people already in Marketo alone)",
	marketo.UpdateOnly:     "Only update people already in Marketo (create nobody)",
}

// Blank cell choices.
const (
	BlankLeave = "Leave Marketo's value as it is"
	BlankClear = "Clear the field in Marketo"
)

// BlankLabels lists the blank cell choices, leave first.
var BlankLabels = []string{BlankLeave, BlankClear}

// BlankLabel names a blank cell policy.
func BlankLabel(clear bool) string {
	if clear {
		return BlankClear
	}
	return BlankLeave
}

// Choices for values already in Marketo.
const (
	ExistingReplace = "Replace them with the sheet's"
	ExistingKeep    = "Keep them: only fill fields that are empty in Marketo (one more call per batch)"
)

// ExistingLabels lists the choices for values already in Marketo,
// replace first.
var ExistingLabels = []string{ExistingReplace, ExistingKeep}

// ExistingLabel names a fill-empty policy.
func ExistingLabel(fillEmpty bool) string {
	if fillEmpty {
		return ExistingKeep
	}
	return ExistingReplace
}

// The "Send with" choices: Sync Leads answers for each row as it goes;
// Bulk Import sends a whole file per call, which a large sheet's quota
// needs, and answers per file.
const (
	EngineSync = "Sync Leads — each row's outcome as it goes"
	EngineBulk = "Bulk Import — one call per 10 MB file, for large sheets"
)

// EngineLabels lists the "Send with" choices, Sync Leads first.
var EngineLabels = []string{EngineSync, EngineBulk}

// EngineLabel names the engine: Bulk Import or Sync Leads.
func EngineLabel(bulk bool) string {
	if bulk {
		return EngineBulk
	}
	return EngineSync
}

// ClearBlanksTitle and ClearBlanksQuestion ask before blank cells clear
// fields: this overwrites values that sales may have typed into Marketo.
const (
	ClearBlanksTitle    = "Clear fields in Marketo from blank cells?"
	ClearBlanksQuestion = "With this choice, every blank cell in a column that goes to a Marketo field empties that field for the person in Marketo, " +
		"even where Marketo holds a value today (a phone number sales typed in, say). Key columns (Email, Marketo Id) are never cleared, " +
		"and skipped columns change nothing.\n\nChoose it only if your sheet is the complete, current record of the people in it."
	ClearBlanksYes = "Clear blank fields"
	ClearBlanksNo  = "Keep Marketo's values"
)

// DateOrderLabels name the ways a sheet writes dates such as 03/05/2024.
var DateOrderLabels = [...]string{
	fieldtype.DateOrderUnset: "Not used in this sheet",
	fieldtype.DayFirst:       "Day first (3 May)",
	fieldtype.MonthFirst:     "Month first (March 5)",
}

// TickLabel marks a yes/no column written as tick marks. Other yes/no
// columns take words (yes/no, true/false, 1/0) and a blank cell sends
// nothing.
const TickLabel = "Tick marks: x = yes, blank = No"

// Captions of the value choices.
const (
	CaptionMode      = "Who may be changed"
	CaptionBlanks    = "Blank cells"
	CaptionExisting  = "Values already in Marketo"
	CaptionEngine    = "Send with"
	CaptionDateOrder = "Dates written like 03/05/2024"
	CaptionZone      = "Times written without a time zone are in"
)

// indexOf is the position of label in labels, or -1.
func indexOf(labels []string, label string) int {
	for i, l := range labels {
		if l == label {
			return i
		}
	}
	return -1
}

// ModeOf is the mode a label names.
func ModeOf(label string) (marketo.SyncMode, bool) {
	i := indexOf(ModeLabels[:], label)
	return marketo.SyncMode(i), i >= 0
}

// DateOrderOf is the date order a label names.
func DateOrderOf(label string) (fieldtype.DateOrder, bool) {
	i := indexOf(DateOrderLabels[:], label)
	return fieldtype.DateOrder(i), i >= 0
}

// isSOAP reports whether api names a SOAP account; "" (no account yet)
// is not, since nothing is known to rule a choice out.
func isSOAP(api string) bool { return strings.EqualFold(api, marketo.ProfileSOAP) }

// ModeUsable reports whether "Who may be changed" can be other than
// create or update: it needs dedup on and a REST account, and Bulk Import
// only creates or updates.
func ModeUsable(dedup bool, api string, bulk bool) bool { return dedup && !isSOAP(api) && !bulk }

// ClearUsable reports whether blank cells can clear fields: SOAP cannot
// send an empty value, a field only filled where it is empty needs no
// clearing, and a blank cell in a bulk import file leaves the field alone.
func ClearUsable(api string, fillEmpty, bulk bool) bool { return !isSOAP(api) && !fillEmpty && !bulk }

// FillUsable reports whether values already in Marketo can be kept (only
// empty fields filled): each batch is looked up first, which needs a REST
// account and dedup on, and Bulk Import cannot do; and it contradicts
// clearing fields from blank cells.
func FillUsable(dedup bool, api string, clearBlanks, bulk bool) bool {
	return dedup && !isSOAP(api) && !clearBlanks && !bulk
}

// BulkOffered reports whether the Map step offers "Send with": Bulk Import
// pays off for a sheet of at least [job.BulkHintRows] rows, on a REST
// account (SOAP has none). Once chosen it stays offered whatever the
// sheet or account, so it can be taken back.
func BulkOffered(api string, rows int, bulk bool) bool {
	return bulk || (strings.EqualFold(api, marketo.ProfileREST) && rows >= job.BulkHintRows)
}

// BulkUsable reports whether Bulk Import can be chosen: it only creates or
// updates the people its key finds, with the values the cells hold.
func BulkUsable(dedup bool, mode marketo.SyncMode, clearBlanks, fillEmpty bool) bool {
	return dedup && mode == marketo.CreateOrUpdate && !clearBlanks && !fillEmpty
}

// BulkNote says, when "Send with" is offered, why Bulk Import is greyed
// out; with Bulk Import chosen, why the choices it rules out are; ""
// otherwise.
func BulkNote(offered, bulk, dedup bool, mode marketo.SyncMode, clearBlanks, fillEmpty bool) string {
	if bulk {
		return "With Bulk Import, new people are created and the people a key finds updated, blank cells leave fields alone " +
			"and the sheet's values replace Marketo's: send with Sync Leads to choose otherwise."
	}
	if !offered || BulkUsable(dedup, mode, clearBlanks, fillEmpty) {
		return ""
	}
	var needs []string
	if !dedup {
		needs = append(needs, "dedup on")
	}
	if mode != marketo.CreateOrUpdate {
		needs = append(needs, "\u201c"+ModeLabels[marketo.CreateOrUpdate]+"\u201d")
	}
	if clearBlanks {
		needs = append(needs, "blank cells set to \u201c"+BlankLeave+"\u201d")
	}
	if fillEmpty {
		needs = append(needs, "values already in Marketo set to \u201c"+ExistingReplace+"\u201d")
	}
	return "Bulk Import needs " + strings.Join(needs, ", ") +
		": it only creates or updates the people its key finds, with the values the sheet holds, and cannot look them up first or empty a field."
}

// ChoicesNote says why choices of the Map step are greyed out, or "".
func ChoicesNote(dedup bool, api string, clearBlanks, fillEmpty bool) string {
	if isSOAP(api) {
		return "This SOAP account always creates or updates, cannot empty a field and cannot look leads up first: choosing who may be changed, " +
			"clearing fields from blank cells and keeping values already in Marketo need a REST account."
	}
	var notes []string
	if !dedup {
		notes = append(notes, "Choosing who may be changed, and keeping values already in Marketo, need dedup on: with dedup off every row creates a new lead.")
	}
	if clearBlanks {
		notes = append(notes, "Values already in Marketo cannot be kept while blank cells clear fields: choose \u201c"+BlankLeave+"\u201d first.")
	}
	if fillEmpty {
		notes = append(notes, "Blank cells cannot clear fields while only empty fields are filled: an empty field needs no clearing.")
	}
	return strings.Join(notes, " ")
}

// Zones are the time zones offered for times a sheet writes without one:
// the computer's own first, then the zones operators most often mean.
type Zones struct {
	labels []string
	names  []string // IANA name per label; "" for the computer's zone
}

// zoneList is the short list after the computer's own zone.
var zoneList = []struct{ name, note string }{
	{"UTC", ""},
	{"America/Chicago", "Marketo's default"},
	{"America/New_York", ""},
	{"America/Los_Angeles", ""},
	{"Europe/London", ""},
	{"Europe/Berlin", ""},
	{"Asia/Tokyo", ""},
	{"Australia/Sydney", ""},
}

// NewZones lists the zones, the computer's first under local, its IANA
// name ("" when it cannot be told).
func NewZones(local string) Zones {
	first := "This computer's time zone"
	if local != "" {
		first = "This computer's zone (" + local + ")"
	}
	z := Zones{labels: []string{first}, names: []string{""}}
	for _, e := range zoneList {
		if e.name == local {
			continue // the first entry already is this zone
		}
		l := e.name
		if e.note != "" {
			l += " (" + e.note + ")"
		}
		z.labels = append(z.labels, l)
		z.names = append(z.names, e.name)
	}
	return z
}

// Labels lists the zones as the chooser shows them.
func (z Zones) Labels() []string { return z.labels }

// Label names loc in the chooser; nil is the computer's zone.
func (z Zones) Label(loc *time.Location) string {
	if loc == nil || loc == time.Local {
		return z.labels[0]
	}
	if i := indexOf(z.names, loc.String()); i > 0 {
		return z.labels[i]
	}
	return loc.String()
}

// Location is the zone a label names: nil for the computer's own, which
// is what fieldtype.Options reads as the local zone.
func (z Zones) Location(label string) (*time.Location, error) {
	i := indexOf(z.labels, label)
	switch {
	case i < 0:
		return nil, fmt.Errorf("%q is not one of the time zones offered", label)
	case z.names[i] == "":
		return nil, nil
	}
	loc, err := time.LoadLocation(z.names[i])
	if err != nil {
		return nil, fmt.Errorf("load the time zone %s: %w", z.names[i], err)
	}
	return loc, nil
}

// LocalZoneName is the IANA name of this computer's time zone, from TZ or
// the /etc/localtime link (Linux, macOS); "" when neither tells it, as on
// Windows.
func LocalZoneName() string {
	if tz, ok := os.LookupEnv("TZ"); ok {
		tz = strings.TrimPrefix(tz, ":")
		if tz == "" {
			return "UTC" // Go, like C, reads an empty TZ as UTC
		}
		if name := zoneName(tz); name != "" {
			return name
		}
		if _, err := time.LoadLocation(tz); err == nil {
			return tz
		}
		return ""
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		return zoneName(target)
	}
	return ""
}

// zoneName is the zone name in a path into a zone database
// (/usr/share/zoneinfo/Europe/Paris), or "".
func zoneName(path string) string {
	const dir = "zoneinfo/"
	if i := strings.LastIndex(path, dir); i >= 0 {
		return path[i+len(dir):]
	}
	return ""
}

// ValuesSummary is the one-line title of the collapsed value choices, so
// the operator sees them without opening the group.
func ValuesSummary(o fieldtype.Options) string {
	dates := [...]string{fieldtype.DateOrderUnset: "not used", fieldtype.DayFirst: "day first", fieldtype.MonthFirst: "month first"}
	zone := "this computer's zone"
	if o.Zone != nil && o.Zone != time.Local {
		zone = o.Zone.String()
	}
	return fmt.Sprintf("Values · dates like 03/05/2024: %s · times without a zone: %s", pick(dates[:], int(o.DateOrder)), zone)
}

// pick is labels[i], or i itself for a value newer than the labels.
func pick(labels []string, i int) string {
	if i >= 0 && i < len(labels) {
		return labels[i]
	}
	return fmt.Sprint(i)
}
