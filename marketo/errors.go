package marketo

import (
	"errors"
	"fmt"
)

// API names the Marketo interface a call went through.
type API string

// The two APIs Leadsheet speaks.
const (
	SOAP API = "SOAP"
	REST API = "REST"
)

// Error is a call-level failure reported by Marketo itself: a SOAP fault's
// serviceException or a REST error entry. Code is Marketo's code as text
// ("20014", "606"); Message is Marketo's own words.
type Error struct {
	API        API
	Code       string
	Message    string
	HTTPStatus int
}

func (e *Error) Error() string {
	return fmt.Sprintf("marketo %s error %s: %s", e.API, e.Code, e.Message)
}

// TransportError is a failure below Marketo's own error reporting: the
// connection dropped, the call timed out, or the answer was a 5xx, an HTML
// page, empty or truncated. Whether the request reached Marketo is unknown
// unless Unsent says it never left.
type TransportError struct {
	Op         string // what was being done, e.g. "read syncMultipleLeads response"
	HTTPStatus int    // 0 when no HTTP answer arrived
	Err        error
	// Unsent is true when the request never fully left this computer (no
	// connection, or writing it failed): no server can have a whole
	// request to act on, so Marketo changed nothing.
	Unsent bool
}

func (e *TransportError) Error() string {
	if e.HTTPStatus != 0 {
		return fmt.Sprintf("%s: HTTP %d: %v", e.Op, e.HTTPStatus, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Op, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Class groups Marketo's error codes by what the caller should do about them.
type Class int

// Error classes.
const (
	ClassOther       Class = iota // not retryable; show the message
	ClassTransient                // retry with backoff (internal errors, expired signature, 5xx, timeouts)
	ClassRateLimit                // too many calls in the window: retry later, slow down
	ClassConcurrency              // too many calls in flight: retry later, fewer at once
	ClassQuota                    // daily quota used up: stop until tomorrow
	ClassAuth                     // credentials wrong, blocked, or token unusable
	ClassBadRequest               // the request itself is wrong (bad field, bad value): do not retry
)

func (c Class) String() string {
	switch c {
	case ClassTransient:
		return "transient"
	case ClassRateLimit:
		return "rate limit"
	case ClassConcurrency:
		return "concurrency limit"
	case ClassQuota:
		return "daily quota"
	case ClassAuth:
		return "authentication"
	case ClassBadRequest:
		return "bad request"
	default:
		return "other"
	}
}

var codeClass = map[API]map[string]Class{
	SOAP: {
		"10001": ClassTransient, "20011": ClassTransient, "20016": ClassTransient,
		"20023": ClassRateLimit, "20024": ClassConcurrency, "20015": ClassQuota,
		"20013": ClassAuth, "20014": ClassAuth,
		"20012": ClassBadRequest, "20017": ClassBadRequest, "20019": ClassBadRequest,
		"413":   ClassBadRequest,
		"20101": ClassBadRequest, "20104": ClassBadRequest, "20105": ClassBadRequest,
		"20106": ClassBadRequest, "20109": ClassBadRequest, "20110": ClassBadRequest, "20114": ClassBadRequest,
	},
	REST: {
		"604": ClassTransient, "608": ClassTransient, "611": ClassTransient, "713": ClassTransient,
		"601": ClassAuth, "602": ClassAuth, "603": ClassAuth,
		"606": ClassRateLimit, "615": ClassConcurrency, "607": ClassQuota, "1029": ClassQuota,
		"609": ClassBadRequest, "610": ClassBadRequest, "612": ClassBadRequest, "614": ClassBadRequest,
		"1001": ClassBadRequest, "1003": ClassBadRequest, "1006": ClassBadRequest, "1007": ClassBadRequest,
		"605": ClassBadRequest, "1011": ClassBadRequest,
		// HTTP-level refusals Marketo documents for REST: the payload is over
		// 1 MB or the URI over 8 KB. Sending the same request again cannot help.
		"413": ClassBadRequest, "414": ClassBadRequest,
		// OAuth2 errors from the identity endpoint (RFC 6749 section 5.2).
		"invalid_client": ClassAuth, "unauthorized": ClassAuth, "unauthorized_client": ClassAuth,
		"invalid_grant": ClassAuth, "access_denied": ClassAuth,
		"invalid_request": ClassBadRequest, "unsupported_grant_type": ClassBadRequest,
	},
}

// ClassOf classifies any error a client returns. Transport failures are
// transient: the caller retries them, with a fresh signature or token.
func ClassOf(err error) Class {
	var me *Error
	if errors.As(err, &me) {
		if c, ok := codeClass[me.API][me.Code]; ok {
			return c
		}
		switch {
		case me.HTTPStatus >= 500 && me.Code == "":
			return ClassTransient
		case me.HTTPStatus == 401 || me.HTTPStatus == 403:
			return ClassAuth
		}
		return ClassOther
	}
	var te *TransportError
	if errors.As(err, &te) {
		return ClassTransient
	}
	return ClassOther
}

// NotApplied reports whether err proves that the call changed nothing in
// Marketo, so sending it again cannot create a lead twice. Only what the
// protocol or Marketo's documentation guarantees counts:
//   - a request that never fully left this computer ([TransportError.Unsent]);
//   - REST response-level errors (6xx): "the entire request failed and was
//     not executed" (error-codes.md), and the HTTP-level 413 and 414, which
//     Marketo documents as "modify the request and retry";
//   - SOAP faults for login, expired signature, quota and limits, which
//     Marketo checks before it looks at the leads.
//
// An HTTP 502, 503 or 504 is not proof: a gateway answers 504 when the
// backend is slow, and 502 or 503 when the backend's answer broke, both of
// which can happen after the backend applied the call. The same holds for
// a dropped connection, a cut-off answer and SOAP's internal errors
// (10001, 20011), which Marketo does not say are raised before work.
func NotApplied(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return te.Unsent
	}
	var me *Error
	if !errors.As(err, &me) {
		return false
	}
	switch me.API {
	case REST:
		if me.Code == "413" || me.Code == "414" {
			return true
		}
		return len(me.Code) == 3 && me.Code[0] == '6'
	case SOAP:
		switch me.Code {
		case "20013", "20014", "20015", "20016", "20023", "20024", "413":
			return true
		}
	}
	return false
}

// IsTooLarge reports whether Marketo refused a call because its request
// was too large (HTTP 413): the same leads in smaller calls may pass.
func IsTooLarge(err error) bool {
	var me *Error
	return errors.As(err, &me) && me.Code == "413"
}

// IsRetryable reports whether sending the same call again later may succeed.
func IsRetryable(err error) bool {
	switch ClassOf(err) {
	case ClassTransient, ClassRateLimit, ClassConcurrency:
		return true
	}
	return false
}

// IsRateLimit reports whether Marketo asked us to slow down: too many calls
// in its window or too many at once.
func IsRateLimit(err error) bool {
	c := ClassOf(err)
	return c == ClassRateLimit || c == ClassConcurrency
}

// IsQuota reports whether the instance's daily call quota is used up.
func IsQuota(err error) bool { return ClassOf(err) == ClassQuota }

// IsAuth reports whether the credentials were refused.
func IsAuth(err error) bool { return ClassOf(err) == ClassAuth }
