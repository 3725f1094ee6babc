package marketo

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxResponseBytes caps how much of any Marketo answer the clients read. A
// 300-lead syncMultipleLeads answer is about 30 KB and a full describe a few
// hundred KB, so anything near the cap is not an answer we can use.
const MaxResponseBytes = 8 << 20

// DefaultTimeout bounds one whole HTTP exchange when the caller's context
// sets no earlier deadline. Marketo's own samples use 90 s read timeouts for
// 300-lead calls; this leaves room above that.
const DefaultTimeout = 3 * time.Minute

// ErrInsecureEndpoint is returned by the constructors when an address would
// send credentials in the clear.
var ErrInsecureEndpoint = errors.New("address is not secure")

// ErrMismatchedAnswer means Marketo answered, but its answer cannot be
// matched to the leads sent (a different number of statuses, an unknown
// status). The call may have changed leads, so it is not retried blindly.
var ErrMismatchedAnswer = errors.New("Marketo's answer does not match the leads sent")

// NewHTTPClient returns the HTTP client the Marketo clients use when none is
// given: keep-alive connections (enough idle ones per host for ten calls in
// flight), verified TLS 1.2+, and [DefaultTimeout] as an overall cap.
// Shorter limits come from the caller's context.
func NewHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return &http.Client{Transport: tr, Timeout: DefaultTimeout}
}

// checkHTTPClient refuses a caller-supplied client that turns off certificate
// checks: credentials must only ever go to a verified Marketo.
func checkHTTPClient(hc *http.Client) (*http.Client, error) {
	if hc == nil {
		return NewHTTPClient(), nil
	}
	if tr, ok := hc.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify {
		return nil, errors.New("the HTTP client skips TLS certificate checks; Leadsheet only talks to a verified Marketo")
	}
	return hc, nil
}

// parseEndpoint checks an address typed by the operator. what names it in
// messages ("SOAP endpoint"). HTTPS is required except for this computer's
// own addresses, where the local sandbox runs.
func parseEndpoint(what, raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, fmt.Errorf("the %s is empty: copy it from Marketo (Admin > Integration > Web Services)", what)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("the %s %q is not a web address; it should look like https://123-ABC-456.mktoapi.com/...", what, redactURL(raw))
	}
	if u.User != nil {
		return nil, fmt.Errorf("the %s must not contain a user name or password", what)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("the %s %s must start with https:// (plain http is allowed only for this computer, such as the local sandbox): %w",
			what, u.Redacted(), ErrInsecureEndpoint)
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	if i := strings.IndexByte(raw, '@'); i >= 0 {
		return "…" + raw[i+1:]
	}
	return raw
}

// isLoopback reports whether host names this computer: localhost,
// 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// joinURL appends path to base without doubling slashes (Marketo's gateway
// is deprecating double slashes).
func joinURL(base *url.URL, path string) string {
	u := *base
	u.RawQuery = ""
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawPath = ""
	return u.String()
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer { return bufPool.Get().(*bytes.Buffer) }

// putBuf returns a buffer to the pool unless it grew unusually large, so one
// huge answer does not pin memory for the life of the program.
func putBuf(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return
	}
	b.Reset()
	bufPool.Put(b)
}

// readBody reads at most MaxResponseBytes of resp's body into buf and closes
// it, draining a little first so the connection can be reused.
func readBody(resp *http.Response, buf *bytes.Buffer, op string) error {
	defer closeBody(resp)
	if resp.ContentLength > MaxResponseBytes {
		return &TransportError{Op: op, HTTPStatus: resp.StatusCode,
			Err: fmt.Errorf("the answer is %d bytes, more than the %d MiB Leadsheet accepts", resp.ContentLength, MaxResponseBytes>>20)}
	}
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return &TransportError{Op: op, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("the connection broke while reading the answer: %w", err)}
	}
	if n > MaxResponseBytes {
		return &TransportError{Op: op, HTTPStatus: resp.StatusCode,
			Err: fmt.Errorf("the answer is larger than the %d MiB Leadsheet accepts", MaxResponseBytes>>20)}
	}
	return nil
}

