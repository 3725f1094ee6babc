package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"leadsheet/importer"
	"leadsheet/importer/fieldtype"
	"leadsheet/importer/internal/testbook"
	"leadsheet/importer/mapping"
)

// cellSpec is one cell of a generated test workbook.
type cellSpec struct {
	ref     string
	value   any
	numFmt  int    // built-in number format id, 0 = General
	custom  string // custom number format code
	formula string // formula; value becomes the cached result unless noCache
	noCache bool
	raw     string // replaces the cell's XML after saving (for what excelize cannot write)
}

// writeWorkbook generates a real .xlsx with excelize: sheets in order, each
// with its cells, merges and options.
type sheetSpec struct {
	name   string
	cells  []cellSpec
	merges [][2]string
}

func writeWorkbook(t testing.TB, sheets []sheetSpec, opts ...excelize.Options) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			t.Fatal(err)
		}
		for _, c := range sh.cells {
			if c.formula != "" {
				if err := f.SetCellFormula(sh.name, c.ref, c.formula); err != nil {
					t.Fatal(err)
				}
				if !c.noCache {
					// excelize writes formulas without results; set the cached
					// value like Excel would have saved it.
					if err := f.SetCellValue(sh.name, c.ref, c.value); err != nil {
						t.Fatal(err)
					}
					if err := f.SetCellFormula(sh.name, c.ref, c.formula); err != nil {
						t.Fatal(err)
					}
				}
			} else if err := f.SetCellValue(sh.name, c.ref, c.value); err != nil {
				t.Fatal(err)
			}
			if c.numFmt != 0 || c.custom != "" {
				st := &excelize.Style{NumFmt: c.numFmt}
				if c.custom != "" {
					code := c.custom
					st.CustomNumFmt = &code
				}
				id, err := f.NewStyle(st)
				if err != nil {
					t.Fatal(err)
				}
				if err := f.SetCellStyle(sh.name, c.ref, c.ref, id); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, m := range sh.merges {
			if err := f.MergeCell(sh.name, m[0], m[1]); err != nil {
				t.Fatal(err)
			}
		}
		// Excel stores the used range; excelize leaves "A1" unless told.
		maxCol, maxRow := 1, 1
		for _, c := range sh.cells {
			col, row, _ := excelize.CellNameToCoordinates(c.ref)
			maxCol, maxRow = max(maxCol, col), max(maxRow, row)
		}
		last, _ := excelize.CoordinatesToCellName(maxCol, maxRow)
		if err := f.SetSheetDimension(sh.name, "A1:"+last); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(p, opts...); err != nil {
		t.Fatal(err)
	}
	for i, sh := range sheets {
		for _, c := range sh.cells {
			if c.raw != "" {
				patchCell(t, p, fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), c.ref, c.raw)
			}
		}
	}
	return p
}

// patchCell replaces the XML of one cell in a saved workbook, to write what
// Excel writes but excelize cannot (cached formula text, inline strings...).
func patchCell(t testing.TB, path, part, ref, raw string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	re := regexp.MustCompile(`<c r="` + ref + `"[^>]*?(/>|>.*?</c>)`)
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if zf.Name == part {
			if !re.Match(data) {
				t.Fatalf("cell %s not found in %s", ref, part)
			}
			old := re.Find(data)
			if m := regexp.MustCompile(` s="(\d+)"`).FindSubmatch(old); m != nil {
				raw = strings.ReplaceAll(raw, "STYLE", string(m[1]))
			}
			data = re.ReplaceAll(data, []byte(raw))
		}
		w, _ := zw.Create(zf.Name)
		w.Write(data)
	}
	zr.Close()
	zw.Close()
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readAll(t testing.TB, wb *Workbook, sheet string, header int) (ReadResult, []importer.Row) {
	t.Helper()
	var rows []importer.Row
	res, err := wb.Read(context.Background(), sheet, header, func(r importer.Row) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return res, rows
}

func mustOpen(t testing.TB, path string, opts OpenOptions) *Workbook {
	t.Helper()
	wb, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { wb.Close() })
	return wb
}

