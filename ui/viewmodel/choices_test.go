package viewmodel

import (
	"strings"
	"testing"

	"leadsheet/importer/fieldtype"
	"leadsheet/importer/job"
	"leadsheet/importer/sheet"
	"leadsheet/marketo"
)

func TestChoiceLabelsRoundTrip(t *testing.T) {
	for i, l := range ModeLabels {
		if m, ok := ModeOf(l); !ok || m != marketo.SyncMode(i) {
			t.Errorf("ModeOf(%q) = %v, %v; want %v", l, m, ok, marketo.SyncMode(i))
		}
	}
	for i, l := range DateOrderLabels {
		if o, ok := DateOrderOf(l); !ok || o != fieldtype.DateOrder(i) {
			t.Errorf("DateOrderOf(%q) = %v, %v", l, o, ok)
		}
	}
	if _, ok := ModeOf("Update everyone"); ok {
		t.Error("ModeOf took a label it does not offer")
	}
	if BlankLabel(true) != BlankClear || BlankLabel(false) != BlankLeave {
		t.Error("BlankLabel names the policies the wrong way round")
	}
	if ExistingLabel(true) != ExistingKeep || ExistingLabel(false) != ExistingReplace || ExistingLabels[0] != ExistingReplace {
		t.Error("ExistingLabel names the policies the wrong way round, or replacing is not the first (default) choice")
	}
}

func TestChoicesGreyedOut(t *testing.T) {
	tests := []struct {
		name                   string
		dedup                  bool
		api                    string
		clearBlanks, fillEmpty bool
		bulk                   bool // Bulk Import chosen
		mode, clr, fill        bool
		noteSays               []string
	}{
		{"REST, dedup on", true, marketo.ProfileREST, false, false, false, true, true, true, nil},
		{"no account yet", true, "", false, false, false, true, true, true, nil},
		{"dedup off", false, marketo.ProfileREST, false, false, false, false, true, false, []string{"need dedup on"}},
		{"SOAP", true, marketo.ProfileSOAP, false, false, false, false, false, false, []string{"need a REST account"}},
		{"SOAP, dedup off", false, marketo.ProfileSOAP, false, false, false, false, false, false, []string{"need a REST account"}},
		{"clearing blanks", true, marketo.ProfileREST, true, false, false, true, true, false, []string{"cannot be kept while blank cells clear"}},
		{"filling empty fields", true, marketo.ProfileREST, false, true, false, true, false, true, []string{"cannot clear fields while only empty fields"}},
		{"clearing blanks, dedup off", false, marketo.ProfileREST, true, false, false, false, true, false, []string{"need dedup on", "cannot be kept while blank cells clear"}},
		// Bulk Import only creates or updates, with the values the cells hold.
		{"Bulk Import", true, marketo.ProfileREST, false, false, true, false, false, false, nil},
	}
	for _, tt := range tests {
		if got := ModeUsable(tt.dedup, tt.api, tt.bulk); got != tt.mode {
			t.Errorf("%s: ModeUsable = %v", tt.name, got)
		}
		if got := ClearUsable(tt.api, tt.fillEmpty, tt.bulk); got != tt.clr {
			t.Errorf("%s: ClearUsable = %v", tt.name, got)
		}
		if got := FillUsable(tt.dedup, tt.api, tt.clearBlanks, tt.bulk); got != tt.fill {
			t.Errorf("%s: FillUsable = %v", tt.name, got)
		}
		note := ChoicesNote(tt.dedup, tt.api, tt.clearBlanks, tt.fillEmpty)
		if (len(tt.noteSays) == 0) != (note == "") {
			t.Errorf("%s: note %q, want it to say %q", tt.name, note, tt.noteSays)
		}
		for _, says := range tt.noteSays {
			if !strings.Contains(note, says) {
				t.Errorf("%s: note %q, want it to say %q", tt.name, note, says)
			}
		}
	}
}

