package run

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// DefaultSettle is how long Leadsheet lets a call whose answer was lost
// settle before looking its leads up: Marketo may still be applying it, and
// a lookup made too soon would call a lead absent that is about to exist.
// It counts from the loss (or, for a stopped run's calls, from the resume),
// as a gateway error or a timeout can come long after the call went out.
// Marketo does not say how long a call may run on after its connection is
// gone; two minutes is a guess on the safe side, and costs one wait.
const DefaultSettle = 2 * time.Minute

// clockSkew is how far this computer's clock and Marketo's may disagree: a
// lead Marketo says it created up to this long before a row was sent may
// still be that row's.
const clockSkew = time.Minute

const (
	msgFoundLost     = "Created: Marketo's answer was lost, and Leadsheet then found the lead this row created"
	msgAmbiguousLost = "Marketo's answer was lost, and since this row was sent Marketo created %d leads with its email where this file sent %d; check in Marketo which is this row's before sending it again"
	msgLookupLost    = "Marketo's answer for this row was lost and Leadsheet could not check whether the lead was created (%s); check in Marketo before sending it again"
)

// canFindLost reports whether Leadsheet can look up the leads that rows of
// b, sent with dedup off, may have created: Marketo's lead lookup (REST)
// finds leads by email, and only an email-keyed batch creates by email.
func (r *runner) canFindLost(b importer.Batch) bool {
	_, ok := r.s.(marketo.LeadFinder)
	return ok && !r.opts.Dedup && b.Key == marketo.KeyEmail
}

// settleLost decides the rows of b, sent with dedup off, whose answer was
// lost (a failure after which Marketo may have applied the call, or a stop
// before the answer was recorded): a row is Created when Marketo has a lead
// with its email created since the row was first sent (sentAt), sent again
// (in the batch returned) when it has none, and Unknown, with why or the
// lookup's trouble, when Leadsheet cannot tell. The lookup waits until
// lookAfter, when Marketo is done with the call. Found rows are confirmed
// in the journal and absent ones cleared, so a stop now loses neither.
func (r *runner) settleLost(ctx context.Context, b *importer.Batch, sentAt func(row int) time.Time, lookAfter time.Time, why string) *importer.Batch {
	if !r.canFindLost(*b) {
		r.unknown(b, why)
		return nil
	}
	if wait := time.Until(lookAfter); wait > 0 {
		r.note(importer.Retrying, b.Seq, fmt.Sprintf("Batch %d (%s): no answer came for these rows; Leadsheet checks in Marketo in %s whether they created leads, then sends the ones that did not", b.Seq+1, rowSpan(b.Rows), wait.Round(time.Second)))
		if !r.sleep(ctx, wait) {
			r.unknown(b, why)
			return nil
		}
	}
	if r.stopped() || ctx.Err() != nil {
		r.unknown(b, why) // still in flight in the journal: the next run looks
		return nil
	}
	found, err := r.findByEmail(ctx, r.s.(marketo.LeadFinder), b)
	if err != nil {
		r.unknown(b, fmt.Sprintf(msgLookupLost, describe(err)))
		return nil
	}
	held := r.leadsHeld(found)
	byEmail := map[string][]marketo.FoundLead{}
	for _, l := range found {
		if held[l.ID] {
			continue // another row of this import made it, earlier
		}
		k := strings.ToLower(l.Email)
		byEmail[k] = append(byEmail[k], l)
	}
	rowsOf := map[string][]int{} // email -> indexes in b, in sheet order
	for i, l := range b.Leads {
		k := strings.ToLower(l.Email)
		rowsOf[k] = append(rowsOf[k], i)
	}
	var decided []importer.RowResult
	var created []importer.RowResult
	absent := &importer.Batch{Seq: b.Seq, Key: b.Key, Statuses: b.Statuses}
	for _, l := range b.Leads {
		k := strings.ToLower(l.Email)
		idx := rowsOf[k]
		if idx == nil {
			continue // decided with the first row of its email
		}
		delete(rowsOf, k)
		since := time.Time{}
		known := true
		for _, j := range idx {
			t := sentAt(b.Rows[j])
			if t.IsZero() {
				known = false
			} else if since.IsZero() || t.Before(since) {
				since = t
			}
		}
		var fresh []marketo.FoundLead
		for _, f := range byEmail[k] {
			if !known || !f.CreatedAt.Before(since.Add(-clockSkew)) {
				fresh = append(fresh, f)
			}
		}
		switch {
		case len(fresh) == 0:
			// No lead with this email came into being since: the call
			// created none for these rows, so sending them is safe.
			for _, j := range idx {
				absent.Rows = append(absent.Rows, b.Rows[j])
				absent.Leads = append(absent.Leads, b.Leads[j])
			}
		case known && len(fresh) == len(idx):
			slices.SortFunc(fresh, func(a, b marketo.FoundLead) int { return cmp.Compare(a.ID, b.ID) })
			for n, j := range idx {
				rr := importer.RowResult{Row: b.Rows[j], State: importer.Created, LeadID: fresh[n].ID, Reason: msgFoundLost}
				created = append(created, rr)
				decided = append(decided, rr)
			}
		default:
			reason := why
			if known {
				reason = fmt.Sprintf(msgAmbiguousLost, len(fresh), len(idx))
			}
			for _, j := range idx {
				decided = append(decided, importer.RowResult{Row: b.Rows[j], State: importer.Unknown, Reason: reason})
			}
		}
	}
	if len(decided) > 0 {
		r.recordEnd(b, decided)
	}
	if j := r.opts.Journal; j != nil {
		if len(created) > 0 {
			if err := j.Confirm(created); err != nil {
				r.halt(StopJournal, journalTrouble(err), err)
			}
		}
		if len(absent.Rows) > 0 {
			_ = j.Clear(absent.Rows) // a failed clear leaves them in flight: the next resume looks again
		}
	}
	if len(decided) > 0 {
		r.toTargets(ctx, b, decided)
		r.recordAfter(ctx, b, decided)
		r.final(importer.BatchDone, b.Seq, decided)
	}
	if len(absent.Rows) == 0 {
		return nil
	}
	return absent
}

