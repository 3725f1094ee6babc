package marketotest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func soapCall(t testing.TB, srv *Server, clock *testClock, email string) (int, string) {
	t.Helper()
	return postSOAP(t, srv, "", envelope(authHeader(srv.Config(), clock.Now()), syncBody("", "<Email>"+email+"</Email>")))
}

func TestRateLimitIsSharedAndSliding(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) {
		c.RateLimit, c.RateWindow = 3, 10*time.Second
	})
	token := mustToken(t, srv)
	body := `{"input":[{"email":"r@example.com"}]}`
	// Two SOAP and one REST call fill the window.
	for i := 0; i < 2; i++ {
		if status, b := soapCall(t, srv, clock, "r@example.com"); status != http.StatusOK {
			t.Fatalf("call %d: %d %s", i, status, b)
		}
		clock.Advance(time.Second)
	}
	if _, a := postLeads(t, srv, token, body); !a.Success {
		t.Fatalf("third call refused: %+v", a)
	}
	status, b := soapCall(t, srv, clock, "r@example.com")
	if f := decodeFault(t, status, b); f.Code != "20023" {
		t.Fatalf("fourth SOAP call: %+v, want 20023", f)
	}
	if _, a := postLeads(t, srv, token, body); a.Success || a.Errors[0].Code != "606" || a.Errors[0].Message != "Max rate limit '3' exceeded with in '10' secs" {
		t.Fatalf("fourth REST call: %+v, want 606", a)
	}
	// The first call leaves the window 10 s after it was made.
	clock.Advance(8*time.Second + time.Millisecond)
	if status, b := soapCall(t, srv, clock, "r@example.com"); status != http.StatusOK {
		t.Fatalf("after the window slid: %d %s", status, b)
	}
	st := srv.Stats()
	if st.Admitted != 4 || st.MaxInWindow != 3 || st.Faults["20023"] != 1 || st.Faults["606"] != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestDailyQuota(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) { c.DailyQuota = 2 })
	for i := 0; i < 2; i++ {
		if status, b := soapCall(t, srv, clock, "q@example.com"); status != http.StatusOK {
			t.Fatalf("call %d: %d %s", i, status, b)
		}
	}
	status, b := soapCall(t, srv, clock, "q@example.com")
	if f := decodeFault(t, status, b); f.Code != "20015" {
		t.Fatalf("third call: %+v, want 20015", f)
	}
	if _, a := postLeads(t, srv, mustToken(t, srv), `{"input":[{"email":"q@example.com"}]}`); a.Success || a.Errors[0].Code != "607" {
		t.Fatalf("REST after quota: %+v, want 607", a)
	}
	// The test clock starts at 10:00 UTC = 04:00 CST; the quota resets at
	// midnight CST, 20 hours later.
	clock.Advance(19*time.Hour + 59*time.Minute)
	if status, b := soapCall(t, srv, clock, "q@example.com"); status != http.StatusInternalServerError {
		t.Fatalf("before midnight CST: %d %s", status, b)
	}
	clock.Advance(time.Minute)
	if status, b := soapCall(t, srv, clock, "q@example.com"); status != http.StatusOK {
		t.Fatalf("after midnight CST: %d %s", status, b)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	const limit, callers = 2, 6
	srv, clock := newTestServer(t, func(c *Config) {
		c.MaxConcurrent = limit
		c.Latency = 300 * time.Millisecond
	})
	token := mustToken(t, srv)
	var wg sync.WaitGroup
	codes := make([]string, callers)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				status, b := soapCall(t, srv, clock, "c@example.com")
				if status == http.StatusOK {
					codes[i] = "ok"
				} else {
					codes[i] = decodeFault(t, status, b).Code
				}
				return
			}
			_, a := postLeads(t, srv, token, `{"input":[{"email":"c2@example.com"}]}`)
			if a.Success {
				codes[i] = "ok"
			} else {
				codes[i] = a.Errors[0].Code
			}
		}(i)
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, c := range codes {
		switch c {
		case "ok":
			ok++
		case "20024", "615":
			refused++
		default:
			t.Errorf("unexpected outcome %q", c)
		}
	}
	st := srv.Stats()
	if ok < 1 || ok > limit || ok+refused != callers || st.MaxConcurrent > limit || st.PeakArrivals < limit+1 {
		t.Errorf("outcomes %v, stats max %d peak %d", codes, st.MaxConcurrent, st.PeakArrivals)
	}
	if st.Faults["20024"]+st.Faults["615"] != refused || st.Admitted != ok {
		t.Errorf("stats = %+v, refused %d", st, refused)
	}
}

func TestNoLimits(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) {
		c.RateLimit, c.MaxConcurrent, c.DailyQuota, c.MaxBatch = 0, 0, 0, 0
	})
	for i := 0; i < 120; i++ {
		if status, b := soapCall(t, srv, clock, "n@example.com"); status != http.StatusOK {
			t.Fatalf("call %d: %d %s", i, status, b)
		}
	}
	if st := srv.Stats(); st.MaxInWindow != 120 {
		t.Errorf("max in window = %d", st.MaxInWindow)
	}
}

