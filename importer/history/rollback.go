package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"sync"

	"leadsheet/importer"
)

// LeadValues is a lead as a lookup read it: its id, when it last changed
// (Marketo's updatedAt, as Marketo wrote it) and the values of the fields
// asked for, nil for a field empty in Marketo.
type LeadValues struct {
	ID        int                `json:"id"`
	UpdatedAt string             `json:"at"`
	Values    map[string]*string `json:"v"`
}

// rollback record kinds
const (
	rbPrior   = "prior"   // before a batch is sent: each row's matches and their values
	rbDone    = "done"    // Marketo's answer: the leads rows created or updated
	rbAfter   = "after"   // the leads as the batch left them
	rbList    = "list"    // leads the import added to a static list
	rbProgram = "program" // leads the import set a program status for
)

type rbRecord struct {
	Kind    string       `json:"k"`
	Rows    [][]int      `json:"rows,omitempty"`  // prior: [row, matched lead ids...]
	Leads   []LeadValues `json:"leads,omitempty"` // prior, after
	Res     [][3]any     `json:"res,omitempty"`   // done: [row, lead id, state word]
	IDs     []int        `json:"ids,omitempty"`   // list, program
	List    int          `json:"list,omitempty"`
	Program int          `json:"program,omitempty"`
	Status  string       `json:"status,omitempty"`
}

// Recorder appends to a run's rollback record. Every record is synced
// before the call returns: an undo can take back only what it reads. A
// Recorder is safe for concurrent use; one run (the holder of its
// journal's lock) writes a record at a time.
type Recorder struct {
	mu sync.Mutex
	f  *os.File
}

// OpenRecorder opens the rollback record of run id for appending,
// creating it if missing; a last line torn by a crash is cut off.
func (s Store) OpenRecorder(id string) (*Recorder, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the history folder: %w", err)
	}
	f, err := openAppend(s.path(id, ".rollback"))
	if err != nil {
		return nil, fmt.Errorf("open the undo record of run %s: %w", id, err)
	}
	return &Recorder{f: f}, nil
}

// openAppend opens path for appending after its last whole line.
func openAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err == nil {
		good := int64(bytes.LastIndexByte(data, '\n') + 1)
		if err = f.Truncate(good); err == nil {
			_, err = f.Seek(good, 0)
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Prior records, before a batch is sent, which leads each of its rows
// matched in Marketo (none: the row's person was not there) and their
// values of the fields the batch writes.
func (r *Recorder) Prior(matches map[int][]int, leads []LeadValues) error {
	rec := rbRecord{Kind: rbPrior, Leads: leads}
	for _, row := range slices.Sorted(maps.Keys(matches)) {
		rec.Rows = append(rec.Rows, append([]int{row}, matches[row]...))
	}
	return r.append(rec)
}

// Touched records the rows of rs Marketo created or updated a lead for.
func (r *Recorder) Touched(rs []importer.RowResult) error {
	rec := rbRecord{Kind: rbDone}
	for _, x := range rs {
		if w := touchWord(x.State); w != "" && x.LeadID > 0 {
			rec.Res = append(rec.Res, [3]any{x.Row, x.LeadID, w})
		}
	}
	if len(rec.Res) == 0 {
		return nil
	}
	return r.append(rec)
}

// After records leads as a batch left them, their updatedAt above all: a
// later change in Marketo is what an undo must not overwrite unasked.
func (r *Recorder) After(leads []LeadValues) error {
	if len(leads) == 0 {
		return nil
	}
	return r.append(rbRecord{Kind: rbAfter, Leads: leads})
}

// Listed records leads the import added to static list listID (not those
// that were members already).
func (r *Recorder) Listed(listID int, leadIDs []int) error {
	if len(leadIDs) == 0 {
		return nil
	}
	return r.append(rbRecord{Kind: rbList, List: listID, IDs: leadIDs})
}

// Programmed records leads the import set to status in programID.
func (r *Recorder) Programmed(programID int, status string, leadIDs []int) error {
	if len(leadIDs) == 0 {
		return nil
	}
	return r.append(rbRecord{Kind: rbProgram, Program: programID, Status: status, IDs: leadIDs})
}

func (r *Recorder) append(rec rbRecord) error { return r.appendAny(rec) }

func (r *Recorder) appendAny(rec any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode the undo record: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return errors.New("the undo record is closed")
	}
	if _, err := r.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write the undo record: %w", err)
	}
	if err := r.f.Sync(); err != nil {
		return fmt.Errorf("sync the undo record: %w", err)
	}
	return nil
}

// Close closes the record.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

func touchWord(s importer.RowState) string {
	switch s {
	case importer.Created:
		return "created"
	case importer.Updated:
		return "updated"
	case importer.CreatedOrUpdated:
		return "created-or-updated"
	}
	return ""
}

