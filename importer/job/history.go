package job

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"leadsheet/importer/history"
	"leadsheet/importer/journal"
	"leadsheet/importer/run"
	"leadsheet/marketo"
)

// History is the record of every import run on this computer.
func (d Dirs) History() history.Store { return history.Store{Dir: filepath.Join(d.Root, "history")} }

// who names the person and computer running Leadsheet, for the history.
func who() string {
	name := "someone"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if host, err := os.Hostname(); err == nil && host != "" {
		name += " on " + host
	}
	return name
}

// beginHistory records in the history that this run of the import
// started (or resumed: a resume carries on the same entry) and opens its
// rollback record, for a REST run through Sync Leads. The record is nil
// for a run no undo can take back.
func (j *Job) beginHistory(rep *Report, opts SendOptions, jr *journal.Journal) (history.Run, *history.Recorder, error) {
	store := opts.Dirs.History()
	s := rep.settings
	hr, err := store.Get(jr.RunID())
	if err != nil {
		if !errors.Is(err, history.ErrNoRun) {
			return history.Run{}, nil, err
		}
		hr = history.Run{ID: jr.RunID(), Kind: history.KindImport, Started: time.Now().UTC()}
	}
	if hr.UndoneBy != "" {
		return history.Run{}, nil, &Error{Kind: Undone, Path: j.path, Detail: "leadsheet history show " + hr.UndoneBy}
	}
	hr.Journal = j.journalKey(rep, opts.Account).ID()
	// Paths as the operator will need them weeks later, from any folder.
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	hr.File, hr.FileSHA256, hr.Sheet, hr.HeaderRow, hr.Mapping = abs(j.path), j.sum, j.sheet, j.headerRow, s.Mapping
	hr.Account, hr.API, hr.Endpoint, hr.Dedup = opts.Account.Name, opts.Account.API, opts.Account.Endpoint, s.Dedup
	hr.Settings = SettingsWords(s.journalSettings())
	hr.List, hr.Program = s.List.Name, ""
	if s.Program.ID != 0 {
		hr.Program = s.Program.Name
		if s.ProgramStatus != "" {
			hr.Program += " (" + s.ProgramStatus + ")"
		}
	}
	hr.Ended, hr.Outcome, hr.User, hr.Frontend = time.Time{}, "", who(), opts.Holder
	if opts.Outputs.Results != "" {
		hr.Results, hr.Failures = abs(opts.Outputs.Results), abs(opts.Outputs.Failures)
	}
	_, finder := opts.Client.(marketo.LeadFinder)
	rest := strings.EqualFold(opts.Account.API, marketo.ProfileREST) && finder && !s.Bulk
	hr.Undoable = hr.Undoable || rest
	if err := store.Save(hr); err != nil {
		return history.Run{}, nil, err
	}
	if !rest {
		return hr, nil, nil
	}
	rec, err := store.OpenRecorder(hr.ID)
	if err != nil {
		return history.Run{}, nil, err
	}
	return hr, rec, nil
}

// endHistory records how the run ended.
func endHistory(store history.Store, hr history.Run, out run.Outcome, runErr error, finished bool) {
	hr.Ended, hr.Totals = time.Now().UTC(), out.Totals
	switch {
	case finished:
		hr.Outcome = history.OutcomeFinished
	case runErr != nil:
		hr.Outcome = "stopped: " + run.Summary(out.Totals)
	default:
		hr.Outcome = "unfinished: " + run.Summary(out.Totals)
	}
	// The history is the operator's record, not the import's safety: a
	// failed write leaves the entry as it started.
	_ = store.Save(hr)
}

// RunAccount names the account a run went to: its saved name, else its
// address.
func RunAccount(r history.Run) string {
	if r.Account != "" {
		return r.Account
	}
	return r.Endpoint
}

// RunOutcome says in a few words how a run ended, for a list of runs;
// each front end adds its own way to carry on a run that did not end
// ([history.Run.Outcome] empty).
func RunOutcome(r history.Run) string {
	var out string
	switch {
	case r.Outcome == "":
		out = "not ended: still running, or killed"
	case r.Finished():
		out = history.OutcomeFinished + ": " + run.Summary(r.Totals)
	default:
		out = r.Outcome
	}
	if r.Kind == history.KindUndo {
		out = "undo of " + r.UndoOf + ": " + out
	}
	return out
}

