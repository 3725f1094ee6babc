package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"leadsheet/assets"
	"leadsheet/importer/sheet"
	"leadsheet/ui/viewmodel"
)

// fileView is the File step.
type fileView struct {
	ui    *App
	model *viewmodel.FileModel

	name, summary, message *widget.Label
	notes                  *widget.Label // reading notes: not errors, but worth knowing
	sheet, header          *widget.Select
	preview                *widget.Table
	recent                 *fyne.Container
	next                   *widget.Button
	loaded                 *fyne.Container
	content                fyne.CanvasObject
	busy                   bool
	locked                 bool // a run is going: the file, sheet and header stay as they are
	openBtn, tour          *widget.Button
	password               *dialog.FormDialog // the open password prompt, if any
}

func newFileView(ui *App) *fileView {
	v := &fileView{ui: ui}
	v.name = widget.NewLabelWithStyle("No file open", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.summary = widget.NewLabel("Open the Excel or CSV file that holds your leads.")
	v.message = widget.NewLabel("")
	v.message.Wrapping = fyne.TextWrapWord
	v.message.Importance = widget.DangerImportance
	v.notes = widget.NewLabel("")
	v.notes.Wrapping = fyne.TextWrapWord
	v.notes.Importance = widget.WarningImportance
	v.notes.Hide()
	v.sheet = widget.NewSelect(nil, func(s string) {
		if v.model != nil && s != v.model.Sheet {
			v.changeSheet(s)
		}
	})
	v.header = widget.NewSelect(nil, func(s string) {
		if v.model == nil {
			return
		}
		if n := headerChoiceRow(s); n > 0 && n != v.model.HeaderRow {
			v.changeHeader(n)
		}
	})
	v.preview = v.newPreview()
	v.next = widget.NewButtonWithIcon("Next: check the mapping", theme.NavigateNextIcon(), func() { ui.show(stepMap) })
	v.next.Importance = widget.HighImportance
	v.next.Disable()

	open := widget.NewButtonWithIcon("Open a workbook…", theme.FolderOpenIcon(), v.browse)
	open.Importance = widget.HighImportance
	v.openBtn = open
	tour := widget.NewButtonWithIcon("Try it with the local sandbox", theme.ComputerIcon(), func() {
		ui.accounts.useSandbox()
		ui.openSample()
	})
	v.tour = tour
	hint := widget.NewLabel("or drop an .xlsx or .csv file onto this window (Ctrl+O opens too)")
	hint.TextStyle.Italic = true
	v.recent = container.NewVBox()
	v.refreshRecent()

	choose := widget.NewForm(widget.NewFormItem("Sheet", v.sheet), widget.NewFormItem("Header row", v.header))
	v.loaded = container.NewBorder(
		container.NewVBox(choose, widget.NewLabelWithStyle("First rows of the sheet (the header row is marked ▶)", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})),
		nil, nil, nil, v.preview)
	v.loaded.Hide()
	top := container.NewVBox(
		container.NewHBox(open, tour, hint),
		container.NewBorder(nil, nil, nil, container.NewVBox(v.next), container.NewVBox(v.name, v.summary)),
		v.message,
		v.notes,
	)
	v.content = container.NewBorder(top, nil, nil, nil, container.NewStack(v.recent, v.loaded))
	return v
}

// headerChoice is how a row appears in the header-row picker.
func headerChoice(row, detected int) string {
	s := "Row " + strconv.Itoa(row)
	if row == detected {
		s += " (detected)"
	}
	return s
}

func headerChoiceRow(s string) int {
	var n int
	fmt.Sscanf(s, "Row %d", &n)
	return n
}

// lock disables what would change the file, sheet or header row while a
// run reads them.
func (v *fileView) lock(locked bool) {
	v.locked = locked
	for _, w := range []disableable{v.openBtn, v.tour, v.sheet, v.header} {
		enable(w, !locked)
	}
	for _, o := range v.recent.Objects {
		if b, ok := o.(*widget.Button); ok {
			enable(b, !locked)
		}
	}
}

