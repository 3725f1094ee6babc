package results

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"leadsheet/importer"
	"leadsheet/importer/sheet"
)

// Result column headers, as added to the operator's sheet.
var resultHeaders = []string{"Status", "Marketo Lead ID", "Error"}

// headersFor are the columns the results add: with a static list
// targeted, one more saying what became of each row's lead in it.
func headersFor(opts ResultsOptions) []string {
	h := resultHeaders
	if opts.List != "" {
		h = append(slices.Clip(h), "List: "+opts.List)
	}
	if opts.Program != "" {
		h = append(slices.Clip(h), "Program: "+opts.Program)
	}
	return h
}

// ProgramWord says what became of a row's lead in the import's program.
func ProgramWord(p importer.ProgramState) string {
	switch p {
	case importer.ProgramSet:
		return "Status set"
	case importer.ProgramAlready:
		return "Already at or past this status (Marketo moves statuses forward only)"
	case importer.ProgramRefused:
		return "Not set: Marketo refused this lead"
	case importer.ProgramNotSet:
		return "Not set yet: run the same file again to set it"
	case importer.ProgramLaterRow:
		return "Not this row's status: a later row for this person named another, which was set"
	}
	return ""
}

// ListWord says what became of a row's lead in the import's list.
func ListWord(l importer.ListState) string {
	switch l {
	case importer.ListAdded:
		return "Added"
	case importer.ListNotFound:
		return "Not added: Marketo has no such lead"
	case importer.ListNotAdded, importer.ListAdding:
		return "Not added yet: run the same file again to add it"
	case importer.ListAlready:
		return "Already a member"
	}
	return ""
}

// StatusWord is a row state as the operator reads it in the results.
func StatusWord(s importer.RowState) string {
	switch s {
	case importer.Created:
		return "Created"
	case importer.Updated:
		return "Updated"
	case importer.Failed:
		return "Failed"
	case importer.Skipped:
		return "Invalid (not sent)"
	case importer.NotSent:
		return "Not sent"
	case importer.Unknown:
		return "Unknown (check in Marketo)"
	case importer.CreatedOrUpdated:
		return "Created or updated"
	case importer.LeftAlone:
		return "Left alone"
	case importer.Imported:
		return "Imported"
	case importer.ImportedWithWarning:
		return "Imported with warning"
	case importer.InMarketo:
		return "In Marketo (not changed)"
	case importer.Sending:
		return "Sending"
	default:
		return "Waiting"
	}
}

// needsRetry reports whether a row belongs in the failures file: it can be
// fixed and sent again. Unknown rows are left out: sending them again may
// create a lead twice.
func needsRetry(s importer.RowState) bool {
	return s == importer.Failed || s == importer.Skipped || s == importer.NotSent
}

// ResultsOptions says where a run's results go.
type ResultsOptions struct {
	Input     string // the operator's file; never written
	Sheet     string // the imported sheet (xlsx)
	HeaderRow int    // sheet row of the header
	// Output is the results file; empty means
	// <input>-results-YYYYMMDD-HHMMSS.xlsx (or .csv) beside the input.
	Output string
	// Failures is the CSV of rows to fix and send again; empty means
	// <input>-failed-YYYYMMDD-HHMMSS.csv beside the input. It is written
	// only when some row failed, was invalid or was not sent.
	Failures string
	Now      time.Time // time stamp for default names; zero means now
	// Password of an encrypted workbook; the results copy is encrypted
	// with it too.
	Password string
	// List names the static list the import added its leads to; it adds
	// a column saying what became of each row's lead there. "" for none.
	List string
	// Program names the program and status the import set ("2026
	// Webinar: Registered"); it adds a column saying what became of each
	// row's lead there. "" for none.
	Program string
}

// ResultsFiles names what [WriteResults] wrote.
type ResultsFiles struct {
	Results    string
	Failures   string // empty when no row needed retrying
	FailedRows int
}

// DefaultResultsPath is where results go when the operator names no file.
func DefaultResultsPath(input string, now time.Time, ext string) string {
	base := strings.TrimSuffix(input, filepath.Ext(input))
	return fmt.Sprintf("%s-results-%s%s", base, now.Format("20060102-150405"), ext)
}

