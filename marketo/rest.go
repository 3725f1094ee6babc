package marketo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// RESTCredentials are what Marketo's Admin pages show for the REST API: the
// endpoint and identity URLs (Web Services) and a custom service's client ID
// and secret (LaunchPoint). ClientSecret is a secret.
type RESTCredentials struct {
	BaseURL      string // e.g. https://123-ABC-456.mktorest.com/rest
	IdentityURL  string // e.g. https://123-ABC-456.mktorest.com/identity; empty: derived from BaseURL
	ClientID     string
	ClientSecret string
}

// String hides the client secret.
func (c RESTCredentials) String() string {
	return fmt.Sprintf("REST %s as client %s (secret %s)", c.BaseURL, c.ClientID, maskSecret(c.ClientSecret))
}

// GoString hides the client secret from %#v as well.
func (c RESTCredentials) GoString() string { return c.String() }

// RESTOptions tunes a [RESTClient].
type RESTOptions struct {
	// HTTPClient is used for every call; nil means [NewHTTPClient].
	HTTPClient *http.Client
	// ForeignSysPersonIDField is the REST name of the custom lead field that
	// stands in for SOAP's ForeignSysPersonId (Marketo's migration advice).
	// Leads keyed by ForeignSysPersonId are matched on it; empty means such
	// leads cannot be sent over REST.
	ForeignSysPersonIDField string
}

// Errors about leads a REST call cannot take as given.
var (
	// ErrMixedKeys: one REST call matches every lead on the same field, so
	// callers group leads by [Lead.Key] and send each group separately.
	ErrMixedKeys = errors.New("leads with different keys cannot share one REST call")
	// ErrNoKey: a lead has no Marketo Id, ForeignSysPersonId or Email.
	ErrNoKey = errors.New("lead has no key Marketo can match on")
	// ErrNoForeignKeyField: leads keyed by ForeignSysPersonId need
	// RESTOptions.ForeignSysPersonIDField.
	ErrNoForeignKeyField = errors.New("no custom field is set up to stand in for ForeignSysPersonId")
	// ErrModeNotPossible: a [SyncMode] that cannot apply to these leads
	// (create only with dedup off, or for leads keyed by Marketo Id).
	ErrModeNotPossible = errors.New("this sync mode cannot be used here")
)

// REST Sync Leads actions.
const (
	ActionCreateOrUpdate  = "createOrUpdate"
	ActionCreateOnly      = "createOnly"
	ActionUpdateOnly      = "updateOnly"
	ActionCreateDuplicate = "createDuplicate"
)

// RESTClient calls Marketo's REST API: Sync Leads (POST
// /rest/v1/leads.json), Get Leads by Filter Type, Describe Lead2, Get Daily
// Usage and the Bulk Import API for leads. It fetches OAuth2 access tokens
// with the client credentials grant, caches one until shortly before it
// expires, and sends it only in the Authorization header. It is safe for
// concurrent use; concurrent calls share one token refresh.
type RESTClient struct {
	leadsURL    string
	describeURL string
	usageURL    string
	tokenURL    string
	clientID    string
	secret      string
	fspiField   string
	hc          *http.Client
	now         func() time.Time

	// Bulk Import: bulkBatchURL ends in "/batch/", before the batchId.
	bulkImportURL string
	bulkBatchURL  string
	// restBase is the base URL without a trailing slash, for the calls on
	// lists, programs and partitions (targets.go).
	restBase string

	mu      sync.Mutex
	token   string
	expires time.Time
	pending *tokenCall
}

type tokenCall struct {
	done  chan struct{}
	token string
	err   error
}

