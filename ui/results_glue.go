package ui

import (
	"errors"

	"leadsheet/importer"
)

func (ui *App) writeResults(f *FileModel, rs []importer.RowResult) (string, error) {
	return "", errors.New("results workbook: pending importer API")
}