// TestBulkChoice: "Send with" is offered for a large sheet on a REST
// account, or once chosen; Bulk Import is greyed out by every choice it
// cannot send, and the note names each.
func TestBulkChoice(t *testing.T) {
	offers := []struct {
		name  string
		api   string
		rows  int
		bulk  bool
		offer bool
	}{
		{"large sheet, REST", marketo.ProfileREST, job.BulkHintRows, false, true},
		{"one row short", marketo.ProfileREST, job.BulkHintRows - 1, false, false},
		{"rows not counted yet", marketo.ProfileREST, -1, false, false},
		{"large sheet, SOAP", marketo.ProfileSOAP, 2 * job.BulkHintRows, false, false},
		{"large sheet, no account", "", 2 * job.BulkHintRows, false, false},
		{"chosen, small sheet", marketo.ProfileREST, 10, true, true},
		{"chosen, SOAP", marketo.ProfileSOAP, 10, true, true},
	}
	for _, tt := range offers {
		if got := BulkOffered(tt.api, tt.rows, tt.bulk); got != tt.offer {
			t.Errorf("%s: BulkOffered = %v, want %v", tt.name, got, tt.offer)
		}
	}

	usable := []struct {
		name                   string
		dedup                  bool
		mode                   marketo.SyncMode
		clearBlanks, fillEmpty bool
		noteSays               []string // the note while offered and not chosen; nil: usable
	}{
		{"create or update", true, marketo.CreateOrUpdate, false, false, nil},
		{"dedup off", false, marketo.CreateOrUpdate, false, false, []string{"needs dedup on:"}},
		{"update only", true, marketo.UpdateOnly, false, false, []string{ModeLabels[marketo.CreateOrUpdate]}},
		{"create only", true, marketo.CreateOnly, false, false, []string{ModeLabels[marketo.CreateOrUpdate]}},
		{"clearing blanks", true, marketo.CreateOrUpdate, true, false, []string{BlankLeave}},
		{"filling empty fields", true, marketo.CreateOrUpdate, false, true, []string{ExistingReplace}},
		{"dedup off, clearing blanks", false, marketo.CreateOrUpdate, true, false, []string{"dedup on, ", BlankLeave}},
	}
	for _, tt := range usable {
		ok := BulkUsable(tt.dedup, tt.mode, tt.clearBlanks, tt.fillEmpty)
		if ok != (tt.noteSays == nil) {
			t.Errorf("%s: BulkUsable = %v", tt.name, ok)
		}
		note := BulkNote(true, false, tt.dedup, tt.mode, tt.clearBlanks, tt.fillEmpty)
		if (note == "") != (tt.noteSays == nil) {
			t.Errorf("%s: note %q, want it to say %q", tt.name, note, tt.noteSays)
		}
		for _, says := range tt.noteSays {
			if !strings.Contains(note, says) {
				t.Errorf("%s: note %q, want it to say %q", tt.name, note, says)
			}
		}
		// Not offered (a small sheet), nothing explains a choice not shown.
		if n := BulkNote(false, false, tt.dedup, tt.mode, tt.clearBlanks, tt.fillEmpty); n != "" {
			t.Errorf("%s, not offered: note %q", tt.name, n)
		}
	}
	// Chosen, it says why who may be changed, blank cells and keeping
	// values are greyed out.
	if n := BulkNote(true, true, true, marketo.CreateOrUpdate, false, false); !strings.Contains(n, "send with Sync Leads") {
		t.Errorf("Bulk Import chosen: note %q", n)
	}
	if EngineLabel(true) != EngineBulk || EngineLabel(false) != EngineSync || EngineLabels[0] != EngineSync {
		t.Error("EngineLabel names the engines the wrong way round, or Sync Leads is not the first (default) choice")
	}
}