// TestReadValues checks each kind of cell reads as the operator sees it.
func TestReadValues(t *testing.T) {
	tests := []struct {
		name string
		cell cellSpec
		want string
	}{
		{"phone in scientific format", cellSpec{value: 6505551000, numFmt: 11}, "6505551000"},
		{"phone general", cellSpec{value: int64(16505551000)}, "16505551000"},
		{"20-digit id as text", cellSpec{value: "12345678901234567890"}, "12345678901234567890"},
		{"17-digit number stored raw", cellSpec{value: int64(12345678901234567)}, "12345678901234567"},
		{"postcode 00000", cellSpec{value: 2134, custom: "00000"}, "02134"},
		{"postcode as text", cellSpec{value: "02134"}, "02134"},
		{"text format @ with number", cellSpec{value: 42, numFmt: 49}, "42"},
		{"float general", cellSpec{value: 0.1 + 0.2}, "0.3"},
		{"negative decimal", cellSpec{value: -12.5, numFmt: 4}, "-12.5"},
		{"percent", cellSpec{value: 0.125, numFmt: 10}, "12.5%"},
		{"date id 14", cellSpec{value: 45356, numFmt: 14}, "2024-03-05"},
		{"date custom dd/mm/yyyy", cellSpec{value: 45356, custom: "dd/mm/yyyy"}, "2024-03-05"},
		{"date custom with locale and text", cellSpec{value: 45356, custom: `[$-407]d. mmmm yyyy "(KW)"`}, "2024-03-05"},
		{"date with fraction stays a date", cellSpec{value: 45356.75, numFmt: 14}, "2024-03-05"},
		{"datetime id 22", cellSpec{value: 45356.75, numFmt: 22}, "2024-03-05T18:00:00"},
		{"datetime custom", cellSpec{value: 45356.5208333333, custom: "yyyy-mm-dd hh:mm"}, "2024-03-05T12:30:00"},
		{"time id 20", cellSpec{value: 0.6041666667, numFmt: 20}, "14:30:00"},
		{"elapsed [h]:mm:ss", cellSpec{value: 1.5, numFmt: 46}, "36:00:00"},
		{"1900 leap bug day 59", cellSpec{value: 59, numFmt: 14}, "1900-02-28"},
		{"1900 leap bug day 60", cellSpec{value: 60, numFmt: 14}, "1900-02-29"},
		{"1900 leap bug day 61", cellSpec{value: 61, numFmt: 14}, "1900-03-01"},
		{"serial 1", cellSpec{value: 1, numFmt: 14}, "1900-01-01"},
		{"boolean true", cellSpec{value: true}, "TRUE"},
		{"boolean false", cellSpec{value: false}, "FALSE"},
		{"formula with cached number", cellSpec{formula: "1+2", value: 3}, "3"},
		{"formula with cached text", cellSpec{value: 0, raw: `<c r="REF" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>`}, "ab"},
		{"formula with cached bool", cellSpec{value: 0, raw: `<c r="REF" t="b"><f>1=1</f><v>1</v></c>`}, "TRUE"},
		{"formula with cached error", cellSpec{value: 0, raw: `<c r="REF" t="e"><f>1/0</f><v>#DIV/0!</v></c>`}, "#DIV/0!"},
		{"inline string", cellSpec{value: 0, raw: `<c r="REF" t="inlineStr"><is><t>inline 007</t></is></c>`}, "inline 007"},
		{"inline rich text with phonetic", cellSpec{value: 0, raw: `<c r="REF" t="inlineStr"><is><r><t>Yama</t></r><r><t>da</t></r><rPh sb="0" eb="1"><t>ヤマ</t></rPh></is></c>`}, "Yamada"},
		{"ISO date cell", cellSpec{value: 0, numFmt: 14, raw: `<c r="REF" s="STYLE" t="d"><v>2024-03-05T00:00:00</v></c>`}, "2024-03-05"},
		{"formula without cache", cellSpec{formula: "1+2", noCache: true}, ""},
		{"shared string with spaces", cellSpec{value: "  Anna  "}, "  Anna  "},
		{"unicode text", cellSpec{value: "Zoë Müller 東京"}, "Zoë Müller 東京"},
		{"scientific format decimals", cellSpec{value: 1.5e-7, numFmt: 11}, "0.00000015"},
	}
	var cells []cellSpec
	cells = append(cells, cellSpec{ref: "A1", value: "Name"}, cellSpec{ref: "B1", value: "Value"})
	for i, tc := range tests {
		c := tc.cell
		c.ref = fmt.Sprintf("B%d", i+2)
		c.raw = strings.ReplaceAll(c.raw, `r="REF"`, `r="`+c.ref+`"`)
		cells = append(cells, cellSpec{ref: fmt.Sprintf("A%d", i+2), value: tc.name}, c)
	}
	wb := mustOpen(t, writeWorkbook(t, []sheetSpec{{name: "Data", cells: cells}}), OpenOptions{})
	_, rows := readAll(t, wb, "Data", 1)
	got := map[string]string{}
	for _, r := range rows {
		got[r.Cells[0]] = r.Cells[1]
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if g := got[tc.name]; g != tc.want {
				t.Errorf("got %q, want %q", g, tc.want)
			}
		})
	}
}

