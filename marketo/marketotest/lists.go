package marketotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxListLeads is the most lead ids one Add to List, Remove from List or
// Member of List call takes (list-membership.md: "The maximum number of
// lead IDs is 300").
const maxListLeads = 300

// Asset API browse limits: "The default is 20, and the maximum is 200".
const (
	defaultMaxReturn = 20
	maxMaxReturn     = 200
)

// noAssets is the warning the Asset API answers a query that matched
// nothing with, success true and no result, as grouparoo's recording of a
// live instance (staticList/byName.json) shows.
const noAssets = "No assets found for the given search criteria."

// leadDBTime and assetTime write times as the two APIs do: the Lead
// Database API in RFC 3339 UTC, the Asset API with the "Z+0000" every
// example and recording of it has.
func leadDBTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
func assetTime(t time.Time) string  { return t.UTC().Format("2006-01-02T15:04:05Z+0000") }

// assetEnvelope is an Asset API answer: errors and warnings are always
// there, empty or not.
type assetEnvelope struct {
	Success   bool        `json:"success"`
	Errors    []restError `json:"errors"`
	RequestID string      `json:"requestId"`
	Warnings  []string    `json:"warnings"`
	Result    any         `json:"result,omitempty"`
}

// assetResult answers an Asset API query with n records in result; none
// is success with the noAssets warning and no result.
func (s *Server) assetResult(n int, result any) reply {
	env := assetEnvelope{Success: true, Errors: []restError{}, RequestID: s.requestID(), Warnings: []string{}}
	if n == 0 {
		env.Warnings = []string{noAssets}
	} else {
		env.Result = result
	}
	return jsonReply(http.StatusOK, env)
}

// assetFail is an Asset API error, counted as restFail counts.
func (s *Server) assetFail(code int, message string) reply {
	s.rec.fault(strconv.Itoa(code))
	rep := jsonReply(http.StatusOK, assetEnvelope{Errors: []restError{{strconv.Itoa(code), message}}, RequestID: s.requestID(), Warnings: []string{}})
	rep.uncounted = code >= 600 && code < 800
	return rep
}

// callError is a call-level answer a parameter reader gives up with.
type callError struct {
	code    int
	message string
}

func (e *callError) lead(s *Server) reply  { return s.restFail(e.code, e.message) }
func (e *callError) asset(s *Server) reply { return s.assetFail(e.code, e.message) }

func notInteger(v string) *callError {
	return &callError{1001, fmt.Sprintf("Invalid value '%s'. Required of type 'Integer'", clip(v))}
}

// isForm reports whether r's body is application/x-www-form-urlencoded.
func isForm(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// callParams are a call's parameters: the URL query, then, for a POST of
// an application/x-www-form-urlencoded body, the body's. That is where
// Marketo takes a Get sent as POST with _method=GET (node-marketo-rest
// puts _method=GET itself in the body, and a live instance answered it,
// in grouparoo's recording), and the Asset API's create calls.
func callParams(r *http.Request) (url.Values, *callError) {
	q := r.URL.Query()
	if r.Method != http.MethodPost || !isForm(r) {
		return q, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, &callError{611, "System error: could not read the request"}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, &callError{1003, "Invalid data: the form body is not URL-encoded"}
	}
	for k, vs := range form {
		q[k] = append(q[k], vs...)
	}
	return q, nil
}

// intParam reads an optional whole-number parameter: def when absent,
// 1001 when not a number, 1003 outside lo..hi.
func intParam(q url.Values, name string, def, lo, hi int) (int, *callError) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	switch {
	case err != nil:
		return 0, notInteger(v)
	case n < lo || n > hi:
		return 0, &callError{1003, fmt.Sprintf("Invalid data: %s '%s', %d to %d expected", name, clip(v), lo, hi)}
	}
	return n, nil
}

// intList reads comma-separated or repeated whole numbers.
func intList(params []string) ([]int, *callError) {
	var out []int
	for _, v := range splitList(params) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return nil, notInteger(v)
		}
		out = append(out, n)
	}
	return out, nil
}

// pathID reads the {id} of a path; id is the text between the slashes.
func pathID(id string) (int, *callError) {
	n, err := strconv.Atoi(id)
	if err != nil {
		return 0, notInteger(id)
	}
	return n, nil
}

// jsonID reads a lead id given as a JSON number or a string of digits,
// both of which a Java back end turns into an integer.
func jsonID(raw json.RawMessage) (int, bool) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if i, err := strconv.Atoi(string(n)); err == nil {
			return i, true
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if i, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			return i, true
		}
	}
	return 0, false
}

