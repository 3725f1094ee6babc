// Package job is Leadsheet's one use case, "import this sheet into this
// Marketo", in one place and free of widgets: open the file (hashed before
// it is opened), pick the sheet and header row, check every row against
// the mapping (the one pre-flight report), send by reading the sheet a
// second time checked against what pre-flight saw, keep or finish the
// journal, and write the results. `leadsheet sync` and the window are thin
// adapters over it: flags or widgets in, events out.
//
// The steps, in the order a front end calls them:
//
//	j, err := job.Open(ctx, path, job.Options{...})   // hash, open, sheet, header
//	rep, err := j.Check(ctx, settings, onRow)          // pre-flight, once per mapping
//	err = j.CheckResults(out)                          // results can be written
//	out, err := j.Send(ctx, rep, send, emit)           // journal, lock, re-read, run
//	files, err := j.WriteResults(ctx, out, results)    // password, changed-file guard
package job

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"

	"leadsheet/importer/journal"
	"leadsheet/importer/sheet"
)

// Options say how to open a file.
type Options struct {
	Password  string // for an encrypted workbook; the results copy gets it too
	Sheet     string // empty: the first visible sheet
	HeaderRow int    // 0: detected
	// Recheck says the caller will check the sheet again and again (a
	// window, on every mapping change): a small sheet's cells are then
	// kept in memory after the first read, so later checks need not read
	// the file. A one-pass caller leaves it off and keeps memory flat.
	Recheck bool
}

// Job is one open input file and the sheet and header row chosen in it. Its
// methods may be called from one goroutine at a time, except that Check and
// Send each stream their own pass over the sheet.
type Job struct {
	path     string
	password string
	sum      string // hex SHA-256 of the file, taken before it was opened
	wb       *sheet.Workbook

	sheet     string
	headerRow int
	guess     sheet.HeaderGuess // how the header row was chosen; Sure when given
	recheck   bool
	cache     atomic.Pointer[sheetCache] // the selected sheet's cells, when they fit; see scan
	header    sheet.Header
}

// Open hashes the file, then opens it and selects opts.Sheet (or the first
// visible sheet) and opts.HeaderRow (or the detected one). Hashing first
// means a save between the two shows up later as a changed file, never as a
// journal keyed on content that was not read.
func Open(ctx context.Context, path string, opts Options) (*Job, error) {
	j, err := OpenFile(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	if err := j.Select(ctx, opts.Sheet, opts.HeaderRow); err != nil {
		j.Close()
		return nil, err
	}
	return j, nil
}

// OpenFile hashes and opens the file without choosing a sheet, for a window
// that lets the operator look at every sheet first; call [Job.Select]
// before checking. opts.Sheet and opts.HeaderRow are not used.
func OpenFile(ctx context.Context, path string, opts Options) (*Job, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, &Error{Kind: NotAFile, Path: path}
	}
	sum, err := journal.HashFile(path)
	if err != nil {
		return nil, &Error{Kind: Unreadable, Path: path, Err: err}
	}
	wb, err := sheet.Open(ctx, path, sheet.OpenOptions{Password: opts.Password})
	if err != nil {
		return nil, openError(path, err)
	}
	return &Job{path: path, password: opts.Password, sum: sum, wb: wb, recheck: opts.Recheck}, nil
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, sheet.ErrPasswordRequired):
		return &Error{Kind: NeedsPassword, Path: path, Err: err}
	case errors.Is(err, sheet.ErrWrongPassword):
		return &Error{Kind: WrongPassword, Path: path, Err: err}
	}
	var oe *sheet.OpenError
	if errors.As(err, &oe) {
		return &Error{Kind: Unreadable, Path: path, Err: err, Detail: oe.Message}
	}
	return &Error{Kind: Unreadable, Path: path, Err: err}
}

