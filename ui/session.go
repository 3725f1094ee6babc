package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// session ties the steps together: the rows of the open sheet, the mapping
// made for them, the pre-flight result and the plan the Sync step runs.
type session struct {
	rows       []importer.Row
	rowsFor    *FileModel
	hash       string // hex SHA-256 of rowsFor's file, taken when its rows were read
	hashErr    error
	cancelRead context.CancelFunc
	readDone   chan struct{} // closed once the background read no longer uses the workbook
	readErr    error
	pre        *Preflight

	// What changed while a run was going, to redo once it ends: the plan
	// is not rebuilt under a run, since the new plan would open the same
	// journal the run is appending to.
	staleConn, stalePlan bool
}

// stopRead cancels the background read, if any, and waits until it no
// longer uses the workbook, so the workbook may be closed.
func (s *session) stopRead() {
	if s.cancelRead != nil {
		s.cancelRead()
		s.cancelRead = nil
	}
	if s.readDone != nil {
		<-s.readDone
		s.readDone = nil
	}
}

func (ui *App) storageDir(sub string) string {
	return filepath.Join(ui.fyne.Storage().RootURI().Path(), sub)
}

// fileChanged is called when the sheet or header row changes: the mapping
// is redone and the rows are read again in the background.
func (ui *App) fileChanged(m *FileModel) {
	s := &ui.sess
	s.stopRead()
	s.rows, s.rowsFor, s.pre, s.readErr, s.hash, s.hashErr = nil, nil, nil, nil, "", nil
	ui.remap()
	if !m.Ready() {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.cancelRead, s.readDone = cancel, done
	wb, sheet, header, path := m.Workbook(), m.Sheet, m.HeaderRow, m.Path
	go func() {
		var rows []importer.Row
		res, err := wb.Read(ctx, sheet, header, func(r importer.Row) error {
			rows = append(rows, r)
			return nil
		})
		close(done)
		if ctx.Err() != nil {
			return
		}
		// Hashed once per read, here rather than on every mapping edit:
		// the journal key needs it and a large file takes a while.
		sum, herr := importer.HashFile(path)
		ui.opts.Do(func() {
			if ui.file.model != m || m.Sheet != sheet || m.HeaderRow != header {
				return
			}
			s.rows, s.rowsFor, s.readErr, s.hash, s.hashErr = rows, m, err, sum, herr
			if err != nil {
				ui.file.fail(OpenTrouble(m.Path, err))
			} else {
				m.DataRows = len(rows)
				ui.file.summary.SetText(m.Summary())
				ui.file.showNotes(append(m.Workbook().Notes(), res.Notes...))
			}
			ui.mappingChanged()
		})
	}()
}

// connChanged is called when the account changes or its field list arrives.
func (ui *App) connChanged(*connection) {
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
	m := NewMapModel(f.Header, f.Preview, ui.fields())
	if p, ok, err := importer.FindPreset(ui.storageDir("presets"), f.Header.Names); err == nil && ok {
		m.ApplyPreset(p)
	}
	ui.mapping.setModel(m)
	ui.mapping.refreshPresets()
}

// mappingChanged re-runs pre-flight and rebuilds the sync plan.
func (ui *App) mappingChanged() {
	s := &ui.sess
	mm := ui.mapping.model
	if mm == nil || s.rowsFor != ui.file.model || s.readErr != nil {
		ui.mapping.setPreflight(nil)
		ui.sync.setPlan(nil)
		return
	}
	if ui.sync.running {
		s.stalePlan = true
		return
	}
	pre, err := RunPreflight(context.Background(), mm.Mapping, ui.fields(), mm.Dedup, s.rows)
	if err != nil {
		ui.file.fail(err.Error())
		return
	}
	s.pre = pre
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

// keyName is the header of the key column most rows match on.
func keyName(mm *MapModel, pre *Preflight) string {
	best, n := marketo.KeyNone, 0
	for k, c := range pre.ByKey {
		if c > n {
			best, n = k, c
		}
	}
	want := map[marketo.KeyKind]importer.TargetKind{marketo.KeyID: importer.ToID, marketo.KeyForeignSysPersonID: importer.ToForeignSysPersonID, marketo.KeyEmail: importer.ToEmail}[best]
	for i, t := range mm.Mapping.Columns {
		if t.Kind == want && want != importer.Skip {
			return mm.Header.Names[i]
		}
	}
	return ""
}

// buildPlan turns the mapping and pre-flight into what the Sync step runs.
func (ui *App) buildPlan(mm *MapModel, pre *Preflight) *SyncPlan {
	conn := ui.accounts.conn
	if pre.Sendable == 0 {
		return nil
	}
	// The batcher fills one batch per key kind at a time, so this is the
	// number it will make, without building them twice.
	nb := 0
	for _, n := range pre.ByKey {
		nb += (n + mm.BatchSize - 1) / mm.BatchSize
	}
	// The plan holds the file as it is now: the run and the results
	// workbook must not follow a later change of file, sheet or header.
	f := ui.file.model
	wb, path, sheet, header := f.Workbook(), f.Path, f.Sheet, f.HeaderRow
	sum, hashErr := ui.sess.hash, ui.sess.hashErr
	plan := &SyncPlan{Rows: slices.Clone(pre.Rows), Batches: nb, Dedup: mm.Dedup, KeyName: keyName(mm, pre)}
	if conn == nil {
		plan.Blocked = "Choose a Marketo account (top right) to sync these rows, or try the local sandbox."
	}
	mapping, dedup, size := mm.Mapping, mm.Dedup, mm.BatchSize
	var skipped []importer.RowResult
	for _, r := range pre.Rows {
		if r.State == importer.Skipped {
			skipped = append(skipped, importer.RowResult{Row: r.Row, State: importer.Skipped, Reason: r.Reason})
		}
	}
	key := func() (importer.JournalKey, error) {
		if hashErr != nil {
			return importer.JournalKey{}, hashErr
		}
		k := importer.JournalKey{FileSHA256: sum, Sheet: sheet, HeaderRow: header, Mapping: mapping, Dedup: dedup}
		if conn != nil {
			k.API, k.Endpoint = conn.api, conn.endpoint
		}
		return k, nil
	}
	journals := ui.storageDir("journals")
	if conn != nil {
		// Peek, not open: opening would start an empty journal for every
		// mapping the operator tries.
		if k, err := key(); err == nil {
			if n, ok, err := importer.PeekJournal(journals, k); err == nil && ok && n > 0 {
				plan.Resume = &ResumeOffer{Confirmed: n, When: fileTime(filepath.Join(journals, k.ID()+".journal"))}
			}
		}
	}
	plan.Run = func(ctx context.Context, req RunRequest, emit func(importer.Event)) error {
		if conn == nil {
			return fmt.Errorf("choose a Marketo account first (top right), or use the local sandbox")
		}
		sel := req.Rows
		slices.Sort(sel)
		bs, err := pre.Batches(size, sel)
		if err != nil {
			return err
		}
		if req.FirstBatch && len(bs) > 1 {
			bs = bs[:1]
		}
		k, err := key()
		if err != nil {
			return err
		}
		j, err := importer.OpenJournal(journals, k)
		if err != nil {
			return fmt.Errorf("Leadsheet cannot keep its record of sent rows, so it will not send anything: %w", err)
		}
		defer j.Close()
		// A run here is often part of the file (the first batch, the
		// rest, a retry), so the journal is finished only once every row
		// to send is created or updated: finishing it earlier would make
		// the next part start afresh and send confirmed rows again.
		_, err = importer.Run(ctx, conn.client, bs, importer.RunOptions{Dedup: dedup, Journal: j, Skipped: skipped, KeepJournalOpen: true}, emit)
		if err == nil && j.Confirmed() >= pre.Sendable {
			// A failed write only means the next run of this file resumes.
			_ = j.Finish()
		}
		if errors.Is(err, context.Canceled) {
			err = nil // the table says which rows were not sent
		}
		return err
	}
	plan.Export = func(results []importer.RowResult) (string, error) {
		return writeResults(wb, path, sheet, header, results)
	}
	return plan
}

func fileTime(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return "earlier"
	}
	return st.ModTime().Format("2 Jan 15:04")
}
