package viewmodel

import "leadsheet/importer"

// Rows are the lines of the live table, stored column by column: about 23
// bytes a row plus its key's text, where a slice of SyncRow takes 56 plus a
// string per key. A million-row sheet's table is then some 45 MB, not 85.
// The zero value is empty and ready to use. Not safe for concurrent use:
// SyncModel guards the Rows it holds.
type Rows struct {
	row     []int32
	keyEnd  []uint32 // end of each row's key in keys
	keys    []byte
	state   []importer.RowState
	list    []importer.ListState
	program []importer.ProgramState
	lead    []int64
	reason  []uint32 // number in reasons
	reasons importer.Reasons
}

// RowsOf returns rows holding the given lines, in order.
func RowsOf(lines ...SyncRow) *Rows {
	l := &Rows{}
	for _, r := range lines {
		l.Add(r)
	}
	return l
}

// Add appends a line; lines must come in sheet order.
func (l *Rows) Add(r SyncRow) {
	l.row = append(l.row, int32(r.Row))
	l.keys = append(l.keys, r.Key...)
	l.keyEnd = append(l.keyEnd, uint32(len(l.keys)))
	l.state = append(l.state, r.State)
	l.list = append(l.list, r.List)
	l.program = append(l.program, r.Program)
	l.lead = append(l.lead, int64(r.LeadID))
	l.reason = append(l.reason, l.reasons.Intern(r.Reason))
}

// Len is the number of lines.
func (l *Rows) Len() int { return len(l.row) }

// At returns line i.
func (l *Rows) At(i int) SyncRow {
	start := uint32(0)
	if i > 0 {
		start = l.keyEnd[i-1]
	}
	return SyncRow{Row: int(l.row[i]), Key: string(l.keys[start:l.keyEnd[i]]), State: l.state[i], LeadID: int(l.lead[i]), Reason: l.reasons.Text(l.reason[i]),
		List: l.list[i], Program: l.program[i]}
}

// set changes where line i stands.
func (l *Rows) set(i int, state importer.RowState, lead int, reason string) {
	l.state[i], l.lead[i], l.reason[i] = state, int64(lead), l.reasons.Intern(reason)
}

// setTargets changes where line i's lead stands with the list and the
// program.
func (l *Rows) setTargets(i int, list importer.ListState, program importer.ProgramState) {
	l.list[i], l.program[i] = list, program
}
