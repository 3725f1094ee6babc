package results

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"leadsheet/importer"
	"leadsheet/importer/internal/testbook"
	"leadsheet/importer/journal"
	"leadsheet/importer/sheet"
)

// makeResultsWorkbook writes a workbook with a title row above the header,
// a styled header, a formula, a second sheet, and returns its path.
func makeResultsWorkbook(t *testing.T, dir string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Leads"); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetCellValue("Leads", "A1", "Trade show Berlin"))
	must(f.SetSheetRow("Leads", "A3", &[]any{"Email", "First Name", "Score"}))
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	must(err)
	must(f.SetCellStyle("Leads", "A3", "C3", bold))
	rows := [][]any{
		{"anna@example.com", "Anna", 1},
		{"bad-email", "Bert", 2},
		{"carl@example.com", "Carl", 3},
		{"dora@example.com", "Dora", 4},
	}
	for i, r := range rows {
		must(f.SetSheetRow("Leads", "A"+strconv.Itoa(4+i), &r))
	}
	must(f.SetCellFormula("Leads", "C8", "SUM(C4:C7)"))
	_, err = f.NewSheet("Notes")
	must(err)
	must(f.SetCellValue("Notes", "B2", "keep me"))
	p := filepath.Join(dir, "leads.xlsx")
	must(f.SaveAs(p))
	return p
}

func TestWriteResultsXLSX(t *testing.T) {
	dir := t.TempDir()
	in := makeResultsWorkbook(t, dir)
	before, err := journal.HashFile(in)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := sheet.Open(context.Background(), in, sheet.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	results := []importer.RowResult{
		{Row: 4, State: importer.Created, LeadID: 1001},
		{Row: 5, State: importer.Skipped, Reason: "Email is not valid"},
		{Row: 6, State: importer.Updated, LeadID: 77},
		{Row: 7, State: importer.NotSent, Reason: "cancelled"},
		{Row: 8, State: importer.Failed, Reason: "Marketo said no <&>"},
	}
	now := time.Date(2026, 11, 28, 9, 5, 7, 0, time.UTC)
	files, err := WriteResults(context.Background(), wb, ResultsOptions{Input: in, Sheet: "Leads", HeaderRow: 3, Now: now}, results)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "leads-results-20261128-090507.xlsx"); files.Results != want {
		t.Errorf("results at %s, want %s", files.Results, want)
	}
	if after, _ := journal.HashFile(in); after != before {
		t.Fatal("the input file changed")
	}

	out, err := excelize.OpenFile(files.Results)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	got, err := out.GetRows("Leads")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Trade show Berlin"},
		nil,
		{"Email", "First Name", "Score", "Status", "Marketo Lead ID", "Error"},
		{"anna@example.com", "Anna", "1", "Created", "1001"},
		{"bad-email", "Bert", "2", "Invalid (not sent)", "", "Email is not valid"},
		{"carl@example.com", "Carl", "3", "Updated", "77"},
		{"dora@example.com", "Dora", "4", "Not sent", "", "cancelled"},
		{"", "", "", "Failed", "", "Marketo said no <&>"}, // the formula has no cached value
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("row %d = %q, want %q", i+1, got[i], want[i])
		}
	}
	if f, _ := out.GetCellFormula("Leads", "C8"); f != "SUM(C4:C7)" {
		t.Errorf("formula C8 = %q", f)
	}
	if v, _ := out.GetCellValue("Notes", "B2"); v != "keep me" {
		t.Errorf("other sheet lost its value: %q", v)
	}
	st, _ := out.GetCellStyle("Leads", "A3")
	if s, err := out.GetStyle(st); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header style lost: %+v %v", s, err)
	}

	// The failures file holds the rows to fix, with the original headers.
	fr, err := os.ReadFile(files.Failures)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(fr), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantCSV := [][]string{
		{"Email", "First Name", "Score"},
		{"bad-email", "Bert", "2"},
		{"dora@example.com", "Dora", "4"},
	}
	if !slices.EqualFunc(recs, wantCSV, slices.Equal) {
		t.Errorf("failures CSV = %q, want %q", recs, wantCSV)
	}
	if files.FailedRows != 3 { // row 8 counts, though a blank row has nothing to write
		t.Errorf("FailedRows = %d", files.FailedRows)
	}
}

