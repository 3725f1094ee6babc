package marketotest

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxRESTBody is Marketo's documented payload limit, "1MB"; larger bodies
// get 413. Marketo does not say whether it means 1,000,000 or 1,048,576
// bytes: the sandbox takes the smaller, so a client that counts on the
// larger is caught here rather than by a live instance.
const maxRESTBody = 1_000_000

// maxRESTURI is Marketo's limit on a request's address: a GET whose URI
// exceeds 8 KB gets 414 (error-codes.md). Marketo's "total GET request"
// may count headers too; the sandbox counts only the URI, as sent in the
// request line, so a client must keep its own margin.
const maxRESTURI = 8192

// maxTokens bounds remembered tokens; an evicted expired token reads as
// invalid (601) instead of expired (602), which clients treat alike.
const maxTokens = 10000

type token struct {
	value   string
	client  string
	expires time.Time
}

// tokenStore issues OAuth access tokens. Like Marketo's identity service it
// hands back the same token, with its remaining lifetime, until it expires.
type tokenStore struct {
	mu      sync.Mutex
	current map[string]*token // client id -> live token
	all     map[string]*token // value -> token, expired ones included
	order   []string          // values, oldest first, for eviction
}

func newTokenStore() *tokenStore {
	return &tokenStore{current: map[string]*token{}, all: map[string]*token{}}
}

func (ts *tokenStore) issue(client string, now time.Time, ttl time.Duration) *token {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t := ts.current[client]; t != nil && now.Before(t.expires) {
		return t
	}
	var raw [16]byte
	rand.Read(raw[:]) //nolint:errcheck // crypto/rand.Read never fails
	h := hex.EncodeToString(raw[:])
	t := &token{value: h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:] + ":sb", client: client, expires: now.Add(ttl)}
	ts.current[client] = t
	ts.all[t.value] = t
	ts.order = append(ts.order, t.value)
	for len(ts.order) > maxTokens {
		delete(ts.all, ts.order[0])
		ts.order = ts.order[1:]
	}
	return t
}

// check returns 0 and the token's client id for a live token, else the
// REST error code.
func (ts *tokenStore) check(value string, now time.Time) (int, string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t := ts.all[value]
	switch {
	case t == nil:
		return 601, ""
	case !now.Before(t.expires):
		return 602, ""
	}
	return 0, t.client
}

// restError is one entry of a REST errors or reasons array.
type restError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type restResult struct {
	ID      int         `json:"id,omitempty"`
	Status  string      `json:"status"`
	Reasons []restError `json:"reasons,omitempty"`
}

type restEnvelope struct {
	RequestID string      `json:"requestId"`
	Success   bool        `json:"success"`
	Errors    []restError `json:"errors,omitempty"`
	Result    any         `json:"result,omitempty"`
	// Paged answers (Get Leads by Filter Type) only.
	MoreResult    bool   `json:"moreResult,omitempty"`
	NextPageToken string `json:"nextPageToken,omitempty"`
}

func (s *Server) requestID() string {
	var raw [6]byte
	rand.Read(raw[:]) //nolint:errcheck // crypto/rand.Read never fails
	return hex.EncodeToString(raw[:2]) + "#" + hex.EncodeToString(raw[2:])
}

func jsonReply(status int, v any) reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marketotest: encode JSON answer: %v", err)) // only fixed types are encoded
	}
	return reply{status: status, contentType: "application/json;charset=UTF-8", body: b}
}

// restFail is a response-level error: HTTP 200, success false, as Marketo
// does. Marketo does not count a 6xx or 7xx against the rate window or the
// quota (error-codes.md); other codes (1xxx) count.
func (s *Server) restFail(code int, message string) reply {
	s.rec.fault(strconv.Itoa(code))
	rep := jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Errors: []restError{{strconv.Itoa(code), message}}})
	rep.uncounted = code >= 600 && code < 800
	return rep
}

