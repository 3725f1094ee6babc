package job

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/journal"
	"leadsheet/importer/mapping"
	"leadsheet/importer/run"
	"leadsheet/marketo"
)

// Account is where the leads go, as far as the journal is concerned: two
// runs into different instances are different runs.
type Account struct {
	Name     string // the saved account's name, for the history; not part of the journal's key
	API      string // marketo.ProfileSOAP or marketo.ProfileREST
	Endpoint string // SOAP endpoint or REST base URL
	// ForeignKeyField is the REST field standing in for
	// ForeignSysPersonId, for lookups of rows keyed on it.
	ForeignKeyField string
}

// AccountOf names the instance a profile sends to.
func AccountOf(p marketo.Profile) Account {
	if p.API == marketo.ProfileREST {
		return Account{Name: p.Name, API: marketo.ProfileREST, Endpoint: p.REST.BaseURL, ForeignKeyField: p.ForeignSysPersonIDField}
	}
	return Account{Name: p.Name, API: marketo.ProfileSOAP, Endpoint: p.SOAP.Endpoint}
}

// SendOptions say what one send covers and where its record is kept.
type SendOptions struct {
	Client  marketo.Syncer
	Account Account
	Dirs    Dirs
	// Holder names this program in the lock, so a second Leadsheet on the
	// same import can say who holds it ("leadsheet sync", "the Leadsheet window").
	Holder string
	// Only, when set, sends just these sheet rows (a retry of failed rows,
	// the rest after a first batch); nil sends every valid row.
	Only []int
	// FirstBatch sends only the first batch, to check the mapping in
	// Marketo before sending the rest.
	FirstBatch bool
	// RequireResume makes it an error when no stopped run of this import
	// exists.
	RequireResume bool
	// StartOver sets aside an unfinished run of this import (kept beside,
	// renamed) and starts afresh: rows it confirmed are sent again.
	StartOver bool
	// Run tunes the engine (concurrency, limits); Dedup, Journal, Skipped,
	// Rows and KeepJournalOpen are set by Send.
	Run run.RunOptions
	// Bulk tunes Bulk Import, when the settings ask for it (status reads,
	// waits); its Run, Columns, FileName and MaxFileBytes are set by Send.
	Bulk run.BulkOptions
	// Outputs are where the caller will write the results, for the
	// import history.
	Outputs Outputs
}

// journalKey is the identity of this import in the journal.
func (j *Job) journalKey(rep *Report, a Account) journal.JournalKey {
	s := rep.settings
	return journal.JournalKey{FileSHA256: j.sum, Sheet: j.sheet, HeaderRow: j.headerRow, Mapping: s.Mapping,
		API: a.API, Endpoint: a.Endpoint, Dedup: s.Dedup, Settings: s.journalSettings()}
}

// Resumable reports how many rows an earlier, unfinished run of this
// import holds as created or updated, and when it last wrote, without
// opening its journal.
func (j *Job) Resumable(rep *Report, a Account, d Dirs) (confirmed int, since time.Time, ok bool) {
	key := j.journalKey(rep, a)
	n, open, err := journal.PeekJournal(d.Journals(), key)
	if err != nil || !open || n == 0 {
		return 0, time.Time{}, false
	}
	if st, err := os.Stat(filepath.Join(d.Journals(), key.ID()+".journal")); err == nil {
		since = st.ModTime()
	}
	return n, since, true
}

// Preview looks up the key of every row Send would send, changing nothing
// in Marketo, and reports through emit, in sheet order, what Send with
// rep's settings would do to each row: create, update (with each field's
// old and new value), leave alone, or refuse. It reads the sheet again
// checked against pre-flight, as Send does, and costs
// [run.PreviewCost] calls within opts.Run's budget.
func (j *Job) Preview(ctx context.Context, rep *Report, finder marketo.LeadFinder, opts SendOptions, emit func(run.RowPreview)) (run.PreviewTotals, error) {
	if rep.Fatal != nil {
		return run.PreviewTotals{}, rep.Fatal
	}
	if rep.Valid == 0 {
		return run.PreviewTotals{}, &Error{Kind: NothingToSend, Path: j.path}
	}
	if err := j.unchanged(); err != nil {
		return run.PreviewTotals{}, err
	}
	if rep.settings.Partition != "" {
		// Marketo's answer for a person in another partition (refused, or
		// a second lead) is not what a lookup across partitions foresees.
		return run.PreviewTotals{}, &Error{Kind: BadMapping, Path: j.path, Detail: "The preview cannot yet foresee what a partition changes: a person Marketo has in another partition is refused, or created again, not updated. Preview without the partition, or import a few rows first."}
	}
	ro := opts.Run
	ro.Dedup, ro.Mode, ro.FillEmpty, ro.ForeignKeyField = rep.settings.Dedup, rep.settings.Mode, rep.settings.FillEmpty, opts.Account.ForeignKeyField
	tot, err := run.Preview(ctx, finder, j.reread(ctx, rep, opts, false), run.PreviewOptions{Run: ro, Fields: rep.settings.Fields}, emit)
	var je *Error
	switch {
	case err == nil:
		return tot, nil
	case ctx.Err() != nil:
		return tot, ctx.Err() // stopped: not a failure to look up
	case errors.As(err, &je):
		return tot, err
	}
	return tot, &Error{Kind: LookupFailed, Path: j.path, Err: err}
}

