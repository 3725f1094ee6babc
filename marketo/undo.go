package marketo

import (
	"context"
	"fmt"
	"net/http"
)

// Undoer takes back what an import did. RESTClient implements it.
//
// Both calls take 1 to [MaxMembers] lead ids, refused before any call
// otherwise, and answer one [MemberResult] per id, in the order given.
// Calling either again for the same leads changes nothing and is skipped:
// 1004 for a lead deleted already, 1015 for a lead removed already, which
// a caller retrying after a lost answer can read as done.
type Undoer interface {
	// DeleteLeads deletes leads from the lead database: "deleted", or
	// "skipped" with [CodeLeadNotFound] for an id no lead has (or has
	// any more).
	DeleteLeads(ctx context.Context, leadIDs []int) ([]MemberResult, error)
	// RemoveFromList takes leads out of a static list: "removed", or
	// "skipped" with [CodeNotInList] for a lead that is not a member and
	// [CodeLeadNotFound] for an id no lead has.
	RemoveFromList(ctx context.Context, listID int, leadIDs []int) ([]MemberResult, error)
}

var _ Undoer = (*RESTClient)(nil)

// DeleteLeads runs Delete Leads (POST /rest/v1/leads/delete.json, the ids
// in a JSON body). See [Undoer].
func (c *RESTClient) DeleteLeads(ctx context.Context, leadIDs []int) ([]MemberResult, error) {
	return c.memberCall(ctx, "Marketo REST Delete Lead", http.MethodPost, c.restBase+"/v1/leads/delete.json", idsBody(leadIDs), leadIDs)
}

// RemoveFromList runs Remove from List (DELETE
// /rest/v1/lists/{listId}/leads.json, the ids in a JSON body, as the
// Swagger spec gives it). See [Undoer].
func (c *RESTClient) RemoveFromList(ctx context.Context, listID int, leadIDs []int) ([]MemberResult, error) {
	return c.memberCall(ctx, "Marketo REST Remove from List", http.MethodDelete, fmt.Sprintf("%s/v1/lists/%d/leads.json", c.restBase, listID), idsBody(leadIDs), leadIDs)
}
