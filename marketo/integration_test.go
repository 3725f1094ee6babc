package marketo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
)

// sandbox starts a local Marketo with cfg changed by change.
func sandbox(t *testing.T, change func(*marketotest.Config)) *marketotest.Server {
	t.Helper()
	cfg := marketotest.DefaultConfig()
	cfg.CustomFields = []marketotest.FieldDef{{
		RESTName: "crmPersonId", SOAPName: "CrmPersonId", DisplayName: "CRM Person Id",
		DataType: marketotest.TypeString, Length: 255, Searchable: true,
	}}
	if change != nil {
		change(&cfg)
	}
	srv := marketotest.NewServer(cfg)
	t.Cleanup(srv.Close)
	return srv
}

func soapClient(t *testing.T, srv *marketotest.Server) *marketo.SOAPClient {
	t.Helper()
	c, err := marketo.NewSOAPClient(marketo.SOAPCredentials{
		Endpoint: srv.SOAPEndpoint(), UserID: marketotest.DefaultUserID, EncryptionKey: marketotest.DefaultEncryptionKey,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func restClient(t *testing.T, srv *marketotest.Server) *marketo.RESTClient {
	t.Helper()
	c, err := marketo.NewRESTClient(marketo.RESTCredentials{
		BaseURL: srv.RESTBaseURL(), IdentityURL: srv.IdentityURL(),
		ClientID: marketotest.DefaultClientID, ClientSecret: marketotest.DefaultClientSecret,
	}, marketo.RESTOptions{ForeignSysPersonIDField: "crmPersonId"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustSync(t *testing.T, s marketo.Syncer, leads []marketo.Lead, dedup bool) []marketo.SyncStatus {
	t.Helper()
	st, err := s.SyncLeads(context.Background(), leads, dedup)
	if err != nil {
		t.Fatalf("SyncLeads: %v", err)
	}
	if len(st) != len(leads) {
		t.Fatalf("%d statuses for %d leads", len(st), len(leads))
	}
	return st
}

func storedLead(t *testing.T, srv *marketotest.Server, id int) marketotest.Lead {
	t.Helper()
	for _, l := range srv.Leads() {
		if l.ID == id {
			return l
		}
	}
	t.Fatalf("no lead %d in the sandbox", id)
	return marketotest.Lead{}
}

func TestSOAPSandboxCreateAndUpdateByEachKey(t *testing.T) {
	srv := sandbox(t, nil)
	c := soapClient(t, srv)

	st := mustSync(t, c, []marketo.Lead{
		{Email: "anna@example.com", Attributes: []marketo.Attribute{{Name: "FirstName", Value: "Anna"}, {Name: "Company", Value: "Smith & Sons <Ltd>"}}},
		{ForeignSysPersonID: "CRM-1", Email: "jo@example.de", Attributes: []marketo.Attribute{{Name: "LastName", Value: "Müller"}}},
		{ID: 999999},
	}, true)
	if st[0].Status != marketo.Created || st[1].Status != marketo.Created || st[0].LeadID == 0 || st[0].LeadID == st[1].LeadID {
		t.Fatalf("create: %+v", st)
	}
	if st[2].Status != marketo.Failed || st[2].Error == "" {
		t.Errorf("unknown Id: %+v, want FAILED with a reason", st[2])
	}
	anna, jo := st[0].LeadID, st[1].LeadID
	if l := storedLead(t, srv, anna); l.Fields["Company"] != "Smith & Sons <Ltd>" || l.Email != "anna@example.com" {
		t.Errorf("stored %+v", l)
	}
	if l := storedLead(t, srv, jo); l.ForeignSysPersonID != "CRM-1" || l.ForeignSysType != "CUSTOM" {
		t.Errorf("FSPI lead stored as %+v, want CRM-1/CUSTOM", l)
	}

	tests := []struct {
		name string
		lead marketo.Lead
		id   int
	}{
		{"by Id", marketo.Lead{ID: anna, Email: "ignored@example.com", Attributes: []marketo.Attribute{{Name: "Title", Value: "CEO"}}}, anna},
		{"by ForeignSysPersonId", marketo.Lead{ForeignSysPersonID: "CRM-1", ForeignSysType: marketo.ForeignSysCustom, Attributes: []marketo.Attribute{{Name: "Title", Value: "CTO"}}}, jo},
		{"by Email", marketo.Lead{Email: "anna@example.com", Attributes: []marketo.Attribute{{Name: "City", Value: "Berlin"}}}, anna},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := mustSync(t, c, []marketo.Lead{tt.lead}, true)
			if st[0] != (marketo.SyncStatus{LeadID: tt.id, Status: marketo.Updated}) {
				t.Errorf("got %+v, want UPDATED %d", st[0], tt.id)
			}
		})
	}
	l := storedLead(t, srv, anna)
	if l.Email != "anna@example.com" || l.Fields["Title"] != "CEO" || l.Fields["City"] != "Berlin" {
		t.Errorf("after updates: %+v (Email must not change when only sent as a key)", l)
	}

	// dedup off: the same email makes a second lead.
	st = mustSync(t, c, []marketo.Lead{{Email: "anna@example.com"}}, false)
	if st[0].Status != marketo.Created || st[0].LeadID == anna {
		t.Errorf("dedup off: %+v, want a new lead", st[0])
	}
	n := 0
	for _, l := range srv.Leads() {
		if l.Email == "anna@example.com" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d leads with anna's email, want 2", n)
	}
}

func TestSOAPSandboxDescribe(t *testing.T) {
	srv := sandbox(t, nil)
	fields, err := soapClient(t, srv).LeadFields(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]marketo.Field{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	if f := byName["FirstName"]; f.DisplayName == "" || f.Type == "" || f.Length != 255 || f.ReadOnly {
		t.Errorf("FirstName: %+v", f)
	}
	if _, ok := byName["CrmPersonId"]; !ok {
		t.Errorf("custom field missing from %d fields", len(fields))
	}
	if f := byName["Id"]; !f.ReadOnly {
		t.Errorf("Id: %+v, want read-only", f)
	}
}

// errorCase is one call-level failure the sandbox is set up to produce.
type errorCase struct {
	name   string
	change func(*marketotest.Config)
	// run makes the failing call, possibly after calls that use up a limit.
	run       func(t *testing.T, srv *marketotest.Server) error
	code      string // *Error code; "" = *TransportError
	class     marketo.Class
	retryable bool
}

func syncOnce(s marketo.Syncer) error {
	_, err := s.SyncLeads(context.Background(), []marketo.Lead{{Email: "a@example.com"}}, true)
	return err
}

// burst runs n calls at once and returns the first error.
func burst(s marketo.Syncer, n int) error {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- syncOnce(s) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func repeat(s marketo.Syncer, n int) error {
	for range n {
		if err := syncOnce(s); err != nil {
			return err
		}
	}
	return nil
}

func checkErrorCase(t *testing.T, tc errorCase) {
	t.Helper()
	srv := sandbox(t, tc.change)
	err := tc.run(t, srv)
	if err == nil {
		t.Fatal("no error")
	}
	if tc.code != "" {
		var me *marketo.Error
		if !errors.As(err, &me) || me.Code != tc.code {
			t.Fatalf("got %T %v, want Marketo error %s", err, err, tc.code)
		}
	} else {
		var te *marketo.TransportError
		if !errors.As(err, &te) {
			t.Fatalf("got %T %v, want *TransportError", err, err)
		}
	}
	if got := marketo.ClassOf(err); got != tc.class {
		t.Errorf("class %v, want %v (%v)", got, tc.class, err)
	}
	if marketo.IsRetryable(err) != tc.retryable {
		t.Errorf("IsRetryable = %v, want %v", !tc.retryable, tc.retryable)
	}
	for _, secret := range []string{marketotest.DefaultEncryptionKey, marketotest.DefaultClientSecret} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error text contains a secret: %v", err)
		}
	}
}

func TestSOAPSandboxFaults(t *testing.T) {
	soap := func(f func(c *marketo.SOAPClient) error) func(*testing.T, *marketotest.Server) error {
		return func(t *testing.T, srv *marketotest.Server) error { return f(soapClient(t, srv)) }
	}
	cases := []errorCase{
		{"20014 wrong key", nil, func(t *testing.T, srv *marketotest.Server) error {
			c, err := marketo.NewSOAPClient(marketo.SOAPCredentials{Endpoint: srv.SOAPEndpoint(), UserID: marketotest.DefaultUserID, EncryptionKey: "not-the-key"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return syncOnce(c)
		}, "20014", marketo.ClassAuth, false},
		{"20016 clock far off", func(c *marketotest.Config) {
			c.Clock = func() time.Time { return time.Now().Add(2 * time.Hour) }
		}, soap(func(c *marketo.SOAPClient) error { return syncOnce(c) }), "20016", marketo.ClassTransient, true},
		{"20023 rate", func(c *marketotest.Config) { c.RateLimit = 2 }, soap(func(c *marketo.SOAPClient) error { return repeat(c, 3) }), "20023", marketo.ClassRateLimit, true},
		{"20024 concurrency", func(c *marketotest.Config) { c.MaxConcurrent = 1; c.Latency = 150 * time.Millisecond },
			soap(func(c *marketo.SOAPClient) error { return burst(c, 4) }), "20024", marketo.ClassConcurrency, true},
		{"20015 quota", func(c *marketotest.Config) { c.DailyQuota = 1 }, soap(func(c *marketo.SOAPClient) error { return repeat(c, 2) }), "20015", marketo.ClassQuota, false},
		{"20105 unknown attribute", nil, soap(func(c *marketo.SOAPClient) error {
			_, err := c.SyncLeads(context.Background(), []marketo.Lead{{Email: "a@example.com", Attributes: []marketo.Attribute{{Name: "Pants", Value: "x"}}}}, true)
			return err
		}), "20105", marketo.ClassBadRequest, false},
		{"5xx page", func(c *marketotest.Config) { c.FaultRate5xx = 1 }, soap(func(c *marketo.SOAPClient) error { return syncOnce(c) }), "", marketo.ClassTransient, true},
		{"dropped connection", func(c *marketotest.Config) { c.DropRate = 1 }, soap(func(c *marketo.SOAPClient) error { return syncOnce(c) }), "", marketo.ClassTransient, true},
		{"malformed body", func(c *marketotest.Config) { c.MalformedRate = 1 }, soap(func(c *marketo.SOAPClient) error { return syncOnce(c) }), "", marketo.ClassTransient, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkErrorCase(t, tc) })
	}
}

func TestSOAPSandboxCancellation(t *testing.T) {
	// The sandbox reads the request body before it waits out the latency,
	// so the call is in the latency wait when the deadline passes; a
	// deadline error, not an answer, proves the wait was cut short.
	srv := sandbox(t, func(c *marketotest.Config) { c.Latency = 1500 * time.Millisecond })
	c := soapClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.SyncLeads(ctx, []marketo.Lead{{Email: "a@example.com"}}, true)
	if !errors.Is(err, context.DeadlineExceeded) || marketo.IsRetryable(err) {
		t.Fatalf("got %v, want the caller's deadline, not retryable", err)
	}
	// A slow body is cut short by the deadline too.
	srv.SetFaults(marketotest.Faults{SlowBodyRate: 1, SlowBodyDuration: 1500 * time.Millisecond})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if _, err := c.SyncLeads(ctx2, []marketo.Lead{{Email: "a@example.com"}}, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow body: got %v, want the caller's deadline", err)
	}
	settle(t, srv, "SOAP syncMultipleLeads", 2)
}

func TestRESTSandboxActionsAndLookupFields(t *testing.T) {
	srv := sandbox(t, nil)
	c := restClient(t, srv)

	// createOrUpdate on email: create, then update.
	st := mustSync(t, c, []marketo.Lead{
		{Email: "anna@example.com", Attributes: []marketo.Attribute{{Name: "firstName", Value: "Anna"}}},
		{Email: "bob@example.com", Attributes: []marketo.Attribute{{Name: "company", Value: "Bob & Co"}}},
	}, true)
	if st[0].Status != marketo.Created || st[1].Status != marketo.Created {
		t.Fatalf("create by email: %+v", st)
	}
	anna, bob := st[0].LeadID, st[1].LeadID
	st = mustSync(t, c, []marketo.Lead{{Email: "anna@example.com", Attributes: []marketo.Attribute{{Name: "city", Value: "Köln"}}}}, true)
	if st[0] != (marketo.SyncStatus{LeadID: anna, Status: marketo.Updated}) {
		t.Errorf("update by email: %+v", st[0])
	}

	// updateOnly on id, whatever dedup says; an unknown id is skipped (1004).
	for _, dedup := range []bool{true, false} {
		st = mustSync(t, c, []marketo.Lead{{ID: bob, Attributes: []marketo.Attribute{{Name: "title", Value: "CFO"}}}, {ID: 987654}}, dedup)
		if st[0] != (marketo.SyncStatus{LeadID: bob, Status: marketo.Updated}) {
			t.Errorf("update by id (dedup %v): %+v", dedup, st[0])
		}
		if st[1].Status != marketo.Failed || !strings.HasPrefix(st[1].Error, "1004: ") {
			t.Errorf("unknown id: %+v, want FAILED 1004", st[1])
		}
	}

	// The custom field standing in for ForeignSysPersonId.
	st = mustSync(t, c, []marketo.Lead{{ForeignSysPersonID: "CRM-9", Email: "carl@example.com"}}, true)
	if st[0].Status != marketo.Created {
		t.Fatalf("create by crmPersonId: %+v", st[0])
	}
	carl := st[0].LeadID
	st = mustSync(t, c, []marketo.Lead{{ForeignSysPersonID: "CRM-9", Attributes: []marketo.Attribute{{Name: "lastName", Value: "C"}}}}, true)
	if st[0] != (marketo.SyncStatus{LeadID: carl, Status: marketo.Updated}) {
		t.Errorf("update by crmPersonId: %+v", st[0])
	}
	if l := storedLead(t, srv, carl); l.Fields["CrmPersonId"] != "CRM-9" || l.Fields["LastName"] != "C" || l.Email != "carl@example.com" {
		t.Errorf("stored %+v", l)
	}

	// createDuplicate with dedup off, for email and for the custom key.
	st = mustSync(t, c, []marketo.Lead{{Email: "anna@example.com"}}, false)
	if st[0].Status != marketo.Created || st[0].LeadID == anna {
		t.Errorf("createDuplicate: %+v", st[0])
	}
	st = mustSync(t, c, []marketo.Lead{{ForeignSysPersonID: "CRM-9"}}, false)
	if st[0].Status != marketo.Created || st[0].LeadID == carl {
		t.Errorf("createDuplicate on crmPersonId: %+v", st[0])
	}

	// Skipped records come back FAILED with code and message, in order.
	st = mustSync(t, c, []marketo.Lead{
		{Email: "dora@example.com", Attributes: []marketo.Attribute{{Name: "pants", Value: "x"}}},
		{Email: "eve@example.com", Attributes: []marketo.Attribute{{Name: "numberOfEmployees", Value: "many"}}},
		{Email: "fay@example.com"},
	}, true)
	if st[0].Status != marketo.Failed || !strings.HasPrefix(st[0].Error, "1006: ") {
		t.Errorf("unknown field: %+v, want FAILED 1006", st[0])
	}
	if st[1].Status != marketo.Failed || !strings.HasPrefix(st[1].Error, "1003: ") {
		t.Errorf("invalid value: %+v, want FAILED 1003", st[1])
	}
	if st[2].Status != marketo.Created || st[2].LeadID == 0 {
		t.Errorf("good record after skipped ones: %+v", st[2])
	}

	// Mixed keys never reach the sandbox.
	before := srv.Stats().Calls["REST leads.json"]
	_, err := c.SyncLeads(context.Background(), []marketo.Lead{{Email: "a@example.com"}, {ID: anna}}, true)
	if !errors.Is(err, marketo.ErrMixedKeys) {
		t.Errorf("mixed keys: %v", err)
	}
	if after := srv.Stats().Calls["REST leads.json"]; after != before {
		t.Errorf("a mixed-key batch was sent (%d -> %d calls)", before, after)
	}
	noField, err := marketo.NewRESTClient(marketo.RESTCredentials{BaseURL: srv.RESTBaseURL(), ClientID: marketotest.DefaultClientID, ClientSecret: marketotest.DefaultClientSecret}, marketo.RESTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noField.SyncLeads(context.Background(), []marketo.Lead{{ForeignSysPersonID: "X"}}, true); !errors.Is(err, marketo.ErrNoForeignKeyField) {
		t.Errorf("FSPI without a configured field: %v", err)
	}
}

func TestRESTSandboxDescribe(t *testing.T) {
	srv := sandbox(t, nil)
	fields, err := restClient(t, srv).LeadFields(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]marketo.Field{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	if f := byName["firstName"]; f.DisplayName != "First Name" || f.Type != "string" || f.Length != 255 {
		t.Errorf("firstName: %+v", f)
	}
	if f, ok := byName["crmPersonId"]; !ok || f.DisplayName != "CRM Person Id" {
		t.Errorf("custom field: %+v", f)
	}
}

// A lead created over SOAP is found and updated over REST (one store).
func TestSOAPLeadUpdatedOverREST(t *testing.T) {
	srv := sandbox(t, nil)
	st := mustSync(t, soapClient(t, srv), []marketo.Lead{{Email: "round@example.com", Attributes: []marketo.Attribute{{Name: "FirstName", Value: "Rita"}}}}, true)
	id := st[0].LeadID
	rc := restClient(t, srv)
	st = mustSync(t, rc, []marketo.Lead{{Email: "round@example.com", Attributes: []marketo.Attribute{{Name: "lastName", Value: "Round"}}}}, true)
	if st[0] != (marketo.SyncStatus{LeadID: id, Status: marketo.Updated}) {
		t.Fatalf("REST update by email: %+v, want UPDATED %d", st[0], id)
	}
	st = mustSync(t, rc, []marketo.Lead{{ID: id, Attributes: []marketo.Attribute{{Name: "city", Value: "Graz"}}}}, true)
	if st[0] != (marketo.SyncStatus{LeadID: id, Status: marketo.Updated}) {
		t.Fatalf("REST update by id: %+v", st[0])
	}
	l := storedLead(t, srv, id)
	if l.Fields["FirstName"] != "Rita" || l.Fields["LastName"] != "Round" || l.Fields["City"] != "Graz" {
		t.Errorf("stored %+v", l)
	}
}

func TestRESTSandboxErrors(t *testing.T) {
	rest := func(f func(c *marketo.RESTClient) error) func(*testing.T, *marketotest.Server) error {
		return func(t *testing.T, srv *marketotest.Server) error { return f(restClient(t, srv)) }
	}
	cases := []errorCase{
		{"bad secret", nil, func(t *testing.T, srv *marketotest.Server) error {
			c, err := marketo.NewRESTClient(marketo.RESTCredentials{BaseURL: srv.RESTBaseURL(), IdentityURL: srv.IdentityURL(), ClientID: marketotest.DefaultClientID, ClientSecret: "wrong"}, marketo.RESTOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return syncOnce(c)
		}, "unauthorized", marketo.ClassAuth, false},
		{"606 rate", func(c *marketotest.Config) { c.RateLimit = 2 }, rest(func(c *marketo.RESTClient) error { return repeat(c, 3) }), "606", marketo.ClassRateLimit, true},
		{"615 concurrency", func(c *marketotest.Config) { c.MaxConcurrent = 1; c.Latency = 150 * time.Millisecond },
			rest(func(c *marketo.RESTClient) error { return burst(c, 4) }), "615", marketo.ClassConcurrency, true},
		{"607 quota", func(c *marketotest.Config) { c.DailyQuota = 1 }, rest(func(c *marketo.RESTClient) error { return repeat(c, 2) }), "607", marketo.ClassQuota, false},
		{"5xx page", func(c *marketotest.Config) { c.FaultRate5xx = 1 }, rest(func(c *marketo.RESTClient) error { return syncOnce(c) }), "", marketo.ClassTransient, true},
		{"dropped connection", func(c *marketotest.Config) { c.DropRate = 1 }, rest(func(c *marketo.RESTClient) error { return syncOnce(c) }), "", marketo.ClassTransient, true},
		{"malformed body", func(c *marketotest.Config) { c.MalformedRate = 1 }, rest(func(c *marketo.RESTClient) error { return syncOnce(c) }), "", marketo.ClassTransient, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkErrorCase(t, tc) })
	}
}

// The sandbox's clock jumps past the token's life between calls: the client
// still trusts its cached token, Marketo says 602, and the client fetches a
// new token and repeats the call once.
func TestRESTSandboxTokenExpiresMidRun(t *testing.T) {
	var skew atomic.Int64
	srv := sandbox(t, func(c *marketotest.Config) {
		c.Clock = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	})
	c := restClient(t, srv)
	var ids []int
	for i := range 4 {
		if i == 2 {
			skew.Store(int64(2 * time.Hour))
		}
		st := mustSync(t, c, []marketo.Lead{{Email: fmt.Sprintf("run%d@example.com", i)}}, true)
		ids = append(ids, st[0].LeadID)
	}
	s := srv.Stats()
	if s.Calls["REST token"] != 2 || s.Faults["602"] != 1 {
		t.Errorf("token calls %d, 602 faults %d; want 2 and 1 (stats %+v)", s.Calls["REST token"], s.Faults["602"], s)
	}
	if s.LeadsCreated != 4 {
		t.Errorf("%d leads created, want 4 (ids %v)", s.LeadsCreated, ids)
	}
}

// With a short token life the client replaces the token before it expires,
// so no call is refused.
func TestRESTSandboxShortTokenTTL(t *testing.T) {
	srv := sandbox(t, func(c *marketotest.Config) { c.TokenTTL = 2 * time.Second })
	c := restClient(t, srv)
	mustSync(t, c, []marketo.Lead{{Email: "a@example.com"}}, true)
	time.Sleep(2100 * time.Millisecond)
	mustSync(t, c, []marketo.Lead{{Email: "b@example.com"}}, true)
	s := srv.Stats()
	if s.Calls["REST token"] != 2 || s.Faults["602"] != 0 || s.Faults["601"] != 0 {
		t.Errorf("token calls %d, faults %v; want 2 tokens and no 601/602", s.Calls["REST token"], s.Faults)
	}
}

// settle waits until the sandbox has counted n calls of op. Besides making
// sure the cancelled call reached the server, it lets the test end with the
// handler's bookkeeping done, so Close (which waits on a sync.Cond until
// no handler is active) does not race a handler that is only starting.
func settle(t *testing.T, srv *marketotest.Server, op string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Stats().Calls[op] < n {
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox never counted %d %s calls", n, op)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRESTSandboxCancellation(t *testing.T) {
	srv := sandbox(t, nil)
	c := restClient(t, srv)
	mustSync(t, c, []marketo.Lead{{Email: "warm@example.com"}}, true) // token cached
	srv.SetFaults(marketotest.Faults{Latency: 1500 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := c.SyncLeads(ctx, []marketo.Lead{{Email: "a@example.com"}}, true)
	if !errors.Is(err, context.Canceled) || marketo.IsRetryable(err) {
		t.Fatalf("got %v, want context.Canceled, not retryable", err)
	}
	settle(t, srv, "REST leads.json", 2)
}

// The modes and clearing, checked in the sandbox's store: create only
// leaves a known person alone (1005), update only creates nobody (1004),
// and a Clear attribute empties the field.
func TestRESTSandboxModesAndClear(t *testing.T) {
	srv := sandbox(t, nil)
	rc := restClient(t, srv)
	known := mustSync(t, rc, []marketo.Lead{{Email: "known@example.com", Attributes: []marketo.Attribute{{Name: "city", Value: "Lyon"}, {Name: "title", Value: "CEO"}}}}, true)[0].LeadID

	st, err := rc.SyncLeadsMode(context.Background(), []marketo.Lead{
		{Email: "known@example.com", Attributes: []marketo.Attribute{{Name: "city", Value: "Paris"}}},
		{Email: "new@example.com", Attributes: []marketo.Attribute{{Name: "city", Value: "Nice"}}},
	}, marketo.CreateOnly)
	if err != nil {
		t.Fatal(err)
	}
	if st[0].Status != marketo.Failed || st[0].Code != "1005" || st[1].Status != marketo.Created {
		t.Errorf("create only: %+v", st)
	}
	if got := storedLead(t, srv, known).Fields["City"]; got != "Lyon" {
		t.Errorf("create only changed the known lead's city to %q", got)
	}

	before := len(srv.Leads())
	st, err = rc.SyncLeadsMode(context.Background(), []marketo.Lead{
		{Email: "known@example.com", Attributes: []marketo.Attribute{{Name: "city", Value: "Paris"}}},
		{Email: "nobody@example.com", Attributes: []marketo.Attribute{{Name: "city", Value: "Metz"}}},
	}, marketo.UpdateOnly)
	if err != nil {
		t.Fatal(err)
	}
	if st[0] != (marketo.SyncStatus{LeadID: known, Status: marketo.Updated}) || st[1].Status != marketo.Failed || st[1].Code != "1004" {
		t.Errorf("update only: %+v", st)
	}
	if after := len(srv.Leads()); after != before {
		t.Errorf("update only created %d leads", after-before)
	}

	mustSync(t, rc, []marketo.Lead{{Email: "known@example.com", Attributes: []marketo.Attribute{{Name: "title", Clear: true}}}}, true)
	got := storedLead(t, srv, known)
	if got.Fields["Title"] != "" || got.Fields["City"] != "Paris" {
		t.Errorf("after clearing the title: %+v", got.Fields)
	}

	if _, err := soapClient(t, srv).SyncLeads(context.Background(), []marketo.Lead{{Email: "known@example.com", Attributes: []marketo.Attribute{{Name: "Title", Clear: true}}}}, true); !errors.Is(err, marketo.ErrClearNeedsREST) {
		t.Errorf("SOAP with a cleared field: %v", err)
	}
}
