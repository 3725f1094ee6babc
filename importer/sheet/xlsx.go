package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"leadsheet/importer"
)

// xlsxSource reads an .xlsx/.xlsm package straight from its zip entries.
//
// Why not excelize's Rows: its streaming reader returns each cell's value but
// not the cell's style, so a phone number formatted as 0.00E+00, a postcode
// formatted 00000 and a date all come back as bare numbers or as lossy
// formatted text. Reading the sheet XML here with a streaming decoder gives
// the raw value and the style together, at the same memory bound, without
// excelize's up-front extraction of every part. excelize still decrypts
// password-protected workbooks and converts date serials.
type xlsxSource struct {
	path     string
	file     *os.File // nil for a decrypted in-memory package
	parts    map[string]*zip.File
	sheets   []xlsxSheet
	date1904 bool
	formats  []numFormat // by cellXfs index (the cell's s attribute)
	opts     OpenOptions

	sstOnce sync.Once
	sst     *sharedStrings
	sstErr  error
}

type xlsxSheet struct {
	info SheetInfo
	part string
}

func openXLSX(path string, f *os.File, r io.ReaderAt, size int64, opts OpenOptions) (*xlsxSource, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, openErr(path, ErrCorrupt, err,
			"The file is damaged: it starts like an Excel workbook but cannot be unpacked. Open it in Excel, save it again as .xlsx, and retry.")
	}
	s := &xlsxSource{path: path, file: f, parts: make(map[string]*zip.File, len(zr.File)), opts: opts}
	var total uint64
	for _, zf := range zr.File {
		s.parts[strings.ToLower(strings.TrimPrefix(zf.Name, "/"))] = zf
		total += zf.UncompressedSize64
	}
	if total > uint64(opts.UnzipSizeLimit) {
		return nil, openErr(path, ErrTooLarge, nil,
			"The workbook is too large to read safely (%d MB unpacked; the limit is %d MB). Split it into smaller files or save the sheet you need as CSV.",
			total>>20, opts.UnzipSizeLimit>>20)
	}
	wbPart := s.officeDocument()
	if _, ok := s.parts[wbPart]; !ok || !strings.HasSuffix(wbPart, ".xml") || !strings.Contains(wbPart, "workbook") {
		what := "a zip archive"
		switch {
		case s.parts["word/document.xml"] != nil:
			what = "a Word document"
		case s.parts["ppt/presentation.xml"] != nil:
			what = "a PowerPoint presentation"
		case s.parts["content.xml"] != nil:
			what = "an OpenDocument file"
		}
		return nil, openErr(path, ErrNotSpreadsheet, nil,
			"This file is %s, not an Excel workbook. Open it in Excel and save it as .xlsx or CSV.", what)
	}
	if err := s.readWorkbook(wbPart); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, tooLargePart(path, err)
		}
		return nil, openErr(path, ErrCorrupt, err,
			"The workbook's list of sheets cannot be read; the file may be damaged. Open it in Excel, save it again as .xlsx, and retry.")
	}
	if len(s.sheets) == 0 {
		return nil, openErr(path, ErrEmptyFile, nil, "The workbook has no worksheets with data. Check that you picked the right file.")
	}
	if err := s.readStyles(path2(wbPart, "styles.xml")); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, tooLargePart(path, err)
		}
		return nil, openErr(path, ErrCorrupt, err,
			"The workbook's cell formats cannot be read; the file may be damaged. Open it in Excel, save it again as .xlsx, and retry.")
	}
	for i := range s.sheets {
		s.sheets[i].info.EstimatedRows = s.estimateRows(s.sheets[i].part)
	}
	return s, nil
}

func tooLargePart(path string, err error) error {
	return openErr(path, ErrTooLarge, err, "Part of this workbook is too large to read safely. Save the sheet you need as CSV and open that instead.")
}

// path2 resolves a part name next to the workbook part.
func path2(wbPart, name string) string { return path.Join(path.Dir(wbPart), name) }

// officeDocument finds the workbook part through the package relationships.
func (s *xlsxSource) officeDocument() string {
	rels, err := s.readRels("_rels/.rels", "")
	if err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				return r.target
			}
		}
	}
	return "xl/workbook.xml"
}

type rel struct{ id, typ, target string }

