package marketo

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// SOAPCredentials are what Marketo's Admin > Integration > Web Services page
// shows for the SOAP API. EncryptionKey is a secret: it signs requests and
// never travels.
type SOAPCredentials struct {
	Endpoint      string // e.g. https://123-ABC-456.mktoapi.com/soap/mktows/2_2
	UserID        string
	EncryptionKey string
}

// String hides the encryption key, so credentials printed by mistake do not
// leak it.
func (c SOAPCredentials) String() string {
	return fmt.Sprintf("SOAP %s as %s (encryption key %s)", c.Endpoint, c.UserID, maskSecret(c.EncryptionKey))
}

// GoString hides the encryption key from %#v as well.
func (c SOAPCredentials) GoString() string { return c.String() }

func maskSecret(s string) string {
	if s == "" {
		return "not set"
	}
	return "set"
}

// SOAPClient calls Marketo's SOAP API (mktows 2_2): syncMultipleLeads and
// describeMObject. It is safe for concurrent use.
type SOAPClient struct {
	endpoint string
	userID   string
	key      []byte
	hc       *http.Client
	now      func() time.Time // the signing clock; tests fix it and its zone
}

// SOAP actions, per the WSDL's binding.
const (
	soapActionSync     = `"http://www.marketo.com/mktows/syncMultipleLeads"`
	soapActionDescribe = `"http://www.marketo.com/mktows/describeMObject"`
)

// NewSOAPClient checks the credentials and returns a client. hc may be nil
// for [NewHTTPClient]'s defaults; a client that skips TLS checks is refused.
// The endpoint must be HTTPS unless it is this computer (the sandbox).
func NewSOAPClient(cred SOAPCredentials, hc *http.Client) (*SOAPClient, error) {
	u, err := parseEndpoint("SOAP endpoint", cred.Endpoint)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cred.UserID) == "" {
		return nil, errors.New("the SOAP user ID is empty: copy it from Marketo (Admin > Integration > Web Services)")
	}
	if cred.EncryptionKey == "" {
		return nil, errors.New("the SOAP encryption key is empty: copy it from Marketo (Admin > Integration > Web Services)")
	}
	hc, err = checkHTTPClient(hc)
	if err != nil {
		return nil, err
	}
	return &SOAPClient{
		endpoint: u.String(),
		userID:   strings.TrimSpace(cred.UserID),
		key:      []byte(cred.EncryptionKey),
		hc:       hc,
		now:      time.Now,
	}, nil
}

// ErrClearNeedsREST: syncMultipleLeads cannot say "empty this field", so
// clearing fields needs a REST account.
var ErrClearNeedsREST = errors.New("clearing a field needs a REST account: SOAP cannot send an empty value")

// SyncLeads sends leads in one syncMultipleLeads call and returns Marketo's
// status for each, in input order. dedup is always sent as dedupEnabled.
// A lead with a ForeignSysPersonId but no ForeignSysType is sent as CUSTOM.
// A fault returns an *Error with Marketo's code; an answer that is not SOAP
// returns a *TransportError; a status count that differs from the lead count
// returns an error wrapping [ErrMismatchedAnswer].
func (c *SOAPClient) SyncLeads(ctx context.Context, leads []Lead, dedup bool) ([]SyncStatus, error) {
	const op = "Marketo SOAP syncMultipleLeads"
	if len(leads) == 0 {
		return nil, nil
	}
	if len(leads) > MaxBatch {
		return nil, fmt.Errorf("%s: %d leads in one call; Marketo takes at most %d", op, len(leads), MaxBatch)
	}
	for i := range leads {
		for _, a := range leads[i].Attributes {
			if a.Clear {
				return nil, fmt.Errorf("%s: lead %d: %w", op, i+1, ErrClearNeedsREST)
			}
		}
		if !validForeignSysType(leads[i].ForeignSysType) {
			return nil, fmt.Errorf("%s: lead %d has ForeignSysType %q; Marketo accepts CUSTOM, SFDC or NETSUITE",
				op, i+1, leads[i].ForeignSysType)
		}
	}
	h := newAuthHeader(c.userID, c.key, c.now())
	req := appendSyncMultipleLeads(make([]byte, 0, syncRequestSize(leads)), h, leads, dedup)

	buf := getBuf()
	defer putBuf(buf)
	resp, err := c.post(ctx, op, soapActionSync, req, buf)
	if err != nil {
		return nil, err
	}
	out, err := decodeSyncResponse(buf.Bytes(), make([]SyncStatus, 0, len(leads)))
	if err != nil {
		return nil, answerErr(op, resp, buf.Bytes(), err)
	}
	if len(out) != len(leads) {
		return nil, fmt.Errorf("%s: Marketo answered with %d statuses for %d leads: %w", op, len(out), len(leads), ErrMismatchedAnswer)
	}
	for i := range out {
		// The WSDL lets error be nil even for FAILED; every failed row
		// must still tell the operator something.
		if out[i].Status == Failed && out[i].Error == "" {
			out[i].Error = "Marketo did not sync this lead and gave no reason"
		}
	}
	return out, nil
}

