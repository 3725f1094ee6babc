package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"leadsheet/importer"
	"leadsheet/importer/fieldtype"
	"leadsheet/importer/job"
	"leadsheet/importer/mapping"
	"leadsheet/marketo"
	"leadsheet/ui/viewmodel"
)

// batchSizes are the batch sizes offered; Marketo takes at most 300.
var batchSizes = []string{"50", "100", "200", "300"}

// mapView is the Map step.
type mapView struct {
	ui    *App
	model *viewmodel.MapModel
	pre   *viewmodel.Preflight

	keyLine, dedupWarn, reportHead, presetNote, status *widget.Label
	dedup, validOnly                                   *widget.Check
	batch                                              *widget.Select
	presets                                            *widget.Select
	savePreset, next, confirmKey                       *widget.Button
	columns                                            *fyne.Container
	choosers                                           []*widget.SelectEntry
	offered                                            [][]string // what each chooser drops down now
	badges                                             []*widget.Label
	problems                                           *widget.List
	content                                            fyne.CanvasObject
	onChange                                           func()

	// The import's choices beyond the mapping: who may be changed, what
	// blank cells do, whether values already in Marketo are kept, which
	// API sends the rows (offered for large sheets only), and how values
	// are read (in a collapsible group).
	mode, blanks, fill, engine, dateOrder, zone *widget.Select
	choicesNote, bulkLimits                     *widget.Label
	engineRow                                   *fyne.Container
	values                                      *widget.Accordion
	zones                                       viewmodel.Zones
	askClear                                    *dialog.ConfirmDialog // the open clear-blanks question, if any
	ticks                                       []*widget.Check       // per column: shown for yes/no columns only

	// target is where the leads go beyond Marketo's lead database: a
	// static list, a program, only people already there, a partition.
	target *targetView
}

func newMapView(ui *App) *mapView {
	v := &mapView{ui: ui}
	v.keyLine = widget.NewLabel("Open a file first (step 1).")
	v.keyLine.Wrapping = fyne.TextWrapWord
	v.dedup = widget.NewCheck("Update leads that already exist (dedupEnabled)", func(on bool) {
		if v.model != nil && v.model.Dedup != on {
			v.model.Dedup = on
			v.changed()
		}
	})
	v.dedup.Checked = true
	v.dedupWarn = widget.NewLabel("")
	v.dedupWarn.Importance = widget.DangerImportance
	v.dedupWarn.Wrapping = fyne.TextWrapWord
	v.batch = widget.NewSelect(batchSizes, func(s string) {
		n, _ := strconv.Atoi(s)
		if v.model != nil && n > 0 && n != v.model.BatchSize {
			v.model.BatchSize = n
			v.changed()
		}
	})
	v.batch.Selected = "300"
	v.presets = widget.NewSelect(nil, v.loadPreset)
	v.presets.PlaceHolder = "Load a saved mapping"
	v.savePreset = widget.NewButtonWithIcon("Save mapping…", theme.DocumentSaveIcon(), v.askPresetName)
	v.presetNote = widget.NewLabel("")
	v.presetNote.Importance = widget.LowImportance
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord
	v.reportHead = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.reportHead.Wrapping = fyne.TextWrapWord
	v.validOnly = widget.NewCheck("Send the valid rows only (rows with problems are left out and listed in the results)", func(bool) { v.changed() })
	v.validOnly.Checked = true
	v.problems = widget.NewList(
		func() int {
			if v.pre == nil {
				return 0
			}
			return len(v.pre.Problems)
		},
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			pr := v.pre.Problems[i]
			imp := widget.WarningImportance
			if pr.Severity == importer.Invalid {
				imp = widget.DangerImportance
			}
			if s := viewmodel.ProblemLine(pr); l.Text != s || l.Importance != imp {
				l.Importance = imp
				l.SetText(s)
			}
		})
	v.confirmKey = widget.NewButtonWithIcon("", theme.ConfirmIcon(), v.confirmGuessedKey)
	v.confirmKey.Hide()
	v.next = widget.NewButtonWithIcon("Next: sync", theme.NavigateNextIcon(), func() { ui.show(stepSync) })
	v.next.Importance = widget.HighImportance
	v.next.Disable()
	v.columns = container.NewVBox()
	v.newChoices()
	v.target = newTargetView(ui)

	settings := container.NewVBox(
		v.keyLine,
		container.NewBorder(nil, nil,
			container.NewHBox(v.dedup, widget.NewLabel("   Batch size"), v.batch, widget.NewLabel("rows per call")),
			container.NewHBox(v.presets, v.savePreset)),
		v.dedupWarn,
		container.NewHBox(widget.NewLabel(viewmodel.CaptionMode), v.mode, widget.NewLabel("   "+viewmodel.CaptionBlanks), v.blanks),
		container.NewHBox(widget.NewLabel(viewmodel.CaptionExisting), v.fill),
		v.engineRow,
		v.choicesNote,
		v.target.accordion,
		v.values,
		v.presetNote,
	)
	head := container.NewBorder(nil, nil, nil, nil, container.NewGridWithColumns(3,
		bold("Column in your sheet"), bold("Example values"), bold("Goes to Marketo field")))
	report := container.NewBorder(
		container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, v.next, v.reportHead), v.validOnly, v.status,
			container.NewHBox(v.confirmKey)),
		nil, nil, nil, v.problems)
	split := container.NewVSplit(
		container.NewBorder(head, nil, nil, nil, container.NewVScroll(v.columns)),
		report)
	split.Offset = 0.62
	v.content = container.NewBorder(container.NewVBox(settings, widget.NewSeparator()), nil, nil, nil, split)
	return v
}