// readRels reads a .rels part; targets are resolved against baseDir.
func (s *xlsxSource) readRels(name, baseDir string) ([]rel, error) {
	dec, closeFn, err := s.openPart(name, s.opts.UnzipXMLSizeLimit)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	var (
		rels []rel
		kept int
	)
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return rels, nil
		}
		if err != nil {
			return rels, err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			var r rel
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "Id":
					r.id = a.Value
				case "Type":
					r.typ = a.Value
				case "Target":
					r.target = a.Value
				}
			}
			if strings.HasPrefix(r.target, "/") {
				r.target = strings.TrimPrefix(r.target, "/")
			} else {
				r.target = path.Join(baseDir, r.target)
			}
			r.target = strings.ToLower(path.Clean(r.target))
			if kept += len(r.id) + len(r.typ) + len(r.target); kept > maxListBytes {
				return rels, fmt.Errorf("relationships %s over %d bytes: %w", name, maxListBytes, ErrTooLarge)
			}
			rels = append(rels, r)
		}
	}
}

// openPart opens one zip entry for streaming XML decoding, refusing parts
// over limit bytes unpacked.
func (s *xlsxSource) openPart(name string, limit int64) (*xml.Decoder, func(), error) {
	zf, ok := s.parts[strings.ToLower(name)]
	if !ok {
		return nil, nil, fmt.Errorf("part %s: %w", name, os.ErrNotExist)
	}
	if limit > 0 && zf.UncompressedSize64 > uint64(limit) {
		return nil, nil, fmt.Errorf("part %s is %d bytes unpacked, over the %d limit: %w", name, zf.UncompressedSize64, limit, ErrTooLarge)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("open part %s: %w", name, err)
	}
	dec := xml.NewDecoder(newXMLGuard(rc))
	dec.CharsetReader = func(string, io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("part %s: only UTF-8 XML is supported", name)
	}
	return dec, func() { rc.Close() }, nil
}

func (s *xlsxSource) readWorkbook(wbPart string) error {
	rels, err := s.readRels(path.Join(path.Dir(wbPart), "_rels", path.Base(wbPart)+".rels"), path.Dir(wbPart))
	if err != nil {
		return fmt.Errorf("workbook relationships: %w", err)
	}
	byID := make(map[string]rel, len(rels))
	for _, r := range rels {
		byID[r.id] = r
	}
	dec, closeFn, err := s.openPart(wbPart, s.opts.UnzipXMLSizeLimit)
	if err != nil {
		return err
	}
	defer closeFn()
	kept := 0
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("workbook: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			for _, a := range se.Attr {
				if a.Name.Local == "date1904" {
					s.date1904 = a.Value == "1" || a.Value == "true"
				}
			}
		case "sheet":
			var name, id, state string
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name":
					name = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					id = a.Value
				case a.Name.Local == "state":
					state = a.Value
				}
			}
			r, ok := byID[id]
			if !ok || !strings.HasSuffix(r.typ, "/worksheet") {
				continue // chart sheets and dialog sheets hold no rows
			}
			if _, ok := s.parts[r.target]; !ok {
				continue
			}
			if kept += len(name) + len(r.target); kept > maxListBytes {
				return fmt.Errorf("sheet list over %d bytes: %w", maxListBytes, ErrTooLarge)
			}
			s.sheets = append(s.sheets, xlsxSheet{info: SheetInfo{Name: name, Hidden: state != "" && state != "visible"}, part: r.target})
		}
	}
}

func (s *xlsxSource) readStyles(name string) error {
	if _, ok := s.parts[strings.ToLower(name)]; !ok {
		return nil // no styles: every cell is General
	}
	dec, closeFn, err := s.openPart(name, s.opts.UnzipXMLSizeLimit)
	if err != nil {
		return err
	}
	defer closeFn()
	custom := map[int]string{}
	var xfIDs []int
	inCellXfs := false
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("styles: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				id, code := -1, ""
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "numFmtId":
						id, _ = strconv.Atoi(a.Value)
					case "formatCode":
						code = a.Value
					}
				}
				if id >= 0 && len(custom) < maxStyles {
					custom[id] = code
				}
			case "cellXfs":
				inCellXfs = true
			case "xf":
				if inCellXfs && len(xfIDs) < maxStyles {
					id := 0
					for _, a := range t.Attr {
						if a.Name.Local == "numFmtId" {
							id, _ = strconv.Atoi(a.Value)
						}
					}
					xfIDs = append(xfIDs, id)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inCellXfs = false
			}
		}
	}
	s.formats = make([]numFormat, len(xfIDs))
	for i, id := range xfIDs {
		if code, ok := custom[id]; ok {
			s.formats[i] = classifyFormatCode(code)
		} else {
			s.formats[i] = builtinNumFmt(id)
		}
	}
	return nil
}

