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

// priorOf is what b's lookup (found) says for the undo record: which
// leads each row matched and their values of the fields the row writes.
// A row whose key no lookup can take is left out: the record cannot say
// whether its person was there. It is written when b is first sent.
func (r *runner) priorOf(p *previewer, b *importer.Batch, found []marketo.FoundLead) *history.Prior {
	pr := &history.Prior{At: time.Now(), Field: r.keyField(b.Key), Rows: make(map[int][]int, len(b.Rows)), Keys: map[int]string{}}
	fields := map[int][]string{}
	for i := range b.Leads {
		l := &b.Leads[i]
		key := keyValue(l, b.Key)
		if !lookable(key) {
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
		pr.Rows[b.Rows[i]] = ids
		if len(ids) == 0 {
			pr.Keys[b.Rows[i]] = key
		}
	}
	for i := range found {
		f := &found[i]
		if names, ok := fields[f.ID]; ok {
			pr.Leads = append(pr.Leads, leadValues(f, names))
		}
	}
	return pr
}

// keyField is the REST field a batch keyed by k is looked up by; "" when
// none can be (a person id without its field).
func (r *runner) keyField(k marketo.KeyKind) string {
	switch k {
	case marketo.KeyID:
		return "id"
	case marketo.KeyForeignSysPersonID:
		return r.opts.ForeignKeyField
	}
	return "email"
}

// recordEnd writes down Marketo's word on rs, rows of b, before the
// journal's: a crash between the two then leaves rows the journal sends
// again, whose second answer ("updated") the record's first ("created")
// outranks. Rows that may have changed Marketo without a lead id (an
// answer lost) go with their key, for an undo to look them up. It
// reports whether the run may go on.
func (r *runner) recordEnd(b *importer.Batch, rs []importer.RowResult) bool {
	rb := r.opts.Rollback
	if rb == nil {
		return true
	}
	at := make(map[int]int, len(b.Rows))
	for i, row := range b.Rows {
		at[row] = i
	}
	keyOf := func(row int) string {
		if i, ok := at[row]; ok {
			return keyValue(&b.Leads[i], b.Key)
		}
		return ""
	}
	if err := rb.Touched(rs, r.keyField(b.Key), keyOf); err != nil {
		r.halt(StopJournal, fmt.Sprintf(msgRollbackTrouble, err), err)
		return false
	}
	return true
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
		lv.Values[n] = valueOf(f, n)
	}
	return lv
}

// valueOf is f's value of the field name, as [leadValues] gives it.
func valueOf(f *marketo.FoundLead, name string) *string {
	if strings.EqualFold(name, "email") {
		// A lookup gives the email as a field of its own.
		if v := f.Email; v != "" {
			return &v
		}
		return nil
	}
	if v, ok := f.Fields[name]; ok {
		return &v
	}
	for k, v := range f.Fields {
		if strings.EqualFold(k, name) {
			return &v
		}
	}
	return nil
}

// sumOf is the [history.Sum] of f's values of names.
func sumOf(f *marketo.FoundLead, names []string) string {
	return history.Sum(names, func(n string) *string { return valueOf(f, n) })
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
	at := make(map[int]int, len(b.Rows))
	for i, row := range b.Rows {
		at[row] = i
	}
	var ids []string
	var names []string
	for _, x := range rs {
		i, ok := at[x.Row]
		if !ok || x.LeadID <= 0 || (x.State != importer.Created && x.State != importer.Updated && x.State != importer.CreatedOrUpdated) {
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
	slices.Sort(names)
	leads := make([]history.LeadValues, len(found))
	for i := range found {
		f := &found[i]
		leads[i] = history.LeadValues{ID: f.ID, UpdatedAt: f.UpdatedAt.UTC().Format(time.RFC3339Nano), Sum: sumOf(f, names)}
	}
	if err := r.opts.Rollback.After(names, leads); err != nil {
		r.halt(StopJournal, fmt.Sprintf(msgRollbackTrouble, err), err)
	}
}

// recordListed writes down the leads this run is about to add to its
// list, none of them a member: an undo takes them out again. It reports
// whether the step may go on; a record that cannot be written stops the
// run.
func (r *runner) recordListed(ids []int) bool {
	rb := r.opts.Rollback
	if rb == nil || len(ids) == 0 {
		return true
	}
	if err := rb.Listed(r.opts.ListID, ids); err != nil {
		r.halt(StopJournal, fmt.Sprintf(msgRollbackTrouble, err), err)
		return false
	}
	return true
}

// recordProgrammed writes down the leads this run set to status.
func (r *runner) recordProgrammed(status string, ids []int) {
	if rb := r.opts.Rollback; rb != nil && len(ids) > 0 {
		if err := rb.Programmed(r.opts.ProgramID, status, ids); err != nil {
			r.halt(StopJournal, fmt.Sprintf(msgRollbackTrouble, err), err)
		}
	}
}
