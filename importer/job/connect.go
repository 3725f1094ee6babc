package job

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"leadsheet/marketo"
)

// Connecting tries the field list this many times, waiting connectWait,
// then twice as long, and so on between tries.
const (
	connectTries = 4
	connectWait  = 500 * time.Millisecond
)

// LeadFields fetches the instance's field list, trying again after passing
// trouble (a gateway error, a dropped or cut-off answer, Marketo's rate
// limits): one bad answer should not end an import that has sent nothing
// yet. notice, when set, hears of each retry. The error it returns reads as
// advice for the operator (see [ConnectAdvice]) and wraps the cause.
func LeadFields(ctx context.Context, c marketo.FieldLister, notice func(string)) ([]marketo.Field, error) {
	wait := connectWait
	for try := 1; ; try++ {
		fields, err := c.LeadFields(ctx)
		if err == nil {
			return fields, nil
		}
		// An address that cannot be reached is reported at once: waiting
		// rarely helps, and the operator should check it.
		if !marketo.IsRetryable(err) || unreachable(err) || notTLS(err) || try == connectTries || ctx.Err() != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &ConnectError{Err: err, Tries: try}
		}
		if notice != nil {
			notice(fmt.Sprintf("Connecting to Marketo: %s; trying again in %s.", describeConnect(err), wait))
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		wait *= 2
	}
}

// ConnectError is a failed connection, read as advice.
type ConnectError struct {
	Err   error
	Tries int
}

func (e *ConnectError) Error() string { return ConnectAdvice(e.Err, e.Tries) }
func (e *ConnectError) Unwrap() error { return e.Err }

// ConnectAdvice puts a connection error in words, with advice that fits its
// kind: a refused login, a used-up quota, an address that cannot be
// reached, a server that does not speak HTTPS, or one that answered badly.
// tries is how many times the call was made.
func ConnectAdvice(err error, tries int) string {
	var me *marketo.Error
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case marketo.IsAuth(err) && errors.As(err, &me):
		return fmt.Sprintf("Marketo refused the login (%s). Check the account's user ID and key, or client ID and secret, in Marketo's Admin > Web Services (or LaunchPoint).", me.Message)
	case marketo.IsAuth(err):
		return fmt.Sprintf("Marketo refused the login (%s). Check the account's user ID and key, or client ID and secret, in Marketo's Admin > Web Services (or LaunchPoint).", err)
	case marketo.IsQuota(err):
		return "Marketo's daily API quota is used up, so nothing was sent. Try again tomorrow."
	case errors.As(err, &dns):
		return fmt.Sprintf("The address %s could not be found. Check the endpoint for typos (copy it from Marketo's Admin > Web Services page).", dns.Name)
	case notTLS(err):
		return "The server answered, but not over HTTPS: the address probably should start with http:// (the local sandbox does), or it is not Marketo. Check the address."
	case errors.As(err, &op) && op.Op == "dial":
		return fmt.Sprintf("Nothing answered at %s. Check the address and your network or proxy — or, for the local sandbox, start it with `leadsheet sandbox`.", dialHost(op))
	case marketo.IsRetryable(err) && tries > 1:
		return fmt.Sprintf("Marketo did not answer properly %d times in a row (last: %s). Marketo may be busy or having trouble: wait a few minutes and try again.", tries, describeConnect(err))
	case marketo.IsRetryable(err):
		return fmt.Sprintf("Marketo did not answer properly (%s). Marketo may be busy or having trouble: wait a few minutes and try again.", describeConnect(err))
	case errors.As(err, &me):
		return fmt.Sprintf("Marketo said: %s (error %s)", me.Message, me.Code)
	}
	return err.Error() + ". Check the address and your network connection."
}

// notTLS reports whether an HTTPS call reached a server that does not speak
// TLS, such as an http-only port.
func notTLS(err error) bool {
	var rh tls.RecordHeaderError
	return errors.As(err, &rh) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

// dialHost names the address a failed dial was aimed at.
func dialHost(op *net.OpError) string {
	if op.Addr != nil {
		return op.Addr.String()
	}
	return "the address given"
}

// unreachable reports whether no answer came at all because the address
// could not be reached: the name does not resolve or nothing listens there.
func unreachable(err error) bool {
	var te *marketo.TransportError
	if !errors.As(err, &te) || te.HTTPStatus != 0 {
		return false
	}
	var dns *net.DNSError
	var op *net.OpError
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial")
}

// describeConnect names the trouble of one connecting try.
func describeConnect(err error) string {
	var me *marketo.Error
	var te *marketo.TransportError
	switch {
	case errors.As(err, &me):
		return fmt.Sprintf("Marketo error %s: %s", me.Code, me.Message)
	case errors.As(err, &te) && te.HTTPStatus != 0:
		return fmt.Sprintf("HTTP %d", te.HTTPStatus)
	}
	return err.Error()
}
