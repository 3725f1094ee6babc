package run

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"leadsheet/importer"
	"leadsheet/importer/history"
	"leadsheet/marketo"
)

// keepsPrior reports whether the run looks each batch up before sending
// it, for its rollback record. With dedup off every row creates a new
// lead: there is nothing before to keep.
func (r *runner) keepsPrior() bool {
	_, ok := r.s.(marketo.LeadFinder)
	return r.opts.Rollback != nil && r.opts.Dedup && ok
}

// recordPrior writes down, before b is sent, which leads each row matched
// (found, b's lookup) and their values of the fields the row writes. A row
// whose key no lookup can take is left out: the record cannot say whether
// its person was there.
func (r *runner) recordPrior(p *previewer, b *importer.Batch, found []marketo.FoundLead) error {
	matches := make(map[int][]int, len(b.Rows))
	fields := map[int][]string{}
	for i := range b.Leads {
		l := &b.Leads[i]
		if !lookable(keyValue(l, b.Key)) {
			continue
		}
		ids := []int{}
		for _, f := range p.matches(l, b.Key, found) {
			ids = append(ids, f.ID)
			for _, name := range written(l, b.Key) {
				if !slices.Contains(fields[f.ID], name) {
					fields[f.ID] = append(fields[f.ID], name)
				}
			}
		}
		matches[b.Rows[i]] = ids
	}
	var leads []history.LeadValues
	for i := range found {
		f := &found[i]
		if names, ok := fields[f.ID]; ok {
			leads = append(leads, leadValues(f, names))
		}
	}
	return r.opts.Rollback.Prior(matches, leads)
}

// written names the fields the sync of l, keyed by k, writes: its
// attributes, and its email when the key is a person id (Sync Leads then
// sends it as a field that may change).
func written(l *marketo.Lead, k marketo.KeyKind) []string {
	names := make([]string, 0, len(l.Attributes)+1)
	for _, a := range l.Attributes {
		names = append(names, a.Name)
	}
	if k == marketo.KeyForeignSysPersonID && l.Email != "" && !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, "email") }) {
		names = append(names, "email")
	}
	return names
}

// leadValues is f's values of names: nil for a field Marketo has empty
// (absent or null), the text as Marketo gave it otherwise, "" included.
func leadValues(f *marketo.FoundLead, names []string) history.LeadValues {
	lv := history.LeadValues{ID: f.ID, UpdatedAt: f.UpdatedAt.UTC().Format(time.RFC3339Nano), Values: make(map[string]*string, len(names))}
	for _, n := range names {
		lv.Values[n] = nil
		if v, ok := f.Fields[n]; ok {
			lv.Values[n] = &v
			continue
		}
		for k, v := range f.Fields {
			if strings.EqualFold(k, n) {
				lv.Values[n] = &v
				break
			}
		}
	}
	return lv
}

// recordAfter reads the leads rs created or updated as b (and its list
// and program steps) left them, and writes that down: an undo compares
// it with what Marketo has then, to leave alone a lead changed since. A
// failed read is not the run's failure: an undo then asks before it
// touches those leads.
func (r *runner) recordAfter(ctx context.Context, b *importer.Batch, rs []importer.RowResult) {
	finder, ok := r.s.(marketo.LeadFinder)
	if r.opts.Rollback == nil || !ok || r.stopped() || ctx.Err() != nil {
		return
	}
	var ids []string
	var names []string
	for i, x := range rs {
		if x.LeadID <= 0 || (x.State != importer.Created && x.State != importer.Updated && x.State != importer.CreatedOrUpdated) {
			continue
		}
		if id := strconv.Itoa(x.LeadID); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
		for _, name := range written(&b.Leads[i], b.Key) {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	if len(ids) == 0 {
		return
	}
	found, err := r.find(ctx, finder, "id", ids, names)
	if err != nil {
		if ctx.Err() == nil && !r.stopped() {
			r.note(importer.Retrying, b.Seq, fmt.Sprintf(msgAfterLookup, describe(err)))
		}
		return
	}
	leads := make([]history.LeadValues, len(found))
	for i := range found {
		leads[i] = leadValues(&found[i], names)
	}
	if err := r.opts.Rollback.After(leads); err != nil {
		r.halt(StopJournal, fmt.Sprintf(msgRollbackTrouble, err), err)
	}
}

// recordListed writes down the leads this run added to its list.
func (r *runner) recordListed(ids []int) {
	if rb := r.opts.Rollback; rb != nil && len(ids) > 0 {
		if err := rb.Listed(r.opts.ListID, ids); err != nil {
			r.halt(StopJournal, fmt.Sprintf(msgRollbackTrouble, err), err)
		}
	}
}

// recordProgrammed writes down the leads this run set to status.
func (r *runner) recordProgrammed(status string, ids []int) {
	if rb := r.opts.Rollback; rb != nil && len(ids) > 0 {
		if err := rb.Programmed(r.opts.ProgramID, status, ids); err != nil {
			r.halt(StopJournal, fmt.Sprintf(msgRollbackTrouble, err), err)
		}
	}
}