// listLeadIDs reads the lead ids of an Add to List, Remove from List or
// Member of List call: the JSON body's input ([{"id": N}, …], the Swagger
// spec's ListOperationRequest) when there is a body, else the id query
// parameters, repeated (as list-membership.md sends them) or
// comma-separated (as the Swagger spec describes them).
func listLeadIDs(r *http.Request, q url.Values) ([]int, *callError) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, &callError{611, "System error: could not read the request"}
	}
	var ids []int
	if len(bytes.TrimSpace(body)) > 0 && !isForm(r) {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			return nil, &callError{612, "Invalid Content Type"}
		}
		var req struct {
			Input []struct {
				ID json.RawMessage `json:"id"`
			} `json:"input"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, &callError{609, "Invalid JSON"}
		}
		for _, in := range req.Input {
			id, ok := jsonID(in.ID)
			if !ok {
				return nil, notInteger(string(in.ID))
			}
			ids = append(ids, id)
		}
	} else {
		var bad *callError
		if ids, bad = intList(q["id"]); bad != nil {
			return nil, bad
		}
	}
	switch {
	case len(ids) == 0:
		return nil, &callError{1002, "Missing value for the required parameter 'id'"}
	case len(ids) > maxListLeads:
		return nil, &callError{1003, fmt.Sprintf("Invalid data: %d lead ids, at most %d are allowed", len(ids), maxListLeads)}
	}
	return ids, nil
}

// listJSON is a static list as the Lead Database API answers it
// (StaticList in the Swagger spec; a live instance's answer, in
// node-marketo-rest's fixtures, has id, name, workspaceName, createdAt and
// updatedAt, and no programName for a list outside a program).
type listJSON struct {
	ID            int    `json:"id"`
	Name          string `json:"name"`
	Description   string `json:"description,omitempty"`
	ProgramName   string `json:"programName,omitempty"`
	WorkspaceName string `json:"workspaceName"`
	CreatedAt     string `json:"createdAt"`
	UpdatedAt     string `json:"updatedAt"`
}

func (l *staticList) leadDB() listJSON {
	return listJSON{l.id, l.name, l.description, l.programName, l.workspace, leadDBTime(l.created), leadDBTime(l.updated)}
}

// maxListsBatch is Get Lists' largest and default page.
const maxListsBatch = 300

// getListsREST answers Get Lists: the lists matching every filter given
// (id, name, programName, workspaceName, each comma-separated or
// repeated, any value of one matching), by ascending id, in pages.
func (s *Server) getListsREST(r *http.Request) reply {
	q, bad := callParams(r)
	if bad != nil {
		return bad.lead(s)
	}
	if r.Method == http.MethodPost && q.Get("_method") != "GET" {
		return s.restFail(605, "HTTP Method not supported: Get Lists is called with GET, or POST with _method=GET")
	}
	ids, bad := intList(q["id"])
	if bad != nil {
		return bad.lead(s)
	}
	names, programs, workspaces := splitList(q["name"]), splitList(q["programName"]), splitList(q["workspaceName"])
	batch, bad := intParam(q, "batchSize", maxListsBatch, 1, maxListsBatch)
	if bad != nil {
		return bad.lead(s)
	}
	key := fmt.Sprintf("lists\x00%v\x00%q\x00%q\x00%q", ids, names, programs, workspaces)
	offset := 0
	if tok := q.Get("nextPageToken"); tok != "" {
		var ok bool
		if offset, ok = readPageToken(tok, key); !ok {
			return s.restFail(1003, "Invalid data: nextPageToken does not belong to this query")
		}
	}
	anyOf := func(want []string, v string) bool {
		if len(want) == 0 {
			return true
		}
		for _, w := range want {
			if w == v {
				return true
			}
		}
		return false
	}
	st := s.store
	st.mu.Lock()
	var match []listJSON
	for _, l := range st.cat.lists {
		idOK := len(ids) == 0
		for _, id := range ids {
			idOK = idOK || id == l.id
		}
		if idOK && anyOf(names, l.name) && anyOf(programs, l.programName) && anyOf(workspaces, l.workspace) {
			match = append(match, l.leadDB())
		}
	}
	st.mu.Unlock()
	page := match[min(offset, len(match)):min(offset+batch, len(match))]
	env := restEnvelope{RequestID: s.requestID(), Success: true, Result: append([]listJSON{}, page...)}
	if end := offset + len(page); end < len(match) {
		env.MoreResult, env.NextPageToken = true, pageToken(end, key)
	}
	return jsonReply(http.StatusOK, env)
}

// listNotFound is what the list calls answer for an id no list has.
func (s *Server) listNotFound(id int) reply {
	return s.restFail(1013, fmt.Sprintf("Static list not found: no list has id %d", id))
}

// getListREST answers Get List by Id.
func (s *Server) getListREST(r *http.Request, idText string) reply {
	if r.Method != http.MethodGet {
		return s.restFail(605, "HTTP Method not supported: Get List by Id is called with GET")
	}
	id, bad := pathID(idText)
	if bad != nil {
		return bad.lead(s)
	}
	st := s.store
	st.mu.Lock()
	l := st.cat.list(id)
	var out listJSON
	if l != nil {
		out = l.leadDB()
	}
	st.mu.Unlock()
	if l == nil {
		return s.listNotFound(id)
	}
	return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true, Result: []listJSON{out}})
}

// listOpResult is one lead's outcome in a list call
// (ListOperationOutputData).
type listOpResult struct {
	ID      int         `json:"id"`
	Status  string      `json:"status"`
	Reasons []restError `json:"reasons,omitempty"`
}

// listOp is what a membership call does to one lead id found on the list's
// workspace; it returns the result's status, or a reason to skip.
type listOp func(l *staticList, id int) (string, *restError)

// listMembersOp runs Add to List ("added", also for a lead already on the
// list, as a live instance answered in grouparoo's recording), Remove from
// List ("removed", or 1015 "Lead not in list" as recorded there) or Member
// of List ("memberof", "notmemberof"). A lead no lead has, one the API
// user may not see, and one whose partition is not in the list's
// workspace are all skipped with 1004 "Lead not found": the last as a
// community write-up describes ("If add to list returns 'Lead not found'
// (error 1004) but the lead exists, the list is in a different workspace
// than the lead's partition").
func (s *Server) listMembersOp(r *http.Request, cfg Config, idText string, op listOp) reply {
	listID, bad := pathID(idText)
	if bad != nil {
		return bad.lead(s)
	}
	ids, bad := listLeadIDs(r, r.URL.Query())
	if bad != nil {
		return bad.lead(s)
	}
	denied := s.deniedPartitions(cfg)
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	l := st.cat.list(listID)
	if l == nil {
		return s.listNotFound(listID)
	}
	out := make([]listOpResult, len(ids))
	for i, id := range ids {
		out[i].ID = id
		if st.lead(id) == nil || !visible(st, denied, id) || s.leadWorkspace(st, id) != l.workspace {
			out[i].Status, out[i].Reasons = "skipped", []restError{{"1004", "Lead not found"}}
			continue
		}
		status, reason := op(l, id)
		out[i].Status = status
		if reason != nil {
			out[i].Status, out[i].Reasons = "skipped", []restError{*reason}
		}
	}
	return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true, Result: out})
}

func addToList(l *staticList, id int) (string, *restError) {
	l.members.add(id)
	return "added", nil
}

func removeFromList(l *staticList, id int) (string, *restError) {
	if !l.members.remove(id) {
		return "", &restError{"1015", "Lead not in list"}
	}
	return "removed", nil
}

func isMember(l *staticList, id int) (string, *restError) {
	if l.members.has(id) {
		return "memberof", nil
	}
	return "notmemberof", nil
}

// getListLeadsREST answers Get Leads by List Id (both paths): the list's
// members by ascending id, with fields as Get Leads by Filter Type gives
// them, in pages of batchSize (1 to 300, default 300). The nextPageToken
// holds the last id given, so members added or removed between pages move
// no one across a page boundary. As in the docs' example, a page that is
// not the last has a nextPageToken and no moreResult.
func (s *Server) getListLeadsREST(r *http.Request, cfg Config, fs *fieldSet, idText string) reply {
	q, bad := callParams(r)
	if bad != nil {
		return bad.lead(s)
	}
	if r.Method == http.MethodPost && q.Get("_method") != "GET" {
		return s.restFail(605, "HTTP Method not supported: Get Leads by List Id is called with GET, or POST with _method=GET")
	}
	listID, bad := pathID(idText)
	if bad != nil {
		return bad.lead(s)
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
	batch, bad := intParam(q, "batchSize", maxFindBatch, 1, maxFindBatch)
	if bad != nil {
		return bad.lead(s)
	}
	key := "members\x00" + strconv.Itoa(listID)
	after := 0
	if tok := q.Get("nextPageToken"); tok != "" {
		var ok bool
		if after, ok = readPageToken(tok, key); !ok {
			return s.restFail(1003, "Invalid data: nextPageToken does not belong to this list")
		}
	}
	denied := s.deniedPartitions(cfg)
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	l := st.cat.list(listID)
	if l == nil {
		return s.listNotFound(listID)
	}
	// One more than a page, to know whether another follows.
	var ids []int
	for from := after; len(ids) <= batch; {
		next := l.members.after(from, batch+1)
		if len(next) == 0 {
			break
		}
		for _, id := range next {
			if visible(st, denied, id) {
				ids = append(ids, id)
			}
		}
		from = next[len(next)-1]
	}
	more := len(ids) > batch
	ids = ids[:min(batch, len(ids))]
	records := make([]map[string]any, len(ids))
	for i, id := range ids {
		ld := st.lead(id)
		rec := make(map[string]any, len(want)+1)
		rec["id"] = ld.id
		for _, f := range want {
			rec[f.RESTName] = findValue(st, ld, f)
		}
		records[i] = rec
	}
	env := restEnvelope{RequestID: s.requestID(), Success: true, Result: records}
	if more {
		env.NextPageToken = pageToken(ids[len(ids)-1], key)
	}
	return jsonReply(http.StatusOK, env)
}

// assetListJSON is a static list as the Asset API answers it: as in
// static-lists.md and grouparoo's recording of a live instance, with the
// workspace the recording has.
type assetListJSON struct {
	ID          int       `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	CreatedAt   string    `json:"createdAt"`
	UpdatedAt   string    `json:"updatedAt"`
	Folder      folderRef `json:"folder"`
	ComputedURL string    `json:"computedUrl"`
	Workspace   string    `json:"workspace"`
}

