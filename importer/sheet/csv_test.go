package sheet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"leadsheet/importer"
	"leadsheet/importer/internal/testbook"
)

func encodeUTF16(t *testing.T, s string, order unicode.Endianness, bom bool) []byte {
	t.Helper()
	policy := unicode.IgnoreBOM
	if bom {
		policy = unicode.UseBOM
	}
	b, err := unicode.UTF16(order, policy).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCSVEncodingsAndDelimiters(t *testing.T) {
	const text = "Email,Name,City\r\nzoe@example.com,Zoë,Zürich\r\nli@example.com,Lì,Köln\r\n"
	want := []importer.Row{
		{Number: 2, Cells: []string{"zoe@example.com", "Zoë", "Zürich"}},
		{Number: 3, Cells: []string{"li@example.com", "Lì", "Köln"}},
	}
	win1252, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		data     []byte
		wantNote string
	}{
		{"utf8", []byte(text), ""},
		{"utf8 bom", append([]byte("\xEF\xBB\xBF"), text...), ""},
		{"utf16le bom", encodeUTF16(t, text, unicode.LittleEndian, true), "UTF-16 (little-endian)"},
		{"utf16be bom", encodeUTF16(t, text, unicode.BigEndian, true), "UTF-16 (big-endian)"},
		{"utf16le no bom", encodeUTF16(t, text, unicode.LittleEndian, false), "UTF-16"},
		{"windows-1252", win1252, "Windows-1252"},
		{"semicolon", []byte(strings.ReplaceAll(text, ",", ";")), "semicolon"},
		{"tab", []byte(strings.ReplaceAll(text, ",", "\t")), "tab"},
		{"pipe", []byte(strings.ReplaceAll(text, ",", "|")), "pipe"},
		{"excel sep hint", []byte("sep=;\n" + strings.ReplaceAll(text, ",", ";")), "semicolon"},
		{"unix newlines", []byte(strings.ReplaceAll(text, "\r\n", "\n")), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "leads.csv")
			if err := os.WriteFile(p, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			wb := mustOpen(t, p, OpenOptions{})
			if s := wb.Sheets(); len(s) != 1 || s[0].Name != "leads" {
				t.Fatalf("Sheets = %+v", s)
			}
			res, rows := readAll(t, wb, "leads", 1)
			if got := res.Header.Names; !reflect.DeepEqual(got, []string{"Email", "Name", "City"}) {
				t.Errorf("header = %q", got)
			}
			if !reflect.DeepEqual(rows, want) {
				t.Errorf("rows = %v\nwant %v", rows, want)
			}
			notes := strings.Join(wb.Notes(), " ")
			if tc.wantNote != "" && !strings.Contains(notes, tc.wantNote) {
				t.Errorf("notes %q lack %q", notes, tc.wantNote)
			}
		})
	}
}

