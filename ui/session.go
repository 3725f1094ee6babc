package ui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/history"
	"leadsheet/importer/job"
	"leadsheet/importer/mapping"
	"leadsheet/importer/run"
	"leadsheet/marketo"
	"leadsheet/ui/viewmodel"
)

// session ties the steps to the import job: the latest pre-flight report
// for the open sheet and mapping, and the background check that makes it.
type session struct {
	pre         *viewmodel.Preflight
	preFor      *viewmodel.FileModel
	cancelCheck context.CancelFunc
	checkDone   chan struct{} // closed once the background check no longer uses the workbook
	checked     atomic.Int64  // rows the running check has read, for its progress line

	// What changed while a run was going, to redo once it ends: the plan
	// is not rebuilt under a run, since the new plan would open the same
	// journal the run is appending to.
	staleConn, stalePlan bool

	// stopPreview stops the Sync step's preview, if one runs, and waits
	// until it no longer reads the workbook.
	stopPreview func()

	// reopen is a run of the history opened again: while the file, sheet
	// and header row are the ones it ran with, the mapping is its own.
	reopen *history.Run
}

// stopRead cancels the background check and preview, if any, and waits
// until they no longer use the workbook, so the workbook may be closed.
func (s *session) stopRead() {
	s.stopCheck()
	if s.stopPreview != nil {
		s.stopPreview()
	}
}

// stopCheck cancels the background check, if any, and waits for it.
func (s *session) stopCheck() {
	if s.cancelCheck != nil {
		s.cancelCheck()
		s.cancelCheck = nil
	}
	if s.checkDone != nil {
		<-s.checkDone
		s.checkDone = nil
	}
}

// dirs is where journals and presets live: the folder shared with
// `leadsheet sync`, or the app's own storage when none was given (tests).
func (ui *App) dirs() job.Dirs {
	if ui.opts.Dirs.Root != "" {
		return ui.opts.Dirs
	}
	return job.Dirs{Root: ui.fyne.Storage().RootURI().Path()}
}

// fileChanged is called when the file, sheet or header row changes: the
// mapping is redone and pre-flight runs again.
func (ui *App) fileChanged(m *viewmodel.FileModel) {
	s := &ui.sess
	s.stopRead()
	s.pre, s.preFor = nil, nil
	ui.remap()
	if m.Ready() {
		ui.mappingChanged()
	}
}

// connChanged is called when the account changes or its field list arrives.
func (ui *App) connChanged(c *connection) {
	ui.mapping.target.connChanged(c)
	if ui.sync.running {
		ui.sess.staleConn = true
		return
	}
	if ui.file.model != nil {
		ui.remap()
		ui.mappingChanged()
	}
}

func (ui *App) fields() []marketo.Field {
	if c := ui.accounts.conn; c != nil && c.fields != nil {
		return c.fields
	}
	return nil
}

// remap builds the mapping for the current header: a saved preset for the
// same headers if there is one, else the automatic mapping.
func (ui *App) remap() {
	f := ui.file.model
	if f == nil || !f.Ready() {
		ui.mapping.setModel(nil)
		ui.sync.setPlan(nil)
		return
	}
	m := viewmodel.NewMapModel(f.Header, f.Preview, ui.fields())
	m.KeepChoices(ui.mapping.model)
	if r := ui.sess.reopen; r != nil && r.File == f.Path && r.Sheet == f.Sheet && r.HeaderRow == f.HeaderRow {
		m.ApplyRun(*r)
	} else if p, ok, err := mapping.FindPreset(ui.dirs().Presets(), f.Header.Names); err == nil && ok {
		m.ApplyPreset(p)
	}
	if t := ui.mapping.target.model; !t.ProgramOn || !t.FromColumn {
		m.SetStatusColumn(-1) // only the Target section makes a column the member status
	}
	ui.mapping.setModel(m)
	ui.mapping.refreshPresets()
}

// checkProgressEvery is how often the Map step's "checking rows" line is
// redrawn while pre-flight reads a big sheet.
const checkProgressEvery = 250 * time.Millisecond