// serveToken is the identity endpoint. Marketo takes the parameters from
// the query string on GET and POST, and from a form body on POST.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "use GET or POST", http.StatusMethodNotAllowed)
		return
	}
	cfg, _ := s.snapshotConfig()
	s.rec.call("REST token")
	// The identity service is not a counted API call, so it bypasses the
	// concurrency limit too; injected trouble still applies.
	noLimit := cfg
	noLimit.MaxConcurrent = 0
	s.serveCall(w, r, noLimit, 64<<10, nil, nil, func() reply {
		if err := r.ParseForm(); err != nil {
			return jsonReply(http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Malformed request parameters"})
		}
		if gt := r.Form.Get("grant_type"); gt != "client_credentials" {
			s.rec.fault("token-400")
			return jsonReply(http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "Unsupported grant type: " + clip(gt)})
		}
		id, secret := r.Form.Get("client_id"), r.Form.Get("client_secret")
		if u, p, ok := r.BasicAuth(); ok && id == "" {
			id, secret = u, p
		}
		if id != cfg.ClientID || secret != cfg.ClientSecret || id == "" {
			s.rec.fault("token-401")
			return jsonReply(http.StatusUnauthorized, map[string]string{"error": "unauthorized", "error_description": "Bad client credentials"})
		}
		now := s.now()
		t := s.tokens.issue(id, now, cfg.TokenTTL)
		left := int(t.expires.Sub(now) / time.Second)
		return jsonReply(http.StatusOK, map[string]any{
			"access_token": t.value, "token_type": "bearer", "expires_in": left, "scope": "leadsheet-sandbox@example.com",
		})
	})
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	cfg, fs := s.snapshotConfig()
	var op string
	var handle func() reply
	switch r.URL.Path {
	case RESTPath + "/v1/leads.json":
		// One path, three calls: Sync Leads, Get Leads by Filter Type,
		// and the same Get as a POST for queries too long for a URL.
		switch {
		case r.Method == http.MethodGet && r.URL.Query().Has("filterType"):
			op = "getLeadsByFilter"
			handle = func() reply { return s.findLeadsREST(r, cfg, fs, r.URL.Query()) }
		case r.Method == http.MethodPost && r.URL.Query().Get("_method") == "GET":
			op = "getLeadsByFilter via POST"
			handle = func() reply { return s.findLeadsFormREST(r, cfg, fs) }
		case r.Method == http.MethodPost:
			op = "leads.json"
			handle = func() reply { return s.syncLeadsREST(r, cfg, fs) }
		default:
			op = "leads.json"
			handle = func() reply {
				return s.restFail(605, "HTTP Method not supported: Sync Leads is called with POST, Get Leads by Filter Type with GET and a filterType")
			}
		}
	case RESTPath + "/v1/leads/delete.json":
		op = "delete leads"
		handle = func() reply { return s.deleteLeadsREST(r, cfg) }
	case RESTPath + "/v1/leads/describe.json":
		op = "describe.json"
		handle = func() reply { return s.describeREST(fs) }
	case RESTPath + "/v1/leads/describe2.json":
		op = "describe2.json"
		handle = func() reply { return s.describe2REST(fs) }
	case RESTPath + "/v1/stats/usage.json":
		op = "usage.json"
		handle = func() reply { return s.usageREST(r, cfg) }
	default:
		var ok bool
		if op, handle, ok = s.catalogCall(r, cfg, fs); !ok {
			op = "unknown"
			handle = func() reply { return s.restFail(610, "Requested resource not found") }
		}
	}
	s.serveRESTCall(w, r, cfg, "REST "+op, maxRESTBody, handle)
}