func (v *fileView) refreshRecent() {
	v.recent.Objects = nil
	files := viewmodel.RecentFiles(v.ui.fyne.Preferences())
	if len(files) == 0 {
		v.recent.Refresh()
		return
	}
	v.recent.Add(widget.NewLabelWithStyle("Recent files", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for _, f := range files {
		path := f
		b := widget.NewButtonWithIcon(filepath.Base(path)+"   "+filepath.Dir(path), theme.DocumentIcon(), func() { v.open(path, "") })
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		v.recent.Add(b)
	}
	v.recent.Refresh()
}

func (v *fileView) newPreview() *widget.Table {
	t := widget.NewTable(
		func() (int, int) {
			if v.model == nil {
				return 0, 0
			}
			cols := len(v.model.Header.Names)
			for _, r := range v.model.Preview {
				cols = max(cols, len(r.Cells))
			}
			return len(v.model.Preview), cols + 1
		},
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			r := v.model.Preview[id.Row]
			var s string
			isHeader := r.Number == v.model.HeaderRow
			if id.Col == 0 {
				s = strconv.Itoa(r.Number)
				if isHeader {
					s = "▶ " + s
				}
			} else if id.Col-1 < len(r.Cells) {
				s = r.Cells[id.Col-1]
			}
			bold := isHeader || id.Col == 0
			if l.Text != s || l.TextStyle.Bold != bold {
				l.TextStyle.Bold = bold
				l.SetText(s)
			}
		})
	t.SetColumnWidth(0, 64)
	for i := 1; i < 40; i++ {
		t.SetColumnWidth(i, 150)
	}
	return t
}

// browse shows the open-file dialog.
func (v *fileView) browse() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			v.fail(fmt.Sprintf("The file dialog failed: %v", err))
			return
		}
		if rc == nil {
			return
		}
		path := rc.URI().Path()
		rc.Close()
		v.open(path, "")
	}, v.ui.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".xlsx", ".xlsm", ".csv", ".txt"}))
	if files := viewmodel.RecentFiles(v.ui.fyne.Preferences()); len(files) > 0 {
		if dir, err := storage.ListerForURI(storage.NewFileURI(filepath.Dir(files[0]))); err == nil {
			d.SetLocation(dir)
		}
	}
	d.Resize(fyne.NewSize(900, 600))
	v.ui.present(d)
}

// showNotes lists what reading the sheet noticed (merged cells, formulas
// without results, values outside the header...).
func (v *fileView) showNotes(notes []string) {
	text := ""
	for _, n := range notes {
		text += "ⓘ " + n + "\n"
	}
	setShown(v.notes, strings.TrimSuffix(text, "\n"))
}

func (v *fileView) fail(msg string) {
	setShown(v.message, msg)
}

// open opens a workbook in the background; an encrypted one asks for its password.
func (v *fileView) open(path, password string) {
	if v.busy || v.locked {
		return
	}
	v.ui.sess.reopen = nil
	v.openAt(path, password, "", 0)
}

// openAt opens a workbook on a sheet and header row (the first visible
// sheet and the detected header when not given), as a run of the history
// had them.
func (v *fileView) openAt(path, password, sheetName string, headerRow int) {
	if v.busy || v.locked {
		return
	}
	v.busy = true
	setShown(v.message, "")
	setShown(v.notes, "")
	v.name.SetText(filepath.Base(path))
	v.summary.SetText("Opening…")
	go func() {
		m, err := openOn(path, password, sheetName, headerRow)
		v.ui.opts.Do(func() {
			v.busy = false
			switch {
			case errors.Is(err, sheet.ErrPasswordRequired), errors.Is(err, sheet.ErrWrongPassword):
				v.summary.SetText("")
				v.askPassword(path, errors.Is(err, sheet.ErrWrongPassword), sheetName, headerRow)
			case err != nil:
				v.summary.SetText("")
				v.fail(viewmodel.OpenTrouble(path, err))
			default:
				v.setModel(m)
				viewmodel.AddRecent(v.ui.fyne.Preferences(), path)
				v.refreshRecent()
			}
		})
	}()
}