func TestZones(t *testing.T) {
	z := NewZones("Europe/Berlin")
	labels := z.Labels()
	if labels[0] != "This computer's zone (Europe/Berlin)" {
		t.Errorf("first zone %q", labels[0])
	}
	n := 0
	for _, l := range labels {
		if strings.HasPrefix(l, "Europe/Berlin") {
			n++
		}
	}
	if n != 0 {
		t.Errorf("the computer's zone is listed again: %q", labels)
	}
	if loc, err := z.Location(labels[0]); err != nil || loc != nil {
		t.Errorf("the computer's zone is %v, %v; want nil (fieldtype's local zone)", loc, err)
	}
	chicago := "America/Chicago (Marketo's default)"
	loc, err := z.Location(chicago)
	if err != nil || loc.String() != "America/Chicago" {
		t.Fatalf("Location(%q) = %v, %v", chicago, loc, err)
	}
	if got := z.Label(loc); got != chicago {
		t.Errorf("Label(America/Chicago) = %q", got)
	}
	if got := z.Label(nil); got != labels[0] {
		t.Errorf("Label(nil) = %q", got)
	}
	if _, err := z.Location("Mars/Olympus_Mons"); err == nil {
		t.Error("a zone not offered was accepted")
	}
	if got := NewZones("").Labels()[0]; got != "This computer's time zone" {
		t.Errorf("unnamed computer zone %q", got)
	}
}

func TestLocalZoneName(t *testing.T) {
	tests := []struct{ tz, want string }{
		{"Asia/Tokyo", "Asia/Tokyo"},
		{":Europe/Paris", "Europe/Paris"},
		{"/usr/share/zoneinfo/America/Denver", "America/Denver"},
		{"", "UTC"},
		{"Not/AZone", ""},
	}
	for _, tt := range tests {
		t.Setenv("TZ", tt.tz)
		if got := LocalZoneName(); got != tt.want {
			t.Errorf("TZ=%q: %q, want %q", tt.tz, got, tt.want)
		}
	}
}

func TestValuesSummary(t *testing.T) {
	tokyo, err := NewZones("Europe/Berlin").Location("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		o    fieldtype.Options
		want string
	}{
		{fieldtype.Options{}, "Values · dates like 03/05/2024: not used · times without a zone: this computer's zone"},
		{fieldtype.Options{DateOrder: fieldtype.DayFirst, Zone: tokyo}, "Values · dates like 03/05/2024: day first · times without a zone: Asia/Tokyo"},
		{fieldtype.Options{DateOrder: fieldtype.MonthFirst}, "Values · dates like 03/05/2024: month first · times without a zone: this computer's zone"},
	}
	for _, tt := range tests {
		if got := ValuesSummary(tt.o); got != tt.want {
			t.Errorf("ValuesSummary(%+v) = %q, want %q", tt.o, got, tt.want)
		}
	}
}

// yesNoFields are a field list with one yes/no field.
var yesNoFields = []marketo.Field{
	{Name: "email", DisplayName: "Email Address", Type: "email"},
	{Name: "firstName", DisplayName: "First Name", Type: "string"},
	{Name: "unsubscribed", DisplayName: "Unsubscribed", Type: "boolean"},
}

func TestTickColumns(t *testing.T) {
	h := sheet.NewHeader(1, []string{"Email", "First Name", "Unsubscribed"})
	m := NewMapModel(h, nil, yesNoFields)
	if m.Label(2) != "Unsubscribed (unsubscribed)" {
		t.Fatalf("Unsubscribed maps to %q", m.Label(2))
	}
	if !m.Tickable(2) || m.Tickable(1) || m.Tickable(0) {
		t.Errorf("tickable: email %v, first name %v, unsubscribed %v; want only the yes/no column", m.Tickable(0), m.Tickable(1), m.Tickable(2))
	}
	if m.TickColumns() != nil {
		t.Error("tick columns before any is marked")
	}
	if m.SetTick(1, true) || m.Tick(1) {
		t.Error("a text column was marked as tick marks")
	}
	if !m.SetTick(2, true) || m.SetTick(2, true) {
		t.Error("SetTick does not report the change once")
	}
	if got := m.TickColumns(); len(got) != 3 || !got[2] || got[0] || got[1] {
		t.Errorf("tick columns %v", got)
	}
	// Mapping the column elsewhere unmarks it.
	if _, err := m.Set(2, "First Name (firstName)"); err != nil {
		t.Fatal(err)
	}
	if m.Tick(2) || m.TickColumns() != nil {
		t.Errorf("a column mapped to a text field stays a tick column: %v", m.Ticks)
	}
}

