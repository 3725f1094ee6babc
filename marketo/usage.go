package marketo

import (
	"context"
	"fmt"
	"net/http"
)

// Usage is an instance's API calls so far today, as Marketo counts them
// against the daily quota (Get Daily Usage). It does not say what the
// quota is: that is set in Admin > Web Services, and kept in [Budget].
type Usage struct {
	Date   string         // the day counted, as Marketo writes it (its own time zone)
	Total  int            // every API user's calls
	ByUser map[string]int // calls per API user
}

type restUsage struct {
	Date  string `json:"date"`
	Total int    `json:"total"`
	Users []struct {
		UserID string `json:"userId"`
		Count  int    `json:"count"`
	} `json:"users"`
}

// UsageToday reads today's usage with GET /rest/v1/stats/usage.json. The
// call itself counts against the quota, like any other.
func (c *RESTClient) UsageToday(ctx context.Context) (Usage, error) {
	const op = "Marketo REST Get Daily Usage"
	r, err := callREST[restUsage](ctx, c, op, http.MethodGet, c.usageURL, nil, "")
	if err != nil {
		return Usage{}, err
	}
	if len(r.Result) == 0 {
		return Usage{ByUser: map[string]int{}}, nil // no call yet today
	}
	if len(r.Result) != 1 {
		return Usage{}, fmt.Errorf("%s: Marketo answered with %d days instead of 1: %w", op, len(r.Result), ErrMismatchedAnswer)
	}
	d := r.Result[0]
	u := Usage{Date: d.Date, Total: d.Total, ByUser: make(map[string]int, len(d.Users))}
	for _, us := range d.Users {
		u.ByUser[us.UserID] += us.Count
	}
	return u, nil
}

// UsageReader reads today's API usage. RESTClient implements it; SOAP has
// no such call.
type UsageReader interface {
	UsageToday(ctx context.Context) (Usage, error)
}