// NewRESTClient checks the credentials and returns a client. Addresses must
// be HTTPS unless they are this computer (the sandbox). When IdentityURL is
// empty it is derived from BaseURL ("…/rest" becomes "…/identity"), which is
// how Marketo lays the two out.
func NewRESTClient(cred RESTCredentials, opts RESTOptions) (*RESTClient, error) {
	base, err := parseEndpoint("REST endpoint", cred.BaseURL)
	if err != nil {
		return nil, err
	}
	identity := strings.TrimSpace(cred.IdentityURL)
	if identity == "" {
		p := strings.TrimRight(base.Path, "/")
		if !strings.HasSuffix(p, "/rest") {
			return nil, errors.New("the REST identity URL is empty: copy it from Marketo (Admin > Integration > Web Services)")
		}
		u := *base
		u.Path = strings.TrimSuffix(p, "/rest") + "/identity"
		identity = u.String()
	}
	id, err := parseEndpoint("REST identity URL", identity)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cred.ClientID) == "" {
		return nil, errors.New("the REST client ID is empty: copy it from Marketo (Admin > Integration > LaunchPoint > View Details)")
	}
	if cred.ClientSecret == "" {
		return nil, errors.New("the REST client secret is empty: copy it from Marketo (Admin > Integration > LaunchPoint > View Details)")
	}
	hc, err := checkHTTPClient(opts.HTTPClient)
	if err != nil {
		return nil, err
	}
	return &RESTClient{
		leadsURL:    joinURL(base, "/v1/leads.json"),
		describeURL: joinURL(base, "/v1/leads/describe2.json"),
		usageURL:    joinURL(base, "/v1/stats/usage.json"),
		tokenURL:    joinURL(id, "/oauth/token"),
		clientID:    strings.TrimSpace(cred.ClientID),
		secret:      cred.ClientSecret,
		fspiField:   strings.TrimSpace(opts.ForeignSysPersonIDField),
		hc:          hc,
		now:         time.Now,

		bulkImportURL: joinURL(bulkBase(base), "/v1/leads.json"),
		bulkBatchURL:  joinURL(bulkBase(base), "/v1/leads/batch/"),
		restBase:      joinURL(base, ""),
	}, nil
}

// syncPlan is how one batch goes over REST.
type syncPlan struct {
	action      string
	lookupField string // empty: not sent
	key         KeyKind
}

// plan chooses action and lookupField from the leads' common key:
//   - Email: createOrUpdate on email (dedup on), createDuplicate (dedup off).
//   - ForeignSysPersonId: the same, on the configured custom field.
//   - Marketo Id: updateOnly on id whatever dedup says. Marketo accepts id
//     only with updateOnly, and a lead id always names an existing lead, so
//     there is nothing to create; an unknown id comes back as skipped (1004),
//     as SOAP reports it FAILED.
func (c *RESTClient) plan(leads []Lead, dedup bool, mode SyncMode) (syncPlan, error) {
	key := leads[0].Key()
	for i := range leads {
		k := leads[i].Key()
		if k == KeyNone {
			return syncPlan{}, fmt.Errorf("lead %d: %w (Marketo Id, ForeignSysPersonId or Email)", i+1, ErrNoKey)
		}
		if k != key {
			return syncPlan{}, fmt.Errorf("lead 1 is matched on %s but lead %d on %s: %w; send each key kind in its own call (group by Lead.Key)",
				key, i+1, k, ErrMixedKeys)
		}
	}
	if mode != CreateOrUpdate && !dedup {
		return syncPlan{}, fmt.Errorf("%w: %s needs dedup on", ErrModeNotPossible, mode)
	}
	action := ActionCreateOrUpdate
	switch mode {
	case CreateOnly:
		action = ActionCreateOnly
	case UpdateOnly:
		action = ActionUpdateOnly
	}
	switch key {
	case KeyID:
		if mode == CreateOnly {
			return syncPlan{}, fmt.Errorf("%w: a Marketo Id names a lead that exists, so there is nothing to create", ErrModeNotPossible)
		}
		return syncPlan{action: ActionUpdateOnly, lookupField: "id", key: key}, nil
	case KeyForeignSysPersonID:
		if c.fspiField == "" {
			return syncPlan{}, fmt.Errorf("%w: choose the Marketo field that holds ForeignSysPersonId values in the account settings", ErrNoForeignKeyField)
		}
		if !dedup {
			return syncPlan{action: ActionCreateDuplicate, key: key}, nil
		}
		return syncPlan{action: action, lookupField: c.fspiField, key: key}, nil
	default:
		if !dedup {
			return syncPlan{action: ActionCreateDuplicate, key: key}, nil
		}
		return syncPlan{action: action, lookupField: "email", key: key}, nil
	}
}