// estimateRows reads the sheet's <dimension> (written before the data, so
// only the first bytes are unpacked). Without one, it guesses from the
// unpacked size.
func (s *xlsxSource) estimateRows(part string) int {
	dec, closeFn, err := s.openPart(part, 0)
	if err != nil {
		return 0
	}
	defer closeFn()
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return 0
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "dimension":
			for _, a := range se.Attr {
				if a.Name.Local == "ref" {
					ref := a.Value
					if i := strings.IndexByte(ref, ':'); i >= 0 {
						ref = ref[i+1:]
					}
					if _, row, ok := cellRef(ref); ok && row > 1 {
						return row
					}
				}
			}
		case "sheetData":
			const bytesPerRow = 200 // a guess for a typical 10-column row
			return int(s.parts[part].UncompressedSize64 / bytesPerRow)
		}
	}
}

func (s *xlsxSource) sheetNames() []SheetInfo {
	out := make([]SheetInfo, len(s.sheets))
	for i, sh := range s.sheets {
		out[i] = sh.info
	}
	return out
}

func (s *xlsxSource) close() error {
	if s.file != nil {
		return s.file.Close()
	}
	return nil
}

func (s *xlsxSource) sharedStrings() (*sharedStrings, error) {
	s.sstOnce.Do(func() {
		part := ""
		for name := range s.parts {
			if strings.HasSuffix(name, "sharedstrings.xml") && !strings.Contains(name, "_rels") {
				part = name
				break
			}
		}
		if part == "" {
			s.sst = &sharedStrings{}
			return
		}
		s.sst, s.sstErr = s.readSharedStrings(part)
	})
	return s.sst, s.sstErr
}

// sharedStrings holds the shared string table compactly: all text in one
// buffer and the end offset of each item. Items longer than Excel allows are
// kept cut to MaxCellChars+1 characters, so the cells using them are still
// seen to be too long.
type sharedStrings struct {
	text []byte
	ends []uint32
}

func (t *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(t.ends) {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return string(t.text[start:t.ends[i]]), true
}

// Memory bounds of what a workbook can make the reader hold.
const (
	// maxSharedText caps the shared string table held in memory (text plus
	// 4 bytes an item): a workbook past it is refused, and the advice to
	// save the sheet as CSV, which streams, works for any size.
	maxSharedText = 64 << 20
	// maxListBytes caps the text kept from the sheet list and relationships.
	maxListBytes = 16 << 20
	// maxStyles caps the cell formats kept; Excel allows 64,000.
	maxStyles = 1 << 16
	// maxCellBytes is the longest a cell's value may grow while it is read:
	// MaxCellChars+1 characters of up to 4 bytes each.
	maxCellBytes = 4 * (importer.MaxCellChars + 1)
	// maxRowText caps the text of one row: far more than any lead, small
	// enough that rows held back for header sizing stay bounded.
	maxRowText = 1 << 20
)

func (s *xlsxSource) readSharedStrings(part string) (*sharedStrings, error) {
	dec, closeFn, err := s.openPart(part, s.opts.UnzipXMLSizeLimit)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	var (
		t            sharedStrings
		start        int
		inSI, inT    bool
		phoneticSkip int
	)
	if size := s.parts[part].UncompressedSize64; size < maxSharedText {
		t.text = make([]byte, 0, size/2) // markup is at least half of a typical table
	}
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("shared strings: %w", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			switch tk.Name.Local {
			case "sst":
				for _, a := range tk.Attr {
					if a.Name.Local == "uniqueCount" {
						if n, err := strconv.Atoi(a.Value); err == nil && n > 0 {
							t.ends = make([]uint32, 0, min(n, 1<<20))
						}
					}
				}
			case "si":
				inSI, start = true, len(t.text)
			case "rPh":
				phoneticSkip++
			case "t":
				inT = inSI && phoneticSkip == 0
			}
		case xml.CharData:
			if inT && len(t.text)-start < maxCellBytes {
				t.text = append(t.text, tk[:min(len(tk), maxCellBytes-(len(t.text)-start))]...)
			}
		case xml.EndElement:
			switch tk.Name.Local {
			case "si":
				inSI = false
				t.text = t.text[:start+len(clipCell(string(t.text[start:])))]
				t.ends = append(t.ends, uint32(len(t.text)))
				if len(t.text)+4*len(t.ends) > maxSharedText {
					return nil, fmt.Errorf("shared strings over %d MB: %w", maxSharedText>>20, ErrTooLarge)
				}
			case "rPh":
				phoneticSkip--
			case "t":
				inT = false
			}
		}
	}
	// The buffer was sized from the markup and grew by doubling: keep only
	// the text, which for a million strings is tens of megabytes less.
	if cap(t.text)-len(t.text) > len(t.text)/8 {
		t.text = append(make([]byte, 0, len(t.text)), t.text...)
	}
	return &t, nil
}

