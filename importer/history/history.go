package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"leadsheet/importer"
)

// Kinds of run.
const (
	KindImport = "import"
	KindUndo   = "undo"
)

// Run is one import (or one undo of an import) as the history keeps it.
type Run struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`              // KindImport or KindUndo
	UndoOf     string `json:"undo_of,omitempty"` // an undo: the import it takes back
	File       string `json:"file"`              // the input's path as opened
	FileSHA256 string `json:"file_sha256"`
	Sheet      string `json:"sheet,omitempty"`
	Account    string `json:"account,omitempty"` // the saved account's name
	API        string `json:"api"`               // "rest" or "soap"
	Endpoint   string `json:"endpoint"`
	Dedup      bool   `json:"dedup"`
	// Settings are the other settings, in the operator's words.
	Settings string `json:"settings,omitempty"`
	List     string `json:"list,omitempty"`    // the static list, by name
	Program  string `json:"program,omitempty"` // the program and status, in words
	// Mapping is the column mapping, so the run can be opened again as
	// it was (to resume it or retry its failed rows).
	Mapping   importer.Mapping `json:"mapping"`
	HeaderRow int              `json:"header_row,omitempty"`

	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"` // zero while running, or when it was killed
	// Outcome says how the run last ended, in a few words: "finished",
	// "stopped: ...", or empty when it never said (killed).
	Outcome  string          `json:"outcome,omitempty"`
	Totals   importer.Totals `json:"totals"`
	Results  string          `json:"results,omitempty"`  // the results copy
	Failures string          `json:"failures,omitempty"` // the CSV of rows to fix
	User     string          `json:"user"`               // who ran it, on which computer
	Frontend string          `json:"frontend"`           // "leadsheet sync", "the Leadsheet window"
	Journal  string          `json:"journal,omitempty"`  // the import's journal, by its key's ID

	// Undoable says the run kept a rollback record.
	Undoable bool `json:"undoable"`
	// UndoneBy is the undo of this import, once one started.
	UndoneBy string `json:"undone_by,omitempty"`
}

// Finished reports whether the run ended with every row final.
func (r Run) Finished() bool { return r.Outcome == OutcomeFinished }

// OutcomeFinished is the Outcome of a run that left nothing to resume.
const OutcomeFinished = "finished"

// Name is the file's base name, for lists.
func (r Run) Name() string { return filepath.Base(r.File) }

// Store is the history folder.
type Store struct{ Dir string }

// ErrNoRun: the history holds no run with that id.
var ErrNoRun = errors.New("no such run in the history")

func (s Store) path(id, ext string) string { return filepath.Join(s.Dir, id+ext) }

// checkID refuses an id that is not one of ours, so that a typed id can
// never name a file outside the folder.
func checkID(id string) error {
	if id == "" || strings.ContainsFunc(id, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r == '-')
	}) {
		return fmt.Errorf("%q: %w", id, ErrNoRun)
	}
	return nil
}

// Save writes r, replacing what the history had for r.ID. It writes a
// temporary file and renames it, so a crash leaves the old record or the
// new one, never half of one.
func (s Store) Save(r Run) error {
	if err := checkID(r.ID); err != nil {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("create the history folder: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode run %s: %w", r.ID, err)
	}
	f, err := os.CreateTemp(s.Dir, "."+r.ID+".*.tmp")
	if err != nil {
		return fmt.Errorf("record run %s: %w", r.ID, err)
	}
	tmp := f.Name()
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path(r.ID, ".json"))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("record run %s: %w", r.ID, err)
	}
	return nil
}

// Get reads one run.
func (s Store) Get(id string) (Run, error) {
	if err := checkID(id); err != nil {
		return Run{}, err
	}
	b, err := os.ReadFile(s.path(id, ".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return Run{}, fmt.Errorf("%s: %w", id, ErrNoRun)
	}
	if err != nil {
		return Run{}, fmt.Errorf("read run %s: %w", id, err)
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return Run{}, fmt.Errorf("run %s in %s is damaged: %w", id, s.Dir, err)
	}
	return r, nil
}

// Filter narrows [Store.List]: a run matches when its file name contains
// File, its account or endpoint contains Account, and either of them
// contains Either, capitals aside.
type Filter struct{ File, Account, Either string }

func (f Filter) match(r Run) bool {
	has := func(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }
	account := func(sub string) bool { return has(r.Account, sub) || has(r.Endpoint, sub) }
	return has(r.Name(), f.File) && account(f.Account) && (has(r.Name(), f.Either) || account(f.Either))
}

// List reads the runs matching f, newest first. A damaged record is not
// hidden: it is reported with the others read.
func (s Store) List(f Filter) ([]Run, error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the history folder: %w", err)
	}
	var out []Run
	var errs []error
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || strings.HasPrefix(id, ".") || !e.Type().IsRegular() {
			continue
		}
		r, err := s.Get(id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if f.match(r) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Run) int {
		if c := b.Started.Compare(a.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, errors.Join(errs...)
}
