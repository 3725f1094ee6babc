package marketotest

import (
	"sync"
	"time"
)

// limitHit says which shared limit refused a call.
type limitHit int

const (
	limitNone limitHit = iota
	limitRate
	limitQuota
)

// cst is the zone Marketo's daily quota resets in ("12:00AM CST"); a fixed
// offset, because Marketo says CST, not Central time with daylight saving.
var cst = time.FixedZone("CST", -6*60*60)

// limiter holds the counters SOAP and REST share, as one Marketo instance
// does: calls in flight, calls in the sliding rate window, calls today.
//
// Only admitted calls are counted against the rate window and the quota:
// Marketo's REST docs say a call answered with a response-level error "is
// not counted against your daily quota, or your rate limit"; the sandbox
// applies the same rule to SOAP faults for auth and limits.
type limiter struct {
	mu       sync.Mutex
	inflight int
	maxSeen  int // most calls processed at once
	peak     int // most calls that arrived at once, refused ones included

	window      []time.Time // admitted calls, oldest first, pruned to one stats window
	maxInWindow int         // most admitted calls ever inside one stats window
	statsWindow time.Duration

	quotaDay  string
	quotaUsed int

	perSecond map[int64]int
	admitted  int
}

func newLimiter(statsWindow time.Duration) *limiter {
	if statsWindow <= 0 {
		statsWindow = 20 * time.Second
	}
	return &limiter{statsWindow: statsWindow, perSecond: map[int64]int{}}
}

// enter admits a call into flight unless limit are already in flight (0 =
// no limit). The caller must call leave when enter returned true.
func (l *limiter) enter(limit int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.peak = max(l.peak, l.inflight+1)
	if limit > 0 && l.inflight >= limit {
		return false
	}
	l.inflight++
	l.maxSeen = max(l.maxSeen, l.inflight)
	return true
}

func (l *limiter) leave() {
	l.mu.Lock()
	l.inflight--
	l.mu.Unlock()
}

// admit counts one call against the rate window and the daily quota, or
// says which of them refuses it.
func (l *limiter) admit(now time.Time, rateLimit int, rateWindow time.Duration, quota int) limitHit {
	l.mu.Lock()
	defer l.mu.Unlock()
	keep := max(l.statsWindow, rateWindow)
	cut := 0
	for cut < len(l.window) && !l.window[cut].After(now.Add(-keep)) {
		cut++
	}
	l.window = l.window[cut:]
	if rateLimit > 0 && rateWindow > 0 {
		inRate := 0
		for i := len(l.window) - 1; i >= 0 && l.window[i].After(now.Add(-rateWindow)); i-- {
			inRate++
		}
		if inRate >= rateLimit {
			return limitRate
		}
	}
	day := now.In(cst).Format("2006-01-02")
	if day != l.quotaDay {
		l.quotaDay, l.quotaUsed = day, 0
	}
	if quota > 0 && l.quotaUsed >= quota {
		return limitQuota
	}
	l.quotaUsed++
	l.admitted++
	l.window = append(l.window, now)
	inStats := 0
	for i := len(l.window) - 1; i >= 0 && l.window[i].After(now.Add(-l.statsWindow)); i-- {
		inStats++
	}
	l.maxInWindow = max(l.maxInWindow, inStats)
	sec := now.Unix()
	l.perSecond[sec]++
	if len(l.perSecond) > 3600 {
		for s := range l.perSecond {
			if s < sec-3600 {
				delete(l.perSecond, s)
			}
		}
	}
	return limitNone
}