// clipCell cuts a value past Excel's cell limit to MaxCellChars+1
// characters: short enough to hold, long enough to be seen as too long.
func clipCell(s string) string {
	if len(s) <= importer.MaxCellChars {
		return s
	}
	n := 0
	for i := range s {
		if n == importer.MaxCellChars+1 {
			return s[:i]
		}
		n++
	}
	return s
}

// rows opens a streaming reader over one worksheet.
func (s *xlsxSource) rows(ctx context.Context, sheet string) (rowIter, error) {
	var part string
	for _, sh := range s.sheets {
		if sh.info.Name == sheet {
			part = sh.part
		}
	}
	if part == "" {
		return nil, openErr(s.path, ErrNoSheet, nil, "The workbook has no sheet named %q. Pick one of its sheets.", sheet)
	}
	sst, err := s.sharedStrings()
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, tooLargePart(s.path, err)
		}
		return nil, openErr(s.path, ErrCorrupt, err, "The workbook's text cannot be read; the file may be damaged. Open it in Excel, save it again as .xlsx, and retry.")
	}
	dec, closeFn, err := s.openPart(part, 0)
	if err != nil {
		return nil, openErr(s.path, ErrCorrupt, err, "Sheet %q cannot be read; the file may be damaged. Open it in Excel, save it again as .xlsx, and retry.", sheet)
	}
	return &xlsxRows{ctx: ctx, src: s, sst: sst, dec: dec, closeFn: closeFn, sheet: sheet}, nil
}

// xlsxRows streams the rows of one worksheet.
type xlsxRows struct {
	ctx     context.Context
	src     *xlsxSource
	sst     *sharedStrings
	dec     *xml.Decoder
	closeFn func()
	sheet   string

	inData, done bool
	lastRow      int
	scratch      []byte

	merges        []string
	mergeCount    int
	noCache       int
	firstNoCache  string
	formulaCells  int
	badSharedRefs int
	longCells     int
	firstLong     string
}

const maxNotedMerges = 5

func (r *xlsxRows) close() error {
	if r.closeFn != nil {
		r.closeFn()
		r.closeFn = nil
	}
	return nil
}

func (r *xlsxRows) fail(err error) error {
	var big *rowTooLarge
	switch {
	case errors.As(err, &big):
		return openErr(r.src.path, ErrTooLarge, err, "Row %d of sheet %q is too large to read safely: it holds more than %d MB of text, far more than one lead. Open the file in Excel, shorten or clear the long cells of that row, and retry.", big.row, r.sheet, maxRowText>>20)
	case errors.Is(err, ErrTooLarge):
		return openErr(r.src.path, ErrTooLarge, err, "Sheet %q is too large to read safely after row %d: it holds a tag or comment over %d MB, which Excel never writes. Open the file in Excel, save it again as .xlsx, and retry.", r.sheet, r.lastRow, maxXMLMarkup>>20)
	}
	return openErr(r.src.path, ErrCorrupt, err, "Sheet %q stops making sense after row %d; the file may be damaged. Open it in Excel, save it again as .xlsx, and retry.", r.sheet, r.lastRow)
}

