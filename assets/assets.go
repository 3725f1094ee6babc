// Package assets holds the files Leadsheet ships inside its binary: the app
// icon and the sample workbook used by the sandbox tour. Both are generated
// by the programs under internal/ and committed, so a build needs no tools.
package assets

import _ "embed"

//go:generate go run ./internal/genicon -o icon.png
//go:generate go run ./internal/gensample -o sample-leads.xlsx

// Icon is the 512x512 PNG app icon.
//
//go:embed icon.png
var Icon []byte

// SampleWorkbook is a trade-show lead list (.xlsx) for the sandbox tour. A
// few rows are deliberately wrong so the pre-flight report has something to
// show: a non-ASCII email, a row without any key and a repeated email.
//
//go:embed sample-leads.xlsx
var SampleWorkbook []byte

// SampleWorkbookName is the file name the sample workbook is shown under.
const SampleWorkbookName = "sample-leads.xlsx"