// Send sends the rows rep found valid (or the subset opts asks for) and
// reports every row's fate through emit. It checks the file is the one
// pre-flight read, locks and opens the journal (rows an earlier run of the
// same import confirmed are not sent again), and reads the sheet again a
// few batches ahead of the senders, stopping if any batch differs from
// what pre-flight checked. The journal is finished only when every valid
// row of the file is created or updated: a run that ends with failed or
// unsent rows keeps it, so running the same file again sends only those.
func (j *Job) Send(ctx context.Context, rep *Report, opts SendOptions, emit func(importer.Event)) (run.Outcome, error) {
	if rep.Fatal != nil {
		return run.Outcome{}, rep.Fatal
	}
	if rep.Valid == 0 {
		return run.Outcome{}, &Error{Kind: NothingToSend, Path: j.path}
	}
	if err := j.unchanged(); err != nil {
		return run.Outcome{}, err
	}
	if opts.StartOver {
		if err := journal.StartOver(opts.Dirs.Journals(), j.journalKey(rep, opts.Account)); err != nil {
			return run.Outcome{}, journalError(j.path, opts.Dirs.Journals(), err)
		}
	}
	jr, err := journal.OpenJournalAs(opts.Dirs.Journals(), j.journalKey(rep, opts.Account), opts.Holder)
	var busy *journal.JournalBusyError
	if errors.As(err, &busy) {
		return run.Outcome{}, &Error{Kind: Busy, Path: j.path, Err: err, Detail: holderWords(busy)}
	}
	var changed *journal.SettingsChangedError
	if errors.As(err, &changed) {
		return run.Outcome{}, &Error{Kind: SettingsChanged, Path: j.path, Err: err,
			Detail: fmt.Sprintf("%s; now: %s", SettingsWords(changed.Was), SettingsWords(changed.Now))}
	}
	if err != nil {
		return run.Outcome{}, journalError(j.path, opts.Dirs.Journals(), err)
	}
	defer jr.Close()
	j.dropCache()
	if opts.RequireResume && jr.Confirmed()+jr.InFlight() == 0 {
		return run.Outcome{}, &Error{Kind: NoRunToResume, Path: j.path}
	}
	hr, rec, err := j.beginHistory(rep, opts, jr)
	var undone *Error
	if errors.As(err, &undone) {
		return run.Outcome{}, err
	}
	if err != nil {
		return run.Outcome{}, journalError(j.path, opts.Dirs.History().Dir, err)
	}
	if rec != nil {
		defer rec.Close()
	}
	ro := opts.Run
	ro.Dedup, ro.Mode, ro.Journal, ro.KeepJournalOpen = rep.settings.Dedup, rep.settings.Mode, jr, true
	ro.FillEmpty, ro.ForeignKeyField = rep.settings.FillEmpty, opts.Account.ForeignKeyField
	ro.ListID = rep.settings.List.ID
	ro.ProgramID, ro.ProgramStatus = rep.settings.Program.ID, rep.settings.ProgramStatus
	ro.ListOnly, ro.Partition, ro.Fields = rep.settings.ListOnly, rep.settings.Partition, rep.settings.Fields
	ro.Rollback = rec
	if opts.Only == nil && !opts.FirstBatch {
		ro.Skipped, ro.Rows = rep.Skipped, rep.Rows
	}
	var out run.Outcome
	var runErr error
	if rep.settings.Bulk {
		out, runErr = j.sendBulk(ctx, rep, opts, ro, emit)
	} else {
		out, runErr = run.RunStream(ctx, opts.Client, j.reread(ctx, rep, opts, true), ro, emit)
	}
	var se *run.StopError
	if errors.As(runErr, &se) && se.Cause == run.StopSource {
		var changed *Error
		if errors.As(se.Err, &changed) && changed.Kind == Changed {
			return out, &Error{Kind: Changed, Path: j.path, Err: runErr,
				Detail: ChangedWhileSending(j.path, out.Totals, rep.settings.Dedup)}
		}
	}
	finished := runErr == nil && jr.Confirmed() >= rep.Valid && jr.Untargeted(ro.ListID != 0, ro.ProgramID != 0) == 0
	if finished {
		// A failed write only means the next run of this file resumes.
		_ = jr.Finish()
	}
	endHistory(opts.Dirs.History(), hr, out, runErr, finished)
	return out, runErr
}

