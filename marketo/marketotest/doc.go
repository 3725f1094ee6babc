// Package marketotest is a local Marketo: a real HTTP server speaking the
// SOAP syncMultipleLeads call and the REST Sync Leads, Get Leads by Filter
// Type and Describe Lead calls over one lead store, with Marketo's
// authentication, limits, field types and faults, plus injected trouble
// (latency, 5xx, dropped connections, malformed and slow bodies).
//
// It runs in-process for tests, like net/http/httptest ([NewServer]), on a
// caller's listener ([NewHandler]), and standalone as `leadsheet sandbox`
// ([Main]) for people without a Marketo account. It does not import the
// marketo client package: it is an independent reading of the wire
// protocol, so a client bug is not mirrored by a sandbox bug.
//
// # Paths
//
//	POST <url>/soap/mktows/2_2          SOAP 1.1 (syncMultipleLeads, describeMObject)
//	GET  <url>/soap/mktows/2_2?WSDL     WSDL of what is implemented
//	GET|POST <url>/identity/oauth/token OAuth2 client credentials
//	POST <url>/rest/v1/leads.json       Sync Leads
//	GET  <url>/rest/v1/leads.json?filterType=…   Get Leads by Filter Type
//	POST <url>/rest/v1/leads.json?_method=GET    the same, query as a form body
//	GET  <url>/rest/v1/leads/describe.json    (superseded; kept for old clients)
//	GET  <url>/rest/v1/leads/describe2.json   Describe Lead2
//	GET  <url>/sandbox/leads, <url>/sandbox/stats   inspection (JSON)
//
// # What the sandbox decides where Marketo's documentation is silent
//
// Each choice below is an inference, made to catch client bugs rather than
// to forgive them.
//
//   - SOAP dispatch is on the Body's first element, by namespace and local
//     name; SOAPAction is ignored. Children must be unqualified and match
//     case-exactly; anything else is ignored like an unknown element (so a
//     qualified <ns1:Email> leaves a record without a key).
//   - A known 2_2 operation other than syncMultipleLeads and
//     describeMObject, or an element not in the WSDL, faults with 20019;
//     a non-mktows body element, a non-SOAP-1.1 envelope or broken XML
//     with 20012; a body over 16 MB gets HTTP 413.
//   - Auth: the signature is checked first (20014 for a missing header, an
//     unknown user or a bad signature, compared over the literal timestamp
//     text), then the timestamp (20016 when unparseable or further than
//     TimestampWindow, default 15 minutes, in either direction). Accepted
//     timestamp forms: RFC 3339 (fractions, Z), +hhmm offsets, and
//     "2006-01-02 15:04:05 -0700".
//   - syncMultipleLeads: more than MaxBatch records faults 20110 ("Input
//     error"); a missing leadRecordList 20109; a bad dedupEnabled 20110;
//     dedupEnabled omitted or nil means true, "True" is accepted. Unknown
//     attribute names fault the whole call with 20105 and the message
//     Marketo gives for syncLead, listing every unknown name once.
//     Attribute names are case-sensitive.
//   - Per record (FAILED with a reason, nothing stored): Id not found; no
//     key; ForeignSysPersonId without ForeignSysType or with a value other
//     than CUSTOM, SFDC, NETSUITE; a read-only or CRM-managed field; a
//     value that does not fit its field (see Field types below), with a
//     sentence saying why. An empty value clears a field. leadId of a
//     FAILED record is the Id sent, else 0.
//   - Keys: Id, then ForeignSysPersonId, then Email. A lead matched by Id or
//     ForeignSysPersonId keeps its email unless Email is an attribute; an
//     unknown ForeignSysPersonId creates a lead (no email dedup), taking the
//     Email element as its email; Id plus ForeignSysPersonId moves that
//     foreign id to the Id's lead. With dedup on and several leads sharing
//     an email, the most recently updated one is matched.
//   - REST: only "Authorization: Bearer" is read; an access_token query
//     parameter counts as no token (601), since Marketo removed it on
//     2026-08-31. The identity endpoint returns the same token until it
//     expires (as documented), with expires_in counting down.
//   - REST Sync Leads: unknown lookupField 1006, a known but unsearchable
//     one 1011 (searchable: email, id, and custom fields marked
//     Searchable), lookupField id outside updateOnly 1003, >MaxBatch 1003,
//     no input 701, wrong Content-Type 612, bad JSON 609, GET 605 — all
//     call-level, HTTP 200, success false. Per record: unknown field 1006,
//     a value that does not fit its field 1003 "Invalid value for field
//     '<REST name>'" whatever the type or the reason (the one sentence a
//     live instance answered), a read-only or CRM-managed field 1003
//     "Invalid data: field '…' is read-only" (Adobe does not record this
//     answer), id outside updateOnly, missing lookup value 1003, createOnly
//     on an existing lead 1005 "Lead already exists", updateOnly on a
//     missing one 1004 "Lead not found", several matches 1007; other
//     records of the call are applied. JSON null or "" clears a field.
//     Field names are case-sensitive; lookups by email and custom text
//     fields are case-insensitive, and a key is compared as the store
//     keeps it (memberNo "007" finds 7).
//   - Field types (shared by SOAP and REST; Adobe's field-types.md where
//     it says, a guess where it does not): integer, percent and score take
//     whole numbers of 32 bits, as JSON numbers or strings, surrounding
//     spaces ignored ("100%", 14.1, 14.0 and 1e3 are refused); float and
//     currency a plain decimal (no exponent, hex, Inf, NaN, thousands
//     separator); boolean true/false, 1/0 and yes/no in any case, as JSON
//     or strings (y/n, x, checked are refused); date exactly yyyy-mm-dd
//     and a real day; datetime ISO 8601 to the minute or second with an
//     offset or Z (no offset is refused, not read as Central time), kept
//     and answered in UTC to the second, as a live instance answered;
//     email ASCII with one @ and no spaces; string-like fields (string,
//     email, phone, url, reference) at most Length characters, text at
//     most Length bytes (custom string, email, phone and url fields
//     default to 255 characters, text to 30,000 bytes; a custom reference
//     has no limit unless given one); phone and url are not checked
//     beyond length; reference takes any text; formula fields are always
//     read-only. A boolean never set or cleared reads false in Get Leads,
//     not null, as a live instance answered; other cleared fields read
//     null. "A live instance" here is the Sync Leads and Get Leads answers
//     recorded in grouparoo's Marketo test fixtures (2020).
//   - Describe Lead2 answers result[0] = {name "API Lead",
//     searchableFields, fields}: each searchable field is a key of its own
//     ([["id"],["email"],…], no compound keys), fields in describe order
//     with name (the REST name), displayName, dataType, length (only when
//     the field has one), updateable (false for read-only, formula and
//     CRM-managed fields) and crmManaged. It needs a token and counts
//     against the limits and quota like every call ("REST
//     describe2.json" in Stats). describeMObject marks a CRM-managed field
//     isUpdateBlocked but not isReadonly.
//   - REST Get Leads by Filter Type: filterType must be a searchable field
//     (email, id, custom fields marked Searchable); a known unsearchable
//     one is 1011 "Field '…' not supported" (error-codes.md), an unknown
//     one 1003 "Invalid filterType '…'" (undocumented wording). Missing
//     filterType or filterValues is 1002, except that a GET with no
//     filterType at all stays 605, not being a call the sandbox knows.
//     filterValues and fields split on commas, repeated parameters join,
//     empty items are dropped; over 300 values 1003; an unknown name in
//     fields 1006; more than 1,000 matching leads 1003 "Too many results
//     match the filter". Values compare as Sync Leads looks keys up
//     (email and custom text case-insensitively, integers by value).
//     Leads come back by ascending id, in pages of batchSize (1 to 300,
//     default 300) with moreResult and a nextPageToken bound to the
//     filter (1003 for another filter's token or a broken one). Every
//     lead has its id, asked for or not, as a live instance recorded in
//     node-marketo-rest's fixtures answers. Fields asked for and empty are
//     null (booleans false); numbers and booleans are JSON-typed;
//     createdAt and updatedAt are RFC 3339 UTC to the second. Without
//     fields: id, email, updatedAt, createdAt, firstName, lastName. The
//     POST form (_method=GET in the URL) is read from an
//     application/x-www-form-urlencoded body only (612 otherwise); a
//     request URI over 8,192 bytes gets HTTP 414, uncounted, like 413.
//     Stats count the two forms as "REST getLeadsByFilter" and "REST
//     getLeadsByFilter via POST", apart from Sync Leads ("REST
//     leads.json"); they count against the same limits and quota and
//     suffer the same injected trouble.
//   - Limits are shared by SOAP and REST. Concurrency is checked as a call
//     arrives (20024/615); refused calls are not in flight. Rate window and
//     daily quota count only calls that passed authentication and were
//     admitted (REST docs: response-level errors are not counted); refused
//     calls do not count (20023/606, 20015/607). One daily counter, default
//     50,000 (the REST figure; SOAP docs said 10,000), reset at 00:00 CST
//     taken as fixed UTC-6. The identity endpoint is not a counted call.
//   - REST bodies over 1,000,000 bytes (the smaller reading of Marketo's
//     "1MB") get HTTP 413 before the token is checked, uncounted, as a
//     front end enforcing a size limit answers.
//   - Injected trouble, one kind per call at most: 5xx is a 502/503/504
//     HTML page before processing; "apply then 5xx" is the same page after
//     the leads were written (a gateway whose backend answered too late);
//     drop, malformed (truncated body) and slow answers also happen after
//     the leads were written, the cases in which a client must not assume
//     nothing happened. A REST time-out is Marketo's 604 without
//     processing, which Marketo documents as "not executed".
//   - Calls are applied one at a time, each atomically, unless UpsertRace
//     (`--upsert-race`) is set; it is off by default. It stands for the
//     Sync Leads docs' warning that "concurrent or closely timed upsert
//     requests can create duplicate records when multiple requests use the
//     same key value before the first request returns". An upsert (REST
//     createOrUpdate, SOAP dedupEnabled true) then notes which leads exist,
//     waits UpsertRace without holding the store, and applies its records
//     as usual except that leads other calls created during the wait are
//     not matched: a key that was new when the call arrived creates another
//     lead. Keys of existing leads still match them (leads are never
//     deleted), and records of one call still see each other's new leads.
//     createOnly, updateOnly, createDuplicate and dedupEnabled false do not
//     wait: Adobe's remedy for the duplicates is createOnly or updateOnly.
//     A client that hangs up during the wait has nothing written.
package marketotest