// serveRESTCall runs one REST or Bulk API call (counted in Stats.Calls as
// op) through what every such call goes through: the concurrency limit,
// injected trouble, size limits, the bearer token, the rate window and the
// quota, then handle. A request body over maxBody bytes gets 413.
func (s *Server) serveRESTCall(w http.ResponseWriter, r *http.Request, cfg Config, op string, maxBody int, handle func() reply) {
	s.rec.call(op)
	refuse := func() reply { return s.restFail(615, "Concurrent access limit reached") }
	timeout := func() reply { return s.restFail(604, "Request time-out") }
	s.serveCall(w, r, cfg, int64(maxBody)+1, refuse, timeout, func() reply {
		if len(r.RequestURI) > maxRESTURI {
			s.rec.fault("http-414")
			return reply{status: http.StatusRequestURITooLong, contentType: "text/html",
				body: []byte("<html><head><title>414 Request-URI Too Long</title></head><body><h1>414 Request-URI Too Long</h1></body></html>\n")}
		}
		if rep, big := s.tooLarge(r, maxBody); big {
			return rep
		}
		code, user := s.checkBearer(r)
		if code != 0 {
			msg := map[int]string{601: "Access token invalid", 602: "Access token expired"}[code]
			return s.restFail(code, msg)
		}
		t, hit := s.lim.admit(s.now(), user, cfg)
		switch hit {
		case limitRate:
			return s.restFail(606, fmt.Sprintf("Max rate limit '%d' exceeded with in '%d' secs", cfg.RateLimit, int(cfg.RateWindow/time.Second)))
		case limitQuota:
			return s.restFail(607, "Daily quota reached")
		}
		rep := handle()
		s.lim.settle(t, !rep.uncounted)
		return rep
	})
}

// checkBearer accepts the token only from "Authorization: Bearer". Marketo
// removed the access_token query parameter on 2026-08-31, so a token there
// counts as no token at all (601). It returns the token's client id, the
// API user the call counts for.
func (s *Server) checkBearer(r *http.Request) (int, string) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return 601, ""
	}
	return s.tokens.check(strings.TrimSpace(h[len(prefix):]), s.now())
}

// usageData is usage.json's result, UsageData in the Swagger spec.
type usageData struct {
	Date  string      `json:"date"`
	Total int         `json:"total"`
	Users []userCount `json:"users"`
}

type userCount struct {
	UserID string `json:"userId"`
	Count  int    `json:"count"`
}

// usageREST answers Get Daily Usage: today's counted calls, this one
// included, by API user in name order.
func (s *Server) usageREST(r *http.Request, cfg Config) reply {
	if r.Method != http.MethodGet {
		return s.restFail(605, "HTTP Method not supported: Get Daily Usage is called with GET")
	}
	u := s.lim.usage(s.now(), cfg)
	out := usageData{Date: u.Date, Total: u.Total, Users: []userCount{}}
	for _, user := range slices.Sorted(maps.Keys(u.Users)) {
		out.Users = append(out.Users, userCount{user, u.Users[user]})
	}
	return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true, Result: []usageData{out}})
}

type syncLeadsRequest struct {
	Action        string            `json:"action"`
	LookupField   string            `json:"lookupField"`
	PartitionName string            `json:"partitionName"`
	Input         []json.RawMessage `json:"input"`
}

// tooLarge answers a body over limit bytes with 413 before anything else
// is looked at, as a front end enforcing a size limit does: such a call is
// not authenticated and not counted. It leaves the body for the handler.
func (s *Server) tooLarge(r *http.Request, limit int) (reply, bool) {
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var tooBig *http.MaxBytesError
	if len(body) <= limit && !errors.As(err, &tooBig) {
		if err != nil {
			r.Body = io.NopCloser(failingReader{err})
		}
		return reply{}, false
	}
	s.rec.fault("http-413")
	return reply{status: http.StatusRequestEntityTooLarge, contentType: "text/html",
		body: []byte("<html><head><title>413 Request Entity Too Large</title></head><body><h1>413 Request Entity Too Large</h1></body></html>\n")}, true
}