func TestInjectedTrouble(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		check  func(t *testing.T, resp *http.Response, err error)
		stat   string
		stored int // leads stored after the call
	}{
		{
			name:   "gateway error without processing",
			faults: Faults{FaultRate5xx: 1},
			check: func(t *testing.T, resp *http.Response, err error) {
				if err != nil || resp.StatusCode < 502 || resp.StatusCode > 504 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					t.Errorf("resp %v err %v, want a 50x HTML page", resp, err)
				}
			},
			stored: 0,
		},
		{
			name:   "dropped connection after processing",
			faults: Faults{DropRate: 1},
			check: func(t *testing.T, resp *http.Response, err error) {
				if err == nil {
					t.Errorf("got HTTP %d, want a transport error", resp.StatusCode)
				}
			},
			stat:   "drop",
			stored: 1,
		},
		{
			name:   "truncated body after processing",
			faults: Faults{MalformedRate: 1},
			check: func(t *testing.T, resp *http.Response, err error) {
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK || strings.Contains(string(b), "</SOAP-ENV:Envelope>") {
					t.Errorf("HTTP %d body %q, want a truncated 200", resp.StatusCode, b)
				}
			},
			stat:   "malformed",
			stored: 1,
		},
		{
			name:   "slow but complete body",
			faults: Faults{SlowBodyRate: 1, SlowBodyDuration: 50 * time.Millisecond},
			check: func(t *testing.T, resp *http.Response, err error) {
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK || len(decodeSync(t, string(b)).Statuses) != 1 {
					t.Errorf("HTTP %d body %q", resp.StatusCode, b)
				}
			},
			stat:   "slow",
			stored: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, clock := newTestServer(t, nil)
			srv.SetFaults(tc.faults)
			env := envelope(authHeader(srv.Config(), clock.Now()), syncBody("", "<Email>t@example.com</Email>"))
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := client.Post(srv.SOAPEndpoint(), "text/xml", strings.NewReader(env))
			tc.check(t, resp, err)
			if resp != nil {
				resp.Body.Close()
			}
			if got := len(srv.Leads()); got != tc.stored {
				t.Errorf("%d leads stored, want %d", got, tc.stored)
			}
			st := srv.Stats()
			if tc.stat != "" && st.Faults[tc.stat] != 1 {
				t.Errorf("faults = %v, want one %s", st.Faults, tc.stat)
			}
			if tc.stat == "" && st.Faults["http-502"]+st.Faults["http-503"]+st.Faults["http-504"] != 1 {
				t.Errorf("faults = %v, want one gateway error", st.Faults)
			}
			// Trouble applies to REST too, token included.
			if _, err := client.Get(srv.IdentityURL() + "/oauth/token?grant_type=client_credentials"); tc.stat == "drop" && err == nil {
				t.Errorf("token call not dropped")
			}
		})
	}
}

func TestTroubleIsSeededAndRated(t *testing.T) {
	draw := func(seed int64) []trouble {
		cfg := DefaultConfig()
		cfg.Seed, cfg.FaultRate5xx, cfg.DropRate, cfg.MalformedRate = seed, 0.1, 0.1, 0.1
		s := NewHandler(cfg)
		out := make([]trouble, 2000)
		for i := range out {
			out[i] = s.drawTrouble(cfg)
		}
		return out
	}
	a, b := draw(7), draw(7)
	gateway, drop, malformed := 0, 0, 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d differs with the same seed", i)
		}
		switch {
		case a[i].gateway != 0:
			gateway++
		case a[i].drop:
			drop++
		case a[i].malformed:
			malformed++
		}
	}
	for name, n := range map[string]int{"gateway": gateway, "drop": drop, "malformed": malformed} {
		if n < 140 || n > 260 { // 10% of 2000 = 200; far outside 5 sigma
			t.Errorf("%s drawn %d times in 2000 at rate 0.1", name, n)
		}
	}
}

func TestLatencyRespectsCancellation(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) { c.Latency = time.Hour })
	env := envelope(authHeader(srv.Config(), clock.Now()), syncBody("", "<Email>l@example.com</Email>"))
	client := &http.Client{Timeout: 100 * time.Millisecond}
	_, err := client.Post(srv.SOAPEndpoint(), "text/xml", strings.NewReader(env))
	var timeout interface{ Timeout() bool }
	if err == nil || !errors.As(err, &timeout) || !timeout.Timeout() {
		t.Fatalf("err = %v, want a client timeout", err)
	}
	// Close waits for the handler, which must notice the client left.
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs on a call sleeping its latency")
	}
	if len(srv.Leads()) != 0 {
		t.Errorf("an abandoned call was processed")
	}
}

// TestConcurrentCallsKeepTheStoreConsistent runs SOAP and REST callers at
// once on overlapping emails; every email must end as exactly one lead.
func TestConcurrentCallsKeepTheStoreConsistent(t *testing.T) {
	srv, clock := newTestServer(t, func(c *Config) { c.RateLimit, c.MaxConcurrent = 0, 0 })
	token := mustToken(t, srv)
	const workers, perWorker = 6, 10
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				email := fmt.Sprintf("shared%d@example.com", i)
				if w%2 == 0 {
					if status, b := soapCall(t, srv, clock, email); status != http.StatusOK {
						t.Errorf("SOAP: %d %s", status, b)
					}
					continue
				}
				if _, a := postLeads(t, srv, token, `{"input":[{"email":"`+email+`"}]}`); !a.Success {
					t.Errorf("REST: %+v", a)
				}
			}
		}(w)
	}
	wg.Wait()
	leads := srv.Leads()
	if len(leads) != perWorker {
		t.Errorf("%d leads stored, want %d", len(leads), perWorker)
	}
	st := srv.Stats()
	if st.LeadsCreated != perWorker || st.LeadsCreated+st.LeadsUpdated != workers*perWorker {
		t.Errorf("stats created %d updated %d", st.LeadsCreated, st.LeadsUpdated)
	}
}
