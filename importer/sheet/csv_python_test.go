package sheet

import (
	"context"
	"errors"
	"io"
	"testing"
)

// csvRecords reads every record of a CSV file as the reader yields them,
// blank lines included, checking that row numbers count up by one.
func csvRecords(t testing.TB, wb *Workbook) ([][]string, error) {
	t.Helper()
	it, err := wb.rows(context.Background(), wb.Sheets()[0].Name)
	if err != nil {
		return nil, err
	}
	defer it.close()
	var rows [][]string
	for {
		n, cells, err := it.next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		if n != len(rows)+1 {
			t.Fatalf("record %d numbered row %d", len(rows)+1, n)
		}
		rows = append(rows, cells)
	}
}