// WriteResults writes a run's results beside the input, never over it:
//
//   - for a workbook, a copy of it with Status, Marketo Lead ID and Error
//     columns added to the imported sheet after its last used column; other
//     sheets, styles and formulas are copied byte for byte and the imported
//     sheet keeps its cells and their formatting (it is rewritten as a
//     stream, so memory stays flat however many rows it has);
//   - for a CSV, a CSV of the data rows with the same three columns added;
//   - a CSV of the rows to fix and send again (failed, invalid, not sent),
//     with the original headers only, so it can be imported as it is.
//
// Each file is written to a temporary file in the same folder, synced and
// renamed into place, so a crash never leaves half a file under its name.
// wb must be the workbook opened from opts.Input.
func WriteResults(ctx context.Context, wb *sheet.Workbook, opts ResultsOptions, results []importer.RowResult) (ResultsFiles, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	byRow := sortedResults(results)
	failed := 0
	for _, r := range results {
		if needsRetry(r.State) {
			failed++
		}
	}
	ext := ".xlsx"
	if wb.Format() == "csv" {
		ext = ".csv"
	} else if strings.EqualFold(filepath.Ext(opts.Input), ".xlsm") {
		ext = ".xlsm"
	}
	out := ResultsFiles{Results: opts.Output, Failures: opts.Failures, FailedRows: failed}
	if out.Results == "" {
		out.Results = DefaultResultsPath(opts.Input, opts.Now, ext)
	}
	if failed == 0 {
		out.Failures = ""
	} else if out.Failures == "" {
		base := strings.TrimSuffix(opts.Input, filepath.Ext(opts.Input))
		out.Failures = fmt.Sprintf("%s-failed-%s.csv", base, opts.Now.Format("20060102-150405"))
	}
	for _, p := range []string{out.Results, out.Failures} {
		if p == "" {
			continue
		}
		if same, err := samePath(p, opts.Input); err != nil {
			return ResultsFiles{}, err
		} else if same {
			return ResultsFiles{}, fmt.Errorf("the results file %s is the file being imported; Leadsheet never writes over it. Choose another name", p)
		}
	}

	// CSV files copy the input's delimiter and encoding; a workbook's
	// failures file is comma-separated UTF-8.
	shape, isCSV := wb.CSVShape()
	if !isCSV {
		shape = sheet.CSVShape{Delim: ',', Enc: sheet.EncUTF8}
	}
	var err error
	if isCSV {
		err = writeCSVAtomic(out.Results, shape, func(write func([]string) error) error { return writeCSVResults(ctx, write, wb, opts, byRow) })
	} else {
		part, ok := wb.SheetPart(opts.Sheet)
		if !ok {
			return ResultsFiles{}, fmt.Errorf("the workbook has no sheet %q", opts.Sheet)
		}
		err = writeAtomic(out.Results, func(w io.Writer) error { return writeXLSXResults(w, part, opts, results) })
	}
	if err != nil {
		return ResultsFiles{}, fmt.Errorf("write results to %s: %w", out.Results, err)
	}
	if out.Failures != "" {
		err := writeCSVAtomic(out.Failures, shape, func(write func([]string) error) error { return writeFailures(ctx, write, wb, opts, byRow) })
		if err != nil {
			return ResultsFiles{}, fmt.Errorf("write failed rows to %s: %w", out.Failures, err)
		}
	}
	return out, nil
}

// samePath reports whether a and b name the same file.
func samePath(a, b string) (bool, error) {
	aa, err := filepath.Abs(a)
	if err != nil {
		return false, fmt.Errorf("resolve %s: %w", a, err)
	}
	bb, err := filepath.Abs(b)
	if err != nil {
		return false, fmt.Errorf("resolve %s: %w", b, err)
	}
	if aa == bb {
		return true, nil
	}
	sa, errA := os.Stat(aa)
	sb, errB := os.Stat(bb)
	return errA == nil && errB == nil && os.SameFile(sa, sb), nil
}

// writeAtomic writes path through a temporary file in the same folder.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// errNotWindows1252 stops writing a Windows-1252 file at a character that
// encoding lacks.
var errNotWindows1252 = errors.New("a value has a character Windows-1252 cannot hold")

// writeCSVAtomic writes a CSV file in the input's shape, so that Excel
// opens it as it opened the input (a semicolon-locale Excel in columns) and
// the failures file reads back as the input did. A Windows-1252 input gets
// Windows-1252 files, unless a value (a message from Marketo, say) has a
// character Windows-1252 lacks: then the file is written again as UTF-8
// with a BOM, which holds every character and which Excel reads, rather
// than lose the character.
func writeCSVAtomic(path string, shape sheet.CSVShape, rows func(write func([]string) error) error) error {
	write := func(w io.Writer) error { return writeCSV(w, shape, rows) }
	err := writeAtomic(path, write)
	if errors.Is(err, errNotWindows1252) {
		shape.Enc = sheet.EncUTF8
		err = writeAtomic(path, write)
	}
	return err
}

