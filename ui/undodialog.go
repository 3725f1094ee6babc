package ui

import (
	"context"
	"os"
	"strings"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"leadsheet/importer/history"
	"leadsheet/importer/job"
	"leadsheet/importer/run"
	"leadsheet/ui/viewmodel"
)

// windowHolder is who holds a journal's or an undo's lock when the window
// runs the import or the undo ("leadsheet sync" and "leadsheet undo" for
// the command line), as the history records who ran it.
const windowHolder = "the Leadsheet window"

// undoDialog takes one import back, as `leadsheet undo` does: it looks
// the import's leads up in Marketo and says what the undo will do,
// changing nothing; the operator types the import's id to confirm; then
// the undo runs with its progress shown. Marketo is called off the Fyne
// goroutine, and the widgets are touched only on it.
type undoDialog struct {
	ui    *App
	model *viewmodel.UndoModel
	conn  *connection // the account the plan is looked up with, and the undo run with
	d     *dialog.CustomDialog

	intro, plan, leads, status *widget.Label
	leadsBox                   *container.Scroll
	body                       *container.Scroll // laid out again as lines come and go
	force                      *widget.Check
	confirm                    *dialogEntry
	undo, stop, results        *widget.Button

	cancel context.CancelFunc // stops the lookup or the undo going
	closed bool
	onEnd  func() // after the undo ends: the history has its outcome
}

// newUndoDialog opens the Undo dialog for import r with the window's
// account as it is now; onClosed is called once it closes, onEnd once an
// undo it ran ended.
func newUndoDialog(ui *App, r history.Run, onClosed, onEnd func()) *undoDialog {
	u := &undoDialog{ui: ui, model: viewmodel.NewUndoModel(r), conn: ui.accounts.conn, onEnd: onEnd}
	u.intro = widget.NewLabel(u.model.Intro(ui.history.loc))
	u.intro.Wrapping = fyne.TextWrapWord
	u.intro.TextStyle.Bold = true
	u.plan = widget.NewLabel("")
	u.plan.Wrapping = fyne.TextWrapWord
	u.plan.Hide()
	u.leads = widget.NewLabel("")
	u.leads.Wrapping = fyne.TextWrapWord
	u.leadsBox = container.NewVScroll(u.leads)
	u.leadsBox.SetMinSize(fyne.NewSize(0, 120))
	u.leadsBox.Hide()
	u.force = widget.NewCheck(viewmodel.ForceLabel, func(on bool) {
		u.model.Force = on
		u.refresh()
	})
	u.confirm = newDialogEntry(false, ui.dismissTop)
	u.confirm.SetPlaceHolder("Type " + r.ID)
	u.confirm.OnChanged = func(s string) {
		u.model.Typed = s
		u.refresh()
	}
	u.confirm.OnSubmitted = func(string) { u.start() }
	u.status = widget.NewLabel("")
	u.status.Wrapping = fyne.TextWrapWord

	u.undo = widget.NewButtonWithIcon(viewmodel.UndoButton, theme.ContentUndoIcon(), u.start)
	u.undo.Importance = widget.DangerImportance
	u.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() {
		if u.cancel != nil && u.model.Running {
			u.cancel()
			u.model.Stopping = true
			u.refresh()
		}
	})
	u.results = widget.NewButtonWithIcon("Open the undo's results", theme.FileIcon(), func() {
		if p := u.model.Result.Results; p != "" {
			ui.openPath(p)
		}
	})
	closeBtn := widget.NewButton("Close", func() { u.d.Hide() })

	body := container.NewVBox(u.intro, widget.NewSeparator(), u.plan, u.leadsBox, u.force,
		widget.NewForm(widget.NewFormItem("Import id", u.confirm)), u.status)
	u.body = container.NewVScroll(body)
	u.d = dialog.NewCustomWithoutButtons(u.model.Title(), container.NewGridWrap(fyne.NewSize(700, 430), u.body), ui.win)
	u.d.SetButtons([]fyne.CanvasObject{closeBtn, u.stop, u.results, u.undo})
	// Closing stops what is going: an undo stopped resumes when run again.
	u.d.SetOnClosed(func() {
		u.closed = true
		u.stopAll()
		onClosed()
		ui.history.refreshActions()
	})
	u.refresh()
	ui.present(u.d)
	u.lookUp()
	return u
}