// next returns the next row present in the XML (numbers may skip) or io.EOF.
func (r *xlsxRows) next() (int, []string, error) {
	if r.done {
		return 0, nil, io.EOF
	}
	if err := r.ctx.Err(); err != nil {
		return 0, nil, err
	}
	for {
		tok, err := r.dec.RawToken()
		if err == io.EOF {
			r.done = true
			return 0, nil, io.EOF
		}
		if err != nil {
			r.done = true
			return 0, nil, r.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sheetData":
				r.inData = true
			case "row":
				if !r.inData {
					continue
				}
				num := r.lastRow + 1
				for _, a := range t.Attr {
					if a.Name.Local == "r" {
						if n, err := strconv.Atoi(a.Value); err == nil && n > 0 {
							num = n
						}
					}
				}
				if num > excelize.TotalRows {
					r.done = true
					return 0, nil, r.fail(fmt.Errorf("row %d is past Excel's last row", num))
				}
				r.lastRow = num
				cells, err := r.readRow(num)
				if err != nil {
					r.done = true
					return 0, nil, r.fail(err)
				}
				return num, cells, nil
			case "mergeCell":
				for _, a := range t.Attr {
					if a.Name.Local == "ref" {
						r.mergeCount++
						if len(r.merges) < maxNotedMerges {
							r.merges = append(r.merges, a.Value)
						}
					}
				}
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				r.inData = false
			}
		}
	}
}

// rowTooLarge is a row holding more than maxRowText of text.
type rowTooLarge struct{ row int }

func (e *rowTooLarge) Error() string {
	return fmt.Sprintf("row %d holds more than %d bytes of text", e.row, maxRowText)
}

// readRow reads the cells of one <row> up to its end tag.
func (r *xlsxRows) readRow(rowNum int) ([]string, error) {
	var cells []string
	col, text := 0, 0
	for {
		tok, err := r.dec.RawToken()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			col++
			var typ string
			style := 0
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "r":
					if c, _, ok := cellRef(a.Value); ok {
						col = c
					}
				case "s":
					style, _ = strconv.Atoi(a.Value)
				case "t":
					typ = a.Value
				}
			}
			if col > excelize.MaxColumns {
				return nil, fmt.Errorf("row %d has a cell past Excel's last column", rowNum)
			}
			val, err := r.readCell(typ, style, rowNum, col)
			if err != nil {
				return nil, err
			}
			if val == "" {
				continue
			}
			if text += len(val); text > maxRowText {
				return nil, &rowTooLarge{row: rowNum}
			}
			for len(cells) < col-1 {
				cells = append(cells, "")
			}
			cells = append(cells, val)
		case xml.EndElement:
			if t.Name.Local == "row" {
				return cells, nil
			}
		}
	}
}

// readCell reads one <c> element's children and returns its display value.
func (r *xlsxRows) readCell(typ string, style, rowNum, col int) (string, error) {
	var (
		v, inline                []byte
		hasV, hasFormula, inText bool
		where                    int // 1 in <v>, 2 in <is><t>
		phonetic                 int
	)
	v = r.scratch[:0]
	for {
		tok, err := r.dec.RawToken()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				where, hasV = 1, true
			case "f":
				hasFormula = true
			case "rPh":
				phonetic++
			case "t":
				inText = phonetic == 0
				where = 2
			}
		case xml.CharData:
			switch {
			case where == 1:
				v = appendCapped(v, t)
			case where == 2 && inText:
				inline = appendCapped(inline, t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "t":
				where, inText = 0, false
			case "rPh":
				phonetic--
			case "c":
				r.scratch = v
				if hasFormula {
					r.formulaCells++
					if !hasV {
						r.noCache++
						if r.firstNoCache == "" {
							r.firstNoCache = cellName(col, rowNum)
						}
					}
				}
				val := r.value(typ, style, v, inline)
				if len(val) > importer.MaxCellChars && utf8.RuneCountInString(val) > importer.MaxCellChars {
					val = clipCell(val)
					r.longCells++
					if r.firstLong == "" {
						r.firstLong = cellName(col, rowNum)
					}
				}
				return val, nil
			}
		}
	}
}

// appendCapped appends text to a cell's value up to maxCellBytes.
func appendCapped(dst, text []byte) []byte {
	if room := maxCellBytes - len(dst); room < len(text) {
		text = text[:max(room, 0)]
	}
	return append(dst, text...)
}

