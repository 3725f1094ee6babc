package run

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// Reason columns Marketo adds to a job's failures and warnings files.
const (
	failureColumn = "Import Failure Reason"
	warningColumn = "Import Warning Reason"
)

// readBulkCSV splits an import file (or one of Marketo's reports on it)
// into its header and lines.
func readBulkCSV(data []byte) (header []string, lines [][]string, err error) {
	rd := csv.NewReader(bytes.NewReader(data))
	rd.FieldsPerRecord = -1
	all, err := rd.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("read the file: %w", err)
	}
	if len(all) == 0 {
		return nil, nil, errors.New("read the file: it has no header")
	}
	return all[0], all[1:], nil
}

// reportMatch is what a report says about the lines of a file.
type reportMatch struct {
	reason    map[int]string // line index → Marketo's reason, for lines placed
	ambiguous map[int]string // line index → why it cannot be told apart
	unplaced  int            // report rows matching no line
	rows      int            // rows in the report
}

// matchReport joins a failures or warnings report to the lines of the file
// it is about. Marketo's report has no line numbers and leaves out columns
// that are blank in all of its rows, so a report row is matched by content:
// every column of the file must hold the same value, a column the report
// left out counting as blank. Lines with identical content cannot be told
// apart; when the report names fewer of them than the file holds, every
// one of them is ambiguous.
func matchReport(header []string, lines [][]string, report []byte, reasonCol string) (reportMatch, error) {
	m := reportMatch{reason: map[int]string{}, ambiguous: map[int]string{}}
	if len(bytes.TrimSpace(report)) == 0 {
		return m, nil
	}
	rh, rrows, err := readBulkCSV(report)
	if err != nil {
		return m, err
	}
	m.rows = len(rrows)
	for i, rr := range rrows {
		// A row shorter or longer than the header is a report cut off (or
		// garbled): its missing cells would count as blank and could match
		// another row.
		if len(rr) != len(rh) {
			return m, fmt.Errorf("report row %d has %d cells where the header has %d: the report is cut off", i+1, len(rr), len(rh))
		}
	}
	reasonAt := -1
	col := make([]int, len(header)) // file column → report column, or -1
	for i := range col {
		col[i] = -1
	}
	byName := map[string]int{}
	for i, h := range header {
		byName[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for j, h := range rh {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if name == strings.ToLower(reasonCol) {
			reasonAt = j
			continue
		}
		if i, ok := byName[name]; ok && col[i] < 0 {
			col[i] = j
		}
	}
	if reasonAt < 0 {
		reasonAt = len(rh) - 1 // Marketo puts it last
	}
	sig := func(vals func(i int) string) string {
		var sb strings.Builder
		for i := range header {
			sb.WriteString(vals(i))
			sb.WriteByte(0)
		}
		return sb.String()
	}
	type group struct {
		reasons []string
	}
	groups := map[string]*group{}
	var order []string
	for _, rr := range rrows {
		s := sig(func(i int) string {
			if j := col[i]; j >= 0 && j < len(rr) {
				return rr[j]
			}
			return ""
		})
		g := groups[s]
		if g == nil {
			g = &group{}
			groups[s] = g
			order = append(order, s)
		}
		reason := ""
		if reasonAt >= 0 && reasonAt < len(rr) {
			reason = rr[reasonAt]
		}
		g.reasons = append(g.reasons, reason)
	}
	cands := map[string][]int{}
	for li, line := range lines {
		s := sig(func(i int) string {
			if i < len(line) {
				return line[i]
			}
			return ""
		})
		if _, ok := groups[s]; ok {
			cands[s] = append(cands[s], li)
		}
	}
	for _, s := range order {
		g, ls := groups[s], cands[s]
		switch {
		case len(ls) == 0:
			m.unplaced += len(g.reasons)
		case len(ls) <= len(g.reasons):
			for k, li := range ls {
				m.reason[li] = g.reasons[k]
			}
			m.unplaced += len(g.reasons) - len(ls)
		default:
			why := fmt.Sprintf(msgBulkAmbiguous, len(g.reasons), len(ls), strings.Join(uniq(g.reasons), "; "))
			for _, li := range ls {
				m.ambiguous[li] = why
			}
		}
	}
	return m, nil
}

func uniq(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// joinBulkResults gives every line of f its final state from its ended
// job's reports: Failed with Marketo's reason, ImportedWithWarning, or
// Imported. A failure Leadsheet cannot place makes every line it might be
// Unknown, since calling such a line Imported could be false; note says
// what the operator should know about the match.
func joinBulkResults(f *bulkFile, got marketo.BulkBatch, failures, warnings []byte) ([]importer.RowResult, string) {
	rs := make([]importer.RowResult, len(f.rows))
	for i, row := range f.rows {
		rs[i] = importer.RowResult{Row: row, State: importer.Imported}
	}
	// Marketo's counts must cover the file: whether numOfLeadsProcessed
	// counts the failed rows or not (Adobe does not say), fewer processed
	// and failed than rows means some rows are unaccounted for.
	short := len(f.rows) - (got.Processed + got.Failed)
	if short <= 0 && got.Failed == 0 && got.Warnings == 0 && len(failures) == 0 && len(warnings) == 0 {
		return rs, "" // nothing to match: the file need not be read back
	}
	header, lines, err := readBulkCSV(f.buf.Bytes())
	if err != nil || len(lines) != len(f.rows) {
		// Our own file: it cannot happen, but if it did nothing is known.
		for i := range rs {
			rs[i] = importer.RowResult{Row: f.rows[i], State: importer.Unknown, Reason: fmt.Sprintf(msgBulkUnplaced, got.Failed)}
		}
		return rs, "Leadsheet could not read back the file it uploaded"
	}
	var notes []string
	fm, ferr := matchReport(header, lines, failures, failureColumn)
	wm, werr := matchReport(header, lines, warnings, warningColumn)
	if ferr != nil {
		fm.unplaced = max(got.Failed, 1)
		notes = append(notes, "Marketo's failures report could not be read ("+ferr.Error()+")")
	}
	if werr != nil {
		notes = append(notes, "Marketo's warnings report could not be read ("+werr.Error()+")")
	}
	if ferr == nil && fm.rows != got.Failed {
		// The job says more failed than its report lists (or fewer): the
		// rows not listed cannot be called Imported.
		fm.unplaced += max(0, got.Failed-fm.rows)
		notes = append(notes, fmt.Sprintf("Marketo counted %d failed rows but its report lists %d", got.Failed, fm.rows))
	}
	if short > 0 {
		fm.unplaced += short
		notes = append(notes, fmt.Sprintf("Marketo accounts for %d of the file's %d rows", got.Processed+got.Failed, len(f.rows)))
	}
	if werr == nil && wm.rows != got.Warnings {
		notes = append(notes, fmt.Sprintf("Marketo counted %d rows with warnings but its report lists %d", got.Warnings, wm.rows))
	}
	for li, why := range wm.ambiguous {
		wm.reason[li] = why
	}
	for i := range rs {
		switch reason, failed := fm.reason[i]; {
		case failed:
			rs[i].State, rs[i].Reason = importer.Failed, orWhy(reason)
		case fm.ambiguous[i] != "":
			rs[i].State, rs[i].Reason = importer.Unknown, fm.ambiguous[i]
		case fm.unplaced > 0:
			rs[i].State, rs[i].Reason = importer.Unknown, fmt.Sprintf(msgBulkUnplaced, fm.unplaced)
		case wm.reason[i] != "":
			rs[i].State, rs[i].Reason = importer.ImportedWithWarning, wm.reason[i]
		}
	}
	if n := fm.unplaced - max(short, 0); n > 0 {
		notes = append(notes, fmt.Sprintf("%d failed rows in Marketo's report match no row of the file", n))
	}
	if wm.unplaced > 0 {
		notes = append(notes, fmt.Sprintf("%d rows with warnings in Marketo's report match no row of the file; those rows were imported", wm.unplaced))
	}
	if n := len(fm.ambiguous); n > 0 {
		notes = append(notes, fmt.Sprintf("%d identical rows cannot be told apart in Marketo's failures report", n))
	}
	return rs, strings.Join(notes, "; ")
}

func orWhy(reason string) string {
	if strings.TrimSpace(reason) == "" {
		return "Marketo did not import this row and gave no reason"
	}
	return reason
}
