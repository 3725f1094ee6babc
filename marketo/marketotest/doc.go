// Package marketotest is a local Marketo: a real HTTP server speaking the
// SOAP syncMultipleLeads call, the REST Sync Leads, Get Leads by Filter
// Type, Delete Leads, Describe Lead and Get Daily Usage calls, static
// lists and their members, programs with member statuses, lead partitions
// and the Bulk Lead and Program Member Import over one lead store, with
// Marketo's authentication, limits, field types and faults, plus
// injected trouble (latency, 5xx, dropped connections, malformed and slow
// bodies) and a simulated other integration sharing the instance's
// limits. A million stored leads take about 230 MB of live heap, and
// calls do not slow down as the store grows.
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
//	POST <url>/rest/v1/leads/delete.json      Delete Leads ({"input":[{"id":…}]} or ?id=…)
//	GET  <url>/rest/v1/leads/describe.json    (superseded; kept for old clients)
//	GET  <url>/rest/v1/leads/describe2.json   Describe Lead2
//	GET  <url>/rest/v1/stats/usage.json       Get Daily Usage
//	POST <url>/bulk/v1/leads.json?format=csv|tsv|ssv[&lookupField=…][&listId=…][&partitionName=…]
//	                                          Import Leads (multipart part "file")
//	GET  <url>/bulk/v1/leads/batch/{batchId}.json            Get Import Lead Status
//	GET  <url>/bulk/v1/leads/batch/{batchId}/failures.json   Get Import Lead Failures
//	GET  <url>/bulk/v1/leads/batch/{batchId}/warnings.json   Get Import Lead Warnings
//	POST <url>/bulk/v1/program/{programId}/members/import.json?format=…&programMemberStatus=…
//	                                          Import Program Members (multipart part "file")
//	GET  <url>/bulk/v1/program/members/import/{batchId}/status.json     Get Import Program Member Status
//	GET  <url>/bulk/v1/program/members/import/{batchId}/failures.json   Get Import Program Member Failures
//	GET  <url>/bulk/v1/program/members/import/{batchId}/warnings.json   Get Import Program Member Warnings
//	GET  <url>/rest/v1/leads/partitions.json  Get Lead Partitions
//	GET  <url>/rest/v1/lists.json[?id=…&name=…&programName=…&workspaceName=…]   Get Lists
//	POST <url>/rest/v1/lists.json             the same, _method=GET and the query in a form body
//	GET  <url>/rest/v1/lists/{listId}.json    Get List by Id
//	POST <url>/rest/v1/lists/{listId}/leads.json    Add to List ({"input":[{"id":…}]} or ?id=…)
//	DELETE <url>/rest/v1/lists/{listId}/leads.json  Remove from List (also POST ?_method=DELETE)
//	GET  <url>/rest/v1/lists/{listId}/leads.json    Get Leads by List Id (also /rest/v1/list/{listId}/leads.json,
//	                                          and either as POST with _method=GET)
//	GET  <url>/rest/v1/lists/{listId}/leads/ismember.json?id=…   Member of List
//	POST <url>/rest/v1/programs/{programId}/members/status.json  Sync Program Member Status
//	GET  <url>/rest/v1/programs/{programId}/members.json?filterType=…   Get Program Members
//	GET  <url>/rest/v1/programs/members/describe.json   Describe Program Member
//	GET|POST <url>/rest/asset/v1/staticLists.json     Get Static Lists, Create Static List
//	GET  <url>/rest/asset/v1/staticList/{id}.json, …/staticList/byName.json?name=…
//	GET  <url>/rest/asset/v1/folders.json, …/folder/byName.json?name=…, …/folder/{id}.json?type=…
//	GET|POST <url>/rest/asset/v1/programs.json        Get Programs, Create Program
//	GET  <url>/rest/asset/v1/program/{id}.json, …/program/byName.json?name=…
//	GET  <url>/rest/asset/v1/channels.json, …/channel/byName.json?name=…
//	GET  <url>/sandbox/leads, …/lists, …/programs, …/partitions, …/stats   inspection (JSON)
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
//     filter (1003 for another filter's token or a broken one) that holds
//     the last id given, so leads deleted between pages move no one
//     across a page boundary. Every
//     lead has its id, asked for or not, as a live instance recorded in
//     node-marketo-rest's fixtures answers. Fields asked for and empty are
//     null (booleans false); numbers and booleans are JSON-typed;
//     createdAt and updatedAt are RFC 3339 UTC to the second (see
//     updatedAt below). Without fields: id, email, updatedAt, createdAt,
//     firstName, lastName. The
//     POST form (_method=GET in the URL) is read from an
//     application/x-www-form-urlencoded body only (612 otherwise); a
//     request URI over 8,192 bytes gets HTTP 414, uncounted, like 413.
//     Stats count the two forms as "REST getLeadsByFilter" and "REST
//     getLeadsByFilter via POST", apart from Sync Leads ("REST
//     leads.json"); they count against the same limits and quota and
//     suffer the same injected trouble.
//   - Delete Leads is POST only (605 otherwise) and takes its ids as Add
//     to List does: a JSON body {"input":[{"id":N}]} (leads.md), or, with
//     no body, id query parameters, repeated or comma-separated (the
//     Swagger spec); none is 1002, more than 300 1003 (leads.md: "up to
//     300 leads"; the code is the list calls'), a body that is not JSON
//     612, broken JSON 609. Per id, in order: "deleted", as in the docs'
//     example, or skipped with 1004 "Lead not found" (Adobe shows no
//     skipped record; this is the list calls' answer) for an id no lead
//     has, a lead deleted already (earlier in the same call too) and one
//     in a partition the API user may not see. A deleted lead is gone at
//     once from every answer: Get Leads by Filter Type, Get Leads by List
//     Id, Get Program Members, Leads and /sandbox/leads; the list calls
//     and Sync Program Member Status skip it with 1004. Its memberships of static lists and programs go with
//     it, and its email, ForeignSysPersonId and searchable values match
//     nothing any more, so a later Sync Leads, syncMultipleLeads or bulk
//     row with the same email creates a new lead with a new id. Ids are
//     never reused. Get Deleted Leads (an activities call) is not
//     emulated. Stats counts the call as "REST delete leads" and the
//     leads it deleted in LeadsDeleted.
//   - updatedAt is stamped by every write of a lead's fields: Sync Leads
//     (REST and SOAP) and bulk rows, and a lead whose ForeignSysPersonId a
//     SOAP record takes for another lead. Any update counts, one writing
//     the values the lead has already included: Adobe does not say
//     whether Marketo skips those, and stamping them means a client never
//     takes a lead for untouched when a sync reached it. A new lead's
//     updatedAt is its createdAt. Memberships (Add to List, Remove from
//     List, program statuses, the list or program of an import) are not
//     lead fields and leave it as it is. Answers give it to the second,
//     so the sandbox keeps it strictly increasing per lead at that
//     resolution: a change within the second of the lead's previous one
//     takes the next second, running ahead of the clock by a second for
//     each extra change. Two changes of one lead therefore never read the
//     same updatedAt; Marketo documents no such guarantee, and a live
//     instance may give two changes within a second the same one.
//   - Limits are shared by SOAP, REST and Bulk. Concurrency is checked as
//     a call arrives (20024/615); refused calls are not in flight. Rate
//     window and daily quota count only calls that passed authentication
//     and the limits: refused calls do not count (601/602, 20014/20016,
//     20023/606, 20015/607, 615, 604), and neither does a REST answer with
//     a response-level error, 6xx or 7xx (605, 609, 610, 611, 612, 701),
//     as error-codes.md says: such a call holds its place in the window
//     while it runs and gives it back when it answers. Call-level 1xxx
//     answers (1003, 1006, 1016, …) count, as do SOAP faults after the
//     limits (20105, 20110, …). One daily counter, default 50,000 (the REST
//     figure; SOAP docs said 10,000), reset at 00:00 CST taken as fixed
//     UTC-6: during daylight saving time that is 01:00 in Chicago, so a
//     client counting from midnight America/Chicago starts its day an hour
//     early; usage.json's date says which day the sandbox counts. The
//     identity endpoint is not a counted call.
//   - Get Daily Usage (usage.json) answers one result for today: date
//     (yyyy-mm-dd, the quota's day), total (the same counter as the quota,
//     this call included) and users, the API users with calls today in
//     name order, each with its count: the REST client id, the SOAP user
//     id and OtherIntegrationUser. Marketo names API users by email; the
//     sandbox has no users but its credentials. It takes a token, GET only
//     (605), and counts like every call ("REST usage.json" in Stats).
//     last7days.json and errors.json are not emulated (610).
//   - The simulated other integration (OtherIntegrationSlots,
//     OtherIntegrationRate; `--other-integration`, `--other-rate`) is a
//     steady neighbour, not a client of the sandbox: it holds its slots of
//     MaxConcurrent all the time and is in every rate window with its
//     calls, so our calls get 615/606 when they take more than the rest.
//     Its calls, evenly spaced from the sandbox's start, count against the
//     daily quota as OtherIntegrationUser's, until the quota is used up;
//     ours never push it out. After a Configure it keeps its new pace from
//     the next call the sandbox sees.
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
//     lead. Keys of leads that existed still match them, unless Delete
//     Leads took them meanwhile, and records of one call still see each
//     other's new leads.
//     createOnly, updateOnly, createDuplicate and dedupEnabled false do not
//     wait: Adobe's remedy for the duplicates is createOnly or updateOnly.
//     A client that hangs up during the wait has nothing written.
//   - Bulk Import: paths are under /bulk, not /rest; the token is read
//     only from "Authorization: Bearer" (access_token in the query or the
//     form is 601). A request body over 10,000,000 bytes (Marketo's "10MB
//     for Import Lead", the smaller reading, for the whole multipart body,
//     so the file itself must be a little smaller) gets HTTP 413 before the
//     token is checked, uncounted. Bulk calls share the concurrency, rate
//     and quota with every other call, and suffer the same injected
//     trouble; Stats counts them as "BULK import leads", "BULK import
//     status", "BULK import failures" and "BULK import warnings", and the
//     program member calls as "BULK import program members" and "BULK
//     import program members status" (failures, warnings).
//   - Import Leads: format is required (the Swagger spec; the prose says it
//     defaults to CSV), in any case, from the query or a form field as in
//     the docs' curl example; missing is 1002, another value 1003.
//     lookupField defaults to email; unknown 1006, unsearchable 1011 (the
//     searchable fields are Sync Leads': email, id, custom fields marked
//     Searchable). listId must be a whole number (1001) naming a static
//     list (1013 "Static list not found" otherwise, the answer Segment's
//     tests expect); while another job for the same list is Queued or
//     Importing the upload is 1019 "Import in progress". A row applied
//     (created or updated, with or without a warning) makes its lead a
//     member of the list, as the row is applied, if the lead's partition is
//     in the list's workspace. partitionName is resolved at upload as Sync
//     Leads resolves it (1008 call-level for an unknown or denied one,
//     1009 without one when Default is denied, unless lookupField is id,
//     which creates nothing); rows then follow createOrUpdate's partition
//     rules, a refused row failing with 1008's or 1010's message. No file part is 1002, a body that is not
//     multipart/form-data 612, a blank file 1003 "Empty File" (the answer
//     rudder-transformer recorded). The answer is {batchId, importId,
//     status "Queued"}; batchIds count up from 3401, importId is the same
//     number as a string.
//   - The queue is instance-wide and FIFO: at most 10 jobs Queued or
//     Importing, an 11th is 1016 "Too many imports" (a counted call), at
//     most 2 Importing. A job stays Queued at least BulkImportDelay
//     (`--bulk-delay`, default 2 s), starts when a slot is free, and takes
//     BulkRowTime (`--bulk-row-time`, default 0.5 ms) per row. Everything
//     follows the sandbox clock and is brought up to date whenever any
//     request arrives or Leads or Stats is read, so a test moves a job by
//     moving its clock; rows apply as the clock passes them, each stamped
//     with the time its turn came, the rows of two importing jobs one job
//     after the other within one update.
//   - Get Import Lead Status answers status Queued, Importing, Complete or
//     Failed with numOfLeadsProcessed (rows imported, with or without a
//     warning, not failed ones, as the docs' examples count),
//     numOfRowsFailed and numOfRowsWithWarning so far, and message once
//     the job has ended: "Import succeeded, N records imported (N
//     members)", "…, W warning." and "Import completed with errors, …, F
//     failed" as in the docs; "warnings" for more than one and the form
//     with both failures and warnings ("…, F failed, W warnings.") are
//     guesses. A batchId is valid for seven days from the upload; after
//     that, and for an id never given, the answer is 1013 "Object not
//     found" (the code for an unknown object; Marketo's answer is not
//     documented). A batchId that is not a number is 1001.
//   - A whole job fails (Failed, its message saying why, nothing written)
//     when its file is not well-formed CSV, TSV or SSV (RFC 4180 quoting
//     with the format's delimiter), when a header name is not a REST field
//     name (case-sensitive; a UTF-8 byte order mark makes the first name
//     unknown), or a name appears twice. The header is checked when the job
//     starts, against the fields configured then. Adobe does not document
//     what a live instance does with an unknown column.
//   - Rows are an insert or update on lookupField, applied in file order
//     (a later row updates the lead an earlier one created): no match
//     creates a lead, one match updates it, several fail the row with
//     "Multiple leads match the lookup criteria" (as Sync Leads' 1007);
//     lookupField id only updates, an id no lead has failing with "Lead
//     not found". A blank cell leaves the field as it is (Marketo's list
//     import does not overwrite with blanks); there is no way to clear a
//     field through bulk. Row failures, with the reason in the failures
//     file: no lookup value, "Value for lookup field 'email' not found"
//     (the wording of a recorded failures file); a row with more or fewer
//     values than the header; a value of the wrong type, by Sync Leads'
//     rules, "Invalid data type in field Lead Score" (display name, as in
//     the docs' example); a value too long or not UTF-8; a value in a
//     read-only or CRM-managed column; an id column when lookupField is
//     not id. The first failure in a row is its reason. The one warning is
//     the docs' example: a value in an email field that is not an address
//     by Sync Leads' rules is imported as given, with "Invalid email
//     address"; several warnings in a row join with "; ", and a row that
//     fails has no warning. Like Marketo, nothing says which rows created
//     leads, but Stats.LeadsCreated, LeadsUpdated and LeadsFailed count
//     bulk rows too.
//   - The failures and warnings files are ready once the job is Complete
//     or Failed (before that, 1003 saying so; the Swagger spec's "so far"
//     is read as the status counts only). They hold the rows as sent, in
//     file order, a short row padded with blanks, with the delimiter of the
//     upload, quoted only where needed (Go's encoding/csv, "\n" line
//     ends), and the column "Import Failure Reason" or "Import Warning
//     Reason" last; Content-Type text/csv (TSV: text/tab-separated-values).
//     There is no row number. A column blank in every row of the file is
//     left out, as in a community-reported failures file that lost its
//     empty email column; with no rows the file is the header alone.
//   - Import Program Members takes format as Import Leads does and
//     programMemberStatus (required, 1002; from the query or a form
//     field); the programId path segment must be a whole number (1001)
//     naming a program (1013 "Program not found", as the program member
//     calls answer). A status the program's channel lacks (exact name) and
//     Not in Program (step 0, which makes no one a member) fail the call
//     with 1025 "Program status not found", as Sync Program Member Status
//     refuses an unknown statusName. There is no lookupField, listId or
//     partitionName: rows are Import Leads' insert or update on email, with
//     its checks, failures and warnings, new leads going into the first
//     partition of the program's workspace the API user may access (none:
//     call-level 1008 naming the workspace's first partition); a lead
//     matched in another partition fails its row with "Partition update
//     not allowed", as a createOrUpdate's would. The header must have an
//     email column (else the job fails when it starts); header names are
//     lead fields only, read case-sensitively as everywhere (the sandbox
//     has no custom program member fields; a standard member field such as
//     statusName is unknown). A row without an email fails with "Value for
//     required field 'email' not found"; a value in an id column fails its
//     row ("Field 'id' cannot be imported: program members are matched on
//     email"). Each row applied makes its lead a member at the status, as
//     Sync Program Member Status moves members (a higher step, or another
//     status of the same step; reachedSuccess stays once reached), stamped
//     with the row's time. A member already in the status or one of a
//     higher step keeps it: the row is still imported (its lead fields
//     written) and counted as a warning, "Lead is already in or past this
//     status; its status '…' is kept" (Adobe is silent; a warning tells
//     the client its status was not applied). The status and message are
//     Import Leads' ("(N members)" counts the rows imported). Jobs of both
//     kinds share the one queue (10, 1016; 2 importing) and batchId
//     sequence; a batchId is answered only by its own kind's status and
//     file URLs, the other kind's answering 1013 "Object not found" as for
//     an unknown batch, so a client polling the wrong family is caught.
//     Bulk exports are not emulated (610).
//
// # Static lists, programs and partitions
//
// Answers have the shapes of Adobe's examples (static-lists.md,
// list-membership.md, programs.md, program-members.md, channels.md) and of
// live answers recorded in node-marketo-rest's fixtures and in grouparoo's
// Marketo test fixtures (2021: Create Static List, Add to List, Remove
// from List, Get Leads by List Id, Get Folder by Name). Where they are
// silent:
//
//   - Every sandbox starts with the Default partition (id 1, "Initial
//     system lead partition"), the workspace Default, folders Lead
//     Database › Default (id 5, a Zone) › Group Lists (12, type List, as
//     recorded) and Marketing Activities › Default (15) › Webinars (16, a
//     Marketing Folder), the list "Newsletter Subscribers" (SeedListID,
//     6001) in Group Lists, the Event program "2026 Product Webinar"
//     (SeedProgramID, 7001) in Webinars with the list "Webinar Invitees"
//     (6002) inside it, all empty, and four channels: Blog (3) and Online
//     Advertising (4) as channels.md gives them, Email Blast (1: Not in
//     Program 0, Member 10, Engaged 20 success) and Webinar (5, event: Not
//     in Program 0, Invited 10, Registered 20, No Show 30, Attended 30
//     success, Attended On-demand 40 success). Another workspace (named
//     by a partition) gets its own Lead Database root, Group Lists and
//     Marketing Activities root. List ids count from 6001 and program ids
//     from 7001, away from lead ids, so a client that mixes them up is
//     answered "not found". Folders cannot be created or changed, and
//     no asset can be deleted.
//   - Lead Database list calls answer an unknown list with 1013 "Static
//     list not found" and an unknown program with 1013 "Program not
//     found" (error-codes.md: "Get object (list, campaign) by id returns
//     this error code"), call-level. A path id that is not a number is
//     1001. Asset API calls that find nothing answer success with the
//     warning "No assets found for the given search criteria." and no
//     result, as recorded; their errors and warnings arrays are always
//     there. Missing required Asset parameters are 701 "… cannot be
//     blank", unreadable dates 704; as 6xx and 7xx answers these do not
//     count against the limits.
//   - Get Lists filters combine (a list must match every filter given,
//     any value of each), values comma-separated or repeated, names
//     matched exactly, by ascending id, pages of batchSize (1 to 300,
//     default 300) with moreResult and nextPageToken. The POST form reads
//     _method=GET from the URL or from the form body: node-marketo-rest
//     sends it in the body and a live instance answered that.
//   - Add to List, Remove from List and Member of List take the lead ids
//     from a JSON body {"input":[{"id":N}]} (numbers or strings of
//     digits), or else from id query parameters, repeated or
//     comma-separated; none is 1002, more than 300 1003, a body that is
//     not JSON 612, broken JSON 609. Adding a member again answers
//     "added", as recorded; removing a non-member is 1015 "Lead not in
//     list", as recorded. A lead no lead has, one in a partition the API
//     user may not see, and one whose partition is outside the list's
//     workspace are skipped with 1004 "Lead not found" (the last as a
//     community write-up describes it). Memberships do not change a
//     list's updatedAt. A POST to lists/{id}/leads.json counts as Get
//     Leads by List Id ("REST list leads via POST" in Stats) when its URL
//     says _method=GET or its body is a form that is not empty, as Remove
//     from List with _method=DELETE, and as Add to List otherwise.
//   - All these calls take a token, share the concurrency, rate and
//     quota with every other call and suffer the same injected trouble.
//     Stats counts them as "REST lists.json", "REST lists/{id}.json",
//     "REST add to list", "REST remove from list", "REST ismember.json",
//     "REST list leads", "REST partitions.json", "REST program members
//     status", "REST program members", "REST program members describe",
//     the Asset API's as "REST asset staticLists.json", "REST asset create
//     static list", "REST asset folders.json" and so on (the path after
//     /rest/asset/v1/, or "create …"), a Get sent as POST with " via
//     POST" after its name.
//   - Get Leads by List Id gives members by ascending id with the fields
//     and value types of Get Leads by Filter Type (id always; without
//     fields the six defaults), pages of 1 to 300 (default 300); a page
//     with more after it has a nextPageToken, which holds the last id
//     given (so members added or removed between pages shift nothing),
//     and, as in the docs' example, no moreResult.
//   - Create Static List reads name and folder from a form body or the
//     query string (Segment's integration sends them there), folder as
//     {"id":N,"type":"Folder"|"Program"} or a bare folder id (also
//     Segment's). A list goes in a folder of type List or in a program
//     (then it has the program's programName), in its workspace; another
//     folder is 711 "Incompatible Folder Type", an unknown one 710 "Parent
//     Folder Not Found". Names are unique in any case: a taken one is 709
//     "Static List with the same name already exists" (the answer
//     Segment's tests expect). By Name matches exactly. Get Static Lists
//     with folder gives the lists directly in it.
//   - Get Folders without root gives each workspace's roots (level 1) and
//     what is below them down to maxDepth (default 2); with root, root
//     (level 0) and maxDepth levels below it. Programs are in the tree as
//     folders of type Program, with the folderType of their program type
//     (Marketing Event for an Event). Folder names need not be unique,
//     as recorded; By Name gives every match.
//   - Programs: Create Program takes name, folder (under Marketing
//     Activities), type (Default, Event, Event with Webinar, answered as
//     Event, Engagement, Email) and a channel that applies to the type
//     (709 otherwise, and for a taken name); tags and costs are not kept
//     and answer null. Browse filterType is id, programId, folderId or
//     workspace.
//   - Sync Program Member Status: an unknown statusName fails the call
//     with 1025 "Program status not found" (one status is given for the
//     whole call); a status matches by exact name. Per lead: not yet a
//     member, "created"; a member moves to a status of a higher step, or
//     to another status of the same step (Adobe's "Create a Program
//     Channel": equal steps are "intended to switch back and forth"),
//     "updated"; the status it has or a lower step is 1037 "Lead skipped
//     because it is already in or past this status", and so is "Not in
//     Program" (step 0), which would take a lead out; 1004 as for lists
//     (the program's workspace). A skipped record has seq and reasons but
//     no leadId, as in the docs' example. reachedSuccess, once true,
//     stays true. acquiredBy is always false: leads reach programs here
//     only after something else created them.
//   - Get Program Members: filterType leadId, statusName (exact names),
//     reachedSuccess (true/false) or updatedAt (startAt, endAt, at most
//     seven days apart); a describe field that is not searchable is 1011,
//     another name 1003; an unknown name in fields 1006. Members come by
//     ascending leadId with seq (the place in the page), leadId (always)
//     and the fields; moreResult is always there. Fields the sandbox does
//     not keep are null (likelihoods, nurture cadence, track, waitlist
//     priority, status reason), isExhausted false. A POST to members.json
//     without _method=GET (Sync Program Member Data) is not emulated
//     (610), nor Delete Program Members, the program member schema calls,
//     Update/Delete/Clone/Approve of assets, or Update Lead Partition.
//   - Partitions (Config.Partitions, `--partition NAME[:WORKSPACE]`),
//     numbered from 2 after Default, each in a workspace (Default unless
//     given). Config.DeniedPartitions (`--deny-partition`) are those the
//     API user's role cannot reach: Get Lead Partitions leaves them out,
//     and their leads are left out of Get Leads by Filter Type, list and
//     program answers. leadPartitionId is a read-only integer field of
//     every lead (1 for Default), readable like any field.
//   - Sync Leads with partitionName and an action other than createOnly
//     or createOrUpdate is call-level 1003 (leads.md: partitionName
//     "works only when action is createOnly or createOrUpdate"). Without
//     partitionName new leads go to Default; when Default is denied,
//     every record that could create is skipped with 1009 "Partition name
//     must be specified". An unknown or denied partitionName skips every
//     record of createOnly or createOrUpdate with 1008 "Access denied to
//     partition '…'" (to the API user a partition it cannot see does not
//     exist). Keys are matched across partitions by default, as leads.md
//     implies ("To use partitionName as additional deduplication
//     criteria, include it in the source type for custom dedupe rules"):
//     a match in a denied partition is 1008 with that partition's name,
//     for any action (error-codes.md: "does not have access to a
//     workspace with the partition where the record exists"); a
//     createOrUpdate whose match is in another partition than its own is
//     1010 "Partition update not allowed" ("The specified record already
//     exists in a separate lead partition"); createOnly is 1005 as ever;
//     updateOnly updates a lead of any partition the user may access.
//     With Config.DedupeWithinPartition (`--dedupe-within-partition`)
//     createOnly and createOrUpdate match only leads of their partition,
//     so the same email can have a lead in each. SOAP ignores partitions:
//     its leads go to Default, and it matches leads of every partition.
package marketotest
