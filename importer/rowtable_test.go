package importer

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRowTableLikeAMap: a RowTable answers as a map keyed by row would,
// through random sets, overwrites and deletes, and yields rows in order.
func TestRowTableLikeAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var tab RowTable
	ref := map[int]RowResult{}
	reasons := []string{"", "bad email", "Marketo said no", "bad email"}
	for i := 0; i < 20000; i++ {
		row := rng.IntN(3000)
		switch rng.IntN(5) {
		case 0:
			tab.Delete(row)
			delete(ref, row)
		default:
			r := RowResult{Row: row, State: RowState(rng.IntN(int(CreatedOrUpdated) + 1)), LeadID: rng.IntN(1 << 40), Reason: reasons[rng.IntN(len(reasons))]}
			old, had := tab.Set(r)
			if want, ok := ref[row]; ok != had || old != want {
				t.Fatalf("Set(%+v) returned %+v %v, want %+v %v", r, old, had, want, ok)
			}
			ref[row] = r
		}
	}
	if tab.Len() != len(ref) {
		t.Fatalf("Len = %d, want %d", tab.Len(), len(ref))
	}
	c := tab.Clone()
	c.Set(RowResult{Row: 5, State: Failed, Reason: "only in the clone"})
	var rows []int
	for r := range tab.All() {
		if ref[r.Row] != r {
			t.Errorf("row %d = %+v, want %+v", r.Row, r, ref[r.Row])
		}
		rows = append(rows, r.Row)
	}
	if len(rows) != len(ref) || !slices.IsSorted(rows) {
		t.Errorf("All yielded %d rows, sorted %v; want %d sorted", len(rows), slices.IsSorted(rows), len(ref))
	}
	if got, _ := tab.Get(5); got.Reason == "only in the clone" {
		t.Error("a change to the clone reached the original")
	}
}