// sendBulk is Send's step through Bulk Import.
func (j *Job) sendBulk(ctx context.Context, rep *Report, opts SendOptions, ro run.RunOptions, emit func(importer.Event)) (run.Outcome, error) {
	bi, ok := opts.Client.(marketo.BulkImporter)
	if !ok {
		return run.Outcome{}, &Error{Kind: BadMapping, Path: j.path, Detail: rep.settings.bulkProblem(false)}
	}
	bo := opts.Bulk
	bo.Run = ro
	bo.Columns = nil
	for _, t := range rep.settings.Mapping.Columns {
		if t.Kind == importer.ToAttribute {
			bo.Columns = append(bo.Columns, t.Field)
		}
	}
	bo.FileName = strings.TrimSuffix(filepath.Base(j.path), filepath.Ext(j.path))
	bo.MaxFileBytes, bo.LookUp = rep.settings.BulkFileBytes, rep.settings.BulkLookUp
	return run.RunBulk(ctx, bi, j.reread(ctx, rep, opts, true), bo, emit)
}

func journalError(path, dir string, err error) error {
	return &Error{Kind: JournalTrouble, Path: path, Err: err, Detail: dir}
}

// readAhead is how many batches the send step reads ahead of the senders.
const readAhead = 4

// reread is the send step's batch source: it reads the sheet again with a
// fresh validator and checks every batch against pre-flight's digest, so
// what is sent is what was checked. With opts.Only or FirstBatch it cuts
// new batches from the checked ones. It reads to the end even after a
// cancel or a stop when toEnd is set (a send: every remaining row then ends
// NotSent and is listed in the results); a preview stops reading with ctx.
func (j *Job) reread(ctx context.Context, rep *Report, opts SendOptions, toEnd bool) run.BatchSource {
	return func(yield func(importer.Batch)) error {
		ch := make(chan importer.Batch, readAhead)
		var readErr error
		go func() {
			defer close(ch)
			s := rep.settings
			only := slices.Clone(opts.Only)
			slices.Sort(only)
			var sub *run.Batcher
			if only != nil || opts.FirstBatch {
				sub = newBatcher(s, func(b importer.Batch) error {
					if opts.FirstBatch && b.Seq > 0 {
						return nil
					}
					ch <- b
					return nil
				})
			}
			changed := &Error{Kind: Changed, Path: j.path}
			var q Report
			q.ByKey = map[marketo.KeyKind]int{}
			batches := 0
			v := mapping.NewValidator(s.Mapping, s.Fields, s.Dedup, j.values(s))
			readCtx := ctx
			if toEnd {
				readCtx = context.WithoutCancel(ctx)
			}
			_, readErr = j.readRows(readCtx, false, s, v, &q, nil, func(b importer.Batch) error {
				if b.Seq >= len(rep.digests) || digestOf(b) != rep.digests[b.Seq] {
					return changed
				}
				batches++
				if sub == nil {
					ch <- b
					return nil
				}
				for i, row := range b.Rows {
					if only != nil {
						if _, ok := slices.BinarySearch(only, row); !ok {
							continue
						}
					}
					if err := sub.Add(row, b.Leads[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if readErr == nil && (q.Rows != rep.Rows || q.Valid != rep.Valid || batches != len(rep.digests)) {
				readErr = changed
			}
			if readErr == nil && sub != nil {
				readErr = sub.Flush()
			}
		}()
		for b := range ch {
			yield(b)
		}
		return readErr
	}
}