func TestKeepChoices(t *testing.T) {
	h := sheet.NewHeader(1, []string{"Email", "First Name", "Unsubscribed"})
	prev := NewMapModel(h, nil, yesNoFields)
	prev.Mode, prev.ClearBlanks = marketo.UpdateOnly, true
	prev.Values = fieldtype.Options{DateOrder: fieldtype.MonthFirst}
	prev.SetTick(2, true)

	same := NewMapModel(h, nil, yesNoFields)
	same.KeepChoices(prev)
	if same.Mode != marketo.UpdateOnly || !same.ClearBlanks || same.Values != prev.Values || !same.Tick(2) {
		t.Errorf("same columns: mode %v, clear %v, values %+v, tick %v", same.Mode, same.ClearBlanks, same.Values, same.Tick(2))
	}
	prev.Ticks[2] = false
	if !same.Tick(2) {
		t.Error("the new mapping shares its tick columns with the old one")
	}
	prev.Ticks[2] = true
	other := NewMapModel(sheet.NewHeader(1, []string{"Email", "Phone", "Unsubscribed"}), nil, yesNoFields)
	other.KeepChoices(prev)
	if other.Mode != marketo.UpdateOnly || other.ClearBlanks || other.Values != prev.Values || other.Tick(2) {
		t.Errorf("other columns: mode %v, clear %v, tick %v (both were chosen for other columns), values %+v", other.Mode, other.ClearBlanks, other.Tick(2), other.Values)
	}
	// Keeping Marketo's values is kept even for other columns: dropping it
	// would overwrite what the operator chose to keep.
	keep := NewMapModel(h, nil, yesNoFields)
	keep.FillEmpty = true
	moved := NewMapModel(sheet.NewHeader(1, []string{"Email", "Phone"}), nil, yesNoFields)
	moved.KeepChoices(keep)
	if !moved.FillEmpty {
		t.Error("a new mapping dropped keeping values already in Marketo")
	}
	// So is Bulk Import: the operator chose it for the sheet's size and
	// the quota, which another header row does not change.
	bulk := NewMapModel(h, nil, yesNoFields)
	bulk.Bulk = true
	moved = NewMapModel(sheet.NewHeader(1, []string{"Email", "Phone"}), nil, yesNoFields)
	if moved.Bulk {
		t.Fatal("a new mapping sends by Bulk Import unasked")
	}
	moved.KeepChoices(bulk)
	if !moved.Bulk {
		t.Error("a new mapping dropped Bulk Import")
	}
}

func TestStartOverQuestion(t *testing.T) {
	for _, tt := range []struct {
		confirmed int
		dedup     bool
		says      []string
	}{
		{300, true, []string{"the 300 rows Marketo already confirmed included", "update the same people"}},
		{1, false, []string{"the 1 row Marketo already confirmed", "becomes a new lead"}},
		{0, false, []string{"the rows Marketo already confirmed included", "becomes a new lead"}},
	} {
		q := StartOverQuestion(tt.confirmed, tt.dedup)
		for _, s := range tt.says {
			if !strings.Contains(q, s) {
				t.Errorf("StartOverQuestion(%d, %v) = %q, want it to say %q", tt.confirmed, tt.dedup, q, s)
			}
		}
	}
}
