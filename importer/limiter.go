package importer

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// budget is the run's share of Marketo's limits: a call rate (calls per
// window) and a number of calls in flight. Both drop for one window after
// Marketo says we went over them, then come back.
//
// The rate is a token bucket of burst 1 refilled at (limit-1)/window. Any
// closed interval of length T admits at most burst + rate*T calls, so any
// window admits at most 1 + (limit-1) = limit calls: no sliding window of
// Marketo's can see more than its limit from us. Between the first and the
// (limit+1)-th call there is window + window/(limit-1) (202 ms for 100 calls
// per 20 s), which absorbs network jitter between our send and Marketo's
// count.
type budget struct {
	lim    *rate.Limiter
	full   rate.Limit
	window time.Duration
	conc   int // configured calls in flight

	mu        sync.Mutex
	rateUntil time.Time // the lowered rate holds until then
	concUntil time.Time // the lowered concurrency holds until then
	limit     int       // calls allowed in flight now
	inUse     int
	changed   chan struct{} // closed and replaced whenever a slot frees or the limit changes
}

func newBudget(callsPerWindow int, window time.Duration, concurrency int) *budget {
	full := rate.Limit(float64(callsPerWindow-1) / window.Seconds())
	if callsPerWindow <= 1 {
		full = rate.Limit(float64(callsPerWindow) / window.Seconds())
	}
	return &budget{
		lim:     rate.NewLimiter(full, 1),
		full:    full,
		window:  window,
		conc:    concurrency,
		limit:   concurrency,
		changed: make(chan struct{}),
	}
}

// acquire waits for a free call slot and then for the rate budget. The slot
// is taken first so the token is spent right before the call goes out.
func (b *budget) acquire(ctx context.Context) error {
	for {
		b.mu.Lock()
		b.restoreLocked(time.Now())
		if b.inUse < b.limit {
			b.inUse++
			b.mu.Unlock()
			break
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := b.lim.Wait(ctx); err != nil {
		b.release()
		return err
	}
	return nil
}

func (b *budget) release() {
	b.mu.Lock()
	b.inUse--
	b.signalLocked()
	b.mu.Unlock()
}

func (b *budget) signalLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// restoreLocked brings the rate and the concurrency back once a whole window
// passed without Marketo complaining.
func (b *budget) restoreLocked(now time.Time) {
	if !b.rateUntil.IsZero() && now.After(b.rateUntil) {
		b.rateUntil = time.Time{}
		b.lim.SetLimitAt(now, b.full)
	}
	if !b.concUntil.IsZero() && now.After(b.concUntil) {
		b.concUntil = time.Time{}
		b.limit = b.conc
		b.signalLocked()
	}
}

// rateFault halves the call rate for one window and returns what to tell
// the operator.
func (b *budget) rateFault() string {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.lim.Limit()
	floor := b.full / 8
	if next := cur / 2; next > floor {
		cur = next
	} else {
		cur = floor
	}
	b.lim.SetLimitAt(now, cur)
	b.rateUntil = now.Add(b.window)
	perWindow := int(float64(cur)*b.window.Seconds() + 0.5)
	return fmt.Sprintf("Marketo asked us to slow down; continuing at %d calls/%s", perWindow, fmtWindow(b.window))
}

// concurrencyFault halves the calls in flight for one window.
func (b *budget) concurrencyFault() string {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limit = max(1, b.limit/2)
	b.concUntil = now.Add(b.window)
	return fmt.Sprintf("Marketo said too many calls were running at once; continuing with %d at a time", b.limit)
}

func fmtWindow(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d s", int(d/time.Second))
	}
	return d.String()
}
