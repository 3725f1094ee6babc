package run

import (
	"slices"
	"strings"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// splitBlind takes out of b, and returns, the rows whose key cannot be
// looked up (a comma in a person id): Leadsheet cannot tell what is empty
// for them.
func (r *runner) splitBlind(b *importer.Batch) *importer.Batch {
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
	return blind
}

// keepEmptyOnly drops from each of b's leads the attributes whose field
// already has a value in Marketo (found, a lookup of b), so the sync fills
// only what is empty. A lead no lookup finds is new: it keeps every value.
// The lookup is read just before the send; a value typed in Marketo
// between the two can still be overwritten, a window of one call.
func keepEmptyOnly(p *previewer, b *importer.Batch, found []marketo.FoundLead) {
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
}
