package ui

import (
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"leadsheet/importer/history"
	"leadsheet/ui/viewmodel"
)

// pageHistory is the History page: shown in the body like a step, but
// reached from the header, since it is no step of an import.
const pageHistory = len(stepNames)

// historyColWidths are the widths of viewmodel.HistoryColumns.
var historyColWidths = [...]float32{140, 220, 200, 420, 150}

// historyView is the History page: every import run on this computer, from
// the window and from `leadsheet sync` alike, and what can be done with
// one (open its results, open it again, undo it).
type historyView struct {
	ui *App
	// loc is the zone times are shown in: the computer's; tests pin it.
	loc *time.Location

	filter      *widget.Entry
	reloadBtn   *widget.Button
	note        *widget.Label // no runs, or part of the history unreadable
	table       *widget.Table
	details     *fyne.Container
	detailPane  *container.Scroll // the details with why, laid out again when either changes
	why         *widget.Label     // why Open again or Undo cannot be used
	openResults *widget.Button
	openAgain   *widget.Button
	undo        *widget.Button
	content     fyne.CanvasObject

	entries  []viewmodel.HistoryEntry
	rows     []viewmodel.HistoryRow
	selected string // the selected run's id
	// loads counts the reads of the history started, shown the read last
	// shown: a slow read finishing after a newer one is dropped.
	loads, shown int
	undoDlg      *undoDialog // the open Undo dialog, if any
}

func newHistoryView(ui *App) *historyView {
	v := &historyView{ui: ui, loc: time.Local}
	v.filter = widget.NewEntry()
	v.filter.SetPlaceHolder("Filter by file or account")
	v.filter.OnChanged = func(string) { v.reload() }
	v.reloadBtn = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), v.reload)
	v.note = widget.NewLabel("")
	v.note.Wrapping = fyne.TextWrapWord
	v.note.Hide()
	v.table = v.newTable()
	v.details = container.New(layout.NewFormLayout())
	v.why = widget.NewLabel("")
	v.why.Wrapping = fyne.TextWrapWord
	v.why.Importance = widget.LowImportance
	v.why.Hide()
	v.openResults = widget.NewButtonWithIcon(viewmodel.OpenResultsLabel, theme.FileIcon(), func() {
		if e, ok := v.entry(); ok {
			ui.openPath(e.Run.Results)
		}
	})
	v.openAgain = widget.NewButtonWithIcon(viewmodel.OpenAgainLabel, theme.FolderOpenIcon(), func() {
		if e, ok := v.entry(); ok {
			ui.reopenRun(e.Run)
		}
	})
	v.undo = widget.NewButtonWithIcon(viewmodel.UndoLabel, theme.ContentUndoIcon(), func() {
		if e, ok := v.entry(); ok && v.undoDlg == nil {
			v.undoDlg = newUndoDialog(ui, e.Run, func() { v.undoDlg = nil }, v.reload)
			v.refreshActions()
		}
	})
	v.undo.Importance = widget.DangerImportance

	top := container.NewVBox(
		container.NewBorder(nil, nil, bold("Imports on this computer"), v.reloadBtn, v.filter),
		v.note,
	)
	v.detailPane = container.NewVScroll(container.NewVBox(v.why, v.details))
	pane := container.NewBorder(container.NewHBox(v.openResults, v.openAgain, v.undo), nil, nil, nil, v.detailPane)
	split := container.NewVSplit(v.table, pane)
	split.Offset = 0.45
	v.content = container.NewBorder(top, nil, nil, nil, split)
	v.showDetails()
	return v
}

