package run

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"leadsheet/importer"
	"leadsheet/marketo"
)

func TestBatcher(t *testing.T) {
	var got []importer.Batch
	b := NewBatcher(3, func(bt importer.Batch) error { got = append(got, bt); return nil })
	leads := []marketo.Lead{
		{Email: "a@x.com"}, {ID: 1}, {Email: "b@x.com"}, {ForeignSysPersonID: "f1"},
		{Email: "c@x.com"}, {Email: "d@x.com"}, {ID: 2},
	}
	for i, l := range leads {
		if err := b.Add(i+2, l); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 || got[0].Key != marketo.KeyEmail || got[0].Seq != 0 || len(got[0].Rows) != 3 || got[0].Rows[2] != 6 {
		t.Fatalf("after adds: %+v", got)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		key  marketo.KeyKind
		rows []int
	}{{marketo.KeyEmail, []int{2, 4, 6}}, {marketo.KeyID, []int{3, 8}}, {marketo.KeyForeignSysPersonID, []int{5}}, {marketo.KeyEmail, []int{7}}}
	if len(got) != len(want) {
		t.Fatalf("batches = %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.Seq != i || g.Key != w.key || len(g.Rows) != len(w.rows) || len(g.Leads) != len(g.Rows) {
			t.Errorf("batch %d = %+v, want key %v rows %v", i, g, w.key, w.rows)
			continue
		}
		for j := range w.rows {
			if g.Rows[j] != w.rows[j] || g.Leads[j].Key() != w.key {
				t.Errorf("batch %d row %d = %d", i, j, g.Rows[j])
			}
		}
	}
	if b.Batches() != 4 {
		t.Errorf("Batches = %d", b.Batches())
	}
	if err := b.Add(99, marketo.Lead{}); !errors.Is(err, ErrNoKey) {
		t.Errorf("keyless lead: %v", err)
	}
	stop := errors.New("stop")
	b2 := NewBatcher(0, func(importer.Batch) error { return stop })
	for i := 0; i < marketo.MaxBatch-1; i++ {
		if err := b2.Add(i, marketo.Lead{Email: strconv.Itoa(i) + "@x.com"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b2.Add(1000, marketo.Lead{Email: "last@x.com"}); !errors.Is(err, stop) {
		t.Errorf("300th lead should emit (size defaults to MaxBatch): %v", err)
	}
}

func BenchmarkBatcher(b *testing.B) {
	lead := marketo.Lead{Email: "a@example.com"}
	b.ReportAllocs()
	bt := NewBatcher(300, func(importer.Batch) error { return nil })
	for i := 0; b.Loop(); i++ {
		bt.Add(i, lead)
	}
}

// TestBatcherCutsByBytes (issue 11 #5): 300 rows with a 4,000-character
// Address are over REST's 1 MB in one call, so the batcher cuts them into
// batches that each fit the API's byte cap, keeps every row with its sheet
// row in order, and cuts the same way on a second pass (pre-flight digests
// depend on it). A lead over the cap on its own travels alone.
func TestBatcherCutsByBytes(t *testing.T) {
	long := func(n int) marketo.Attribute {
		return marketo.Attribute{Name: "Address", Value: strings.Repeat("x", n)}
	}
	leads := make([]marketo.Lead, 300)
	for i := range leads {
		leads[i] = marketo.Lead{Email: fmt.Sprintf("p%03d@example.com", i), Attributes: []marketo.Attribute{long(4000)}}
	}
	var huge []marketo.Attribute
	for range 80 {
		huge = append(huge, long(29000))
	}
	leads[100].Attributes = huge
	for _, tc := range []struct {
		name string
		make func(func(importer.Batch) error) *Batcher
		lim  marketo.SyncLimits
	}{
		{"NewBatcher fits both APIs", func(e func(importer.Batch) error) *Batcher { return NewBatcher(300, e) }, marketo.SyncLimitsFor("")},
		{"rest", func(e func(importer.Batch) error) *Batcher { return NewBatcherFor("rest", 300, e) }, marketo.SyncLimitsFor("rest")},
		{"soap", func(e func(importer.Batch) error) *Batcher { return NewBatcherFor("soap", 300, e) }, marketo.SyncLimitsFor("soap")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pass := func() []importer.Batch {
				var got []importer.Batch
				b := tc.make(func(bt importer.Batch) error { got = append(got, bt); return nil })
				for i, l := range leads {
					if err := b.Add(i+2, l); err != nil {
						t.Fatal(err)
					}
				}
				if err := b.Flush(); err != nil {
					t.Fatal(err)
				}
				return got
			}
			got := pass()
			next := 2
			for _, bt := range got {
				size := tc.lim.Overhead
				for i, l := range bt.Leads {
					size += tc.lim.LeadBytes(l)
					if bt.Rows[i] != next || l.Email != leads[next-2].Email {
						t.Fatalf("batch %d: row %d carries %s, want row %d", bt.Seq, bt.Rows[i], l.Email, next)
					}
					next++
				}
				if size > tc.lim.Bytes && len(bt.Leads) > 1 {
					t.Errorf("batch %d: %d leads, about %d bytes, over the cap of %d", bt.Seq, len(bt.Leads), size, tc.lim.Bytes)
				}
				if slices.Contains(bt.Rows, 102) && len(bt.Rows) != 1 {
					t.Errorf("batch %d: the oversized row 102 shares a call with %d others", bt.Seq, len(bt.Rows)-1)
				}
			}
			if next != 302 {
				t.Errorf("batches hold rows 2..%d, want 2..301", next-1)
			}
			again := pass()
			if len(again) != len(got) {
				t.Fatalf("second pass cut %d batches, first %d", len(again), len(got))
			}
			for i := range got {
				if !slices.Equal(got[i].Rows, again[i].Rows) {
					t.Errorf("batch %d: rows differ between passes", i)
				}
			}
		})
	}
	if count, bytes := BatchLimits("rest"); count != marketo.MaxBatch || bytes != marketo.RESTSyncMaxBytes {
		t.Errorf("BatchLimits(rest) = %d, %d", count, bytes)
	}
}
