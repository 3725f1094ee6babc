package marketotest

import (
	"maps"
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

// quotaDay is the day, in Marketo's quota zone, a call made at t counts
// for, as usage.json writes it.
func quotaDay(t time.Time) string { return t.In(cst).Format(time.DateOnly) }

// quotaDayStart is the midnight CST that began t's quota day.
func quotaDayStart(t time.Time) time.Time {
	y, m, d := t.In(cst).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, cst)
}

// OtherIntegrationUser is the API user of the simulated other integration
// (Config.OtherIntegrationSlots, OtherIntegrationRate) in usage.json and
// Stats.
const OtherIntegrationUser = "other.integration@sandbox.invalid"

// limiter holds the counters SOAP and REST share, as one Marketo instance
// does: calls in flight, calls in the sliding rate window, calls today.
//
// Only calls Marketo counts are counted against the rate window and the
// quota: its REST docs say a call answered with a response-level error
// (6xx, 7xx) "is not counted against your daily quota, or your rate
// limit". A call is therefore admitted with a reservation ([limiter.admit])
// that counts it at once, so calls arriving meanwhile see it, and is
// settled when its answer is known ([limiter.settle]): an answer Marketo
// does not count gives the reservation back. SOAP has no 6xx or 7xx; its
// faults for auth and limits come before admission, like REST's.
type limiter struct {
	mu       sync.Mutex
	inflight int
	maxSeen  int // most calls processed at once
	peak     int // most calls that arrived at once, refused ones included

	window      []windowCall // counted calls, oldest first, pruned to the longer of the stats and rate windows
	seq         uint64       // numbers reservations, to find one in window
	maxInWindow int          // most counted calls ever inside one stats window
	statsWindow time.Duration

	day   string         // quota day of the counters below
	used  int            // our calls counted today (the other integration's are in other)
	users map[string]int // our calls counted today by API user
	other otherFlow

	perSecond map[int64]int
	admitted  int
}

// windowCall is one counted call in the sliding window.
type windowCall struct {
	at  time.Time
	seq uint64
}

// ticket is an admitted call's reservation, for settle.
type ticket struct {
	seq  uint64
	at   time.Time
	day  string
	user string
}

// newLimiter starts the counters at start, when the simulated other
// integration of cfg starts calling.
func newLimiter(cfg Config, start time.Time) *limiter {
	statsWindow := cfg.RateWindow
	if statsWindow <= 0 {
		statsWindow = 20 * time.Second
	}
	l := &limiter{statsWindow: statsWindow, perSecond: map[int64]int{}, users: map[string]int{}, other: otherFlow{since: start}}
	l.other.every = otherPace(cfg.OtherIntegrationRate, cfg.RateWindow)
	return l
}