// SyncLeads sends leads of one key kind (see [Lead.Key]) in one Sync Leads
// call and returns a status per lead in input order: created and updated
// records with their lead id, skipped records as Failed with Marketo's
// reasons ("1004: Lead not found"). Leads of different key kinds return
// [ErrMixedKeys] without a call. A lead keyed by Id does not send its Email
// (as over SOAP, where Email changes only when sent as an attribute);
// ForeignSysType has no REST counterpart and is not sent.
func (c *RESTClient) SyncLeads(ctx context.Context, leads []Lead, dedup bool) ([]SyncStatus, error) {
	return c.syncLeads(ctx, leads, dedup, CreateOrUpdate, "")
}

// SyncLeadsMode is [RESTClient.SyncLeads] with dedup on and the action of
// mode: createOnly leaves matching leads alone, updateOnly creates nobody.
func (c *RESTClient) SyncLeadsMode(ctx context.Context, leads []Lead, mode SyncMode) ([]SyncStatus, error) {
	return c.syncLeads(ctx, leads, true, mode, "")
}

// SyncLeadsInto is [RESTClient.SyncLeadsMode] creating new leads in the
// lead partition named partition. Marketo takes a partition only with
// createOnly and createOrUpdate; leads keyed by Id are updated where they
// are, without one (an Id names a lead that exists, in its partition).
func (c *RESTClient) SyncLeadsInto(ctx context.Context, leads []Lead, mode SyncMode, partition string) ([]SyncStatus, error) {
	if mode == UpdateOnly && partition != "" {
		return nil, fmt.Errorf("Marketo REST Sync Leads: %w: a partition says where new leads go, and update only creates none", ErrModeNotPossible)
	}
	return c.syncLeads(ctx, leads, true, mode, partition)
}

func (c *RESTClient) syncLeads(ctx context.Context, leads []Lead, dedup bool, mode SyncMode, partition string) ([]SyncStatus, error) {
	const op = "Marketo REST Sync Leads"
	if len(leads) == 0 {
		return nil, nil
	}
	if len(leads) > MaxBatch {
		return nil, fmt.Errorf("%s: %d leads in one call; Marketo takes at most %d", op, len(leads), MaxBatch)
	}
	p, err := c.plan(leads, dedup, mode)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if p.action == ActionUpdateOnly {
		partition = ""
	}
	body := c.appendSyncBody(make([]byte, 0, restRequestSize(leads, c.fspiField)), p, partition, leads)
	r, err := callREST[restRecord](ctx, c, op, http.MethodPost, c.leadsURL, body, "application/json")
	if err != nil {
		return nil, err
	}
	if len(r.Result) != len(leads) {
		return nil, fmt.Errorf("%s: Marketo answered with %d results for %d leads: %w", op, len(r.Result), len(leads), ErrMismatchedAnswer)
	}
	out := make([]SyncStatus, len(leads))
	for i, rec := range r.Result {
		st := SyncStatus{LeadID: rec.ID}
		switch strings.ToLower(rec.Status) {
		case "created":
			st.Status = Created
		case "updated":
			st.Status = Updated
		case "skipped":
			st.Status = Failed
			st.Error = reasonText(rec.Reasons)
			if len(rec.Reasons) > 0 {
				st.Code = string(rec.Reasons[0].Code)
			}
		default:
			return nil, fmt.Errorf("%s: result %d has status %q: %w", op, i+1, rec.Status, ErrMismatchedAnswer)
		}
		out[i] = st
	}
	return out, nil
}

func reasonText(rs []restError) string {
	if len(rs) == 0 {
		return "Marketo skipped this lead without giving a reason"
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = string(r.Code) + ": " + r.Message
	}
	return strings.Join(parts, "; ")
}

