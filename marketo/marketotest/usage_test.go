package marketotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// usageAnswer is a decoded usage.json answer.
type usageAnswer struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code string `json:"code"`
	} `json:"errors"`
	Result []struct {
		Date  string `json:"date"`
		Total int    `json:"total"`
		Users []struct {
			UserID string `json:"userId"`
			Count  int    `json:"count"`
		} `json:"users"`
	} `json:"result"`
}

// usage calls usage.json with token and returns the day, total and counts
// by user of its one result.
func usage(t *testing.T, srv *Server, token string) (string, int, map[string]int) {
	t.Helper()
	a := getUsage(t, srv, token)
	if !a.Success || len(a.Result) != 1 {
		t.Fatalf("usage.json: %+v", a)
	}
	users := map[string]int{}
	for _, u := range a.Result[0].Users {
		users[u.UserID] = u.Count
	}
	return a.Result[0].Date, a.Result[0].Total, users
}

func getUsage(t *testing.T, srv *Server, token string) usageAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.RESTBaseURL()+"/v1/stats/usage.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("usage.json: %v", err)
	}
	defer resp.Body.Close()
	var a usageAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("decode usage.json: %v", err)
	}
	return a
}

// restCall sends one REST request and returns the answer's first error
// code, "" on success.
func restCall(t *testing.T, srv *Server, token, method, path, contentType, body string) string {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	status, a := doREST(t, req)
	switch {
	case status != http.StatusOK:
		t.Fatalf("%s %s: HTTP %d", method, path, status)
	case a.Success:
		return ""
	}
	return a.Errors[0].Code
}

func TestUsageCountsByUser(t *testing.T) {
	srv, clock := newTestServer(t, nil)
	cfg := srv.Config()
	token := mustToken(t, srv)
	const leads = "/rest/v1/leads.json"
	calls := []struct {
		name, method, path, contentType, body string
		code                                  string // "" for success
		counted                               bool
	}{
		{"sync", http.MethodPost, leads, "application/json", `{"input":[{"email":"u1@example.com"}]}`, "", true},
		{"describe2", http.MethodGet, "/rest/v1/leads/describe2.json", "", "", "", true},
		{"call-level 1xxx counts", http.MethodPost, leads, "application/json", `{"lookupField":"nope","input":[{"email":"u1@example.com"}]}`, "1006", true},
		{"609 bad JSON", http.MethodPost, leads, "application/json", `{"input":`, "609", false},
		{"612 wrong content type", http.MethodPost, leads, "text/plain", `{}`, "612", false},
		{"701 no input", http.MethodPost, leads, "application/json", `{}`, "701", false},
		{"605 wrong method", http.MethodPut, leads, "application/json", `{}`, "605", false},
		{"610 unknown path", http.MethodGet, "/rest/v1/nothing.json", "", "", "610", false},
	}
	counted := 0
	for _, c := range calls {
		if code := restCall(t, srv, token, c.method, c.path, c.contentType, c.body); code != c.code {
			t.Fatalf("%s: code %q, want %q", c.name, code, c.code)
		}
		if c.counted {
			counted++
		}
	}
	for range 2 {
		if status, b := soapCall(t, srv, clock, "u2@example.com"); status != http.StatusOK {
			t.Fatalf("SOAP call: %d %s", status, b)
		}
	}
	// Calls refused before they are admitted do not count either.
	if _, a := postLeads(t, srv, "not-a-token", `{"input":[{"email":"u3@example.com"}]}`); a.Errors[0].Code != "601" {
		t.Fatalf("bad token: %+v", a)
	}

	// usage.json counts itself, as the call it is.
	day, total, users := usage(t, srv, token)
	wantREST := counted + 1
	if day != "2026-11-28" || total != wantREST+2 || users[cfg.ClientID] != wantREST || users[cfg.UserID] != 2 || len(users) != 2 {
		t.Errorf("usage = %s total %d %v; want %d REST calls and 2 SOAP calls", day, total, users, wantREST)
	}
	st := srv.Stats()
	if st.QuotaUsed != total || st.Usage.Total != total || st.Admitted != total || st.Calls["REST usage.json"] != 1 {
		t.Errorf("stats disagree with usage.json (total %d): quota %d, usage %+v, admitted %d, calls %v", total, st.QuotaUsed, st.Usage, st.Admitted, st.Calls)
	}

	// The day ends at midnight CST, as the quota's does: the test clock
	// is at 10:00 UTC, 04:00 CST.
	// Tokens last an hour, so each step takes a new one.
	clock.Advance(19*time.Hour + 59*time.Minute)
	if day, total2, _ := usage(t, srv, mustToken(t, srv)); day != "2026-11-28" || total2 != total+1 {
		t.Errorf("one minute before midnight CST: %s total %d, want 2026-11-28 and %d", day, total2, total+1)
	}
	clock.Advance(time.Minute)
	if day, total, users := usage(t, srv, mustToken(t, srv)); day != "2026-11-29" || total != 1 || users[cfg.ClientID] != 1 {
		t.Errorf("after midnight CST: %s total %d %v, want a new day with this call only", day, total, users)
	}
	if a := getUsage(t, srv, ""); a.Success || a.Errors[0].Code != "601" {
		t.Errorf("usage.json without a token: %+v", a)
	}
}