// closeBody drains a bounded remainder so the keep-alive connection goes
// back to the pool, then closes.
func closeBody(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// sendTracked sends req and reports whether the whole request was handed
// to the connection, so a failure can say when Marketo cannot have had it.
// WroteRequest fires once the request is written into the connection's
// buffer, perhaps before it is flushed, so "written" may still mean lost
// on the way: it errs on the side of "may have been applied".
func sendTracked(hc *http.Client, req *http.Request) (*http.Response, bool, error) {
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			wrote.Store(true)
		}
	}}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := hc.Do(req)
	return resp, wrote.Load(), err
}

// doErr turns a failed http.Client.Do into the error the caller sees: the
// caller's own cancellation or deadline stays recognisable with errors.Is
// and is not retryable; everything else is a TransportError, Unsent when
// the request was never wholly written.
func doErr(ctx context.Context, op string, wrote bool, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: stopped: %w", op, ctxErr)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Error repeats the URL; the underlying cause is what helps.
		err = ue.Err
	}
	return &TransportError{Op: op, Err: fmt.Errorf("could not reach Marketo: %w", err), Unsent: !wrote}
}

// looksLikeHTML reports whether an answer is a web page (a proxy's or load
// balancer's error page) rather than an API answer.
func looksLikeHTML(contentType string, body []byte) bool {
	if strings.HasPrefix(strings.ToLower(contentType), "text/html") {
		return true
	}
	head := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html")) ||
		bytes.Contains(head, []byte("<html"))
}

// pageTitle extracts a web page's <title> for error messages, so a
// "502 Bad Gateway" page says so.
func pageTitle(body []byte) string {
	lower := bytes.ToLower(body[:min(len(body), 4096)])
	i := bytes.Index(lower, []byte("<title>"))
	if i < 0 {
		return ""
	}
	rest := body[i+len("<title>") : len(lower)]
	j := bytes.Index(bytes.ToLower(rest), []byte("</title>"))
	if j < 0 {
		return ""
	}
	t := strings.Join(strings.Fields(string(rest[:j])), " ")
	if len(t) > 120 {
		t = t[:120] + "…"
	}
	return t
}

// nonAPIAnswer describes an answer that is neither a result nor a Marketo
// error: empty, a web page, or something else.
func nonAPIAnswer(op string, resp *http.Response, body []byte, want string) error {
	var err error
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		err = errors.New("Marketo sent an empty answer")
	case looksLikeHTML(resp.Header.Get("Content-Type"), body):
		if t := pageTitle(body); t != "" {
			err = fmt.Errorf("Marketo sent a web page (%q) instead of %s", t, want)
		} else {
			err = fmt.Errorf("Marketo sent a web page instead of %s", want)
		}
	default:
		err = fmt.Errorf("Marketo's answer is not %s", want)
	}
	return &TransportError{Op: op, HTTPStatus: resp.StatusCode, Err: err}
}

// SyncLimits is how much one sync call may carry over an API, for callers
// that cut leads into batches.
type SyncLimits struct {
	Leads     int            // leads per call
	Bytes     int            // request body, Overhead included
	Overhead  int            // at least the body's bytes outside its leads
	LeadBytes func(Lead) int // at least the bytes one lead adds to the body
}

// SyncLimitsFor returns the limits of api: [REST] or [SOAP] (or the profile
// names "rest", "soap", in any case). For any other value, such as a caller
// that does not know the API yet, it returns limits that fit both.
func SyncLimitsFor(api string) SyncLimits {
	rest := SyncLimits{Leads: MaxBatch, Bytes: RESTSyncMaxBytes, Overhead: restSyncOverhead, LeadBytes: RESTLeadBytes}
	soap := SyncLimits{Leads: MaxBatch, Bytes: SOAPSyncMaxBytes, Overhead: soapSyncOverhead, LeadBytes: SOAPLeadBytes}
	switch {
	case strings.EqualFold(api, string(REST)):
		return rest
	case strings.EqualFold(api, string(SOAP)):
		return soap
	}
	return SyncLimits{
		Leads:     MaxBatch,
		Bytes:     min(rest.Bytes, soap.Bytes),
		Overhead:  max(rest.Overhead, soap.Overhead),
		LeadBytes: func(l Lead) int { return max(RESTLeadBytes(l), SOAPLeadBytes(l)) },
	}
}
