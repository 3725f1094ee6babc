package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"leadsheet/importer"
	"leadsheet/importer/job"
	"leadsheet/importer/results"
	"leadsheet/ui/viewmodel"
)

// refreshEvery is the period of the one ticker that turns model changes
// into a table refresh. Each redraw repaints the whole window: without a GPU
// (software GL) about 18 ms of CPU, so at the design's 250 ms a paced
// 100,000-row run (75 s) spent 5 s redrawing, half again the CPU of
// `leadsheet sync`. Twice a second still shows every batch land (Marketo's
// budget allows five a second) at half that cost.
const refreshEvery = 500 * time.Millisecond

// RunRequest says which rows one run sends.
type RunRequest struct {
	Rows       []int // sheet rows to send; nil means every valid row
	FirstBatch bool  // canary: send only the first batch, then stop
	// StartOver sets aside an unfinished run of the same import that used
	// other settings, and sends every row afresh.
	StartOver bool
}

// RunFunc performs one run, reporting each event to emit (from any
// goroutine). Cancelling ctx stops it; that is not an error.
type RunFunc func(ctx context.Context, req RunRequest, emit func(importer.Event)) error

// QuotaFunc estimates what a plan's run costs against today's API quota,
// reading today's usage from Marketo where it can. It is called off the
// Fyne goroutine; cancelling ctx gives up on the usage.
type QuotaFunc func(ctx context.Context) QuotaCheck

// QuotaCheck is what a [QuotaFunc] found.
type QuotaCheck struct {
	Quota job.Quota
	// At is when: the estimate's words count the hours to the reset from
	// then.
	At time.Time
	// BulkHint, when set, offers Bulk Import for a large sheet sent with
	// Sync Leads, with what each costs.
	BulkHint string
}

// quotaTimeout bounds the wait for today's usage; past it the estimate
// counts the whole quota as left, and says so.
const quotaTimeout = 30 * time.Second

// SyncPlan is what the Sync step shows and runs, built from the File and
// Map steps.
type SyncPlan struct {
	Rows    *viewmodel.Rows // every data row, invalid ones already Skipped
	Batches int             // batches a full run sends
	Dedup   bool
	KeyName string // header of the key column most rows match on
	Bulk    bool   // the rows go by Bulk Import: a call per file, answered per file
	Run     RunFunc
	// Export writes the results workbook for the rows' current states and
	// returns its path.
	Export func([]importer.RowResult) (string, error)
	// Resume, when set, offers to continue a run a journal says was
	// interrupted; it reports the rows already confirmed.
	Resume *ResumeOffer
	// Blocked, when set, says why the run cannot start yet (no account).
	Blocked string
	// Preview, when set, previews the rows Run would send (REST accounts),
	// at a cost of PreviewCalls lookups.
	Preview      PreviewFunc
	PreviewCalls int
	// Share says how much of the instance's API limits the run takes.
	Share string
	// Quota, when set, is checked once when the plan is shown: Start
	// waits for it, is refused when the import cannot fit in what is
	// left today, and asks first when it takes more than half.
	Quota QuotaFunc
	// Target is what the run does after each batch: add the leads to a
	// static list, set their program status; zero for neither.
	Target viewmodel.PlanTarget
}

// ResumeOffer describes a journal left by an interrupted run of the same file.
type ResumeOffer struct {
	Confirmed int    // rows Marketo already confirmed
	When      string // when the earlier run stopped, for the operator
}

// syncView is the Sync step: plan line, progress, counters and the live table.
type syncView struct {
	win  fyne.Window
	do   func(func()) // fyne.Do in the app; tests run it inline
	open func(path string)

	plan  *SyncPlan
	model *viewmodel.SyncModel

	planLabel, share, quotaLine, bulkHint   *widget.Label
	start, cancelBtn, results, retry        *widget.Button
	previewBtn                              *widget.Button
	preview                                 *previewView
	tabs                                    *container.AppTabs
	rowsTab, previewTab                     *container.TabItem
	canary                                  *widget.Check
	bar                                     *widget.ProgressBar
	barText, eta, throttle, stopped         *widget.Label
	created, updated, failed, notSent, wait *widget.Label
	targets                                 *widget.Label // the list and program counts, when targeted
	filter                                  *widget.RadioGroup
	table                                   *widget.Table
	detail                                  *widget.Label // the full text of the selected row
	content                                 fyne.CanvasObject

	problemsOnly bool
	view         []int // table index -> model index when problemsOnly
	cols         []int // table column -> col* constant: List and Program only when targeted
	cancel       context.CancelFunc
	running      bool
	resultsPath  string
	onRunning    func(bool)
	ask          *dialog.ConfirmDialog // the open question (canary, resume, quota, start over), if any
	present      func(dialog.Dialog)   // shows a dialog so Esc can close it

	// The plan's quota check: the estimate once it has arrived, the way
	// to stop waiting for it, and a start asked for before it arrived.
	quota     *job.Quota
	quotaAt   time.Time
	hint      string // the quota check's offer of Bulk Import, if any
	stopQuota context.CancelFunc
	pending   *RunRequest
}