// writeCSV writes the records rows gives in shape. UTF-8 gets a byte order
// mark, which Excel needs to read it as UTF-8, except when the input had
// neither a mark nor its "sep=" line: it is copied as it was, since Excel
// opened it that way.
func writeCSV(w io.Writer, shape sheet.CSVShape, rows func(write func([]string) error) error) error {
	out, flush := w, func() error { return nil }
	switch shape.Enc {
	case sheet.EncUTF16LE, sheet.EncUTF16BE:
		order := unicode.LittleEndian
		if shape.Enc == sheet.EncUTF16BE {
			order = unicode.BigEndian
		}
		tw := transform.NewWriter(w, unicode.UTF16(order, unicode.UseBOM).NewEncoder())
		out, flush = tw, tw.Close
	case sheet.EncWindows1252:
		tw := transform.NewWriter(w, charmap.Windows1252.NewEncoder())
		out, flush = tw, tw.Close
	case sheet.EncUTF8:
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return err
		}
	case sheet.EncNone:
		if !shape.SepLine {
			if _, err := io.WriteString(w, "\uFEFF"); err != nil {
				return err
			}
		}
	}
	if shape.SepLine {
		if _, err := io.WriteString(out, "sep="+string(shape.Delim)+"\n"); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(out)
	cw.Comma = shape.Delim
	err := rows(func(cells []string) error {
		if shape.Enc == sheet.EncWindows1252 && !fitsWindows1252(cells) {
			return errNotWindows1252
		}
		return cw.Write(cells)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return flush()
}

func fitsWindows1252(cells []string) bool {
	for _, c := range cells {
		for _, r := range c {
			if r >= utf8.RuneSelf {
				if _, ok := charmap.Windows1252.EncodeRune(r); !ok {
					return false
				}
			}
		}
	}
	return true
}

func resultCells(r importer.RowResult, ok bool, opts ResultsOptions) []string {
	cells := []string{"", "", ""}
	if ok {
		id := ""
		if r.LeadID != 0 {
			id = strconv.Itoa(r.LeadID)
		}
		cells = []string{StatusWord(r.State), id, r.Reason}
	}
	if opts.List != "" {
		cells = append(cells, ListWord(r.List))
	}
	if opts.Program != "" {
		cells = append(cells, ProgramWord(r.Program))
	}
	return cells
}

// resultsByRow are a run's results sorted by sheet row, looked up by
// binary search: a million rows cost no map beside the results.
type resultsByRow []importer.RowResult

func sortedResults(rs []importer.RowResult) resultsByRow {
	byRow := func(a, b importer.RowResult) int { return a.Row - b.Row }
	if !slices.IsSortedFunc(rs, byRow) {
		rs = slices.Clone(rs)
		slices.SortFunc(rs, byRow)
	}
	return rs
}

func (rs resultsByRow) find(row int) (importer.RowResult, bool) {
	i, ok := slices.BinarySearchFunc(rs, row, func(r importer.RowResult, row int) int { return r.Row - row })
	if !ok {
		return importer.RowResult{}, false
	}
	return rs[i], true
}

func writeCSVResults(ctx context.Context, write func([]string) error, wb *sheet.Workbook, opts ResultsOptions, byRow resultsByRow) error {
	h, err := wb.Header(ctx, opts.Sheet, opts.HeaderRow)
	if err != nil {
		return err
	}
	if err := write(append(slices.Clip(h.Original), headersFor(opts)...)); err != nil {
		return err
	}
	_, err = wb.Read(ctx, opts.Sheet, opts.HeaderRow, func(r importer.Row) error {
		rr, ok := byRow.find(r.Number)
		return write(append(slices.Clip(r.Cells), resultCells(rr, ok, opts)...))
	})
	return err
}

// writeFailures writes the rows to fix and send again, with the sheet's
// headers and the values as read.
func writeFailures(ctx context.Context, write func([]string) error, wb *sheet.Workbook, opts ResultsOptions, byRow resultsByRow) error {
	h, err := wb.Header(ctx, opts.Sheet, opts.HeaderRow)
	if err != nil {
		return err
	}
	if err := write(h.Original); err != nil {
		return err
	}
	_, err = wb.Read(ctx, opts.Sheet, opts.HeaderRow, func(r importer.Row) error {
		if rr, ok := byRow.find(r.Number); ok && needsRetry(rr.State) {
			return write(r.Cells)
		}
		return nil
	})
	return err
}
