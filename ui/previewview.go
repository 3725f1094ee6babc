package ui

import (
	"context"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"leadsheet/importer/results"
	"leadsheet/importer/run"
	"leadsheet/ui/viewmodel"
)

// PreviewFunc looks up every row a plan would send and reports through
// emit, in sheet order and from any goroutine, what sending it would do;
// it changes nothing in Marketo. Cancelling ctx stops it.
type PreviewFunc func(ctx context.Context, emit func(run.RowPreview)) (run.PreviewTotals, error)

// previewView is the Sync step's Preview tab: the counts, a filter and the
// first rows of the last preview, with each update's old → new values.
type previewView struct {
	do    func(func())
	model *viewmodel.PreviewModel // nil before the first preview
	plan  *SyncPlan               // the plan previewed
	// cancel and done belong to the preview running, if any: done closes
	// once it no longer reads the workbook.
	cancel context.CancelFunc
	done   chan struct{}
	onEnd  func() // the Sync step redraws its buttons

	filter viewmodel.PreviewFilter
	view   []int // table row -> listed row, for the filter

	head, note, detail *widget.Label
	filterGroup        *widget.RadioGroup
	table              *widget.Table
	content            fyne.CanvasObject
}

// Columns of the preview table.
const (
	pcolRow = iota
	pcolKey
	pcolWhat
	pcolChanges
	numPreviewCols
)

var previewColWidths = [numPreviewCols]float32{70, 260, 380, 480}

func newPreviewView(do func(func())) *previewView {
	v := &previewView{do: do}
	v.head = widget.NewLabel("")
	v.head.TextStyle.Bold = true
	v.head.Wrapping = fyne.TextWrapWord
	v.note = widget.NewLabel("")
	v.note.Importance = widget.WarningImportance
	v.note.Wrapping = fyne.TextWrapWord
	v.note.Hide()
	v.filterGroup = widget.NewRadioGroup(viewmodel.PreviewFilterLabels[:], func(s string) {
		v.filter = viewmodel.PreviewFilterOf(s)
		v.setDetail("")
		v.refresh(nil)
	})
	v.filterGroup.Horizontal = true
	v.filterGroup.Required = true
	v.filterGroup.Selected = viewmodel.PreviewFilterLabels[viewmodel.PreviewAll]
	v.table = v.newTable()
	v.detail = widget.NewLabel("")
	v.detail.Wrapping = fyne.TextWrapWord
	v.detail.Hide()
	v.table.OnSelected = func(id widget.TableCellID) {
		if v.model != nil && id.Row >= 0 && id.Row < len(v.view) {
			v.setDetail(viewmodel.PreviewDetail(v.model.Row(v.view[id.Row])))
		}
	}
	v.content = container.NewBorder(container.NewVBox(v.head, v.note, v.filterGroup), v.detail, nil, nil, v.table)
	return v
}

func (v *previewView) setDetail(s string) { setShown(v.detail, s) }

func (v *previewView) newTable() *widget.Table {
	t := widget.NewTableWithHeaders(
		func() (int, int) { return len(v.view), numPreviewCols },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if v.model == nil || id.Row >= len(v.view) {
				return
			}
			p := v.model.Row(v.view[id.Row])
			var s string
			switch id.Col {
			case pcolRow:
				s = strconv.Itoa(p.Row)
			case pcolKey:
				s = p.Key
			case pcolWhat:
				s = results.PreviewWords(p)
			case pcolChanges:
				s = viewmodel.ChangesLine(p.Changes)
			}
			setText(o.(*widget.Label), s)
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.TextStyle.Bold = true
		return l
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		var s string
		switch id.Col {
		case pcolRow:
			s = "Row"
		case pcolKey:
			s = "Key"
			if v.plan != nil && v.plan.KeyName != "" {
				s = "Key (" + v.plan.KeyName + ")"
			}
		case pcolWhat:
			s = "What the import would do"
		case pcolChanges:
			s = "Changes (in Marketo now → after the import)"
		}
		setText(o.(*widget.Label), s)
	}
	for i, w := range previewColWidths {
		t.SetColumnWidth(i, w)
	}
	return t
}