// UndoCheck is what an undo of one import would do, for the operator to
// confirm.
type UndoCheck struct {
	Run  history.Run
	Plan run.UndoPlan
}

// checkUndoable refuses, in the operator's words, an undo that cannot be.
func checkUndoable(hr history.Run, a Account) error {
	switch {
	case hr.Kind == history.KindUndo:
		return &UndoError{ID: hr.ID, Why: fmt.Sprintf(msgUndoOfUndo, hr.UndoOf)}
	case !hr.Undoable:
		return &UndoError{ID: hr.ID, Why: msgNotUndoable}
	case !sameEndpoint(hr.Endpoint, a.Endpoint):
		return &UndoError{ID: hr.ID, Why: fmt.Sprintf(msgUndoOtherAccount, hr.Endpoint, a.Endpoint)}
	}
	return nil
}

func sameEndpoint(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

// UndoError: the undo cannot be done, and why.
type UndoError struct {
	ID  string
	Why string
	Err error
}

func (e *UndoError) Error() string { return fmt.Sprintf("Import %s cannot be undone: %s", e.ID, e.Why) }
func (e *UndoError) Unwrap() error { return e.Err }

// Operator wording for undo refusals.
const (
	msgUndoOfUndo       = "it is itself the undo of import %s, and an undo is not undone"
	msgNotUndoable      = "it was sent through Bulk Import or SOAP, which leave no record of the values they replaced. Only imports through REST Sync Leads can be undone."
	msgUndoOtherAccount = "it went to %s, and the account chosen is %s. Choose the account it went to."
	msgUndoBusy         = "it is being undone already (%s). Wait for that to end."
	msgImportRunning    = "it is still running (%s). Stop it, or wait for it to end, first."
)

// PlanUndo works out what undoing import id would do, looking its leads
// up in Marketo through c (within ro's budget), without changing
// anything.
func PlanUndo(ctx context.Context, d Dirs, id string, c marketo.Syncer, a Account, ro run.RunOptions) (UndoCheck, error) {
	store := d.History()
	hr, err := store.Get(id)
	if err != nil {
		return UndoCheck{}, err
	}
	if err := checkUndoable(hr, a); err != nil {
		return UndoCheck{}, err
	}
	finder, ok := c.(marketo.LeadFinder)
	if !ok {
		return UndoCheck{}, &UndoError{ID: id, Why: msgNotUndoable}
	}
	rb, err := store.ReadRollback(id)
	if err != nil {
		return UndoCheck{}, &UndoError{ID: id, Why: msgNotUndoable, Err: err}
	}
	var st history.UndoState
	if log, err := store.OpenUndoLog(id); err == nil {
		st = log.State()
		log.Close()
	}
	plan, err := run.PlanUndo(ctx, finder, rb, st, ro)
	if err != nil {
		return UndoCheck{}, &Error{Kind: LookupFailed, Path: hr.File, Err: err}
	}
	return UndoCheck{Run: hr, Plan: plan}, nil
}

// UndoOptions say how an undo runs.
type UndoOptions struct {
	Account Account
	Dirs    Dirs
	Holder  string // who holds the undo's lock, as in [SendOptions]
	Force   bool   // also take back leads changed in Marketo since
	Run     run.RunOptions
}

// UndoResult is how an undo ended.
type UndoResult struct {
	Check   UndoCheck // the plan it carried out
	Outcome run.UndoOutcome
	Results string // the CSV of what became of each lead
}

// Undo takes import id back: it locks the undo (one at a time, across
// processes), plans it again under the lock, carries it out, writes what
// became of each lead to a CSV in the history folder, and records the
// undo in the history. A stopped undo resumes where it stopped.
func Undo(ctx context.Context, id string, c marketo.Syncer, opts UndoOptions, emit func([]run.UndoRow)) (UndoResult, error) {
	store := opts.Dirs.History()
	if err := os.MkdirAll(store.Dir, 0o700); err != nil {
		return UndoResult{}, fmt.Errorf("create the history folder: %w", err)
	}
	hr, err := store.Get(id)
	if err != nil {
		return UndoResult{}, err
	}
	if err := checkUndoable(hr, opts.Account); err != nil {
		return UndoResult{}, err
	}
	unlock, err := journal.Lock(store.LockPath(id), opts.Holder)
	var busy *journal.JournalBusyError
	if errors.As(err, &busy) {
		return UndoResult{}, &UndoError{ID: id, Why: fmt.Sprintf(msgUndoBusy, holderWords(busy)), Err: err}
	}
	if err != nil {
		return UndoResult{}, journalError(hr.File, store.Dir, err)
	}
	defer unlock()
	if err := importIdle(opts.Dirs, hr); err != nil {
		return UndoResult{}, err
	}
	log, err := store.OpenUndoLog(id)
	if err != nil {
		return UndoResult{}, journalError(hr.File, store.Dir, err)
	}
	defer log.Close()
	rb, err := store.ReadRollback(id)
	if err != nil {
		return UndoResult{}, &UndoError{ID: id, Why: msgNotUndoable, Err: err}
	}
	finder, ok := c.(marketo.LeadFinder)
	if !ok {
		return UndoResult{}, &UndoError{ID: id, Why: msgNotUndoable}
	}
	plan, err := run.PlanUndo(ctx, finder, rb, log.State(), opts.Run)
	if err != nil {
		return UndoResult{}, &Error{Kind: LookupFailed, Path: hr.File, Err: err}
	}
	ur := history.Run{ID: id + "-undo", Kind: history.KindUndo, UndoOf: id, File: hr.File, FileSHA256: hr.FileSHA256,
		Sheet: hr.Sheet, Account: opts.Account.Name, API: opts.Account.API, Endpoint: opts.Account.Endpoint,
		Started: time.Now().UTC(), User: who(), Frontend: opts.Holder}
	if old, err := store.Get(ur.ID); err == nil {
		ur.Started = old.Started
	}
	ur.Results = filepath.Join(store.Dir, id+"-undo.csv")
	if err := store.Save(ur); err != nil {
		return UndoResult{}, journalError(hr.File, store.Dir, err)
	}
	hr.UndoneBy = ur.ID
	_ = store.Save(hr)
	csvOut, werr := newUndoResults(ur.Results)
	out, runErr := run.Undo(ctx, c, plan, run.UndoOptions{Run: opts.Run, Log: log, Force: opts.Force}, func(rows []run.UndoRow) {
		csvOut.rows(rows)
		if emit != nil {
			emit(rows)
		}
	})
	res := UndoResult{Check: UndoCheck{Run: hr, Plan: plan}, Outcome: out, Results: ur.Results}
	if werr == nil {
		werr = csvOut.close(plan)
	}
	ur.Ended = time.Now().UTC()
	ur.Outcome = UndoSummary(out)
	if runErr != nil {
		ur.Outcome = "stopped: " + ur.Outcome
	} else if log.State().Finished {
		ur.Outcome = history.OutcomeFinished + ": " + ur.Outcome
	}
	_ = store.Save(ur)
	if runErr != nil {
		return res, runErr
	}
	if werr != nil {
		return res, &Error{Kind: BadResults, Path: ur.Results, Detail: "the undo is done, but what became of each lead could not be written", Err: werr}
	}
	return res, nil
}

// importIdle refuses an undo while the import it takes back is running:
// its journal's lock is held by a run of that import.
func importIdle(d Dirs, hr history.Run) error {
	if hr.Journal == "" {
		return nil
	}
	unlock, err := journal.Lock(filepath.Join(d.Journals(), hr.Journal+".lock"), "")
	var busy *journal.JournalBusyError
	switch {
	case errors.As(err, &busy):
		if id, _ := journal.PeekRunID(filepath.Join(d.Journals(), hr.Journal+".journal")); id == hr.ID {
			return &UndoError{ID: hr.ID, Why: fmt.Sprintf(msgImportRunning, holderWords(busy)), Err: err}
		}
		return nil
	case err != nil:
		return nil
	}
	return unlock()
}

// UndoSummary says in a line what an undo did.
func UndoSummary(o run.UndoOutcome) string {
	parts := []string{fmt.Sprintf("%d restored", o.Restored), fmt.Sprintf("%d deleted", o.Deleted), fmt.Sprintf("%d removed from lists", o.Removed)}
	if o.Refused > 0 {
		parts = append(parts, fmt.Sprintf("%d left alone", o.Refused))
	}
	if o.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", o.Failed))
	}
	return strings.Join(parts, ", ")
}

