package ui

import (
	"context"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"leadsheet/importer/job"
	"leadsheet/marketo"
	"leadsheet/ui/viewmodel"
)

// catalogTimeout bounds one read of the instance's lists, folders,
// programs and partitions, or of a program's statuses.
const catalogTimeout = 60 * time.Second

// searchPicker is a drop-down the operator can type into: the text
// narrows the options to those holding every word typed, and an option's
// exact text picks it.
type searchPicker struct {
	entry  *widget.SelectEntry
	all    []string
	picked string
	onPick func(label string) // "" once the text no longer names an option
	quiet  *bool              // set while the view writes the text itself
}

func newSearchPicker(placeholder string, quiet *bool, onPick func(string)) *searchPicker {
	p := &searchPicker{entry: widget.NewSelectEntry(nil), onPick: onPick, quiet: quiet}
	p.entry.SetPlaceHolder(placeholder)
	p.entry.OnChanged = p.typed
	return p
}

func (p *searchPicker) typed(text string) {
	if *p.quiet {
		return
	}
	if slices.Contains(p.all, text) {
		p.entry.SetOptions(p.all)
		if text != p.picked {
			p.picked = text
			p.onPick(text)
		}
		return
	}
	p.entry.SetOptions(viewmodel.SearchLabels(p.all, text))
	if p.picked != "" {
		p.picked = ""
		p.onPick("")
	}
}

// show brings the picker in line with the model: its options and the
// option picked ("" for none; the operator's search text is kept then).
func (p *searchPicker) show(options []string, picked string) {
	if !slices.Equal(p.all, options) {
		p.all = options
		p.entry.SetOptions(options)
	}
	if picked != "" && p.entry.Text != picked {
		p.entry.SetText(picked)
	}
	if picked == "" && p.picked != "" {
		p.entry.SetText("")
	}
	p.picked = picked
}

// targetView is the Map step's Target section: a static list, a program
// with a member status, list-only mode and the partition, picked from
// what the account's instance has. It is read off the Fyne goroutine
// after connecting, REST accounts only.
type targetView struct {
	ui    *App
	model *viewmodel.TargetModel
	conn  *connection        // whose instance the model holds
	stop  context.CancelFunc // the read under way, if any
	// loading says a read is under way; failed is the last one's trouble.
	loading bool
	failed  string
	quiet   bool // set while widgets are set from the model

	note                        *widget.Label
	retry                       *widget.Button
	listOn, programOn, listOnly *widget.Check
	list, folder, program       *searchPicker
	newName                     *widget.Entry
	status, column, blank       *widget.Select
	newRow, columnRow, partRow  *fyne.Container
	partition                   *widget.Select
	item                        *widget.AccordionItem
	accordion                   *widget.Accordion
}