func (s *Server) syncLeadsREST(r *http.Request, cfg Config, fs *fieldSet) reply {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return s.restFail(611, "System error: could not read the request")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return s.restFail(612, "Invalid Content Type")
	}
	var req syncLeadsRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return s.restFail(609, "Invalid JSON")
	}
	if req.Action == "" {
		req.Action = "createOrUpdate"
	}
	switch req.Action {
	case "createOrUpdate", "createOnly", "updateOnly", "createDuplicate":
	default:
		return s.restFail(1003, fmt.Sprintf("Invalid action '%s'", clip(req.Action)))
	}
	if req.LookupField == "" {
		req.LookupField = "email"
	}
	lookup := fs.byREST[req.LookupField]
	switch {
	case lookup == nil:
		return s.restFail(1006, fmt.Sprintf("Field '%s' not found", clip(req.LookupField)))
	case !lookup.Searchable:
		return s.restFail(1011, fmt.Sprintf("Field '%s' not supported", req.LookupField))
	case lookup.RESTName == "id" && req.Action != "updateOnly":
		return s.restFail(1003, "Invalid data: lookupField 'id' is only allowed with action 'updateOnly'")
	}
	// leads.md: "The optional partitionName parameter works only when
	// action is createOnly or createOrUpdate".
	upsert := req.Action == "createOnly" || req.Action == "createOrUpdate"
	if req.PartitionName != "" && !upsert {
		return s.restFail(1003, fmt.Sprintf("Invalid data: partitionName is only allowed with action 'createOnly' or 'createOrUpdate', not '%s'", req.Action))
	}
	plan := s.planPartitions(cfg, req.PartitionName, upsert)
	if req.Input == nil {
		return s.restFail(701, "input cannot be blank")
	}
	if cfg.MaxBatch > 0 && len(req.Input) > cfg.MaxBatch {
		return s.restFail(1003, fmt.Sprintf("Batch size %d exceeds the maximum of %d", len(req.Input), cfg.MaxBatch))
	}

	now := s.now()
	results := make([]restResult, len(req.Input))
	created, updated, failed := 0, 0, 0
	// Only createOrUpdate races: Adobe's advice against the duplicates is
	// to use createOnly or updateOnly.
	race := time.Duration(0)
	if req.Action == "createOrUpdate" {
		race = cfg.UpsertRace
	}
	unseen, ok := s.store.lockForUpsert(r.Context(), race)
	if !ok {
		// Nobody reads this answer; like a call abandoned during the
		// latency wait, it is not counted as a fault, and as a 6xx it
		// does not count against the quota.
		rep := jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Errors: []restError{{"611", "System error: the client went away"}}})
		rep.uncounted = true
		return rep
	}
	for i, raw := range req.Input {
		results[i] = s.syncRecordREST(raw, req.Action, lookup, fs, now, unseen, plan)
		switch results[i].Status {
		case "created":
			created++
		case "updated":
			updated++
		default:
			failed++
		}
	}
	s.store.mu.Unlock()
	s.rec.outcomes(created, updated, failed)
	return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true, Result: results})
}

func skipped(code, message string) restResult {
	return restResult{Status: "skipped", Reasons: []restError{{code, message}}}
}

// invalidValue is how a live instance skips a record with a value that
// does not fit its field: this one sentence, whatever the type or the
// reason.
func invalidValue(field string) restResult {
	return skipped("1003", fmt.Sprintf("Invalid value for field '%s'", field))
}

// restValue turns one JSON member into the text the store keeps.
func restValue(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case 'n':
		return "", true
	case 't', 'f':
		return string(raw), true
	case '{', '[':
		return "", false
	}
	return string(raw), true // a number, as written
}

