package run

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"leadsheet/importer"
	"leadsheet/marketo"
)

const (
	msgInMarketo        = "Already in Marketo; this import (existing people only) changed nothing about them."
	msgInMarketoSeveral = "%d people in Marketo have this %s; this import (existing people only) took the one updated most recently (lead %d), as Marketo's own import does, and changed nothing about them."
	msgNotInMarketo     = "Not in Marketo, so this import (existing people only) created nobody and added nobody for this row."
	msgFindTrouble      = "Leadsheet could not look this person up in Marketo (%s); nothing was changed or added. Run the same import again to add them."
	msgFindComma        = "This key holds a comma, and Marketo's lookup reads a comma as two values, so Leadsheet cannot find the person; nothing was changed or added."
	msgFindNoREST       = "This account cannot look people up (SOAP), so nobody was added."
)

// addExisting is a batch of a list-only run: its keys are looked up, a
// call within the budget, and the leads Marketo has go into the run's list
// and program; nobody is created or changed. With several leads on one
// key it takes the one updated most recently, as Marketo's Import List
// does.
func (r *runner) addExisting(ctx context.Context, b *importer.Batch) {
	finder, ok := r.s.(marketo.LeadFinder)
	if !ok {
		r.refused(b, msgFindNoREST, nil)
		return
	}
	p := &previewer{opts: PreviewOptions{Run: r.opts, Fields: r.opts.Fields}, types: fieldTypes(r.opts.Fields)}
	field, err := p.lookupField(b.Key)
	if err != nil {
		r.refused(b, fmt.Sprintf(msgFindTrouble, describe(err)), nil)
		return
	}
	r.started(b)
	var values, fields []string
	seen := map[string]bool{}
	for i := range b.Leads {
		if v := keyValue(&b.Leads[i], b.Key); lookable(v) && !seen[v] {
			seen[v] = true
			values = append(values, v)
		}
	}
	if b.Key == marketo.KeyForeignSysPersonID {
		fields = append(fields, "id", "email", "updatedAt", field)
	}
	var found []marketo.FoundLead
	if len(values) > 0 {
		found, err = r.find(ctx, finder, field, values, fields)
	}
	if err != nil {
		switch {
		case r.haltOn(err, msgLoginRefused), r.stopped(), ctx.Err() != nil:
			r.notSent(b)
		default:
			r.refused(b, fmt.Sprintf(msgFindTrouble, describe(err)), nil)
		}
		return
	}
	rs := make([]importer.RowResult, len(b.Rows))
	var absent []int
	for i := range b.Leads {
		l := &b.Leads[i]
		rs[i] = importer.RowResult{Row: b.Rows[i]}
		if !lookable(keyValue(l, b.Key)) {
			rs[i].State, rs[i].Reason = importer.Failed, msgFindComma
			continue
		}
		m := p.matches(l, b.Key, found)
		if len(m) == 0 {
			rs[i].State, rs[i].Reason = importer.LeftAlone, msgNotInMarketo
			if r.opts.ListID != 0 {
				rs[i].List = importer.ListNotFound
				absent = append(absent, b.Rows[i])
			}
			continue
		}
		latest := slices.MaxFunc(m, func(a, b *marketo.FoundLead) int {
			return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), cmp.Compare(a.ID, b.ID))
		})
		rs[i].State, rs[i].LeadID, rs[i].Reason = importer.InMarketo, latest.ID, msgInMarketo
		if len(m) > 1 {
			rs[i].Reason = fmt.Sprintf(msgInMarketoSeveral, len(m), b.Key, latest.ID)
		}
	}
	if j := r.opts.Journal; j != nil {
		if err := j.Confirm(rs); err != nil {
			r.halt(StopJournal, journalTrouble(err), err)
		}
		if len(absent) > 0 {
			_ = j.Listed(absent, importer.ListNotFound) // a lost record only means looking them up again
		}
	}
	r.toTargets(ctx, b, rs)
	r.final(importer.BatchDone, b.Seq, rs)
}
