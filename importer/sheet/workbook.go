package sheet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"leadsheet/importer"
)

// OpenOptions tunes [Open]. The zero value is usable: limits left at zero
// take the defaults below.
type OpenOptions struct {
	// Password opens an encrypted workbook. Leave empty first; Open then
	// returns an error matching ErrPasswordRequired if one is needed.
	Password string
	// MaxFileSize refuses larger files before reading them (default 1 GiB).
	MaxFileSize int64
	// UnzipSizeLimit caps the unpacked size of all parts of a workbook
	// together (default 16 GiB), against zip bombs.
	UnzipSizeLimit int64
	// UnzipXMLSizeLimit caps the unpacked size of each part held in memory:
	// the shared text table, styles and sheet list (default 1 GiB). Sheet
	// data is streamed and only counts against UnzipSizeLimit.
	UnzipXMLSizeLimit int64
}

// Default limits of [OpenOptions].
const (
	DefaultMaxFileSize       = 1 << 30
	DefaultUnzipSizeLimit    = 16 << 30
	DefaultUnzipXMLSizeLimit = 1 << 30
)

func (o OpenOptions) withDefaults() OpenOptions {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.UnzipSizeLimit <= 0 {
		o.UnzipSizeLimit = DefaultUnzipSizeLimit
	}
	if o.UnzipXMLSizeLimit <= 0 {
		o.UnzipXMLSizeLimit = DefaultUnzipXMLSizeLimit
	}
	return o
}

// SheetInfo describes one sheet of a workbook.
type SheetInfo struct {
	Name          string
	EstimatedRows int  // from the sheet's stored dimension, or a guess from its size; 0 if unknown
	Hidden        bool // hidden in Excel
}

// Workbook is an open spreadsheet file: .xlsx/.xlsm, or a CSV (one sheet).
// The file is only ever read. Its methods may be called from several
// goroutines; each Read streams its own pass over the sheet.
type Workbook struct {
	path   string
	format string // "xlsx" or "csv"
	notes  []string
	src    source
}

// Date1904 reports whether the workbook counts dates from 1904 (Excel for
// Mac's old default): a bare serial number in it means another day than
// the same number in a 1900 workbook.
func (wb *Workbook) Date1904() bool {
	x, ok := wb.src.(*xlsxSource)
	return ok && x.date1904
}

// source is one file format behind a Workbook.
type source interface {
	sheetNames() []SheetInfo
	rows(ctx context.Context, sheet string) (rowIter, error)
	close() error
}

// rowIter streams the rows of one sheet in order. next returns the sheet
// row number and the cells (trailing empty cells may be missing), or io.EOF.
type rowIter interface {
	next() (int, []string, error)
	notes() []string
	close() error
}

