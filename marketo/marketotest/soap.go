package marketotest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxSOAPBody caps a SOAP request. Marketo documents no limit; 300 leads
// with dozens of attributes stay far below it.
const maxSOAPBody = 16 << 20

// soapFaultText gives, per code, the short text of faultstring ("<code> -
// <short>"). Where a live capture exists its wording is used (20105, 20110);
// otherwise the error table's Message column.
var soapFaultText = map[int]string{
	10001: "Internal Error",
	20011: "Internal Error",
	20012: "Request Not Understood",
	20014: "Authentication failed",
	20015: "Request Limit Exceeded",
	20016: "Request Expired",
	20017: "Invalid Request",
	20019: "Unsupported Operation",
	20023: "Rate Limit Exceeded",
	20024: "Concurrency Limit Exceeded",
	20105: "Unknown lead field",
	20109: "Parameter Required",
	20110: "Input error",
}

// soapOperations are the operations of Marketo's 2_2 WSDL. The sandbox
// implements two; the others fault with 20019.
var soapOperations = map[string]bool{
	"deleteCustomObjects": true, "deleteMObjects": true, "describeMObject": true, "getCampaignsForSource": true,
	"getChannels": true, "getCustomObjects": true, "getImportToListStatus": true, "getLead": true,
	"getLeadActivity": true, "getLeadChanges": true, "getMObjects": true, "getMultipleLeads": true,
	"getTags": true, "importToList": true, "listMObjects": true, "listOperation": true, "mergeLeads": true,
	"requestCampaign": true, "scheduleCampaign": true, "syncCustomObjects": true, "syncLead": true,
	"syncMObjects": true, "syncMultipleLeads": true,
}