// syncRecordREST applies one input record; the caller holds the store lock.
// Leads in unseen are not matched (see [store.lockForUpsert]); plan says
// which partition new leads go to and which matched leads may be written
// (see [partitionPlan]).
func (s *Server) syncRecordREST(raw json.RawMessage, action string, lookup *FieldDef, fs *fieldSet, now time.Time, unseen idRange, plan partitionPlan) restResult {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return skipped("1003", "Invalid data: a record must be a JSON object")
	}
	var changes []fieldChange
	keyValue, hasKey := "", false
	for _, name := range slices.Sorted(maps.Keys(members)) {
		v := members[name]
		f := fs.byREST[name]
		if f == nil {
			return skipped("1006", fmt.Sprintf("Field '%s' not found", clip(name)))
		}
		text, ok := restValue(v)
		if !ok {
			return invalidValue(name)
		}
		if f.RESTName == "id" {
			if action != "updateOnly" {
				return skipped("1003", "Invalid data: id is only allowed with action 'updateOnly'")
			}
			if f == lookup {
				keyValue, hasKey = text, text != ""
			}
			continue
		}
		if !f.updateable() {
			return skipped("1003", fmt.Sprintf("Invalid data: field '%s' is read-only", name))
		}
		norm, reason := checkValue(f, text)
		if reason != "" {
			return invalidValue(name)
		}
		// The key is looked up as the store keeps it, so "007" finds an
		// integer 7.
		if f == lookup && action != "createDuplicate" {
			keyValue, hasKey = norm, norm != ""
		}
		changes = append(changes, fieldChange{f, norm})
	}

	st := s.store
	if action != "updateOnly" && plan.target < 0 {
		return skipped(plan.refuse.Code, plan.refuse.Message)
	}
	var matches []int
	if hasKey {
		matches = plan.candidates(st, unseen.without(st.findField(lookup, keyValue)))
	}
	var l *lead
	status := "updated"
	switch action {
	case "createOrUpdate", "updateOnly":
		if !hasKey {
			return skipped("1003", fmt.Sprintf("Invalid data: value for lookup field '%s' is missing", lookup.RESTName))
		}
		switch len(matches) {
		case 0:
			if action == "updateOnly" {
				return skipped("1004", "Lead not found")
			}
		case 1:
			if why, ok := s.refusal(plan, st, matches[0]); !ok {
				return skipped(why.Code, why.Message)
			}
			l = st.lead(matches[0])
		default:
			return skipped("1007", "Multiple leads match the lookup criteria")
		}
	case "createOnly":
		if len(matches) == 1 && plan.denied[st.partition(matches[0])] {
			why, _ := s.refusal(plan, st, matches[0])
			return skipped(why.Code, why.Message)
		}
		if len(matches) > 0 {
			return skipped("1005", "Lead already exists")
		}
	}
	if l == nil {
		l = st.create(now)
		st.setPartition(l.id, plan.target)
		status = "created"
	}
	values := changes[:0]
	for _, c := range changes {
		switch {
		case status == "updated" && c.f == lookup:
			// The key matched; its spelling on the lead stays as it was.
		case c.f.SOAPName == "Email":
			st.setEmail(l, c.value)
		default:
			values = append(values, c)
		}
	}
	st.setFields(l, values)
	if status == "updated" {
		// Any update, even one writing the values the lead has (see
		// doc.go); a new lead's creation stamped it already.
		st.touch(l, now)
	}
	return restResult{ID: l.id, Status: status}
}

// describe2Result is Describe Lead2's one result, LeadAttribute2 in the
// Swagger spec.
type describe2Result struct {
	Name             string           `json:"name"`
	SearchableFields [][]string       `json:"searchableFields"`
	Fields           []describe2Field `json:"fields"`
}

// describe2Field is LeadAttribute2Fields: length is optional there, and a
// live describe gives it only for string-like fields.
type describe2Field struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	DataType    string `json:"dataType"`
	Length      int    `json:"length,omitempty"`
	Updateable  bool   `json:"updateable"`
	CRMManaged  bool   `json:"crmManaged"`
}

// describe2REST answers Describe Lead2. Each searchable field is a key of
// its own; Marketo's compound keys (several names in one entry) belong to
// objects the sandbox does not have.
func (s *Server) describe2REST(fs *fieldSet) reply {
	out := describe2Result{Name: "API Lead", SearchableFields: [][]string{}, Fields: make([]describe2Field, len(fs.list))}
	for i, f := range fs.list {
		out.Fields[i] = describe2Field{
			Name: f.RESTName, DisplayName: f.DisplayName, DataType: f.DataType, Length: f.Length,
			Updateable: f.updateable(), CRMManaged: f.CRMManaged,
		}
		if f.Searchable {
			out.SearchableFields = append(out.SearchableFields, []string{f.RESTName})
		}
	}
	return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true, Result: []describe2Result{out}})
}