// stopAll stops the lookup or undo going, if any.
func (u *undoDialog) stopAll() {
	if u.cancel != nil {
		u.cancel()
	}
}

// lookUp works out what the undo would do, off the Fyne goroutine.
func (u *undoDialog) lookUp() {
	c, m := u.conn, u.model
	if c == nil {
		m.Planned(job.UndoCheck{}, viewmodel.UndoNeedsAccount(m.Run))
		u.refresh()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	u.cancel = cancel
	dirs, id, ro := u.ui.dirs(), m.Run.ID, runOptions(c.budget)
	go func() {
		check, err := job.PlanUndo(ctx, dirs, id, c.client, c.acct, ro)
		cancel()
		u.ui.opts.Do(func() {
			if u.closed {
				return
			}
			u.cancel = nil
			m.Planned(check, err)
			u.refresh()
		})
	}()
}

// start runs the undo the operator confirmed, off the Fyne goroutine;
// its progress is redrawn by one ticker, not per lead.
func (u *undoDialog) start() {
	m, c := u.model, u.conn
	if !m.CanUndo() || c == nil || u.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	u.cancel = cancel
	m.Start()
	u.refresh()
	var done atomic.Int64
	ended := make(chan struct{})
	go every(refreshEvery, ended, func() {
		n := int(done.Load())
		u.ui.opts.Do(func() {
			if m.Running && m.Done != n {
				m.Done = n
				u.refresh()
			}
		})
	})
	id := m.Run.ID
	opts := job.UndoOptions{Account: c.acct, Dirs: u.ui.dirs(), Holder: windowHolder, Force: m.Force, Run: runOptions(c.budget)}
	go func() {
		res, err := job.Undo(ctx, id, c.client, opts, func(rows []run.UndoRow) { done.Add(int64(len(rows))) })
		stopped := ctx.Err() != nil
		close(ended)
		cancel()
		there := false
		if res.Results != "" {
			st, serr := os.Stat(res.Results)
			there = serr == nil && st.Mode().IsRegular()
		}
		u.ui.opts.Do(func() {
			u.cancel = nil
			m.Finish(res, err, stopped)
			m.ResultsThere = there
			if !u.closed {
				u.refresh()
			}
			u.onEnd()
		})
	}()
}

// refresh brings the widgets in line with the model.
func (u *undoDialog) refresh() {
	m := u.model
	lines := m.PlanLines()
	for i, l := range lines {
		lines[i] = "• " + l
	}
	setShown(u.plan, strings.Join(lines, "\n"))
	leads := strings.Join(m.LeadLines(), "\n")
	setText(u.leads, leads)
	if leads == "" {
		u.leadsBox.Hide()
	} else {
		u.leadsBox.Show()
	}
	if u.force.Checked != m.Force {
		u.force.SetChecked(m.Force)
	}
	enable(u.force, m.CanForce())
	enable(u.confirm, m.CanConfirm())
	enable(u.undo, m.CanUndo())
	enable(u.stop, m.Running)
	enable(u.results, m.Ended && m.ResultsThere)
	imp := widget.MediumImportance
	if m.PlanErr != nil || (m.Ended && (m.Err != nil || m.Stopped)) {
		imp = widget.DangerImportance
	}
	if u.status.Importance != imp {
		u.status.Importance = imp
		u.status.Refresh()
	}
	setText(u.status, m.Status())
	if u.body != nil {
		u.body.Refresh()
	}
}
