package importer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
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
	want := []Row{
		{2, []string{"zoe@example.com", "Zoë", "Zürich"}},
		{3, []string{"li@example.com", "Lì", "Köln"}},
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
	want := []Row{
		{4, []string{"a@example.com", "two\nlines", "x"}},
		{6, []string{"b@example.com", `say "hi"`, ""}},
		{7, []string{"c@example.com", "three\nline\nnote", "y"}},
		{8, []string{"d@example.com", "", ""}},
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
	if _, err := wb.Read(context.Background(), "other", 1, func(Row) error { return nil }); !errors.Is(err, ErrNoSheet) {
		t.Errorf("wrong sheet: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := wb.Read(ctx, "ok", 1, func(Row) error { return nil }); !errors.Is(err, context.Canceled) {
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