// appendSyncBody writes the Sync Leads JSON. Each record carries the lookup
// field first, then its attributes; a partition, when given, names where
// new leads go. When an attribute repeats a name the
// last value wins, and an attribute never overrides the lookup key (JSON
// keys must be unique per record).
func (c *RESTClient) appendSyncBody(dst []byte, p syncPlan, partition string, leads []Lead) []byte {
	dst = append(dst, `{"action":`...)
	dst = appendJSONString(dst, p.action)
	if p.lookupField != "" {
		dst = append(dst, `,"lookupField":`...)
		dst = appendJSONString(dst, p.lookupField)
	}
	if partition != "" {
		dst = append(dst, `,"partitionName":`...)
		dst = appendJSONString(dst, partition)
	}
	dst = append(dst, `,"input":[`...)
	var written []string
	for i := range leads {
		l := &leads[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		written = written[:0]
		field := func(name string) bool {
			for _, w := range written {
				if w == name {
					return false
				}
			}
			if len(written) > 0 {
				dst = append(dst, ',')
			}
			written = append(written, name)
			dst = appendJSONString(dst, name)
			dst = append(dst, ':')
			return true
		}
		switch p.key {
		case KeyID:
			field("id")
			dst = strconv.AppendInt(dst, int64(l.ID), 10)
		case KeyForeignSysPersonID:
			field(c.fspiField)
			dst = appendJSONString(dst, l.ForeignSysPersonID)
			if l.Email != "" {
				field("email")
				dst = appendJSONString(dst, l.Email)
			}
		default:
			field("email")
			dst = appendJSONString(dst, l.Email)
		}
		for j, a := range l.Attributes {
			if a.Name == "" || repeatedLater(l.Attributes[j+1:], a.Name) {
				continue
			}
			if !field(a.Name) {
				continue
			}
			if a.Clear {
				dst = append(dst, "null"...)
			} else {
				dst = appendJSONString(dst, a.Value)
			}
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// restRequestSize estimates the Sync Leads body so it is allocated once.
func restRequestSize(leads []Lead, fspiField string) int {
	n := 96
	for i := range leads {
		l := &leads[i]
		n += 40 + len(l.Email) + len(l.ForeignSysPersonID) + len(fspiField)
		for _, a := range l.Attributes {
			n += 8 + len(a.Name) + len(a.Value) + len(a.Value)/8
		}
	}
	return n
}

func repeatedLater(as []Attribute, name string) bool {
	for _, a := range as {
		if a.Name == name {
			return true
		}
	}
	return false
}

// LeadFields lists the lead fields open to the REST API with Describe Lead2
// (describe2.json; describe.json is superseded), by REST name
// ("firstName"). A field Marketo does not let an API user write
// (updateable false) is ReadOnly; Searchable fields can be a lookup field.
func (c *RESTClient) LeadFields(ctx context.Context) ([]Field, error) {
	const op = "Marketo REST Describe Lead2"
	r, err := callREST[restDescribe2](ctx, c, op, http.MethodGet, c.describeURL, nil, "")
	if err != nil {
		return nil, err
	}
	if len(r.Result) != 1 {
		return nil, fmt.Errorf("%s: Marketo answered with %d descriptions instead of 1: %w", op, len(r.Result), ErrMismatchedAnswer)
	}
	d := r.Result[0]
	searchable := make(map[string]bool, len(d.SearchableFields))
	for _, key := range d.SearchableFields {
		if len(key) == 1 { // compound keys cannot be one lookup field
			searchable[strings.ToLower(key[0])] = true
		}
	}
	out := make([]Field, 0, len(d.Fields))
	for _, f := range d.Fields {
		if f.Name == "" {
			continue
		}
		fl := Field{Name: f.Name, DisplayName: f.DisplayName, Type: f.DataType, Length: f.Length,
			ReadOnly: !f.Updateable, CRMManaged: f.CRMManaged, Searchable: searchable[strings.ToLower(f.Name)]}
		if fl.DisplayName == "" {
			fl.DisplayName = fl.Name
		}
		out = append(out, fl)
	}
	return out, nil
}

// findMaxURL is the longest Get Leads by Filter Type address sent as a GET.
// Marketo answers 414 when "the total GET request exceeds 8KB"; the request
// line's method and version and the headers (Host, the token, User-Agent)
// share that budget, so 1 KB of it is left to them.
const findMaxURL = 8192 - 1024

// findMaxMatches is the most leads one filter can return: Marketo refuses a
// filter matching more with 1003, so an answer adding up to more is broken.
const findMaxMatches = 1000

// findBaseFields are asked for on every lookup to fill [FoundLead].
var findBaseFields = []string{"id", "email", "createdAt", "updatedAt"}

// FindLeads runs Get Leads by Filter Type: the leads whose field equals one
// of values (see [LeadFinder]). Values are checked before any call, since
// Marketo reads filterValues as one comma-separated list and a comma or an
// empty value would silently look up something else. It follows Marketo's
// paging until every page is read.
func (c *RESTClient) FindLeads(ctx context.Context, field string, values []string, fields []string) ([]FoundLead, error) {
	const op = "Marketo REST Get Leads by Filter Type"
	if err := checkFind(field, values, fields); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	params := url.Values{
		"filterType":   {field},
		"filterValues": {strings.Join(values, ",")},
		"fields":       {strings.Join(findFieldList(fields), ",")},
	}
	var out []FoundLead
	for {
		r, err := c.findPage(ctx, op, params)
		if err != nil {
			return nil, err
		}
		for _, rec := range r.Result {
			l, err := foundLead(rec, fields)
			if err != nil {
				return nil, fmt.Errorf("%s: lead %d of the answer: %w", op, len(out)+1, err)
			}
			out = append(out, l)
		}
		if len(out) > findMaxMatches {
			return nil, fmt.Errorf("%s: Marketo returned more than %d leads for one filter: %w", op, findMaxMatches, ErrMismatchedAnswer)
		}
		// Marketo's docs name both nextPageToken and moreResult without
		// saying which one ends a lookup. Following any token until a page
		// comes back empty costs at most one call and never drops leads,
		// which would make the caller create them twice.
		switch {
		case r.NextPageToken == "" && r.MoreResult:
			return nil, fmt.Errorf("%s: Marketo says more leads follow but gave no nextPageToken: %w", op, ErrMismatchedAnswer)
		case r.NextPageToken == "" || len(r.Result) == 0:
			return out, nil
		}
		params.Set("nextPageToken", r.NextPageToken)
	}
}

// findPage fetches one page: a GET while the address fits Marketo's limit,
// else the POST with _method=GET and the query as a form body that Marketo
// prescribes in place of a GET it would answer with 414.
func (c *RESTClient) findPage(ctx context.Context, op string, params url.Values) (*restResponse[map[string]json.RawMessage], error) {
	q := params.Encode()
	if u := c.leadsURL + "?" + q; len(u) <= findMaxURL {
		return callREST[map[string]json.RawMessage](ctx, c, op, http.MethodGet, u, nil, "")
	}
	return callREST[map[string]json.RawMessage](ctx, c, op, http.MethodPost, c.leadsURL+"?_method=GET", []byte(q), "application/x-www-form-urlencoded")
}

func checkFind(field string, values, fields []string) error {
	switch {
	case field == "" || strings.Contains(field, ","):
		return fmt.Errorf("%q is not a field name to look leads up by", field)
	case len(values) == 0:
		return errors.New("no values to look up")
	case len(values) > MaxFindValues:
		return fmt.Errorf("%d values in one call; Marketo takes at most %d", len(values), MaxFindValues)
	}
	for i, v := range values {
		if v == "" {
			return fmt.Errorf("value %d is empty; Marketo cannot look up an empty value", i+1)
		}
		if strings.Contains(v, ",") {
			return fmt.Errorf("value %d (%q) contains a comma, which Marketo takes for a separator; it cannot be looked up", i+1, v)
		}
	}
	for _, f := range fields {
		if f == "" || strings.Contains(f, ",") {
			return fmt.Errorf("%q is not a field name to return", f)
		}
	}
	return nil
}

// findFieldList is the fields parameter: the base fields, then the extra
// ones not already among them.
func findFieldList(extra []string) []string {
	out := slices.Clone(findBaseFields)
	for _, f := range extra {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// foundLead reads one record of a Get Leads answer.
func foundLead(rec map[string]json.RawMessage, extra []string) (FoundLead, error) {
	var l FoundLead
	if err := json.Unmarshal(rec["id"], &l.ID); err != nil || l.ID <= 0 {
		return FoundLead{}, fmt.Errorf("no valid lead id (%s): %w", rec["id"], ErrMismatchedAnswer)
	}
	if email, ok := fieldText(rec["email"]); ok {
		l.Email = email
	}
	for _, ts := range []struct {
		name string
		dst  *time.Time
	}{{"createdAt", &l.CreatedAt}, {"updatedAt", &l.UpdatedAt}} {
		text, ok := fieldText(rec[ts.name])
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339, text)
		if err != nil {
			return FoundLead{}, fmt.Errorf("lead %d: %s %q is not an RFC 3339 time: %w", l.ID, ts.name, text, ErrMismatchedAnswer)
		}
		*ts.dst = t
	}
	if len(extra) > 0 {
		l.Fields = make(map[string]string, len(extra))
		for _, name := range extra {
			if text, ok := fieldText(rec[name]); ok {
				l.Fields[name] = text
			}
		}
	}
	return l, nil
}

// fieldText is a field value as text: strings unquoted, numbers and
// booleans as Marketo wrote them, anything else as its JSON. It reports
// false for a missing or null value.
func fieldText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	return string(raw), true
}

// restResponse is the envelope of every REST answer.
type restResponse[T any] struct {
	RequestID string      `json:"requestId"`
	Success   bool        `json:"success"`
	Errors    []restError `json:"errors"`
	Result    []T         `json:"result"`
	// Paged reads (Get Leads by Filter Type) say whether more follows.
	MoreResult    bool   `json:"moreResult"`
	NextPageToken string `json:"nextPageToken"`
}

type restError struct {
	Code    flexCode `json:"code"`
	Message string   `json:"message"`
}

// flexCode reads an error code sent as a quoted integer (as documented) or
// as a bare number.
type flexCode string

func (f *flexCode) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexCode(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("error code %s is neither text nor a number", b)
	}
	*f = flexCode(n.String())
	return nil
}

type restRecord struct {
	ID      int         `json:"id"`
	Status  string      `json:"status"`
	Reasons []restError `json:"reasons"`
}

// restDescribe2 is one result of Describe Lead2 (LeadAttribute2 in the
// Swagger spec).
type restDescribe2 struct {
	SearchableFields [][]string `json:"searchableFields"`
	Fields           []struct {
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
		DataType    string `json:"dataType"`
		Length      int    `json:"length"`
		Updateable  bool   `json:"updateable"`
		CRMManaged  bool   `json:"crmManaged"`
	} `json:"fields"`
}

// callREST runs one API call with a cached token. If Marketo says the token
// is invalid or expired (601, 602), it drops that token, fetches a new one
// and tries once more. Each attempt decodes into a fresh answer.
func callREST[T any](ctx context.Context, c *RESTClient, op, method, endpoint string, body []byte, contentType string) (*restResponse[T], error) {
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		r := new(restResponse[T])
		err = c.send(ctx, op, method, endpoint, body, contentType, tok, r)
		var me *Error
		if attempt == 0 && errors.As(err, &me) && (me.Code == "601" || me.Code == "602") {
			c.dropToken(tok)
			continue
		}
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}

func (r *restResponse[T]) apiErr(status int) *Error {
	if r.Success {
		return nil
	}
	if len(r.Errors) == 0 {
		return &Error{API: REST, Message: "Marketo reported a failure without saying why", HTTPStatus: status}
	}
	e := &Error{API: REST, Code: string(r.Errors[0].Code), Message: r.Errors[0].Message, HTTPStatus: status}
	for _, x := range r.Errors[1:] {
		e.Message += "; " + string(x.Code) + ": " + x.Message
	}
	return e
}

// send makes one HTTP exchange and decodes the JSON answer into out.
func (c *RESTClient) send(ctx context.Context, op, method, endpoint string, body []byte, contentType, tok string, out interface{ apiErr(int) *Error }) error {
	var rd io.Reader // stays a nil interface for GET
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, rd)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("User-Agent", userAgent)
	return c.exchange(ctx, op, req, out)
}

// exchange sends req and decodes a JSON answer into out, sorting failures
// into Marketo errors and transport errors.
func (c *RESTClient) exchange(ctx context.Context, op string, req *http.Request, out interface{ apiErr(int) *Error }) error {
	resp, wrote, err := sendTracked(c.hc, req)
	if err != nil {
		return doErr(ctx, op, wrote, err)
	}
	buf := getBuf()
	defer putBuf(buf)
	if err := readBody(resp, buf, op); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%s: stopped: %w", op, ctxErr)
		}
		return err
	}
	switch resp.StatusCode {
	case http.StatusRequestEntityTooLarge:
		return &Error{API: REST, Code: "413", Message: "the request is larger than Marketo accepts (1 MB); send fewer leads or shorter values per call", HTTPStatus: resp.StatusCode}
	case http.StatusRequestURITooLong:
		return &Error{API: REST, Code: "414", Message: "the request address is longer than Marketo accepts (8 KB)", HTTPStatus: resp.StatusCode}
	}
	data := buf.Bytes()
	if err := json.Unmarshal(data, out); err != nil {
		if resp.StatusCode >= 400 && resp.StatusCode < 500 && !looksLikeHTML(resp.Header.Get("Content-Type"), data) {
			return &Error{API: REST, Code: strconv.Itoa(resp.StatusCode),
				Message: fmt.Sprintf("Marketo refused the request (HTTP %d %s)", resp.StatusCode, http.StatusText(resp.StatusCode)), HTTPStatus: resp.StatusCode}
		}
		if len(bytes.TrimSpace(data)) == 0 || looksLikeHTML(resp.Header.Get("Content-Type"), data) || (len(data) > 0 && data[0] == '<') {
			return nonAPIAnswer(op, resp, data, "a JSON answer")
		}
		return &TransportError{Op: op, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("Marketo's answer is cut off or not valid JSON: %w", err)}
	}
	if me := out.apiErr(resp.StatusCode); me != nil {
		return me
	}
	if resp.StatusCode != http.StatusOK {
		return &TransportError{Op: op, HTTPStatus: resp.StatusCode, Err: errors.New("Marketo answered with an unexpected HTTP status")}
	}
	return nil
}

