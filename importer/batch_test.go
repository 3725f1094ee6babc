package importer

import (
	"errors"
	"strconv"
	"testing"

	"leadsheet/marketo"
)

func TestBatcher(t *testing.T) {
	var got []Batch
	b := NewBatcher(3, func(bt Batch) error { got = append(got, bt); return nil })
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
	b2 := NewBatcher(0, func(Batch) error { return stop })
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
	bt := NewBatcher(300, func(Batch) error { return nil })
	for i := 0; b.Loop(); i++ {
		bt.Add(i, lead)
	}
}
