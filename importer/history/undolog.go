package history

import (
	"errors"
	"fmt"
	"io/fs"
	"sync"
)

// Steps of an undo, as its log records them. A "-ing" step is written,
// and synced, before the call that does it, so that a resumed undo knows
// a lead it finds changed was changed by itself.
const (
	StepRestoring = "restoring"
	StepRestored  = "restored"
	StepRemoving  = "removing"
	StepRemoved   = "removed"
	StepDeleting  = "deleting"
	StepDeleted   = "deleted"
	StepFinished  = "finished"
)

type undoRec struct {
	Step string `json:"k"`
	List int    `json:"list,omitempty"`
	IDs  []int  `json:"ids,omitempty"`
}

// UndoState is how far an undo got.
type UndoState struct {
	// Leads by step: a lead restored is in both Restoring and Restored.
	Leads map[string]map[int]bool
	// Lists are, by list, the leads removed (or being removed) from it,
	// by step.
	Lists    map[string]map[[2]int]bool
	Finished bool
}

// Has reports whether lead reached step.
func (s UndoState) Has(step string, lead int) bool { return s.Leads[step][lead] }

// HasList reports whether lead reached step in list.
func (s UndoState) HasList(step string, list, lead int) bool {
	return s.Lists[step][[2]int{list, lead}]
}

// UndoLog is the progress of the undo of one import, appended and synced
// step by step.
type UndoLog struct {
	mu sync.Mutex
	r  *Recorder
	st UndoState
}

// OpenUndoLog opens the progress of the undo of import id, reading what
// an earlier, stopped undo did. The caller holds the undo's lock.
func (s Store) OpenUndoLog(id string) (*UndoLog, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	l := &UndoLog{st: UndoState{Leads: map[string]map[int]bool{}, Lists: map[string]map[[2]int]bool{}}}
	recs, err := readRecords[undoRec](s.path(id, ".undo"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read the undo's progress: %w", err)
	}
	for _, rec := range recs {
		l.replay(rec)
	}
	f, err := openAppend(s.path(id, ".undo"))
	if err != nil {
		return nil, fmt.Errorf("open the undo's progress: %w", err)
	}
	l.r = &Recorder{f: f}
	return l, nil
}

// LockPath is the file an undo of import id locks.
func (s Store) LockPath(id string) string { return s.path(id, ".undo.lock") }

func (l *UndoLog) replay(rec undoRec) {
	if rec.Step == StepFinished {
		l.st.Finished = true
		return
	}
	if rec.List != 0 {
		m := l.st.Lists[rec.Step]
		if m == nil {
			m = map[[2]int]bool{}
			l.st.Lists[rec.Step] = m
		}
		for _, id := range rec.IDs {
			m[[2]int{rec.List, id}] = true
		}
		return
	}
	m := l.st.Leads[rec.Step]
	if m == nil {
		m = map[int]bool{}
		l.st.Leads[rec.Step] = m
	}
	for _, id := range rec.IDs {
		m[id] = true
	}
}

// State is what the log holds; the caller must not change it.
func (l *UndoLog) State() UndoState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.st
}

// Mark records that leads (of list, for the list steps; 0 otherwise)
// reached step.
func (l *UndoLog) Mark(step string, list int, leads []int) error {
	if len(leads) == 0 && step != StepFinished {
		return nil
	}
	rec := undoRec{Step: step, List: list, IDs: leads}
	if err := l.r.appendAny(rec); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.replay(rec)
	return nil
}

// Close closes the log.
func (l *UndoLog) Close() error { return l.r.Close() }