func newTargetView(ui *App) *targetView {
	v := &targetView{ui: ui, model: &viewmodel.TargetModel{}}
	v.note = widget.NewLabel(viewmodel.TargetNoAccount)
	v.note.Wrapping = fyne.TextWrapWord
	v.retry = widget.NewButtonWithIcon(viewmodel.TargetRetry, theme.ViewRefreshIcon(), v.reread)
	v.retry.Hide()
	v.listOn = widget.NewCheck(viewmodel.CaptionList, func(on bool) {
		v.edit(func(m *viewmodel.TargetModel) { m.ListOn = on })
	})
	v.list = newSearchPicker("Search the static lists", &v.quiet, func(label string) {
		v.edit(func(m *viewmodel.TargetModel) {
			if !m.PickList(label) {
				m.List, m.NewList = marketo.StaticList{}, false
			}
		})
	})
	v.newName = widget.NewEntry()
	v.newName.SetPlaceHolder("e.g. Trade show 2026 badge scans")
	v.newName.OnChanged = func(s string) {
		if !v.quiet {
			v.edit(func(m *viewmodel.TargetModel) { m.NewName = s })
		}
	}
	v.folder = newSearchPicker("Search the folders and programs", &v.quiet, func(label string) {
		v.edit(func(m *viewmodel.TargetModel) {
			if !m.PickFolder(label) {
				m.Folder = marketo.Folder{}
			}
		})
	})
	v.programOn = widget.NewCheck(viewmodel.CaptionProgram, func(on bool) {
		v.edit(func(m *viewmodel.TargetModel) { m.ProgramOn = on })
	})
	v.program = newSearchPicker("Search the programs", &v.quiet, v.pickProgram)
	v.status = widget.NewSelect(nil, func(s string) {
		v.edit(func(m *viewmodel.TargetModel) { m.PickStatus(s) })
	})
	v.status.PlaceHolder = "Choose a status"
	v.column = widget.NewSelect(nil, v.pickColumn)
	v.column.PlaceHolder = "Choose the column"
	v.blank = widget.NewSelect(nil, func(s string) {
		v.edit(func(m *viewmodel.TargetModel) { m.PickBlank(s) })
	})
	v.listOnly = widget.NewCheck(viewmodel.CaptionListOnly, func(on bool) {
		v.edit(func(m *viewmodel.TargetModel) { m.ListOnly = on })
	})
	v.partition = widget.NewSelect(nil, func(s string) {
		v.edit(func(m *viewmodel.TargetModel) { m.PickPartition(s) })
	})

	wide := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
	}
	v.newRow = container.NewHBox(widget.NewLabel("      "+viewmodel.CaptionNewList), wide(v.newName, 300),
		widget.NewLabel(viewmodel.CaptionFolder), wide(v.folder.entry, 420))
	v.columnRow = container.NewHBox(widget.NewLabel("      "+viewmodel.CaptionColumn), v.column,
		widget.NewLabel("   "+viewmodel.CaptionBlank), v.blank)
	v.partRow = container.NewHBox(widget.NewLabel(viewmodel.CaptionPartition), v.partition)
	// The note goes last, so the rows above it stay where the operator
	// clicks as it comes and goes.
	body := container.NewVBox(
		container.NewHBox(v.listOn, wide(v.list.entry, 420)),
		v.newRow,
		container.NewHBox(v.programOn, wide(v.program.entry, 420), widget.NewLabel(viewmodel.CaptionStatus), v.status),
		v.columnRow,
		v.listOnly,
		v.partRow,
		container.NewBorder(nil, nil, nil, v.retry, v.note),
	)
	v.item = widget.NewAccordionItem(v.model.Summary(""), body)
	v.accordion = widget.NewAccordion(v.item)
	v.refresh()
	return v
}

// edit applies an operator's change to the model, and checks the sheet
// again with it, as any other choice of the Map step does.
func (v *targetView) edit(change func(*viewmodel.TargetModel)) {
	if v.quiet {
		return
	}
	m := v.model
	change(m)
	if !m.ListOn {
		m.List, m.NewList = marketo.StaticList{}, false
	}
	if !m.ProgramOn || !m.FromColumn {
		// Without a program or with one status for all, no column holds
		// the status: it goes back to being left out.
		v.setStatusColumn(-1)
	}
	if !m.ListOnlyUsable() {
		m.ListOnly = false
	}
	v.refresh()
	v.ui.mapping.changed()
}

// pickProgram takes a program and reads its channel's statuses.
func (v *targetView) pickProgram(label string) {
	if v.quiet {
		return
	}
	p, ok := v.model.PickProgram(label)
	if !ok {
		v.cancel() // the statuses of a program no longer picked
	}
	v.edit(func(m *viewmodel.TargetModel) {
		if !ok {
			m.Picked, m.Program = marketo.Program{}, job.ProgramTarget{}
		}
	})
	if ok && !v.model.StatusesKnown() {
		v.readStatuses(p)
	}
}

