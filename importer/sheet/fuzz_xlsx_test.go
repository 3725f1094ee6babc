package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"leadsheet/importer"
)

// FuzzXLSXSheet feeds Leadsheet's own streaming reader of sheet XML (and
// the shared strings and styles it resolves cells against) with arbitrary
// part contents inside an otherwise valid package. Whatever the parts hold,
// Open and Read must return rows in increasing order or an *OpenError with
// a message for the operator — never panic, never an unexplained error.
func FuzzXLSXSheet(f *testing.F) {
	f.Add([]byte(`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Phone</t></is></c></row><row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" s="1"><v>6502530000</v></c></row></sheetData>`),
		[]byte(`<si><t>Email</t></si><si><r><t>a@</t></r><r><t>example.com</t></r></si>`),
		[]byte(`<numFmts count="1"><numFmt numFmtId="164" formatCode="0.00E+00"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs>`))
	f.Add([]byte(`<dimension ref="A1:XFD1048576"/><sheetData><row r="3"><c r="C3" t="d"><v>2024-02-29T10:00:00</v></c><c t="b"><v>1</v></c><c r="E3"><f>1+1</f></c></row><row><c><v>60</v></c></row></sheetData>`),
		[]byte(``), []byte(`<cellXfs><xf numFmtId="14"/></cellXfs>`))
	f.Add([]byte(`<sheetData><row r="1048577"><c r="A1048577"><v>1</v></c></row></sheetData>`), []byte(`<si><t`), []byte(`<numFmts><numFmt numFmtId="200" formatCode="[h]:mm;@"/>`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, sheet, sst, styles []byte) {
		p := filepath.Join(dir, "fuzz.xlsx")
		if err := os.WriteFile(p, fuzzPackage(t, sheet, sst, styles), 0o600); err != nil {
			t.Fatal(err)
		}
		wb, err := Open(context.Background(), p, OpenOptions{})
		if err != nil {
			checkOpenError(t, err)
			return
		}
		defer wb.Close()
		last := 0
		_, err = wb.Read(context.Background(), wb.Sheets()[0].Name, 0, func(r importer.Row) error {
			if r.Number <= last {
				t.Fatalf("row %d after row %d", r.Number, last)
			}
			last = r.Number
			return nil
		})
		if err != nil {
			checkOpenError(t, err)
		}
	})
}

func checkOpenError(t *testing.T, err error) {
	t.Helper()
	var oe *OpenError
	if !errors.As(err, &oe) || oe.Message == "" {
		t.Fatalf("error without an operator message: %v", err)
	}
}

// fuzzPackage wraps the three part bodies in a minimal workbook package.
func fuzzPackage(t *testing.T, sheet, sst, styles []byte) []byte {
	const (
		ns  = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
		rel = `http://schemas.openxmlformats.org/officeDocument/2006/relationships/`
	)
	parts := []struct {
		name string
		body []byte
	}{
		{"[Content_Types].xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`)},
		{"_rels/.rels", []byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rel + `officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
		{"xl/workbook.xml", []byte(`<workbook ` + ns + ` xmlns:r="` + rel[:len(rel)-1] + `"><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		{"xl/_rels/workbook.xml.rels", []byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rel + `worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="` + rel + `sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="` + rel + `styles" Target="styles.xml"/></Relationships>`)},
		{"xl/worksheets/sheet1.xml", append(append([]byte(`<worksheet `+ns+`>`), sheet...), `</worksheet>`...)},
		{"xl/sharedStrings.xml", append(append([]byte(`<sst `+ns+`>`), sst...), `</sst>`...)},
		{"xl/styles.xml", append(append([]byte(`<styleSheet `+ns+`>`), styles...), `</styleSheet>`...)},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
