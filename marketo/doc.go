// Package marketo talks to Marketo: the SOAP syncMultipleLeads call that
// Leadsheet was built around and the REST Sync Leads call that a live
// Marketo answers today. Both clients satisfy [Syncer], so the importer
// drives either without knowing which API is behind it.
//
// Over REST, [RESTClient] is also a [LeadFinder] (Get Leads by Filter
// Type), so a run resumed after a crash can ask which leads a lost answer
// created; SOAP has no counterpart here.
//
// The package knows nothing of spreadsheets or widgets.
package marketo