// Select switches to a sheet ("" = the first visible one) and header row
// (0 = detected).
func (j *Job) Select(ctx context.Context, name string, headerRow int) error {
	sheets := j.wb.Sheets()
	if len(sheets) == 0 {
		return &Error{Kind: NoSheets, Path: j.path}
	}
	if name == "" {
		name = DefaultSheet(sheets)
	} else if !slices.ContainsFunc(sheets, func(s sheet.SheetInfo) bool { return s.Name == name }) {
		names := make([]string, len(sheets))
		for i, s := range sheets {
			names[i] = s.Name
		}
		return &Error{Kind: NoSuchSheet, Path: j.path, Sheet: name, Choices: names}
	}
	guess := sheet.HeaderGuess{Row: headerRow, Sure: true}
	if headerRow == 0 {
		g, err := j.wb.GuessHeader(ctx, name)
		if err != nil {
			return &Error{Kind: Unreadable, Path: j.path, Sheet: name, Err: err, Detail: readDetail(err)}
		}
		if g.Row == 0 {
			return &Error{Kind: EmptySheet, Path: j.path, Sheet: name}
		}
		headerRow, guess = g.Row, g
	}
	header, err := j.wb.Header(ctx, name, headerRow)
	if err != nil {
		return &Error{Kind: Unreadable, Path: j.path, Sheet: name, Err: err, Detail: readDetail(err)}
	}
	j.sheet, j.headerRow, j.guess, j.header = name, headerRow, guess, header
	if c := j.cache.Load(); c != nil && (c.sheet != name || c.header != headerRow) {
		j.cache.Store(nil)
	}
	return nil
}

// DefaultSheet is the sheet an import starts on: the first visible one.
func DefaultSheet(sheets []sheet.SheetInfo) string {
	for _, s := range sheets {
		if !s.Hidden {
			return s.Name
		}
	}
	if len(sheets) > 0 {
		return sheets[0].Name
	}
	return ""
}

// Close releases the file.
func (j *Job) Close() error { return j.wb.Close() }

// Path is the input file.
func (j *Job) Path() string { return j.path }

// SHA256 is the hex SHA-256 of the input as it was when opened.
func (j *Job) SHA256() string { return j.sum }

// Workbook is the open file, for previews and sheet lists.
func (j *Job) Workbook() *sheet.Workbook { return j.wb }

// Sheet is the selected sheet.
func (j *Job) Sheet() string { return j.sheet }

// HeaderRow is the selected header row.
func (j *Job) HeaderRow() int { return j.headerRow }

// HeaderGuess says how the header row was found: Sure when the caller named
// it or detection had no doubt, else with the Reason it may be wrong.
func (j *Job) HeaderGuess() sheet.HeaderGuess { return j.guess }

// Header is the header of the selected sheet and row.
func (j *Job) Header() sheet.Header { return j.header }

// unchanged checks that the file on disk is still the one opened.
func (j *Job) unchanged() error {
	now, err := journal.HashFile(j.path)
	if err != nil {
		return &Error{Kind: Unreadable, Path: j.path, Err: err}
	}
	if now != j.sum {
		return &Error{Kind: Changed, Path: j.path}
	}
	return nil
}

// Dirs are the folders where Leadsheet keeps what outlives a run, shared by
// the window and `leadsheet sync` so a run stopped in one resumes in the
// other.
type Dirs struct{ Root string }

// DefaultDirs is os.UserConfigDir()/leadsheet.
func DefaultDirs() (Dirs, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return Dirs{}, fmt.Errorf("find the folder for Leadsheet's settings: %w", err)
	}
	return Dirs{Root: filepath.Join(base, "leadsheet")}, nil
}

// Journals holds the record of every run, to resume one without sending a
// confirmed row twice.
func (d Dirs) Journals() string { return filepath.Join(d.Root, "journals") }

// Presets holds the saved mappings.
func (d Dirs) Presets() string { return filepath.Join(d.Root, "presets") }

// Adopt moves journals and presets found in an older folder (the window
// kept them in Fyne's storage folder before they were shared with the
// command line) into d, once: files already in d win, and what cannot be
// moved is left where it is and reported.
func (d Dirs) Adopt(old string) error {
	var errs []error
	for _, sub := range []string{"journals", "presets"} {
		from := filepath.Join(old, sub)
		entries, err := os.ReadDir(from)
		if err != nil {
			continue
		}
		to := filepath.Join(d.Root, sub)
		if err := os.MkdirAll(to, 0o700); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			dst := filepath.Join(to, e.Name())
			if _, err := os.Lstat(dst); err == nil {
				continue
			}
			if err := os.Rename(filepath.Join(from, e.Name()), dst); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