// TestCSVRowNumbers: row numbers are what Excel shows: a quoted value with
// line breaks stays on one row, blank lines are blank rows, ragged rows are
// padded.
func TestCSVRowNumbers(t *testing.T) {
	data := "Title line\n\nEmail,Note,Extra\n" +
		"a@example.com,\"two\nlines\",x\n" +
		"\n" +
		"b@example.com,\"say \"\"hi\"\"\"\n" +
		"c@example.com,\"three\r\nline\r\nnote\",y,\n" +
		"d@example.com\n"
	p := filepath.Join(t.TempDir(), "r.csv")
	os.WriteFile(p, []byte(data), 0o600)
	wb := mustOpen(t, p, OpenOptions{})
	h, err := wb.DetectHeader(context.Background(), "r")
	if err != nil || h != 3 {
		t.Fatalf("DetectHeader = %d, %v; want 3", h, err)
	}
	_, rows := readAll(t, wb, "r", h)
	want := []importer.Row{
		{Number: 4, Cells: []string{"a@example.com", "two\nlines", "x"}},
		{Number: 6, Cells: []string{"b@example.com", `say "hi"`, ""}},
		{Number: 7, Cells: []string{"c@example.com", "three\nline\nnote", "y"}},
		{Number: 8, Cells: []string{"d@example.com", "", ""}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %v\nwant %v", rows, want)
	}
}

// TestCSVExtraColumns: values past the header (beyond the rows used to size
// it) are reported, not silently sent.
func TestCSVExtraColumns(t *testing.T) {
	var b strings.Builder
	b.WriteString("Email,Name\n")
	for i := 0; i < headerLookahead+5; i++ {
		b.WriteString("a@example.com,A\n")
	}
	b.WriteString("z@example.com,Z,surprise\n")
	p := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(p, []byte(b.String()), 0o600)
	wb := mustOpen(t, p, OpenOptions{})
	res, rows := readAll(t, wb, "x", 1)
	last := rows[len(rows)-1]
	if !reflect.DeepEqual(last.Cells, []string{"z@example.com", "Z"}) {
		t.Errorf("last row = %q", last.Cells)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "column C") {
		t.Errorf("notes = %q", res.Notes)
	}
}

func TestCSVErrors(t *testing.T) {
	dir := t.TempDir()
	blank := filepath.Join(dir, "blank.csv")
	os.WriteFile(blank, []byte("\r\n\n  \n"), 0o600)
	if _, err := Open(context.Background(), blank, OpenOptions{}); !errors.Is(err, ErrEmptyFile) {
		t.Errorf("blank CSV: err = %v", err)
	}
	ok := filepath.Join(dir, "ok.csv")
	os.WriteFile(ok, []byte("a,b\n1,2\n"), 0o600)
	wb := mustOpen(t, ok, OpenOptions{})
	if _, err := wb.Read(context.Background(), "other", 1, func(importer.Row) error { return nil }); !errors.Is(err, ErrNoSheet) {
		t.Errorf("wrong sheet: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := wb.Read(ctx, "ok", 1, func(importer.Row) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		sample string
		want   rune
	}{
		{"a,b,c\n1,2,3\n", ','},
		{"a;b;c\n1,5;2,5;3\n", ';'},
		{"Name;Amount\nAnna;1,5\nBob;2,5\n", ';'},
		{"a\tb\n1\t2\n", '\t'},
		{"a|b|c\n1|2|3", '|'},
		{`"x,y";z` + "\n" + `"1,2";3` + "\n", ';'},
		{"single column\nvalue\n", ','},
		{"", ','},
		{"title only, with comma\na;b;c\n1;2;3\n4;5;6\n", ';'},
	}
	for _, tc := range tests {
		if got := SniffDelimiter([]byte(tc.sample)); got != tc.want {
			t.Errorf("SniffDelimiter(%q) = %q, want %q", tc.sample, got, tc.want)
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		head string
		want FileFormat
	}{
		{"", FormatEmpty},
		{"PK\x03\x04rest", FormatZip},
		{string(cfbMagic), FormatCFB},
		{"  <!DOCTYPE html><html>", FormatHTML},
		{"<table><tr>", FormatHTML},
		{"\xEF\xBB\xBF<html>", FormatHTML},
		{`<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">`, FormatXML2003},
		{"Email,Name\n", FormatText},
		{"\xFF\xFEE\x00m\x00", FormatText},
		{"caf\xe9;cr\xe8me\n", FormatText},
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", FormatUnknown},
	}
	for _, tc := range tests {
		if got := Sniff([]byte(tc.head)); got != tc.want {
			t.Errorf("Sniff(%q) = %v, want %v", tc.head, got, tc.want)
		}
	}
}

// TestCSVQuotesLikePython: a quote that does not open one quoted value is
// read the way Excel and Python's csv module read it, so the rows after it
// are not swallowed into one cell. The expected cells are written out and
// checked against Python too.
func TestCSVQuotesLikePython(t *testing.T) {
	win1252 := func(s string) []byte {
		b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name     string
		data     []byte
		encoding string // Python's codec
		want     [][]string
	}{
		{"quote inside a value", []byte("Email,FirstName,Company\njo@x.com,Jo \"JJ\" Smith,Acme\nb@x.com,Bob,B\n"), "utf-8",
			[][]string{{"Email", "FirstName", "Company"}, {"jo@x.com", `Jo "JJ" Smith`, "Acme"}, {"b@x.com", "Bob", "B"}}},
		{"quoted start then more text", []byte("Email,FirstName\nb@x.com,\"Bobby\" Rob\nc@x.com,C\n"), "utf-8",
			[][]string{{"Email", "FirstName"}, {"b@x.com", "Bobby Rob"}, {"c@x.com", "C"}}},
		{"quotes after a closing quote", []byte("a,\"x\"y\"z\",b\nc,d\n"), "utf-8",
			[][]string{{"a", `xy"z"`, "b"}, {"c", "d"}}},
		{"stray quote in the header", []byte("Email,Na\"me,Company\na@x.com,A,B\n"), "utf-8",
			[][]string{{"Email", `Na"me`, "Company"}, {"a@x.com", "A", "B"}}},
		{"bom and quotes", []byte("\xEF\xBB\xBF\"Email\",\"Name\"\n\"a@x.com\",\"A \"\"B\"\"\"\nb@x.com,O\"Neil\n"), "utf-8-sig",
			[][]string{{"Email", "Name"}, {"a@x.com", `A "B"`}, {"b@x.com", `O"Neil`}}},
		{"semicolon", []byte("Email;Name;City\na@x.com;Jo \"JJ\";\"Köln; Mitte\"\nb@x.com;B;C\n"), "utf-8",
			[][]string{{"Email", "Name", "City"}, {"a@x.com", `Jo "JJ"`, "Köln; Mitte"}, {"b@x.com", "B", "C"}}},
		{"tab", []byte("Email\tName\n\"a@x.com\"\t5\" screen\nb@x.com\tB\n"), "utf-8",
			[][]string{{"Email", "Name"}, {"a@x.com", `5" screen`}, {"b@x.com", "B"}}},
		{"windows-1252", win1252("Email;Name\r\nzoe@x.com;\"Zoë\" Müller\r\nli@x.com;Lì \"L\"\r\n"), "cp1252",
			[][]string{{"Email", "Name"}, {"zoe@x.com", "Zoë Müller"}, {"li@x.com", `Lì "L"`}}},
		{"line breaks in quotes, CR LF and CR", []byte("a,b\r\n\"x\r\ny\",z\r\r\nc,\"d\re\"\r"), "utf-8",
			[][]string{{"a", "b"}, {"x\ny", "z"}, {}, {"c", "d\re"}}},
		{"unclosed quote on the last line", []byte("a,b\nc,\"d e"), "utf-8",
			[][]string{{"a", "b"}, {"c", "d e"}}},
		{"blank lines and empty cells", []byte("a,b\n\n,\n\"\",\"\"\n"), "utf-8",
			[][]string{{"a", "b"}, {}, {"", ""}, {"", ""}}},
	}
	var in []testbook.PyCSVInput
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "q.csv")
			if err := os.WriteFile(p, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			wb := mustOpen(t, p, OpenOptions{})
			got, err := csvRecords(t, wb)
			if err != nil {
				t.Fatal(err)
			}
			if !testbook.SameRows(got, tc.want) {
				t.Errorf("rows = %q\nwant %q", got, tc.want)
			}
		})
		in = append(in, testbook.PyCSVInput{Data: tc.data, Encoding: tc.encoding, Delim: string(SniffDelimiter(tc.data))})
	}
	for i, py := range testbook.PythonCSV(t, in) {
		if got := testbook.NormalizePython(py.Rows); !testbook.SameRows(got, tests[i].want) {
			t.Errorf("%s: Python reads %q, the test expects %q", tests[i].name, got, tests[i].want)
		}
	}
}