// TestRead1904 reads dates of a workbook in the 1904 date system (old Mac
// Excel), where serial 0 is 1904-01-01.
func TestRead1904(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	yes := true
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		t.Fatal(err)
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetSheetRow("Sheet1", "A1", &[]any{"Date", "DateTime"})
	f.SetSheetRow("Sheet1", "A2", &[]any{43894, 43894.25}) // 2024-03-05 in 1904
	f.SetCellStyle("Sheet1", "A2", "A2", style)
	dt, _ := f.NewStyle(&excelize.Style{NumFmt: 22})
	f.SetCellStyle("Sheet1", "B2", "B2", dt)
	p := filepath.Join(t.TempDir(), "mac.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	wb := mustOpen(t, p, OpenOptions{})
	_, rows := readAll(t, wb, "Sheet1", 1)
	want := []string{"2024-03-05", "2024-03-05T06:00:00"}
	if len(rows) != 1 || !reflect.DeepEqual(rows[0].Cells, want) {
		t.Fatalf("rows = %v, want %v", rows, want)
	}
}

// TestReadLayout covers title rows, blank rows, header naming, merged cells,
// several sheets and formula notes.
func TestReadLayout(t *testing.T) {
	p := writeWorkbook(t, []sheetSpec{
		{name: "Summary", cells: []cellSpec{{ref: "A1", value: "nothing here"}}},
		{name: "Leads", cells: []cellSpec{
			{ref: "A1", value: "Trade show Berlin - leads"},
			{ref: "A2", value: "Exported 2024-03-05"},
			{ref: "A4", value: "Email"}, {ref: "B4", value: "Name"}, {ref: "D4", value: "email"}, {ref: "E4", value: "Phone"},
			{ref: "A5", value: "anna@example.com"}, {ref: "B5", value: "Anna"}, {ref: "C5", value: "x"}, {ref: "D5", value: "a2@example.com"}, {ref: "E5", value: 6505551000, numFmt: 11},
			// row 6 blank; row 7 uses a merged B7:C7
			{ref: "A7", value: "bob@example.com"}, {ref: "B7", value: "Bob merged"},
			{ref: "A8", value: "cy@example.com"}, {ref: "F8", value: "beyond"},
			{ref: "E9", formula: "1+1", noCache: true},
		}, merges: [][2]string{{"B7", "C7"}}},
	})
	wb := mustOpen(t, p, OpenOptions{})
	sheets := wb.Sheets()
	if len(sheets) != 2 || sheets[0].Name != "Summary" || sheets[1].Name != "Leads" {
		t.Fatalf("Sheets = %+v", sheets)
	}
	if sheets[1].EstimatedRows != 9 {
		t.Errorf("EstimatedRows = %d, want 9", sheets[1].EstimatedRows)
	}
	h, err := wb.DetectHeader(context.Background(), "Leads")
	if err != nil || h != 4 {
		t.Fatalf("DetectHeader = %d, %v; want 4", h, err)
	}
	res, rows := readAll(t, wb, "Leads", 0)
	wantHeader := Header{Row: 4,
		Names:    []string{"Email", "Name", "Column C", "email (2)", "Phone", "Column F"},
		Letters:  []string{"A", "B", "C", "D", "E", "F"},
		Original: []string{"Email", "Name", "", "email", "Phone", ""}}
	if !reflect.DeepEqual(res.Header, wantHeader) {
		t.Errorf("Header = %+v\nwant     %+v", res.Header, wantHeader)
	}
	wantRows := []importer.Row{
		{Number: 5, Cells: []string{"anna@example.com", "Anna", "x", "a2@example.com", "6505551000", ""}},
		{Number: 7, Cells: []string{"bob@example.com", "Bob merged", "", "", "", ""}},
		{Number: 8, Cells: []string{"cy@example.com", "", "", "", "", "beyond"}},
		// row 9 holds only a formula without a result: blank, so skipped
	}
	if !reflect.DeepEqual(rows, wantRows) {
		t.Errorf("rows = %v\nwant %v", rows, wantRows)
	}
	if res.Rows != 3 {
		t.Errorf("Rows = %d, want 3", res.Rows)
	}
	notes := strings.Join(res.Notes, "\n")
	for _, want := range []string{"B7:C7", "1 formula cells", "E9"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	prev, err := wb.Preview(context.Background(), "Leads", 3)
	if err != nil {
		t.Fatal(err)
	}
	wantPrev := []importer.Row{{Number: 1, Cells: []string{"Trade show Berlin - leads"}}, {Number: 2, Cells: []string{"Exported 2024-03-05"}}, {Number: 3, Cells: nil}}
	if !reflect.DeepEqual(prev, wantPrev) {
		t.Errorf("Preview = %#v, want %#v", prev, wantPrev)
	}
	if _, err := wb.Read(context.Background(), "Nope", 1, func(importer.Row) error { return nil }); !errors.Is(err, ErrNoSheet) {
		t.Errorf("missing sheet: err = %v", err)
	}
	stop := errors.New("stop")
	if _, err := wb.Read(context.Background(), "Leads", 4, func(importer.Row) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error not returned: %v", err)
	}
}

// TestMergedHeader: a merged header cell keeps its value in the top-left
// column; the covered columns get visible names and a note is returned.
func TestMergedHeader(t *testing.T) {
	p := writeWorkbook(t, []sheetSpec{{name: "S", cells: []cellSpec{
		{ref: "A1", value: "Email"}, {ref: "B1", value: "Name"},
		{ref: "A2", value: "a@example.com"}, {ref: "B2", value: "First"}, {ref: "C2", value: "Last"},
	}, merges: [][2]string{{"B1", "C1"}}}})
	wb := mustOpen(t, p, OpenOptions{})
	res, rows := readAll(t, wb, "S", 1)
	if want := []string{"Email", "Name", "Column C"}; !reflect.DeepEqual(res.Header.Names, want) {
		t.Errorf("names = %q, want %q", res.Header.Names, want)
	}
	if want := []string{"a@example.com", "First", "Last"}; len(rows) != 1 || !reflect.DeepEqual(rows[0].Cells, want) {
		t.Errorf("rows = %v", rows)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "B1:C1") {
		t.Errorf("notes = %q", res.Notes)
	}
}

// TestRead100k reads a 100,000-row sheet written with StreamWriter and spot
// checks values and row numbers.
func TestRead100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100k-row file: skipped in -short mode")
	}
	rows := 100_000
	if raceEnabled {
		rows = 10_000
		t.Logf("race detector on: reading %d rows instead of 100,000", rows)
	}
	p := filepath.Join(t.TempDir(), "big.xlsx")
	testbook.Write(t, p, rows)
	wb := mustOpen(t, p, OpenOptions{})
	if est := wb.Sheets()[0].EstimatedRows; est != rows+1 {
		t.Errorf("EstimatedRows = %d", est)
	}
	n := 0
	res, err := wb.Read(context.Background(), "Sheet1", 1, func(r importer.Row) error {
		n++
		if r.Number != n+1 {
			return fmt.Errorf("row %d numbered %d", n, r.Number)
		}
		if want := testbook.Row(n); !reflect.DeepEqual(r.Cells, want) {
			return fmt.Errorf("row %d = %q, want %q", r.Number, r.Cells, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != rows || res.Rows != n {
		t.Fatalf("read %d rows (res %d), want %d", n, res.Rows, rows)
	}
}

// cfbFile builds a minimal OLE compound file (version 3) with one stream
// per name, each 4096 bytes: with "Workbook" it is what a legacy .xls looks
// like to a sniffer.
func cfbFile(streams ...string) []byte {
	const sec = 512
	const endChain, freeSect, fatSect, noStream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
	le := binary.LittleEndian
	nData := 8 * len(streams) // sectors per 4096-byte stream
	out := make([]byte, sec*(3+nData))
	h := out[:sec]
	copy(h, cfbMagic)
	le.PutUint16(h[24:], 0x3E)
	le.PutUint16(h[26:], 3)
	le.PutUint16(h[28:], 0xFFFE)
	le.PutUint16(h[30:], 9)
	le.PutUint16(h[32:], 6)
	le.PutUint32(h[44:], 1) // FAT sectors
	le.PutUint32(h[48:], 1) // first directory sector
	le.PutUint32(h[56:], 4096)
	le.PutUint32(h[60:], endChain)
	le.PutUint32(h[68:], endChain)
	le.PutUint32(h[76:], 0) // DIFAT[0]: FAT in sector 0
	for i := 80; i < sec; i += 4 {
		le.PutUint32(h[i:], freeSect)
	}
	fat := out[sec : 2*sec]
	for i := 0; i < sec; i += 4 {
		le.PutUint32(fat[i:], freeSect)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], endChain) // directory
	for s := 0; s < len(streams); s++ {
		first := 2 + 8*s
		for k := 0; k < 8; k++ {
			next := uint32(first + k + 1)
			if k == 7 {
				next = endChain
			}
			le.PutUint32(fat[4*(first+k):], next)
		}
	}
	dir := out[2*sec : 3*sec]
	entry := func(i int, name string, typ byte, child, right uint32, start uint32, size uint64) {
		e := dir[i*128 : (i+1)*128]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint64(e[120:], size)
	}
	for i := range 4 {
		e := dir[i*128 : (i+1)*128]
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], noStream)
		le.PutUint32(e[76:], noStream)
	}
	entry(0, "Root Entry", 5, 1, noStream, endChain, 0)
	for s, name := range streams {
		right := uint32(noStream)
		if s+1 < len(streams) {
			right = uint32(s + 2)
		}
		entry(s+1, name, 2, noStream, right, uint32(2+8*s), 4096)
	}
	for i := 3 * sec; i < len(out); i++ {
		out[i] = byte(i)
	}
	return out
}

// TestOpenErrors: every kind of file the operator may bring gets the right
// verdict and a message saying what to do.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := writeWorkbook(t, []sheetSpec{{name: "Leads", cells: []cellSpec{{ref: "A1", value: "Email"}, {ref: "A2", value: "a@example.com"}}}})
	enc := writeWorkbook(t, []sheetSpec{{name: "Leads", cells: []cellSpec{{ref: "A1", value: "Email"}, {ref: "A2", value: "secret@example.com"}}}}, excelize.Options{Password: "s3cret"})
	good, _ := os.ReadFile(plain)
	tests := []struct {
		name     string
		path     string
		password string
		kind     error  // nil: opens
		msg      string // part of the operator message
	}{
		{"empty", write("empty.xlsx", nil), "", ErrEmptyFile, "empty"},
		{"legacy xls", write("old.xls", cfbFile("Workbook", "\x05SummaryInformation")), "", ErrLegacyXLS, "Save As"},
		{"cfb header only", write("trunc.xls", cfbMagic), "", ErrLegacyXLS, "Save As"},
		{"html saved as xls", write("report.xls", []byte("<html><body><table><tr><td>Email</td></tr></table></body></html>")), "", ErrNotSpreadsheet, "web page"},
		{"xml 2003", write("x.xls", []byte(`<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>`)), "", ErrNotSpreadsheet, "2003"},
		{"corrupt zip", write("broken.xlsx", good[:len(good)/2]), "", ErrCorrupt, "damaged"},
		{"zip without workbook", write("doc.xlsx", zipWith(t, "word/document.xml")), "", ErrNotSpreadsheet, "Word document"},
		{"binary", write("pic.xlsx", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")), "", ErrNotSpreadsheet, "not a spreadsheet"},
		{"encrypted without password", enc, "", ErrPasswordRequired, "password"},
		{"encrypted wrong password", enc, "nope", ErrWrongPassword, "not correct"},
		{"encrypted right password", enc, "s3cret", nil, ""},
		{"missing file", filepath.Join(dir, "nope.xlsx"), "", os.ErrNotExist, "does not exist"},
		{"plain", plain, "", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wb, err := Open(context.Background(), tc.path, OpenOptions{Password: tc.password})
			if tc.kind == nil {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer wb.Close()
				_, rows := readAll(t, wb, "Leads", 1)
				if len(rows) != 1 || !strings.HasSuffix(rows[0].Cells[0], "@example.com") {
					t.Errorf("rows = %v", rows)
				}
				return
			}
			if err == nil {
				wb.Close()
				t.Fatal("Open succeeded, want an error")
			}
			var oe *OpenError
			if !errors.As(err, &oe) {
				t.Fatalf("err %T is not *OpenError: %v", err, err)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("err = %v, want kind %v", err, tc.kind)
			}
			if !strings.Contains(oe.Message, tc.msg) {
				t.Errorf("message %q lacks %q", oe.Message, tc.msg)
			}
		})
	}
}

func zipWith(t *testing.T, names ...string) []byte {
	t.Helper()
	var b strings.Builder
	zw := zip.NewWriter(&b)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<x/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

// TestCSVSavedAsXLSX: a text file named .xlsx is read as CSV, with a note.
func TestCSVSavedAsXLSX(t *testing.T) {
	p := filepath.Join(t.TempDir(), "leads.xlsx")
	os.WriteFile(p, []byte("Email;Name\na@example.com;Anna\n"), 0o600)
	wb := mustOpen(t, p, OpenOptions{})
	if wb.Format() != "csv" {
		t.Errorf("Format = %q", wb.Format())
	}
	if notes := strings.Join(wb.Notes(), " "); !strings.Contains(notes, "named .xlsx but holds plain text") {
		t.Errorf("notes = %q", notes)
	}
	_, rows := readAll(t, wb, "leads", 1)
	if want := []importer.Row{{Number: 2, Cells: []string{"a@example.com", "Anna"}}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %v", rows)
	}
}

// TestLimits: the unpacked-size limit refuses a workbook before reading it.
func TestLimits(t *testing.T) {
	p := writeWorkbook(t, []sheetSpec{{name: "S", cells: []cellSpec{{ref: "A1", value: strings.Repeat("x", 5000)}}}})
	_, err := Open(context.Background(), p, OpenOptions{UnzipSizeLimit: 1000})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("UnzipSizeLimit: err = %v", err)
	}
	_, err = Open(context.Background(), p, OpenOptions{MaxFileSize: 100})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxFileSize: err = %v", err)
	}
	wb, err := Open(context.Background(), p, OpenOptions{UnzipXMLSizeLimit: 1000})
	if err == nil {
		defer wb.Close()
		_, err = wb.Read(context.Background(), "S", 1, func(importer.Row) error { return nil })
	}
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("UnzipXMLSizeLimit on shared strings: err = %v", err)
	}
}

