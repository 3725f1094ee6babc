package marketotest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// raceWindow is long enough that two calls started together both arrive
// inside the other's wait, however loaded the machine.
const raceWindow = 500 * time.Millisecond

const raceEmail = "race@example.com"

// sendRaw posts body and reads the answer; unlike the other helpers it
// returns errors, so goroutines other than the test's may use it.
func sendRaw(ctx context.Context, url, contentType, token, body string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func restLeadsBody(action string, emails ...string) string {
	records := make([]string, len(emails))
	for i, e := range emails {
		records[i] = fmt.Sprintf(`{"email":%q,"firstName":"Call"}`, e)
	}
	return fmt.Sprintf(`{"action":%q,"input":[%s]}`, action, strings.Join(records, ","))
}

func soapLeadsBody(dedup string, emails ...string) string {
	records := make([]string, len(emails))
	for i, e := range emails {
		records[i] = "<Email>" + e + "</Email>" + attrs("FirstName", "Call")
	}
	return syncBody(dedup, records...)
}

// raceFSPIRecord is keyed by a new ForeignSysPersonId; its Email element
// becomes the email of the lead it creates.
const raceFSPIRecord = "<Email>" + raceEmail + "</Email><ForeignSysPersonId>race-1</ForeignSysPersonId><ForeignSysType>CUSTOM</ForeignSysType>"

func TestUpsertRace(t *testing.T) {
	tests := []struct {
		name       string
		race       time.Duration
		soap       bool
		seeded     bool     // a lead with raceEmail exists before the calls
		bodies     []string // one per call: REST JSON, or a SOAP Body
		concurrent bool
		want       int // leads with raceEmail at the end
	}{
		{"REST concurrent upserts duplicate", raceWindow, false, false,
			[]string{restLeadsBody("createOrUpdate", raceEmail), restLeadsBody("createOrUpdate", raceEmail)}, true, 2},
		{"REST upserts one after the other", raceWindow, false, false,
			[]string{restLeadsBody("createOrUpdate", raceEmail), restLeadsBody("createOrUpdate", raceEmail)}, false, 1},
		{"REST concurrent upserts without the race", 0, false, false,
			[]string{restLeadsBody("createOrUpdate", raceEmail), restLeadsBody("createOrUpdate", raceEmail)}, true, 1},
		{"REST concurrent upserts of an existing lead", raceWindow, false, true,
			[]string{restLeadsBody("createOrUpdate", raceEmail), restLeadsBody("createOrUpdate", raceEmail)}, true, 1},
		{"REST concurrent createOnly does not race", raceWindow, false, false,
			[]string{restLeadsBody("createOnly", raceEmail), restLeadsBody("createOnly", raceEmail)}, true, 1},
		{"REST one call repeating a new key", raceWindow, false, false,
			[]string{restLeadsBody("createOrUpdate", raceEmail, raceEmail)}, false, 1},
		{"SOAP concurrent dedup upserts duplicate", raceWindow, true, false,
			[]string{soapLeadsBody("true", raceEmail), soapLeadsBody("true", raceEmail)}, true, 2},
		{"SOAP dedup upserts one after the other", raceWindow, true, false,
			[]string{soapLeadsBody("true", raceEmail), soapLeadsBody("true", raceEmail)}, false, 1},
		{"SOAP concurrent dedup upserts without the race", 0, true, false,
			[]string{soapLeadsBody("true", raceEmail), soapLeadsBody("true", raceEmail)}, true, 1},
		{"SOAP concurrent upserts by foreign id duplicate", raceWindow, true, false,
			[]string{syncBody("true", raceFSPIRecord), syncBody("true", raceFSPIRecord)}, true, 2},
		{"SOAP one call repeating a new key", raceWindow, true, false,
			[]string{soapLeadsBody("true", raceEmail, raceEmail)}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, clock := newTestServer(t, func(c *Config) { c.UpsertRace = tt.race })
			token := mustToken(t, srv)
			send := func(body string) error {
				url, ctype, tok := srv.RESTBaseURL()+"/v1/leads.json", "application/json", token
				if tt.soap {
					url, ctype, tok = srv.SOAPEndpoint(), "text/xml; charset=UTF-8", ""
					body = envelope(authHeader(srv.Config(), clock.Now()), body)
				}
				status, answer, err := sendRaw(context.Background(), url, ctype, tok, body)
				switch {
				case err != nil:
					return err
				case status != http.StatusOK || strings.Contains(answer, `"success":false`):
					return fmt.Errorf("HTTP %d: %s", status, answer)
				}
				return nil
			}
			if tt.seeded {
				if err := send(restLeadsBody("createOnly", raceEmail)); err != nil {
					t.Fatalf("seed: %v", err)
				}
			}

			errs := make([]error, len(tt.bodies))
			if tt.concurrent {
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i, body := range tt.bodies {
					wg.Go(func() {
						<-start
						errs[i] = send(body)
					})
				}
				close(start)
				wg.Wait()
			} else {
				for i, body := range tt.bodies {
					errs[i] = send(body)
				}
			}
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}

			got := 0
			for _, l := range srv.Leads() {
				if l.Email == raceEmail {
					got++
				}
			}
			if got != tt.want {
				t.Errorf("%d leads with %s, want %d: %+v", got, raceEmail, tt.want, srv.Leads())
			}
		})
	}
}

// A client that hangs up during the wait must free the call at once, or
// Close below would wait out the hour; nothing may be written.
func TestUpsertRaceClientGone(t *testing.T) {
	srv, _ := newTestServer(t, func(c *Config) { c.UpsertRace = time.Hour })
	token := mustToken(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := sendRaw(ctx, srv.RESTBaseURL()+"/v1/leads.json", "application/json", token, restLeadsBody("createOrUpdate", raceEmail))
		done <- err
	}()
	// The quota counts the call as it is admitted, just before it is
	// handled, so it is in or about to enter the wait.
	for srv.Stats().QuotaUsed == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("call ended with %v, want it cancelled", err)
	}
	srv.Close()
	if leads := srv.Leads(); len(leads) != 0 {
		t.Errorf("an abandoned call wrote %+v", leads)
	}
	if st := srv.Stats(); st.LeadsCreated != 0 || len(st.Faults) != 0 {
		t.Errorf("an abandoned call was counted: %+v", st)
	}
}

func TestMainRejectsBadUpsertRace(t *testing.T) {
	// Cancelled, so that Main returns rather than serves if it took the flag.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, value := range []string{"-1s", "soon"} {
		var out, errOut strings.Builder
		err := Main(ctx, []string{"--addr", "127.0.0.1:0", "--upsert-race", value}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error()+errOut.String(), "upsert-race") {
			t.Errorf("--upsert-race %s: Main returned %v, stderr %q", value, err, errOut.String())
		}
	}
}
