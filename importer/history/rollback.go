package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"leadsheet/importer"
)

// LeadValues is a lead as a lookup read it: its id, when it last changed
// (Marketo's updatedAt, as Marketo wrote it) and the values of the fields
// asked for, nil for a field empty in Marketo.
type LeadValues struct {
	ID        int                `json:"id"`
	UpdatedAt string             `json:"at"`
	Values    map[string]*string `json:"v,omitempty"`
	// Sum stands for the values in a read after a batch ([Sum] of Names):
	// enough to tell a change, at a few bytes a lead.
	Sum   string   `json:"sum,omitempty"`
	Names []string `json:"-"`
}

// Sum is a short fingerprint of the values of names (sorted), value
// giving each (nil for empty).
func Sum(names []string, value func(name string) *string) string {
	h := fnv.New64a()
	for _, n := range names {
		h.Write([]byte(n))
		if v := value(n); v != nil {
			h.Write([]byte{1})
			h.Write([]byte(*v))
		}
		h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 36)
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
	Kind    string         `json:"k"`
	At      string         `json:"at,omitempty"`    // prior: when the lookup was made (this computer's clock)
	Field   string         `json:"kf,omitempty"`    // prior, done: the field rows were looked up by
	Rows    [][]int        `json:"rows,omitempty"`  // prior: [row, matched lead ids...]
	Keys    map[int]string `json:"keys,omitempty"`  // prior: the key of each row nobody matched; done: of each row with no lead id
	Leads   []LeadValues   `json:"leads,omitempty"` // prior, after
	Names   []string       `json:"names,omitempty"` // after: the fields each lead's Sum is of
	Res     [][3]any       `json:"res,omitempty"`   // done: [row, lead id, state word]
	IDs     []int          `json:"ids,omitempty"`   // list, program
	List    int            `json:"list,omitempty"`
	Program int            `json:"program,omitempty"`
	Status  string         `json:"status,omitempty"`
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

// Prior is what a batch's lookup found, written just before the batch
// is first sent: a lookup whose batch never went out says nothing, and
// the next run's lookup of those rows stands in its place.
type Prior struct {
	At    time.Time
	Field string         // the field the rows were looked up by ("email", "id", a person id field)
	Rows  map[int][]int  // each looked-up row's matched leads, none for a person Marketo did not have
	Keys  map[int]string // the key of each row that matched nobody
	Leads []LeadValues   // the matched leads' values of the fields their rows write
}

// Prior records p.
func (r *Recorder) Prior(p Prior) error {
	rec := rbRecord{Kind: rbPrior, At: p.At.UTC().Format(time.RFC3339Nano), Field: p.Field, Keys: p.Keys, Leads: p.Leads}
	for _, row := range slices.Sorted(maps.Keys(p.Rows)) {
		rec.Rows = append(rec.Rows, append([]int{row}, p.Rows[row]...))
	}
	return r.append(rec)
}

// Touched records Marketo's word on rows: the leads it created or
// updated, and that the others came to an end without a change (refused,
// left alone). A row that may have changed Marketo without a lead id to
// show for it (a lost answer) is recorded with its key, looked up by
// field, so an undo can look for it.
func (r *Recorder) Touched(rs []importer.RowResult, field string, keyOf func(row int) string) error {
	rec := rbRecord{Kind: rbDone, Field: field}
	for _, x := range rs {
		w := touchWord(x.State)
		rec.Res = append(rec.Res, [3]any{x.Row, x.LeadID, w})
		if x.LeadID <= 0 && maybeWord(w) && keyOf != nil {
			if rec.Keys == nil {
				rec.Keys = map[int]string{}
			}
			rec.Keys[x.Row] = keyOf(x.Row)
		}
	}
	if len(rec.Res) == 0 {
		return nil
	}
	return r.append(rec)
}

// After records leads as a batch left them: their updatedAt, and the
// [Sum] of their values of names (sorted), the fields the batch wrote. A
// later change in Marketo is what an undo must not overwrite unasked.
func (r *Recorder) After(names []string, leads []LeadValues) error {
	if len(leads) == 0 {
		return nil
	}
	return r.append(rbRecord{Kind: rbAfter, Names: names, Leads: leads})
}

// Listed records leads the import is about to add to static list listID,
// none of them a member already.
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
	case importer.Unknown:
		return "unknown"
	}
	return "none"
}