func TestClosed(t *testing.T) {
	p := writeWorkbook(t, []sheetSpec{{name: "S", cells: []cellSpec{{ref: "A1", value: "Email"}}}})
	wb := mustOpen(t, p, OpenOptions{})
	if err := wb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := wb.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := wb.Preview(context.Background(), "S", 5); !errors.Is(err, ErrClosed) {
		t.Errorf("Preview after Close: %v", err)
	}
	if wb.Sheets() != nil {
		t.Error("Sheets after Close")
	}
}

// TestXLSXOverlongCells checks that a cell past Excel's 32,767 characters,
// wherever the workbook keeps it, is read as its first MaxCellChars+1
// characters (so the validator can refuse the row) with a note naming it,
// while the cells around it read intact.
func TestXLSXOverlongCells(t *testing.T) {
	big := strings.Repeat("x", 3<<20) // past the reader's 1 MiB cap on one XML text run
	cut := func(s string) string { r := []rune(s); return string(r[:importer.MaxCellChars+1]) }
	umlauts := strings.Repeat("ü", importer.MaxCellChars+5)
	amps := strings.Repeat("&amp;", 300000)
	runs := strings.Repeat("<r><t>"+strings.Repeat("y", 1000)+"</t></r>", 200)
	tests := []struct {
		name       string
		cell, sst  string // the B2 cell XML and the shared strings (Email is item 0)
		want       string
		commentOut bool
	}{
		{"inline string", `<c r="B2" t="inlineStr"><is><t>` + big + `</t></is></c>`, ``, cut(big), false},
		{"shared string", `<c r="B2" t="s"><v>1</v></c>`, `<si><t>` + big + `</t></si>`, cut(big), false},
		{"shared rich text", `<c r="B2" t="s"><v>1</v></c>`, `<si>` + runs + `</si>`, strings.Repeat("y", importer.MaxCellChars+1), false},
		{"inline rich text", `<c r="B2" t="inlineStr"><is>` + runs + `</is></c>`, ``, strings.Repeat("y", importer.MaxCellChars+1), false},
		{"formula cached text", `<c r="B2" t="str"><f>REPT("x",99999)</f><v>` + big + `</v></c>`, ``, cut(big), false},
		{"multibyte", `<c r="B2" t="inlineStr"><is><t>` + umlauts + `</t></is></c>`, ``, cut(umlauts), false},
		{"entities", `<c r="B2" t="inlineStr"><is><t>` + amps + `</t></is></c>`, ``, strings.Repeat("&", importer.MaxCellChars+1), false},
		{"number", `<c r="B2"><v>` + strings.Repeat("9", 2<<20) + `</v></c>`, ``, strings.Repeat("9", importer.MaxCellChars+1), false},
		{"long comment and cdata", `<!--` + strings.Repeat("a>b", 100) + `--><c r="B2" t="inlineStr"><is><t><![CDATA[a>b]]>` + strings.Repeat("z", 40000) + `</t></is></c>`, ``, cut("a>b" + strings.Repeat("z", 40000)), false},
	}
	dir := t.TempDir()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sheet := `<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Notes</t></is></c><c r="C1" t="inlineStr"><is><t>City</t></is></c></row>` +
				`<row r="2"><c r="A2" t="inlineStr"><is><t>big@example.com</t></is></c>` + tc.cell + `<c r="C2" t="inlineStr"><is><t>Berlin</t></is></c></row>` +
				`<row r="3"><c r="A3" t="inlineStr"><is><t>small@example.com</t></is></c><c r="B3" t="inlineStr"><is><t>short</t></is></c></row></sheetData>`
			p := filepath.Join(dir, fmt.Sprintf("long%d.xlsx", i))
			if err := os.WriteFile(p, fuzzPackage(t, []byte(sheet), []byte(`<si><t>Email</t></si>`+tc.sst), nil), 0o600); err != nil {
				t.Fatal(err)
			}
			wb := mustOpen(t, p, OpenOptions{})
			res, rows := readAll(t, wb, "Leads", 1)
			if len(rows) != 2 {
				t.Fatalf("%d rows read, want 2", len(rows))
			}
			if got := rows[0].Cells; got[0] != "big@example.com" || got[2] != "Berlin" || got[1] != tc.want {
				t.Errorf("row 2 = %q, %d characters, %q; want the first %d characters of B2", got[0], len([]rune(got[1])), got[2], importer.MaxCellChars+1)
			}
			if got := rows[1].Cells; !reflect.DeepEqual(got, []string{"small@example.com", "short", ""}) {
				t.Errorf("row 3 = %q", got)
			}
			if notes := strings.Join(res.Notes, "|"); !strings.Contains(notes, "32,767") || !strings.Contains(notes, "B2") {
				t.Errorf("notes = %q, want the overlong cell B2 named", notes)
			}
			m := importer.Mapping{Headers: res.Header.Names, Columns: []importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "Notes"}, {Kind: importer.ToAttribute, Field: "City"}}}
			if _, probs := mapping.NewValidator(m, nil, true, fieldtype.Options{}).Check(rows[0]); !anyInvalid(probs) || !strings.Contains(probs[0].Message, "32,767") {
				t.Errorf("the overlong row is not refused: %+v", probs)
			}
		})
	}
}

