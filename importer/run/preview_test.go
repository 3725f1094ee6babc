package run

import (
	"context"
	"testing"

	"leadsheet/importer"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// TestPreviewThenSync previews a sheet, syncs it, and checks the preview
// against what the sync did: every row's state, and the store's values
// before and after for every field the preview said would change or stay.
func TestPreviewThenSync(t *testing.T) {
	for _, mode := range []marketo.SyncMode{marketo.CreateOrUpdate, marketo.CreateOnly, marketo.UpdateOnly} {
		t.Run(mode.String(), func(t *testing.T) {
			srv := sandboxtest.Start(t, marketotest.DefaultConfig())
			c := restClient(t, srv).(*marketo.RESTClient)
			ctx := context.Background()
			seed := func(dedup bool, leads ...marketo.Lead) {
				if _, err := c.SyncLeads(ctx, leads, dedup); err != nil {
					t.Fatal(err)
				}
			}
			at := func(name, v string) marketo.Attribute { return marketo.Attribute{Name: name, Value: v} }
			seed(true,
				marketo.Lead{Email: "same@example.com", Attributes: []marketo.Attribute{at("city", "Lyon"), at("annualRevenue", "1500")}},
				marketo.Lead{Email: "differs@example.com", Attributes: []marketo.Attribute{at("city", "Lyon"), at("title", "CEO")}})
			seed(false, marketo.Lead{Email: "twice@example.com"}, marketo.Lead{Email: "twice@example.com"})

			rows := []marketo.Lead{
				{Email: "SAME@example.com", Attributes: []marketo.Attribute{at("city", "Lyon"), at("annualRevenue", "1500.00")}},
				{Email: "differs@example.com", Attributes: []marketo.Attribute{at("city", "Paris"), {Name: "title", Clear: true}, at("company", "Acme")}},
				{Email: "twice@example.com", Attributes: []marketo.Attribute{at("city", "Nice")}},
				{Email: "new@example.com", Attributes: []marketo.Attribute{at("city", "Metz")}},
				{Email: "New@Example.com", Attributes: []marketo.Attribute{at("city", "Brest")}},
			}
			batches := []importer.Batch{
				{Seq: 0, Key: marketo.KeyEmail, Rows: []int{2, 3, 4}, Leads: rows[:3]},
				{Seq: 1, Key: marketo.KeyEmail, Rows: []int{5, 6}, Leads: rows[3:]},
			}
			src := func(yield func(importer.Batch)) error {
				for _, b := range batches {
					yield(b)
				}
				return nil
			}
			opts := fastOpts(true)
			opts.Mode = mode
			before := snapshotREST(srv)
			leadsBefore := len(srv.Leads())
			var previews []RowPreview
			tot, err := Preview(ctx, c, src, PreviewOptions{Run: opts, Fields: restFields()}, func(p RowPreview) { previews = append(previews, p) })
			if err != nil {
				t.Fatal(err)
			}
			if tot.Calls != PreviewCost(len(batches), true) || len(srv.Leads()) != leadsBefore {
				t.Fatalf("preview made %d calls and changed the store (%d -> %d leads)", tot.Calls, leadsBefore, len(srv.Leads()))
			}
			want := map[marketo.SyncMode][]PreviewKind{
				marketo.CreateOrUpdate: {WillNotChange, WillUpdate, Ambiguous, WillCreate, Repeats},
				marketo.CreateOnly:     {WillLeaveAlone, WillLeaveAlone, WillLeaveAlone, WillCreate, Repeats},
				marketo.UpdateOnly:     {WillNotChange, WillUpdate, Ambiguous, WillLeaveAlone, Repeats},
			}[mode]
			if len(previews) != len(rows) {
				t.Fatalf("%d previews for %d rows", len(previews), len(rows))
			}
			for i, p := range previews {
				if p.Row != i+2 || p.Kind != want[i] {
					t.Errorf("preview %d: row %d %v, want row %d %v", i, p.Row, p.Kind, i+2, want[i])
				}
			}

			out, err := Run(ctx, c, batches, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			after := snapshotREST(srv)
			for i, p := range previews {
				r := out.Results[i]
				if got, ok := expectedState(p, mode, previews); r.State != got || !ok {
					t.Errorf("row %d: preview %v, sync %v (%s)", p.Row, p.Kind, r.State, r.Reason)
				}
				if p.Kind != WillUpdate && p.Kind != WillNotChange {
					continue
				}
				changed := map[string]FieldChange{}
				for _, ch := range p.Changes {
					changed[ch.Field] = ch
					if b, a := before[p.LeadID][ch.Field], after[p.LeadID][ch.Field]; b != ch.Old || a != ch.New {
						t.Errorf("row %d %s: preview %q -> %q, store %q -> %q", p.Row, ch.Field, ch.Old, ch.New, b, a)
					}
				}
				for _, a := range rows[i].Attributes {
					if _, ok := changed[a.Name]; !ok && before[p.LeadID][a.Name] != after[p.LeadID][a.Name] {
						t.Errorf("row %d %s: preview said no change, store %q -> %q", p.Row, a.Name, before[p.LeadID][a.Name], after[p.LeadID][a.Name])
					}
				}
			}
		})
	}
}

// expectedState is the sync outcome a preview kind promises. A row
// repeating an earlier one goes to the same lead, after it.
func expectedState(p RowPreview, mode marketo.SyncMode, all []RowPreview) (importer.RowState, bool) {
	switch p.Kind {
	case WillCreate:
		return importer.Created, true
	case WillUpdate, WillNotChange:
		return importer.Updated, true
	case WillLeaveAlone:
		return importer.LeftAlone, true
	case Ambiguous, NotFound:
		return importer.Failed, true
	case Repeats:
		for _, first := range all {
			if first.Row != p.First {
				continue
			}
			switch {
			case first.Kind == WillLeaveAlone, first.Kind == WillCreate && mode == marketo.CreateOnly:
				return importer.LeftAlone, true
			case first.Kind == WillCreate, first.Kind == WillUpdate, first.Kind == WillNotChange:
				return importer.Updated, true
			}
			return expectedState(first, mode, all)
		}
	}
	return 0, false
}

// snapshotREST is the store's field values by lead id and REST name.
func snapshotREST(srv *marketotest.Server) map[int]map[string]string {
	rest := map[string]string{}
	for _, f := range marketotest.StandardFields() {
		rest[f.SOAPName] = f.RESTName
	}
	out := map[int]map[string]string{}
	for _, l := range srv.Leads() {
		m := map[string]string{}
		for k, v := range l.Fields {
			m[rest[k]] = v
		}
		out[l.ID] = m
	}
	return out
}

func restFields() []marketo.Field {
	var out []marketo.Field
	for _, f := range marketotest.StandardFields() {
		out = append(out, marketo.Field{Name: f.RESTName, Type: f.DataType, Length: f.Length})
	}
	return out
}

func TestPreviewDedupOffCallsNothing(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	c := restClient(t, srv).(*marketo.RESTClient)
	b := testBatches(10, 5, "p%d@example.com")
	src := func(yield func(importer.Batch)) error {
		for _, x := range b {
			yield(x)
		}
		return nil
	}
	var n int
	tot, err := Preview(context.Background(), c, src, PreviewOptions{Run: fastOpts(false)}, func(p RowPreview) {
		if p.Kind != WillCreate {
			t.Errorf("row %d: %v with dedup off", p.Row, p.Kind)
		}
		n++
	})
	if err != nil || tot.Calls != 0 || n != 10 || tot.Create != 10 {
		t.Errorf("dedup off: %+v, %d rows, %v", tot, n, err)
	}
	if calls := srv.Stats().Calls["REST leads.json"]; calls != 0 {
		t.Errorf("%d calls", calls)
	}
}