// UndoPlanWords says what an undo will do, a line each, for the
// operator to confirm.
func UndoPlanWords(p run.UndoPlan, force bool) []string {
	var out []string
	add := func(n int, format string) {
		if n > 0 {
			out = append(out, fmt.Sprintf(format, n, plural(n)))
		}
	}
	add(len(p.Restore), "%d lead%s set back to the values it had before the import")
	add(len(p.Delete), "%d lead%s the import created will be deleted from Marketo")
	changed := map[int]bool{}
	for _, l := range p.Changed {
		changed[l.ID] = !force
	}
	memberships := 0
	for _, ids := range p.Remove {
		for _, id := range ids {
			if !changed[id] {
				memberships++
			}
		}
	}
	add(memberships, "%d list membership%s the import added will be removed")
	if force {
		add(len(p.Changed), "%d lead%s changed in Marketo since the import will be taken back too, losing those changes")
	} else {
		add(len(p.Changed), "%d lead%s changed in Marketo since the import will be left alone (undo changed leads too to take them back)")
	}
	add(len(p.Gone), "%d lead%s no longer in Marketo: nothing to take back")
	add(len(p.Unknown), "%d lead%s Leadsheet cannot tell whether the import created will be left alone")
	statuses := 0
	for _, ps := range p.Programs {
		statuses += len(ps.Leads)
	}
	if statuses > 0 {
		out = append(out, fmt.Sprintf("%d program status%s cannot be moved back: Marketo only moves a member's status forward. Those leads are listed in the undo's results.",
			statuses, map[bool]string{true: "", false: "es"}[statuses == 1]))
	}
	add(p.Done, "%d step%s done already by an undo that stopped")
	if len(out) == 0 {
		return append(out, "Nothing to take back: Marketo holds nothing this import changed.")
	}
	if n := undoCalls(p, force); n > 0 {
		out = append(out, fmt.Sprintf("It takes about %d API call%s of your instance's daily quota.", n, plural(n)))
	}
	return out
}