// maybeWord reports whether a row's word leaves open that it changed
// Marketo.
func maybeWord(w string) bool { return w == "created-or-updated" || w == "unknown" }

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
	// LookedAt is, by lead the import created, when the first lookup of
	// its rows found nobody: a lead created well before is not the
	// import's.
	LookedAt map[int]time.Time
	standing map[int][]int // lead -> the lookups standing for a row it matched, until fillBefore
	// Maybe are rows that may have changed Marketo with no word of it: an
	// answer lost and never settled (the run gave up, was stopped, or was
	// killed and not resumed).
	Maybe []MaybeRow
}

// MaybeRow is a row that may have changed Marketo, and how to find out.
type MaybeRow struct {
	Row int
	// Leads are the leads its lookup before found, with their values
	// then; none when it found nobody.
	Leads []LeadValues
	Field string    // what Key is a value of, to look the row's person up now
	Key   string    // "" when it cannot be looked up
	At    time.Time // when the row was about to be sent; zero if unknown
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
	path := s.path(id, ".rollback")
	// Two passes over the file, so that the values before the import are
	// held only for the lookups that stand, not for every lookup made.
	var heads []rbRecord
	err := eachLine(path, func(raw []byte) error {
		var h rbHead
		if err := json.Unmarshal(raw, &h); err != nil {
			return err
		}
		heads = append(heads, h.record())
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return Rollback{}, ErrNoRollback
	}
	if err != nil {
		return Rollback{}, fmt.Errorf("read the undo record of run %s: %w", id, err)
	}
	rb, standing := workOut(heads)
	n := -1
	err = eachLine(path, func(raw []byte) error {
		if n++; n >= len(heads) || !standing[n] {
			return nil
		}
		var rec rbRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		heads[n].Leads = rec.Leads
		return nil
	})
	if err != nil {
		return Rollback{}, fmt.Errorf("read the undo record of run %s: %w", id, err)
	}
	rb.fillBefore(heads)
	return rb, nil
}

// ErrNoRollback: the run kept no rollback record.
var ErrNoRollback = errors.New("this run kept no record to undo it from")

// rbHead is a record without the values of its leads, for the first
// pass over a rollback record.
type rbHead struct {
	rbRecord
	Leads []struct {
		ID        int    `json:"id"`
		UpdatedAt string `json:"at"`
		Sum       string `json:"sum,omitempty"`
	} `json:"leads,omitempty"`
}

func (h rbHead) record() rbRecord {
	rec := h.rbRecord
	rec.Leads = make([]LeadValues, len(h.Leads))
	for i, l := range h.Leads {
		rec.Leads[i] = LeadValues{ID: l.ID, UpdatedAt: l.UpdatedAt, Sum: l.Sum}
	}
	return rec
}

// workOut works the record out lead by lead from recs, whose leads' values
// are left out but for the lookups in standing, which [Rollback.fillBefore]
// takes them from.
func workOut(recs []rbRecord) (Rollback, map[int]bool) {
	rb := Rollback{Existing: map[int]LeadValues{}, After: map[int]LeadValues{}, Lists: map[int][]int{}, Rows: map[int][]int{}, LookedAt: map[int]time.Time{}}
	type look struct {
		rec        int // index in recs
		leads      []int
		at         time.Time
		field, key string
	}
	// first is each row's first lookup that a send followed: a row Marketo
	// answered "nothing changed" for (refused, not sent after all) is
	// looked up afresh by the next try, and that lookup stands instead.
	first := map[int]look{}
	answered := map[int]bool{} // rows Marketo gave its word on
	type keyed struct{ field, key string }
	noLead := map[int]keyed{} // rows that may have changed Marketo, with no lead id
	touched := map[int][]string{}
	rowTouched := map[int]bool{}
	var order []int
	listSeen := map[[2]int]bool{}
	for n, rec := range recs {
		switch rec.Kind {
		case rbPrior:
			at, _ := time.Parse(time.RFC3339Nano, rec.At)
			for _, m := range rec.Rows {
				if _, ok := first[m[0]]; len(m) > 0 && !ok {
					first[m[0]] = look{rec: n, leads: m[1:], at: at, field: rec.Field, key: rec.Keys[m[0]]}
				}
			}
		case rbDone:
			for _, x := range rec.Res {
				row, lead, word := asInt(x[0]), asInt(x[1]), fmt.Sprint(x[2])
				answered[row] = true
				if word == "none" {
					if !rowTouched[row] {
						delete(first, row)
						delete(answered, row)
					}
					continue
				}
				if lead <= 0 {
					if maybeWord(word) {
						noLead[row] = keyed{rec.Field, rec.Keys[row]}
					}
					continue
				}
				if word == "unknown" {
					continue
				}
				delete(noLead, row)
				if _, ok := touched[lead]; !ok {
					order = append(order, lead)
				}
				touched[lead] = append(touched[lead], word)
				if !slices.Contains(rb.Rows[lead], row) {
					rb.Rows[lead] = append(rb.Rows[lead], row)
				}
				rowTouched[row] = true
			}
		case rbAfter:
			for _, l := range rec.Leads {
				l.Names = rec.Names
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
	// Each lead's values before the import come from the lookups that
	// stand for a row matching it ([Rollback.fillBefore]).
	rb.standing = map[int][]int{}
	standing := map[int]bool{}
	for _, l := range first {
		standing[l.rec] = true
		for _, id := range l.leads {
			if !slices.Contains(rb.standing[id], l.rec) {
				rb.standing[id] = append(rb.standing[id], l.rec)
			}
		}
	}
	for _, lead := range order {
		matched, looked := false, false
		var lookedAt time.Time
		for _, row := range rb.Rows[lead] {
			l, ok := first[row]
			if !ok {
				continue
			}
			looked = true
			matched = matched || slices.Contains(l.leads, lead)
			if lookedAt.IsZero() || l.at.Before(lookedAt) {
				lookedAt = l.at
			}
		}
		switch {
		case slices.Contains(touched[lead], "created"), !matched && looked:
			rb.Created = append(rb.Created, lead)
			if !lookedAt.IsZero() {
				rb.LookedAt[lead] = lookedAt
			}
		case matched:
			rb.Existing[lead] = LeadValues{ID: lead}
		default:
			rb.Unknown = append(rb.Unknown, lead)
		}
	}
	// Rows sent without Marketo's word, and rows whose word named no lead.
	var maybe []int
	for row := range first {
		if !answered[row] {
			maybe = append(maybe, row)
		}
	}
	for row := range noLead {
		if !slices.Contains(maybe, row) {
			maybe = append(maybe, row)
		}
	}
	slices.Sort(maybe)
	for _, row := range maybe {
		l, looked := first[row]
		m := MaybeRow{Row: row, Field: l.field, Key: l.key, At: l.at}
		if k, ok := noLead[row]; ok && (!looked || m.Key == "" && len(l.leads) == 0) {
			m.Field, m.Key = k.field, k.key
		}
		for _, id := range l.leads {
			m.Leads = append(m.Leads, LeadValues{ID: id})
		}
		rb.Maybe = append(rb.Maybe, m)
	}
	return rb, standing
}

// fillBefore gives the leads of rb.Existing and rb.Maybe their values
// before the import from recs (of which the standing lookups carry their
// leads' values): each field from the earliest lookup that read it among
// those standing for a row matching the lead, which came before any
// batch wrote that field.
func (rb *Rollback) fillBefore(recs []rbRecord) {
	value := func(id int) LeadValues {
		lv := LeadValues{ID: id, Values: map[string]*string{}}
		idx := rb.standing[id]
		slices.Sort(idx)
		for _, n := range idx {
			for _, l := range recs[n].Leads {
				if l.ID != id {
					continue
				}
				if lv.UpdatedAt == "" {
					lv.UpdatedAt = l.UpdatedAt
				}
				for f, v := range l.Values {
					if _, ok := lv.Values[f]; !ok {
						lv.Values[f] = v
					}
				}
			}
		}
		return lv
	}
	for id := range rb.Existing {
		rb.Existing[id] = value(id)
	}
	for i := range rb.Maybe {
		for k := range rb.Maybe[i].Leads {
			rb.Maybe[i].Leads[k] = value(rb.Maybe[i].Leads[k].ID)
		}
	}
	rb.standing = nil
}

func asInt(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// eachLine calls fn with each line of a file of JSON lines, read a line
// at a time; a last line torn by a crash (fn fails on it) is left out, a
// damaged line before it is an error.
func eachLine(path string, fn func(raw []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if err == io.EOF {
			return nil // a torn last line, if any, is dropped
		}
		if err != nil {
			return err
		}
		if err := fn(raw); err != nil {
			if _, perr := br.Peek(1); perr == io.EOF {
				return nil
			}
			return fmt.Errorf("%s is damaged at line %d", path, line)
		}
	}
}

// readRecords reads a file of JSON lines with [eachLine].
func readRecords[T any](path string) ([]T, error) {
	var out []T
	err := eachLine(path, func(raw []byte) error {
		var rec T
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}
