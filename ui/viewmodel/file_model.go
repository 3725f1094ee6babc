package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"leadsheet/importer"
	"leadsheet/importer/job"
	"leadsheet/importer/sheet"
)

// previewRows is how many leading rows the File step shows.
const previewRows = 30

// FileModel is the File step without widgets: the open workbook, the
// chosen sheet and header row, and a preview of the first rows.
type FileModel struct {
	Path      string
	Sheets    []sheet.SheetInfo
	Sheet     string
	HeaderRow int // sheet row number of the header; the detected one unless changed
	Detected  int // what detection found
	// HeaderDoubt, when set, says detection was not sure of the header row
	// and how to pick another; it goes once the operator picks one.
	HeaderDoubt string
	Preview     []importer.Row
	Header      sheet.Header
	Notes       []string // what the operator should know about the file (format surprises, merged cells, ...)
	DataRows    int      // data rows below the header once read; -1 until then

	job *job.Job
	wb  *sheet.Workbook
}

// OpenFile opens a workbook and prepares its first visible sheet. An
// encrypted workbook without password returns an error matching
// sheet.ErrPasswordRequired, so the caller can ask for one.
func OpenFile(ctx context.Context, path, password string) (*FileModel, error) {
	j, err := job.OpenFile(ctx, path, job.Options{Password: password, Recheck: true})
	if err != nil {
		return nil, err
	}
	wb := j.Workbook()
	m := &FileModel{Path: path, Sheets: wb.Sheets(), job: j, wb: wb, Notes: wb.Notes()}
	if err := m.SelectSheet(ctx, job.DefaultSheet(m.Sheets)); err != nil {
		j.Close()
		return nil, err
	}
	return m, nil
}

// Close releases the workbook.
func (m *FileModel) Close() error {
	if m == nil || m.job == nil {
		return nil
	}
	return m.job.Close()
}

// Workbook is the open workbook.
func (m *FileModel) Workbook() *sheet.Workbook { return m.wb }

// Job is the import of this file, on the chosen sheet and header row.
func (m *FileModel) Job() *job.Job { return m.job }

// SheetNames lists the sheets, hidden ones marked.
func (m *FileModel) SheetNames() []string {
	names := make([]string, len(m.Sheets))
	for i, s := range m.Sheets {
		names[i] = s.Name
	}
	return names
}

// SelectSheet switches to a sheet, detects its header row and reloads the preview.
func (m *FileModel) SelectSheet(ctx context.Context, name string) error {
	g, err := m.wb.GuessHeader(ctx, name)
	if err != nil {
		return err
	}
	h := g.Row
	m.HeaderDoubt = ""
	if !g.Sure && h > 0 {
		m.HeaderDoubt = fmt.Sprintf("Leadsheet took row %d as the header (%s). Pick another in Header row if that is wrong.", h, g.Reason)
	}
	prev, err := m.wb.Preview(ctx, name, previewRows)
	if err != nil {
		return err
	}
	m.Sheet, m.Detected, m.Preview = name, h, prev
	if h == 0 {
		m.HeaderRow, m.Header = 0, sheet.Header{}
		return nil
	}
	return m.SetHeaderRow(ctx, h)
}

// SetHeaderRow makes another row the header.
func (m *FileModel) SetHeaderRow(ctx context.Context, row int) error {
	if err := m.job.Select(ctx, m.Sheet, row); err != nil {
		return err
	}
	if row != m.Detected {
		m.HeaderDoubt = ""
	}
	m.HeaderRow, m.Header, m.DataRows = row, m.job.Header(), -1
	return nil
}

// FileNotes are what the File step lists under the preview: a doubt about
// the header row first, then what reading the file noticed.
func (m *FileModel) FileNotes(read []string) []string {
	if m.HeaderDoubt == "" {
		return read
	}
	return append([]string{m.HeaderDoubt}, read...)
}

// Ready reports whether the step is complete: a sheet with a header.
func (m *FileModel) Ready() bool { return m != nil && m.HeaderRow > 0 && len(m.Header.Names) > 0 }

// Summary is the one-line description of the open file under its name.
func (m *FileModel) Summary() string {
	parts := []string{fmt.Sprintf("%s %s", Count(len(m.Sheets)), Plural(len(m.Sheets), "sheet", "sheets"))}
	if m.DataRows >= 0 {
		parts = append(parts, fmt.Sprintf("%s data rows in %q", Count(m.DataRows), m.Sheet))
	} else {
		parts = append(parts, fmt.Sprintf("counting the rows of %q…", m.Sheet))
	}
	if m.HeaderRow > 0 {
		parts = append(parts, fmt.Sprintf("%s columns, header in row %d", Count(len(m.Header.Names)), m.HeaderRow))
	} else {
		parts = append(parts, "this sheet looks empty")
	}
	return strings.Join(parts, " · ")
}

// OpenTrouble turns an open error into what the operator reads.
func OpenTrouble(path string, err error) string {
	var je *job.Error
	if errors.As(err, &je) {
		return je.Error()
	}
	var oe *sheet.OpenError
	if errors.As(err, &oe) {
		return fmt.Sprintf("%s cannot be opened. %s", filepath.Base(path), oe.Message)
	}
	return fmt.Sprintf("%s cannot be opened: %v", filepath.Base(path), err)
}

// maxRecent is how many recent files the File step remembers.
const maxRecent = 8

const recentKey = "recentFiles"

// RecentFiles returns the remembered files, newest first.
func RecentFiles(p Prefs) []string {
	s := p.String(recentKey)
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// AddRecent puts path first in the recent files.
func AddRecent(p Prefs, path string) {
	list := slices.DeleteFunc(RecentFiles(p), func(x string) bool { return x == path })
	list = append([]string{path}, list...)
	if len(list) > maxRecent {
		list = list[:maxRecent]
	}
	p.SetString(recentKey, strings.Join(list, "\n"))
}
