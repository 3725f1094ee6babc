package marketo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
)

var _ marketo.LeadFinder = (*marketo.RESTClient)(nil)

// findSandbox is a sandbox whose clock stands still at a moment with a
// fraction of a second, so lead timestamps are known to the second.
func findSandbox(t *testing.T, change func(*marketotest.Config)) (*marketotest.Server, time.Time) {
	t.Helper()
	at := time.Date(2026, 12, 1, 10, 15, 30, 600_000_000, time.UTC)
	srv := sandbox(t, func(c *marketotest.Config) {
		c.Clock = func() time.Time { return at }
		if change != nil {
			change(c)
		}
	})
	return srv, at.Truncate(time.Second)
}

func TestRESTFindLeads(t *testing.T) {
	srv, at := findSandbox(t, nil)
	c := restClient(t, srv)
	st := mustSync(t, c, []marketo.Lead{
		{Email: "Anna@Example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "Anna"}, {Name: "leadScore", Value: "42"}, {Name: "crmPersonId", Value: "P-1"}}},
		{Email: "bo@example.com", Attributes: []marketo.Attribute{{Name: "crmPersonId", Value: "P-2"}}},
	}, false)
	anna, bo := st[0].LeadID, st[1].LeadID

	tests := []struct {
		name   string
		field  string
		values []string
		fields []string
		want   []marketo.FoundLead
	}{
		{"found by email", "email", []string{"bo@example.com"}, nil,
			[]marketo.FoundLead{{ID: bo, Email: "bo@example.com", CreatedAt: at, UpdatedAt: at}}},
		{"not found", "email", []string{"nobody@example.com"}, nil, nil},
		{"mixed case email keeps Marketo's spelling", "email", []string{"anna@EXAMPLE.COM", "nobody@example.com"}, nil,
			[]marketo.FoundLead{{ID: anna, Email: "Anna@Example.com", CreatedAt: at, UpdatedAt: at}}},
		{"extra fields, empty ones left out", "email", []string{"anna@example.com"}, []string{"firstName", "leadScore", "lastName"},
			[]marketo.FoundLead{{ID: anna, Email: "Anna@Example.com", CreatedAt: at, UpdatedAt: at,
				Fields: map[string]string{"firstName": "Anna", "leadScore": "42"}}}},
		{"by id", "id", []string{fmt.Sprint(bo), fmt.Sprint(anna)}, nil,
			[]marketo.FoundLead{{ID: anna, Email: "Anna@Example.com", CreatedAt: at, UpdatedAt: at}, {ID: bo, Email: "bo@example.com", CreatedAt: at, UpdatedAt: at}}},
		{"by searchable custom field", "crmPersonId", []string{"P-2"}, []string{"crmPersonId"},
			[]marketo.FoundLead{{ID: bo, Email: "bo@example.com", CreatedAt: at, UpdatedAt: at, Fields: map[string]string{"crmPersonId": "P-2"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.FindLeads(context.Background(), tc.field, tc.values, tc.fields)
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(got, func(a, b marketo.FoundLead) int { return a.ID - b.ID })
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("found\n %+v\nwant\n %+v", got, tc.want)
			}
		})
	}
	if calls := srv.Stats().Calls; calls["REST getLeadsByFilter"] != len(tests) || calls["REST getLeadsByFilter via POST"] != 0 {
		t.Errorf("short lookups did not go as one GET each: %v", calls)
	}
}

func TestRESTFindLeadsLongListGoesAsPOST(t *testing.T) {
	srv, _ := findSandbox(t, nil)
	c := restClient(t, srv)
	values := make([]string, marketo.MaxFindValues)
	for i := range values {
		values[i] = fmt.Sprintf("someone.with.a.longish.address.%03d@example.com", i)
	}
	st := mustSync(t, c, []marketo.Lead{{Email: values[0]}, {Email: values[299]}}, false)
	got, err := c.FindLeads(context.Background(), "email", values, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, l := range got {
		ids = append(ids, l.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int{st[0].LeadID, st[1].LeadID}) {
		t.Errorf("found %v, want leads %d and %d", ids, st[0].LeadID, st[1].LeadID)
	}
	calls := srv.Stats().Calls
	if calls["REST getLeadsByFilter via POST"] != 1 || calls["REST getLeadsByFilter"] != 0 {
		t.Errorf("a query over 8 KB did not go as one POST with _method=GET: %v", calls)
	}
}

func TestRESTFindLeadsFollowsPages(t *testing.T) {
	srv, _ := findSandbox(t, nil)
	c := restClient(t, srv)
	dups := make([]marketo.Lead, marketo.MaxBatch)
	for i := range dups {
		dups[i] = marketo.Lead{Email: "dup@example.com"}
	}
	mustSync(t, c, dups, false)
	mustSync(t, c, dups[:50], false)
	got, err := c.FindLeads(context.Background(), "email", []string{"dup@example.com"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, l := range got {
		seen[l.ID] = true
	}
	if len(got) != 350 || len(seen) != 350 {
		t.Errorf("found %d leads (%d distinct), want the 350 duplicates", len(got), len(seen))
	}
	if n := srv.Stats().Calls["REST getLeadsByFilter"]; n != 2 {
		t.Errorf("%d calls, want 2 pages of at most 300", n)
	}
}

func TestRESTFindLeadsRefusedBeforeAnyCall(t *testing.T) {
	srv, _ := findSandbox(t, nil)
	c := restClient(t, srv)
	tooMany := make([]string, marketo.MaxFindValues+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("a%d@example.com", i)
	}
	tests := []struct {
		name   string
		field  string
		values []string
		fields []string
		want   string
	}{
		{"more than MaxFindValues", "email", tooMany, nil, "at most 300"},
		{"no values", "email", nil, nil, "no values"},
		{"a comma in a value", "email", []string{"a@example.com", "Doe, Jo"}, nil, "comma"},
		{"an empty value", "email", []string{"a@example.com", ""}, nil, "empty"},
		{"no field", "", []string{"a@example.com"}, nil, "not a field name"},
		{"a comma in a field asked for", "email", []string{"a@example.com"}, []string{"firstName,lastName"}, "not a field name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.FindLeads(context.Background(), tc.field, tc.values, tc.fields)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	if calls := srv.Stats().Calls; len(calls) != 0 {
		t.Errorf("refused lookups reached Marketo: %v", calls)
	}
}

func TestRESTFindLeadsMarketoErrors(t *testing.T) {
	srv, _ := findSandbox(t, nil)
	c := restClient(t, srv)
	dups := make([]marketo.Lead, marketo.MaxBatch)
	for i := range dups {
		dups[i] = marketo.Lead{Email: "dup@example.com"}
	}
	for range 3 {
		mustSync(t, c, dups, false)
	}
	mustSync(t, c, dups[:101], false) // 1,001 leads share one email
	tests := []struct {
		name  string
		field string
		code  string
	}{
		{"more than 1,000 matches", "email", "1003"},
		{"unsearchable field", "firstName", "1011"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.FindLeads(context.Background(), tc.field, []string{"dup@example.com"}, nil)
			var me *marketo.Error
			if !errors.As(err, &me) || me.Code != tc.code || me.API != marketo.REST {
				t.Errorf("error %v, want a REST *marketo.Error %s", err, tc.code)
			}
			if marketo.IsRetryable(err) {
				t.Errorf("%v is retryable", err)
			}
		})
	}

	used := srv.Stats().QuotaUsed
	srv.Configure(func(c *marketotest.Config) { c.DailyQuota = used })
	t.Run("quota", func(t *testing.T) {
		_, err := c.FindLeads(context.Background(), "email", []string{"nobody@example.com"}, nil)
		var me *marketo.Error
		if !errors.As(err, &me) || me.Code != "607" || !marketo.IsQuota(err) {
			t.Errorf("error %v, want 607 classed as quota", err)
		}
	})
}
