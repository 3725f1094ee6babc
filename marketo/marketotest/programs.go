package marketotest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Program member limits, as program-members.md gives them.
const (
	maxMemberStatusInput = 300
	maxMemberFilterValue = 300
	maxMemberBatch       = 300
	// maxFilteredMembership is how many members a program may have for
	// Get Program Members with a filterType other than leadId.
	maxFilteredMembership = 100_000
	// maxMemberUpdatedRange is the longest startAt..endAt of
	// filterType=updatedAt: "The range must be seven days or fewer".
	maxMemberUpdatedRange = 7 * 24 * time.Hour
)

// programJSON is a program as the Asset API answers it (programs.md's
// examples). Browse leaves tags and costs out, as programs.md says it
// does; by id and by name they are null, the sandbox having neither.
type programJSON struct {
	ID          int               `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	CreatedAt   string            `json:"createdAt"`
	UpdatedAt   string            `json:"updatedAt"`
	URL         string            `json:"url"`
	Type        string            `json:"type"`
	Channel     string            `json:"channel"`
	Folder      programFolderJSON `json:"folder"`
	Status      string            `json:"status"`
	Workspace   string            `json:"workspace"`
	HeadStart   bool              `json:"headStart"`
	Tags        json.RawMessage   `json:"tags,omitempty"`
	Costs       json.RawMessage   `json:"costs,omitempty"`
}

// programFolderJSON is a program's folder: programs.md's examples give it
// as type, value and folderName, not the {id, type} of other assets.
type programFolderJSON struct {
	Type       string `json:"type"`
	Value      int    `json:"value"`
	FolderName string `json:"folderName"`
}

// programURLPrefix is the Marketo UI's prefix for a program by type, as
// programs.md's examples have them (PG, ME, NP, EBP).
var programURLPrefix = map[string]string{"Default": "PG", "Event": "ME", "Engagement": "NP", "Email": "EBP"}

// programChannelTypes is the applicableProgramType a channel must have for
// a program of each type Create Program takes.
var programChannelTypes = map[string]string{
	"Default": "program", "Event": "event", "Event with Webinar": "event", "Engagement": "nurture", "Email": "email",
}

func (s *Server) programURL(r *http.Request, p *program) string {
	return fmt.Sprintf("%s/#%s%dA1", s.uiBase(r), programURLPrefix[p.typ], p.id)
}

func (s *Server) programJSON(r *http.Request, p *program, detail bool) programJSON {
	status := map[string]string{"Engagement": "off", "Email": "unlocked"}[p.typ]
	out := programJSON{ID: p.id, Name: p.name, Description: p.description, CreatedAt: assetTime(p.created), UpdatedAt: assetTime(p.updated),
		URL: s.programURL(r, p), Type: p.typ, Channel: p.channel.name, Folder: programFolderJSON{refFolder, p.folder.id, p.folder.name},
		Status: status, Workspace: p.workspace}
	if detail {
		out.Tags, out.Costs = json.RawMessage("null"), json.RawMessage("null")
	}
	return out
}

// browseProgramsAsset answers Get Programs: by ascending id, from offset,
// at most maxReturn (default 20, at most 200), filtered by status,
// earliestUpdatedAt and latestUpdatedAt, and filterType (id, programId,
// folderId or workspace) with filterValues.
func (s *Server) browseProgramsAsset(r *http.Request) reply {
	q := r.URL.Query()
	offset, limit, bad := assetPage(q)
	if bad != nil {
		return bad.asset(s)
	}
	inRange, bad := updatedRange(q)
	if bad != nil {
		return bad.asset(s)
	}
	filterType, values := q.Get("filterType"), splitList(q["filterValues"])
	switch {
	case filterType == "" && len(values) > 0:
		return s.assetFail(1003, "Invalid data: filterValues without filterType")
	case filterType != "" && !slices.Contains([]string{"id", "programId", "folderId", "workspace"}, filterType):
		return s.assetFail(1003, fmt.Sprintf("Invalid filterType '%s': id, programId, folderId or workspace expected", clip(filterType)))
	case filterType != "" && len(values) == 0:
		return s.assetFail(701, "filterValues cannot be blank")
	}
	status := q.Get("status")
	st := s.store
	st.mu.Lock()
	var match []programJSON
	for _, p := range st.cat.programs {
		j := s.programJSON(r, p, false)
		keep := inRange(p.created, p.updated) && (status == "" || j.Status == status)
		switch filterType {
		case "id", "programId":
			keep = keep && slices.Contains(values, strconv.Itoa(p.id))
		case "folderId":
			keep = keep && slices.Contains(values, strconv.Itoa(p.folder.id))
		case "workspace":
			keep = keep && slices.Contains(values, p.workspace)
		}
		if keep {
			match = append(match, j)
		}
	}
	st.mu.Unlock()
	page := match[min(offset, len(match)):min(offset+limit, len(match))]
	return s.assetResult(len(page), page)
}

// getProgramAsset answers Get Program by Id, or by Name (exact match).
func (s *Server) getProgramAsset(r *http.Request, idText string, byName bool) reply {
	id, name := 0, ""
	if byName {
		if name = r.URL.Query().Get("name"); name == "" {
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
	var out []programJSON
	for _, p := range st.cat.programs {
		if (byName && p.name == name) || (!byName && p.id == id) {
			out = append(out, s.programJSON(r, p, true))
		}
	}
	st.mu.Unlock()
	return s.assetResult(len(out), out)
}

// createProgramAsset answers Create Program: name, folder (a Marketing
// Activities folder), type and channel (one that applies to the type) are
// required, description optional; tags and costs are not kept. Parameters
// come as Create Static List's do.
func (s *Server) createProgramAsset(r *http.Request) reply {
	q, refused, ok := s.createParams(r)
	if !ok {
		return refused
	}
	for _, name := range []string{"name", "folder", "type", "channel"} {
		if strings.TrimSpace(q.Get(name)) == "" {
			return s.assetFail(701, name+" cannot be blank")
		}
	}
	name, typ, chName := strings.TrimSpace(q.Get("name")), q.Get("type"), q.Get("channel")
	ref, bad := parseFolderRef(q.Get("folder"))
	if bad != nil {
		return bad.asset(s)
	}
	chType, knownType := programChannelTypes[typ]
	if !knownType {
		return s.assetFail(1003, fmt.Sprintf("Invalid data: type '%s', Default, Event, Event with Webinar, Engagement or Email expected", clip(typ)))
	}
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.cat
	f := c.folder(ref.ID)
	switch {
	case ref.Type != refFolder || f == nil:
		return s.assetFail(710, fmt.Sprintf("Parent Folder Not Found: no folder has id %d", ref.ID))
	case !strings.HasPrefix(f.path, "/Marketing Activities/"):
		return s.assetFail(711, fmt.Sprintf("Incompatible Folder Type: folder %d (%s) cannot hold programs", f.id, f.path))
	}
	ch := c.channelByName(chName)
	switch {
	case ch == nil:
		return s.assetFail(709, fmt.Sprintf("Channel '%s' not found", clip(chName)))
	case ch.programType != chType:
		return s.assetFail(709, fmt.Sprintf("Channel '%s' does not apply to programs of type '%s'", ch.name, typ))
	case c.programNamed(name):
		return s.assetFail(709, "Program with the same name already exists")
	}
	if typ == "Event with Webinar" {
		typ = "Event" // the type answers give an event program
	}
	p := c.addProgram(name, q.Get("description"), typ, ch, f, s.now())
	return s.assetResult(1, []programJSON{s.programJSON(r, p, true)})
}

// channelJSON is a channel as channels.md's examples give it.
type channelJSON struct {
	ID                    int                 `json:"id"`
	Name                  string              `json:"name"`
	ApplicableProgramType string              `json:"applicableProgramType"`
	ProgressionStatuses   []progressionStatus `json:"progressionStatuses"`
	CreatedAt             string              `json:"createdAt"`
	UpdatedAt             string              `json:"updatedAt"`
}

// channelsAsset answers Get Channels (offset, maxReturn) and, byName, Get
// Channel by Name: the docs send name, the Swagger spec Name; either is
// read.
func (s *Server) channelsAsset(r *http.Request, byName bool) reply {
	q := r.URL.Query()
	offset, limit, bad := assetPage(q)
	if bad != nil {
		return bad.asset(s)
	}
	name := q.Get("name")
	if name == "" {
		name = q.Get("Name")
	}
	if byName && name == "" {
		return s.assetFail(701, "name cannot be blank")
	}
	st := s.store
	st.mu.Lock()
	created := assetTime(st.cat.seeded)
	var match []channelJSON
	for _, ch := range st.cat.channels {
		if !byName || ch.name == name {
			match = append(match, channelJSON{ch.id, ch.name, ch.programType, ch.statuses, created, created})
		}
	}
	st.mu.Unlock()
	if byName {
		offset, limit = 0, len(match)
	}
	page := match[min(offset, len(match)):min(offset+limit, len(match))]
	return s.assetResult(len(page), page)
}

// memberStatusResult is one record of Sync Program Member Status' answer.
// As in program-members.md's example, a skipped record has its seq and
// reasons but no leadId: a client must match answers to its input by seq.
type memberStatusResult struct {
	Seq     int         `json:"seq"`
	Status  string      `json:"status"`
	LeadID  int         `json:"leadId,omitempty"`
	Reasons []restError `json:"reasons,omitempty"`
}

// programNotFound is what the program member calls answer for an id no
// program has.
func (s *Server) programNotFound(id int) reply {
	return s.restFail(1013, fmt.Sprintf("Program not found: no program has id %d", id))
}

// syncMemberStatusREST answers Sync Program Member Status: an upsert of
// each lead's membership with statusName. A statusName the program's
// channel does not have fails the whole call with 1025 "Program status not
// found" (error-codes.md: "A status was specified … that did not match a
// status available for the program's channel"; one status is given for
// the call). Per lead: "created" for a lead not yet a member, "updated"
// for a member moved to a status of a higher step, or another status of
// the same step; skipped with 1037 "Lead skipped because it is already in
// or past this status" (the docs' example) for a member in that status or
// one of a higher step, and for "Not in Program" (step 0), which nobody
// moves to; 1004 "Lead not found" as in the list calls.
func (s *Server) syncMemberStatusREST(r *http.Request, cfg Config, idText string) reply {
	programID, bad := pathID(idText)
	if bad != nil {
		return bad.lead(s)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return s.restFail(611, "System error: could not read the request")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return s.restFail(612, "Invalid Content Type")
	}
	var req struct {
		StatusName string `json:"statusName"`
		Input      []struct {
			LeadID json.RawMessage `json:"leadId"`
		} `json:"input"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return s.restFail(609, "Invalid JSON")
	}
	switch {
	case req.StatusName == "":
		return s.restFail(1002, "Missing value for the required parameter 'statusName'")
	case req.Input == nil:
		return s.restFail(701, "input cannot be blank")
	case len(req.Input) > maxMemberStatusInput:
		return s.restFail(1003, fmt.Sprintf("Invalid data: %d records, at most %d are allowed", len(req.Input), maxMemberStatusInput))
	}
	denied := s.deniedPartitions(cfg)
	now := s.now().UnixNano()
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.cat.program(programID)
	if p == nil {
		return s.programNotFound(programID)
	}
	to := p.channel.status(req.StatusName)
	if to < 0 {
		return s.restFail(1025, "Program status not found")
	}
	out := make([]memberStatusResult, len(req.Input))
	skip := func(i int, code, message string) {
		out[i] = memberStatusResult{Seq: i, Status: "skipped", Reasons: []restError{{code, message}}}
	}
	for i, in := range req.Input {
		id, ok := jsonID(in.LeadID)
		switch {
		case !ok:
			skip(i, "1003", "Invalid data: leadId must be a whole number")
			continue
		case st.lead(id) == nil || !visible(st, denied, id) || s.leadWorkspace(st, id) != p.workspace:
			skip(i, "1004", "Lead not found")
			continue
		}
		done := p.moveMember(id, to, now)
		if done == "" {
			skip(i, "1037", "Lead skipped because it is already in or past this status")
			continue
		}
		out[i] = memberStatusResult{Seq: i, Status: done, LeadID: id}
	}
	return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true, Result: out})
}

