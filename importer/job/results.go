package job

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/results"
)

// Outputs are the files a run's results go to, fixed before the first call
// so a bad path is found while nothing has been sent.
type Outputs struct {
	Results  string // the results workbook or CSV
	Failures string // the CSV of rows to fix and send again
	Preview  string // the CSV of what a preview found
	// List names the static list the run added leads to, for its column
	// in the results; "" for none.
	List string
	// Program names the program and status the run set, for its column;
	// "" for none.
	Program string
}

// Outputs names the results files for a run starting at now: results as
// given (empty: beside the input, stamped with now), failures beside it.
func (j *Job) Outputs(name string, now time.Time) Outputs {
	ext := ".xlsx"
	switch {
	case j.wb.Format() == "csv":
		ext = ".csv"
	case strings.EqualFold(filepath.Ext(j.path), ".xlsm"):
		ext = ".xlsm"
	}
	if name == "" {
		name = results.DefaultResultsPath(j.path, now, ext)
	}
	base := strings.TrimSuffix(j.path, filepath.Ext(j.path))
	stamp := now.Format("20060102-150405")
	return Outputs{Results: name, Failures: fmt.Sprintf("%s-failed-%s.csv", base, stamp), Preview: fmt.Sprintf("%s-preview-%s.csv", base, stamp)}
}

// CheckOutputs makes sure the results files can be written, before anything
// is sent: otherwise the answers (statuses, lead ids) would be lost after
// the rows were sent.
func (j *Job) CheckOutputs(o Outputs) error {
	for _, p := range []string{o.Results, o.Failures, o.Preview} {
		if p == "" {
			continue
		}
		if err := j.checkOutput(p); err != nil {
			return err
		}
	}
	return nil
}

func (j *Job) checkOutput(p string) error {
	bad := func(detail string, err error) error {
		return &Error{Kind: BadResults, Path: p, Detail: detail, Err: err}
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return bad("the path cannot be resolved", err)
	}
	in, _ := filepath.Abs(j.path)
	if abs == in {
		return bad("that is the file being imported, and Leadsheet never writes over it", nil)
	}
	if st, err := os.Stat(abs); err == nil {
		if inSt, err := os.Stat(in); err == nil && os.SameFile(st, inSt) {
			return bad("that is the file being imported, and Leadsheet never writes over it", nil)
		}
		if st.IsDir() {
			return bad("that is a folder; give a file name in it", nil)
		}
	}
	dir := filepath.Dir(abs)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return bad(fmt.Sprintf("the folder %s does not exist", dir), err)
	case err != nil:
		return bad(fmt.Sprintf("the folder %s cannot be reached", dir), err)
	case !st.IsDir():
		return bad(fmt.Sprintf("%s is a file, not a folder", dir), nil)
	}
	// The results are written through a temporary file in the same
	// folder and renamed into place, so this is exactly what must work.
	f, err := os.CreateTemp(dir, "."+filepath.Base(abs)+".*.check")
	if err != nil {
		return bad(fmt.Sprintf("files cannot be created in the folder %s (check that you may write there and that the disk is not full)", dir), err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

// WriteResults writes the results (a copy of the input with Status,
// Marketo Lead ID and Error columns, and a CSV of the rows to fix) to o.
// It refuses when the file changed since it was opened: the results copy
// is made from the file on disk, and answers would land beside the wrong
// rows.
func (j *Job) WriteResults(ctx context.Context, o Outputs, rows []importer.RowResult) (results.ResultsFiles, error) {
	if err := j.unchanged(); err != nil {
		return results.ResultsFiles{}, err
	}
	files, err := results.WriteResults(ctx, j.wb, results.ResultsOptions{Input: j.path, Sheet: j.sheet, HeaderRow: j.headerRow,
		Output: o.Results, Failures: o.Failures, Password: j.password, List: o.List, Program: o.Program}, rows)
	if err != nil {
		return files, fmt.Errorf("write the results: %w", err)
	}
	return files, nil
}
