package importer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"leadsheet/marketo"
)

// bigHeader is the header of the generated large workbooks: ten realistic
// lead columns.
var bigHeader = []string{"Email", "First Name", "Last Name", "Company", "Phone", "Zip", "City", "Country", "Created", "Score"}

var bigCities = []string{"Berlin", "München", "Paris", "Lyon", "Austin", "Boston", "Tokyo", "Zürich"}

// bigRow is the expected display values of data row i (1-based) of a big
// workbook.
func bigRow(i int) []string {
	return []string{
		"lead" + strconv.Itoa(i) + "@example.com",
		"First" + strconv.Itoa(i%997),
		"Last" + strconv.Itoa(i%1009),
		"Company " + strconv.Itoa(i%5000),
		strconv.Itoa(6505550000 + i),
		fmt.Sprintf("%05d", i%100000),
		bigCities[i%len(bigCities)],
		"DE",
		excelSerialDate(44927 + i%1000),
		strconv.Itoa(i % 100),
	}
}

func excelSerialDate(serial int) string {
	t, _ := excelize.ExcelDateToTime(float64(serial), false)
	return t.Format("2006-01-02")
}

// writeBigWorkbook writes rows data rows under bigHeader with StreamWriter,
// with a scientific format on the phone, 00000 on the postcode and a date
// format on Created, so the reader must format per cell style.
func writeBigWorkbook(tb testing.TB, path string, rows int) {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sci, _ := f.NewStyle(&excelize.Style{NumFmt: 11})
	zip := "00000"
	zipStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &zip})
	date, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err := f.SetSheetDimension("Sheet1", "A1:J"+strconv.Itoa(rows+1)); err != nil {
		tb.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	head := make([]any, len(bigHeader))
	for i, h := range bigHeader {
		head[i] = h
	}
	if err := sw.SetRow("A1", head); err != nil {
		tb.Fatal(err)
	}
	vals := make([]any, 10)
	for i := 1; i <= rows; i++ {
		vals[0] = "lead" + strconv.Itoa(i) + "@example.com"
		vals[1] = "First" + strconv.Itoa(i%997)
		vals[2] = "Last" + strconv.Itoa(i%1009)
		vals[3] = "Company " + strconv.Itoa(i%5000)
		vals[4] = excelize.Cell{StyleID: sci, Value: 6505550000 + i}
		vals[5] = excelize.Cell{StyleID: zipStyle, Value: i % 100000}
		vals[6] = bigCities[i%len(bigCities)]
		vals[7] = "DE"
		vals[8] = excelize.Cell{StyleID: date, Value: 44927 + i%1000}
		vals[9] = i % 100
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, vals); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		tb.Fatal(err)
	}
}

// bigFile generates the 100k workbook once per benchmark binary run.
func bigFile(b *testing.B, rows int) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), fmt.Sprintf("big%d.xlsx", rows))
	writeBigWorkbook(b, p, rows)
	return p
}

// BenchmarkReadMapValidate100k: open + read + auto-map + validate + batch a
// 100,000 x 10 sheet, the whole pre-flight pipeline.
func BenchmarkReadMapValidate100k(b *testing.B) {
	const rows = 100_000
	p := bigFile(b, rows)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		wb, err := Open(ctx, p, OpenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		h, err := wb.Header(ctx, "Sheet1", 1)
		if err != nil {
			b.Fatal(err)
		}
		m, _ := AutoMap(h.Names, nil)
		v := NewValidator(m, StandardFields(), true)
		batches := 0
		bt := NewBatcher(marketo.MaxBatch, func(Batch) error { batches++; return nil })
		n := 0
		_, err = wb.Read(ctx, "Sheet1", 1, func(r Row) error {
			lead, probs := v.Check(r)
			if hasInvalid(probs) {
				return fmt.Errorf("row %d invalid: %v", r.Number, probs)
			}
			n++
			return bt.Add(r.Number, lead)
		})
		if err != nil {
			b.Fatal(err)
		}
		bt.Flush()
		wb.Close()
		if n != rows || batches != (rows+299)/300 {
			b.Fatalf("rows %d batches %d", n, batches)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkBareExcelizeRows100k: excelize's own streaming loop over the same
// file (OpenFile + Rows + raw Columns), the floor to compare against.
func BenchmarkBareExcelizeRows100k(b *testing.B) {
	const rows = 100_000
	p := bigFile(b, rows)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := excelize.OpenFile(p)
		if err != nil {
			b.Fatal(err)
		}
		it, err := f.Rows("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for it.Next() {
			if _, err := it.Columns(excelize.Options{RawCellValue: true}); err != nil {
				b.Fatal(err)
			}
			n++
		}
		it.Close()
		f.Close()
		if n != rows+1 {
			b.Fatalf("rows %d", n)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestReadHuge reads a 1,000,000 x 10 workbook to measure peak memory with
// /usr/bin/time -v. It only runs with LEADSHEET_HUGE=1 (it takes minutes);
// LEADSHEET_HUGE_FILE reuses a file from an earlier run, and
// LEADSHEET_HUGE_READONLY=1 leaves out validation (whose duplicate check
// keeps one hash per key) to measure the reader alone.
func TestReadHuge(t *testing.T) {
	if os.Getenv("LEADSHEET_HUGE") != "1" {
		t.Skip("set LEADSHEET_HUGE=1 to read a 1M-row workbook (slow; for memory measurement)")
	}
	const rows = 1_000_000
	p := os.Getenv("LEADSHEET_HUGE_FILE")
	if p == "" {
		p = filepath.Join(t.TempDir(), "huge.xlsx")
	}
	if _, err := os.Stat(p); err != nil {
		writeBigWorkbook(t, p, rows)
		runtime.GC()
	}
	var ms runtime.MemStats
	peak := uint64(0)
	readOnly := os.Getenv("LEADSHEET_HUGE_READONLY") == "1"
	wb := mustOpen(t, p, OpenOptions{})
	h, err := wb.Header(context.Background(), "Sheet1", 1)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := AutoMap(h.Names, nil)
	v := NewValidator(m, StandardFields(), true)
	n := 0
	_, err = wb.Read(context.Background(), "Sheet1", 1, func(r Row) error {
		n++
		if !readOnly {
			v.Check(r)
		}
		if n%100_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			t.Logf("row %d: heap in use %d MB", n, ms.HeapInuse>>20)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != rows {
		t.Fatalf("read %d rows, want %d", n, rows)
	}
	t.Logf("peak sampled heap in use: %d MB", peak>>20)
}
