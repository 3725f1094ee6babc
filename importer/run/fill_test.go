package run

import (
	"context"
	"fmt"
	"strings"
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

// TestPersonIDMatchesAsMarketoDoes: Marketo matches a person id whatever
// its case ("ABC-1" finds "abc-1"), and so must the preview, fill-empty
// and the modes, or fill-empty overwrites and update only is previewed as
// left alone while the sync updates.
func TestPersonIDMatchesAsMarketoDoes(t *testing.T) {
	srv, c := personIDSandbox(t)
	ctx := context.Background()
	if _, err := c.SyncLeads(ctx, []marketo.Lead{{ForeignSysPersonID: "ABC-1", Attributes: []marketo.Attribute{{Name: "city", Value: "Lyon"}}}}, true); err != nil {
		t.Fatal(err)
	}
	b := importer.Batch{Key: marketo.KeyForeignSysPersonID, Rows: []int{2}, Leads: []marketo.Lead{{ForeignSysPersonID: "abc-1", Attributes: []marketo.Attribute{{Name: "city", Value: "Paris"}}}}}
	src := func(yield func(importer.Batch)) error { yield(b); return nil }
	for _, tc := range []struct {
		name string
		set  func(*RunOptions)
		kind PreviewKind
		city string
	}{
		{"fill empty", func(o *RunOptions) { o.FillEmpty = true }, WillNotChange, "Lyon"},
		{"update only", func(o *RunOptions) { o.Mode = marketo.UpdateOnly }, WillUpdate, "Paris"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := fastOpts(true)
			opts.ForeignKeyField = "crmPersonId"
			tc.set(&opts)
			var got []RowPreview
			if _, err := Preview(ctx, c, src, PreviewOptions{Run: opts}, func(p RowPreview) { got = append(got, p) }); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Kind != tc.kind {
				t.Errorf("preview %+v, want %v", got, tc.kind)
			}
			bb := b
			bb.Leads = append([]marketo.Lead(nil), b.Leads...)
			out, err := Run(ctx, c, []importer.Batch{bb}, opts, nil)
			if err != nil || out.Totals.Updated != 1 {
				t.Fatalf("run: %+v %v", out.Totals, err)
			}
			if l := srv.Leads(); len(l) != 1 || l[0].Fields["City"] != tc.city {
				t.Errorf("store %+v, want one lead with city %s", l, tc.city)
			}
		})
	}
}

// TestRunFillEmptyRepeatedPerson: a person on two rows of the sheet, with a
// field empty in Marketo, ends with the first row's value whether the two
// rows share a batch or not: the second finds the field filled.
func TestRunFillEmptyRepeatedPerson(t *testing.T) {
	for _, together := range []bool{true, false} {
		t.Run(fmt.Sprintf("one batch=%v", together), func(t *testing.T) {
			srv := sandboxtest.Start(t, marketotest.DefaultConfig())
			c := restClient(t, srv)
			ctx := context.Background()
			if _, err := c.SyncLeads(ctx, []marketo.Lead{{Email: "ann@example.com", Attributes: []marketo.Attribute{{Name: "title", Value: "CEO"}}}}, true); err != nil {
				t.Fatal(err)
			}
			rows := []marketo.Lead{
				{Email: "ann@example.com", Attributes: []marketo.Attribute{{Name: "city", Value: "Lyon"}}},
				{Email: "ANN@example.com", Attributes: []marketo.Attribute{{Name: "city", Value: "Paris"}, {Name: "company", Value: "Acme"}}},
			}
			batches := []importer.Batch{{Key: marketo.KeyEmail, Rows: []int{2, 3}, Leads: rows}}
			if !together {
				batches = []importer.Batch{{Seq: 0, Key: marketo.KeyEmail, Rows: []int{2}, Leads: rows[:1]}, {Seq: 1, Key: marketo.KeyEmail, Rows: []int{3}, Leads: rows[1:]}}
			}
			opts := fastOpts(true)
			opts.FillEmpty, opts.Concurrency = true, 1
			if _, err := Run(ctx, c, batches, opts, nil); err != nil {
				t.Fatal(err)
			}
			l := srv.Leads()
			if len(l) != 1 || l[0].Fields["City"] != "Lyon" || l[0].Fields["Company"] != "Acme" || l[0].Fields["Title"] != "CEO" {
				t.Errorf("store %+v, want city Lyon (the first row's), company Acme, title CEO", l)
			}
		})
	}
}

// TestPersonIDWithAComma: Marketo's lookup takes its values as one
// comma-separated list, so a person id holding a comma cannot be looked
// up. The preview says so for that row alone, and fill-empty refuses that
// row alone instead of failing its whole batch for good.
func TestPersonIDWithAComma(t *testing.T) {
	srv, c := personIDSandbox(t)
	ctx := context.Background()
	lead := func(id string) marketo.Lead {
		return marketo.Lead{ForeignSysPersonID: id, Attributes: []marketo.Attribute{{Name: "city", Value: "Metz"}}}
	}
	b := importer.Batch{Key: marketo.KeyForeignSysPersonID, Rows: []int{2, 3, 4}, Leads: []marketo.Lead{lead("P-1"), lead("ACME,42"), lead("P-3")}}
	opts := fastOpts(true)
	opts.ForeignKeyField, opts.FillEmpty = "crmPersonId", true
	var kinds []PreviewKind
	src := func(yield func(importer.Batch)) error { yield(b); return nil }
	if _, err := Preview(ctx, c, src, PreviewOptions{Run: opts}, func(p RowPreview) { kinds = append(kinds, p.Kind) }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(kinds) != fmt.Sprint([]PreviewKind{WillCreate, CannotLookUp, WillCreate}) {
		t.Errorf("preview kinds %v", kinds)
	}
	out, err := Run(ctx, c, []importer.Batch{b}, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.Created != 2 || out.Totals.Failed != 1 || out.Results[1].State != importer.Failed || !strings.Contains(out.Results[1].Reason, "comma") {
		t.Errorf("totals %+v, row 3: %+v", out.Totals, out.Results[1])
	}
	if n := len(srv.Leads()); n != 2 {
		t.Errorf("%d leads stored, want the two that could be looked up", n)
	}
}

// personIDSandbox is a sandbox with a crmPersonId field and a REST client
// that keys ForeignSysPersonId rows on it.
func personIDSandbox(t *testing.T) (*marketotest.Server, *marketo.RESTClient) {
	t.Helper()
	cfg := marketotest.DefaultConfig()
	cfg.CustomFields = []marketotest.FieldDef{{RESTName: "crmPersonId", SOAPName: "CrmPersonId", DataType: marketotest.TypeString, Searchable: true}}
	srv := sandboxtest.Start(t, cfg)
	c, err := marketo.NewRESTClient(marketo.RESTCredentials{BaseURL: srv.RESTBaseURL(), IdentityURL: srv.IdentityURL(),
		ClientID: marketotest.DefaultClientID, ClientSecret: marketotest.DefaultClientSecret}, marketo.RESTOptions{ForeignSysPersonIDField: "crmPersonId"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}
