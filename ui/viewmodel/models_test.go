package viewmodel

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/job"
	"leadsheet/importer/mapping"
	"leadsheet/importer/sheet"
	"leadsheet/marketo"
)

// memPrefs is the preferences part of fyne.Preferences, in memory.
type memPrefs map[string]string

func (p memPrefs) String(k string) string { return p[k] }
func (p memPrefs) SetString(k, v string)  { p[k] = v }

func sampleHeader() sheet.Header {
	return sheet.NewHeader(1, []string{"E-mail", "First Name", "Firma", "Lead Id", "Notes"})
}

func TestMapModel(t *testing.T) {
	preview := []importer.Row{
		{Number: 1, Cells: []string{"E-mail", "First Name", "Firma", "Lead Id", "Notes"}},
		{Number: 2, Cells: []string{"anna@example.com", "Anna", "Acme", "", "met at booth"}},
		{Number: 3, Cells: []string{"li@example.cn", "Li", "", "1234", ""}},
	}
	m := NewMapModel(sampleHeader(), preview, nil)
	tests := []struct {
		name      string
		got, want string
	}{
		{"email is the key", m.Label(0), LabelEmail},
		{"first name", m.Label(1), "First Name (FirstName)"},
		{"german synonym for company", m.Label(2), "Company Name (Company)"},
		{"unknown column skipped", m.Label(4), LabelSkip},
		{"badge of an exact match", m.Badge(1), "auto · exact"},
		{"samples skip the header and blanks", strings.Join(m.Samples[2], "|"), "Acme"},
		{"search narrows the options", strings.Join(m.Search("job tit"), "|"), "Job Title (Title)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}

	// Choosing a target another column has clears that column.
	cleared, err := m.Set(4, LabelEmail)
	if err != nil || cleared != 0 || m.Label(0) != LabelSkip || m.Label(4) != LabelEmail || m.Badge(4) != "set by you" {
		t.Errorf("Set moved the key badly: cleared=%d err=%v col0=%q col4=%q", cleared, err, m.Label(0), m.Label(4))
	}
	if _, err := m.Set(1, "No Such Field"); err == nil {
		t.Error("an unknown label was accepted")
	}

	// A preset made for the same headers comes back, dedup and batch size too.
	p := m.Preset("Booth scans")
	p.Dedup, p.BatchSize = false, 100
	m2 := NewMapModel(sampleHeader(), preview, nil)
	m2.ApplyPreset(p)
	if m2.Label(4) != LabelEmail || m2.Dedup || m2.BatchSize != 100 || m2.PresetName != "Booth scans" || m2.Badge(4) != "saved mapping" {
		t.Errorf("preset not applied: %q dedup=%v batch=%d name=%q", m2.Label(4), m2.Dedup, m2.BatchSize, m2.PresetName)
	}
}

func TestKeySentence(t *testing.T) {
	h := sheet.NewHeader(1, []string{"Id", "Email", "Name"})
	m := NewMapModel(h, nil, nil)
	m.Mapping.Columns = []importer.Target{{Kind: importer.ToID}, {Kind: importer.ToEmail}, {}}
	got := m.KeySentence(map[marketo.KeyKind]int{marketo.KeyID: 3, marketo.KeyEmail: 9812, marketo.KeyNone: 2})
	want := "Marketo matches each row on Marketo Id, else Email (the first one the row has). Rows: 3 by Marketo Id, 9,812 by Email, 2 without any key (not sent)."
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	m.Mapping.Columns = []importer.Target{{}, {}, {}}
	if got := m.KeySentence(nil); !strings.HasPrefix(got, "No key column is mapped") {
		t.Errorf("no key: %q", got)
	}
}

func TestPreflight(t *testing.T) {
	in := filepath.Join(t.TempDir(), "fair.csv")
	csv := "Email,First Name\nanna@example.com,Anna\nzoë@exämple.com,Zoë\n\n,Nobody\nanna@example.com,Anna again\n"
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := job.Open(t.Context(), in, job.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	mapping, _ := mapping.AutoMap(j.Header().Names, nil)
	rows := &Rows{}
	rep, err := j.Check(t.Context(), job.Settings{Mapping: mapping, Dedup: true}, func(rc job.RowCheck) {
		r := SyncRow{Row: rc.Row, Key: rc.Key}
		if rc.Invalid {
			r.State, r.Reason = importer.Skipped, rc.Reason
		}
		rows.Add(r)
	})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPreflight(rep, rows)
	if p.Invalid != 2 || p.Warned != 1 || p.Sendable != 2 || p.ByKey[marketo.KeyEmail] != 2 {
		t.Fatalf("invalid=%d warned=%d leads=%d byKey=%v", p.Invalid, p.Warned, p.Sendable, p.ByKey)
	}
	states := []importer.RowState{importer.Waiting, importer.Skipped, importer.Skipped, importer.Waiting}
	nums := []int{2, 3, 5, 6}
	for i := range p.Rows.Len() {
		if r := p.Rows.At(i); r.State != states[i] || r.Row != nums[i] {
			t.Errorf("row %d state %d, want row %d state %d", r.Row, r.State, nums[i], states[i])
		}
	}
	if p.Rows.At(0).Key != "anna@example.com" || p.Rows.At(1).Reason == "" {
		t.Errorf("rows: %+v, %+v", p.Rows.At(0), p.Rows.At(1))
	}
	if got := p.Summary(); got != "2 rows ready to send · 2 rows with problems will not be sent · 1 with warnings (sent anyway)" {
		t.Errorf("summary %q", got)
	}
}

func TestPlanSentence(t *testing.T) {
	tests := []struct {
		rows, batches int
		dedup         bool
		key, want     string
	}{
		{9812, 33, true, "", "Sync 9,812 rows in 33 batches, dedup on"},
		{1, 1, true, "Email", "Sync 1 row in 1 batch, dedup on, key: Email"},
		{600, 2, false, "", "Sync 600 rows in 2 batches, dedup OFF: every row creates a new lead"},
	}
	for _, tt := range tests {
		if got := PlanSentence(tt.rows, tt.batches, tt.dedup, tt.key); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestAccounts(t *testing.T) {
	rest := Account{Name: "acme", Kind: KindREST, BaseURL: "https://1.mktorest.com/rest", IdentityURL: "https://1.mktorest.com/identity", ClientID: "cid"}
	if err := rest.Check(""); err == nil || !strings.Contains(err.Error(), "the client secret") {
		t.Errorf("missing secret: %v", err)
	}
	if err := (Account{Name: "x", Kind: KindSOAP}).Check("k"); err == nil || !strings.Contains(err.Error(), "the SOAP endpoint, the user ID") {
		t.Errorf("missing SOAP fields: %v", err)
	}
	soap := Account{Name: "beta", Kind: KindSOAP, Endpoint: "https://x.mktoapi.com/soap/mktows/2_2", UserID: "u"}
	budgeted := rest
	budgeted.Budget = marketo.Budget{Concurrency: 2, CallsPer20s: 30, DailyQuota: 10_000}
	for _, tt := range []struct {
		acc    Account
		secret string
	}{{rest, "s3cret"}, {soap, "key"}, {budgeted, "s3cret"}} {
		acc, secret := AccountOf(tt.acc.Profile(tt.secret))
		if acc != tt.acc || secret != tt.secret {
			t.Errorf("round trip of %+v: %+v %q", tt.acc, acc, secret)
		}
	}
}

func TestAccountBudgetChecked(t *testing.T) {
	acc := Account{Name: "acme", Kind: KindREST, BaseURL: "https://1.mktorest.com/rest", IdentityURL: "https://1.mktorest.com/identity", ClientID: "cid",
		Budget: marketo.Budget{Concurrency: 12}}
	if err := acc.Check("s3cret"); err == nil || !strings.Contains(err.Error(), "Calls at once must be from 1 to 10") {
		t.Errorf("12 calls at once: %v", err)
	}
}

func TestParseBudget(t *testing.T) {
	tests := []struct {
		conc, calls, quota string
		want               marketo.Budget
		errSays            string
	}{
		{"", "", "", marketo.Budget{}, ""},
		{"2", " 30 ", "10,000", marketo.Budget{Concurrency: 2, CallsPer20s: 30, DailyQuota: 10_000}, ""},
		{"", "", "250 000", marketo.Budget{DailyQuota: 250_000}, ""},
		{"2.5", "", "", marketo.Budget{}, "Calls at once: \"2.5\" is not a whole number"},
		{"", "fifty", "", marketo.Budget{}, "Calls per 20 seconds: \"fifty\""},
		{"", "", "-5", marketo.Budget{}, "Calls per day (quota): \"-5\""},
	}
	for _, tt := range tests {
		got, err := ParseBudget(tt.conc, tt.calls, tt.quota)
		if tt.errSays != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errSays) {
				t.Errorf("ParseBudget(%q, %q, %q) error %v, want it to say %q", tt.conc, tt.calls, tt.quota, err, tt.errSays)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseBudget(%q, %q, %q) = %+v, %v; want %+v", tt.conc, tt.calls, tt.quota, got, err, tt.want)
		}
		// The fields show a saved budget as it was typed, defaults empty.
		if c, r, q := BudgetTexts(got); c != strings.TrimSpace(tt.conc) || r != strings.TrimSpace(tt.calls) || (q != tt.quota && q != Count(got.DailyQuota)) {
			t.Errorf("BudgetTexts(%+v) = %q, %q, %q", got, c, r, q)
		}
	}
}

func TestConnectionTrouble(t *testing.T) {
	auth := &marketo.Error{API: "REST", Code: "601", Message: "Access token invalid"}
	if err := ConnectionTrouble(auth); !strings.HasPrefix(err.Error(), "Marketo refused the login") || !errors.Is(err, auth) {
		t.Errorf("auth: %v", err)
	}
}

func TestRecentFiles(t *testing.T) {
	p := memPrefs{}
	for _, f := range []string{"/a.xlsx", "/b.xlsx", "/a.xlsx"} {
		AddRecent(p, f)
	}
	if got := strings.Join(RecentFiles(p), ","); got != "/a.xlsx,/b.xlsx" {
		t.Errorf("recent = %s", got)
	}
	for i := 0; i < 20; i++ {
		AddRecent(p, strings.Repeat("x", i+1))
	}
	if n := len(RecentFiles(p)); n != maxRecent {
		t.Errorf("%d recent files kept, want %d", n, maxRecent)
	}
}

// TestFileStepSaysWhenTheHeaderIsAGuess: a group row over the header makes
// the header row a guess; the File step says which row it took and how to
// pick another, until the operator picks one (issue 11, defect 11).
func TestFileStepSaysWhenTheHeaderIsAGuess(t *testing.T) {
	in := filepath.Join(t.TempDir(), "groups.csv")
	if err := os.WriteFile(in, []byte("Contact,,Company\nEmail,First Name,Company Name\na@example.com,Ann,Acme\nb@example.com,Bo,Beta\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := OpenFile(t.Context(), in, "")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.HeaderRow != 2 || !strings.Contains(m.HeaderDoubt, "took row 2 as the header") || !strings.Contains(m.HeaderDoubt, "Pick another in Header row") {
		t.Fatalf("header row %d, doubt %q", m.HeaderRow, m.HeaderDoubt)
	}
	if notes := m.FileNotes(nil); len(notes) != 1 || notes[0] != m.HeaderDoubt {
		t.Errorf("notes = %q", notes)
	}
	if err := m.SetHeaderRow(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if m.HeaderDoubt != "" {
		t.Errorf("the doubt stays after the operator picked row 1: %q", m.HeaderDoubt)
	}
}

func TestBulkPlanSentence(t *testing.T) {
	tests := []struct {
		rows, calls int
		key, want   string
	}{
		{60_000, 25, "Email", "Send 60,000 rows by Bulk Import, in files of up to 10 MB (about 25 API calls), key: Email"},
		{1, 0, "", "Send 1 row by Bulk Import, in files of up to 10 MB"},
		{2, 1, "", "Send 2 rows by Bulk Import, in files of up to 10 MB (about 1 API call)"},
	}
	for _, tt := range tests {
		if got := BulkPlanSentence(tt.rows, tt.calls, tt.key); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// TestBulkHint: job's offer of Bulk Import for a large sheet, as the Sync
// step shows it, points to the Map step's choice, not the command line's
// flag, and leaves the limits to the Map step.
func TestBulkHint(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("Email\n")
	for i := range job.BulkHintRows {
		fmt.Fprintf(&sb, "p%d@example.com\n", i)
	}
	in := filepath.Join(t.TempDir(), "large.csv")
	if err := os.WriteFile(in, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := job.Open(t.Context(), in, job.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	m, _ := mapping.AutoMap(j.Header().Names, nil)
	rep, err := j.Check(t.Context(), job.Settings{Mapping: m, Dedup: true, API: marketo.ProfileREST}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := j.BulkHint(rep, 0, 0, marketo.Budget{}, time.Now(), BulkHintHow)
	if got == "" {
		t.Fatal("job offers no Bulk Import for a large sheet")
	}
	for _, says := range []string{"with Sync Leads", "with Bulk Import", "\u201c" + CaptionEngine + "\u201d on the Map step"} {
		if !strings.Contains(got, says) {
			t.Errorf("the hint says %q, want %q in it", got, says)
		}
	}
	if strings.Contains(got, "--engine") || strings.Contains(got, job.BulkLimits) {
		t.Errorf("the hint says %q: the command line's flag, or the limits the Map step shows", got)
	}
	if !strings.Contains(got, "50,000 rows") {
		t.Errorf("the hint says %q, want the rows counted as an operator reads them", got)
	}
}
