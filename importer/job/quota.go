package job

import (
	"time"

	"leadsheet/marketo"
)

// connectCalls is what connecting costs before the first sync call: a
// token and the field list.
const connectCalls = 2

// warnShare is the share of the calls left today above which an import is
// worth a warning: the quota is the whole instance's, CRM sync included.
const warnShare = 0.5

// Quota is what an import costs in API calls and how that fits in the
// instance's daily quota.
type Quota struct {
	Calls int // this import's calls, estimated from its batches
	// Used is today's calls by every integration, as Marketo counts them;
	// -1 when Leadsheet cannot ask (SOAP, or the call failed).
	Used        int
	Limit       int       // the daily quota
	Rows        int       // the rows the import sends
	RowsThatFit int       // of those, the rows that fit in what is left today
	ResetsAt    time.Time // the next midnight in Marketo's time zone
}

// Left is what is left of today's quota, or Limit when usage is unknown.
func (q Quota) Left() int {
	if q.Used < 0 {
		return q.Limit
	}
	return max(q.Limit-q.Used, 0)
}

// Fits reports whether the whole import fits in what is left today.
func (q Quota) Fits() bool { return q.Calls <= q.Left() }

// Heavy reports whether the import takes more than half of what is left.
func (q Quota) Heavy() bool { return float64(q.Calls) > warnShare*float64(q.Left()) }

// marketoZone is where Marketo's day starts: its quota resets at midnight
// US Central time.
func marketoZone() *time.Location {
	if loc, err := time.LoadLocation("America/Chicago"); err == nil {
		return loc
	}
	// Without a zone database, standard time is the safe side: the reset
	// is then announced at the later of the two hours.
	return time.FixedZone("CST", -6*60*60)
}

// Estimate works out what sending rep costs: one call a batch, one more a
// batch with FillEmpty, and connecting; less the rows a stopped run of
// the same import already confirmed (they are not sent again). used is
// today's usage (-1 if unknown), b the account's budget.
func (j *Job) Estimate(rep *Report, confirmed, used int, b marketo.Budget, now time.Time) Quota {
	b = b.Effective()
	rows := max(rep.Valid-confirmed, 0)
	perBatch := 1
	if rep.settings.FillEmpty && rep.settings.Dedup {
		perBatch = 2
	}
	batches := 0
	if rep.Valid > 0 {
		// Batches hold fewer rows than 300 when the bytes cap them; scale
		// by the rows left.
		batches = (rep.Batches()*rows + rep.Valid - 1) / rep.Valid
	}
	q := Quota{Calls: connectCalls + batches*perBatch, Used: used, Limit: b.DailyQuota, Rows: rows}
	q.RowsThatFit = rows
	if !q.Fits() {
		fit := max(q.Left()-connectCalls, 0) / perBatch
		q.RowsThatFit = min(rows, fit*rowsPerBatch(rep))
	}
	day := now.In(marketoZone())
	q.ResetsAt = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, day.Location())
	return q
}

// rowsPerBatch is how many rows one of rep's batches holds on average,
// rounded down so the rows said to fit do fit.
func rowsPerBatch(rep *Report) int {
	if rep.Batches() == 0 {
		return 0
	}
	return rep.Valid / rep.Batches()
}