func (r *xlsxRows) value(typ string, style int, v, inline []byte) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(string(bytes.TrimSpace(v)))
		if err != nil {
			r.badSharedRefs++
			return ""
		}
		s, ok := r.sst.get(i)
		if !ok {
			r.badSharedRefs++
		}
		return s
	case "inlineStr":
		return string(inline)
	case "str", "e":
		return string(v)
	case "b":
		switch strings.TrimSpace(string(v)) {
		case "1", "true", "TRUE":
			return "TRUE"
		case "":
			return ""
		}
		return "FALSE"
	case "d":
		s := string(v)
		if nf := r.format(style); nf.kind == numDate && len(s) >= 10 {
			return s[:10]
		}
		return s
	}
	if len(v) == 0 {
		return ""
	}
	return formatNumber(string(v), r.format(style), r.src.date1904)
}

func (r *xlsxRows) format(style int) numFormat {
	if style >= 0 && style < len(r.src.formats) {
		return r.src.formats[style]
	}
	return numFormat{}
}

func (r *xlsxRows) notes() []string {
	var notes []string
	if r.mergeCount > 0 {
		more := ""
		if r.mergeCount > len(r.merges) {
			more = fmt.Sprintf(" and %d more", r.mergeCount-len(r.merges))
		}
		notes = append(notes, fmt.Sprintf("Sheet %q has merged cells (%s%s). Leadsheet reads each merged block's value from its top-left cell only; the other cells of the block count as empty.",
			r.sheet, strings.Join(r.merges, ", "), more))
	}
	if r.noCache > 0 {
		notes = append(notes, fmt.Sprintf("%d formula cells in sheet %q (first: %s) have no saved result, so they are read as empty. Open the file in Excel, let it calculate, save, and open it here again.",
			r.noCache, r.sheet, r.firstNoCache))
	}
	if r.longCells > 0 {
		what := fmt.Sprintf("%d cells in sheet %q (first: %s) are", r.longCells, r.sheet, r.firstLong)
		if r.longCells == 1 {
			what = fmt.Sprintf("Cell %s in sheet %q is", r.firstLong, r.sheet)
		}
		notes = append(notes, what+" longer than the 32,767 characters Excel allows in a cell; Leadsheet read only the start and does not send a row whose mapped cell is cut. Shorten the cell in the file and open it here again.")
	}
	if r.badSharedRefs > 0 {
		notes = append(notes, fmt.Sprintf("%d cells in sheet %q point to text the workbook does not contain and are read as empty; the file may be damaged.", r.badSharedRefs, r.sheet))
	}
	return notes
}

// cellRef parses "AB12" into column 28, row 12. A reference without a row
// ("AB") gives row 0.
func cellRef(ref string) (col, row int, ok bool) {
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > excelize.MaxColumns {
			return 0, 0, false
		}
	}
	if i == 0 {
		return 0, 0, false
	}
	for ; i < len(ref); i++ {
		c := ref[i]
		if c == '$' && row == 0 {
			continue
		}
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		row = row*10 + int(c-'0')
		if row > excelize.TotalRows {
			return 0, 0, false
		}
	}
	return col, row, true
}

func cellName(col, row int) string { return importer.ColumnLetter(col) + strconv.Itoa(row) }

// Bounds on one XML token of a workbook part. encoding/xml keeps a whole
// text run, tag or comment in memory however long it is, so a 1.5 GB cell
// became 1.5 GB (and several copies) before any cap could apply.
const (
	// maxXMLTextRun is where a text run is cut: well past the longest cell
	// Excel writes (32,767 characters, at most ~10 bytes each as entities).
	maxXMLTextRun = 1 << 20
	// maxXMLMarkup bounds a tag with its attributes, a comment, a CDATA
	// section or a processing instruction, which cannot be cut safely.
	maxXMLMarkup = 1 << 20
)

// xmlGuard sits between a zip entry and the XML decoder. It drops the bytes
// of a text run past maxXMLTextRun (cutting on a character boundary, never
// inside an entity, so the XML stays well-formed), and fails a part whose
// markup is longer than maxXMLMarkup. It is an io.ByteReader, so the
// decoder reads it byte by byte and no bytes are buffered behind the cut.
type xmlGuard struct {
	r      *bufio.Reader
	state  guardState
	n      int     // bytes in the current text run or markup
	entity int     // bytes since '&' inside an entity, -1 outside one
	quote  byte    // the open quote inside a tag, 0 when none
	tail   [2]byte // the last two bytes of markup, to see "-->", "]]>", "?>"
	head   []byte  // the first bytes after "<!", to tell a comment from CDATA
	drop   bool    // past the cap: text bytes are dropped until the next '<'
}