// TestCSVMatchesPythonRandom: every file of random text made of the
// characters that matter to CSV reads as the same cells as Python's csv
// module reads, or stops with a message exactly when Python's last value is
// a quote never closed that runs over more than one line.
func TestCSVMatchesPythonRandom(t *testing.T) {
	const files = 3000
	alphabet := []string{"a", "a", "b", ",", ",", ";", "\t", `"`, `"`, "\n", "\n", "\r", "\r\n", " ", "é"}
	rng := rand.New(rand.NewPCG(11, 1))
	dir := t.TempDir()
	type sample struct {
		text string
		data []byte
		got  [][]string
		err  error
	}
	var samples []sample
	var in []testbook.PyCSVInput
	for i := 0; i < files; i++ {
		var b strings.Builder
		for n := rng.IntN(40); n > 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		text := b.String()
		if strings.TrimSpace(text) == "" {
			continue // an empty file, refused before any row is read
		}
		data, codec := []byte(text), "utf-8"
		switch i % 4 {
		case 1:
			data, codec = append([]byte("\xEF\xBB\xBF"), text...), "utf-8-sig"
		case 2:
			data, codec = bytes.ReplaceAll(data, []byte("é"), []byte{0xE9}), "cp1252"
		}
		p := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		wb := mustOpen(t, p, OpenOptions{})
		got, err := csvRecords(t, wb)
		delim := string(wb.src.(*csvSource).Delim)
		wb.Close()
		samples = append(samples, sample{text, data, got, err})
		in = append(in, testbook.PyCSVInput{Data: data, Encoding: codec, Delim: delim})
	}
	mismatches := 0
	for i, py := range testbook.PythonCSV(t, in) {
		s := samples[i]
		want := testbook.NormalizePython(py.Rows)
		multiLineOpen := false
		if py.Open {
			last := want[len(want)-1]
			v := last[len(last)-1]
			if strings.HasSuffix(v, "\n") || strings.HasSuffix(v, "\r") {
				v = v[:len(v)-1] // the line ending of the last line
			}
			multiLineOpen = strings.ContainsAny(v, "\r\n")
		}
		switch {
		case multiLineOpen && s.err == nil:
			t.Errorf("%q: read without a stop, but its last quote is never closed and runs over lines: %q", s.text, s.got)
		case !multiLineOpen && s.err != nil:
			t.Errorf("%q: %v; Python reads %q", s.text, s.err, want)
		case s.err == nil && !testbook.SameRows(s.got, want):
			t.Errorf("%q: rows = %q\nPython reads %q", s.text, s.got, want)
		default:
			continue
		}
		if mismatches++; mismatches > 10 {
			t.Fatal("too many differences")
		}
	}
}