// enter admits a call into flight unless the instance's concurrency is
// used up: cfg.MaxConcurrent calls (0 = no limit), of which the simulated
// other integration holds cfg.OtherIntegrationSlots all the time. The
// caller must call leave when enter returned true.
func (l *limiter) enter(cfg Config) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.peak = max(l.peak, l.inflight+1)
	if cfg.MaxConcurrent > 0 && l.inflight+cfg.OtherIntegrationSlots >= cfg.MaxConcurrent {
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

// catchUp starts a new quota day when now is in one and counts the other
// integration's calls up to now. The caller holds mu.
func (l *limiter) catchUp(now time.Time, cfg Config) {
	day := quotaDay(now)
	newDay := day != l.day
	if newDay {
		l.day, l.used = day, 0
		clear(l.users)
	}
	l.other.advance(now, quotaDayStart(now), newDay, cfg.OtherIntegrationRate, cfg.RateWindow)
}

// otherToday is the other integration's calls counted today: it stops
// where the quota is used up, as Marketo refuses its calls too.
func (l *limiter) otherToday(quota int) int {
	if quota > 0 {
		return max(0, min(l.other.today, quota-l.used))
	}
	return l.other.today
}

// admit reserves one call of user against the rate window and the daily
// quota, or says which of them refuses it. The simulated other
// integration's OtherIntegrationRate calls are in every rate window.
func (l *limiter) admit(now time.Time, user string, cfg Config) (ticket, limitHit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.catchUp(now, cfg)
	keep := max(l.statsWindow, cfg.RateWindow)
	cut := 0
	for cut < len(l.window) && !l.window[cut].at.After(now.Add(-keep)) {
		cut++
	}
	l.window = l.window[cut:]
	if cfg.RateLimit > 0 && cfg.RateWindow > 0 {
		inRate := cfg.OtherIntegrationRate
		for i := len(l.window) - 1; i >= 0 && l.window[i].at.After(now.Add(-cfg.RateWindow)); i-- {
			inRate++
		}
		if inRate >= cfg.RateLimit {
			return ticket{}, limitRate
		}
	}
	if cfg.DailyQuota > 0 && l.used+l.otherToday(cfg.DailyQuota) >= cfg.DailyQuota {
		return ticket{}, limitQuota
	}
	l.seq++
	l.used++
	l.users[user]++
	l.window = append(l.window, windowCall{now, l.seq})
	return ticket{seq: l.seq, at: now, day: l.day, user: user}, limitNone
}

// settle ends an admitted call. A counted call enters the statistics; an
// uncounted one (a REST 6xx or 7xx answer) gives its reservation back.
func (l *limiter) settle(t ticket, counted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !counted {
		for i := len(l.window) - 1; i >= 0; i-- {
			if l.window[i].seq == t.seq {
				l.window = append(l.window[:i], l.window[i+1:]...)
				break
			}
		}
		if t.day == l.day {
			l.used--
			if l.users[t.user]--; l.users[t.user] <= 0 {
				delete(l.users, t.user)
			}
		}
		return
	}
	l.admitted++
	inStats := 0
	for i := len(l.window) - 1; i >= 0 && l.window[i].at.After(t.at.Add(-l.statsWindow)); i-- {
		inStats++
	}
	l.maxInWindow = max(l.maxInWindow, inStats)
	sec := t.at.Unix()
	l.perSecond[sec]++
	if len(l.perSecond) > 3600 {
		for s := range l.perSecond {
			if s < sec-3600 {
				delete(l.perSecond, s)
			}
		}
	}
}

// Usage is one day of counted calls, in total and by API user, as
// usage.json reports them.
type Usage struct {
	// Date is the quota day, yyyy-mm-dd in CST.
	Date  string `json:"date"`
	Total int    `json:"total"`
	// Users counts calls by API user: the REST client id, the SOAP user id
	// and OtherIntegrationUser.
	Users map[string]int `json:"users"`
}

// usage is today's Usage at now.
func (l *limiter) usage(now time.Time, cfg Config) Usage {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.catchUp(now, cfg)
	u := Usage{Date: l.day, Users: maps.Clone(l.users)}
	if n := l.otherToday(cfg.DailyQuota); n > 0 {
		u.Users[OtherIntegrationUser] = n
	}
	for _, n := range u.Users {
		u.Total += n
	}
	return u
}

// otherFlow counts the simulated other integration's calls: rate per
// window, evenly spaced, from since on at the pace in force since then.
type otherFlow struct {
	every  time.Duration // between two calls; 0 when it makes none
	since  time.Time
	before int64 // calls made before since
	seen   int64 // calls already counted for a day
	today  int   // calls made today
}

// made is the number of calls made up to t.
func (o *otherFlow) made(t time.Time) int64 {
	if o.every <= 0 || t.Before(o.since) {
		return o.before
	}
	return o.before + int64(t.Sub(o.since)/o.every)
}

// advance counts the calls made up to now for today, starting the count
// afresh on a new day, then takes up the pace rate per window if it
// changed (a Configure while the sandbox runs).
func (o *otherFlow) advance(now, dayStart time.Time, newDay bool, rate int, window time.Duration) {
	m := max(o.made(now), o.seen)
	if newDay {
		o.today = int(m - max(o.seen, o.made(dayStart)))
	} else {
		o.today += int(m - o.seen)
	}
	o.seen = m
	if every := otherPace(rate, window); every != o.every {
		o.every, o.since, o.before = every, now, m
	}
}

// otherPace is the time between two calls of the other integration.
func otherPace(rate int, window time.Duration) time.Duration {
	if rate <= 0 || window <= 0 {
		return 0
	}
	return window / time.Duration(rate)
}
