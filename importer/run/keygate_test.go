package run

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"leadsheet/importer"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/marketo/marketotest/sandboxtest"
)

func TestKeyGate(t *testing.T) {
	e := func(s string) leadKey { return leadKey{kind: marketo.KeyEmail, v: s} }
	id := func(n int) leadKey { return leadKey{kind: marketo.KeyID, id: n} }
	for _, tc := range []struct {
		name       string
		held, next []leadKey
		enters     bool
	}{
		{"disjoint emails", []leadKey{e("a@x.com")}, []leadKey{e("b@x.com")}, true},
		{"shared email", []leadKey{e("a@x.com"), e("b@x.com")}, []leadKey{e("c@x.com"), e("b@x.com")}, false},
		{"same id", []leadKey{id(7)}, []leadKey{id(7)}, false},
		{"an id is not an email", []leadKey{id(7)}, []leadKey{e("7")}, true},
		{"nothing held", nil, []leadKey{e("a@x.com")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newKeyGate()
			if !g.enter(context.Background(), nil, tc.held) {
				t.Fatal("the first batch could not enter an empty gate")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if got := g.enter(ctx, nil, tc.next); got != tc.enters {
				t.Fatalf("second batch entered = %v, want %v", got, tc.enters)
			}
			if tc.enters {
				return
			}
			// Once the first batch leaves, the second gets in at once.
			g.leave(tc.held)
			if !g.enter(context.Background(), nil, tc.next) {
				t.Error("the second batch stayed out after the first left")
			}
		})
	}
}

func TestKeysOfFoldsCase(t *testing.T) {
	b := &importer.Batch{Leads: []marketo.Lead{{Email: "Ann@X.com"}, {Email: "ann@x.COM"}, {ID: 12, Email: "b@x.com"}, {ForeignSysPersonID: "CRM-1"}, {ForeignSysPersonID: "crm-1"}}}
	got := fmt.Sprint(keysOf(b))
	want := fmt.Sprint([]leadKey{{kind: marketo.KeyEmail, v: "ann@x.com"}, {kind: marketo.KeyID, id: 12}, {kind: marketo.KeyEmail, v: "b@x.com"}, {kind: marketo.KeyForeignSysPersonID, v: "crm-1"}})
	if got != want {
		t.Errorf("keys = %s, want %s", got, want)
	}
}

// TestRunSharedKeysNeverRace: rows sharing an email sit in neighbouring
// batches while ten calls run at once, against a sandbox that, like
// Marketo, creates a second lead when two upserts on one new key overlap.
// No email may end up on two leads, and the later row's value wins.
func TestRunSharedKeysNeverRace(t *testing.T) {
	cfg := marketotest.DefaultConfig()
	cfg.UpsertRace = 30 * time.Millisecond
	srv := sandboxtest.Start(t, cfg)
	// 40 batches of 30; batch i repeats every email of batch i-1, so each
	// email is in two neighbouring batches, at opposite ends.
	var batches []importer.Batch
	row := 2
	for i := 0; i < 40; i++ {
		b := importer.Batch{Seq: i, Key: marketo.KeyEmail}
		for k := 0; k < 30; k++ {
			n := (i-1)*30 + (29 - k)
			if k >= 15 || i == 0 {
				n = i*30 + k
			}
			b.Rows = append(b.Rows, row)
			b.Leads = append(b.Leads, marketo.Lead{Email: fmt.Sprintf("Shared%04d@example.com", n),
				Attributes: []marketo.Attribute{{Name: "firstName", Value: fmt.Sprintf("row %d", row)}}})
			row++
		}
		batches = append(batches, b)
	}
	opts := fastOpts(true)
	opts.Concurrency = 10
	out, err := RunStream(context.Background(), restClient(t, srv), chanSource(batches, -1, nil), opts, func(importer.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	if out.Totals.Failed+out.Totals.NotSent+out.Totals.Unknown != 0 {
		t.Fatalf("totals %+v", out.Totals)
	}
	last := map[string]string{} // email -> the value of the last row carrying it
	for _, b := range batches {
		for i, l := range b.Leads {
			last[strings.ToLower(l.Email)] = fmt.Sprintf("row %d", b.Rows[i])
		}
	}
	for email, ids := range storeByEmail(srv) {
		if len(ids) != 1 {
			t.Errorf("%s is on %d leads %v", email, len(ids), ids)
		}
	}
	for _, l := range srv.Leads() {
		if want := last[strings.ToLower(l.Email)]; l.Fields["FirstName"] != want {
			t.Errorf("lead %s has first name %q, want %q (the file's last row with it)", l.Email, l.Fields["FirstName"], want)
		}
	}
	if n := len(srv.Leads()); n != len(last) {
		t.Errorf("%d leads in the store for %d emails", n, len(last))
	}
}