// newChoices builds the choices beyond the mapping. Each change re-runs
// pre-flight, as a mapping change does, since each changes what is sent.
func (v *mapView) newChoices() {
	v.zones = viewmodel.NewZones(viewmodel.LocalZoneName())
	v.mode = choiceSelect(viewmodel.ModeLabels[:], func(s string) {
		if m, ok := viewmodel.ModeOf(s); ok && v.model != nil && v.model.Mode != m {
			v.model.Mode = m
			v.changed()
		}
	})
	v.blanks = choiceSelect(viewmodel.BlankLabels, v.chooseBlanks)
	// Keeping values only narrows what is sent, so it needs no question.
	v.fill = choiceSelect(viewmodel.ExistingLabels, func(s string) {
		if fill := s == viewmodel.ExistingKeep; v.model != nil && v.model.FillEmpty != fill {
			v.model.FillEmpty = fill
			v.changed()
		}
	})
	v.engine = choiceSelect(viewmodel.EngineLabels, func(s string) {
		if bulk := s == viewmodel.EngineBulk; v.model != nil && v.model.Bulk != bulk {
			v.model.Bulk = bulk
			v.changed()
		}
	})
	// What Bulk Import gives up, in job's words, beside the choice that
	// makes it.
	v.bulkLimits = widget.NewLabel("")
	v.bulkLimits.Importance = widget.LowImportance
	v.bulkLimits.Wrapping = fyne.TextWrapWord
	v.bulkLimits.Hide()
	v.engineRow = container.NewVBox(container.NewHBox(widget.NewLabel(viewmodel.CaptionEngine), v.engine), v.bulkLimits)
	v.engineRow.Hide()
	v.dateOrder = choiceSelect(viewmodel.DateOrderLabels[:], func(s string) {
		if o, ok := viewmodel.DateOrderOf(s); ok && v.model != nil && v.model.Values.DateOrder != o {
			v.model.Values.DateOrder = o
			v.changed()
		}
	})
	v.zone = choiceSelect(v.zones.Labels(), func(s string) {
		if v.model == nil || s == v.zones.Label(v.model.Values.Zone) {
			return
		}
		loc, err := v.zones.Location(s)
		if err != nil {
			v.zone.SetSelected(v.zones.Label(v.model.Values.Zone))
			v.ui.present(dialog.NewError(err, v.ui.win))
			return
		}
		v.model.Values.Zone = loc
		v.changed()
	})
	v.choicesNote = widget.NewLabel("")
	v.choicesNote.Importance = widget.LowImportance
	v.choicesNote.Wrapping = fyne.TextWrapWord
	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(viewmodel.CaptionDateOrder), v.dateOrder,
		widget.NewLabel(viewmodel.CaptionZone), v.zone)
	v.values = widget.NewAccordion(widget.NewAccordionItem(viewmodel.ValuesSummary(fieldtype.Options{}), container.NewHBox(form)))
}

