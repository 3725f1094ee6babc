// Package marketo talks to Marketo: the SOAP syncMultipleLeads call that
// Leadsheet was built around and the REST Sync Leads call that a live
// Marketo answers today. Both clients satisfy [Syncer], so the importer
// drives either without knowing which API is behind it.
//
// The package knows nothing of spreadsheets or widgets.
package marketo