// moveMember makes lead id a member of p at status index to ("created"),
// or moves a member there ("updated"): to a status of a higher step, or to
// another of the same step. It returns "" and changes nothing when the
// member is in that status or one of a higher step, and for Not in Program
// (step 0), which would take a lead out. reachedSuccess, once true, stays
// true. The caller holds the store lock.
func (p *program) moveMember(id, to int, now int64) string {
	target := p.channel.statuses[to]
	m, member := p.members[id]
	if target.Step == 0 || (member && (int(m.status) == to || p.channel.statuses[m.status].Step > target.Step)) {
		return ""
	}
	done := "updated"
	if !member {
		m, done = programMember{joined: now}, "created"
	}
	m.status, m.updated = uint8(to), now
	if target.Success && !m.success {
		m.success, m.successful = true, now
	}
	p.members[id] = m
	return done
}

// memberField is a standard program member field, as Describe Program
// Member lists them in program-members.md (its example's custom fields
// left out).
type memberField struct {
	name, dataType string
	length         int
}

var memberFields = []memberField{
	{"acquiredBy", TypeBoolean, 0}, {"attendanceLikelihood", TypeInteger, 0}, {"createdAt", TypeDateTime, 0},
	{"isExhausted", TypeBoolean, 0}, {"leadId", TypeInteger, 0}, {"membershipDate", TypeDateTime, 0},
	{"nurtureCadence", TypeString, 4}, {"program", TypeString, 255}, {"programId", TypeInteger, 0},
	{"reachedSuccess", TypeBoolean, 0}, {"reachedSuccessDate", TypeDateTime, 0}, {"registrationLikelihood", TypeInteger, 0},
	{"statusName", TypeString, 255}, {"statusReason", TypeString, 255}, {"trackName", TypeString, 255},
	{"updatedAt", TypeDateTime, 0}, {"waitlistPriority", TypeInteger, 0},
}