// choiceSelect is a select as wide as its longest option: a Select is as
// wide as its placeholder, which it never shows once a choice is made.
func choiceSelect(options []string, changed func(string)) *widget.Select {
	s := widget.NewSelect(options, changed)
	for _, o := range options {
		if len(o) > len(s.PlaceHolder) {
			s.PlaceHolder = o
		}
	}
	s.Selected = options[0]
	return s
}

// chooseBlanks applies the blank cell choice. Clearing overwrites values
// in Marketo, so it asks first and goes back to leaving them if not
// confirmed.
func (v *mapView) chooseBlanks(s string) {
	m := v.model
	if m == nil || (s == viewmodel.BlankClear) == m.ClearBlanks {
		return
	}
	if s != viewmodel.BlankClear {
		m.ClearBlanks = false
		v.changed()
		return
	}
	msg := widget.NewLabel(viewmodel.ClearBlanksQuestion)
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(viewmodel.ClearBlanksTitle, viewmodel.ClearBlanksYes, viewmodel.ClearBlanksNo, msg, func(ok bool) {
		v.askClear = nil
		if ok && v.model == m {
			m.ClearBlanks = true
			v.changed()
			return
		}
		// Not confirmed, or the mapping changed under the question.
		v.blanks.SetSelected(viewmodel.BlankLabel(v.model != nil && v.model.ClearBlanks))
	}, v.ui.win)
	d.Resize(fyne.NewSize(560, 300))
	v.askClear = d
	v.ui.present(d)
}

// showChoices brings the choices in line with the model and the account:
// what the account or dedup setting rules out is greyed out, unless it is
// already chosen, so the operator can still take it back. "Send with" is
// shown only where Bulk Import pays off, or once chosen.
func (v *mapView) showChoices() {
	m := v.model
	api := ""
	if c := v.ui.accounts.conn; c != nil {
		api = c.acct.API
	}
	if m == nil {
		for _, s := range []*widget.Select{v.mode, v.blanks, v.fill, v.engine, v.dateOrder, v.zone} {
			enable(s, false)
		}
		v.engineRow.Hide()
		setShown(v.choicesNote, "")
		return
	}
	rows := 0
	if f := v.ui.file.model; f != nil {
		rows = f.DataRows
	}
	offered := viewmodel.BulkOffered(api, rows, m.Bulk)
	enable(v.mode, viewmodel.ModeUsable(m.Dedup, api, m.Bulk) || m.Mode != marketo.CreateOrUpdate)
	enable(v.blanks, viewmodel.ClearUsable(api, m.FillEmpty, m.Bulk) || m.ClearBlanks)
	enable(v.fill, viewmodel.FillUsable(m.Dedup, api, m.ClearBlanks, m.Bulk) || m.FillEmpty)
	enable(v.engine, viewmodel.BulkUsable(m.Dedup, m.Mode, m.ClearBlanks, m.FillEmpty) || m.Bulk)
	enable(v.dateOrder, true)
	enable(v.zone, true)
	if offered != v.engineRow.Visible() {
		if offered {
			v.engineRow.Show()
		} else {
			v.engineRow.Hide()
		}
	}
	limits := ""
	if m.Bulk {
		limits = job.BulkLimits
	}
	setShown(v.bulkLimits, limits)
	var notes []string
	for _, n := range []string{viewmodel.ChoicesNote(m.Dedup, api, m.ClearBlanks, m.FillEmpty),
		viewmodel.BulkNote(offered, m.Bulk, m.Dedup, m.Mode, m.ClearBlanks, m.FillEmpty)} {
		if n != "" {
			notes = append(notes, n)
		}
	}
	setShown(v.choicesNote, strings.Join(notes, " "))
	if item := v.values.Items[0]; item.Title != viewmodel.ValuesSummary(m.Values) {
		item.Title = viewmodel.ValuesSummary(m.Values)
		v.values.Refresh()
	}
}

