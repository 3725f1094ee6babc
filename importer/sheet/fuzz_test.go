package sheet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"leadsheet/importer"
	"leadsheet/importer/internal/testbook"
)

// FuzzCSV feeds arbitrary bytes to Open and Read as a CSV file: never a
// panic, always either a plain *OpenError or rows with increasing numbers.
// Python's csv module is the oracle for how quotes split rows
// (TestCSVMatchesPythonRandom compares thousands of files with it in one
// call); here, where Python cannot run per input, text without quotes must
// give exactly the rows Python gives it: one per line (LF, CR LF or CR),
// split at every delimiter, so no row is ever lost or merged.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("Email,Name\na@example.com,Anna\n"))
	f.Add([]byte("sep=;\nA;B\n1;\"x\ny\"\n\n2;3;4\n"))
	f.Add([]byte("\xFF\xFEa\x00,\x00b\x00\n\x001\x00"))
	f.Add([]byte("caf\xe9|cr\xe8me\n\"unterminated"))
	f.Add([]byte("Email,Name\njo@x.com,Jo \"JJ\" Smith\nb@x.com,\"Bobby\" Rob\n"))
	f.Add([]byte("\xEF\xBB\xBFa;b\r\r\n;\rc;d\te"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.csv")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		wb, err := Open(context.Background(), p, OpenOptions{})
		if err != nil {
			var oe *OpenError
			if !errors.As(err, &oe) || oe.Message == "" {
				t.Fatalf("error without an operator message: %v", err)
			}
			return
		}
		defer wb.Close()
		if want, ok := quoteFreeRecords(t, wb, data); ok {
			got, err := csvRecords(t, wb)
			if err != nil && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("text without quotes: %v", err)
			}
			if err == nil && !testbook.SameRows(got, want) {
				t.Fatalf("text without quotes read as %q, want %q", got, want)
			}
		}
		sheet := wb.Sheets()[0].Name
		last := 0
		_, err = wb.Read(context.Background(), sheet, 0, func(r importer.Row) error {
			if r.Number <= last {
				t.Fatalf("row %d after row %d", r.Number, last)
			}
			last = r.Number
			return nil
		})
		var oe *OpenError
		if err != nil && !errors.As(err, &oe) {
			t.Fatalf("Read error is not an *OpenError: %v", err)
		}
		SniffDelimiter(data)
	})
}

// quoteFreeRecords returns the records Python's csv module reads from the
// text of a CSV file that has no quote: one per line, blank lines having no
// cells. ok is false when the text has a quote.
func quoteFreeRecords(t *testing.T, wb *Workbook, data []byte) (rows [][]string, ok bool) {
	src := wb.src.(*csvSource)
	b, err := io.ReadAll(src.decoded(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.TrimPrefix(string(b), "\uFEFF")
	if src.sepRow {
		_, text, _ = strings.Cut(text, "\n")
	}
	if strings.Contains(text, `"`) {
		return nil, false
	}
	lines := strings.Split(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the text ends with a line break
	}
	for _, l := range lines {
		if l == "" {
			rows = append(rows, nil)
		} else {
			rows = append(rows, strings.Split(l, string(src.Delim)))
		}
	}
	return rows, true
}

// FuzzDetectHeaderRow: any grid (rows split on newlines, cells on tabs)
// gives an index inside it, or -1 only when every cell is blank.
func FuzzDetectHeaderRow(f *testing.F) {
	f.Add("Leads\n\nEmail\tName\tPhone\na@x.com\tAnna\t1\n")
	f.Add("1\t2\n3\t4")
	f.Add("\n \n\t\n")
	f.Add("Title\tx\nA\tB\tC\tD\n")
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, line := range strings.Split(s, "\n") {
			rows = append(rows, strings.Split(line, "\t"))
		}
		i := DetectHeaderRow(rows)
		limit := min(len(rows), headerScanRows)
		allBlank := true
		for _, r := range rows[:limit] {
			if nonBlank(r) > 0 {
				allBlank = false
			}
		}
		if allBlank != (i == -1) {
			t.Fatalf("DetectHeaderRow = %d, all blank %v", i, allBlank)
		}
		if i < -1 || i >= limit {
			t.Fatalf("DetectHeaderRow = %d out of range %d", i, limit)
		}
		h := NewHeader(1, rows[max(i, 0)])
		seen := map[string]bool{}
		for _, n := range h.Names {
			if n == "" || seen[strings.ToLower(n)] {
				t.Fatalf("header names not unique and visible: %q", h.Names)
			}
			seen[strings.ToLower(n)] = true
		}
	})
}

// FuzzFormatNumber: formatting never panics, never writes a number in
// scientific notation, and keeps every digit of an integer under General.
func FuzzFormatNumber(f *testing.F) {
	for _, seed := range []struct {
		raw, code string
		d1904     bool
	}{
		{"6505551000", "0.00E+00", false},
		{"45356.75", "yyyy-mm-dd hh:mm", false},
		{"60", "d/m/yy", false},
		{"2134", "00000", false},
		{"1.2345678901234567E+19", "General", false},
		{"0.125", "0.00%", true},
		{"1.5", `[h]:mm:ss;@`, false},
		{"7", `"x"\0000_)*-`, false},
	} {
		f.Add(seed.raw, seed.code, seed.d1904)
	}
	f.Fuzz(func(t *testing.T, raw, code string, d1904 bool) {
		got := FormatNumber(raw, code, d1904)
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		if strings.ContainsAny(got, "eE") {
			t.Fatalf("FormatNumber(%q, %q) = %q: scientific notation", raw, code, got)
		}
		if isInteger(raw) && classifyFormatCode(code).kind == numGeneral && got != raw {
			t.Fatalf("FormatNumber(%q, %q) = %q: integer digits changed", raw, code, got)
		}
	})
}
