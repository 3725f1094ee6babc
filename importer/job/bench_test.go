package job

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"leadsheet/marketo"
)

// writeBig streams n rows of ten columns into a workbook.
func writeBig(b *testing.B, path string, n int) {
	b.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	must(f.SetSheetDimension("Sheet1", fmt.Sprintf("A1:J%d", n+1)))
	sw, err := f.NewStreamWriter("Sheet1")
	must(err)
	must(sw.SetRow("A1", []any{"Email", "First Name", "Last Name", "Company", "Job Title", "Phone", "City", "Postal Code", "Country", "Notes"}))
	for i := 0; i < n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		must(sw.SetRow(cell, []any{fmt.Sprintf("lead%07d@example.com", i), "Zoë", "Müller", "Acme Logistics GmbH", "Head of Sales",
			fmt.Sprintf("+4930%07d", i), "Berlin", "01067", "Germany", "met at the fair"}))
	}
	must(sw.Flush())
	must(f.SaveAs(path))
}

// BenchmarkCheck100k is pre-flight over 100,000 rows of ten columns,
// keeping one compact line per row: "first" reads the file (opening a
// workbook), "again" is what a mapping change costs in the window once the
// sheet is cached.
//
//	go test -run '^$' -bench Check100k -benchtime 3x -benchmem ./importer/job/
func BenchmarkCheck100k(b *testing.B) {
	in := filepath.Join(b.TempDir(), "l100k.xlsx")
	writeBig(b, in, 100_000)
	ctx := context.Background()
	check := func(b *testing.B, j *Job) {
		pr, err := Propose(j.Header(), nil, marketo.ProfileREST, "")
		if err != nil {
			b.Fatal(err)
		}
		s := Settings{Mapping: pr.Mapping, Origins: pr.Origins, Dedup: true, API: marketo.ProfileREST}
		rows := 0
		rep, err := j.Check(ctx, s, func(RowCheck) { rows++ })
		if err != nil || rep.Valid != 100_000 || rows != 100_000 {
			b.Fatalf("check: %v, %d valid, %d rows", err, rep.Valid, rows)
		}
	}
	open := func(b *testing.B) *Job {
		j, err := Open(ctx, in, Options{Recheck: true})
		if err != nil {
			b.Fatal(err)
		}
		return j
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			j := open(b)
			check(b, j)
			j.Close()
		}
	})
	b.Run("again", func(b *testing.B) {
		j := open(b)
		defer j.Close()
		check(b, j)
		b.ResetTimer()
		for b.Loop() {
			check(b, j)
		}
	})
}
