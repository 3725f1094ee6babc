package job

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// TestDate1904Serials: a bare serial number in a workbook that counts
// from 1904 (Excel for Mac's old default) is that workbook's day, not the
// 1900 system's four years and a day earlier.
func TestDate1904Serials(t *testing.T) {
	for _, tc := range []struct {
		date1904 bool
		serial   int
	}{{false, 45356}, {true, 43894}} {
		f := excelize.NewFile()
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &tc.date1904}); err != nil {
			t.Fatal(err)
		}
		for i, v := range []any{"Email", "Birthday", "a@example.com", tc.serial} {
			cell, _ := excelize.CoordinatesToCellName(i%2+1, i/2+1)
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
		in := filepath.Join(t.TempDir(), "mac.xlsx")
		if err := f.SaveAs(in); err != nil {
			t.Fatal(err)
		}
		f.Close()
		j, err := Open(context.Background(), in, Options{})
		if err != nil {
			t.Fatal(err)
		}
		fields := []marketo.Field{{Name: "Email", Type: "email"}, {Name: "DateOfBirth", Type: "date"}}
		m := importer.Mapping{Headers: []string{"Email", "Birthday"}, Columns: []importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "DateOfBirth"}}}
		rep, err := j.Check(context.Background(), Settings{Mapping: m, Fields: fields, Dedup: true, API: marketo.ProfileREST}, nil)
		j.Close()
		if err != nil || rep.First == nil {
			t.Fatalf("check: %v %+v", err, rep)
		}
		if got := rep.First.Leads[0].Attributes; len(got) != 1 || got[0].Value != "2024-03-05" {
			t.Errorf("1904 system %v: serial %d sent as %+v, want 2024-03-05", tc.date1904, tc.serial, got)
		}
	}
}
