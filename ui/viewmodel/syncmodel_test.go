package viewmodel

import (
	"fmt"
	"testing"
	"time"

	"leadsheet/importer"
)

// fakeClock is a Clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func sampleRows(n int) *Rows {
	rows := &Rows{}
	for i := range n {
		rows.Add(SyncRow{Row: i + 2, Key: fmt.Sprintf("lead%d@example.com", i)})
	}
	return rows
}

func TestSyncModelApply(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 6, 12, 10, 0, 0, 0, time.UTC)}
	rows := sampleRows(10)
	rows.set(3, importer.Skipped, 0, "no key")
	m := NewSyncModel(rows, clk.now)
	if !m.TakeDirty() {
		t.Fatal("a new model must ask for a first refresh")
	}
	m.Start(nil)
	m.Apply(importer.Event{Kind: importer.BatchStarted, Results: []importer.RowResult{{Row: 2, State: importer.Sending}, {Row: 3, State: importer.Sending}}})
	clk.t = clk.t.Add(10 * time.Second)
	m.Apply(importer.Event{Kind: importer.BatchDone, Results: []importer.RowResult{
		{Row: 2, State: importer.Created, LeadID: 100},
		{Row: 3, State: importer.Failed, Reason: "bad field"},
		{Row: 99, State: importer.Created}, // not in the sheet: ignored
	}})
	m.Apply(importer.Event{Kind: importer.Throttled, Message: "Marketo asked us to slow down"})
	if !m.TakeDirty() || m.TakeDirty() {
		t.Fatal("TakeDirty must report a change once")
	}

	p := m.Progress()
	tests := []struct {
		name      string
		got, want any
	}{
		{"total excludes invalid rows", p.Total, 9},
		{"done", p.Done, 2},
		{"created", p.Totals.Created, 1},
		{"failed", p.Totals.Failed, 1},
		{"skipped", p.Totals.Skipped, 1},
		{"waiting", p.Totals.Waiting, 7},
		{"elapsed", p.Elapsed, 10 * time.Second},
		{"eta from the rate so far", p.ETA, 35 * time.Second},
		{"throttle note", p.Throttle, "Marketo asked us to slow down"},
		{"running", p.Running, true},
		{"row 2 lead id", m.Row(0).LeadID, 100},
		{"row 3 reason", m.Row(1).Reason, "bad field"},
		{"problems", fmt.Sprint(m.Problems(nil)), "[1 3]"},
		{"rows to retry", fmt.Sprint(m.RowsIn(importer.Failed)), "[3]"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}

	clk.t = clk.t.Add(time.Minute)
	if got := m.Progress().Throttle; got != "" {
		t.Errorf("throttle note still shown a minute later: %q", got)
	}
}

func TestSyncModelRetryResetsRows(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	m := NewSyncModel(sampleRows(4), clk.now)
	m.Start(nil)
	m.Apply(importer.Event{Kind: importer.BatchDone, Results: []importer.RowResult{
		{Row: 2, State: importer.Created}, {Row: 3, State: importer.Failed, Reason: "x"},
		{Row: 4, State: importer.Updated}, {Row: 5, State: importer.Failed, Reason: "y"},
	}})
	m.Apply(importer.Event{Kind: importer.Finished})
	if p := m.Progress(); !p.Finished || p.Running || p.Done != 4 {
		t.Fatalf("after finish: %+v", p)
	}
	m.Start(m.RowsIn(importer.Failed))
	clk.t = clk.t.Add(2 * time.Second)
	m.Apply(importer.Event{Kind: importer.BatchDone, Results: []importer.RowResult{{Row: 3, State: importer.Updated}}})
	p := m.Progress()
	if p.Done != 3 || p.Totals.Waiting != 1 || p.Totals.Failed != 0 || p.Finished {
		t.Fatalf("retry progress: %+v", p)
	}
	// One of the two retried rows took 2 s: the other should take 2 s more,
	// whatever the rows confirmed before the retry.
	if p.ETA != 2*time.Second {
		t.Errorf("ETA = %v, want 2s", p.ETA)
	}
	if r := m.Row(1); r.Reason != "" || r.State != importer.Updated {
		t.Errorf("retried row: %+v", r)
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{Count(0), "0"}, {Count(999), "999"}, {Count(9812), "9,812"}, {Count(1234567), "1,234,567"}, {Count(-4200), "-4,200"},
		{Clock(41 * time.Second), "0:41"}, {Clock(61*time.Minute + 5*time.Second), "1:01:05"}, {Clock(-time.Second), "0:00"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestRowsKeepEveryLine: the column-wise table gives back each line as it
// was added and as it was last set.
func TestRowsKeepEveryLine(t *testing.T) {
	lines := []SyncRow{
		{Row: 2, Key: "anna@example.com"},
		{Row: 3, Key: "", State: importer.Skipped, Reason: "no key"},
		{Row: 7, Key: "zoë@exämple.com", State: importer.Skipped, Reason: "no key"},
		{Row: 8, Key: "li@example.cn", State: importer.Created, LeadID: 1 << 40},
	}
	rows := RowsOf(lines...)
	for i, want := range lines {
		if got := rows.At(i); got != want {
			t.Errorf("line %d = %+v, want %+v", i, got, want)
		}
	}
	rows.set(0, importer.Failed, 0, "Marketo said no")
	if got := rows.At(0); got.State != importer.Failed || got.Reason != "Marketo said no" || got.Key != "anna@example.com" {
		t.Errorf("after set: %+v", got)
	}
	if rows.Len() != 4 || rows.reasons.Len() != 3 {
		t.Errorf("%d lines, %d reasons kept; want 4 and 3 (each reason once)", rows.Len(), rows.reasons.Len())
	}
}

func TestDoneCounts(t *testing.T) {
	tests := []struct {
		name          string
		t             importer.Totals
		bulk          bool
		first, second string
	}{
		{"sync", importer.Totals{Created: 3, Updated: 1}, false, "3 created", "1 updated"},
		{"sync, lost answers", importer.Totals{Created: 3, CreatedOrUpdated: 2, LeftAlone: 1}, false, "3 created", "0 updated · 2 created or updated · 1 left alone"},
		{"bulk", importer.Totals{Imported: 1200, ImportedWithWarning: 4}, true, "1,200 imported", "4 imported with a warning"},
		// An earlier Sync Leads run of the same import confirmed some rows.
		{"bulk after sync", importer.Totals{Imported: 10, Created: 300}, true, "10 imported", "0 imported with a warning · 300 created"},
		{"sync after bulk", importer.Totals{Updated: 5, Imported: 7, ImportedWithWarning: 1}, false, "0 created", "5 updated · 8 imported"},
	}
	for _, tt := range tests {
		first, second := DoneCounts(tt.t, tt.bulk)
		if first != tt.first || second != tt.second {
			t.Errorf("%s: %q, %q; want %q, %q", tt.name, first, second, tt.first, tt.second)
		}
	}
}
