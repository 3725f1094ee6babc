package job

import (
	"strings"
	"testing"
	"time"

	"leadsheet/marketo"
)

func TestEstimate(t *testing.T) {
	chicago := marketoZone()
	now := time.Date(2026, 12, 2, 18, 40, 0, 0, chicago)
	report := func(valid, batches int, fill bool) *Report {
		return &Report{Valid: valid, digests: make([]digest, batches), settings: Settings{Dedup: true, FillEmpty: fill}}
	}
	noDedup := &Report{Valid: 3000, digests: make([]digest, 10)}
	for _, tc := range []struct {
		name            string
		rep             *Report
		confirmed, used int
		quota           int
		calls, fit      int
		fits, heavy     bool
		words           string
	}{
		// Three calls a batch: the undo record's lookup before, the sync,
		// and its read after.
		{"small", report(3000, 10, false), 0, 1000, 0, 32, 3000, true, false, "takes about 32 API calls of the 49,000 your instance has left today (1,000 of 50,000 used today"},
		{"heavy", report(300_000, 1000, false), 0, 46_000, 0, 3002, 300_000, true, true, "more than half of the 4,000"},
		{"too big", report(300_000, 1000, false), 0, 49_500, 0, 3002, 49_800, false, false, "49,800 of its 300,000 rows fit"},
		{"fill empty shares the lookup before", report(3000, 10, true), 0, 0, 0, 32, 3000, true, false, "32 API calls"},
		{"dedup off: nothing to look up before", noDedup, 0, 0, 0, 22, 3000, true, false, "22 API calls"},
		{"resumed: confirmed rows are not sent", report(3000, 10, false), 1500, 0, 0, 17, 1500, true, false, "17 API calls"},
		{"usage unknown", report(3000, 10, false), 0, -1, 5, 32, 300, false, false, "could not read today's usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := (&Job{}).Estimate(tc.rep, tc.confirmed, tc.used, marketo.Budget{DailyQuota: tc.quota}, now)
			if q.Calls != tc.calls || q.RowsThatFit != tc.fit || q.Fits() != tc.fits || q.Fits() && q.Heavy() != tc.heavy {
				t.Errorf("%+v: calls %d fit %d fits %v heavy %v", q, q.Calls, q.RowsThatFit, q.Fits(), q.Heavy())
			}
			if w := QuotaWords(q, now); !strings.Contains(w, tc.words) || !strings.Contains(w, "5 h 20 min") && !q.Fits() {
				t.Errorf("words %q, want %q and the time to the reset", w, tc.words)
			}
			if !q.ResetsAt.Equal(time.Date(2026, 12, 3, 0, 0, 0, 0, chicago)) {
				t.Errorf("resets at %v", q.ResetsAt)
			}
		})
	}
}