func bold(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// setModel shows a new mapping (nil: no file yet).
func (v *mapView) setModel(m *viewmodel.MapModel) {
	v.model = m
	v.pre = nil
	v.columns.Objects = nil
	v.choosers, v.badges, v.offered, v.ticks = nil, nil, nil, nil
	if m == nil {
		v.columns.Refresh()
		v.refresh()
		return
	}
	v.dedup.SetChecked(m.Dedup)
	v.batch.SetSelected(strconv.Itoa(m.BatchSize))
	v.mode.SetSelected(viewmodel.ModeLabels[m.Mode])
	v.blanks.SetSelected(viewmodel.BlankLabel(m.ClearBlanks))
	v.fill.SetSelected(viewmodel.ExistingLabel(m.FillEmpty))
	v.engine.SetSelected(viewmodel.EngineLabel(m.Bulk))
	v.dateOrder.SetSelected(viewmodel.DateOrderLabels[m.Values.DateOrder])
	v.zone.SetSelected(v.zones.Label(m.Values.Zone))
	for i, name := range m.Header.Names {
		col := i
		title := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		title.Truncation = fyne.TextTruncateEllipsis
		letter := widget.NewLabel("column " + m.Header.Letters[i])
		letter.TextStyle.Italic = true
		samples := widget.NewLabel(strings.Join(m.Samples[i], " · "))
		samples.Truncation = fyne.TextTruncateEllipsis
		samples.TextStyle.Italic = true
		choose := widget.NewSelectEntry(m.Options())
		choose.SetText(m.Label(i))
		choose.OnChanged = func(s string) { v.choose(col, s) }
		badge := widget.NewLabel(m.Badge(i))
		badge.Importance = badgeImportance(m, i)
		// Beside the examples, where an x or a blank shows the column is one.
		tick := widget.NewCheck(viewmodel.TickLabel, func(on bool) {
			if v.model != nil && v.model.SetTick(col, on) {
				v.changed()
			}
		})
		tick.Checked = m.Tick(i)
		if !m.Tickable(i) {
			tick.Hide()
		}
		v.choosers = append(v.choosers, choose)
		v.offered = append(v.offered, m.Options())
		v.badges = append(v.badges, badge)
		v.ticks = append(v.ticks, tick)
		v.columns.Add(container.NewGridWithColumns(3,
			container.NewBorder(nil, nil, nil, letter, title),
			container.NewBorder(nil, nil, nil, tick, samples),
			container.NewBorder(nil, nil, nil, container.NewGridWrap(fyne.NewSize(150, 36), badge), choose)))
	}
	v.columns.Refresh()
	v.refresh()
}

func badgeImportance(m *viewmodel.MapModel, col int) widget.Importance {
	switch m.Matches[col].Confidence {
	case mapping.Exact:
		return widget.SuccessImportance
	case mapping.Synonym:
		return widget.SuccessImportance
	case mapping.Guess:
		return widget.WarningImportance
	}
	return widget.LowImportance
}

// choose applies the chooser's text: an exact option maps the column, any
// other text narrows the list to matching fields.
func (v *mapView) choose(col int, text string) {
	if v.model == nil {
		return
	}
	if text == v.model.Label(col) {
		return
	}
	cleared, err := v.model.Set(col, text)
	if err != nil {
		v.offer(col, v.model.Search(text))
		return
	}
	v.offer(col, v.model.Options())
	v.updateColumn(col)
	if cleared >= 0 {
		v.choosers[cleared].SetText(v.model.Label(cleared))
		v.updateColumn(cleared)
	}
	v.changed()
}

// offer sets the options a column's chooser drops down.
func (v *mapView) offer(col int, opts []string) {
	v.offered[col] = opts
	v.choosers[col].SetOptions(opts)
}

func (v *mapView) updateColumn(col int) {
	setText(v.badges[col], v.model.Badge(col))
	v.badges[col].Importance = badgeImportance(v.model, col)
	v.badges[col].Refresh()
	tick := v.ticks[col]
	if tick.Checked != v.model.Tick(col) {
		tick.SetChecked(v.model.Tick(col))
	}
	if v.model.Tickable(col) {
		tick.Show()
	} else {
		tick.Hide()
	}
}

// changed re-runs pre-flight after any change of mapping or settings.
func (v *mapView) changed() {
	if v.onChange != nil {
		v.onChange()
	}
}

// confirmGuessedKey takes the guessed key column as the operator's choice.
func (v *mapView) confirmGuessedKey() {
	if v.model == nil {
		return
	}
	if col := v.model.GuessedKey(); col >= 0 {
		v.model.Confirm(col)
		v.updateColumn(col)
		v.changed()
	}
}

// showChecking says how far a running pre-flight has read.
func (v *mapView) showChecking(rows int) {
	if v.model != nil && v.pre == nil {
		setText(v.reportHead, fmt.Sprintf("Pre-flight check: checking the rows… %s read", viewmodel.Count(rows)))
	}
}

// setPreflight shows a new pre-flight report.
func (v *mapView) setPreflight(p *viewmodel.Preflight) {
	v.pre = p
	v.refresh()
}

func (v *mapView) refresh() {
	m := v.model
	v.showChoices()
	v.target.refresh()
	if m == nil {
		setText(v.keyLine, "Open a file first (step 1).")
		setText(v.reportHead, "")
		setShown(v.dedupWarn, "")
		v.next.Disable()
		v.problems.Refresh()
		return
	}
	if v.pre != nil {
		setText(v.keyLine, m.KeySentence(v.pre.ByKey))
		setText(v.reportHead, "Pre-flight check: "+v.pre.Summary())
	} else {
		setText(v.keyLine, m.KeySentence(nil))
		setText(v.reportHead, "Pre-flight check: reading the rows…")
	}
	warn := ""
	if !m.Dedup {
		warn = "⚠ " + viewmodel.DedupWarning
	}
	setShown(v.dedupWarn, warn)
	note := ""
	if m.PresetName != "" {
		note = "Using your saved mapping “" + m.PresetName + "” for these columns."
	}
	setShown(v.presetNote, note)
	ready := v.pre != nil && v.pre.Sendable > 0 && !v.pre.Fatal && (v.pre.Invalid == 0 || v.validOnly.Checked)
	enable(v.next, ready)
	status := ""
	if v.pre != nil && v.pre.Invalid > 0 && !v.validOnly.Checked {
		status = "Fix the rows listed below in your file and open it again, or tick “Send the valid rows only”."
	}
	if v.pre != nil && v.pre.Sendable == 0 && !v.pre.Fatal {
		status = "No row can be sent yet: see the problems below."
	}
	setShown(v.status, status)
	if col := m.GuessedKey(); col >= 0 {
		v.confirmKey.SetText(fmt.Sprintf("Yes, %s holds the %s", viewmodel.Quote(m.Header.Names[col]), m.Label(col)))
		v.confirmKey.Show()
	} else {
		v.confirmKey.Hide()
	}
	v.problems.Refresh()
	v.ui.markDone(stepMap, ready)
}

func (v *mapView) presetDir() string { return v.ui.dirs().Presets() }

// refreshPresets lists the saved mappings in the preset picker.
func (v *mapView) refreshPresets() {
	ps, _ := mapping.LoadPresets(v.presetDir())
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	v.presets.SetOptions(names)
	v.presets.Selected = ""
	v.presets.Refresh()
}

func (v *mapView) loadPreset(name string) {
	if v.model == nil || name == "" {
		return
	}
	ps, _ := mapping.LoadPresets(v.presetDir())
	for _, p := range ps {
		if p.Name == name {
			v.model.ApplyPreset(p)
			if t := v.target.model; !t.ProgramOn || !t.FromColumn {
				v.model.SetStatusColumn(-1) // only the Target section makes a column the member status
			}
			v.setModel(v.model)
			v.changed()
			return
		}
	}
}

func (v *mapView) askPresetName() {
	if v.model == nil {
		return
	}
	name := newDialogEntry(false, v.ui.dismissTop)
	name.SetPlaceHolder("e.g. Trade-show badge scans")
	if v.model.PresetName != "" {
		name.SetText(v.model.PresetName)
	}
	d := dialog.NewForm("Save this mapping", "Save", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Name", name),
	}, func(ok bool) {
		if !ok || strings.TrimSpace(name.Text) == "" {
			return
		}
		if _, err := mapping.SavePreset(v.presetDir(), v.model.Preset(strings.TrimSpace(name.Text))); err != nil {
			v.ui.present(dialog.NewError(fmt.Errorf("the mapping could not be saved: %w", err), v.ui.win))
			return
		}
		v.model.PresetName = strings.TrimSpace(name.Text)
		v.refreshPresets()
		v.refresh()
	}, v.ui.win)
	d.Resize(fyne.NewSize(460, 200))
	v.ui.present(d)
	v.ui.win.Canvas().Focus(name)
}