// TestCSVCannotBeSplit: a file that cannot be split into rows stops with a
// message naming the line where the trouble starts, and reading it keeps
// memory bounded however large the broken value is.
func TestCSVCannotBeSplit(t *testing.T) {
	rows := func(n int) string { return strings.Repeat("x@example.com,X\n", n) }
	tests := []struct {
		name, data string
		kind       error
		wantMsg    string
	}{
		{"unclosed quote running to the end", "Email,Name\n" + rows(3) + "y@example.com,\"Y\n" + rows(50), ErrCorrupt, "line 5"},
		{"unclosed quote in the header", "Email,\"Name\n" + rows(3), ErrCorrupt, "line 1"},
		{"more line breaks than an Excel cell holds", "Email,Name\nq@example.com,\"" + strings.Repeat("a\n", 300) + "\"\n", ErrCorrupt, "line 2"},
		{"huge quoted value", "Email,Name\n" + rows(2) + "z@example.com,\"" + strings.Repeat("long text ", 20000) + "\n" + rows(5), ErrCorrupt, "line 4"},
		{"huge unquoted value", "Email,Name\n" + rows(2) + "z@example.com," + strings.Repeat("long text ", 20000) + "\n", ErrTooLarge, "line 4"},
		{"too many columns", "Email,Name\n" + strings.Repeat(",", 20000) + "\n", ErrTooLarge, "line 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "broken.csv")
			if err := os.WriteFile(p, []byte(tc.data), 0o600); err != nil {
				t.Fatal(err)
			}
			wb := mustOpen(t, p, OpenOptions{})
			_, err := wb.Read(context.Background(), "broken", 1, func(importer.Row) error { return nil })
			var oe *OpenError
			if !errors.As(err, &oe) || !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v, want an *OpenError of kind %v", err, tc.kind)
			}
			if !strings.Contains(oe.Message, tc.wantMsg) {
				t.Errorf("message %q does not name %s", oe.Message, tc.wantMsg)
			}
		})
	}
}

// TestCSVUnclosedQuoteMemory: a quote never closed before 20 MB of text
// stops the read without holding the text in memory.
func TestCSVUnclosedQuoteMemory(t *testing.T) {
	const size = 20 << 20
	p := filepath.Join(t.TempDir(), "big.csv")
	data := []byte("Email,Name\nq@example.com,\"Q\n" + strings.Repeat("r@example.com,R\n", size/16))
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	wb := mustOpen(t, p, OpenOptions{})
	_, err := wb.Read(context.Background(), "big", 1, func(importer.Row) error { return nil })
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want a stop on the unclosed quote", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/4 {
		t.Errorf("reading allocated %d MB for a %d MB file", alloc>>20, size>>20)
	}
}
