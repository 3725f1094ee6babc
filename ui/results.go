package ui

import (
	"context"

	"leadsheet/importer"
)

// writeResults writes the results workbook (a copy of the input with
// Status, Marketo Lead ID and Error columns) beside the input file, and a
// CSV of the rows to fix when some need it. It returns the workbook's path.
func writeResults(wb *importer.Workbook, path, sheet string, header int, rs []importer.RowResult) (string, error) {
	files, err := importer.WriteResults(context.Background(), wb, importer.ResultsOptions{
		Input: path, Sheet: sheet, HeaderRow: header,
	}, rs)
	if err != nil {
		return "", err
	}
	return files.Results, nil
}
