package results

import (
	"context"
	"path/filepath"
	"testing"

	"leadsheet/importer"
	"leadsheet/importer/internal/testbook"
	"leadsheet/importer/sheet"
)

// BenchmarkWriteResults100k is the results step alone: the 100k sheet
// streamed through the rewriter into a new workbook.
func BenchmarkWriteResults100k(b *testing.B) {
	const rows = 100_000
	p := filepath.Join(b.TempDir(), "big.xlsx")
	testbook.Write(b, p, rows)
	ctx := context.Background()
	results := make([]importer.RowResult, rows)
	for i := range results {
		results[i] = importer.RowResult{Row: i + 2, State: importer.Created, LeadID: 1000 + i}
	}
	wb, err := sheet.Open(ctx, p, sheet.OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer wb.Close()
	out := filepath.Join(b.TempDir(), "results.xlsx")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := WriteResults(ctx, wb, ResultsOptions{Input: p, Sheet: "Sheet1", HeaderRow: 1, Output: out}, results); err != nil {
			b.Fatal(err)
		}
	}
}