// Rollback is what a run's rollback record says the import did, worked
// out lead by lead.
type Rollback struct {
	// Existing are the leads that were in Marketo before the import,
	// with the values the import's fields had then: each field's value
	// from the earliest lookup that read it, which came before any batch
	// wrote it.
	Existing map[int]LeadValues
	// Created are the leads the import created: Marketo said so, or the
	// lookup before the row was first sent found nobody (a run killed
	// after Marketo took the batch, whose resume was told "updated").
	Created []int
	// Unknown are leads the import touched without a lookup first (dedup
	// off and an answer lost, a key a lookup cannot take): whether they
	// were there before cannot be told.
	Unknown []int
	// After is each lead as the import last left it.
	After map[int]LeadValues
	// Lists are, by static list id, the leads the import added to it.
	Lists map[int][]int
	// Programs are the statuses the import set, which Marketo cannot
	// move back.
	Programs []ProgramSet
	// Rows are, by lead, the sheet rows that touched it.
	Rows map[int][]int
}

// ProgramSet is leads set to a status in a program.
type ProgramSet struct {
	Program int
	Status  string
	Leads   []int
}

// ReadRollback reads and works out run id's rollback record. A run with
// none (SOAP, Bulk Import, a run from before the history) is
// [ErrNoRollback].
func (s Store) ReadRollback(id string) (Rollback, error) {
	if err := checkID(id); err != nil {
		return Rollback{}, err
	}
	recs, err := readRecords[rbRecord](s.path(id, ".rollback"))
	if errors.Is(err, fs.ErrNotExist) {
		return Rollback{}, ErrNoRollback
	}
	if err != nil {
		return Rollback{}, fmt.Errorf("read the undo record of run %s: %w", id, err)
	}
	return workOut(recs), nil
}

// ErrNoRollback: the run kept no rollback record.
var ErrNoRollback = errors.New("this run kept no record to undo it from")

func workOut(recs []rbRecord) Rollback {
	rb := Rollback{Existing: map[int]LeadValues{}, After: map[int]LeadValues{}, Lists: map[int][]int{}, Rows: map[int][]int{}}
	firstPrior := map[int][]int{} // row -> the leads its first lookup matched
	seenRow := map[int]bool{}
	before := map[int]map[string]*string{} // lead -> field -> earliest value read
	beforeAt := map[int]string{}
	touched := map[int][]string{} // lead -> states
	var order []int
	listSeen := map[[2]int]bool{}
	for _, rec := range recs {
		switch rec.Kind {
		case rbPrior:
			for _, m := range rec.Rows {
				if len(m) > 0 && !seenRow[m[0]] {
					seenRow[m[0]] = true
					firstPrior[m[0]] = m[1:]
				}
			}
			for _, l := range rec.Leads {
				vals := before[l.ID]
				if vals == nil {
					vals = map[string]*string{}
					before[l.ID], beforeAt[l.ID] = vals, l.UpdatedAt
				}
				for f, v := range l.Values {
					if _, ok := vals[f]; !ok {
						vals[f] = v
					}
				}
			}
		case rbDone:
			for _, x := range rec.Res {
				row, lead, word := asInt(x[0]), asInt(x[1]), fmt.Sprint(x[2])
				if _, ok := touched[lead]; !ok {
					order = append(order, lead)
				}
				touched[lead] = append(touched[lead], word)
				if !slices.Contains(rb.Rows[lead], row) {
					rb.Rows[lead] = append(rb.Rows[lead], row)
				}
			}
		case rbAfter:
			for _, l := range rec.Leads {
				rb.After[l.ID] = l
			}
		case rbList:
			for _, id := range rec.IDs {
				if k := [2]int{rec.List, id}; !listSeen[k] {
					listSeen[k] = true
					rb.Lists[rec.List] = append(rb.Lists[rec.List], id)
				}
			}
		case rbProgram:
			rb.Programs = append(rb.Programs, ProgramSet{Program: rec.Program, Status: rec.Status, Leads: rec.IDs})
		}
	}
	for _, lead := range order {
		rows := rb.Rows[lead]
		matched, looked := false, false
		for _, row := range rows {
			m, ok := firstPrior[row]
			looked = looked || ok
			matched = matched || slices.Contains(m, lead)
		}
		switch {
		case slices.Contains(touched[lead], "created"):
			rb.Created = append(rb.Created, lead)
		case matched:
			rb.Existing[lead] = LeadValues{ID: lead, UpdatedAt: beforeAt[lead], Values: before[lead]}
		case looked:
			rb.Created = append(rb.Created, lead)
		default:
			rb.Unknown = append(rb.Unknown, lead)
		}
	}
	return rb
}

func asInt(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// readRecords reads a file of JSON lines a line at a time; a last line
// torn by a crash is left out, a damaged line before it is an error.
func readRecords[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	br := bufio.NewReaderSize(f, 64<<10)
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if err == io.EOF {
			return out, nil // a torn last line, if any, is dropped
		}
		if err != nil {
			return nil, err
		}
		var rec T
		if err := json.Unmarshal(raw, &rec); err != nil {
			if _, perr := br.Peek(1); perr == io.EOF {
				return out, nil
			}
			return nil, fmt.Errorf("%s is damaged at line %d", path, line)
		}
		out = append(out, rec)
	}
}