// Open opens a workbook for reading. The format comes from the file's bytes,
// not its name: a CSV saved as .xlsx is read as CSV (with a note), while a
// legacy .xls, a web page saved as .xls, an empty or damaged file each give
// an *OpenError whose Message tells the operator what to do. An encrypted
// workbook without opts.Password gives an error matching
// ErrPasswordRequired; a wrong password, ErrWrongPassword.
func Open(ctx context.Context, path string, opts OpenOptions) (*Workbook, error) {
	opts = opts.withDefaults()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, openErr(path, nil, err, "The file cannot be opened: %s. Check that it exists and that you may read it.", plainOSError(err))
	}
	keep := false
	defer func() {
		if !keep {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return nil, openErr(path, nil, err, "The file cannot be read. Check that it exists and that you may read it.")
	}
	if st.IsDir() {
		return nil, openErr(path, ErrNotSpreadsheet, nil, "This is a folder, not a file. Pick the workbook inside it.")
	}
	if st.Size() > opts.MaxFileSize {
		return nil, openErr(path, ErrTooLarge, nil, "The file is too large (%d MB; the limit is %d MB). Split it into smaller files.", st.Size()>>20, opts.MaxFileSize>>20)
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, openErr(path, nil, err, "The file cannot be read. Check that it is not still being copied or downloaded, then retry.")
	}
	head = head[:n]
	wb := &Workbook{path: path}
	ext := strings.ToLower(filepath.Ext(path))
	switch Sniff(head) {
	case FormatEmpty:
		return nil, openErr(path, ErrEmptyFile, nil, "The file is empty (0 bytes). Check that you picked the right file and that it finished saving or downloading.")
	case FormatZip:
		src, err := openXLSX(path, f, f, st.Size(), opts)
		if err != nil {
			return nil, err
		}
		wb.format, wb.src = "xlsx", src
		keep = true
	case FormatCFB:
		src, err := openCFB(path, f, st.Size(), opts)
		if err != nil {
			return nil, err
		}
		wb.format, wb.src = "xlsx", src
		wb.notes = append(wb.notes, "The workbook is password-protected; Leadsheet opened it with the password you gave and never saves the password.")
	case FormatHTML:
		return nil, openErr(path, ErrNotSpreadsheet, nil,
			"This file is a web page saved with a spreadsheet name (%s), not a real workbook. Open it in Excel and use Save As > Excel Workbook (.xlsx), then open the new file.", extOr(ext, "no extension"))
	case FormatXML2003:
		return nil, openErr(path, ErrNotSpreadsheet, nil,
			"This file is an old Excel 2003 XML spreadsheet, which Leadsheet cannot read. Open it in Excel and use Save As > Excel Workbook (.xlsx), then open the new file.")
	case FormatText:
		src, err := openCSV(ctx, path, f, st.Size())
		if err != nil {
			return nil, err
		}
		keep = true
		wb.format, wb.src = "csv", src
		if ext == ".xlsx" || ext == ".xlsm" || ext == ".xls" {
			wb.notes = append(wb.notes, fmt.Sprintf("This file is named %s but holds plain text (CSV); Leadsheet reads it as CSV.", ext))
		}
		if src.Delim != ',' {
			wb.notes = append(wb.notes, fmt.Sprintf("Columns in this CSV are separated by a %s.", delimiterName(src.Delim)))
		}
		if src.Enc != EncUTF8 && src.Enc != EncNone {
			wb.notes = append(wb.notes, fmt.Sprintf("The text is encoded as %s; Leadsheet converted it.", src.Enc))
		}
	default:
		return nil, openErr(path, ErrNotSpreadsheet, nil,
			"This file is not a spreadsheet Leadsheet can read. Use an Excel workbook (.xlsx, .xlsm) or a CSV file.")
	}
	return wb, nil
}

func extOr(ext, alt string) string {
	if ext == "" {
		return alt
	}
	return ext
}

func plainOSError(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "it does not exist (moved or deleted?)"
	case errors.Is(err, os.ErrPermission):
		return "you are not allowed to read it"
	}
	return "the system refused"
}

// openCFB tells an encrypted .xlsx from a legacy .xls, and decrypts the
// former with the password. The decrypted package is held in memory.
func openCFB(path string, f *os.File, size int64, opts OpenOptions) (source, error) {
	encrypted, err := cfbKind(f)
	if err != nil {
		// Not a readable compound file: most likely a damaged .xls, and the
		// advice is the same either way.
		return nil, openErr(path, ErrLegacyXLS, err, "This looks like an old Excel 97-2003 workbook (.xls), possibly damaged, which Leadsheet cannot read. Open it in Excel and use Save As > Excel Workbook (.xlsx), then open the new file.")
	}
	if !encrypted {
		return nil, openErr(path, ErrLegacyXLS, nil,
			"This is an old Excel 97-2003 workbook (.xls), which Leadsheet cannot read. Open it in Excel and use Save As > Excel Workbook (.xlsx), then open the new file.")
	}
	if opts.Password == "" {
		return nil, openErr(path, ErrPasswordRequired, nil, "This workbook is protected with a password. Enter the password Excel asks for when you open it.")
	}
	raw := make([]byte, size)
	if _, err := f.ReadAt(raw, 0); err != nil && err != io.EOF {
		return nil, openErr(path, nil, err, "The file cannot be read. Check that it is not still being copied or downloaded, then retry.")
	}
	pkg, err := excelize.Decrypt(raw, &excelize.Options{Password: opts.Password})
	if err != nil {
		return nil, openErr(path, ErrCorrupt, err, "This workbook is protected in a way Leadsheet cannot open. Open it in Excel, remove the password (File > Info > Protect Workbook), save, and retry.")
	}
	if !bytes.HasPrefix(pkg, zipMagic) {
		return nil, openErr(path, ErrWrongPassword, nil, "The password is not correct. Type it again exactly as in Excel (capital letters count).")
	}
	src, err := openXLSX(path, nil, bytes.NewReader(pkg), int64(len(pkg)), opts)
	if err != nil {
		return nil, err
	}
	f.Close()
	return src, nil
}

