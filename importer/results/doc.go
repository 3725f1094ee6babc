// Package results writes what a run did next to the operator's file, never
// over it: a copy of the workbook (or CSV, in the input's delimiter and
// encoding) with Status, Marketo Lead ID and Error columns, and a CSV of
// the rows to fix and send again, each written atomically.
package results
