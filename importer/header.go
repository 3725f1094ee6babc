package importer

import (
	"strconv"
	"strings"
)

// Header is the header row of a sheet: one unique, visible name per column.
type Header struct {
	Row      int      // sheet row number of the header (1-based)
	Names    []string // unique names: blanks become "Column C", repeats "Email (2)"
	Letters  []string // column letter of each name ("A", "B", ...)
	Original []string // the header cells as written, trimmed
}

// NewHeader builds a Header from the cells of the header row. Names are
// trimmed; a blank cell is named after its column letter and a repeated name
// gets " (2)", " (3)"... so every column can be told apart in the UI.
func NewHeader(row int, cells []string) Header { return newHeader(row, cells, 0) }

// newHeader builds a header at least width columns wide (columns past the
// header cells are blank and get letter names).
func newHeader(row int, cells []string, width int) Header {
	n := len(cells)
	for n > 0 && strings.TrimSpace(cells[n-1]) == "" {
		n--
	}
	cells = cells[:n]
	n = max(n, width)
	h := Header{Row: row, Names: make([]string, n), Letters: make([]string, n), Original: make([]string, n)}
	taken := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		h.Letters[i] = ColumnLetter(i + 1)
		if i < len(cells) {
			h.Original[i] = strings.TrimSpace(strings.ReplaceAll(cells[i], "\n", " "))
		}
	}
	// Real names claim their spelling first, so a generated "Email (2)" never
	// collides with a column actually called "Email (2)".
	for _, name := range h.Original {
		if name != "" {
			taken[strings.ToLower(name)] = true
		}
	}
	seen := make(map[string]int, n)
	for i, name := range h.Original {
		if name == "" {
			name = "Column " + h.Letters[i]
			for k := 2; taken[strings.ToLower(name)]; k++ {
				name = "Column " + h.Letters[i] + " (" + strconv.Itoa(k) + ")"
			}
			taken[strings.ToLower(name)] = true
			h.Names[i] = name
			continue
		}
		key := strings.ToLower(name)
		seen[key]++
		if seen[key] == 1 {
			h.Names[i] = name
			continue
		}
		cand := name
		for k := seen[key]; ; k++ {
			cand = name + " (" + strconv.Itoa(k) + ")"
			if !taken[strings.ToLower(cand)] {
				break
			}
		}
		taken[strings.ToLower(cand)] = true
		h.Names[i] = cand
	}
	return h
}

// DetectHeaderRow returns the index in rows of the most likely header row, or
// -1 when every row is blank. The header is the first row that fills most of
// the sheet's width with distinct text labels; title rows ("Leads export
// March"), notes and blank rows above it are skipped.
func DetectHeaderRow(rows [][]string) int {
	if len(rows) > headerScanRows {
		rows = rows[:headerScanRows]
	}
	widest, first := 0, -1
	for i, r := range rows {
		n := nonBlank(r)
		if n > 0 && first < 0 {
			first = i
		}
		widest = max(widest, n)
	}
	if first < 0 {
		return -1
	}
	if widest <= 1 {
		return first
	}
	need := (widest*6 + 9) / 10 // at least 60% of the widest row
	need = max(need, 2)
	for i, r := range rows {
		n := nonBlank(r)
		if n < need {
			continue
		}
		labels, distinct := 0, make(map[string]bool, n)
		for _, c := range r {
			c = strings.TrimSpace(c)
			if c == "" {
				continue
			}
			distinct[strings.ToLower(c)] = true
			if looksLikeLabel(c) {
				labels++
			}
		}
		if labels*10 >= n*7 && len(distinct)*10 >= n*8 {
			return i
		}
	}
	// No row looks like labels (a sheet of numbers): take the first wide row.
	for i, r := range rows {
		if nonBlank(r) >= need {
			return i
		}
	}
	return first
}

func nonBlank(r []string) int {
	n := 0
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			n++
		}
	}
	return n
}

// looksLikeLabel is true for text that could name a column: not a number, a
// date, an email address or a long sentence.
func looksLikeLabel(s string) bool {
	if len(s) > 80 || strings.Contains(s, "@") {
		return false
	}
	digits, letters := 0, 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == '.' || r == '/' || r == ':' || r == ' ' || r == '+' || r == ',' || r == 'T':
		default:
			letters++
		}
	}
	return letters > 0 && digits*2 <= letters+digits
}