// undoCalls is what carrying p out costs: a call per 300 leads read again
// right before (the plan is made afresh once the undo holds its lock,
// so a change made while the operator read it is not overwritten), and
// per 300 leads restored, deleted, or taken out of each list.
func undoCalls(p run.UndoPlan, force bool) int {
	per := func(n int) int { return (n + marketo.MaxBatch - 1) / marketo.MaxBatch }
	reread := per(len(p.Restore) + len(p.Delete) + len(p.Changed) + len(p.Gone))
	restore, del := len(p.Restore), len(p.Delete)
	if force {
		for _, l := range p.Changed {
			if l.Delete {
				del++
			} else {
				restore++
			}
		}
	}
	n := reread + per(restore) + per(del)
	for _, ids := range p.Remove {
		n += per(len(ids))
	}
	return n
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// undoResults writes what became of each lead as the undo goes, to a
// temporary file renamed into place at the end.
type undoResults struct {
	path string
	f    *os.File
	w    *csv.Writer
}

func newUndoResults(path string) (*undoResults, error) {
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return &undoResults{}, err
	}
	u := &undoResults{path: path, f: f, w: csv.NewWriter(f)}
	_ = u.w.Write([]string{"Marketo Lead ID", "Sheet rows", "Static list", "Outcome", "Reason"})
	return u, nil
}

func joinRows(rs []int) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = strconv.Itoa(r)
	}
	return strings.Join(s, " ")
}

// rows writes rows; a write that fails shows at close.
func (u *undoResults) rows(rows []run.UndoRow) {
	if u.w == nil {
		return
	}
	for _, x := range rows {
		list := ""
		if x.List != 0 {
			list = strconv.Itoa(x.List)
		}
		_ = u.w.Write([]string{leadWords(x.Lead), joinRows(x.Rows), list, x.Outcome, x.Reason})
	}
}

func leadWords(id int) string {
	if id == 0 {
		return ""
	}
	return strconv.Itoa(id)
}

// close adds the leads plan found gone and the program statuses no undo
// can take back, and puts the file in place.
func (u *undoResults) close(plan run.UndoPlan) error {
	for _, l := range plan.Gone {
		_ = u.w.Write([]string{leadWords(l.ID), joinRows(l.Rows), "", run.UndoRefused, l.Why})
	}
	for _, ps := range plan.Programs {
		for _, id := range ps.Leads {
			_ = u.w.Write([]string{strconv.Itoa(id), "", "", "program status kept",
				fmt.Sprintf("Still at %q in program %d: Marketo cannot move a member's status back.", ps.Status, ps.Program)})
		}
	}
	u.w.Flush()
	err := u.w.Error()
	if cerr := u.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(u.f.Name(), u.path)
	}
	if err != nil {
		os.Remove(u.f.Name())
	}
	return err
}
