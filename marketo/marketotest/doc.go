// Package marketotest is a local Marketo: a real HTTP server speaking the
// SOAP syncMultipleLeads call and the REST Sync Leads call over one lead
// store, with Marketo's authentication, limits and faults, plus injected
// trouble (latency, 5xx, dropped connections, malformed bodies).
//
// It runs in-process for tests, like net/http/httptest, and standalone as
// `leadsheet sandbox` for people without a Marketo account.
package marketotest