// running reports whether a preview is looking rows up.
func (v *previewView) running() bool { return v.cancel != nil }

// start previews plan, whose total rows are to be sent.
func (v *previewView) start(plan *SyncPlan, total int) {
	if v.running() || plan.Preview == nil {
		return
	}
	model := viewmodel.NewPreviewModel(total, viewmodel.PreviewListMax)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	v.model, v.plan, v.cancel, v.done = model, plan, cancel, done
	go every(refreshEvery, done, func() {
		if model.TakeDirty() {
			v.do(func() {
				if v.model == model {
					v.refresh(v.plan)
				}
			})
		}
	})
	go func() {
		tot, err := plan.Preview(ctx, model.Add)
		model.End(tot, err)
		close(done)
		cancel()
		v.do(func() {
			if v.done == done {
				v.cancel, v.done = nil, nil
			}
			if v.model == model {
				v.refresh(v.plan)
			}
			if v.onEnd != nil {
				v.onEnd()
			}
		})
	}()
	v.setDetail("")
	v.refresh(plan) // the list of the previous preview goes
	if v.laidOut() {
		v.table.ScrollToTop()
	}
}

// halt cancels the running preview, if any, and returns a channel closed
// once it no longer reads the workbook (nil when none runs). A stopped
// preview still reads the sheet to its end, so this can take a moment.
func (v *previewView) halt() <-chan struct{} {
	if v.cancel == nil {
		return nil
	}
	v.cancel()
	return v.done
}

// stop halts the running preview and waits for it. Its end is shown when
// the Fyne goroutine gets to it.
func (v *previewView) stop() {
	if done := v.halt(); done != nil {
		<-done
	}
}

// planChanged marks the preview out of date when the plan it was made for
// is replaced, and stops it if it still runs.
func (v *previewView) planChanged(p *SyncPlan) {
	if v.model == nil || v.plan == p {
		return
	}
	v.halt()
	v.outdate(viewmodel.PreviewOutdatedSettings, p)
}

// outdate marks the preview out of date for the reason given; current is
// the Sync step's plan now.
func (v *previewView) outdate(why string, current *SyncPlan) {
	if v.model == nil {
		return
	}
	v.model.Outdate(why)
	v.refresh(current)
}

// refresh brings the tab in line with the preview; current is the Sync
// step's plan, for what to say before any preview. It runs on the Fyne
// goroutine.
func (v *previewView) refresh(current *SyncPlan) {
	m := v.model
	if m == nil {
		var s string
		switch {
		case current == nil:
			s = "Open a file and check the mapping first; then Preview changes shows what the import would do to each person, before anything is sent."
		case current.Blocked != "":
			s = current.Blocked
		case current.Preview == nil:
			s = viewmodel.NoPreview
		default:
			s = "Preview changes looks every row up in Marketo and lists who would be created, updated or left alone, with each field's value now and after the import. Nothing is changed in Marketo."
		}
		setText(v.head, s)
		setShown(v.note, "")
		v.view = v.view[:0]
		if v.laidOut() {
			v.table.Refresh()
		}
		return
	}
	setText(v.head, m.Head())
	imp := widget.MediumImportance
	if m.Failed() {
		imp = widget.DangerImportance
	}
	if v.head.Importance != imp {
		v.head.Importance = imp
		v.head.Refresh()
	}
	setShown(v.note, m.Note())
	v.view = m.Filter(v.filter, v.view)
	if v.laidOut() {
		v.table.Refresh()
	}
}

// laidOut: see syncView.laidOut; the preview table may list 10,000 rows.
func (v *previewView) laidOut() bool {
	s := v.table.Size()
	return s.Width > 0 && s.Height > 0
}
