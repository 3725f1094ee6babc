package sheet

import (
	"fmt"
	"strconv"
	"strings"

	"leadsheet/importer"
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
		h.Letters[i] = importer.ColumnLetter(i + 1)
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
// -1 when every row is blank. It is [GuessHeaderRow] without the doubt.
func DetectHeaderRow(rows [][]string) int { return GuessHeaderRow(rows).Index }

// HeaderGuess is where header detection thinks the column names are, and
// how sure it is.
type HeaderGuess struct {
	Index int  // index in the rows given, -1 when every row is blank
	Row   int  // sheet row number (set by [Workbook.GuessHeader]; 0 for an empty sheet)
	Sure  bool // false: tell the operator which row was used and how to pick another
	// Reason says in plain words why the guess may be wrong ("" when sure).
	// Rows are counted from 1, as in the sheet when rows start at its top.
	Reason string
}

// GuessHeaderRow finds the header: the first row that fills most of the
// sheet's width with distinct text labels. Titles, notes and blank rows
// above it are skipped; so is a group row ("Contact" over "Email" and
// "First Name", often merged) whose gaps the row below fills with labels.
// It is unsure when it skipped a group row, when a row above the header
// also has several cells, or when no row looks like labels at all.
func GuessHeaderRow(rows [][]string) HeaderGuess {
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
		return HeaderGuess{Index: -1, Sure: true}
	}
	if widest <= 1 {
		return HeaderGuess{Index: first, Sure: true}
	}
	need := (widest*6 + 9) / 10 // at least 60% of the widest row
	need = max(need, 2)
	found := -1
	for i, r := range rows {
		if nonBlank(r) >= need && labelRow(r) {
			found = i
			break
		}
	}
	if found < 0 {
		// No row looks like labels (a sheet of numbers): take the first wide row.
		for i, r := range rows {
			if nonBlank(r) >= need {
				return HeaderGuess{Index: i, Reason: fmt.Sprintf("no row looks like column names (they hold numbers, dates or emails), so row %d, the first full one, was used", i+1)}
			}
		}
		return HeaderGuess{Index: first, Reason: fmt.Sprintf("no row looks like column names, so row %d was used", first+1)}
	}
	g := HeaderGuess{Index: found, Sure: true}
	for {
		next := found + 1
		for next < len(rows) && nonBlank(rows[next]) == 0 {
			next++
		}
		if next >= len(rows) || !groupOver(rows[found], rows[next]) {
			break
		}
		g = HeaderGuess{Index: next, Reason: fmt.Sprintf("row %d looks like a group title over row %d (it names fewer columns and row %d fills its gaps), so row %d was used", found+1, next+1, next+1, next+1)}
		found = next
	}
	if g.Sure {
		for k := 0; k < found; k++ {
			if nonBlank(rows[k]) >= 2 {
				g = HeaderGuess{Index: found, Reason: fmt.Sprintf("row %d was used, but row %d above it also has several filled cells", found+1, k+1)}
				break
			}
		}
	}
	return g
}

// labelRow is true for a row whose cells are mostly distinct text labels.
func labelRow(r []string) bool {
	n := nonBlank(r)
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
	return n > 0 && labels*10 >= n*7 && len(distinct)*10 >= n*8
}

// groupOver is true when group looks like a row of group titles over
// header: header is a label row with more cells, has a cell under every
// cell of group, and fills a gap between group's cells (where a title is
// merged across the columns it groups).
func groupOver(group, header []string) bool {
	if !labelRow(header) || nonBlank(header) <= nonBlank(group) {
		return false
	}
	filled := func(r []string, i int) bool { return i < len(r) && strings.TrimSpace(r[i]) != "" }
	gap := false
	for i := 0; i <= lastNonBlank(group); i++ {
		switch {
		case filled(group, i) && !filled(header, i):
			return false
		case !filled(group, i) && filled(header, i):
			gap = true
		}
	}
	return gap
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
