package run

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// budget is the run's share of Marketo's limits: a call rate (calls per
// window) and a number of calls in flight. Both are halved when Marketo says
// we went over them (someone else is using the instance's budget too) and
// doubled back for each quiet window.
//
// The rate is a token bucket of burst 1 refilled at (limit-1) calls per
// window*41/40. Any closed interval of length T admits at most
// burst + rate*T calls, so any window admits at most 1 + (limit-1)*40/41 <
// limit calls: no sliding window of Marketo's can see more than its limit
// from us. limit+1 calls take at least window*41/40*limit/(limit-1) (21.2 s
// for 100 calls per 20 s), so up to 1.2 s of network jitter between our
// send and Marketo's count is absorbed, at 96.7% of the full rate.
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
	padded := window.Seconds() * 41 / 40
	full := rate.Limit(float64(callsPerWindow-1) / padded)
	if callsPerWindow <= 1 {
		full = rate.Limit(float64(callsPerWindow) / padded)
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

// restoreLocked speeds back up, doubling the rate and the calls in flight
// for each whole window that passed without Marketo complaining.
func (b *budget) restoreLocked(now time.Time) {
	if !b.rateUntil.IsZero() && now.After(b.rateUntil) {
		next := min(b.full, b.lim.Limit()*2)
		b.lim.SetLimitAt(now, next)
		b.rateUntil = time.Time{}
		if next < b.full {
			b.rateUntil = now.Add(b.window)
		}
	}
	if !b.concUntil.IsZero() && now.After(b.concUntil) {
		b.limit = min(b.conc, b.limit*2)
		b.concUntil = time.Time{}
		if b.limit < b.conc {
			b.concUntil = now.Add(b.window)
		}
		b.signalLocked()
	}
}

// easeOff reports whether a new fault should lower a limit again: calls
// sent together fail together, and one burst of faults is one signal.
func (b *budget) easeOff(until time.Time, now time.Time) bool {
	return until.IsZero() || now.After(until.Add(-b.window+b.window/10))
}

// rateFault halves the call rate (down to one call a window) until a whole
// window passes without a fault, and returns what to tell the operator.
func (b *budget) rateFault() string {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.lim.Limit()
	if b.easeOff(b.rateUntil, now) {
		floor := rate.Limit(1 / b.window.Seconds())
		cur = max(floor, cur/2)
		b.lim.SetLimitAt(now, cur)
	}
	b.rateUntil = now.Add(b.window)
	perWindow := max(1, int(float64(cur)*b.window.Seconds()+0.5))
	return fmt.Sprintf("Marketo asked us to slow down; continuing at %d calls/%s", perWindow, fmtWindow(b.window))
}

// concurrencyFault halves the calls in flight until a whole window passes
// without a fault.
func (b *budget) concurrencyFault() string {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.easeOff(b.concUntil, now) {
		b.limit = max(1, b.limit/2)
	}
	b.concUntil = now.Add(b.window)
	return fmt.Sprintf("Marketo said too many calls were running at once; continuing with %d at a time", b.limit)
}

func fmtWindow(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d s", int(d/time.Second))
	}
	return d.String()
}