// searchableMemberFields are the filterTypes besides updatedAt.
var searchableMemberFields = []string{"leadId", "reachedSuccess", "statusName"}

// defaultMemberFields are what a Get Program Members record has when the
// call names no fields (program-members.md).
var defaultMemberFields = []string{"acquiredBy", "leadId", "membershipDate", "programId", "reachedSuccess"}

// describeMembersREST answers Describe Program Member.
func (s *Server) describeMembersREST(r *http.Request) reply {
	if r.Method != http.MethodGet {
		return s.restFail(605, "HTTP Method not supported: Describe Program Member is called with GET")
	}
	type field struct {
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
		DataType    string `json:"dataType"`
		Length      int    `json:"length,omitempty"`
		Updateable  bool   `json:"updateable"`
		CRMManaged  bool   `json:"crmManaged"`
	}
	type describe struct {
		Name             string     `json:"name"`
		Description      string     `json:"description"`
		CreatedAt        string     `json:"createdAt"`
		UpdatedAt        string     `json:"updatedAt"`
		DedupeFields     []string   `json:"dedupeFields"`
		SearchableFields [][]string `json:"searchableFields"`
		Fields           []field    `json:"fields"`
	}
	at := leadDBTime(s.started)
	d := describe{Name: "API Program Membership", Description: "Map for API program membership fields", CreatedAt: at, UpdatedAt: at,
		DedupeFields: []string{"leadId", "programId"}}
	for _, f := range searchableMemberFields {
		d.SearchableFields = append(d.SearchableFields, []string{f})
	}
	for _, f := range memberFields {
		d.Fields = append(d.Fields, field{f.name, f.name, f.dataType, f.length, false, false})
	}
	return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true, Result: []describe{d}})
}

