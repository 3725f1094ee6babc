// Package sheet reads an operator's spreadsheet as the operator sees it:
// .xlsx and .xlsm streamed from their XML with each cell formatted by its
// style (phone numbers stay digits, dates become ISO 8601, leading zeros
// survive), and CSV read as Excel and Python's csv module read it, its
// delimiter and encoding sniffed. It finds the header row, refuses legacy,
// encrypted-without-password, damaged and oversized files with a plain
// message, and keeps memory bounded for any input. It knows nothing of
// Marketo.
package sheet
