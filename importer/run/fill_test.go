package run

import (
	"context"
	"testing"

	"leadsheet/importer"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

// TestRunFillEmpty checks "only fill fields that are empty in Marketo" in
// the store: a known lead keeps every value it had and gains the ones it
// lacked, a new lead gets everything, and the preview promised exactly
// that.
func TestRunFillEmpty(t *testing.T) {
	srv := sandboxtest.Start(t, marketotest.DefaultConfig())
	c := restClient(t, srv).(*marketo.RESTClient)
	ctx := context.Background()
	at := func(name, v string) marketo.Attribute { return marketo.Attribute{Name: name, Value: v} }
	st, err := c.SyncLeads(ctx, []marketo.Lead{{Email: "known@example.com", Attributes: []marketo.Attribute{at("city", "Lyon"), at("company", "Old Co")}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	known := st[0].LeadID
	rows := []marketo.Lead{
		{Email: "Known@example.com", Attributes: []marketo.Attribute{at("city", "Paris"), at("title", "CEO"), at("company", "New Co")}},
		{Email: "new@example.com", Attributes: []marketo.Attribute{at("city", "Metz"), at("title", "CTO")}},
	}
	b := []importer.Batch{{Seq: 0, Key: marketo.KeyEmail, Rows: []int{2, 3}, Leads: rows}}
	opts := fastOpts(true)
	opts.FillEmpty = true

	var previews []RowPreview
	src := func(yield func(importer.Batch)) error { yield(b[0]); return nil }
	if _, err := Preview(ctx, c, src, PreviewOptions{Run: opts, Fields: restFields()}, func(p RowPreview) { previews = append(previews, p) }); err != nil {
		t.Fatal(err)
	}
	if len(previews) != 2 || previews[0].Kind != WillUpdate || len(previews[0].Changes) != 1 || previews[0].Changes[0] != (FieldChange{Field: "title", New: "CEO"}) || previews[1].Kind != WillCreate {
		t.Fatalf("preview with fill empty: %+v", previews)
	}

	out, err := Run(ctx, c, b, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.Updated != 1 || out.Totals.Created != 1 {
		t.Fatalf("totals %+v", out.Totals)
	}
	if rows[0].Attributes[0].Value != "Paris" || len(rows[0].Attributes) != 3 {
		t.Errorf("the run changed the caller's leads: %+v", rows[0])
	}
	for _, l := range srv.Leads() {
		want := map[string]string{"City": "Metz", "Title": "CTO"}
		if l.ID == known {
			want = map[string]string{"City": "Lyon", "Title": "CEO", "Company": "Old Co"}
		}
		for f, v := range want {
			if l.Fields[f] != v {
				t.Errorf("lead %d %s: %q, want %q", l.ID, f, l.Fields[f], v)
			}
		}
	}
	if st := srv.Stats(); st.Calls["REST leads.json"] != 2 || st.Calls["REST getLeadsByFilter"] != 2 {
		t.Errorf("calls %v: want two syncs (the seed, the run) and two lookups (the preview, the run)", st.Calls)
	}
}
