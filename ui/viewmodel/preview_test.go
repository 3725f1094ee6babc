package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"leadsheet/importer/run"
)

// samplePreviews are n previews cycling through every kind, rows 2 on.
func samplePreviews(n int) []run.RowPreview {
	kinds := []run.PreviewKind{run.WillCreate, run.WillUpdate, run.WillNotChange, run.WillLeaveAlone, run.Ambiguous, run.NotFound, run.Repeats}
	out := make([]run.RowPreview, n)
	for i := range out {
		p := run.RowPreview{Row: i + 2, Key: fmt.Sprintf("lead%d@example.com", i), Kind: kinds[i%len(kinds)]}
		switch p.Kind {
		case run.WillUpdate:
			p.LeadID = 1000 + i
			p.Changes = []run.FieldChange{{Field: "firstName", Old: "Anna", New: "Annie"}, {Field: "city", New: "Berlin"}}
		case run.Ambiguous:
			p.Matches = 2
		case run.Repeats:
			p.First = 2
		}
		out[i] = p
	}
	return out
}

func TestPreviewModelCapsTheListButCountsEveryRow(t *testing.T) {
	const rows, max = 30, 10
	m := NewPreviewModel(rows, max)
	for _, p := range samplePreviews(rows) {
		m.Add(p)
	}
	if m.Seen() != rows || m.Listed() != max {
		t.Fatalf("seen %d, listed %d; want %d seen, %d listed", m.Seen(), m.Listed(), rows, max)
	}
	// 30 rows over 7 kinds: the first two kinds 5 times, the rest 4.
	tests := []struct {
		f            PreviewFilter
		count, shown int
	}{
		{PreviewAll, 30, 10},
		{PreviewCreate, 5, 2},
		{PreviewUpdate, 5, 2},
		{PreviewNoChange, 4, 2},
		{PreviewLeftAlone, 4, 1},
		{PreviewRefused, 8, 2}, // ambiguous and not found
		{PreviewRepeats, 4, 1},
	}
	for _, tt := range tests {
		label := PreviewFilterLabels[tt.f]
		if PreviewFilterOf(label) != tt.f {
			t.Errorf("PreviewFilterOf(%q) = %v", label, PreviewFilterOf(label))
		}
		if got := m.Count(tt.f); got != tt.count {
			t.Errorf("%s: count %d, want %d", label, got, tt.count)
		}
		idx := m.Filter(tt.f, nil)
		if len(idx) != tt.shown {
			t.Errorf("%s: %d listed rows, want %d", label, len(idx), tt.shown)
		}
		for _, i := range idx {
			if !tt.f.Keeps(m.Row(i).Kind) {
				t.Errorf("%s lists row %d, a %v", label, m.Row(i).Row, m.Row(i).Kind)
			}
		}
	}
	if note := m.Note(); !strings.Contains(note, "first 10 of 30 rows") || !strings.Contains(note, "counts cover every row") {
		t.Errorf("note %q does not say the list is cut", note)
	}
	if head := m.Head(); head != "Looking the rows up in Marketo… 30 of 30 rows (nothing is changed)" {
		t.Errorf("running head %q", head)
	}
	m.End(run.PreviewTotals{Create: 5, Update: 5, NoChange: 4, LeaveAlone: 4, Ambiguous: 4, NotFound: 4, Repeats: 4, Calls: 1}, nil)
	if head, want := m.Head(), "Preview: 5 to create, 5 to update, 4 unchanged, 4 left alone, 4 repeating an earlier row, 8 Marketo would refuse (1 call)"; head != want {
		t.Errorf("head %q, want %q", head, want)
	}
	if got := m.Totals().Calls; got != 1 {
		t.Errorf("calls %d after the end", got)
	}
}

func TestPreviewModelEnds(t *testing.T) {
	m := NewPreviewModel(478, PreviewListMax)
	for _, p := range samplePreviews(3) {
		m.Add(p)
	}
	if m.Note() != "" {
		t.Errorf("note %q with nothing cut and nothing out of date", m.Note())
	}
	m.End(run.PreviewTotals{}, context.Canceled)
	if head := m.Head(); head != "Preview stopped after 3 of 478 rows; nothing was changed in Marketo." || m.Failed() {
		t.Errorf("stopped: head %q, failed %v", head, m.Failed())
	}
	m.Outdate(PreviewOutdatedSettings)
	m.Outdate(PreviewOutdatedSent) // the first reason stands
	if note := m.Note(); note != "Out of date: the file, the mapping or a setting changed after this preview. Preview again to see what Start would send now." {
		t.Errorf("note %q", note)
	}

	failed := NewPreviewModel(3, PreviewListMax)
	failed.End(run.PreviewTotals{}, errors.New("Leadsheet could not look the rows up"))
	if !failed.Failed() || failed.Head() != "Leadsheet could not look the rows up" {
		t.Errorf("failed: %v, head %q", failed.Failed(), failed.Head())
	}
}

func TestPreviewWords(t *testing.T) {
	p := samplePreviews(2)[1]
	if got, want := ChangesLine(p.Changes), "firstName: “Anna” → “Annie” · city: empty → “Berlin”"; got != want {
		t.Errorf("changes %q, want %q", got, want)
	}
	if got, want := PreviewDetail(p), "Row 3 · lead1@example.com · Update lead 1001: 2 field(s) change\nfirstName: “Anna” → “Annie”\ncity: empty → “Berlin”"; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
	if got := PreviewButton(34); got != "Preview changes (34 calls)" {
		t.Errorf("button %q", got)
	}
	if got := PreviewButton(1); got != "Preview changes (1 call)" {
		t.Errorf("button %q", got)
	}
}
