package job

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"leadsheet/importer"
	"leadsheet/importer/fieldtype"
	"leadsheet/importer/mapping"
	"leadsheet/marketo"
)

// writeBig streams n rows of ten text columns into a workbook.
func writeBig(b *testing.B, path string, n int) {
	b.Helper()
	writeRows(b, path, n, []any{"Email", "First Name", "Last Name", "Company", "Job Title", "Phone", "City", "Postal Code", "Country", "Notes"},
		func(i int) []any {
			return []any{fmt.Sprintf("lead%07d@example.com", i), "Zoë", "Müller", "Acme Logistics GmbH", "Head of Sales",
				fmt.Sprintf("+4930%07d", i), "Berlin", "01067", "Germany", "met at the fair"}
		})
}

// writeTypedBig streams n rows of ten columns, six of them typed fields
// written as operators write them (a day-first text date, a dollar amount,
// "yes"), into a workbook.
func writeTypedBig(b *testing.B, path string, n int) {
	b.Helper()
	writeRows(b, path, n, []any{"Email", "First Name", "Date of Birth", "Annual Revenue", "Num Employees", "Unsubscribed", "Lead Score", "Phone", "City", "Country"},
		func(i int) []any {
			return []any{fmt.Sprintf("lead%07d@example.com", i), "Zoë", fmt.Sprintf("%02d/%02d/19%02d", i%28+1, i%12+1, i%90+10), "$1,234.50",
				fmt.Sprint(i % 5000), []string{"yes", "no"}[i%2], fmt.Sprint(i % 100), fmt.Sprintf("+4930%07d", i), "Berlin", "Germany"}
		})
}

func writeRows(b *testing.B, path string, n int, header []any, row func(int) []any) {
	b.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	last, _ := excelize.ColumnNumberToName(len(header))
	must(f.SetSheetDimension("Sheet1", fmt.Sprintf("A1:%s%d", last, n+1)))
	sw, err := f.NewStreamWriter("Sheet1")
	must(err)
	must(sw.SetRow("A1", header))
	for i := 0; i < n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		must(sw.SetRow(cell, row(i)))
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
	benchCheck(b, in, nil, fieldtype.Options{})
}

// BenchmarkCheck100kTyped is BenchmarkCheck100k with the field list known,
// so every cell is checked and normalised for its field's type, six of
// the ten columns typed.
//
//	go test -run '^$' -bench Check100kTyped -benchtime 3x -benchmem ./importer/job/
func BenchmarkCheck100kTyped(b *testing.B) {
	in := filepath.Join(b.TempDir(), "l100k-typed.xlsx")
	writeTypedBig(b, in, 100_000)
	benchCheck(b, in, mapping.StandardFields(), fieldtype.Options{DateOrder: fieldtype.DayFirst})
}

func benchCheck(b *testing.B, in string, fields []marketo.Field, values fieldtype.Options) {
	ctx := context.Background()
	check := func(b *testing.B, j *Job) {
		pr, err := Propose(j.Header(), fields, marketo.ProfileREST, "")
		if err != nil {
			b.Fatal(err)
		}
		if fields != nil && slices.Contains(pr.Mapping.Columns, importer.Target{}) {
			b.Fatalf("a column is not mapped, so its type is not checked: %+v", pr.Mapping.Columns)
		}
		s := Settings{Mapping: pr.Mapping, Origins: pr.Origins, Fields: fields, Values: values, Dedup: true, API: marketo.ProfileREST}
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