// membersEnvelope is Get Program Members' answer: as in program-members.md
// and the Swagger spec, moreResult is always there.
type membersEnvelope struct {
	RequestID     string           `json:"requestId"`
	Result        []map[string]any `json:"result"`
	Success       bool             `json:"success"`
	MoreResult    bool             `json:"moreResult"`
	NextPageToken string           `json:"nextPageToken,omitempty"`
}

// memberValue is a member's value in field f; fields the sandbox does not
// keep (likelihoods, nurture cadence and track, waitlist, status reason)
// are null, isExhausted false. acquiredBy is false: a lead only becomes a
// member here after Sync Leads or an import created it.
func memberValue(p *program, id int, m programMember, f string) any {
	switch f {
	case "acquiredBy", "isExhausted":
		return false
	case "createdAt", "membershipDate":
		return leadDBTime(time.Unix(0, m.joined))
	case "updatedAt":
		return leadDBTime(time.Unix(0, m.updated))
	case "leadId":
		return id
	case "program":
		return p.name
	case "programId":
		return p.id
	case "reachedSuccess":
		return m.success
	case "reachedSuccessDate":
		if !m.success {
			return nil
		}
		return leadDBTime(time.Unix(0, m.successful))
	case "statusName":
		return p.channel.statuses[m.status].Name
	}
	return nil
}