type describeField struct {
	ID          int          `json:"id"`
	DisplayName string       `json:"displayName"`
	DataType    string       `json:"dataType"`
	Length      int          `json:"length,omitempty"`
	REST        describeName `json:"rest"`
	SOAP        describeName `json:"soap"`
}

type describeName struct {
	Name     string `json:"name"`
	ReadOnly bool   `json:"readOnly"`
}

func (s *Server) describeREST(fs *fieldSet) reply {
	out := make([]describeField, len(fs.list))
	for i, f := range fs.list {
		out[i] = describeField{
			ID: i + 1, DisplayName: f.DisplayName, DataType: f.DataType, Length: f.Length,
			REST: describeName{f.RESTName, f.ReadOnly}, SOAP: describeName{f.SOAPName, f.ReadOnly},
		}
	}
	return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true, Result: out})
}

// Get Leads by Filter Type limits, as leads.md documents them: "up to 300
// comma-separated values", more than 1,000 matches is "1003, Too many
// results match the filter", and pages of at most (and by default) 300.
const (
	maxFilterValues  = 300
	maxFilterMatches = 1000
	maxFindBatch     = 300
)

// defaultFindFields are the fields an answer carries when the call names
// none (leads.md).
var defaultFindFields = []string{"id", "email", "updatedAt", "createdAt", "firstName", "lastName"}

// findLeadsFormREST is Get Leads by Filter Type sent as POST with
// _method=GET: the query string travels as a form body, the only place the
// sandbox reads it from, since that is where Marketo says to put it.
func (s *Server) findLeadsFormREST(r *http.Request, cfg Config, fs *fieldSet) reply {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return s.restFail(612, "Invalid Content Type")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return s.restFail(611, "System error: could not read the request")
	}
	q, err := url.ParseQuery(string(body))
	if err != nil {
		return s.restFail(1003, "Invalid data: the form body is not URL-encoded")
	}
	return s.findLeadsREST(r, cfg, fs, q)
}

