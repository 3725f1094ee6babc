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
	for _, tc := range []struct {
		name            string
		rep             *Report
		confirmed, used int
		quota           int
		calls, fit      int
		fits, heavy     bool
		words           string
	}{
		{"small", report(3000, 10, false), 0, 1000, 0, 12, 3000, true, false, "takes about 12 API calls of the 49,000 your instance has left today (1,000 of 50,000 used today"},
		{"heavy", report(300_000, 1000, false), 0, 48_000, 0, 1002, 300_000, true, true, "more than half of the 2,000"},
		{"too big", report(300_000, 1000, false), 0, 49_500, 0, 1002, 149_400, false, false, "149,400 of its 300,000 rows fit"},
		{"fill empty costs a lookup a batch", report(3000, 10, true), 0, 0, 0, 22, 3000, true, false, "22 API calls"},
		{"resumed: confirmed rows are not sent", report(3000, 10, false), 1500, 0, 0, 7, 1500, true, false, "7 API calls"},
		{"usage unknown", report(3000, 10, false), 0, -1, 5, 12, 900, false, false, "could not read today's usage"},
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
