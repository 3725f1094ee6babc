// Command bareread is the baseline of measurement P1 in .ci/perf.sh: the
// least work excelize can do to read every cell of a sheet — OpenFile, the
// Rows() iterator and raw cell values (no number formatting, which would
// make the baseline about five times slower and the comparison flattering).
// It prints the rows and non-empty cells it saw, so the run can be checked.
//
//	go run ./testdata/peers/bareread /tmp/leads-100k.xlsx
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/xuri/excelize/v2"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: bareread FILE.xlsx")
	}
	rows, cells, err := read(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("rows=%d cells=%d\n", rows, cells)
}

func read(path string) (rows, cells int, err error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return 0, 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	it, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return 0, 0, fmt.Errorf("rows: %w", err)
	}
	defer it.Close()
	for it.Next() {
		cols, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return rows, cells, fmt.Errorf("row %d: %w", rows+1, err)
		}
		rows++
		for _, c := range cols {
			if c != "" {
				cells++
			}
		}
	}
	return rows, cells, it.Error()
}