// Uncounted answers give their place in the rate window back: a client
// that only makes mistakes is never rate limited.
func TestUncountedCallsLeaveTheRateWindow(t *testing.T) {
	srv, _ := newTestServer(t, func(c *Config) { c.RateLimit = 2 })
	token := mustToken(t, srv)
	for i := range 5 {
		if code := restCall(t, srv, token, http.MethodPost, "/rest/v1/leads.json", "application/json", `{"input":`); code != "609" {
			t.Fatalf("bad JSON %d: %q, want 609", i, code)
		}
	}
	for i, want := range []string{"", "", "606"} {
		if code := restCall(t, srv, token, http.MethodPost, "/rest/v1/leads.json", "application/json", `{"input":[{"email":"w@example.com"}]}`); code != want {
			t.Fatalf("sync %d: %q, want %q", i, code, want)
		}
	}
}

func TestOtherIntegrationSharesTheRateAndQuota(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) {
		c.RateLimit, c.RateWindow = 10, 20*time.Second
		c.OtherIntegrationRate = 4 // one call every 5 s
		c.DailyQuota = 30
	})
	token := mustToken(t, srv)
	body := `{"input":[{"email":"share@example.com"}]}`
	// The other integration's 4 calls are in every window: 6 are left.
	for i := range 6 {
		if code := restCall(t, srv, token, http.MethodPost, "/rest/v1/leads.json", "application/json", body); code != "" {
			t.Fatalf("call %d within the share: %s", i, code)
		}
	}
	if code := restCall(t, srv, token, http.MethodPost, "/rest/v1/leads.json", "application/json", body); code != "606" {
		t.Fatalf("call beyond the share: %q, want 606", code)
	}
	// 20 s later the window is clear of our calls, and the other
	// integration has made 4 calls, which count against the quota.
	clock.Advance(20 * time.Second)
	_, total, users := usage(t, srv, token)
	if users[OtherIntegrationUser] != 4 || users[DefaultClientID] != 7 || total != 11 {
		t.Errorf("usage = %d %v, want 4 other calls and 7 of ours", total, users)
	}
	st := srv.Stats()
	if st.OtherIntegration != (OtherIntegrationStats{RatePerWindow: 4, CallsToday: 4}) || st.Admitted != 7 || st.QuotaUsed != 11 {
		t.Errorf("stats: other %+v, admitted %d, quota %d", st.OtherIntegration, st.Admitted, st.QuotaUsed)
	}
	// Another 100 s: 20 more calls of the other integration would pass
	// the quota of 30, which stops it too; ours are refused with 607.
	clock.Advance(100 * time.Second)
	if code := restCall(t, srv, token, http.MethodPost, "/rest/v1/leads.json", "application/json", body); code != "607" {
		t.Fatalf("after the other integration used the quota: %q, want 607", code)
	}
	if st := srv.Stats(); st.QuotaUsed != 30 || st.Usage.Users[OtherIntegrationUser] != 30-7 {
		t.Errorf("stats at the quota: %d used, %v", st.QuotaUsed, st.Usage.Users)
	}
}