// accessToken returns a cached token or waits for a refresh. One refresh
// runs at a time however many calls need it; it is not tied to any single
// caller's context, so one caller giving up does not fail the others.
func (c *RESTClient) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.token != "" && c.now().Before(c.expires) {
		t := c.token
		c.mu.Unlock()
		return t, nil
	}
	call := c.pending
	if call == nil {
		call = &tokenCall{done: make(chan struct{})}
		c.pending = call
		go c.refresh(context.WithoutCancel(ctx), call)
	}
	c.mu.Unlock()
	select {
	case <-call.done:
		return call.token, call.err
	case <-ctx.Done():
		return "", fmt.Errorf("Marketo REST access token: stopped: %w", ctx.Err())
	}
}

func (c *RESTClient) refresh(ctx context.Context, call *tokenCall) {
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	start := c.now()
	tok, ttl, err := c.fetchToken(ctx)
	c.mu.Lock()
	if err == nil {
		c.token = tok
		c.expires = start.Add(ttl - tokenMargin(ttl))
	}
	c.pending = nil
	c.mu.Unlock()
	call.token, call.err = tok, err
	close(call.done)
}

// tokenMargin is how long before expiry a token is replaced: a tenth of its
// life, at most a minute, so a call never starts with a token about to die.
func tokenMargin(ttl time.Duration) time.Duration {
	return min(ttl/10, time.Minute)
}