func (v *historyView) newTable() *widget.Table {
	t := widget.NewTableWithHeaders(
		func() (int, int) { return len(v.rows), len(viewmodel.HistoryColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row >= len(v.rows) {
				return
			}
			setText(o.(*widget.Label), v.rows[id.Row].Cell(id.Col))
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject { return bold("") }
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(viewmodel.HistoryColumns) {
			setText(o.(*widget.Label), viewmodel.HistoryColumns[id.Col])
		}
	}
	for i, w := range historyColWidths {
		t.SetColumnWidth(i, w)
	}
	t.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(v.rows) && v.rows[id.Row].ID != v.selected {
			v.selected = v.rows[id.Row].ID
			v.showDetails()
		}
	}
	return t
}

// reload reads the history again, off the Fyne goroutine, with the
// filter as it is now.
func (v *historyView) reload() {
	v.loads++
	n, query, store := v.loads, v.filter.Text, v.ui.dirs().History()
	go func() {
		entries, err := viewmodel.LoadHistory(store, query)
		v.ui.opts.Do(func() {
			if n == v.loads {
				v.show(entries, err, query)
			}
		})
	}()
}

// show puts a read of the history on the page, keeping the selected run
// selected while it is listed.
func (v *historyView) show(entries []viewmodel.HistoryEntry, err error, query string) {
	v.shown = v.loads
	v.entries, v.rows = entries, viewmodel.HistoryRows(entries, v.loc)
	note := ""
	switch {
	case err != nil:
		note = viewmodel.HistoryTrouble(err)
	case len(entries) == 0 && strings.TrimSpace(query) == "":
		note = viewmodel.HistoryNone
	case len(entries) == 0:
		note = viewmodel.HistoryNoneMatch(query)
	}
	setShown(v.note, note)
	v.table.Refresh()
	if i := slices.IndexFunc(v.rows, func(r viewmodel.HistoryRow) bool { return r.ID == v.selected }); i >= 0 {
		v.table.Select(widget.TableCellID{Row: i})
	} else {
		v.selected = ""
		v.table.UnselectAll()
	}
	v.showDetails()
}

// entry is the selected run.
func (v *historyView) entry() (viewmodel.HistoryEntry, bool) {
	for _, e := range v.entries {
		if e.Run.ID == v.selected {
			return e, true
		}
	}
	return viewmodel.HistoryEntry{}, false
}

// selectRun selects a listed run by id, as a click on its row does.
func (v *historyView) selectRun(id string) bool {
	i := slices.IndexFunc(v.rows, func(r viewmodel.HistoryRow) bool { return r.ID == id })
	if i < 0 {
		return false
	}
	v.table.Select(widget.TableCellID{Row: i})
	return true
}

// showDetails shows the selected run and the buttons it allows.
func (v *historyView) showDetails() {
	e, ok := v.entry()
	v.details.Objects = nil
	if !ok {
		v.details.Objects = []fyne.CanvasObject{widget.NewLabel(""), widget.NewLabel("Select a run to see it, open its results, open it again or undo it.")}
		v.details.Refresh()
		for _, b := range []*widget.Button{v.openResults, v.openAgain, v.undo} {
			enable(b, false)
		}
		setButton(v.undo, viewmodel.UndoLabel)
		setShown(v.why, "")
		v.detailPane.Refresh()
		return
	}
	for _, d := range viewmodel.RunDetails(e.Run, v.loc) {
		val := widget.NewLabel(d.Value)
		val.Wrapping = fyne.TextWrapWord
		v.details.Objects = append(v.details.Objects, bold(d.Label), val)
	}
	v.refreshActions()
}

// refreshActions enables the buttons for the selected run as things
// stand: a sync running in the window holds them back.
func (v *historyView) refreshActions() {
	e, ok := v.entry()
	if !ok {
		return
	}
	a := viewmodel.ActionsFor(e, v.ui.sync.running)
	enable(v.openResults, a.OpenResults)
	enable(v.openAgain, a.OpenAgain)
	enable(v.undo, a.Undo && v.undoDlg == nil)
	setButton(v.undo, a.UndoLabel)
	setShown(v.why, strings.Join(a.Why, "\n"))
	v.detailPane.Refresh()
}

// runningChanged follows a sync of the window: once it ends the history
// has its outcome.
func (v *historyView) runningChanged(running bool) {
	if !running && v.ui.current == pageHistory {
		v.reload()
		return
	}
	v.refreshActions()
}

// undoing reports whether an undo is going.
func (v *historyView) undoing() bool { return v.undoDlg != nil && v.undoDlg.model.Running }

// close stops an undo going, if any: it resumes when run again.
func (v *historyView) close() {
	if v.undoDlg != nil {
		v.undoDlg.stopAll()
	}
}

// reopenRun opens a run of the history again in the steps, as it ran:
// its file, sheet and header row, its mapping once the file is read (see
// remap) and its account when it is one of the window's. With the same
// settings the journal carries the run on: the rows Marketo confirmed
// are not sent again, and its failed rows can be retried.
func (ui *App) reopenRun(r history.Run) {
	if ui.sync.running || ui.file.busy || ui.file.locked {
		return
	}
	if p := ui.accounts.picker; r.Account != "" && r.Account != p.Selected && slices.Contains(p.Options, r.Account) {
		p.SetSelected(r.Account)
	}
	ui.sess.reopen = &r
	ui.show(stepFile)
	ui.file.openAt(r.File, "", r.Sheet, r.HeaderRow)
	if note := viewmodel.ReopenNote(r); note != "" {
		msg := widget.NewLabel(note)
		msg.Wrapping = fyne.TextWrapWord
		d := dialog.NewCustom("Opened again", "OK", msg, ui.win)
		d.Resize(fyne.NewSize(560, 260))
		ui.present(d)
	}
}