// pickColumn makes a column the one holding each row's member status.
func (v *targetView) pickColumn(label string) {
	if v.quiet {
		return
	}
	mm := v.ui.mapping.model
	if mm == nil {
		return
	}
	v.setStatusColumn(mm.ColumnNamed(label))
	v.refresh()
	v.ui.mapping.changed()
}

// setStatusColumn maps col to the member status (-1: none) and redraws
// the columns that changed on the Map step.
func (v *targetView) setStatusColumn(col int) {
	mv := v.ui.mapping
	if mv == nil || mv.model == nil {
		return
	}
	for _, i := range mv.model.SetStatusColumn(col) {
		if i < len(mv.choosers) {
			mv.choosers[i].SetText(mv.model.Label(i))
			mv.updateColumn(i)
		}
	}
}

// connChanged starts over with another account: what it may target is
// read again, in the background, and the choices made for the last one
// are dropped (its lists and programs are not this one's). The same
// account with its field list arrived changes nothing.
func (v *targetView) connChanged(c *connection) {
	if c == v.conn {
		return
	}
	v.cancel()
	v.conn, v.model, v.failed = c, &viewmodel.TargetModel{}, ""
	if t, ok := v.targeter(); ok {
		v.readCatalog(t)
	}
	v.refresh()
}

// targeter is the account's client for lists and programs: REST only.
func (v *targetView) targeter() (marketo.Targeter, bool) {
	if v.conn == nil {
		return nil, false
	}
	t, ok := v.conn.client.(marketo.Targeter)
	return t, ok
}

func (v *targetView) cancel() {
	if v.stop != nil {
		v.stop()
		v.stop = nil
	}
	v.loading = false
}

// readCatalog reads the instance's lists, folders, programs and
// partitions off the Fyne goroutine.
func (v *targetView) readCatalog(t marketo.Targeter) {
	ctx, cancel := context.WithTimeout(context.Background(), catalogTimeout)
	v.stop, v.loading, v.failed = cancel, true, ""
	conn, model := v.conn, v.model
	go func() {
		defer cancel()
		cat, err := job.LoadCatalog(ctx, t)
		v.ui.opts.Do(func() {
			if v.conn != conn || v.model != model {
				return // another account's read, or one given up on
			}
			v.stop, v.loading = nil, false
			if err != nil {
				v.failed = err.Error()
			} else {
				model.SetCatalog(cat)
			}
			v.refresh()
		})
	}()
}

// readStatuses reads the statuses of p's channel off the Fyne goroutine;
// the sheet is checked again with the program once they are known.
func (v *targetView) readStatuses(p marketo.Program) {
	t, ok := v.targeter()
	if !ok {
		return
	}
	v.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), catalogTimeout)
	v.stop, v.loading, v.failed = cancel, true, ""
	conn, model := v.conn, v.model
	go func() {
		defer cancel()
		pt, err := job.ProgramStatuses(ctx, t, p)
		v.ui.opts.Do(func() {
			if v.conn != conn || v.model != model || model.Picked.ID != p.ID {
				return
			}
			v.stop, v.loading = nil, false
			if err != nil {
				v.failed = err.Error()
				v.refresh()
				return
			}
			model.SetStatuses(pt)
			v.refresh()
			v.ui.mapping.changed()
		})
	}()
}

// reread tries again what failed: the catalog, or the program's statuses.
func (v *targetView) reread() {
	t, ok := v.targeter()
	if !ok || v.loading {
		return
	}
	switch m := v.model; {
	case m.Catalog() == nil:
		v.readCatalog(t)
	case m.Picked.ID != 0 && !m.StatusesKnown():
		v.readStatuses(m.Picked)
	}
	v.refresh()
}

// listCreated takes the list a Start made as the one chosen in model,
// without checking the sheet again: the run under way already imports
// into it. A model another account has replaced is left alone.
func (v *targetView) listCreated(model *viewmodel.TargetModel, l marketo.StaticList) {
	if v.model != model {
		return
	}
	model.ListCreated(l)
	v.refresh()
}