func newSyncView(win fyne.Window, do func(func()), open func(string)) *syncView {
	v := &syncView{win: win, do: do, open: open, present: func(d dialog.Dialog) { d.Show() }}
	v.planLabel = widget.NewLabel("Open a file and check the mapping first.")
	v.planLabel.TextStyle.Bold = true
	v.planLabel.Wrapping = fyne.TextWrapWord
	v.share = widget.NewLabel("")
	v.share.Importance = widget.LowImportance
	v.share.Wrapping = fyne.TextWrapWord
	v.quotaLine = widget.NewLabel("")
	v.quotaLine.Wrapping = fyne.TextWrapWord
	v.bulkHint = widget.NewLabel("")
	v.bulkHint.Importance = widget.LowImportance
	v.bulkHint.Wrapping = fyne.TextWrapWord
	v.bulkHint.Hide()
	v.preview = newPreviewView(do)
	v.preview.onEnd = v.refresh
	v.previewBtn = widget.NewButtonWithIcon(viewmodel.PreviewLabel, theme.SearchIcon(), v.onPreview)
	v.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), v.onStart)
	v.start.Importance = widget.HighImportance
	v.cancelBtn = widget.NewButtonWithIcon("Cancel", theme.MediaStopIcon(), v.onCancel)
	v.canary = widget.NewCheck("Send the first batch, then ask before the rest", nil)
	v.bar = widget.NewProgressBar()
	v.bar.TextFormatter = func() string { return v.barText.Text }
	v.barText = widget.NewLabel("")
	v.eta = widget.NewLabel("")
	v.throttle = widget.NewLabel("")
	v.throttle.Importance = widget.WarningImportance
	v.throttle.Wrapping = fyne.TextWrapWord
	v.stopped = widget.NewLabel("")
	v.stopped.Importance = widget.DangerImportance
	v.stopped.Wrapping = fyne.TextWrapWord
	v.created = widget.NewLabel("")
	v.created.Importance = widget.SuccessImportance
	v.updated = widget.NewLabel("")
	v.updated.Importance = widget.SuccessImportance
	v.failed = widget.NewLabel("")
	v.failed.Importance = widget.DangerImportance
	v.notSent = widget.NewLabel("")
	v.wait = widget.NewLabel("")
	v.targets = widget.NewLabel("")
	v.targets.Wrapping = fyne.TextWrapWord
	v.targets.Hide()
	v.filter = widget.NewRadioGroup([]string{"All rows", "Only rows that need attention"}, func(s string) {
		v.problemsOnly = s != "All rows"
		v.refresh()
	})
	v.filter.Horizontal = true
	v.filter.Selected = "All rows"
	v.results = widget.NewButtonWithIcon("Open results", theme.FileIcon(), func() {
		if v.resultsPath != "" {
			v.open(v.resultsPath)
		}
	})
	v.retry = widget.NewButtonWithIcon("Retry failed rows", theme.ViewRefreshIcon(), v.onRetry)
	v.table = v.newTable()
	v.setColumns(nil)
	v.detail = widget.NewLabel("")
	v.detail.Wrapping = fyne.TextWrapWord
	v.detail.Hide()
	v.table.OnSelected = func(id widget.TableCellID) {
		if id.Row < 0 || id.Row >= v.rowCount() {
			return
		}
		r := v.model.Row(v.modelIndex(id.Row))
		msg := fmt.Sprintf("Row %d · %s", r.Row, statusText[r.State])
		if r.LeadID != 0 {
			msg += fmt.Sprintf(" · Marketo lead %d", r.LeadID)
		}
		if w := viewmodel.ListCell(r.List); w != "" {
			msg += " · List: " + w
		}
		if w := viewmodel.ProgramCell(r.Program); w != "" {
			msg += " · Program: " + w
		}
		if r.Reason != "" {
			msg += " — " + r.Reason
		}
		setShown(v.detail, msg)
	}

	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(v.previewBtn, v.start, v.cancelBtn), v.planLabel),
		v.share,
		v.quotaLine,
		v.bulkHint,
		v.canary,
		container.NewBorder(nil, nil, nil, v.eta, v.bar),
		container.NewHBox(dot(statusColor(importer.Created)), v.created, dot(statusColor(importer.Updated)), v.updated,
			dot(statusColor(importer.Failed)), v.failed, dot(statusColor(importer.NotSent)), v.notSent,
			dot(statusColor(importer.Waiting)), v.wait),
		v.targets,
		v.throttle,
		v.stopped,
	)
	rows := container.NewBorder(container.NewBorder(nil, nil, v.filter, container.NewHBox(v.results, v.retry)), v.detail, nil, nil, v.table)
	v.rowsTab = container.NewTabItem("Rows", rows)
	v.previewTab = container.NewTabItem("Preview", v.preview.content)
	v.tabs = container.NewAppTabs(v.rowsTab, v.previewTab)
	v.content = container.NewBorder(top, nil, nil, nil, v.tabs)
	v.setPlan(nil)
	return v
}