// dropToken forgets tok if it is still the cached one (another call may
// already have replaced it).
func (c *RESTClient) dropToken(tok string) {
	c.mu.Lock()
	if c.token == tok {
		c.token = ""
	}
	c.mu.Unlock()
}

// tokenAnswer is the identity endpoint's answer, success or OAuth2 error.
type tokenAnswer struct {
	AccessToken      string      `json:"access_token"`
	TokenType        string      `json:"token_type"`
	ExpiresIn        json.Number `json:"expires_in"`
	Error            string      `json:"error"`
	ErrorDescription string      `json:"error_description"`
	Success          *bool       `json:"success"`
	Errors           []restError `json:"errors"`
}

func (a *tokenAnswer) apiErr(status int) *Error {
	switch {
	case a.Error != "":
		msg := a.ErrorDescription
		if msg == "" {
			msg = a.Error
		}
		return &Error{API: REST, Code: a.Error, Message: "Marketo refused the client ID and secret: " + msg, HTTPStatus: status}
	case len(a.Errors) > 0:
		return &Error{API: REST, Code: string(a.Errors[0].Code), Message: a.Errors[0].Message, HTTPStatus: status}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &Error{API: REST, Code: strconv.Itoa(status), Message: "Marketo refused the client ID and secret", HTTPStatus: status}
	case a.AccessToken == "" && status == http.StatusOK:
		return &Error{API: REST, Message: "Marketo's identity service answered without an access token", HTTPStatus: status}
	}
	return nil
}

