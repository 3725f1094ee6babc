package marketotest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// sign computes Marketo's requestSignature the way the docs describe it.
func sign(key, timestamp, user string) string {
	mac := hmac.New(sha1.New, []byte(key))
	mac.Write([]byte(timestamp + user))
	return hex.EncodeToString(mac.Sum(nil))
}

// authHeader is a hand-written AuthenticationHeader signed for cfg at t.
func authHeader(cfg Config, t time.Time) string {
	ts := t.Format("2006-01-02T15:04:05-07:00")
	return fmt.Sprintf(`<ns1:AuthenticationHeader><mktowsUserId>%s</mktowsUserId><requestSignature>%s</requestSignature><requestTimestamp>%s</requestTimestamp></ns1:AuthenticationHeader>`,
		cfg.UserID, sign(cfg.EncryptionKey, ts, cfg.UserID), ts)
}

// envelope wraps a header and a body the way the docs' sample request does.
func envelope(header, body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="http://www.marketo.com/mktows/">
  <SOAP-ENV:Header>` + header + `</SOAP-ENV:Header>
  <SOAP-ENV:Body>` + body + `</SOAP-ENV:Body>
</SOAP-ENV:Envelope>`
}

// syncBody builds paramsSyncMultipleLeads from raw leadRecord contents;
// dedup "" omits dedupEnabled.
func syncBody(dedup string, records ...string) string {
	var b strings.Builder
	b.WriteString("<ns1:paramsSyncMultipleLeads><leadRecordList>")
	for _, r := range records {
		b.WriteString("<leadRecord>" + r + "</leadRecord>")
	}
	b.WriteString("</leadRecordList>")
	if dedup != "" {
		b.WriteString("<dedupEnabled>" + dedup + "</dedupEnabled>")
	}
	b.WriteString("</ns1:paramsSyncMultipleLeads>")
	return b.String()
}

// attrs builds a leadAttributeList from name, value pairs.
func attrs(pairs ...string) string {
	var b strings.Builder
	b.WriteString("<leadAttributeList>")
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteString("<attribute><attrName>" + pairs[i] + "</attrName><attrValue>" + pairs[i+1] + "</attrValue></attribute>")
	}
	b.WriteString("</leadAttributeList>")
	return b.String()
}

// postSOAP sends a raw envelope and returns the status and body.
func postSOAP(t testing.TB, srv *Server, soapAction, env string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.SOAPEndpoint(), strings.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	if soapAction != "-" {
		req.Header.Set("SOAPAction", soapAction)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post SOAP: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read SOAP answer: %v", err)
	}
	return resp.StatusCode, string(b)
}

// syncResult is a decoded successSyncMultipleLeads.
type syncResult struct {
	Statuses []struct {
		LeadID int    `xml:"leadId"`
		Status string `xml:"status"`
		Error  struct {
			Nil  string `xml:"http://www.w3.org/2001/XMLSchema-instance nil,attr"`
			Text string `xml:",chardata"`
		} `xml:"error"`
	} `xml:"Body>successSyncMultipleLeads>result>syncStatusList>syncStatus"`
}

func decodeSync(t testing.TB, body string) syncResult {
	t.Helper()
	var r syncResult
	if err := xml.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("decode sync answer: %v\n%s", err, body)
	}
	return r
}

// faultResult is a decoded SOAP fault.
type faultResult struct {
	FaultCode   string `xml:"Body>Fault>faultcode"`
	FaultString string `xml:"Body>Fault>faultstring"`
	Name        string `xml:"Body>Fault>detail>serviceException>name"`
	Message     string `xml:"Body>Fault>detail>serviceException>message"`
	Code        string `xml:"Body>Fault>detail>serviceException>code"`
}

func decodeFault(t testing.TB, status int, body string) faultResult {
	t.Helper()
	if status != http.StatusInternalServerError {
		t.Fatalf("fault answered with HTTP %d, want 500:\n%s", status, body)
	}
	var f faultResult
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		t.Fatalf("decode fault: %v\n%s", err, body)
	}
	return f
}

// testClock is a settable clock for tests, safe for concurrent use.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newTestServer starts a sandbox on a test clock; tweak adjusts the config.
func newTestServer(t testing.TB, tweak func(*Config)) (*Server, *testClock) {
	t.Helper()
	clock := newTestClock()
	cfg := DefaultConfig()
	cfg.Clock = clock.Now
	if tweak != nil {
		tweak(&cfg)
	}
	srv := NewServer(cfg)
	t.Cleanup(srv.Close)
	return srv, clock
}

func leadByID(leads []Lead, id int) (Lead, bool) {
	for _, l := range leads {
		if l.ID == id {
			return l, true
		}
	}
	return Lead{}, false
}