// uiBase is where the sandbox's "Marketo UI" links point: its own root.
func (s *Server) uiBase(r *http.Request) string {
	if s.URL != "" {
		return s.URL
	}
	return "http://" + r.Host
}

func (s *Server) assetList(r *http.Request, l *staticList) assetListJSON {
	return assetListJSON{l.id, l.name, l.description, assetTime(l.created), assetTime(l.updated), l.folder,
		fmt.Sprintf("%s/#ST%dA1", s.uiBase(r), l.id), l.workspace}
}

// parseFolderRef reads a folder parameter: the JSON object {"id": N,
// "type": "Folder" or "Program"} the docs send. A bare id is taken as a
// Folder, since Segment's Marketo Static Lists integration sends
// folder=<id> to create a list and is used against live instances; type
// defaults to Folder too.
func parseFolderRef(v string) (folderRef, *callError) {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil {
		return folderRef{n, refFolder}, nil
	}
	var raw struct {
		ID   json.Number `json:"id"`
		Type string      `json:"type"`
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return folderRef{}, &callError{1003, fmt.Sprintf("Invalid data: folder '%s' is not a JSON object with id and type", clip(v))}
	}
	id, err := strconv.Atoi(string(raw.ID))
	if err != nil {
		return folderRef{}, notInteger(string(raw.ID))
	}
	switch raw.Type {
	case "":
		raw.Type = refFolder
	case refFolder, refProgram:
	default:
		return folderRef{}, &callError{1003, fmt.Sprintf("Invalid data: folder type '%s', Folder or Program expected", clip(raw.Type))}
	}
	return folderRef{id, raw.Type}, nil
}