// statusColumn is the Map step's member status column, -1 for none.
func (v *targetView) statusColumn() (int, string) {
	if mv := v.ui.mapping; mv != nil && mv.model != nil {
		if col := mv.model.StatusColumn(); col >= 0 {
			return col, mv.model.ColumnName(col)
		}
	}
	return -1, ""
}

// refresh brings the widgets in line with the model and the account.
func (v *targetView) refresh() {
	v.quiet = true
	defer func() { v.quiet = false }()
	m := v.model
	col, header := v.statusColumn()
	_, rest := v.targeter()
	ready := rest && m.Catalog() != nil

	note, imp := "", widget.MediumImportance
	switch {
	case v.conn == nil:
		note = viewmodel.TargetNoAccount
	case !rest:
		note = viewmodel.TargetNeedsREST
	case v.failed != "":
		note, imp = v.failed, widget.DangerImportance
	case v.loading && m.Catalog() == nil:
		note, imp = viewmodel.TargetLoading, widget.LowImportance
	default:
		if note = m.Missing(col); note != "" {
			imp = widget.WarningImportance
		}
	}
	if v.note.Importance != imp {
		v.note.Importance = imp
		v.note.Refresh()
	}
	setShown(v.note, note)
	if v.failed != "" && !v.loading {
		v.retry.Show()
	} else {
		v.retry.Hide()
	}

	v.listOn.SetChecked(m.ListOn)
	v.programOn.SetChecked(m.ProgramOn)
	v.listOnly.SetChecked(m.ListOnly)
	enable(v.listOn, ready)
	enable(v.programOn, ready)
	enable(v.listOnly, ready && (m.ListOnlyUsable() || m.ListOnly))

	v.list.show(m.ListOptions(), m.ListLabel())
	enable(v.list.entry, ready && m.ListOn)
	shown(v.newRow, ready && m.ListOn && m.NewList)
	if v.newName.Text != m.NewName {
		v.newName.SetText(m.NewName)
	}
	v.folder.show(m.FolderOptions(), m.FolderLabelOf())

	v.program.show(m.ProgramOptions(), m.ProgramLabel())
	enable(v.program.entry, ready && m.ProgramOn)
	if opts := m.StatusOptions(); !slices.Equal(v.status.Options, opts) {
		v.status.SetOptions(opts)
	}
	if v.status.Selected != m.StatusLabel() {
		v.status.Selected = m.StatusLabel()
		v.status.Refresh()
	}
	enable(v.status, ready && m.ProgramOn && m.StatusesKnown())
	shown(v.columnRow, ready && m.ProgramOn && m.StatusesKnown() && m.FromColumn)
	var columns []string
	if mm := v.ui.mapping; mm != nil && mm.model != nil {
		columns = mm.model.StatusColumnOptions()
	}
	if !slices.Equal(v.column.Options, columns) {
		v.column.SetOptions(columns)
	}
	if v.column.Selected != header {
		v.column.Selected = header
		v.column.Refresh()
	}
	if opts := m.BlankOptions(); !slices.Equal(v.blank.Options, opts) {
		v.blank.SetOptions(opts)
	}
	if v.blank.Selected != m.BlankLabel() {
		v.blank.Selected = m.BlankLabel()
		v.blank.Refresh()
	}

	shown(v.partRow, ready && m.PartitionShown())
	if opts := m.PartitionOptions(); !slices.Equal(v.partition.Options, opts) {
		v.partition.SetOptions(opts)
	}
	if v.partition.Selected != m.PartitionLabel() {
		v.partition.Selected = m.PartitionLabel()
		v.partition.Refresh()
	}

	if title := m.Summary(header); v.item.Title != title {
		v.item.Title = title
		v.accordion.Refresh()
	}
}

// shown shows or hides o.
func shown(o fyne.CanvasObject, on bool) {
	if on && !o.Visible() {
		o.Show()
	} else if !on && o.Visible() {
		o.Hide()
	}
}