type guardState int

const (
	guardText guardState = iota
	guardOpen            // just read '<'
	guardTag             // an element tag
	guardBang            // after "<!", deciding what follows
	guardComment
	guardCDATA
	guardDecl // "<?...?>" or "<!DOCTYPE ...>"
	guardDoctype
)

func newXMLGuard(r io.Reader) *xmlGuard {
	return &xmlGuard{r: bufio.NewReaderSize(r, 64<<10), entity: -1}
}

func (g *xmlGuard) Read(p []byte) (int, error) {
	for i := range p {
		b, err := g.ReadByte()
		if err != nil {
			return i, err
		}
		p[i] = b
	}
	return len(p), nil
}

func (g *xmlGuard) ReadByte() (byte, error) {
	for {
		if g.drop {
			if err := g.skipText(); err != nil {
				return 0, err
			}
		}
		b, err := g.r.ReadByte()
		if err != nil {
			return 0, err
		}
		keep, err := g.step(b)
		if err != nil {
			return 0, err
		}
		if keep {
			return b, nil
		}
	}
}

// skipText drops the rest of a cut text run, up to (not including) the
// next '<', a buffer at a time.
func (g *xmlGuard) skipText() error {
	for {
		_, err := g.r.ReadSlice('<')
		switch err {
		case nil:
			g.drop = false // the '<' is read again by ReadByte
			return g.r.UnreadByte()
		case bufio.ErrBufferFull:
			continue
		}
		return err // the decoder reports the part's unexpected end
	}
}

// step advances the state by one byte and says whether to pass it on.
func (g *xmlGuard) step(b byte) (bool, error) {
	switch g.state {
	case guardText:
		if b == '<' {
			g.enter(guardOpen)
			return true, nil
		}
		g.n++
		switch {
		case b == '&':
			g.entity = 0
		case g.entity >= 0:
			g.entity++
			if b == ';' || g.entity > 32 { // a longer one is the decoder's error to report
				g.entity = -1
			}
		case g.n > maxXMLTextRun && b&0xC0 != 0x80:
			g.drop = true
			return false, nil
		}
		return true, nil
	case guardOpen:
		switch b {
		case '!':
			g.state, g.head = guardBang, g.head[:0]
		case '?':
			g.state = guardDecl
		default:
			g.state = guardTag
			return g.markup()
		}
		return true, nil
	case guardBang:
		const cdata = "[CDATA["
		g.head = append(g.head, b)
		switch h := g.head; {
		case len(h) == 2 && string(h) == "--":
			g.state = guardComment
		case len(h) == 1 && b == '-':
		case len(h) <= len(cdata) && string(h) == cdata[:len(h)]:
			if len(h) == len(cdata) {
				g.state = guardCDATA
			}
		default:
			g.state = guardDoctype
			if b == '>' {
				g.enter(guardText)
				return true, nil
			}
		}
		return g.markup()
	case guardTag:
		switch {
		case g.quote != 0:
			if b == g.quote {
				g.quote = 0
			}
		case b == '"' || b == '\'':
			g.quote = b
		case b == '>':
			g.enter(guardText)
			return true, nil
		}
		return g.markup()
	case guardComment, guardCDATA, guardDecl, guardDoctype:
		if b == '>' && g.closes() {
			g.enter(guardText)
			return true, nil
		}
		g.tail[0], g.tail[1] = g.tail[1], b
		return g.markup()
	}
	return true, nil
}

// closes says whether a '>' now ends the markup being read.
func (g *xmlGuard) closes() bool {
	switch g.state {
	case guardComment:
		return g.tail == [2]byte{'-', '-'}
	case guardCDATA:
		return g.tail == [2]byte{']', ']'}
	case guardDecl:
		return g.tail[1] == '?'
	}
	return true
}

func (g *xmlGuard) enter(s guardState) {
	g.state, g.n, g.entity, g.quote, g.drop, g.tail = s, 0, -1, 0, false, [2]byte{}
}

func (g *xmlGuard) markup() (bool, error) {
	g.n++
	if g.n > maxXMLMarkup {
		return false, fmt.Errorf("an XML tag, comment or section longer than %d bytes: %w", maxXMLMarkup, ErrTooLarge)
	}
	return true, nil
}