// mappingChanged re-runs pre-flight in the background, cancelling the one
// still reading, and rebuilds the sync plan when it is done. The window
// keeps one compact line per row, never the cells.
func (ui *App) mappingChanged() {
	s := &ui.sess
	mm, f := ui.mapping.model, ui.file.model
	if mm == nil || f == nil || !f.Ready() {
		ui.mapping.setPreflight(nil)
		ui.sync.setPlan(nil)
		return
	}
	if ui.sync.running {
		s.stalePlan = true
		return
	}
	// A stopped preview reads the sheet to its end: the new check waits
	// for it in the background rather than the window waiting.
	s.stopCheck()
	previewing := ui.sync.preview.halt()
	s.pre, s.preFor = nil, nil
	ui.mapping.setPreflight(nil)
	ui.sync.setPlan(nil)
	settings := ui.settings(mm)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.cancelCheck, s.checkDone = cancel, done
	s.checked.Store(0)
	j := f.Job()
	go every(checkProgressEvery, done, func() {
		n := s.checked.Load()
		ui.opts.Do(func() {
			if s.checkDone == done {
				ui.mapping.showChecking(int(n))
			}
		})
	})
	go func() {
		if previewing != nil {
			<-previewing
		}
		rows := &viewmodel.Rows{} // copies each key, so no row's cells stay alive
		rep, err := j.Check(ctx, settings, func(rc job.RowCheck) {
			r := viewmodel.SyncRow{Row: rc.Row, Key: rc.Key}
			if rc.Invalid {
				r.State, r.Reason = importer.Skipped, rc.Reason
			}
			rows.Add(r)
			s.checked.Add(1)
		})
		close(done)
		if ctx.Err() != nil {
			return
		}
		ui.opts.Do(func() {
			if s.checkDone != done || ui.file.model != f || ui.mapping.model != mm {
				return
			}
			s.cancelCheck, s.checkDone = nil, nil
			if err != nil {
				ui.file.fail(viewmodel.OpenTrouble(f.Path, err))
				return
			}
			s.pre, s.preFor = viewmodel.NewPreflight(rep, rows), f
			f.DataRows = rep.Rows
			ui.file.summary.SetText(f.Summary())
			ui.file.showNotes(f.FileNotes(rep.Notes))
			ui.preflightDone()
		})
	}()
}

// settings are the job's view of the Map step.
func (ui *App) settings(mm *viewmodel.MapModel) job.Settings {
	api := ""
	if c := ui.accounts.conn; c != nil {
		api = c.acct.API
	}
	// A copy of the mapping: the choosers keep editing theirs on the Fyne
	// goroutine while the check reads this one in the background.
	m := mm.Mapping
	m.Headers, m.Columns = slices.Clone(m.Headers), slices.Clone(m.Columns)
	m.ClearBlanks, m.Ticks = mm.ClearBlanks, mm.TickColumns()
	s := job.Settings{Mapping: m, Origins: mm.Origins(), Fields: ui.fields(), Dedup: mm.Dedup, BatchSize: mm.BatchSize, API: api,
		Mode: mm.Mode, FillEmpty: mm.FillEmpty, Values: mm.Values, Bulk: mm.Bulk}
	ui.mapping.target.model.Apply(&s)
	return s
}

// preflightDone shows a finished pre-flight and builds the sync plan.
func (ui *App) preflightDone() {
	pre, mm := ui.sess.pre, ui.mapping.model
	ui.mapping.setPreflight(pre)
	if !ui.done[stepMap] {
		ui.sync.setPlan(nil)
		return
	}
	ui.sync.setPlan(ui.buildPlan(mm, pre))
	if ui.opts.AutoSync && ui.sync.plan != nil && ui.accounts.conn != nil && ui.accounts.conn.fields != nil {
		ui.opts.AutoSync = false
		ui.show(stepSync)
		ui.sync.onStart()
	}
}