// Path is the file the workbook was opened from.
func (wb *Workbook) Path() string { return wb.path }

// Format is "xlsx" (also .xlsm and decrypted workbooks) or "csv".
func (wb *Workbook) Format() string { return wb.format }

// SheetPart is the package entry holding the named worksheet of a
// workbook, as the reader resolved it from the package's relationships
// (OPC part names compare case-insensitively, and so must anyone looking
// the entry up); ok is false for a CSV or an unknown sheet. The results
// writer copies this same entry, so reader and writer cannot disagree on
// where a sheet is.
func (wb *Workbook) SheetPart(name string) (string, bool) {
	x, ok := wb.src.(*xlsxSource)
	if !ok {
		return "", false
	}
	for _, sh := range x.sheets {
		if sh.info.Name == name {
			return sh.part, true
		}
	}
	return "", false
}

// Notes are things the operator should know about the file as a whole
// (a CSV named .xlsx, the text encoding used, a password).
func (wb *Workbook) Notes() []string { return append([]string(nil), wb.notes...) }

// Sheets lists the worksheets in workbook order. A CSV has one sheet, named
// after the file.
func (wb *Workbook) Sheets() []SheetInfo {
	if wb.src == nil {
		return nil
	}
	return wb.src.sheetNames()
}

// ErrClosed is returned by reads on a closed Workbook.
var ErrClosed = errors.New("workbook is closed")

func (wb *Workbook) rows(ctx context.Context, sheet string) (rowIter, error) {
	if wb.src == nil {
		return nil, ErrClosed
	}
	return wb.src.rows(ctx, sheet)
}

// Close releases the file. It is safe to call more than once, but not while
// a Read is running.
func (wb *Workbook) Close() error {
	if wb.src == nil {
		return nil
	}
	err := wb.src.close()
	wb.src = nil
	return err
}

// Preview returns rows 1..n of a sheet, blank rows included (with no cells),
// formatted as [Read] formats them: enough for a preview table and for
// letting the operator pick the header row.
func (wb *Workbook) Preview(ctx context.Context, sheet string, n int) ([]importer.Row, error) {
	it, err := wb.rows(ctx, sheet)
	if err != nil {
		return nil, err
	}
	defer it.close()
	var out []importer.Row
	for len(out) < n {
		num, cells, err := it.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		for len(out) < n && len(out)+1 < num {
			out = append(out, importer.Row{Number: len(out) + 1})
		}
		if len(out) < n {
			out = append(out, importer.Row{Number: num, Cells: cells})
		}
	}
	return out, nil
}

// headerScanRows is how many leading rows header detection looks at.
const headerScanRows = 30

// DetectHeader guesses the sheet row number of the header row, skipping
// titles, notes, group rows and blank rows above it. It returns 0 for an
// empty sheet. [Workbook.GuessHeader] also says how sure the guess is.
func (wb *Workbook) DetectHeader(ctx context.Context, sheet string) (int, error) {
	g, err := wb.GuessHeader(ctx, sheet)
	return g.Row, err
}

// GuessHeader is [GuessHeaderRow] over the first rows of a sheet, with Row
// set to the sheet row number (0 for an empty sheet). When the guess is not
// Sure, the front ends say which row was used, why it may be wrong, and how
// to pick another.
func (wb *Workbook) GuessHeader(ctx context.Context, sheet string) (HeaderGuess, error) {
	rows, err := wb.Preview(ctx, sheet, headerScanRows)
	if err != nil {
		return HeaderGuess{Index: -1}, err
	}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = r.Cells
	}
	g := GuessHeaderRow(cells)
	if g.Index >= 0 {
		g.Row = rows[g.Index].Number
	}
	return g, nil
}

// ReadResult sums up one pass over a sheet.
type ReadResult struct {
	Header Header
	Rows   int      // data rows delivered (blank rows are skipped)
	Notes  []string // what the operator should know: merged cells, formulas without results, extra columns
}

