package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"leadsheet/importer"
)

// progress reports a run on stderr: a bar redrawn in place on a terminal,
// plain lines otherwise, and notices (resuming, slowing down, stopping) as
// lines of their own. It runs on the run's event goroutine, so it only
// formats and writes, and it redraws at most a few times a second.
type progress struct {
	w        io.Writer
	terminal bool
	every    time.Duration
	last     time.Time
	totals   importer.Totals
	drawn    bool // a bar is on the current line

	lastNotice string
	noticeAt   time.Time
	quiet      int // notices not shown since the last one shown
}

func newProgress(w io.Writer, terminal bool) *progress {
	every := 2 * time.Second
	if terminal {
		every = 250 * time.Millisecond
	}
	return &progress{w: w, terminal: terminal, every: every}
}

func (p *progress) event(ev importer.Event) {
	p.totals = ev.Totals
	switch ev.Kind {
	case importer.Stopped:
		p.line(ev.Message)
	case importer.Throttled, importer.Retrying:
		// Faults come in bursts: say the first, then at most one a second.
		if ev.Message == p.lastNotice || time.Since(p.noticeAt) < time.Second {
			p.quiet++
			break
		}
		msg := ev.Message
		if p.quiet > 0 {
			msg += fmt.Sprintf(" (and %d more notices)", p.quiet)
		}
		p.line(msg)
		p.lastNotice, p.noticeAt, p.quiet = ev.Message, time.Now(), 0
	case importer.BatchDone, importer.Progress:
		if ev.Message != "" {
			p.line(ev.Message)
		}
	}
	if ev.Kind == importer.Finished || time.Since(p.last) >= p.every {
		p.draw()
	}
}

// line prints a notice on a line of its own.
func (p *progress) line(msg string) {
	if msg == "" {
		return
	}
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
	fmt.Fprintln(p.w, msg)
	p.last = time.Time{}
}

func (p *progress) draw() {
	p.last = time.Now()
	t := p.totals
	total := max(t.Total(), 1)
	done := total - t.Waiting - t.Sending
	status := fmt.Sprintf("%d/%d rows · %d created · %d updated · %d failed · %d invalid · %d not sent",
		done, total, t.Created, t.Updated, t.Failed, t.Skipped, t.NotSent)
	if t.CreatedOrUpdated > 0 {
		status += fmt.Sprintf(" · %d created or updated", t.CreatedOrUpdated)
	}
	if t.LeftAlone > 0 {
		status += fmt.Sprintf(" · %d left alone", t.LeftAlone)
	}
	if t.InMarketo > 0 {
		status += fmt.Sprintf(" · %d in Marketo", t.InMarketo)
	}
	if n := t.Imported + t.ImportedWithWarning; n > 0 {
		status += fmt.Sprintf(" · %d imported", n)
	}
	if t.Unknown > 0 {
		status += fmt.Sprintf(" · %d unknown", t.Unknown)
	}
	if !p.terminal {
		fmt.Fprintln(p.w, status)
		return
	}
	const width = 30
	filled := done * width / total
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), status)
	p.drawn = true
}

// done ends the bar's line.
func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}