// leadsHeld tells which of found are already some row's lead, in this run
// or in one the journal resumes: with dedup off a sheet may hold an email
// twice, and the other row's lead is no proof that this row made one. It
// scans every row's state, which only a lost answer costs.
func (r *runner) leadsHeld(found []marketo.FoundLead) map[int]bool {
	held := map[int]bool{}
	if len(found) == 0 {
		return held
	}
	want := make(map[int]bool, len(found))
	for _, l := range found {
		want[l.ID] = true
	}
	mark := func(t *importer.RowTable) {
		for rr := range t.All() {
			if rr.LeadID != 0 && want[rr.LeadID] {
				held[rr.LeadID] = true
			}
		}
	}
	r.mu.Lock()
	mark(&r.res)
	r.mu.Unlock()
	if r.confirmed != nil {
		mark(r.confirmed)
	}
	return held
}

// findByEmail looks up every lead with an email of b's rows, retrying what
// Marketo's limits and passing failures turn away, within the run's budget.
func (r *runner) findByEmail(ctx context.Context, finder marketo.LeadFinder, b *importer.Batch) ([]marketo.FoundLead, error) {
	seen := map[string]bool{}
	var emails []string
	for _, l := range b.Leads {
		if k := strings.ToLower(l.Email); !seen[k] {
			seen[k] = true
			emails = append(emails, l.Email)
		}
	}
	var found []marketo.FoundLead
	for chunk := range slices.Chunk(emails, marketo.MaxFindValues) {
		got, err := r.find(ctx, finder, "email", chunk, nil)
		if err != nil {
			return nil, err
		}
		found = append(found, got...)
	}
	return found, nil
}

// find makes one lookup of at most [marketo.MaxFindValues] values,
// retrying what Marketo's limits and passing failures turn away, within
// the run's budget.
func (r *runner) find(ctx context.Context, finder marketo.LeadFinder, field string, values, fields []string) ([]marketo.FoundLead, error) {
	var got []marketo.FoundLead
	err := r.retry(ctx, func(ctx context.Context) error {
		var err error
		got, err = finder.FindLeads(ctx, field, values, fields)
		return err
	})
	return got, err
}
