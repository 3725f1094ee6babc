package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// Preflight is the outcome of checking every row of the sheet against the
// mapping, before anything is sent: how many rows can be sent, the rows that
// will not be sent and why, and the rows of the live table. The leads
// themselves are built again from the rows when a run starts, so 100,000
// rows are not held twice.
type Preflight struct {
	Rows     []SyncRow          // every data row, in sheet order; invalid ones Skipped
	Sendable int                // rows that will be sent
	Problems []importer.Problem // sheet problems first, then per row, at most importer.MaxReportProblems
	Total    int                // problems found, even past the cap
	Invalid  int                // rows that will not be sent
	Warned   int                // sendable rows with a warning
	ByKey    map[marketo.KeyKind]int
	Fatal    bool // the mapping itself stops every row (e.g. no key column)

	source  []importer.Row
	mapping importer.Mapping
	fields  []marketo.Field
	dedup   bool
}

// RunPreflight validates rows (already read from the sheet) with the
// importer's validator. It is pure computation on memory, fast enough to
// repeat on every mapping change.
func RunPreflight(ctx context.Context, m importer.Mapping, fields []marketo.Field, dedup bool, rows []importer.Row) (*Preflight, error) {
	v := importer.NewValidator(m, fields, dedup)
	p := &Preflight{Rows: make([]SyncRow, 0, len(rows)), ByKey: map[marketo.KeyKind]int{},
		source: rows, mapping: m, fields: fields, dedup: dedup}
	add := func(pr importer.Problem) {
		p.Total++
		if len(p.Problems) < importer.MaxReportProblems {
			p.Problems = append(p.Problems, pr)
		}
	}
	for _, sp := range v.SheetProblems() {
		add(sp)
		if sp.Severity == importer.Invalid && sp.Column == "" {
			p.Fatal = true
		}
	}
	for i, r := range rows {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		lead, probs := v.Check(r)
		row := SyncRow{Row: r.Number, Key: keyValue(lead)}
		var reasons []string
		warned := false
		for _, pr := range probs {
			add(pr)
			if pr.Severity == importer.Invalid {
				reasons = append(reasons, pr.Message)
			} else {
				warned = true
			}
		}
		if p.Fatal && len(reasons) == 0 {
			reasons = append(reasons, "Not sent: fix the mapping first.")
		}
		if len(reasons) > 0 {
			row.State, row.Reason = importer.Skipped, strings.Join(reasons, " ")
			p.Invalid++
		} else {
			if warned {
				p.Warned++
			}
			p.ByKey[lead.Key()]++
			p.Sendable++
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

// keyValue is the value a lead is matched on, for the table's Key column.
func keyValue(l marketo.Lead) string {
	switch l.Key() {
	case marketo.KeyID:
		return fmt.Sprint(l.ID)
	case marketo.KeyForeignSysPersonID:
		return l.ForeignSysPersonID
	case marketo.KeyEmail:
		return l.Email
	}
	return ""
}

// Summary is the pre-flight report's headline.
func (p *Preflight) Summary() string {
	ready := p.Sendable
	s := fmt.Sprintf("%s %s ready to send", count(ready), plural(ready, "row", "rows"))
	if p.Invalid > 0 {
		s += fmt.Sprintf(" · %s %s with problems will not be sent", count(p.Invalid), plural(p.Invalid, "row", "rows"))
	}
	if p.Warned > 0 {
		s += fmt.Sprintf(" · %s with warnings (sent anyway)", count(p.Warned))
	}
	return s
}

// ProblemLine is one line of the report list.
func ProblemLine(pr importer.Problem) string {
	where := "Whole sheet"
	if pr.Row > 0 {
		where = fmt.Sprintf("Row %d", pr.Row)
	}
	if pr.Column != "" {
		where += " · " + pr.Column
	}
	sev := "Warning"
	if pr.Severity == importer.Invalid {
		sev = "Not sent"
	}
	return fmt.Sprintf("%s — %s: %s", where, sev, pr.Message)
}

// Batches groups the sendable leads of the given sheet rows (nil: all, else
// sorted) into batches of at most size. The rows are validated again, in
// order, exactly as pre-flight did, so the same rows are sendable.
func (p *Preflight) Batches(size int, only []int) ([]importer.Batch, error) {
	var out []importer.Batch
	b := importer.NewBatcher(size, func(b importer.Batch) error {
		out = append(out, b)
		return nil
	})
	v := importer.NewValidator(p.mapping, p.fields, p.dedup)
	for i, r := range p.source {
		lead, probs := v.Check(r)
		if p.Fatal || p.Rows[i].State == importer.Skipped || invalid(probs) {
			continue
		}
		if only != nil {
			if _, ok := slices.BinarySearch(only, r.Number); !ok {
				continue
			}
		}
		if err := b.Add(r.Number, lead); err != nil {
			return nil, fmt.Errorf("batch row %d: %w", r.Number, err)
		}
	}
	if err := b.Flush(); err != nil {
		return nil, err
	}
	return out, nil
}

func invalid(probs []importer.Problem) bool {
	for _, pr := range probs {
		if pr.Severity == importer.Invalid {
			return true
		}
	}
	return false
}
