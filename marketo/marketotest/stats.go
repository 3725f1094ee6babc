package marketotest

import (
	"maps"
	"sync"
	"time"
)

// Stats is what the sandbox observed since it started.
type Stats struct {
	// Calls counts every request to an API endpoint by "API operation",
	// e.g. "SOAP syncMultipleLeads", "REST leads.json", "REST token",
	// whatever its outcome. SOAP requests that name no operation of the
	// WSDL, or cannot be read, count as "SOAP unknown".
	Calls map[string]int `json:"calls"`
	// Faults counts call-level failures by code: Marketo codes ("20023",
	// "606", ...) and injected trouble ("http-503", "drop", "malformed",
	// "slow").
	Faults map[string]int `json:"faults"`
	// Admitted is the number of our calls (every API user's but the
	// simulated other integration's) counted against the rate window and
	// the daily quota since the start.
	Admitted int `json:"admitted"`
	// QuotaUsed is the number of calls counted against today's quota, the
	// other integration's included: Usage.Total.
	QuotaUsed int `json:"quotaUsed"`
	// Usage is what usage.json answers now: today's counted calls by API
	// user, the other integration (OtherIntegrationUser) apart.
	Usage Usage `json:"usage"`
	// OtherIntegration is the simulated integration sharing the instance.
	OtherIntegration OtherIntegrationStats `json:"otherIntegration"`
	// Bulk counts the bulk import jobs the sandbox holds, by status.
	Bulk map[string]int `json:"bulk"`

	LeadsCreated int `json:"leadsCreated"`
	LeadsUpdated int `json:"leadsUpdated"`
	LeadsFailed  int `json:"leadsFailed"` // FAILED (SOAP) or skipped (REST) records
	// LeadsDeleted counts the leads Delete Leads deleted (not the ids it
	// skipped).
	LeadsDeleted int `json:"leadsDeleted"`

	// MaxConcurrent is the most calls processed at once; PeakArrivals also
	// counts calls refused for concurrency.
	MaxConcurrent int `json:"maxConcurrent"`
	PeakArrivals  int `json:"peakArrivals"`
	// MaxInWindow is the most admitted calls ever seen inside one
	// StatsWindow (the configured rate window); comparing it with the rate
	// limit proves whether a client kept within it.
	MaxInWindow int           `json:"maxInWindow"`
	StatsWindow time.Duration `json:"statsWindow"`
	// PerSecond counts admitted calls by Unix second (the last hour).
	PerSecond map[int64]int `json:"perSecond"`

	Started time.Time `json:"started"`
}

// OtherIntegrationStats is the simulated other integration's share of the
// instance.
type OtherIntegrationStats struct {
	// Slots of the concurrency limit it holds all the time.
	Slots int `json:"slots"`
	// RatePerWindow is how many calls of every rate window it makes.
	RatePerWindow int `json:"ratePerWindow"`
	// CallsToday is its calls counted against today's quota.
	CallsToday int `json:"callsToday"`
}

// SustainedRate returns admitted calls per second between the first and the
// last second that saw a call; 0 with fewer than two seconds of traffic.
func (s Stats) SustainedRate() float64 {
	var first, last int64
	total := 0
	for sec, n := range s.PerSecond {
		if total == 0 || sec < first {
			first = sec
		}
		if total == 0 || sec > last {
			last = sec
		}
		total += n
	}
	if total == 0 || last == first {
		return 0
	}
	return float64(total) / float64(last-first+1)
}

// recorder collects the counters that are not part of the limiter.
type recorder struct {
	mu      sync.Mutex
	calls   map[string]int
	faults  map[string]int
	created int
	updated int
	failed  int
	deleted int
}

func newRecorder() *recorder {
	return &recorder{calls: map[string]int{}, faults: map[string]int{}}
}

func (r *recorder) call(op string) {
	r.mu.Lock()
	r.calls[op]++
	r.mu.Unlock()
}

func (r *recorder) fault(code string) {
	r.mu.Lock()
	r.faults[code]++
	r.mu.Unlock()
}

func (r *recorder) outcomes(created, updated, failed int) {
	r.mu.Lock()
	r.created += created
	r.updated += updated
	r.failed += failed
	r.mu.Unlock()
}

func (r *recorder) deletions(n int) {
	r.mu.Lock()
	r.deleted += n
	r.mu.Unlock()
}

func (s *Server) stats() Stats {
	cfg := s.Config()
	out := Stats{Started: s.started, Usage: s.lim.usage(s.now(), cfg), Bulk: s.bulk.counts()}
	out.QuotaUsed = out.Usage.Total
	out.OtherIntegration = OtherIntegrationStats{
		Slots: cfg.OtherIntegrationSlots, RatePerWindow: cfg.OtherIntegrationRate, CallsToday: out.Usage.Users[OtherIntegrationUser],
	}
	s.rec.mu.Lock()
	out.Calls = maps.Clone(s.rec.calls)
	out.Faults = maps.Clone(s.rec.faults)
	out.LeadsCreated, out.LeadsUpdated, out.LeadsFailed = s.rec.created, s.rec.updated, s.rec.failed
	out.LeadsDeleted = s.rec.deleted
	s.rec.mu.Unlock()
	l := s.lim
	l.mu.Lock()
	out.Admitted = l.admitted
	out.MaxConcurrent = l.maxSeen
	out.PeakArrivals = l.peak
	out.MaxInWindow = l.maxInWindow
	out.StatsWindow = l.statsWindow
	out.PerSecond = maps.Clone(l.perSecond)
	l.mu.Unlock()
	return out
}
