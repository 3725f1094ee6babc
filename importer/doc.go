// Package importer turns an operator's workbook into Marketo leads: it reads
// .xlsx/.xlsm/.csv files as the operator sees them, maps columns to lead
// fields, validates every row before anything is sent, batches the valid
// rows, runs the sync, journals confirmed batches so a crash never sends a
// row twice, and writes the results to a new workbook.
//
// It has no widgets: the ui package and the headless CLI both drive it.
package importer
