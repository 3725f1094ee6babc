package ui

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"leadsheet/ui/viewmodel"
)

// uiLoop stands in for the Fyne event loop in tests: background goroutines
// queue work with do, and the test goroutine runs it in pump, so widgets
// are only ever touched from the test goroutine.
type uiLoop struct {
	mu   sync.Mutex
	q    []func()
	wake chan struct{}
}

func newUILoop() *uiLoop { return &uiLoop{wake: make(chan struct{}, 1)} }

func (l *uiLoop) do(f func()) {
	l.mu.Lock()
	l.q = append(l.q, f)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *uiLoop) runQueued() {
	for {
		l.mu.Lock()
		q := l.q
		l.q = nil
		l.mu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, f := range q {
			f()
		}
	}
}

// pump runs queued UI work until cond holds, failing the test after a
// generous deadline (a deadline, not a timing assertion).
func (l *uiLoop) pump(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		l.runQueued()
		if cond() {
			return
		}
		select {
		case <-l.wake:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// quotaKnown reports whether the plan shown has its quota check back, so
// Start is up to the estimate.
func quotaKnown(ui *App) bool {
	p := ui.sync.plan
	return p != nil && (p.Quota == nil || ui.sync.quota != nil)
}

func sizeOf(w, h float32) fyne.Size { return fyne.NewSize(w, h) }

func widgetCell(row int) widget.TableCellID { return widget.TableCellID{Row: row} }

// sampleRows are n rows of the live table (sheet rows 2 on), keyed by
// email, with the given lines in place of theirs.
func sampleRows(n int, change ...viewmodel.SyncRow) *viewmodel.Rows {
	lines := make([]viewmodel.SyncRow, n)
	for i := range lines {
		lines[i] = viewmodel.SyncRow{Row: i + 2, Key: fmt.Sprintf("lead%d@example.com", i)}
	}
	for _, c := range change {
		c.Key = lines[c.Row-2].Key
		lines[c.Row-2] = c
	}
	return viewmodel.RowsOf(lines...)
}