// Read streams the data rows below headerRow (a sheet row number; 0 asks
// DetectHeader) to fn, in order, each with its sheet row number and exactly
// one cell per header column (a fresh slice fn may keep). Blank rows are skipped without renumbering.
// Memory stays flat whatever the row count. If fn returns an error, Read
// stops and returns it.
func (wb *Workbook) Read(ctx context.Context, sheet string, headerRow int, fn func(importer.Row) error) (ReadResult, error) {
	if headerRow <= 0 {
		h, err := wb.DetectHeader(ctx, sheet)
		if err != nil {
			return ReadResult{}, err
		}
		if h == 0 {
			return ReadResult{}, openErr(wb.path, ErrEmptyFile, nil, "Sheet %q is empty. Pick the sheet that holds your leads.", sheet)
		}
		headerRow = h
	}
	it, err := wb.rows(ctx, sheet)
	if err != nil {
		return ReadResult{}, err
	}
	defer it.close()
	var (
		res              ReadResult
		headerCells      []string
		gotHeader, sized bool
		ahead            []importer.Row // rows held back until the header width is known
		aheadText        int
		extraRows        int
		firstExtra       string
	)
	emit := func(r importer.Row) error {
		width := len(res.Header.Names)
		cells := r.Cells
		if len(cells) > width {
			if !blank(cells[width:]) {
				extraRows++
				if firstExtra == "" {
					firstExtra = fmt.Sprintf("row %d, column %s", r.Number, importer.ColumnLetter(width+1+firstNonBlank(cells[width:])))
				}
			}
			cells = cells[:width:width]
		}
		for len(cells) < width {
			cells = append(cells, "")
		}
		res.Rows++
		return fn(importer.Row{Number: r.Number, Cells: cells})
	}
	// size fixes the header once the first rows are known: a merged or blank
	// header cell over a column with data still names that column.
	size := func() error {
		sized = true
		width := len(headerCells)
		for _, r := range ahead {
			if n := lastNonBlank(r.Cells) + 1; n > width {
				width = n
			}
		}
		res.Header = newHeader(headerRow, headerCells, width)
		for _, r := range ahead {
			if err := emit(r); err != nil {
				return err
			}
		}
		ahead = nil
		return nil
	}
	for {
		num, cells, err := it.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		if num < headerRow {
			continue
		}
		if !gotHeader {
			gotHeader = true
			if num == headerRow {
				headerCells = cells
				continue
			}
		}
		if blank(cells) {
			continue
		}
		if !sized {
			ahead = append(ahead, importer.Row{Number: num, Cells: cells})
			for _, c := range cells {
				aheadText += len(c)
			}
			if len(ahead) < headerLookahead && aheadText < maxAheadText {
				continue
			}
			if err := size(); err != nil {
				return res, err
			}
			continue
		}
		if err := emit(importer.Row{Number: num, Cells: cells}); err != nil {
			return res, err
		}
	}
	if !gotHeader {
		return res, openErr(wb.path, ErrEmptyFile, nil, "Sheet %q has no row %d to use as the header. Pick another header row.", sheet, headerRow)
	}
	if !sized {
		if err := size(); err != nil {
			return res, err
		}
	}
	res.Notes = it.notes()
	if extraRows > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d rows have values in columns without a header (first: %s); those values are ignored. Give the column a header to import it.", extraRows, firstExtra))
	}
	return res, nil
}

// headerLookahead is how many data rows Read and Header look at to find
// columns that have data under a blank or merged header cell; Read stops
// sooner once the rows held back reach maxAheadText.
const (
	headerLookahead = 100
	maxAheadText    = 16 << 20
)

// Header reads the header row of a sheet without reading its data.
func (wb *Workbook) Header(ctx context.Context, sheet string, headerRow int) (Header, error) {
	if headerRow < 1 {
		return Header{}, fmt.Errorf("header row %d: rows are numbered from 1", headerRow)
	}
	rows, err := wb.Preview(ctx, sheet, headerRow+headerLookahead)
	if err != nil {
		return Header{}, err
	}
	if len(rows) < headerRow {
		return Header{}, openErr(wb.path, ErrEmptyFile, nil, "Sheet %q has no row %d to use as the header. Pick another header row.", sheet, headerRow)
	}
	width := len(rows[headerRow-1].Cells)
	for _, r := range rows[headerRow:] {
		width = max(width, lastNonBlank(r.Cells)+1)
	}
	return newHeader(headerRow, rows[headerRow-1].Cells, width), nil
}

func blank(cells []string) bool {
	return firstNonBlank(cells) < 0
}

func lastNonBlank(cells []string) int {
	for i := len(cells) - 1; i >= 0; i-- {
		if strings.TrimSpace(cells[i]) != "" {
			return i
		}
	}
	return -1
}

func firstNonBlank(cells []string) int {
	for i, c := range cells {
		if strings.TrimSpace(c) != "" {
			return i
		}
	}
	return -1
}