// soapFault builds a fault in exactly the shape Marketo sends: HTTP 500,
// faultcode SOAP-ENV:Client, serviceException with ns1 declared on itself.
func soapFault(code int, message string) reply {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><SOAP-ENV:Fault>`)
	b.WriteString(`<faultcode>SOAP-ENV:Client</faultcode><faultstring>`)
	xmlText(&b, fmt.Sprintf("%d - %s", code, soapFaultText[code]))
	b.WriteString(`</faultstring><detail><ns1:serviceException xmlns:ns1="http://www.marketo.com/mktows/"><name>mktServiceException</name><message>`)
	xmlText(&b, fmt.Sprintf("%s (%d)", message, code))
	b.WriteString(`</message><code>`)
	b.WriteString(strconv.Itoa(code))
	b.WriteString(`</code></ns1:serviceException></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>` + "\n")
	return reply{status: http.StatusInternalServerError, contentType: "text/xml; charset=utf-8", body: b.Bytes()}
}

func xmlText(b *bytes.Buffer, s string) {
	xml.EscapeText(b, []byte(s)) //nolint:errcheck // bytes.Buffer does not fail
}

const soapSuccessHead = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
	`<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns1="http://www.marketo.com/mktows/"><SOAP-ENV:Body>`
const soapSuccessTail = `</SOAP-ENV:Body></SOAP-ENV:Envelope>` + "\n"

func (s *Server) soapFaultCounted(code int, message string) reply {
	s.rec.fault(strconv.Itoa(code))
	return soapFault(code, message)
}

func (s *Server) serveSOAP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		for k := range r.URL.Query() {
			if strings.EqualFold(k, "wsdl") {
				s.serveWSDL(w, r)
				return
			}
		}
		if strings.EqualFold(r.URL.RawQuery, "wsdl") {
			s.serveWSDL(w, r)
			return
		}
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "SOAP calls are POSTed; the WSDL is at ?WSDL", http.StatusMethodNotAllowed)
		return
	}
	cfg, fs := s.snapshotConfig()
	req := parseSOAPRequest(r)
	// Operation names come from the request, so names outside the WSDL
	// share one key: a client cannot make Stats.Calls grow without bound.
	calls := "SOAP unknown"
	if soapOperations[req.op] {
		calls = "SOAP " + req.op
	}
	s.rec.call(calls)
	refuse := func() reply {
		return s.soapFaultCounted(20024, fmt.Sprintf("The number of concurrent calls was greater than %d", cfg.MaxConcurrent))
	}
	s.serveCall(w, r, cfg, 0, refuse, nil, func() reply { return s.handleSOAP(r.Context(), req, cfg, fs) })
}

// soapRequest is a request parsed on arrival: either the envelope and its
// operation, or why it cannot be understood.
type soapRequest struct {
	root, params *xnode
	op           string
	tooBig       bool
	badCode      int // 20012 when the request is not understood
	badMessage   string
}

// parseSOAPRequest reads and parses a request as it arrives, so the call is
// counted under its operation even when the client gives up during the
// latency that follows.
func parseSOAPRequest(r *http.Request) soapRequest {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxSOAPBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return soapRequest{op: "unknown", tooBig: true}
		}
		return soapRequest{op: "unknown", badCode: 20012, badMessage: "Request not understood: could not read the request"}
	}
	bad := func(msg string) soapRequest {
		return soapRequest{op: "unknown", badCode: 20012, badMessage: "Request not understood: " + msg}
	}
	root, err := parseXML(bytes.NewReader(body))
	if err != nil {
		return bad("malformed XML: " + err.Error())
	}
	if root.name.Space != nsSOAPEnv || root.name.Local != "Envelope" {
		return bad("not a SOAP 1.1 Envelope")
	}
	bodyEl := root.child(nsSOAPEnv, "Body")
	if bodyEl == nil || len(bodyEl.children) == 0 {
		return bad("the SOAP Body is empty")
	}
	params := bodyEl.children[0]
	if params.name.Space != nsMktows {
		return bad(fmt.Sprintf("unexpected element {%s}%s", params.name.Space, params.name.Local))
	}
	op := strings.TrimPrefix(params.name.Local, "params")
	if op != "" {
		op = strings.ToLower(op[:1]) + op[1:]
	}
	if !strings.HasPrefix(params.name.Local, "params") || !soapOperations[op] {
		op = params.name.Local
	}
	return soapRequest{root: root, params: params, op: op}
}

func (s *Server) handleSOAP(ctx context.Context, req soapRequest, cfg Config, fs *fieldSet) reply {
	switch {
	case req.tooBig:
		s.rec.fault("http-413")
		return reply{status: http.StatusRequestEntityTooLarge, contentType: "text/plain", body: []byte("request body too large\n")}
	case req.badCode != 0:
		return s.soapFaultCounted(req.badCode, req.badMessage)
	}
	root, params, op := req.root, req.params, req.op
	if code, msg := s.checkSOAPAuth(root, cfg); code != 0 {
		return s.soapFaultCounted(code, msg)
	}
	t, hit := s.lim.admit(s.now(), cfg.UserID, cfg)
	switch hit {
	case limitRate:
		return s.soapFaultCounted(20023, fmt.Sprintf("The number of calls in the past %s was greater than %d", cfg.RateWindow, cfg.RateLimit))
	case limitQuota:
		return s.soapFaultCounted(20015, fmt.Sprintf("Number of calls today exceeded the subscription's quota of %d", cfg.DailyQuota))
	}
	// SOAP has no answers Marketo leaves uncounted once a call is admitted.
	defer s.lim.settle(t, true)
	switch op {
	case "syncMultipleLeads":
		return s.syncMultipleLeads(ctx, params, cfg, fs)
	case "describeMObject":
		return s.describeMObject(params, fs)
	}
	return s.soapFaultCounted(20019, fmt.Sprintf("Operation %s is not supported by this sandbox", op))
}

// checkSOAPAuth verifies the AuthenticationHeader. The signature is
// recomputed over the literal timestamp string received, as Marketo's
// algorithm signs that string, not a parsed time.
func (s *Server) checkSOAPAuth(root *xnode, cfg Config) (int, string) {
	hdr := root.child(nsSOAPEnv, "Header").child(nsMktows, "AuthenticationHeader")
	if hdr == nil {
		return 20014, "Authentication failed: no AuthenticationHeader"
	}
	user, _ := hdr.value("mktowsUserId")
	sig, _ := hdr.value("requestSignature")
	ts, _ := hdr.value("requestTimestamp")
	if user == "" || sig == "" || ts == "" {
		return 20014, "Authentication failed"
	}
	mac := hmac.New(sha1.New, []byte(cfg.EncryptionKey))
	mac.Write([]byte(ts + user))
	want := hex.EncodeToString(mac.Sum(nil))
	if user != cfg.UserID || !hmac.Equal([]byte(sig), []byte(want)) {
		return 20014, "Authentication failed"
	}
	t, ok := parseRequestTimestamp(ts)
	if !ok {
		return 20016, "Request expired: requestTimestamp is not a W3C date and time"
	}
	if cfg.TimestampWindow > 0 {
		d := s.now().Sub(t)
		if d > cfg.TimestampWindow || d < -cfg.TimestampWindow {
			return 20016, "Request expired: the request signature is too old or in the future"
		}
	}
	return 0, ""
}

// parseRequestTimestamp accepts the W3C form the docs show
// (2013-08-01T18:22:30-07:00, fractions allowed, Z allowed) and two laxer
// forms real clients sent for years (+0900 without colon, space-separated).
func parseRequestTimestamp(ts string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02 15:04:05 -0700"} {
		if t, err := time.Parse(layout, ts); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// soapRecord is one parsed leadRecord.
type soapRecord struct {
	idText   string
	hasID    bool
	email    string
	fspi     string
	fsType   string
	attrs    []soapAttr
	badAttrs string // reason when the attribute list itself is unusable
}

type soapAttr struct {
	name, value string
	hasValue    bool
}

func parseLeadRecord(n *xnode) soapRecord {
	var rec soapRecord
	rec.idText, rec.hasID = n.value("Id")
	rec.email, _ = n.value("Email")
	rec.fspi, _ = n.value("ForeignSysPersonId")
	rec.fsType, _ = n.value("ForeignSysType")
	list := n.child("", "leadAttributeList")
	if list == nil || list.isNil() {
		return rec
	}
	for _, a := range list.all("", "attribute") {
		name, ok := a.value("attrName")
		if !ok || name == "" {
			rec.badAttrs = "An attribute has no attrName"
			continue
		}
		v, hasValue := a.value("attrValue")
		rec.attrs = append(rec.attrs, soapAttr{name: name, value: v, hasValue: hasValue})
	}
	return rec
}

type syncOutcome struct {
	leadID int
	status string // CREATED, UPDATED, FAILED
	reason string
}

func (s *Server) syncMultipleLeads(ctx context.Context, params *xnode, cfg Config, fs *fieldSet) reply {
	list := params.child("", "leadRecordList")
	if list == nil || list.isNil() {
		return s.soapFaultCounted(20109, "syncMultipleLeads operation failed: leadRecordList is required")
	}
	dedup := true
	if v, ok := params.value("dedupEnabled"); ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1":
		case "false", "0":
			dedup = false
		default:
			return s.soapFaultCounted(20110, fmt.Sprintf("syncMultipleLeads operation failed: dedupEnabled must be true or false, not '%s'", clip(v)))
		}
	}
	nodes := list.all("", "leadRecord")
	if cfg.MaxBatch > 0 && len(nodes) > cfg.MaxBatch {
		return s.soapFaultCounted(20110, fmt.Sprintf("syncMultipleLeads operation failed: %d lead records in one call, at most %d are allowed", len(nodes), cfg.MaxBatch))
	}
	records := make([]soapRecord, len(nodes))
	var unknown []string
	seen := map[string]bool{}
	for i, n := range nodes {
		records[i] = parseLeadRecord(n)
		for _, a := range records[i].attrs {
			if fs.bySOAP[a.name] == nil && !seen[a.name] {
				seen[a.name] = true
				unknown = append(unknown, a.name)
			}
		}
	}
	if len(unknown) > 0 {
		return s.soapFaultCounted(20105, "syncMultipleLeads operation failed: unknown fields for import: "+strings.Join(unknown, ", "))
	}

	now := s.now()
	out := make([]syncOutcome, len(records))
	created, updated, failed := 0, 0, 0
	race := time.Duration(0)
	if dedup {
		race = cfg.UpsertRace
	}
	unseen, ok := s.store.lockForUpsert(ctx, race)
	if !ok {
		// Nobody reads this answer; like a call abandoned during the
		// latency wait, it is not counted as a fault.
		return soapFault(10001, "Internal error: the client went away")
	}
	for i, rec := range records {
		out[i] = s.syncRecord(rec, dedup, fs, now, unseen)
		switch out[i].status {
		case "CREATED":
			created++
		case "UPDATED":
			updated++
		default:
			failed++
		}
	}
	s.store.mu.Unlock()
	s.rec.outcomes(created, updated, failed)

	var b bytes.Buffer
	b.Grow(200 + 110*len(out))
	b.WriteString(soapSuccessHead)
	b.WriteString(`<ns1:successSyncMultipleLeads><result><syncStatusList>`)
	for _, o := range out {
		b.WriteString(`<syncStatus><leadId>`)
		b.WriteString(strconv.Itoa(o.leadID))
		b.WriteString(`</leadId><status>`)
		b.WriteString(o.status)
		b.WriteString(`</status>`)
		if o.reason == "" {
			b.WriteString(`<error xsi:nil="true" />`)
		} else {
			b.WriteString(`<error>`)
			xmlText(&b, o.reason)
			b.WriteString(`</error>`)
		}
		b.WriteString(`</syncStatus>`)
	}
	b.WriteString(`</syncStatusList></result></ns1:successSyncMultipleLeads>`)
	b.WriteString(soapSuccessTail)
	return reply{status: http.StatusOK, contentType: "text/xml; charset=utf-8", body: b.Bytes()}
}

// syncRecord applies one record; the caller holds the store lock. Leads in
// unseen are not matched by ForeignSysPersonId or Email (see
// [store.lockForUpsert]); an Id cannot name them, as the client has not
// been told it.
//
// Keys follow the syncMultipleLeads docs: Id wins over ForeignSysPersonId,
// which wins over Email; a lead matched by Id or ForeignSysPersonId keeps
// its email unless Email is also sent as an attribute; with dedup on and
// no other key the Email element finds the lead; with dedup off a record
// keyed by Email always creates a new lead.
func (s *Server) syncRecord(rec soapRecord, dedup bool, fs *fieldSet, now time.Time, unseen idRange) syncOutcome {
	fail := func(id int, reason string) syncOutcome {
		return syncOutcome{leadID: id, status: "FAILED", reason: reason}
	}
	id := 0
	if rec.hasID {
		n, err := strconv.ParseInt(strings.TrimSpace(rec.idText), 10, 32)
		if err != nil {
			return fail(0, fmt.Sprintf("Invalid Id '%s': a whole number expected", clip(rec.idText)))
		}
		id = int(n)
	}
	if rec.badAttrs != "" {
		return fail(id, rec.badAttrs)
	}
	var changes []fieldChange
	emailAttr, hasEmailAttr := "", false
	for _, a := range rec.attrs {
		f := fs.bySOAP[a.name]
		if !a.hasValue {
			return fail(id, fmt.Sprintf("Attribute '%s' has no attrValue", a.name))
		}
		if f.CRMManaged {
			return fail(id, fmt.Sprintf("Field '%s' is managed by the CRM and cannot be updated", a.name))
		}
		if f.ReadOnly {
			return fail(id, fmt.Sprintf("Field '%s' is read-only", a.name))
		}
		v, reason := checkValue(f, a.value)
		if reason != "" {
			return fail(id, reason)
		}
		if f.SOAPName == "Email" {
			emailAttr, hasEmailAttr = v, true
			continue
		}
		changes = append(changes, fieldChange{f, v})
	}
	if rec.email != "" {
		if reason := checkEmail(rec.email); reason != "" {
			return fail(id, fmt.Sprintf("Invalid Email '%s': %s", clip(rec.email), reason))
		}
	}
	if rec.fspi != "" {
		switch rec.fsType {
		case "CUSTOM", "SFDC", "NETSUITE":
		case "":
			return fail(id, "ForeignSysType is required when ForeignSysPersonId is given (CUSTOM, SFDC or NETSUITE)")
		default:
			return fail(id, fmt.Sprintf("Invalid ForeignSysType '%s': CUSTOM, SFDC or NETSUITE expected", clip(rec.fsType)))
		}
		if len(rec.fspi) > 255 {
			return fail(id, "ForeignSysPersonId is too long: at most 255 characters")
		}
	}

	st := s.store
	var l *lead
	status := "UPDATED"
	newEmail, setEmail := emailAttr, hasEmailAttr
	switch {
	case rec.hasID:
		if l = st.lead(id); l == nil {
			return fail(id, fmt.Sprintf("Lead not found: no lead has Id %d", id))
		}
	case rec.fspi != "":
		if lid, ok := st.byFSPI[rec.fspi]; ok && !unseen.has(lid) {
			l = st.lead(lid)
		} else if !setEmail && rec.email != "" {
			newEmail, setEmail = rec.email, true
		}
	case rec.email != "":
		if dedup {
			l = st.mostRecent(unseen.without(st.findEmail(rec.email)))
		}
		if l == nil && !setEmail {
			newEmail, setEmail = rec.email, true
		}
	default:
		return fail(0, "Lead record has no key: give Id, ForeignSysPersonId or Email")
	}
	if l == nil {
		l = st.create(now)
		status = "CREATED"
	}
	if setEmail && newEmail != l.email {
		st.setEmail(l, newEmail)
	}
	if rec.fspi != "" {
		st.setFSPI(l, rec.fspi, rec.fsType, now)
	}
	st.setFields(l, changes)
	if status == "UPDATED" {
		// Any update, even one writing the values the lead has (see
		// doc.go); a new lead's creation stamped it already.
		st.touch(l, now)
	}
	return syncOutcome{leadID: l.id, status: status}
}

// describeMObject answers for LeadRecord only; Marketo also describes
// ActivityRecord, Opportunity and OpportunityPersonRole, which the sandbox
// refuses with the fault Marketo gives for an unknown object name.
func (s *Server) describeMObject(params *xnode, fs *fieldSet) reply {
	name, _ := params.value("objectName")
	if strings.TrimSpace(name) != "LeadRecord" {
		return s.soapFaultCounted(20110, "Object name is not valid")
	}
	stamp := s.started.UTC().Format("2006-01-02T15:04:05+00:00")
	var b bytes.Buffer
	b.WriteString(soapSuccessHead)
	b.WriteString(`<ns1:successDescribeMObject><result><metadata><name>LeadRecord</name><description>Lead record</description><isCustom>false</isCustom><isVirtual>false</isVirtual><fieldList>`)
	nilEl := func(tag string) { b.WriteString("<" + tag + ` xsi:nil="true" />`) }
	el := func(tag, v string) {
		b.WriteString("<" + tag + ">")
		xmlText(&b, v)
		b.WriteString("</" + tag + ">")
	}
	for _, f := range fs.list {
		b.WriteString(`<field>`)
		el("name", f.SOAPName)
		nilEl("description")
		el("displayName", f.DisplayName)
		el("sourceObject", "Lead")
		dt := f.DataType
		if dt == TypeDateTime {
			dt = "dateTime"
		}
		el("dataType", dt)
		if f.Length > 0 {
			el("size", strconv.Itoa(f.Length))
		} else {
			nilEl("size")
		}
		el("isReadonly", strconv.FormatBool(f.ReadOnly))
		el("isUpdateBlocked", strconv.FormatBool(!f.updateable()))
		el("isName", strconv.FormatBool(f.SOAPName == "FirstName" || f.SOAPName == "LastName"))
		el("isPrimaryKey", strconv.FormatBool(f.SOAPName == "Id"))
		el("isCustom", strconv.FormatBool(f.Custom))
		el("isDynamic", "false")
		nilEl("dynamicFieldRef")
		el("updatedAt", stamp)
		b.WriteString(`</field>`)
	}
	b.WriteString(`</fieldList>`)
	el("updatedAt", stamp)
	b.WriteString(`</metadata></result></ns1:successDescribeMObject>`)
	b.WriteString(soapSuccessTail)
	return reply{status: http.StatusOK, contentType: "text/xml; charset=utf-8", body: b.Bytes()}
}
