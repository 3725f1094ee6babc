package viewmodel

import (
	"fmt"

	"leadsheet/importer"
	"leadsheet/importer/job"
	"leadsheet/marketo"
)

// Preflight is the job's pre-flight report as the window shows it: the
// counts and problems for the Map step and one compact line per row for the
// live table (row number, key, state, reason: no cells, so a million rows
// stay small).
type Preflight struct {
	Report   *job.Report
	Rows     *Rows              // every data row, in sheet order; invalid ones Skipped
	Sendable int                // rows that will be sent
	Problems []importer.Problem // why the mapping cannot work first, then sheet and row problems
	Invalid  int                // rows that will not be sent
	Warned   int                // sendable rows with a warning
	ByKey    map[marketo.KeyKind]int
	Fatal    bool // the mapping itself stops every row (e.g. no key column)
}

func NewPreflight(rep *job.Report, rows *Rows) *Preflight {
	p := &Preflight{Report: rep, Rows: rows, Sendable: rep.Valid, Invalid: rep.Rows - rep.Valid, Warned: rep.Warned,
		ByKey: rep.ByKey, Fatal: rep.Fatal != nil, Problems: rep.Problems}
	if rep.Fatal != nil {
		msg := rep.Fatal.Detail
		if msg == "" {
			msg = rep.Fatal.Error()
		}
		seen := false
		for _, pr := range rep.Problems {
			seen = seen || pr.Message == msg
		}
		if !seen {
			p.Problems = append([]importer.Problem{{Severity: importer.Invalid, Message: msg}}, rep.Problems...)
		}
	}
	return p
}

// Summary is the pre-flight report's headline.
func (p *Preflight) Summary() string {
	ready := p.Sendable
	s := fmt.Sprintf("%s %s ready to send", Count(ready), Plural(ready, "row", "rows"))
	if p.Invalid > 0 {
		s += fmt.Sprintf(" · %s %s with problems will not be sent", Count(p.Invalid), Plural(p.Invalid, "row", "rows"))
	}
	if p.Warned > 0 {
		s += fmt.Sprintf(" · %s with warnings (sent anyway)", Count(p.Warned))
	}
	return s
}

// ProblemLine is one line of the report list, placed as leadsheet sync
// places it ("Row 12, Email").
func ProblemLine(pr importer.Problem) string {
	sev := "Warning"
	if pr.Severity == importer.Invalid {
		sev = "Not sent"
	}
	return fmt.Sprintf("%s — %s: %s", job.ProblemWhere(pr), sev, pr.Message)
}
