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
func (r *runner) keepEmptyOnly(ctx context.Context, b *importer.Batch) error {
	p := &previewer{opts: PreviewOptions{Run: r.opts}}
	found, err := p.lookup(ctx, r, r.s.(marketo.LeadFinder), b)
	if err != nil {
		return err
	}
	for i := range b.Leads {
		l := &b.Leads[i]
		m := p.matches(l, b.Key, found)
		if len(m) != 1 {
			continue // new, or several leads: Marketo decides (creates, or refuses with 1007)
		}
		l.Attributes = slices.DeleteFunc(slices.Clone(l.Attributes), func(a marketo.Attribute) bool {
			return strings.TrimSpace(fieldValue(m[0], a.Name)) != ""
		})
	}
	return nil
}
