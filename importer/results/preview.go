package results

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"leadsheet/importer/run"
)

// PreviewHeader is the first line of a preview CSV: one line per field a
// row would change, or one line for a row that changes none.
var PreviewHeader = []string{"Row", "Matched on", "What the import would do", "Lead Id", "Field", "In Marketo now", "After the import"}

// PreviewWriter streams a preview into a CSV file (UTF-8 with a byte order
// mark, which Excel needs). The file appears under its name only when
// Close succeeds, so a stopped preview leaves no half file behind.
type PreviewWriter struct {
	path string
	f    *os.File
	cw   *csv.Writer
}

// CreatePreview starts a preview CSV at path.
func CreatePreview(path string) (*PreviewWriter, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create the preview file: %w", err)
	}
	w := &PreviewWriter{path: path, f: f, cw: csv.NewWriter(f)}
	if _, err := io.WriteString(f, "\uFEFF"); err != nil {
		w.Abort()
		return nil, fmt.Errorf("write the preview file: %w", err)
	}
	if err := w.cw.Write(PreviewHeader); err != nil {
		w.Abort()
		return nil, fmt.Errorf("write the preview file: %w", err)
	}
	return w, nil
}

// Add writes one row's preview.
func (w *PreviewWriter) Add(p run.RowPreview) error {
	id := ""
	if p.LeadID > 0 {
		id = strconv.Itoa(p.LeadID)
	}
	what := PreviewWords(p)
	if len(p.Changes) == 0 {
		return w.cw.Write([]string{strconv.Itoa(p.Row), p.Key, what, id, "", "", ""})
	}
	for _, c := range p.Changes {
		if err := w.cw.Write([]string{strconv.Itoa(p.Row), p.Key, what, id, c.Field, c.Old, c.New}); err != nil {
			return err
		}
	}
	return nil
}

// Close finishes the file and gives it its name.
func (w *PreviewWriter) Close() error {
	w.cw.Flush()
	err := w.cw.Error()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.f.Name(), w.path)
	}
	if err != nil {
		_ = os.Remove(w.f.Name())
		return fmt.Errorf("write the preview file %s: %w", w.path, err)
	}
	return nil
}

// Abort drops the unfinished file.
func (w *PreviewWriter) Abort() {
	_ = w.f.Close()
	_ = os.Remove(w.f.Name())
}

// PreviewWords says in the operator's words what the import would do to
// one row's person.
func PreviewWords(p run.RowPreview) string {
	switch p.Kind {
	case run.WillCreate:
		return "Create a new lead"
	case run.WillUpdate:
		return fmt.Sprintf("Update lead %d: %d field(s) change", p.LeadID, len(p.Changes))
	case run.WillNotChange:
		return fmt.Sprintf("Update lead %d: nothing changes", p.LeadID)
	case run.WillLeaveAlone:
		if p.LeadID > 0 {
			return fmt.Sprintf("Leave lead %d alone (create only)", p.LeadID)
		}
		return "Leave alone: not in Marketo (update only)"
	case run.Ambiguous:
		return fmt.Sprintf("Refused by Marketo: %d leads have this key; merge them in Marketo first", p.Matches)
	case run.NotFound:
		return "Refused by Marketo: no lead has this Marketo Id"
	case run.Repeats:
		return fmt.Sprintf("Same person as row %d: goes to the same lead after it", p.First)
	case run.CannotLookUp:
		return "Cannot be looked up: the person id holds a comma, which Marketo's lookup cannot search for"
	}
	return p.Kind.String()
}
