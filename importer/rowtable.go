package importer

import "iter"

// RowTable holds at most one RowResult per sheet row, compactly: 16 bytes
// a row where a map entry costs 80 or more, so the states of a million
// rows take 16 MB. Each distinct reason is kept once. The zero value is
// empty and ready to use. Not safe for concurrent use.
type RowTable struct {
	cells   []rowCell // by sheet row number
	reasons Reasons
	n       int
}

type rowCell struct {
	lead   int64
	reason uint32
	state  uint8 // RowState+1; 0: no result for the row
	list   ListState
	prog   ProgramState
}

// Set records r for its row and returns what the row held before.
func (t *RowTable) Set(r RowResult) (old RowResult, had bool) {
	if r.Row < 0 {
		return RowResult{}, false
	}
	if r.Row >= len(t.cells) {
		t.cells = append(t.cells, make([]rowCell, r.Row+1-len(t.cells))...)
		t.cells = t.cells[:cap(t.cells)]
	}
	old, had = t.Get(r.Row)
	if !had {
		t.n++
	}
	t.cells[r.Row] = rowCell{lead: int64(r.LeadID), reason: t.reasons.Intern(r.Reason), state: uint8(r.State) + 1, list: r.List, prog: r.Program}
	return old, had
}

// Get returns row's result, if it has one.
func (t *RowTable) Get(row int) (RowResult, bool) {
	if row < 0 || row >= len(t.cells) || t.cells[row].state == 0 {
		return RowResult{}, false
	}
	c := t.cells[row]
	return RowResult{Row: row, State: RowState(c.state - 1), LeadID: int(c.lead), Reason: t.reasons.Text(c.reason), List: c.list, Program: c.prog}, true
}

// Delete forgets row's result.
func (t *RowTable) Delete(row int) {
	if row >= 0 && row < len(t.cells) && t.cells[row].state != 0 {
		t.cells[row] = rowCell{}
		t.n--
	}
}

// Len is the number of rows with a result.
func (t *RowTable) Len() int { return t.n }

// All yields every result in row order.
func (t *RowTable) All() iter.Seq[RowResult] {
	return func(yield func(RowResult) bool) {
		for row := range t.cells {
			if r, ok := t.Get(row); ok && !yield(r) {
				return
			}
		}
	}
}

// Clone returns a copy that shares nothing mutable with t.
func (t *RowTable) Clone() *RowTable {
	return &RowTable{cells: append([]rowCell(nil), t.cells...), reasons: t.reasons.Clone(), n: t.n}
}