// fetchToken asks the identity service for a token with the client
// credentials grant. Marketo documents GET or POST with the parameters in
// the query; the secret goes in a POST form body instead, so it never lands
// in a URL (proxy and server logs).
func (c *RESTClient) fetchToken(ctx context.Context) (string, time.Duration, error) {
	const op = "Marketo REST access token"
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.clientID},
		"client_secret": {c.secret},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	var a tokenAnswer
	if err := c.exchange(ctx, op, req, &a); err != nil {
		return "", 0, err
	}
	secs, err := a.ExpiresIn.Int64()
	if err != nil || secs < 0 {
		secs = 0
	}
	return a.AccessToken, time.Duration(secs) * time.Second, nil
}

// appendJSONString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[last:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			last = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[last:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			last = i
			continue
		}
		i += size
	}
	dst = append(dst, s[last:]...)
	return append(dst, '"')
}

// RESTSyncMaxBytes is the largest Sync Leads body Leadsheet builds. Marketo
// answers 413 above "1MB" (error-codes.md, rest-api.md) without saying
// whether that is 1,000,000 or 1,048,576 bytes; 900,000 stays under both
// with 10% to spare for a ForeignSysPersonId field name longer than
// [RESTLeadBytes] allows for.
const RESTSyncMaxBytes = 900_000

