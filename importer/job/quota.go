package job

import (
	"fmt"
	"strings"
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

// bulkCallsPerFile is what one bulk import file is counted at: its upload,
// both of Marketo's reports on it, and status reads every 30 s for ten
// minutes. Marketo does not say how long a job takes; a file that takes
// longer costs a read more every 30 s.
const bulkCallsPerFile = 1 + 2 + 20

// Estimate works out what sending rep costs over REST: three calls a
// batch (its lookup before, the sync, its read after, for the undo
// record; two with dedup off), the list and program steps, and connecting; less the rows a stopped run of
// the same import already confirmed (they are not sent again). With Bulk
// Import, [bulkCallsPerFile] per file of 10 MB. used is today's usage (-1
// if unknown), b the account's budget.
func (j *Job) Estimate(rep *Report, confirmed, used int, b marketo.Budget, now time.Time) Quota {
	b = b.Effective()
	rows := max(rep.Valid-confirmed, 0)
	if rep.settings.Bulk {
		return j.estimateBulk(rep, rows, used, b, now)
	}
	perBatch := 1
	if !rep.settings.ListOnly {
		// The undo record: a read of the batch's leads after it, and with
		// dedup on a lookup before it (the one filling only empty fields
		// makes too).
		perBatch++
		if rep.settings.Dedup {
			perBatch++
		}
	}
	if l := rep.settings.List; l.ID != 0 || l.Name != "" {
		perBatch += 2 // Member of List and Add to List after each batch (no ask for leads the run created)
	}
	statusCalls := 0
	if rep.settings.Program.ID != 0 {
		if rep.settings.StatusColumn() < 0 {
			perBatch++ // Change Program Member Status after each batch
		} else if rep.Valid > 0 {
			statusCalls = (rep.statusCalls*rows + rep.Valid - 1) / rep.Valid // one per status per batch
		}
	}
	batches := 0
	if rep.Valid > 0 {
		// Batches hold fewer rows than 300 when the bytes cap them; scale
		// by the rows left.
		batches = (rep.Batches()*rows + rep.Valid - 1) / rep.Valid
	}
	q := Quota{Calls: connectCalls + batches*perBatch + statusCalls, Used: used, Limit: b.DailyQuota, Rows: rows}
	q.RowsThatFit = rows
	if !q.Fits() {
		per := perBatch
		if batches > 0 {
			per = (batches*perBatch + statusCalls + batches - 1) / batches
		}
		fit := max(q.Left()-connectCalls, 0) / per
		q.RowsThatFit = min(rows, fit*rowsPerBatch(rep))
	}
	q.ResetsAt = nextReset(now)
	return q
}

func nextReset(now time.Time) time.Time {
	day := now.In(marketoZone())
	return time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, day.Location())
}

// estimateBulk is Estimate for Bulk Import: files of up to 10 MB, one per
// key kind at least.
func (j *Job) estimateBulk(rep *Report, rows, used int, b marketo.Budget, now time.Time) Quota {
	files := 0
	if rows > 0 {
		size := int64(marketo.MaxBulkFileBytes)
		if n := rep.settings.BulkFileBytes; n > 0 && n < marketo.MaxBulkFileBytes {
			size = int64(n)
		}
		bytes := rep.csvBytes * int64(rows) / int64(max(rep.Valid, 1))
		files = int((bytes + size - 1) / size)
		kinds := 0
		for _, n := range rep.ByKey {
			if n > 0 {
				kinds++
			}
		}
		files = max(files, 1) + max(kinds-1, 0)
	}
	lookups := 0
	if rep.settings.BulkLookUp {
		lookups = (rows + marketo.MaxFindValues - 1) / marketo.MaxFindValues
	}
	q := Quota{Calls: connectCalls + files*bulkCallsPerFile + lookups, Used: used, Limit: b.DailyQuota, Rows: rows, RowsThatFit: rows, ResetsAt: nextReset(now)}
	if !q.Fits() && files > 0 {
		perRow := float64(files*bulkCallsPerFile+lookups) / float64(rows)
		q.RowsThatFit = min(rows, int(float64(max(q.Left()-connectCalls, 0))/perRow))
	}
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

// BulkHintRows is the sheet size from which Bulk Import is offered.
const BulkHintRows = 50_000

// BulkLimits is what the operator gives up with Bulk Import, in the words
// both front ends use.
const BulkLimits = "Bulk Import sends a file of up to 10 MB in one call, so a large sheet costs a few calls instead of thousands. " +
	"Marketo reports each file when its import job ends, not each row as it goes; it does not say which people were created and which updated, nor their lead ids. " +
	"It cannot empty fields, fill only empty fields, or create every row anew (dedup off)."

// BulkHint offers Bulk Import for a large sheet sent with Sync Leads over
// REST: what each would cost, and how to choose it (the front end's words
// for its choice), or "" when the offer does not apply.
func (j *Job) BulkHint(rep *Report, confirmed, used int, b marketo.Budget, now time.Time, how string) string {
	s := rep.settings
	if s.Bulk || rep.Valid-confirmed < BulkHintRows || !strings.EqualFold(s.API, marketo.ProfileREST) {
		return ""
	}
	bulk := *rep
	bulk.settings.Bulk = true
	if bulk.settings.bulkProblem(true) != "" {
		return ""
	}
	viaSync := j.Estimate(rep, confirmed, used, b, now).Calls
	viaBulk := j.Estimate(&bulk, confirmed, used, b, now).Calls
	return fmt.Sprintf("This import sends %s rows: about %s calls with Sync Leads, or about %s with Bulk Import (%s).",
		thousands(rep.Valid-confirmed), thousands(viaSync), thousands(viaBulk), how)
}
