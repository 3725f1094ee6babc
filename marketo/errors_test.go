package marketo

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestClassOf(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("batch 3: %w", err) }
	tests := []struct {
		err                      error
		class                    Class
		retry, rate, quota, auth bool
	}{
		{&Error{API: SOAP, Code: "20016"}, ClassTransient, true, false, false, false},
		{&Error{API: SOAP, Code: "20023"}, ClassRateLimit, true, true, false, false},
		{&Error{API: SOAP, Code: "20024"}, ClassConcurrency, true, true, false, false},
		{&Error{API: SOAP, Code: "20015"}, ClassQuota, false, false, true, false},
		{&Error{API: SOAP, Code: "20014"}, ClassAuth, false, false, false, true},
		{&Error{API: SOAP, Code: "20105"}, ClassBadRequest, false, false, false, false},
		{&Error{API: REST, Code: "606"}, ClassRateLimit, true, true, false, false},
		{&Error{API: REST, Code: "615"}, ClassConcurrency, true, true, false, false},
		{&Error{API: REST, Code: "607"}, ClassQuota, false, false, true, false},
		{&Error{API: REST, Code: "1029"}, ClassQuota, false, false, true, false},
		{&Error{API: REST, Code: "601"}, ClassAuth, false, false, false, true},
		{&Error{API: REST, Code: "602"}, ClassAuth, false, false, false, true},
		{&Error{API: REST, Code: "604"}, ClassTransient, true, false, false, false},
		{&Error{API: REST, Code: "608"}, ClassTransient, true, false, false, false},
		{&Error{API: REST, Code: "611"}, ClassTransient, true, false, false, false},
		{&Error{API: REST, Code: "713"}, ClassTransient, true, false, false, false},
		{&Error{API: REST, Code: "1003"}, ClassBadRequest, false, false, false, false},
		{&Error{API: REST, Code: "1006"}, ClassBadRequest, false, false, false, false},
		{&Error{API: REST, Code: "413", HTTPStatus: 413}, ClassBadRequest, false, false, false, false},
		{&Error{API: REST, Code: "unauthorized", HTTPStatus: 401}, ClassAuth, false, false, false, true},
		{&Error{API: REST, Code: "401", HTTPStatus: 401}, ClassAuth, false, false, false, true},
		{&Error{API: REST, Code: "404", HTTPStatus: 404}, ClassOther, false, false, false, false},
		// Codes are per API: a SOAP code means nothing over REST.
		{&Error{API: REST, Code: "20023"}, ClassOther, false, false, false, false},
		{&Error{API: SOAP, Message: "Internal error", HTTPStatus: 500}, ClassTransient, true, false, false, false},
		{wrap(&Error{API: SOAP, Code: "20024"}), ClassConcurrency, true, true, false, false},
		{&TransportError{Op: "x", HTTPStatus: 502, Err: errors.New("web page")}, ClassTransient, true, false, false, false},
		{wrap(&TransportError{Op: "x", Err: errors.New("reset")}), ClassTransient, true, false, false, false},
		{fmt.Errorf("x: %w", context.Canceled), ClassOther, false, false, false, false},
		{fmt.Errorf("x: %w", ErrMismatchedAnswer), ClassOther, false, false, false, false},
		{nil, ClassOther, false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err), func(t *testing.T) {
			if got := ClassOf(tt.err); got != tt.class {
				t.Errorf("ClassOf = %v, want %v", got, tt.class)
			}
			if IsRetryable(tt.err) != tt.retry || IsRateLimit(tt.err) != tt.rate || IsQuota(tt.err) != tt.quota || IsAuth(tt.err) != tt.auth {
				t.Errorf("retry/rate/quota/auth = %v/%v/%v/%v, want %v/%v/%v/%v", IsRetryable(tt.err), IsRateLimit(tt.err),
					IsQuota(tt.err), IsAuth(tt.err), tt.retry, tt.rate, tt.quota, tt.auth)
			}
		})
	}
}