// dot is a small coloured disc placed before a counter.
func dot(c color.Color) fyne.CanvasObject {
	circle := canvas.NewCircle(c)
	return container.New(layout.NewCenterLayout(), container.NewGridWrap(fyne.NewSize(10, 10), circle))
}

func statusColor(s importer.RowState) color.Color {
	switch s {
	case importer.Created, importer.Updated, importer.CreatedOrUpdated, importer.InMarketo:
		return theme.Color(theme.ColorNameSuccess)
	case importer.Failed, importer.Skipped:
		return theme.Color(theme.ColorNameError)
	case importer.Unknown:
		return theme.Color(theme.ColorNameWarning)
	case importer.Sending:
		return theme.Color(theme.ColorNamePrimary)
	default:
		return theme.Color(theme.ColorNameDisabled)
	}
}

// statusText is what the Status column says beside the state's icon.
var statusText = [...]string{
	importer.Waiting: "Waiting",
	importer.Sending: "Sending…",
	importer.Created: "Created",
	importer.Updated: "Updated",
	importer.Failed:  "Failed",
	importer.Skipped: "Invalid (not sent)",
	importer.NotSent: "Not sent",
	importer.Unknown: "Check in Marketo",
	// Marketo has the lead; a lost answer hides whether this run made it.
	importer.CreatedOrUpdated: "Created or updated",
	importer.LeftAlone:        "Left alone",
	// Bulk Import says neither created nor updated.
	importer.Imported:            "Imported",
	importer.ImportedWithWarning: "Imported, with a warning",
	// List-only found the person and changed nothing about them.
	importer.InMarketo: results.StatusWord(importer.InMarketo),
}

func statusIcon(s importer.RowState) fyne.Resource {
	switch s {
	case importer.Created, importer.Updated, importer.CreatedOrUpdated, importer.Imported, importer.InMarketo:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case importer.ImportedWithWarning:
		return theme.NewWarningThemedResource(theme.ConfirmIcon())
	case importer.Failed, importer.Skipped:
		return theme.NewErrorThemedResource(theme.CancelIcon())
	case importer.Unknown:
		return theme.NewWarningThemedResource(theme.QuestionIcon())
	case importer.Sending:
		return theme.NewPrimaryThemedResource(theme.UploadIcon())
	case importer.NotSent:
		return theme.NewDisabledResource(theme.MediaPauseIcon())
	case importer.LeftAlone:
		return theme.NewDisabledResource(theme.ConfirmIcon())
	default:
		return theme.NewDisabledResource(theme.MoreHorizontalIcon())
	}
}

func statusImportance(s importer.RowState) widget.Importance {
	switch s {
	case importer.Created, importer.Updated, importer.CreatedOrUpdated, importer.Imported, importer.InMarketo:
		return widget.SuccessImportance
	case importer.ImportedWithWarning:
		return widget.WarningImportance
	case importer.Failed, importer.Skipped:
		return widget.DangerImportance
	case importer.Unknown:
		return widget.WarningImportance
	default:
		return widget.MediumImportance
	}
}

// Column positions of the live table.
const (
	colRow = iota
	colKey
	colStatus
	colLeadID
	colList
	colProgram
	colMessage
	numCols
)

var colWidths = [numCols]float32{70, 260, 170, 100, 190, 230, 520}

// columnsFor are the live table's columns for a plan: List and Program
// only when the run targets them.
func columnsFor(p *SyncPlan) []int {
	cols := []int{colRow, colKey, colStatus, colLeadID}
	if p != nil && p.Target.List != "" {
		cols = append(cols, colList)
	}
	if p != nil && p.Target.Program != "" {
		cols = append(cols, colProgram)
	}
	return append(cols, colMessage)
}

