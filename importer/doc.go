// Package importer turns an operator's workbook into Marketo leads. This
// package holds only what every step shares: the row, the mapping, the
// batch, row states and run events. The steps are its subpackages, in the
// order an import goes through them:
//
//	sheet    read .xlsx/.xlsm/.csv as the operator sees them (no Marketo here)
//	mapping  map columns to lead fields, saved presets, check every row
//	run      batch the valid rows and send them within Marketo's limits
//	journal  the record of what was sent, so a crash never sends a row twice
//	results  the results copy of the workbook and the rows to fix
//	job      the one import use case, tying the steps together
//	cli      `leadsheet sync`, a front end over job (the window is ui)
//
// Each subpackage depends on this one and on the steps before it, never on
// a later one. None has widgets.
package importer