func TestWriteResultsRefusesInput(t *testing.T) {
	dir := t.TempDir()
	in := makeResultsWorkbook(t, dir)
	wb, err := sheet.Open(context.Background(), in, sheet.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	_, err = WriteResults(context.Background(), wb, ResultsOptions{Input: in, Sheet: "Leads", HeaderRow: 3, Output: filepath.Join(dir, ".", "leads.xlsx")}, nil)
	if err == nil || !strings.Contains(err.Error(), "never writes over it") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}

func TestWriteResultsCSV(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "list.csv")
	if err := os.WriteFile(in, []byte("Email;Name\r\nzoe@example.com;Zoë\r\nx@example.com;X\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wb, err := sheet.Open(context.Background(), in, sheet.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	files, err := WriteResults(context.Background(), wb, ResultsOptions{Input: in, HeaderRow: 1, Output: filepath.Join(dir, "out.csv")},
		[]importer.RowResult{{Row: 2, State: importer.Created, LeadID: 5}, {Row: 3, State: importer.Failed, Reason: "no"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(files.Results)
	if err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFEmail;Name;Status;Marketo Lead ID;Error\nzoe@example.com;Zoë;Created;5;\nx@example.com;X;Failed;;no\n"
	if string(b) != want {
		t.Errorf("results CSV = %q, want %q", b, want)
	}
}

// TestSheetRewriterShapes covers sheet XML that excelize does not write:
// prefixed elements, self-closing rows, rows without numbers, '>' inside
// attribute values, comments, and data rows with no row element at all.
func TestSheetRewriterShapes(t *testing.T) {
	src := `<?xml version="1.0"?><x:worksheet xmlns:x="main"><x:dimension ref="A1:B2"/><!-- a > b --><x:sheetData>` +
		`<x:row r="1" spans="1:2"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row>` +
		`<x:row><x:c t="str" a="1>0"><x:v>v</x:v></x:c></x:row>` +
		`<x:row r="4" s="3" customFormat="1"/>` +
		`</x:sheetData></x:worksheet>`
	extras := newExtraRows(1, 3, []importer.RowResult{{Row: 2, State: importer.Created, LeadID: 9}, {Row: 3, State: importer.Failed, Reason: "a&b"}, {Row: 4, State: importer.NotSent}, {Row: 6, State: importer.Updated, LeadID: 1}}, ResultsOptions{})
	var out strings.Builder
	rw := &sheetRewriter{extras: extras, firstCol: 3, maxRow: 4}
	if err := rw.rewrite(&out, strings.NewReader(src)); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0"?><x:worksheet xmlns:x="main"><x:dimension ref="A1:E6"/><!-- a > b --><x:sheetData>` +
		`<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c>` +
		`<x:c r="C1" t="inlineStr"><x:is><x:t xml:space="preserve">Status</x:t></x:is></x:c>` +
		`<x:c r="D1" t="inlineStr"><x:is><x:t xml:space="preserve">Marketo Lead ID</x:t></x:is></x:c>` +
		`<x:c r="E1" t="inlineStr"><x:is><x:t xml:space="preserve">Error</x:t></x:is></x:c></x:row>` +
		`<x:row><x:c t="str" a="1>0"><x:v>v</x:v></x:c>` +
		`<x:c r="C2" t="inlineStr"><x:is><x:t xml:space="preserve">Created</x:t></x:is></x:c><x:c r="D2"><x:v>9</x:v></x:c></x:row>` +
		`<x:row r="3"><x:c r="C3" t="inlineStr"><x:is><x:t xml:space="preserve">Failed</x:t></x:is></x:c>` +
		`<x:c r="E3" t="inlineStr"><x:is><x:t xml:space="preserve">a&amp;b</x:t></x:is></x:c></x:row>` +
		`<x:row r="4" s="3" customFormat="1"><x:c r="C4" t="inlineStr"><x:is><x:t xml:space="preserve">Not sent</x:t></x:is></x:c></x:row>` +
		`<x:row r="6"><x:c r="C6" t="inlineStr"><x:is><x:t xml:space="preserve">Updated</x:t></x:is></x:c><x:c r="D6"><x:v>1</x:v></x:c></x:row>` +
		`</x:sheetData></x:worksheet>`
	if out.String() != want {
		t.Errorf("rewritten sheet:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestWriteResultsEncrypted: a password-protected workbook gets results
// protected with the same password.
func TestWriteResultsEncrypted(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "secret.xlsx")
	f := excelize.NewFile()
	if err := f.SetSheetRow("Sheet1", "A1", &[]any{"Email"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Sheet1", "A2", &[]any{"a@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(in, excelize.Options{Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	wb, err := sheet.Open(context.Background(), in, sheet.OpenOptions{Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	res := []importer.RowResult{{Row: 2, State: importer.Created, LeadID: 3}}
	if _, err := WriteResults(context.Background(), wb, ResultsOptions{Input: in, Sheet: "Sheet1", HeaderRow: 1, Output: filepath.Join(dir, "r.xlsx")}, res); err == nil {
		t.Fatal("wrote results of an encrypted workbook without its password")
	}
	files, err := WriteResults(context.Background(), wb, ResultsOptions{Input: in, Sheet: "Sheet1", HeaderRow: 1, Output: filepath.Join(dir, "r.xlsx"), Password: "pw"}, res)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := excelize.OpenFile(files.Results); err == nil {
		t.Error("results open without the password")
	}
	out, err := excelize.OpenFile(files.Results, excelize.Options{Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	rows, err := out.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Email", "Status", "Marketo Lead ID", "Error"}, {"a@example.com", "Created", "3"}}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("rows = %q, want %q", rows, want)
	}
}

// TestWriteResultsCSVShape: the results and failures files of a CSV keep
// its delimiter and encoding, so Excel opens them in columns as it opened
// the input; a message Windows-1252 cannot hold turns the file into UTF-8
// with a BOM rather than lose characters. Python's csv module reads them
// back.
func TestWriteResultsCSVShape(t *testing.T) {
	win1252 := func(s string) []byte {
		b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	utf16 := func(s string) []byte {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const lines = "Email;Name\r\nzoe@example.com;Zoë \"Z\"\r\nx@example.com;\"Xavière, Jr\"\r\n"
	plain := func(s string) []byte { return []byte(s) }
	tab := func(s string) string { return strings.ReplaceAll(s, ";", "\t") }
	tests := []struct {
		name          string
		input         []byte
		reason        string
		delim         string
		prefix        string // the results and failures files start with these bytes
		codec         string // Python's codec for the results
		failuresCodec string
	}{
		{"semicolon utf-8", plain(lines), `Marketo said "no"; retry`, ";", "\uFEFF", "utf-8-sig", "utf-8-sig"},
		{"semicolon windows-1252", win1252(lines), `Marketo said "no"; über`, ";", "", "cp1252", "cp1252"},
		{"windows-1252, a message beyond it", win1252(lines), "Marketo said → 日本", ";", "", "utf-8-sig", "cp1252"},
		{"tab utf-16", utf16(tab(lines)), "Marketo\tsaid no", "\t", "\xFF\xFE", "utf-16", "utf-16"},
		{"sep line", plain("sep=;\n" + lines), "no; really", ";", "sep=;\n", "utf-8", "utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "list.csv")
			if err := os.WriteFile(in, tc.input, 0o600); err != nil {
				t.Fatal(err)
			}
			wb := openWorkbook(t, in)
			files, err := WriteResults(context.Background(), wb, ResultsOptions{Input: in, HeaderRow: 1, // Excel hides a sep line
				Output: filepath.Join(dir, "out.csv"), Failures: filepath.Join(dir, "failed.csv")},
				[]importer.RowResult{{Row: 2, State: importer.Created, LeadID: 5}, {Row: 3, State: importer.Failed, Reason: tc.reason}})
			if err != nil {
				t.Fatal(err)
			}
			wantResults := [][]string{
				{"Email", "Name", "Status", "Marketo Lead ID", "Error"},
				{"zoe@example.com", `Zoë "Z"`, "Created", "5", ""},
				{"x@example.com", "Xavière, Jr", "Failed", "", tc.reason},
			}
			wantFailures := [][]string{{"Email", "Name"}, {"x@example.com", "Xavière, Jr"}}
			var in2 []testbook.PyCSVInput
			for _, f := range []struct{ path, codec string }{{files.Results, tc.codec}, {files.Failures, tc.failuresCodec}} {
				b, err := os.ReadFile(f.path)
				if err != nil {
					t.Fatal(err)
				}
				enc := sheet.TextEncoding(sheet.EncNone)
				if f.codec == "cp1252" {
					enc = sheet.EncWindows1252
				}
				if f.codec != "utf-8-sig" && !strings.HasPrefix(string(b), tc.prefix) {
					t.Errorf("%s starts %q, want %q", filepath.Base(f.path), b[:min(len(b), 8)], tc.prefix)
				}
				if f.codec == "utf-8-sig" && !strings.HasPrefix(string(b), "\uFEFF") {
					t.Errorf("%s has no UTF-8 byte order mark: %q", filepath.Base(f.path), b[:min(len(b), 8)])
				}
				if enc == sheet.EncWindows1252 && utf8.Valid(b) {
					t.Errorf("%s is UTF-8, not Windows-1252 like the input", filepath.Base(f.path))
				}
				b = []byte(strings.TrimPrefix(string(b), "sep=;\n"))
				in2 = append(in2, testbook.PyCSVInput{Data: b, Encoding: f.codec, Delim: tc.delim})
			}
			py := testbook.PythonCSV(t, in2)
			if got := testbook.NormalizePython(py[0].Rows); !testbook.SameRows(got, wantResults) {
				t.Errorf("Python reads the results as %q\nwant %q", got, wantResults)
			}
			if got := testbook.NormalizePython(py[1].Rows); !testbook.SameRows(got, wantFailures) {
				t.Errorf("Python reads the failures as %q\nwant %q", got, wantFailures)
			}
		})
	}
}

func openWorkbook(t *testing.T, path string) *sheet.Workbook {
	t.Helper()
	wb, err := sheet.Open(context.Background(), path, sheet.OpenOptions{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { wb.Close() })
	return wb
}

// TestResultsPartNamesIgnoreCase: OPC part names compare case-insensitively,
// so a workbook whose sheet entry is spelled differently from its
// relationship target is read, and its results are written, the same way
// (the reader and the writer used to disagree: issue 12).
func TestResultsPartNamesIgnoreCase(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.xlsx")
	f := excelize.NewFile()
	if err := f.SetSheetRow("Sheet1", "A1", &[]any{"Email"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Sheet1", "A2", &[]any{"anna@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(plain); err != nil {
		t.Fatal(err)
	}
	f.Close()
	zr, err := zip.OpenReader(plain)
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "cased.xlsx")
	out, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for _, zf := range zr.File {
		hdr := zf.FileHeader
		if hdr.Name == "xl/worksheets/sheet1.xml" {
			hdr.Name = "xl/Worksheets/SHEET1.xml"
		}
		w, err := zw.CreateHeader(&hdr)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	zr.Close()

	wb := openWorkbook(t, in)
	files, err := WriteResults(context.Background(), wb, ResultsOptions{Input: in, Sheet: "Sheet1", HeaderRow: 1, Output: filepath.Join(dir, "r.xlsx")},
		[]importer.RowResult{{Row: 2, State: importer.Created, LeadID: 7}})
	if err != nil {
		t.Fatalf("results of a workbook with differently cased part names: %v", err)
	}
	// excelize itself matches part names by case, so the copy is read
	// back with Leadsheet's reader, which follows OPC.
	var got []string
	if _, err := openWorkbook(t, files.Results).Read(context.Background(), "Sheet1", 1, func(r importer.Row) error {
		got = r.Cells
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) < 2 || got[1] != "Created" {
		t.Errorf("row 2 of the results = %q, want Created beside the email", got)
	}
}

// TestExtraRowsReadSortedResultsInPlace: sorted results without the header
// row, as both front ends pass them, are read where they are (a copy of a
// million is 40 MB at the window's peak); others are copied, sorted and
// stripped of the header row, leaving the caller's slice alone.
func TestExtraRowsReadSortedResultsInPlace(t *testing.T) {
	sorted := []importer.RowResult{{Row: 2}, {Row: 3}, {Row: 5}}
	if e := newExtraRows(1, 3, sorted, ResultsOptions{}); &e.results[0] != &sorted[0] {
		t.Error("sorted results were copied")
	}
	mixed := []importer.RowResult{{Row: 3}, {Row: 1}, {Row: 2}}
	e := newExtraRows(1, 3, mixed, ResultsOptions{})
	if fmt.Sprint(e.results) != fmt.Sprint([]importer.RowResult{{Row: 2}, {Row: 3}}) || mixed[0].Row != 3 {
		t.Errorf("extra rows %v from %v", e.results, mixed)
	}
}