// listImportance and programImportance colour a row's list and program
// outcomes as the Status column colours its state.
func listImportance(state importer.RowState, l importer.ListState) widget.Importance {
	switch {
	case l == importer.ListAdded || l == importer.ListAlready:
		return widget.SuccessImportance
	case viewmodel.TargetTrouble(state, l, importer.ProgramNone):
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

func programImportance(p importer.ProgramState) widget.Importance {
	switch p {
	case importer.ProgramSet, importer.ProgramAlready:
		return widget.SuccessImportance
	case importer.ProgramRefused, importer.ProgramNotSet:
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

// statusCell is one table cell: an icon (shown in the Status column only)
// and a label whose text and colour change only when they differ, because
// Label.SetText always redraws.
type statusCell struct {
	icon  *widget.Icon
	label *widget.Label
	box   *fyne.Container
	state importer.RowState
	col   int
}

func newStatusCell() *statusCell {
	c := &statusCell{icon: widget.NewIcon(nil), label: widget.NewLabel(""), state: 255, col: -1}
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.box = container.NewBorder(nil, nil, c.icon, nil, c.label)
	return c
}

func (c *statusCell) set(text string, imp widget.Importance) {
	if c.label.Text != text || c.label.Importance != imp {
		c.label.Importance = imp
		c.label.SetText(text)
	}
}

func (v *syncView) newTable() *widget.Table {
	cells := map[fyne.CanvasObject]*statusCell{}
	t := widget.NewTableWithHeaders(
		func() (int, int) { return v.rowCount(), len(v.cols) },
		func() fyne.CanvasObject {
			c := newStatusCell()
			cells[c.box] = c
			return c.box
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			c := cells[o]
			if id.Row >= v.rowCount() || id.Col >= len(v.cols) {
				return
			}
			v.updateCell(c, v.modelIndex(id.Row), v.cols[id.Col])
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.TextStyle.Bold = true
		return l
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		var s string
		col := -1
		if id.Col >= 0 && id.Col < len(v.cols) {
			col = v.cols[id.Col]
		}
		switch col {
		case colRow:
			s = "Row"
		case colKey:
			s = "Key"
			if v.plan != nil && v.plan.KeyName != "" {
				s = "Key (" + v.plan.KeyName + ")"
			}
		case colStatus:
			s = "Status"
		case colLeadID:
			s = "Lead ID"
		case colList:
			s = "List"
		case colProgram:
			s = "Program"
		case colMessage:
			s = "Message"
		}
		if l.Text != s {
			l.SetText(s)
		}
	}
	return t
}

// setColumns lays the table out for a plan's columns.
func (v *syncView) setColumns(p *SyncPlan) {
	v.cols = columnsFor(p)
	for i, c := range v.cols {
		v.table.SetColumnWidth(i, colWidths[c])
	}
}

func (v *syncView) updateCell(c *statusCell, i, col int) {
	r := v.model.Row(i)
	if c.col != col {
		c.col = col
		c.state = 255
		if col == colStatus {
			c.icon.Show()
		} else {
			c.icon.Hide()
			c.icon.SetResource(nil)
		}
	}
	switch col {
	case colRow:
		c.set(strconv.Itoa(r.Row), widget.MediumImportance)
	case colKey:
		c.set(r.Key, widget.MediumImportance)
	case colStatus:
		if c.state != r.State {
			c.state = r.State
			c.icon.SetResource(statusIcon(r.State))
		}
		c.set(statusText[r.State], statusImportance(r.State))
	case colLeadID:
		s := ""
		if r.LeadID != 0 {
			s = strconv.Itoa(r.LeadID)
		}
		c.set(s, widget.MediumImportance)
	case colList:
		c.set(viewmodel.ListCell(r.List), listImportance(r.State, r.List))
	case colProgram:
		c.set(viewmodel.ProgramCell(r.Program), programImportance(r.Program))
	case colMessage:
		c.set(r.Reason, widget.MediumImportance)
	}
}

func (v *syncView) rowCount() int {
	if v.model == nil {
		return 0
	}
	if v.problemsOnly {
		return len(v.view)
	}
	return v.model.Len()
}

func (v *syncView) modelIndex(row int) int {
	if v.problemsOnly {
		return v.view[row]
	}
	return row
}

// setPlan shows a new plan (nil: nothing to sync yet) and resets the run state.
func (v *syncView) setPlan(p *SyncPlan) {
	if v.running {
		return
	}
	v.plan = p
	v.setColumns(p)
	v.preview.planChanged(p)
	v.resultsPath = ""
	v.checkQuota(p)
	if p == nil {
		v.model = nil
	} else {
		v.model = viewmodel.NewSyncModel(p.Rows, nil)
	}
	if v.laidOut() {
		v.table.ScrollToTop()
	}
	v.refresh()
	if p != nil && p.Resume != nil {
		v.offerResume(p.Resume)
	}
}

func (v *syncView) offerResume(r *ResumeOffer) {
	msg := fmt.Sprintf("Leadsheet sent part of this file before (%s) and Marketo confirmed %s rows.\n"+
		"Continue sends only the rows that were not confirmed.", r.When, viewmodel.Count(r.Confirmed))
	plan := v.plan
	v.confirm(dialog.NewCustomConfirm("Continue the earlier sync?", "Continue", "Not now", widget.NewLabel(msg), func(ok bool) {
		v.ask = nil
		if ok && v.plan == plan {
			v.begin(RunRequest{Rows: v.model.RowsIn(importer.Waiting, importer.NotSent)})
		}
	}, v.win))
}

// checkQuota starts the plan's quota check in the background, giving up
// on the previous plan's.
func (v *syncView) checkQuota(p *SyncPlan) {
	if v.stopQuota != nil {
		v.stopQuota()
		v.stopQuota = nil
	}
	v.quota, v.pending, v.hint = nil, nil, ""
	if p == nil || p.Quota == nil || p.Blocked != "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), quotaTimeout)
	v.stopQuota = cancel
	go func() {
		defer cancel()
		qc := p.Quota(ctx)
		v.do(func() {
			if v.plan != p || v.quota != nil {
				return // another plan, with its own check
			}
			v.stopQuota = nil
			v.quota, v.quotaAt, v.hint = &qc.Quota, qc.At, qc.BulkHint
			v.refresh()
			if r := v.pending; r != nil {
				v.pending = nil
				v.begin(*r)
			}
		})
	}()
}

// Where the quota check stands for the plan shown.
type quotaState int

const (
	quotaNone     quotaState = iota // no check: no account, or rows of the plan already sent
	quotaChecking                   // today's usage is being read
	quotaFits
	quotaHeavy   // fits, but takes more than half of what is left today
	quotaRefused // does not fit in what is left today
)

// quotaNow is where the quota check stands. It rules only the plan's
// first run: once rows went out, the engine itself stops cleanly at the
// quota, and the estimate no longer describes what is left to send.
func (v *syncView) quotaNow() quotaState {
	if v.plan == nil || v.model == nil || v.plan.Quota == nil || v.plan.Blocked != "" || v.running {
		return quotaNone
	}
	if p := v.model.Progress(); p.Done > 0 || p.Total == 0 {
		return quotaNone
	}
	switch q := v.quota; {
	case q == nil:
		return quotaChecking
	case !q.Fits():
		return quotaRefused
	case q.Heavy():
		return quotaHeavy
	}
	return quotaFits
}

// showQuota puts the quota check on the quota line.
func (v *syncView) showQuota(st quotaState) {
	text, imp := "", widget.MediumImportance
	switch st {
	case quotaChecking:
		text, imp = viewmodel.QuotaChecking, widget.LowImportance
	case quotaFits:
		text, imp = job.QuotaWords(*v.quota, v.quotaAt), widget.LowImportance
	case quotaHeavy:
		text, imp = "⚠ "+job.QuotaWords(*v.quota, v.quotaAt), widget.WarningImportance
	case quotaRefused:
		text, imp = job.QuotaWords(*v.quota, v.quotaAt), widget.DangerImportance
	}
	if v.quotaLine.Importance != imp {
		v.quotaLine.Importance = imp
		v.quotaLine.Refresh()
	}
	setShown(v.quotaLine, text)
	hint := ""
	if st != quotaNone && st != quotaChecking {
		hint = v.hint
	}
	setShown(v.bulkHint, hint)
}

// begin starts a run of the plan once the quota allows it: it waits for
// the check, refuses an import that cannot fit today and asks before one
// that takes more than half of what is left.
func (v *syncView) begin(req RunRequest) {
	switch v.quotaNow() {
	case quotaChecking:
		v.pending = &req
		return
	case quotaRefused:
		// Start is greyed out then; a resume or the shortcut lands here.
		msg := widget.NewLabel(job.QuotaWords(*v.quota, v.quotaAt))
		msg.Wrapping = fyne.TextWrapWord
		d := dialog.NewCustom(viewmodel.QuotaRefusedTitle, "Close", msg, v.win)
		d.Resize(fyne.NewSize(560, 280))
		v.present(d)
		return
	case quotaHeavy:
		plan := v.plan
		msg := widget.NewLabel(job.QuotaWords(*v.quota, v.quotaAt))
		msg.Wrapping = fyne.TextWrapWord
		d := dialog.NewCustomConfirm(viewmodel.QuotaHeavyTitle, viewmodel.QuotaHeavyYes, viewmodel.QuotaHeavyNo, msg, func(ok bool) {
			v.ask = nil
			if ok && v.plan == plan {
				v.launch(req)
			}
		}, v.win)
		d.Resize(fyne.NewSize(560, 280))
		v.confirm(d)
		return
	}
	v.launch(req)
}

// offerStartOver answers a start refused because an unfinished run of the
// same import used other settings. The window does not know those
// settings, so the way out it offers is to start over, after saying what
// that sends again; or the operator cancels and puts the settings back.
func (v *syncView) offerStartOver(req RunRequest, err *job.Error) {
	plan := v.plan
	msg := widget.NewLabel(err.Error())
	msg.Wrapping = fyne.TextWrapWord
	title := viewmodel.SettingsChangedTitle
	if err.Kind == job.Undone {
		title = viewmodel.UndoneTitle
	}
	d := dialog.NewCustomConfirm(title, viewmodel.StartOverButton, viewmodel.StartOverCancel, msg, func(ok bool) {
		v.ask = nil
		if !ok || v.plan != plan || v.running {
			return
		}
		confirmed := 0
		if plan.Resume != nil {
			confirmed = plan.Resume.Confirmed
		}
		q := widget.NewLabel(viewmodel.StartOverQuestion(confirmed, plan.Dedup))
		q.Wrapping = fyne.TextWrapWord
		again := dialog.NewCustomConfirm(viewmodel.StartOverTitle, viewmodel.StartOverYes, viewmodel.StartOverCancel, q, func(ok bool) {
			v.ask = nil
			if ok && v.plan == plan && !v.running {
				req.StartOver = true
				v.launch(req)
			}
		}, v.win)
		again.Resize(fyne.NewSize(560, 260))
		v.confirm(again)
	}, v.win)
	d.Resize(fyne.NewSize(600, 320))
	v.confirm(d)
}

// refresh brings every widget in line with the model. It runs on the Fyne
// goroutine: once per tick while a run is going, and after user actions.
func (v *syncView) refresh() {
	if v.problemsOnly && v.model != nil {
		v.view = v.model.Problems(v.view)
	}
	if v.laidOut() {
		v.table.Refresh()
	}
	if v.preview.model == nil {
		v.preview.refresh(v.plan)
	}
	if v.plan == nil || v.model == nil {
		setText(v.planLabel, "Nothing to sync yet: open a file (step 1) and check the mapping (step 2).")
		setButton(v.previewBtn, viewmodel.PreviewLabel)
		enable(v.previewBtn, v.preview.running())
		v.start.Disable()
		v.cancelBtn.Disable()
		v.results.Disable()
		v.retry.Disable()
		v.canary.Disable()
		v.bar.SetValue(0)
		for _, l := range []*widget.Label{v.created, v.updated, v.failed, v.notSent, v.wait, v.eta} {
			setText(l, "")
		}
		setShown(v.targets, "")
		setShown(v.throttle, "")
		setShown(v.stopped, "")
		setShown(v.share, "")
		v.showQuota(quotaNone)
		return
	}
	p := v.model.Progress()
	invalid := p.Totals.Skipped
	var plan string
	switch {
	case p.Totals.Waiting == 0 && p.Totals.Sending == 0 && !v.running:
		plan = "Done: " + resultsSummary(p, v.plan.Bulk)
	case p.Totals.Waiting < p.Total && !v.running:
		plan = fmt.Sprintf("%s of %s rows still to send · %s", viewmodel.Count(p.Totals.Waiting), viewmodel.Count(p.Total), resultsSummary(p, v.plan.Bulk))
	case v.plan.Blocked != "" && !v.running:
		plan = v.plan.Blocked
	default:
		if v.plan.Bulk {
			calls := 0 // until the quota check has estimated them
			if v.quota != nil {
				calls = v.quota.Calls
			}
			plan = viewmodel.BulkPlanSentence(p.Total, calls, v.plan.KeyName)
		} else if v.plan.Target.ListOnly {
			plan = viewmodel.ListOnlySentence(p.Total, v.plan.Batches, v.plan.KeyName)
		} else {
			plan = viewmodel.PlanSentence(p.Total, v.plan.Batches, v.plan.Dedup, v.plan.KeyName)
		}
		if clause := v.plan.Target.Clause(); clause != "" {
			plan += ", " + clause
		}
		if invalid > 0 {
			plan += fmt.Sprintf(" (%s invalid %s left out)", viewmodel.Count(invalid), viewmodel.Plural(invalid, "row", "rows"))
		}
	}
	setText(v.planLabel, plan)
	share := ""
	if v.plan.Blocked == "" {
		share = v.plan.Share
	}
	setShown(v.share, share)
	quota := v.quotaNow()
	v.showQuota(quota)

	done := float64(0)
	if p.Total > 0 {
		done = float64(p.Done) / float64(p.Total)
	}
	// The bar draws barText's text; redrawn only when either changed.
	if text := fmt.Sprintf("%s / %s", viewmodel.Count(p.Done), viewmodel.Count(p.Total)); v.bar.Value != done || v.barText.Text != text {
		setText(v.barText, text)
		v.bar.SetValue(done)
	}
	var eta string
	switch {
	case p.Running && p.ETA > 0:
		eta = fmt.Sprintf("Elapsed %s · about %s left", viewmodel.Clock(p.Elapsed), viewmodel.Clock(p.ETA))
	case p.Running || p.Elapsed > 0:
		eta = "Elapsed " + viewmodel.Clock(p.Elapsed)
	}
	setText(v.eta, eta)
	created, updated := viewmodel.DoneCounts(p.Totals, v.plan.Bulk)
	setText(v.created, created)
	setText(v.updated, updated)
	setText(v.failed, fmt.Sprintf("%s failed · %s invalid", viewmodel.Count(p.Totals.Failed), viewmodel.Count(p.Totals.Skipped)))
	notSent := viewmodel.Count(p.Totals.NotSent) + " not sent"
	if n := p.Totals.Unknown; n > 0 {
		// These may have reached Marketo: they are not "not sent".
		notSent += " · " + viewmodel.Count(n) + " to check in Marketo"
	}
	setText(v.notSent, notSent)
	setText(v.wait, viewmodel.Count(p.Totals.Waiting+p.Totals.Sending)+" waiting")
	setShown(v.targets, viewmodel.TargetCounts(p.Totals, v.plan.Target))
	throttle := ""
	if p.Throttle != "" {
		throttle = "ⓘ " + p.Throttle
	}
	setShown(v.throttle, throttle)
	setShown(v.stopped, p.Stopped)

	// A preview and a run never read the file at once, and Start waits for
	// the preview the operator asked for.
	previewing := v.preview.running()
	enable(v.start, !v.running && !previewing && p.Totals.Waiting > 0 && v.plan.Blocked == "" && quota != quotaChecking && quota != quotaRefused)
	enable(v.canary, !v.running)
	enable(v.cancelBtn, v.running)
	enable(v.results, !v.running && v.resultsPath != "")
	retry := p.Totals.Failed + p.Totals.NotSent + p.Totals.ListNotAdded + p.Totals.ProgramNotSet
	enable(v.retry, !v.running && !previewing && retry > 0 && v.plan.Blocked == "")
	switch {
	case previewing:
		setButton(v.previewBtn, "Stop preview")
	case v.plan.Preview == nil:
		setButton(v.previewBtn, viewmodel.PreviewLabel)
	default:
		setButton(v.previewBtn, viewmodel.PreviewButton(v.plan.PreviewCalls))
	}
	enable(v.previewBtn, previewing || (!v.running && v.plan.Preview != nil && v.plan.Blocked == ""))
	label := "Start"
	if v.running {
		label = "Syncing…"
	} else if p.Totals.Waiting < p.Total && p.Totals.Waiting > 0 {
		label = "Send the rest"
	}
	setButton(v.start, label)
}

// setButton changes a button's text only when it differs: SetText relays
// out the window even when the text is the same.
func setButton(b *widget.Button, text string) {
	if b.Text != text {
		b.SetText(text)
	}
}

// laidOut reports whether the table has a size yet. A Fyne 2.7 table
// refreshed before its first layout creates a divider for every row, and
// keeps them: with 100,000 rows that is 100,000 hidden widgets walked on
// every frame. Its first layout refreshes it anyway.
func (v *syncView) laidOut() bool {
	s := v.table.Size()
	return s.Width > 0 && s.Height > 0
}

type disableable interface {
	Enable()
	Disable()
	Disabled() bool
}

func enable(w disableable, on bool) {
	if on && w.Disabled() {
		w.Enable()
	} else if !on && !w.Disabled() {
		w.Disable()
	}
}

// setShown sets a label's text and hides it while empty, so blank notes
// take no room.
func setShown(l *widget.Label, s string) {
	setText(l, s)
	if s == "" && l.Visible() {
		l.Hide()
	} else if s != "" && !l.Visible() {
		l.Show()
	}
}

// setText changes a label only when its text differs, because SetText
// always redraws.
func setText(l *widget.Label, s string) {
	if l.Text != s {
		l.SetText(s)
	}
}

// confirm shows a question and keeps it at hand (Esc and tests answer it).
func (v *syncView) confirm(d *dialog.ConfirmDialog) {
	v.ask = d
	v.present(d)
}

// onPreview starts a preview of the plan, or stops the one running.
func (v *syncView) onPreview() {
	if v.preview.running() {
		v.preview.halt() // its end is shown once it has read the sheet through
		return
	}
	if v.plan == nil || v.model == nil || v.running || v.plan.Preview == nil {
		return
	}
	v.preview.start(v.plan, v.model.Progress().Total)
	v.tabs.Select(v.previewTab)
	v.refresh()
}

func (v *syncView) onStart() {
	if v.model == nil || v.running || v.preview.running() {
		return
	}
	v.begin(RunRequest{Rows: v.model.RowsIn(importer.Waiting), FirstBatch: v.canary.Checked})
}

func (v *syncView) onRetry() {
	if v.model == nil || v.running || v.preview.running() {
		return
	}
	// Unknown rows stay out: they may have reached Marketo, and sending them
	// again with dedup off would create the lead twice.
	v.launch(RunRequest{Rows: v.model.RowsToRetry()})
}

func (v *syncView) onCancel() {
	if v.cancel != nil {
		v.cancel()
		msg := "Stopping: calls on their way to Marketo are abandoned (sending those rows again is safe: it updates the same leads); rows not sent are marked Not sent."
		switch {
		case v.plan != nil && v.plan.Bulk:
			// Marketo goes on importing a file it has; only a resume can
			// tell how that ended.
			msg = "Stopping: files Marketo already has go on importing there (running the same import again collects their outcome, uploading nothing twice); rows not uploaded are marked Not sent."
		case v.plan != nil && !v.plan.Dedup:
			msg = "Stopping: rows already on their way to Marketo finish first, so Leadsheet knows whether their leads were created; the rest are marked Not sent."
		}
		setShown(v.stopped, msg)
	}
}

// launch starts a run in the background with one ticker for UI refreshes.
func (v *syncView) launch(req RunRequest) {
	if v.plan == nil || len(req.Rows) == 0 || v.preview.running() {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	v.running = true
	if v.onRunning != nil {
		v.onRunning(true)
	}
	v.model.Start(req.Rows)
	v.preview.outdate(viewmodel.PreviewOutdatedSent, v.plan)
	v.tabs.Select(v.rowsTab)
	v.refresh()
	model, plan := v.model, v.plan
	done := make(chan struct{})
	go every(refreshEvery, done, func() {
		if model.TakeDirty() {
			v.do(v.refresh)
		}
	})
	go func() {
		err := plan.Run(ctx, req, model.Apply)
		close(done)
		cancel()
		var path string
		if plan.Export != nil {
			var xerr error
			path, xerr = plan.Export(model.Results())
			if err == nil && xerr != nil {
				err = fmt.Errorf("the sync is done, but the results workbook could not be written: %w", xerr)
			}
		}
		v.do(func() { v.finish(req, path, err) })
	}()
}

func (v *syncView) finish(req RunRequest, path string, err error) {
	v.running = false
	v.cancel = nil
	if path != "" {
		v.resultsPath = path
	}
	if v.onRunning != nil {
		v.onRunning(false)
	}
	if v.model == nil {
		// A change made during the run is being checked again: its new
		// plan replaces this one.
		v.refresh()
		if err != nil {
			v.present(dialog.NewError(err, v.win))
		}
		return
	}
	v.model.TakeDirty()
	v.refresh()
	var je *job.Error
	if errors.As(err, &je) && (je.Kind == job.SettingsChanged || je.Kind == job.Undone) && !req.StartOver {
		v.offerStartOver(req, je)
		return
	}
	if err != nil {
		v.present(dialog.NewError(err, v.win))
		return
	}
	p := v.model.Progress()
	if req.FirstBatch && p.Totals.Waiting > 0 {
		done, also := viewmodel.DoneCounts(p.Totals, v.plan != nil && v.plan.Bulk)
		msg := fmt.Sprintf("The first batch is done: %s, %s, %s failed.\nSend the remaining %s rows?",
			done, also, viewmodel.Count(p.Totals.Failed), viewmodel.Count(p.Totals.Waiting))
		v.confirm(dialog.NewConfirm("Send the rest?", msg, func(ok bool) {
			v.ask = nil
			if ok {
				v.launch(RunRequest{Rows: v.model.RowsIn(importer.Waiting)})
			}
		}, v.win))
	}
}

// resultsSummary is the outcome of the runs so far, in one line; bulk
// says imported where Sync Leads says created and updated.
func resultsSummary(p viewmodel.SyncProgress, bulk bool) string {
	var parts []string
	if n := p.Totals.Imported + p.Totals.ImportedWithWarning; bulk || n > 0 {
		parts = append(parts, viewmodel.Count(n)+" imported")
		if w := p.Totals.ImportedWithWarning; w > 0 {
			parts = append(parts, viewmodel.Count(w)+" of them with a warning")
		}
	}
	if t := p.Totals; !bulk || t.Created+t.Updated > 0 {
		parts = append(parts, viewmodel.Count(t.Created)+" created", viewmodel.Count(t.Updated)+" updated")
	}
	if n := p.Totals.Failed; n > 0 {
		parts = append(parts, viewmodel.Count(n)+" failed")
	}
	if n := p.Totals.Skipped; n > 0 {
		parts = append(parts, viewmodel.Count(n)+" invalid (not sent)")
	}
	if n := p.Totals.NotSent; n > 0 {
		parts = append(parts, viewmodel.Count(n)+" not sent")
	}
	if n := p.Totals.Unknown; n > 0 {
		parts = append(parts, viewmodel.Count(n)+" to check in Marketo")
	}
	return strings.Join(parts, " · ")
}

// every calls fn every d until done is closed: the one ticker behind a
// coalesced refresh, so background work never calls into Fyne per item.
func every(d time.Duration, done <-chan struct{}, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			fn()
		}
	}
}
