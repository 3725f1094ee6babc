package sheet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/xuri/excelize/v2"

	"leadsheet/importer"
	"leadsheet/importer/fieldtype"
	"leadsheet/importer/internal/testbook"
	"leadsheet/importer/mapping"
	"leadsheet/importer/run"
	"leadsheet/marketo"
)

// bigFile generates the 100k workbook once per benchmark binary run.
func bigFile(b *testing.B, rows int) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), fmt.Sprintf("big%d.xlsx", rows))
	testbook.Write(b, p, rows)
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
		m, _ := mapping.AutoMap(h.Names, nil)
		v := mapping.NewValidator(m, mapping.StandardFields(), true, fieldtype.Options{})
		batches := 0
		bt := run.NewBatcher(marketo.MaxBatch, func(importer.Batch) error { batches++; return nil })
		n := 0
		_, err = wb.Read(ctx, "Sheet1", 1, func(r importer.Row) error {
			lead, probs := v.Check(r)
			if anyInvalid(probs) {
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
		testbook.Write(t, p, rows)
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
	m, _ := mapping.AutoMap(h.Names, nil)
	v := mapping.NewValidator(m, mapping.StandardFields(), true, fieldtype.Options{})
	n := 0
	_, err = wb.Read(context.Background(), "Sheet1", 1, func(r importer.Row) error {
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

// anyInvalid reports whether a row's problems keep it from being sent.
func anyInvalid(ps []importer.Problem) bool {
	for _, p := range ps {
		if p.Severity == importer.Invalid {
			return true
		}
	}
	return false
}
