package marketo

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"
)

// sizingLeads are leads whose values need every kind of escaping either
// encoding does, in every key kind.
func sizingLeads(rng *rand.Rand, n int) []Lead {
	pieces := []string{"a", "é", "€", "😀", `"`, `\`, "\n", "\r", "\t", "\x01", "&", "<", ">", "\xff", "\uFFFE", " "}
	text := func(max int) string {
		var b strings.Builder
		for range rng.IntN(max) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	out := make([]Lead, n)
	for i := range out {
		l := Lead{Email: fmt.Sprintf("p%d@example.com", i)}
		switch i % 3 {
		case 0:
			l.ID = rng.IntN(1 << 30)
		case 1:
			l.ForeignSysPersonID = "crm-" + text(20)
		}
		for j := range rng.IntN(6) {
			l.Attributes = append(l.Attributes, Attribute{Name: fmt.Sprintf("f%d", j), Value: text(200)})
		}
		out[i] = l
	}
	return out
}

// TestSyncLimitsBoundTheBody: the size each API's limits promise is never
// below the body the client really builds, so a batch cut by them is never
// over the cap; and it is close (the overhead allowances aside), so batches
// are not cut needlessly small.
func TestSyncLimitsBoundTheBody(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	rc := &RESTClient{fspiField: "crmPersonId"}
	h := newAuthHeader("leadsheet_user_1", []byte("k"), time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 5*3600+1800)))
	for trial := range 200 {
		leads := sizingLeads(rng, 1+rng.IntN(20))
		byKey := map[KeyKind][]Lead{}
		for _, l := range leads {
			byKey[l.Key()] = append(byKey[l.Key()], l)
		}
		for key, group := range byKey {
			for _, dedup := range []bool{true, false} {
				p, err := rc.plan(group, dedup, CreateOrUpdate)
				if err != nil {
					t.Fatal(err)
				}
				checkBound(t, fmt.Sprintf("trial %d REST %s dedup %v", trial, key, dedup), SyncLimitsFor("rest"), group,
					len(rc.appendSyncBody(nil, p, "", group)))
			}
		}
		checkBound(t, fmt.Sprintf("trial %d SOAP", trial), SyncLimitsFor("SOAP"), leads,
			len(appendSyncMultipleLeads(nil, h, leads, true)))
	}
}

func checkBound(t *testing.T, name string, lim SyncLimits, leads []Lead, real int) {
	t.Helper()
	est := lim.Overhead
	for _, l := range leads {
		est += lim.LeadBytes(l)
	}
	if est < real {
		t.Fatalf("%s: estimate %d bytes, real body %d", name, est, real)
	}
	// The allowances for names only the client knows: 100 bytes per
	// REST record keyed by a custom field, plus the overhead's own.
	if slack := est - real; slack > lim.Overhead+len(leads)*(restFieldNameAllowance+1) {
		t.Fatalf("%s: estimate %d bytes is %d over the real %d", name, est, slack, real)
	}
}

func TestSyncLimitsForUnknownAPIFitsBoth(t *testing.T) {
	any, rest, soap := SyncLimitsFor(""), SyncLimitsFor(string(REST)), SyncLimitsFor(ProfileSOAP)
	if any.Bytes > rest.Bytes || any.Bytes > soap.Bytes || any.Overhead < rest.Overhead || any.Overhead < soap.Overhead {
		t.Errorf("limits for an unknown API %+v do not fit REST %+v and SOAP %+v", any, rest, soap)
	}
	l := Lead{Email: "a@example.com", Attributes: []Attribute{{Name: "Address", Value: strings.Repeat("<&>", 100)}}}
	if got := any.LeadBytes(l); got < rest.LeadBytes(l) || got < soap.LeadBytes(l) {
		t.Errorf("lead size %d below REST %d or SOAP %d", got, rest.LeadBytes(l), soap.LeadBytes(l))
	}
	if rest.Bytes >= 1_000_000 {
		t.Errorf("REST cap %d is not under Marketo's 1 MB", rest.Bytes)
	}
}

func TestNotApplied(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"never written", &TransportError{Op: "x", Err: errors.New("connection refused"), Unsent: true}, true},
		{"dropped after writing", &TransportError{Op: "x", Err: errors.New("EOF")}, false},
		{"gateway 502", &TransportError{Op: "x", HTTPStatus: 502, Err: errors.New("web page")}, false},
		{"gateway 504", &TransportError{Op: "x", HTTPStatus: 504, Err: errors.New("web page")}, false},
		{"REST 604", &Error{API: REST, Code: "604"}, true},
		{"REST 611", &Error{API: REST, Code: "611"}, true},
		{"REST 413", &Error{API: REST, Code: "413", HTTPStatus: 413}, true},
		{"REST 1003", &Error{API: REST, Code: "1003"}, false},
		{"REST 5xx without code", &Error{API: REST, HTTPStatus: 502}, false},
		{"SOAP expired", &Error{API: SOAP, Code: "20016"}, true},
		{"SOAP internal", &Error{API: SOAP, Code: "20011"}, false},
		{"wrapped", fmt.Errorf("call: %w", &Error{API: REST, Code: "608"}), true},
		{"other", errors.New("boom"), false},
	} {
		if got := NotApplied(tc.err); got != tc.want {
			t.Errorf("%s: NotApplied = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestUnsentWhenNothingListens: a call to a port nobody listens on never
// leaves this computer, and the error says so; a server that takes the
// request and hangs up without an answer may have applied it.
func TestUnsentWhenNothingListens(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := testSOAPClient(t, "http://"+addr+"/soap/mktows/2_2")
	_, err = c.SyncLeads(t.Context(), []Lead{{Email: "a@example.com"}}, false)
	var te *TransportError
	if !errors.As(err, &te) || !te.Unsent || !NotApplied(err) {
		t.Fatalf("closed port: %v (%#v), want an Unsent transport error", err, te)
	}

	hangUp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hangUp.Close()
	go func() {
		conn, err := hangUp.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, 64<<10)
		conn.Read(buf) //nolint:errcheck // take the request, then hang up
		conn.Close()
	}()
	c = testSOAPClient(t, "http://"+hangUp.Addr().String()+"/soap/mktows/2_2")
	_, err = c.SyncLeads(t.Context(), []Lead{{Email: "a@example.com"}}, false)
	if !errors.As(err, &te) || te.Unsent || NotApplied(err) {
		t.Fatalf("hang-up after the request: %v, want a transport error that may have been applied", err)
	}
}

// TestSOAPTooLarge: a 413 in front of the SOAP endpoint reads as "too
// large" and "not applied", so the run can split the batch.
func TestSOAPTooLarge(t *testing.T) {
	srv := soapServer(t, 413, "request body too large\n")
	_, err := testSOAPClient(t, srv.URL).SyncLeads(t.Context(), []Lead{{Email: "a@example.com"}}, true)
	if !IsTooLarge(err) || !NotApplied(err) {
		t.Fatalf("413: %v, want too large and not applied", err)
	}
}