// getMembersREST answers Get Program Members: filterType leadId,
// statusName or reachedSuccess with up to 300 filterValues, or updatedAt
// with startAt and endAt at most seven days apart; members by ascending
// leadId in pages of batchSize (1 to 300, default 300), each with seq (its
// place in the page), leadId (always, as the Swagger spec says a record
// "always contains lead id") and fields (default acquiredBy, leadId,
// membershipDate, programId, reachedSuccess). A filterType other than
// leadId on a program of more than 100,000 members is program-members.md's
// 1003. The POST form (_method=GET) is read as Get Lists reads it.
func (s *Server) getMembersREST(r *http.Request, cfg Config, idText string) reply {
	q, bad := callParams(r)
	if bad != nil {
		return bad.lead(s)
	}
	if r.Method == http.MethodPost && q.Get("_method") != "GET" {
		return s.restFail(610, "Requested resource not found: Sync Program Member Data is not emulated")
	}
	programID, bad := pathID(idText)
	if bad != nil {
		return bad.lead(s)
	}
	filterType := q.Get("filterType")
	values := splitList(q["filterValues"])
	var from, to time.Time
	switch {
	case filterType == "":
		return s.restFail(1002, "Missing value for the required parameter 'filterType'")
	case filterType == "updatedAt":
		var ok1, ok2 bool
		from, ok1 = parseDateTime(q.Get("startAt"))
		to, ok2 = parseDateTime(q.Get("endAt"))
		switch {
		case q.Get("startAt") == "" || q.Get("endAt") == "":
			return s.restFail(1002, "Missing value for the required parameter 'startAt' or 'endAt'")
		case !ok1 || !ok2:
			return s.restFail(1003, "Invalid data: startAt and endAt must be ISO 8601 date-times")
		case to.Sub(from) > maxMemberUpdatedRange || to.Before(from):
			return s.restFail(1003, "Invalid data: the range of startAt to endAt must be seven days or fewer")
		}
	case slices.Contains(searchableMemberFields, filterType):
		switch {
		case len(values) == 0:
			return s.restFail(1002, "Missing value for the required parameter 'filterValues'")
		case len(values) > maxMemberFilterValue:
			return s.restFail(1003, fmt.Sprintf("Invalid data: %d filterValues, at most %d are allowed", len(values), maxMemberFilterValue))
		}
	case slices.ContainsFunc(memberFields, func(f memberField) bool { return f.name == filterType }):
		return s.restFail(1011, fmt.Sprintf("Field '%s' not supported", filterType))
	default:
		return s.restFail(1003, fmt.Sprintf("Invalid filterType '%s'", clip(filterType)))
	}
	var leadIDs []int
	if filterType == "leadId" {
		if leadIDs, bad = intList(values); bad != nil {
			return bad.lead(s)
		}
	}
	if filterType == "reachedSuccess" {
		for _, v := range values {
			if v = strings.ToLower(v); v != "true" && v != "false" {
				return s.restFail(1003, fmt.Sprintf("Invalid data: reachedSuccess '%s', true or false expected", clip(v)))
			}
		}
	}
	fields := splitList(q["fields"])
	if len(fields) == 0 {
		fields = defaultMemberFields
	}
	for _, f := range fields {
		if !slices.ContainsFunc(memberFields, func(m memberField) bool { return m.name == f }) {
			return s.restFail(1006, fmt.Sprintf("Field '%s' not found", clip(f)))
		}
	}
	batch, bad := intParam(q, "batchSize", maxMemberBatch, 1, maxMemberBatch)
	if bad != nil {
		return bad.lead(s)
	}
	key := fmt.Sprintf("pm\x00%d\x00%s\x00%q\x00%s\x00%s", programID, filterType, values, q.Get("startAt"), q.Get("endAt"))
	after := 0
	if tok := q.Get("nextPageToken"); tok != "" {
		var ok bool
		if after, ok = readPageToken(tok, key); !ok {
			return s.restFail(1003, "Invalid data: nextPageToken does not belong to this query")
		}
	}

	denied := s.deniedPartitions(cfg)
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.cat.program(programID)
	if p == nil {
		return s.programNotFound(programID)
	}
	if filterType != "leadId" && len(p.members) > maxFilteredMembership {
		return s.restFail(1003, fmt.Sprintf("Total membership size: %s exceeds the limit allowed 100,000 for the filter", thousands(len(p.members))))
	}
	matches := func(id int, m programMember) bool {
		switch filterType {
		case "statusName":
			return slices.Contains(values, p.channel.statuses[m.status].Name)
		case "reachedSuccess":
			return slices.ContainsFunc(values, func(v string) bool { return strings.EqualFold(v, strconv.FormatBool(m.success)) })
		case "updatedAt":
			t := time.Unix(0, m.updated)
			return !t.Before(from) && !t.After(to)
		}
		return true
	}
	var ids []int
	if filterType == "leadId" {
		for _, id := range leadIDs {
			if _, ok := p.members[id]; ok && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	} else {
		for id, m := range p.members {
			if matches(id, m) {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	ids = slices.DeleteFunc(ids, func(id int) bool { return id <= after || !visible(st, denied, id) })
	more := len(ids) > batch
	ids = ids[:min(batch, len(ids))]
	env := membersEnvelope{RequestID: s.requestID(), Result: make([]map[string]any, len(ids)), Success: true, MoreResult: more}
	for i, id := range ids {
		m := p.members[id]
		rec := map[string]any{"seq": i, "leadId": id}
		for _, f := range fields {
			rec[f] = memberValue(p, id, m, f)
		}
		env.Result[i] = rec
	}
	if more {
		env.NextPageToken = pageToken(ids[len(ids)-1], key)
	}
	return jsonReply(http.StatusOK, env)
}

// thousands writes n with comma separators, as program-members.md's
// message has "100,001".
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