// buildPlan turns the pre-flight report into what the Sync step runs.
func (ui *App) buildPlan(mm *viewmodel.MapModel, pre *viewmodel.Preflight) *SyncPlan {
	conn := ui.accounts.conn
	rep := pre.Report
	if pre.Sendable == 0 || rep.Fatal != nil {
		return nil
	}
	// The plan holds the job as it is now: the run and the results
	// workbook must not follow a later change of file, sheet or header.
	j := ui.file.model.Job()
	dirs := ui.dirs()
	// The plan's table takes over the report's rows rather than copying
	// them: every mapping change checks the sheet again anyway.
	plan := &SyncPlan{Rows: pre.Rows, Batches: rep.Batches(), Dedup: mm.Dedup, KeyName: rep.KeyColumn(), Bulk: rep.Settings().Bulk}
	pre.Rows = nil
	tv := ui.mapping.target
	col, header := tv.statusColumn()
	plan.Target = tv.model.Plan(header)
	var (
		acct   job.Account
		limits run.RunOptions
	)
	if conn == nil {
		plan.Blocked = "Choose a Marketo account (top right) to sync these rows, or try the local sandbox."
	} else {
		acct = conn.acct
		limits = runOptions(conn.budget)
		plan.Share = conn.budget.Share()
		if finder, ok := conn.client.(marketo.LeadFinder); ok {
			// The preview reads the report Start sends, so it shows what
			// Start would do with exactly these settings.
			plan.PreviewCalls = run.PreviewCost(rep.Batches(), rep.Settings().Dedup)
			plan.Preview = func(ctx context.Context, emit func(run.RowPreview)) (run.PreviewTotals, error) {
				return j.Preview(ctx, rep, finder, job.SendOptions{Account: acct, Run: limits}, emit)
			}
		}
		confirmed := 0
		if n, since, ok := j.Resumable(rep, acct, dirs); ok {
			when := "earlier"
			if !since.IsZero() {
				when = since.Format("2 Jan 15:04")
			}
			plan.Resume = &ResumeOffer{Confirmed: n, When: when}
			confirmed = n
		}
		if conn.fields != nil {
			// Only now is the plan final for this account: one made before
			// its field list arrived is replaced as soon as it does.
			plan.Quota = quotaCheck(j, rep, conn, confirmed)
		}
		if missing := tv.model.Missing(col); missing != "" {
			plan.Blocked = missing
		}
	}
	// A new list is made at the first Start, then imported into by every
	// run of this plan: Send the rest and Retry must not make it again.
	newList, folder, chosen := rep.Settings().List, tv.model.Folder, tv.model
	var made marketo.StaticList
	var outputs job.Outputs
	plan.Run = func(ctx context.Context, req RunRequest, emit func(importer.Event)) error {
		if conn == nil {
			return fmt.Errorf("choose a Marketo account first (top right), or use the local sandbox")
		}
		outputs = j.Outputs("", time.Now())
		if err := j.CheckOutputs(outputs); err != nil {
			return err
		}
		rep := rep
		if newList.ID == 0 && newList.Name != "" {
			if made.ID == 0 {
				t, ok := conn.client.(marketo.Targeter)
				if !ok {
					return errors.New(viewmodel.TargetNeedsREST)
				}
				l, err := job.NewListIn(ctx, t, newList.Name, folder)
				if err != nil {
					return err
				}
				made = l
				ui.opts.Do(func() { tv.listCreated(chosen, l) })
			}
			rep = rep.IntoList(made)
		}
		if l := rep.Settings().List; l.Name != "" {
			outputs.List = l.Name
		}
		outputs.Program = plan.Target.ProgramOutput()
		only := req.Rows
		if len(only) >= rep.Valid && !req.FirstBatch {
			only = nil // every valid row: stream the sheet's batches as checked
		}
		// The live table keeps every row's state from the events.
		ro := limits
		ro.ResultsFromEvents = true
		_, err := j.Send(ctx, rep, job.SendOptions{Client: conn.client, Account: acct, Dirs: dirs, Holder: windowHolder,
			Only: only, FirstBatch: req.FirstBatch, StartOver: req.StartOver, Run: ro, Outputs: outputs,
			Bulk: run.BulkOptions{PollFirst: ui.opts.BulkPoll}}, emit)
		if errors.Is(err, context.Canceled) {
			err = nil // the table says which rows were not sent
		}
		var je *job.Error
		if errors.As(err, &je) && je.Kind == job.SettingsChanged {
			outputs = job.Outputs{} // nothing was sent: no results workbook to write
		}
		return err
	}
	plan.Export = func(results []importer.RowResult) (string, error) {
		if outputs.Results == "" {
			return "", nil
		}
		files, err := j.WriteResults(context.Background(), outputs, results)
		return files.Results, err
	}
	return plan
}

// runOptions are the engine's limits for an account's budget, as
// `leadsheet sync` sets them.
func runOptions(b marketo.Budget) run.RunOptions {
	e := b.Effective()
	return run.RunOptions{Concurrency: e.Concurrency, CallsPerWindow: e.CallsPer20s}
}

// quotaCheck estimates, as `leadsheet sync` does before its first sync
// call, what sending rep costs against the instance's daily quota: today's
// usage is read from Marketo where the API tells it (REST). For a large
// sheet sent with Sync Leads it also says what Bulk Import would cost. It
// runs off the Fyne goroutine, once per plan.
func quotaCheck(j *job.Job, rep *job.Report, conn *connection, confirmed int) QuotaFunc {
	return func(ctx context.Context) QuotaCheck {
		used := -1 // unknown: the estimate counts the whole quota as left, and says so
		if ur, ok := conn.client.(marketo.UsageReader); ok {
			if u, err := ur.UsageToday(ctx); err == nil {
				used = u.Total
			}
		}
		now := time.Now()
		return QuotaCheck{Quota: j.Estimate(rep, confirmed, used, conn.budget, now), At: now,
			BulkHint: j.BulkHint(rep, confirmed, used, conn.budget, now, viewmodel.BulkHintHow)}
	}
}

// adoptOldFolder moves journals and presets the window kept in Fyne's
// storage folder before they were shared with `leadsheet sync`.
func (ui *App) adoptOldFolder() {
	if ui.opts.Dirs.Root == "" {
		return
	}
	old := ui.fyne.Storage().RootURI().Path()
	if filepath.Clean(old) == filepath.Clean(ui.opts.Dirs.Root) {
		return
	}
	_ = ui.opts.Dirs.Adopt(old) // what cannot be moved stays usable where it is: nothing is lost
}
