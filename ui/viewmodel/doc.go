// Package viewmodel is the window's state without widgets: the open file
// and its preview, the mapping being edited with each column's confidence
// and the import's choices (who may be changed, blank cells, values
// already in Marketo, tick columns, dates and times), where the leads go
// besides (a static list, a program and member status, only people already
// in Marketo, a partition), the pre-flight report
// as the Map step shows it, the before/after preview of what a sync would
// change, the live table of a run (one compact line per row, refreshed by
// one coalescing ticker), what Start checks first (today's API quota, an
// unfinished run with other settings), saved accounts with their API
// budget and the operator's number and time formats. The views in ui
// draw it; its tests need neither a display nor cgo.
package viewmodel
