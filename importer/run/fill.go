package run

import (
	"context"
	"slices"
	"strings"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// keepEmptyOnly looks b's leads up and drops from each the attributes
// whose field already has a value in Marketo, so the sync fills only what
// is empty. A lead no lookup finds is new: it keeps every value. The
// lookup is read just before the send; a value typed in Marketo between
// the two can still be overwritten, a window of one call.
//
// Rows whose key cannot be looked up (a comma in a person id) are taken
// out of b and returned: Leadsheet cannot tell what is empty for them.
func (r *runner) keepEmptyOnly(ctx context.Context, b *importer.Batch) (*importer.Batch, error) {
	p := &previewer{opts: PreviewOptions{Run: r.opts, Fields: r.opts.Fields}, types: fieldTypes(r.opts.Fields)}
	var blind *importer.Batch
	for i := 0; i < len(b.Leads); {
		if lookable(keyValue(&b.Leads[i], b.Key)) {
			i++
			continue
		}
		if blind == nil {
			blind = &importer.Batch{Seq: b.Seq, Key: b.Key, Statuses: b.Statuses}
		}
		blind.Rows, blind.Leads = append(blind.Rows, b.Rows[i]), append(blind.Leads, b.Leads[i])
		b.Rows, b.Leads = slices.Delete(slices.Clone(b.Rows), i, i+1), slices.Delete(slices.Clone(b.Leads), i, i+1)
	}
	found, err := p.lookup(ctx, r, r.s.(marketo.LeadFinder), b)
	if err != nil {
		return blind, err
	}
	// A person repeated in the batch: what an earlier row fills is not
	// empty any more for a later one, as it would not be had the later
	// row come in the next batch.
	filled := map[string]map[string]bool{}
	for i := range b.Leads {
		l := &b.Leads[i]
		key := strings.ToLower(keyValue(l, b.Key))
		// With several matches the sandbox refuses the row (1007), but a
		// live instance may update one of them, not saying which: a field
		// any of them has is kept out.
		m := p.matches(l, b.Key, found)
		done := filled[key]
		l.Attributes = slices.DeleteFunc(slices.Clone(l.Attributes), func(a marketo.Attribute) bool {
			if done[strings.ToLower(a.Name)] {
				return true
			}
			return slices.ContainsFunc(m, func(f *marketo.FoundLead) bool { return strings.TrimSpace(fieldValue(f, a.Name)) != "" })
		})
		if done == nil {
			done = map[string]bool{}
			filled[key] = done
		}
		for _, a := range l.Attributes {
			if a.Clear || strings.TrimSpace(a.Value) != "" {
				done[strings.ToLower(a.Name)] = true
			}
		}
	}
	return blind, nil
}