// assetPage reads offset and maxReturn.
func assetPage(q url.Values) (offset, limit int, bad *callError) {
	if offset, bad = intParam(q, "offset", 0, 0, 1<<31-1); bad != nil {
		return 0, 0, bad
	}
	limit, bad = intParam(q, "maxReturn", defaultMaxReturn, 1, maxMaxReturn)
	return offset, limit, bad
}

// updatedRange reads earliestUpdatedAt and latestUpdatedAt: an asset is
// kept when it was created or updated within them (static-lists.md).
// Unreadable dates are 704 "Invalid date format".
func updatedRange(q url.Values) (func(created, updated time.Time) bool, *callError) {
	var bounds [2]time.Time
	for i, name := range []string{"earliestUpdatedAt", "latestUpdatedAt"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		t, ok := parseDateTime(v)
		if !ok {
			return nil, &callError{704, fmt.Sprintf("Invalid date format: %s '%s'", name, clip(v))}
		}
		bounds[i] = t
	}
	in := func(t time.Time) bool {
		return (bounds[0].IsZero() || !t.Before(bounds[0])) && (bounds[1].IsZero() || !t.After(bounds[1]))
	}
	return func(created, updated time.Time) bool { return in(created) || in(updated) }, nil
}

// browseStaticListsAsset answers Get Static Lists: the lists directly in
// folder when given, by ascending id, from offset, at most maxReturn.
func (s *Server) browseStaticListsAsset(r *http.Request) reply {
	q := r.URL.Query()
	offset, limit, bad := assetPage(q)
	if bad != nil {
		return bad.asset(s)
	}
	inRange, bad := updatedRange(q)
	if bad != nil {
		return bad.asset(s)
	}
	var in *folderRef
	if v := q.Get("folder"); v != "" {
		ref, bad := parseFolderRef(v)
		if bad != nil {
			return bad.asset(s)
		}
		in = &ref
	}
	st := s.store
	st.mu.Lock()
	var match []assetListJSON
	for _, l := range st.cat.lists {
		if (in == nil || l.folder == *in) && inRange(l.created, l.updated) {
			match = append(match, s.assetList(r, l))
		}
	}
	st.mu.Unlock()
	page := match[min(offset, len(match)):min(offset+limit, len(match))]
	return s.assetResult(len(page), page)
}

