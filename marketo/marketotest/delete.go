package marketotest

import "net/http"

// deleteLeadsREST answers Delete Leads (POST /rest/v1/leads/delete.json):
// the ids come as Add to List's do, from a JSON body {"input":[{"id":N}]}
// (leads.md) or, with no body, from id query parameters (the Swagger
// spec), at most 300 (leads.md: "A request can delete up to 300 leads"),
// more being 1003 as for the list calls. Per id, in order: "deleted", or
// skipped with 1004 "Lead not found" for an id no lead has, one deleted
// already (an id given twice in a call is deleted once), and one in a
// partition the API user may not see. A deleted lead is gone from every
// answer, index, list and program; its id is never given again.
func (s *Server) deleteLeadsREST(r *http.Request, cfg Config) reply {
	if r.Method != http.MethodPost {
		return s.restFail(605, "HTTP Method not supported: Delete Leads is called with POST")
	}
	ids, bad := listLeadIDs(r, r.URL.Query())
	if bad != nil {
		return bad.lead(s)
	}
	denied := s.deniedPartitions(cfg)
	st := s.store
	st.mu.Lock()
	out := make([]listOpResult, len(ids))
	deleted := 0
	for i, id := range ids {
		out[i].ID = id
		if st.lead(id) == nil || !visible(st, denied, id) {
			out[i].Status, out[i].Reasons = "skipped", []restError{{"1004", "Lead not found"}}
			continue
		}
		st.remove(id)
		out[i].Status = "deleted"
		deleted++
	}
	st.mu.Unlock()
	s.rec.deletions(deleted)
	return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true, Result: out})
}
