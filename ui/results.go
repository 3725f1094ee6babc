package ui

import (
	"context"

	"leadsheet/importer"
)

// writeResults writes the results workbook (a copy of the input with
// Status, Marketo Lead ID and Error columns) beside the input file, and a
// CSV of the rows to fix when some need it. It returns the workbook's path.
func (ui *App) writeResults(f *FileModel, rs []importer.RowResult) (string, error) {
	files, err := importer.WriteResults(context.Background(), f.Workbook(), importer.ResultsOptions{
		Input: f.Path, Sheet: f.Sheet, HeaderRow: f.HeaderRow,
	}, rs)
	if err != nil {
		return "", err
	}
	return files.Results, nil
}
