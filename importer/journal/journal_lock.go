package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// ErrJournalBusy is what a [*JournalBusyError] is: another run holds the
// journal of this import.
var ErrJournalBusy = errors.New("this import is already running")

// JournalBusyError says that another run, in this process or another, has
// the journal open: two runs of one import would send each other's rows
// again, which with dedup off creates duplicate leads.
type JournalBusyError struct {
	PID    int       // the holder's process ID; 0 if it left no note
	Holder string    // what the holder is, e.g. "leadsheet sync"; may be empty
	Since  time.Time // when it opened the journal; zero if unknown
}

func (e *JournalBusyError) Error() string {
	if e.PID == 0 {
		return "This import is already running in another Leadsheet window or leadsheet sync. " +
			"Let it finish, or stop it there, then try again."
	}
	who := e.Holder
	if who == "" {
		who = "another Leadsheet"
	}
	since := ""
	if !e.Since.IsZero() {
		since = ", started " + e.Since.Local().Format("2 Jan 2006 15:04")
	}
	return fmt.Sprintf("This import is already running in %s (process %d%s). "+
		"Let it finish, or stop it there, then try again.", who, e.PID, since)
}

func (e *JournalBusyError) Is(target error) bool { return target == ErrJournalBusy }

// lockNote is the holder's note in a journal's lock file. The OS lock is
// what counts: the note is only read to name the holder to a run that was
// refused, so a note a dead process left behind misleads nobody.
type lockNote struct {
	PID    int    `json:"pid"`
	Holder string `json:"holder,omitempty"`
	Since  string `json:"since"`
}

// journalLock is an OS lock on one journal, which the OS drops when the
// holder closes it or dies.
type journalLock struct{ f *os.File }

// lockJournal takes the lock in the file at path without waiting, and
// leaves a note there naming holder.
func lockJournal(path, holder string) (*journalLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal lock: %w", err)
	}
	busy, err := tryLockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock journal %s: %w", path, err)
	}
	if busy {
		defer f.Close()
		return nil, busyError(f)
	}
	l := &journalLock{f}
	if err := l.writeNote(holder); err != nil {
		l.release()
		return nil, fmt.Errorf("write journal lock %s: %w", path, err)
	}
	return l, nil
}

func (l *journalLock) writeNote(holder string) error {
	note, err := json.Marshal(lockNote{PID: os.Getpid(), Holder: holder, Since: time.Now().UTC().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	_, err = l.f.WriteAt(note, 0)
	return err
}

// busyError reads the holder's note from f. A holder that has only just
// taken the lock may not have written it yet: the error then names no one.
func busyError(f *os.File) error {
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	var n lockNote
	if err != nil || json.Unmarshal(b, &n) != nil {
		return &JournalBusyError{}
	}
	since, _ := time.Parse(time.RFC3339, n.Since)
	return &JournalBusyError{PID: n.PID, Holder: n.Holder, Since: since}
}

func (l *journalLock) release() error {
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("release journal lock: %w", err)
	}
	return nil
}

// Lock takes the lock a journal takes, in the file at path, for another
// record that one process at a time may write (an undo's progress). It
// does not wait: a held lock is a [*JournalBusyError] naming holder's
// note. The OS drops the lock when the process dies.
func Lock(path, holder string) (unlock func() error, err error) {
	l, err := lockJournal(path, holder)
	if err != nil {
		return nil, err
	}
	return l.release, nil
}