// TestXLSXHostileMarkup checks parts that no cell cap can shorten are
// refused with the too-large message instead of being held in memory.
func TestXLSXHostileMarkup(t *testing.T) {
	tests := []struct{ name, sheet, sst string }{
		{"huge attribute", `<sheetData><row r="1"><c r="A1" t="inlineStr" x="` + strings.Repeat("a", 3<<20) + `"><is><t>Email</t></is></c></row></sheetData>`, ``},
		{"huge comment", `<!--` + strings.Repeat("a", 3<<20) + `--><sheetData/>`, ``},
		{"huge row", `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row><row r="2">` + strings.Repeat(`<c t="inlineStr"><is><t>`+strings.Repeat("w", 30000)+`</t></is></c>`, 100) + `</row></sheetData>`, ``},
		{"shared text past the budget", `<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>`, strings.Repeat(`<si><t>`+strings.Repeat("s", 30000)+`</t></si>`, 3000)},
	}
	dir := t.TempDir()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, fmt.Sprintf("h%d.xlsx", i))
			if err := os.WriteFile(p, fuzzPackage(t, []byte(tc.sheet), []byte(tc.sst), nil), 0o600); err != nil {
				t.Fatal(err)
			}
			wb := mustOpen(t, p, OpenOptions{})
			_, err := wb.Read(context.Background(), "Leads", 1, func(importer.Row) error { return nil })
			var oe *OpenError
			if !errors.As(err, &oe) || !errors.Is(err, ErrTooLarge) || !strings.Contains(oe.Message, "too large") {
				t.Errorf("Read = %v, want a too-large OpenError", err)
			}
		})
	}
}

func TestGuessHeaderGroupRow(t *testing.T) {
	p := writeWorkbook(t, []sheetSpec{{name: "Leads", cells: []cellSpec{
		{ref: "A2", value: "Contact"}, {ref: "C2", value: "Company"},
		{ref: "A3", value: "Email"}, {ref: "B3", value: "First Name"}, {ref: "C3", value: "Company"},
		{ref: "A4", value: "mia@example.com"}, {ref: "B4", value: "Mia"}, {ref: "C4", value: "Acme"},
	}, merges: [][2]string{{"A2", "B2"}}}})
	wb := mustOpen(t, p, OpenOptions{})
	g, err := wb.GuessHeader(context.Background(), "Leads")
	if err != nil {
		t.Fatal(err)
	}
	if g.Row != 3 || g.Sure || !strings.Contains(g.Reason, "row 2 looks like a group title over row 3") {
		t.Errorf("GuessHeader = %+v, want row 3, unsure, naming rows 2 and 3", g)
	}
	if row, err := wb.DetectHeader(context.Background(), "Leads"); err != nil || row != 3 {
		t.Errorf("DetectHeader = %d, %v; want 3", row, err)
	}
}