// A client that takes all ten concurrent calls of an instance whose other
// integration holds three gets 615 for three of them; one that keeps to
// five does not. Each call waits an hour in the sandbox, so every call is
// in flight or refused before any ends; the test then hangs up on them.
func TestOtherIntegrationHoldsConcurrency(t *testing.T) {
	tests := []struct {
		name         string
		calls        int
		refused      int
		inFlightMost int
	}{
		{"all ten slots", 10, 3, 7},
		{"five slots", 5, 0, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t, func(c *Config) {
				c.MaxConcurrent = 10
				c.OtherIntegrationSlots = 3
			})
			// The identity call suffers latency too: take the token first.
			token := mustToken(t, srv)
			srv.SetFaults(Faults{Latency: time.Hour})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var wg sync.WaitGroup
			codes := make(chan string, tt.calls)
			for range tt.calls {
				wg.Go(func() {
					status, body, err := sendRaw(ctx, srv.RESTBaseURL()+"/v1/leads.json", "application/json", token, `{"input":[{"email":"c@example.com"}]}`)
					switch {
					case errors.Is(err, context.Canceled):
						codes <- "in flight"
					case err != nil || status != http.StatusOK:
						codes <- fmt.Sprintf("HTTP %d %v", status, err)
					default:
						var a restAnswer
						if json.Unmarshal([]byte(body), &a) != nil || a.Success {
							codes <- "unexpected: " + body
							return
						}
						codes <- a.Errors[0].Code
					}
				})
			}
			st := srv.Stats()
			for ; st.MaxConcurrent+st.Faults["615"] < tt.calls; st = srv.Stats() {
				time.Sleep(time.Millisecond)
			}
			// Every call is in flight or refused; the refused ones have
			// their answers on the way. Hang up on the others only when
			// those are in, or a refusal could be lost with them.
			got := map[string]int{}
			for range st.Faults["615"] {
				got[<-codes]++
			}
			cancel()
			wg.Wait()
			close(codes)
			for c := range codes {
				got[c]++
			}
			if got["615"] != tt.refused || got["in flight"] != tt.calls-tt.refused || len(got) > 2 {
				t.Errorf("outcomes %v, want %d refused with 615 and the rest in flight", got, tt.refused)
			}
			if st := srv.Stats(); st.MaxConcurrent != tt.inFlightMost || st.OtherIntegration.Slots != 3 {
				t.Errorf("stats: %d in flight at most, other %+v", st.MaxConcurrent, st.OtherIntegration)
			}
		})
	}
}

// SOAP shares the slots the other integration leaves, as it shares the
// instance's limits with REST.
func TestOtherIntegrationRefusesSOAP(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) {
		c.MaxConcurrent = 2
		c.OtherIntegrationSlots = 1
		c.Latency = time.Hour
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	held := make(chan error, 1)
	go func() {
		_, _, err := sendRaw(ctx, srv.SOAPEndpoint(), "text/xml; charset=UTF-8", "", envelope(authHeader(srv.Config(), clock.Now()), syncBody("", "<Email>s@example.com</Email>")))
		held <- err
	}()
	for srv.Stats().MaxConcurrent < 1 {
		time.Sleep(time.Millisecond)
	}
	status, b := soapCall(t, srv, clock, "s2@example.com")
	if f := decodeFault(t, status, b); f.Code != "20024" {
		t.Errorf("second SOAP call with one slot held: %+v, want 20024", f)
	}
	cancel()
	if err := <-held; !errors.Is(err, context.Canceled) {
		t.Errorf("held call ended with %v", err)
	}
}

func TestMainOtherIntegrationFlags(t *testing.T) {
	tests := []struct {
		args []string
		ok   bool
	}{
		{[]string{"--other-integration", "3", "--other-rate", "40"}, true},
		{[]string{"--other-integration", "10"}, false},
		{[]string{"--other-integration", "-1"}, false},
		{[]string{"--other-rate", "100"}, false},
		{[]string{"--other-integration", "3", "--no-limits"}, false},
		{[]string{"--other-rate", "5", "--no-limits"}, false},
		{[]string{"--bulk-row-time", "-1s"}, false},
	}
	for _, tt := range tests {
		// Cancelled, so that Main returns at once when it takes the flags.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var out strings.Builder
		err := Main(ctx, append([]string{"--addr", "127.0.0.1:0"}, tt.args...), &out, io.Discard)
		if (err == nil) != tt.ok {
			t.Errorf("Main(%q) = %v, want ok %v", tt.args, err, tt.ok)
		}
		if tt.ok && !strings.Contains(out.String(), "another integration holds 3 of the concurrent calls and makes 40 calls per window") {
			t.Errorf("Main(%q) printed %s", tt.args, out.String())
		}
	}
}