// findLeadsREST answers Get Leads by Filter Type from the query q. Leads
// come back by ascending id, and a page token holds the last id given, so
// leads deleted between pages shift no one past a page boundary.
func (s *Server) findLeadsREST(r *http.Request, cfg Config, fs *fieldSet, q url.Values) reply {
	filterType := q.Get("filterType")
	if filterType == "" {
		return s.restFail(1002, "Missing value for the required parameter 'filterType'")
	}
	by := fs.byREST[filterType]
	switch {
	case by == nil:
		return s.restFail(1003, fmt.Sprintf("Invalid filterType '%s'", clip(filterType)))
	case !by.Searchable:
		return s.restFail(1011, fmt.Sprintf("Field '%s' not supported", filterType))
	}
	values := splitList(q["filterValues"])
	switch {
	case len(values) == 0:
		return s.restFail(1002, "Missing value for the required parameter 'filterValues'")
	case len(values) > maxFilterValues:
		return s.restFail(1003, fmt.Sprintf("Invalid data: %d filterValues, at most %d are allowed", len(values), maxFilterValues))
	}
	names := splitList(q["fields"])
	if len(names) == 0 {
		names = defaultFindFields
	}
	want := make([]*FieldDef, len(names))
	for i, n := range names {
		if want[i] = fs.byREST[n]; want[i] == nil {
			return s.restFail(1006, fmt.Sprintf("Field '%s' not found", clip(n)))
		}
	}
	batch := maxFindBatch
	if b := q.Get("batchSize"); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil || n < 1 || n > maxFindBatch {
			return s.restFail(1003, fmt.Sprintf("Invalid data: batchSize '%s', 1 to %d expected", clip(b), maxFindBatch))
		}
		batch = n
	}
	key := filterType + "\x00" + strings.Join(values, ",")
	after := 0
	if tok := q.Get("nextPageToken"); tok != "" {
		var ok bool
		if after, ok = readPageToken(tok, key); !ok {
			return s.restFail(1003, "Invalid data: nextPageToken does not belong to this filter")
		}
	}

	denied := s.deniedPartitions(cfg)
	st := s.store
	st.mu.Lock()
	seen := map[int]bool{}
	var ids []int
	for _, v := range values {
		// Compare as the store keeps values, so 007 finds an integer 7.
		if norm, reason := checkValue(by, v); reason == "" {
			v = norm
		}
		for _, id := range st.findField(by, v) {
			// The API user sees no lead of a partition it may not access.
			if !seen[id] && visible(st, denied, id) {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(ids) > maxFilterMatches {
		st.mu.Unlock()
		return s.restFail(1003, "Too many results match the filter")
	}
	slices.Sort(ids)
	start, _ := slices.BinarySearch(ids, after+1)
	rest := ids[start:]
	page := rest[:min(batch, len(rest))]
	records := make([]map[string]any, len(page))
	for i, id := range page {
		l := st.lead(id)
		// Marketo always answers with the id, asked for or not (as a
		// recording in node-marketo-rest's fixtures shows).
		rec := make(map[string]any, len(want)+1)
		rec["id"] = l.id
		for _, f := range want {
			rec[f.RESTName] = findValue(st, l, f)
		}
		records[i] = rec
	}
	st.mu.Unlock()
	env := restEnvelope{RequestID: s.requestID(), Success: true, Result: records}
	if len(page) < len(rest) {
		env.MoreResult, env.NextPageToken = true, pageToken(page[len(page)-1], key)
	}
	return jsonReply(http.StatusOK, env)
}

// splitList reads a comma-separated parameter, given once or repeated;
// empty items are dropped, as they could match nothing.
func splitList(params []string) []string {
	var out []string
	for _, p := range params {
		for _, v := range strings.Split(p, ",") {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// findValue is l's value as Marketo types it in JSON; null for a field
// the lead has no value in.
func findValue(st *store, l *lead, f *FieldDef) any {
	switch f.SOAPName {
	case "Id":
		return l.id
	case "Email":
		if l.email == "" {
			return nil
		}
		return l.email
	case "CreatedAt":
		return time.Unix(0, l.created).UTC().Format("2006-01-02T15:04:05Z")
	case "UpdatedAt":
		return time.Unix(0, l.updated).UTC().Format("2006-01-02T15:04:05Z")
	case "LeadPartitionId":
		return st.partition(l.id) + 1
	}
	v, ok := st.value(l, f.SOAPName)
	switch {
	case f.DataType == TypeBoolean:
		// A live instance answered false, not null, for a boolean never
		// set and for one cleared with null.
		return v == "true"
	case !ok:
		return nil
	case f.DataType == TypeInteger || f.DataType == TypeFloat || f.DataType == TypeCurrency ||
		f.DataType == TypePercent || f.DataType == TypeScore:
		return json.Number(v) // checkValue normalised it to a JSON number
	}
	return v
}

// pageToken encodes where the next page starts and which filter it
// belongs to, in the base32 look of Marketo's tokens.
func pageToken(offset int, key string) string {
	return base32.StdEncoding.EncodeToString(fmt.Appendf(nil, "%d:%x", offset, filterHash(key)))
}

func readPageToken(tok, key string) (int, bool) {
	raw, err := base32.StdEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	off, hash, ok := strings.Cut(string(raw), ":")
	n, err := strconv.Atoi(off)
	if !ok || err != nil || n < 0 || hash != fmt.Sprintf("%x", filterHash(key)) {
		return 0, false
	}
	return n, true
}

func filterHash(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key)) //nolint:errcheck // hash writes never fail
	return h.Sum64()
}