// openOn opens a workbook and selects a sheet and header row, when given.
func openOn(path, password, sheetName string, headerRow int) (*viewmodel.FileModel, error) {
	ctx := context.Background()
	m, err := viewmodel.OpenFile(ctx, path, password)
	if err != nil || sheetName == "" && headerRow == 0 {
		return m, err
	}
	if sheetName != "" && sheetName != m.Sheet {
		err = m.SelectSheet(ctx, sheetName)
	}
	if err == nil && headerRow > 0 && headerRow != m.HeaderRow {
		err = m.SetHeaderRow(ctx, headerRow)
	}
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("sheet %q, header row %d: %w", sheetName, headerRow, err)
	}
	return m, nil
}

func (v *fileView) askPassword(path string, wrong bool, sheetName string, headerRow int) {
	pw := newDialogEntry(true, v.ui.dismissTop)
	text := filepath.Base(path) + " is protected with a password. Enter it to read the file (Leadsheet never changes it)."
	if wrong {
		text = "That password did not open " + filepath.Base(path) + ". Check it and try again."
	}
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewForm("Password needed", "Open", "Cancel", []*widget.FormItem{widget.NewFormItem("", msg), widget.NewFormItem("Password", pw)}, func(ok bool) {
		v.password = nil
		if ok {
			v.openAt(path, pw.Text, sheetName, headerRow)
		} else {
			v.fail(filepath.Base(path) + " was not opened: it needs its password.")
		}
	}, v.ui.win)
	d.Resize(fyne.NewSize(480, 220))
	v.password = d
	v.ui.present(d)
	v.ui.win.Canvas().Focus(pw)
}

func (v *fileView) setModel(m *viewmodel.FileModel) {
	// The background read of the old sheet may still be using its workbook.
	v.ui.sess.stopRead()
	if v.model != nil {
		v.model.Close()
	}
	v.model = m
	v.sheet.SetOptions(m.SheetNames())
	v.sheet.Selected = m.Sheet
	v.sheet.Refresh()
	v.afterChange()
}

func (v *fileView) changeSheet(s string) {
	if v.locked {
		return
	}
	v.ui.sess.stopRead()
	if err := v.model.SelectSheet(context.Background(), s); err != nil {
		v.fail(viewmodel.OpenTrouble(v.model.Path, err))
	}
	v.afterChange()
}

func (v *fileView) changeHeader(n int) {
	if v.locked {
		return
	}
	v.ui.sess.stopRead()
	if err := v.model.SetHeaderRow(context.Background(), n); err != nil {
		v.fail(viewmodel.OpenTrouble(v.model.Path, err))
	}
	v.afterChange()
}

// afterChange redraws the step and hands the new header to the Map step.
func (v *fileView) afterChange() {
	m := v.model
	v.name.SetText(filepath.Base(m.Path))
	v.summary.SetText(m.Summary())
	msg := ""
	if !m.Ready() {
		msg = fmt.Sprintf("Sheet %q has no rows to import. Pick the sheet that holds your leads.", m.Sheet)
	}
	setShown(v.message, msg)
	v.showNotes(m.FileNotes(m.Notes))
	var choices []string
	for _, r := range m.Preview {
		if len(r.Cells) > 0 {
			choices = append(choices, headerChoice(r.Number, m.Detected))
		}
	}
	v.header.SetOptions(choices)
	v.header.Selected = ""
	if m.HeaderRow > 0 {
		v.header.Selected = headerChoice(m.HeaderRow, m.Detected)
	}
	v.header.Refresh()
	v.preview.Refresh()
	v.recent.Hide()
	v.loaded.Show()
	enable(v.next, m.Ready())
	v.ui.markDone(stepFile, m.Ready())
	v.ui.updateTitle()
	v.ui.fileChanged(m)
}

// openSample copies the bundled sample workbook to the app's storage (the
// results workbook is written beside it) and opens it.
func (ui *App) openSample() {
	dir := ui.fyne.Storage().RootURI().Path()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		ui.file.fail(fmt.Sprintf("The sample workbook cannot be saved in %s: %v", dir, err))
		return
	}
	path := filepath.Join(dir, assets.SampleWorkbookName)
	if err := os.WriteFile(path, assets.SampleWorkbook, 0o644); err != nil {
		ui.file.fail(fmt.Sprintf("The sample workbook cannot be saved in %s: %v", dir, err))
		return
	}
	ui.file.open(path, "")
}