// restFieldNameAllowance is the length RESTLeadBytes assumes for the custom
// field standing in for ForeignSysPersonId, which only the client knows.
const restFieldNameAllowance = 100

// restSyncOverhead is at least the bytes of a Sync Leads body outside its
// records: action, lookupField (at most restFieldNameAllowance bytes) and
// the input array's brackets.
const restSyncOverhead = len(`{"action":"createDuplicate","lookupField":"","input":[]}`) + restFieldNameAllowance

// RESTLeadBytes is at least the bytes lead adds to a Sync Leads body: its
// record, JSON-escaped, and the comma before it.
func RESTLeadBytes(l Lead) int {
	n := len(`,{}`)
	switch l.Key() {
	case KeyID:
		n += len(`"id":`) + len(strconv.Itoa(l.ID))
	case KeyForeignSysPersonID:
		n += restFieldNameAllowance + len(`"":`) + jsonStringLen(l.ForeignSysPersonID)
		if l.Email != "" {
			n += len(`,"email":`) + jsonStringLen(l.Email)
		}
	default:
		n += len(`"email":`) + jsonStringLen(l.Email)
	}
	for _, a := range l.Attributes {
		n += len(`,:`) + jsonStringLen(a.Name) + jsonStringLen(a.Value)
	}
	return n
}

// jsonStringLen is len(appendJSONString(nil, s)) without building it.
func jsonStringLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += 6
		} else {
			n += size
		}
		i += size
	}
	return n
}