// getStaticListAsset answers Get Static List by Id (idText) or by Name
// (byName: the name parameter, matched exactly, as static-lists.md says).
func (s *Server) getStaticListAsset(r *http.Request, idText string, byName bool) reply {
	q := r.URL.Query()
	id, name := 0, ""
	if byName {
		if name = q.Get("name"); name == "" {
			return s.assetFail(701, "name cannot be blank")
		}
	} else {
		var bad *callError
		if id, bad = pathID(idText); bad != nil {
			return bad.asset(s)
		}
	}
	st := s.store
	st.mu.Lock()
	var out []assetListJSON
	for _, l := range st.cat.lists {
		if (byName && l.name == name) || (!byName && l.id == id) {
			out = append(out, s.assetList(r, l))
		}
	}
	st.mu.Unlock()
	return s.assetResult(len(out), out)
}

// createParams reads an Asset API create call's parameters: an
// application/x-www-form-urlencoded body, as the docs send them, or the
// query string. When they cannot be read, ok is false and the reply says
// why.
func (s *Server) createParams(r *http.Request) (q url.Values, bad reply, ok bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, s.assetFail(611, "System error: could not read the request"), false
	}
	if len(bytes.TrimSpace(body)) > 0 && !isForm(r) {
		return nil, s.assetFail(612, "Invalid Content Type"), false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	q, ce := callParams(r)
	if ce != nil {
		return nil, ce.asset(s), false
	}
	return q, reply{}, true
}

// createStaticListAsset answers Create Static List. Its parameters come
// as the docs send them, an application/x-www-form-urlencoded body, or in
// the query string (as Segment's integration sends them). A list goes in
// a Lead Database folder of type List or in a program; its workspace is
// theirs.
func (s *Server) createStaticListAsset(r *http.Request) reply {
	q, refused, ok := s.createParams(r)
	if !ok {
		return refused
	}
	name, folderText := strings.TrimSpace(q.Get("name")), q.Get("folder")
	switch {
	case name == "":
		return s.assetFail(701, "name cannot be blank")
	case folderText == "":
		return s.assetFail(701, "folder cannot be blank")
	}
	ref, bad := parseFolderRef(folderText)
	if bad != nil {
		return bad.asset(s)
	}
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.cat
	programName, workspace := "", ""
	switch ref.Type {
	case refProgram:
		p := c.program(ref.ID)
		if p == nil {
			return s.assetFail(710, fmt.Sprintf("Parent Folder Not Found: no program has id %d", ref.ID))
		}
		programName, workspace = p.name, p.workspace
	default:
		f := c.folder(ref.ID)
		switch {
		case f == nil:
			return s.assetFail(710, fmt.Sprintf("Parent Folder Not Found: no folder has id %d", ref.ID))
		case f.folderType != "List":
			return s.assetFail(711, fmt.Sprintf("Incompatible Folder Type: folder %d (%s) cannot hold static lists", f.id, f.path))
		}
		workspace = f.workspace
	}
	if c.listNamed(name) {
		// The code and words of Segment's test of a duplicate name.
		return s.assetFail(709, "Static List with the same name already exists")
	}
	l := c.addList(name, q.Get("description"), ref, programName, workspace, s.now())
	return s.assetResult(1, []assetListJSON{s.assetList(r, l)})
}