// LeadFields lists the instance's lead fields with describeMObject
// (LeadRecord). Names are the SOAP attribute names (e.g. "FirstName").
func (c *SOAPClient) LeadFields(ctx context.Context) ([]Field, error) {
	const op = "Marketo SOAP describeMObject"
	h := newAuthHeader(c.userID, c.key, c.now())
	req := appendDescribeMObject(make([]byte, 0, 1024), h, "LeadRecord")
	buf := getBuf()
	defer putBuf(buf)
	resp, err := c.post(ctx, op, soapActionDescribe, req, buf)
	if err != nil {
		return nil, err
	}
	var r describeResult
	err = decodeEnvelope(buf.Bytes(), "successDescribeMObject", func(d *xml.Decoder, start xml.StartElement, _ *envelope) error {
		return d.DecodeElement(&r, &start)
	})
	if err != nil {
		return nil, answerErr(op, resp, buf.Bytes(), err)
	}
	return r.fields(), nil
}

// post sends one SOAP request and reads the whole answer into buf.
func (c *SOAPClient) post(ctx context.Context, op, action string, body []byte, buf *bytes.Buffer) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", action)
	req.Header.Set("Accept", "text/xml")
	req.Header.Set("User-Agent", userAgent)
	resp, wrote, err := sendTracked(c.hc, req)
	if err != nil {
		return nil, doErr(ctx, op, wrote, err)
	}
	if err := readBody(resp, buf, op); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s: stopped: %w", op, ctxErr)
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusRequestEntityTooLarge {
		// SOAP documents no size limit, but a server in front of it may
		// still refuse a large body; smaller calls can then pass.
		return nil, &Error{API: SOAP, Code: "413", Message: "the request is larger than Marketo accepts; send fewer leads or shorter values per call", HTTPStatus: resp.StatusCode}
	}
	return resp, nil
}

const userAgent = "Leadsheet (Marketo lead import)"

// answerErr turns a decoding failure into the error the caller sees.
func answerErr(op string, resp *http.Response, body []byte, err error) error {
	var me *Error
	if errors.As(err, &me) {
		me.HTTPStatus = resp.StatusCode
		return me
	}
	if errors.Is(err, ErrMismatchedAnswer) {
		return fmt.Errorf("%s: %w", op, err)
	}
	var syn *xml.SyntaxError
	switch {
	case errors.Is(err, errNotSOAP):
		return nonAPIAnswer(op, resp, body, "a SOAP message")
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &syn):
		if looksLikeHTML(resp.Header.Get("Content-Type"), body) {
			return nonAPIAnswer(op, resp, body, "a SOAP message")
		}
		return &TransportError{Op: op, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("Marketo's answer is cut off or not valid XML: %w", err)}
	default:
		return &TransportError{Op: op, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("Marketo's answer could not be read: %w", err)}
	}
}
