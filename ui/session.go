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
	cancelRead context.CancelFunc
	readErr    error
	pre        *Preflight
}

func (ui *App) storageDir(sub string) string {
	return filepath.Join(ui.fyne.Storage().RootURI().Path(), sub)
}

// fileChanged is called when the sheet or header row changes: the mapping
// is redone and the rows are read again in the background.
func (ui *App) fileChanged(m *FileModel) {
	s := &ui.sess
	if s.cancelRead != nil {
		s.cancelRead()
	}
	s.rows, s.rowsFor, s.pre, s.readErr = nil, nil, nil, nil
	ui.remap()
	if !m.Ready() {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancelRead = cancel
	wb, sheet, header := m.Workbook(), m.Sheet, m.HeaderRow
	go func() {
		var rows []importer.Row
		res, err := wb.Read(ctx, sheet, header, func(r importer.Row) error {
			rows = append(rows, r)
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		ui.opts.Do(func() {
			if ui.file.model != m || m.Sheet != sheet || m.HeaderRow != header {
				return
			}
			s.rows, s.rowsFor, s.readErr = rows, m, err
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
	f := ui.file.model
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
		sum, err := importer.HashFile(f.Path)
		if err != nil {
			return importer.JournalKey{}, err
		}
		k := importer.JournalKey{FileSHA256: sum, Sheet: f.Sheet, HeaderRow: f.HeaderRow, Mapping: mapping, Dedup: dedup}
		if conn != nil {
			k.API, k.Endpoint = conn.api, conn.endpoint
		}
		return k, nil
	}
	if conn != nil {
		// Only look into a journal that exists: OpenJournal would start an
		// empty one for every mapping the operator tries.
		if k, err := key(); err == nil && exists(filepath.Join(ui.storageDir("journals"), k.ID()+".journal")) {
			if j, err := importer.OpenJournal(ui.storageDir("journals"), k); err == nil {
				if n := j.Confirmed(); n > 0 {
					plan.Resume = &ResumeOffer{Confirmed: n, When: fileTime(j.Path())}
				}
				j.Close()
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
		j, err := importer.OpenJournal(ui.storageDir("journals"), k)
		if err != nil {
			return fmt.Errorf("Leadsheet cannot keep its record of sent rows, so it will not send anything: %w", err)
		}
		defer j.Close()
		_, err = importer.Run(ctx, conn.client, bs, importer.RunOptions{Dedup: dedup, Journal: j, Skipped: skipped}, emit)
		if errors.Is(err, context.Canceled) {
			err = nil // the table says which rows were not sent
		}
		return err
	}
	plan.Export = func(results []importer.RowResult) (string, error) {
		return ui.writeResults(f, results)
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

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
