package sheet

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"leadsheet/importer"
)

// TextEncoding is how a CSV file's bytes map to text.
type TextEncoding int

const (
	EncNone    TextEncoding = iota // UTF-8 without a BOM (or plain ASCII)
	EncUTF8                        // UTF-8 with a BOM
	EncUTF16LE                     // UTF-16 little-endian (Excel's "Unicode Text")
	EncUTF16BE
	EncWindows1252 // not valid UTF-8: Excel's "CSV" on Western Windows
)

func (e TextEncoding) String() string {
	switch e {
	case EncUTF8:
		return "UTF-8"
	case EncUTF16LE:
		return "UTF-16 (little-endian)"
	case EncUTF16BE:
		return "UTF-16 (big-endian)"
	case EncWindows1252:
		return "Windows-1252 (Western European)"
	default:
		return "UTF-8"
	}
}

// detectBOM returns the bytes after a byte-order mark and the encoding the
// mark names (EncNone without one).
func detectBOM(b []byte) ([]byte, TextEncoding) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:], EncUTF8
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return b[2:], EncUTF16LE
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return b[2:], EncUTF16BE
	}
	return b, EncNone
}

// csvSource is a CSV file read as a one-sheet workbook.
type csvSource struct {
	path   string
	file   *os.File
	size   int64
	name   string // the sheet name: the file name without extension
	Enc    TextEncoding
	Delim  rune
	sepRow bool // the first line is Excel's "sep=;" hint, not data
	est    int
}

func openCSV(ctx context.Context, path string, f *os.File, size int64) (*csvSource, error) {
	s := &csvSource{path: path, file: f, size: size}
	s.name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if s.name == "" {
		s.name = "Sheet1"
	}
	// No buffer is larger than the file: small files are opened and
	// previewed often.
	head := make([]byte, min(64<<10, size+1))
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, openErr(path, nil, err, "The file cannot be read. Check that it is not still being copied or downloaded, then retry.")
	}
	head = head[:n]
	_, s.Enc = detectBOM(head)
	if s.Enc == EncNone {
		switch {
		case looksUTF16(head):
			s.Enc = EncUTF16LE
			if head[0] == 0 {
				s.Enc = EncUTF16BE
			}
		default:
			valid, err := validUTF8(ctx, f, size)
			if err != nil {
				return nil, openErr(path, nil, err, "The file cannot be read. Check that it is not still being copied or downloaded, then retry.")
			}
			if !valid {
				s.Enc = EncWindows1252
			}
		}
	}
	sample, err := io.ReadAll(io.LimitReader(s.decoded(bytes.NewReader(head)), 64<<10))
	if err != nil && len(sample) == 0 {
		return nil, openErr(path, ErrCorrupt, err, "The text of this file cannot be decoded. Save it again from Excel as \"CSV UTF-8\" and retry.")
	}
	sample = bytes.TrimPrefix(sample, []byte("\uFEFF"))
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, openErr(path, ErrEmptyFile, nil, "The file has no text in it. Check that you picked the right file and that it finished saving.")
	}
	if d, ok := excelSepHint(sample); ok {
		s.Delim, s.sepRow = d, true
	} else {
		s.Delim = SniffDelimiter(sample)
	}
	if lines := bytes.Count(sample, []byte("\n")); lines > 0 {
		s.est = int(int64(lines) * size / int64(n))
	} else {
		s.est = 1
	}
	return s, nil
}

// excelSepHint reads Excel's optional first line "sep=;". The separator
// must be one ASCII character other than a quote: anything else is data.
func excelSepHint(sample []byte) (rune, bool) {
	line := sample
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, "\r")
	if len(line) >= 5 && bytes.EqualFold(line[:4], []byte("sep=")) {
		if c := line[4]; len(line) == 5 && c < utf8.RuneSelf && c != '"' {
			return rune(c), true
		}
	}
	return 0, false
}

// validUTF8 checks the whole file, so a stray Windows-1252 "é" on row 90,000
// is not read as garbage. It reads at disk speed.
func validUTF8(ctx context.Context, f *os.File, size int64) (bool, error) {
	r := io.NewSectionReader(f, 0, 1<<62)
	buf := make([]byte, min(256<<10, size+utf8.UTFMax))
	carry := 0 // bytes of a rune cut by the last read, kept at buf's start
	for chunks := 0; ; chunks++ {
		if chunks%64 == 0 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		n, err := r.Read(buf[carry:])
		data := buf[:carry+n]
		cut := len(trimPartialRune(data))
		if !utf8.Valid(data[:cut]) {
			return false, nil
		}
		carry = copy(buf, data[cut:])
		if err == io.EOF {
			return carry == 0, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// decoded wraps r to produce UTF-8.
func (s *csvSource) decoded(r io.Reader) io.Reader {
	switch s.Enc {
	case EncUTF16LE:
		return transform.NewReader(r, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder())
	case EncUTF16BE:
		return transform.NewReader(r, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder())
	case EncWindows1252:
		return transform.NewReader(r, charmap.Windows1252.NewDecoder())
	}
	return r
}

// CSVShape is how a CSV file is written: what a results file copies so
// that Excel opens it as it opened the input.
type CSVShape struct {
	Delim   rune
	Enc     TextEncoding
	SepLine bool // starts with Excel's "sep=" line
}

// CSVShape returns the shape of the CSV behind wb; ok is false for a
// workbook.
func (wb *Workbook) CSVShape() (shape CSVShape, ok bool) {
	s, ok := wb.src.(*csvSource)
	if !ok {
		return CSVShape{}, false
	}
	return CSVShape{Delim: s.Delim, Enc: s.Enc, SepLine: s.sepRow}, true
}

func (s *csvSource) sheetNames() []SheetInfo {
	return []SheetInfo{{Name: s.name, EstimatedRows: s.est}}
}

func (s *csvSource) close() error { return s.file.Close() }

func (s *csvSource) rows(ctx context.Context, sheet string) (rowIter, error) {
	if sheet != s.name && sheet != "" {
		return nil, openErr(s.path, ErrNoSheet, nil, "This CSV file has one sheet, %q; there is no sheet %q.", s.name, sheet)
	}
	br := bufio.NewReaderSize(s.decoded(io.NewSectionReader(s.file, 0, s.size)), int(min(64<<10, s.size+1)))
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\uFEFF")) {
		br.Discard(3)
	}
	d := byte(s.Delim)
	r := &csvReader{br: br, Delim: d, fieldStops: string([]byte{d, '\r', '\n'}), line: 1}
	if s.sepRow {
		if _, err := br.ReadString('\n'); err != nil && err != io.EOF {
			return nil, openErr(s.path, nil, err, "The file cannot be read. Check that it is not still being copied or downloaded, then retry.")
		}
		r.line = 2
	}
	return &csvRows{ctx: ctx, src: s, r: r}, nil
}

// csvRows numbers records the way Excel shows them when it opens the file:
// one row per record (a quoted value with line breaks stays in one row), and
// blank lines count as blank rows.
type csvRows struct {
	ctx context.Context
	src *csvSource
	r   *csvReader
	row int
}

func (c *csvRows) next() (int, []string, error) {
	if c.row%1024 == 0 {
		if err := c.ctx.Err(); err != nil {
			return 0, nil, err
		}
	}
	cells, err := c.r.read()
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	if err != nil {
		var le *csvLimitError
		if errors.As(err, &le) {
			return 0, nil, openErr(c.src.path, le.kind, nil, "%s", le.msg)
		}
		return 0, nil, openErr(c.src.path, nil, err, "The file cannot be read past line %d. Check that it is not still being copied or downloaded, then retry.", c.r.line)
	}
	c.row++
	return c.row, cells, nil
}

func (c *csvRows) notes() []string { return nil }
func (c *csvRows) close() error    { return nil }

// Limits on one CSV record, from what Excel itself holds: a cell of at most
// 32,767 characters with at most 253 line breaks, 16,384 columns. Past them
// the file is not a sheet Excel could show, and a value that long is nearly
// always a quote left open, swallowing the rows after it.
const (
	maxCSVCellBytes  = 128 << 10 // 32,767 characters take at most 98,301 bytes of UTF-8
	maxCSVCellBreaks = 253
	maxCSVColumns    = 16384
	// A row of more than 1 MB cannot be sent: Marketo refuses larger
	// requests. It also bounds the rows Read holds while it sizes the header.
	maxCSVRowBytes = 1 << 20
)

// csvLimitError is a CSV that cannot be split into rows, worded for the operator.
type csvLimitError struct {
	kind error
	msg  string
}

func (e *csvLimitError) Error() string { return e.msg }

// csvReader splits CSV text into records as Excel and Python's csv module
// do (RFC 4180 with their quirks): a quote opens a quoted value only as the
// first character of a cell; "" inside one is a quote; text after its
// closing quote is kept as it is, up to the next delimiter; anywhere else a
// quote is an ordinary character. A record ends at LF, CR LF or CR outside
// quotes; inside quotes CR LF is kept as one line break (LF), as Excel keeps
// line breaks in a cell.
type csvReader struct {
	br         *bufio.Reader
	Delim      byte
	fieldStops string // the bytes that end a run of plain text in a cell
	line       int    // text line of the next byte, counted as a text editor does
	lastCR     bool   // the last byte was a CR: a LF now ends the same line

	buf   []byte // the text of the record's cells
	ends  []int  // where each finished cell ends in buf
	state csvState
	// the quoted value being read: where it opened and its line breaks
	quoteLine, breaks int
}

type csvState int

const (
	csvStartField    csvState = iota // at the first character of a cell
	csvField                         // in a cell that did not start with a quote
	csvQuoted                        // inside a quoted value
	csvQuoteInQuoted                 // after a quote inside one: its end, or the first of ""
)

// read returns the cells of the next record (none for a blank line) or io.EOF.
func (r *csvReader) read() ([]string, error) {
	r.buf, r.ends, r.state = r.buf[:0], r.ends[:0], csvStartField
	startLine, started := r.line, false
	for {
		chunk, err := r.peek()
		if len(chunk) == 0 {
			if err != io.EOF {
				return nil, err
			}
			if !started {
				return nil, io.EOF
			}
			if r.state == csvQuoted && r.openRunsOverLines() {
				return nil, &csvLimitError{ErrCorrupt, fmt.Sprintf("The quote (\") that opens a value on line %d is never closed, so everything after it to the end of the file would be one cell. Add the missing quote on line %d (or remove the stray one) in a text editor, or save the file again from Excel, and retry.", r.quoteLine, r.quoteLine)}
			}
			return r.finish(startLine)
		}
		for i := 0; i < len(chunk); i++ {
			c := chunk[i]
			if !started {
				if c == '\n' && r.lastCR { // the LF of a CR LF that ended the last record
					r.lastCR = false
					continue
				}
				started, startLine = true, r.line
			}
			if c == '\n' && !r.lastCR || c == '\r' {
				r.line++
			}
			crlf := c == '\n' && r.lastCR
			r.lastCR = c == '\r'
			switch r.state {
			case csvStartField:
				switch c {
				case '"':
					r.state, r.quoteLine, r.breaks = csvQuoted, r.line, 0
				case r.Delim:
					if err := r.endCell(startLine); err != nil {
						return nil, err
					}
				case '\r', '\n':
					r.br.Discard(i + 1)
					if len(r.ends) == 0 { // a blank line
						return nil, nil
					}
					return r.finish(startLine)
				default:
					i = r.appendRun(chunk, i, r.fieldStops)
					r.state = csvField
				}
			case csvField:
				switch c {
				case r.Delim:
					if err := r.endCell(startLine); err != nil {
						return nil, err
					}
					r.state = csvStartField
				case '\r', '\n':
					r.br.Discard(i + 1)
					return r.finish(startLine)
				default:
					i = r.appendRun(chunk, i, r.fieldStops)
				}
			case csvQuoted:
				switch {
				case c == '"':
					r.state = csvQuoteInQuoted
				case crlf:
					r.buf[len(r.buf)-1] = '\n'
				case c == '\r' || c == '\n':
					if r.breaks++; r.breaks > maxCSVCellBreaks {
						return nil, r.quoteTooLong(fmt.Sprintf("holds more than %d line breaks, more than an Excel cell can hold", maxCSVCellBreaks))
					}
					r.buf = append(r.buf, c)
				default:
					i = r.appendRun(chunk, i, "\"\r\n")
				}
			case csvQuoteInQuoted:
				switch c {
				case '"':
					r.buf = append(r.buf, c)
					r.state = csvQuoted
				case r.Delim:
					if err := r.endCell(startLine); err != nil {
						return nil, err
					}
					r.state = csvStartField
				case '\r', '\n':
					r.br.Discard(i + 1)
					return r.finish(startLine)
				default:
					r.buf = append(r.buf, c)
					r.state = csvField
				}
			}
		}
		r.br.Discard(len(chunk))
		if err := r.checkSize(startLine); err != nil {
			return nil, err
		}
	}
}

// appendRun appends chunk[i] and the bytes after it up to the next of
// stops, and returns the index of the last byte appended: most bytes of a
// cell are plain text, copied at once.
func (r *csvReader) appendRun(chunk []byte, i int, stops string) int {
	n := bytes.IndexAny(chunk[i+1:], stops)
	if n < 0 {
		n = len(chunk) - i - 1
	}
	r.buf = append(r.buf, chunk[i:i+1+n]...)
	return i + n
}

// peek returns the bytes buffered, reading more when there are none.
func (r *csvReader) peek() ([]byte, error) {
	if r.br.Buffered() == 0 {
		if _, err := r.br.Peek(1); err != nil {
			return nil, err
		}
	}
	return r.br.Peek(r.br.Buffered())
}

// openRunsOverLines reports whether the quoted value left open at the end
// of the file holds a line break before its last line ending: then it has
// swallowed lines that were meant as rows. Open on the last line only, it
// is read as Python and Excel read it.
func (r *csvReader) openRunsOverLines() bool {
	v := r.buf[r.cellStart():]
	if n := len(v); n > 0 && (v[n-1] == '\n' || v[n-1] == '\r') {
		v = v[:n-1]
	}
	return bytes.ContainsAny(v, "\r\n")
}

func (r *csvReader) cellStart() int {
	if len(r.ends) == 0 {
		return 0
	}
	return r.ends[len(r.ends)-1]
}

func (r *csvReader) endCell(startLine int) error {
	if err := r.checkSize(startLine); err != nil {
		return err
	}
	if len(r.ends) == maxCSVColumns {
		return &csvLimitError{ErrTooLarge, fmt.Sprintf("The row on line %d has more than 16,384 columns, more than Excel can show. Check that this is the right file and that its columns are separated by commas, semicolons or tabs.", startLine)}
	}
	r.ends = append(r.ends, len(r.buf))
	return nil
}

// checkSize stops a cell or row that has grown past the limits. It runs at
// the end of each cell and of each buffered chunk, so memory stays within
// the limits plus one chunk.
func (r *csvReader) checkSize(startLine int) error {
	if len(r.buf)-r.cellStart() > maxCSVCellBytes {
		if r.state == csvQuoted {
			past := ""
			if r.line > r.quoteLine {
				past = fmt.Sprintf(" (to line %d)", r.line)
			}
			return r.quoteTooLong(fmt.Sprintf("runs on for more than %d KB%s, far more than the 32,767 characters an Excel cell can hold", maxCSVCellBytes>>10, past))
		}
		return &csvLimitError{ErrTooLarge, fmt.Sprintf("The value in column %s of the row on line %d is longer than %d KB, far more than the 32,767 characters an Excel cell can hold. Check that this is the right file and that its columns are separated by commas, semicolons or tabs.", importer.ColumnLetter(len(r.ends)+1), startLine, maxCSVCellBytes>>10)}
	}
	if len(r.buf) > maxCSVRowBytes {
		return &csvLimitError{ErrTooLarge, fmt.Sprintf("The row on line %d holds more than %d MB of text, more than Marketo accepts for one lead. Check that this is the right file, or split the long values.", startLine, maxCSVRowBytes>>20)}
	}
	return nil
}

func (r *csvReader) quoteTooLong(what string) error {
	return &csvLimitError{ErrCorrupt, fmt.Sprintf("The value that opens with a quote (\") on line %d %s. Usually that quote has lost its closing partner and the rows after it were swallowed into one cell. Fix line %d in a text editor (add or remove a quote), or save the file again from Excel, and retry.", r.quoteLine, what, r.quoteLine)}
}

// finish ends the last cell and returns the record's cells, all sharing
// one string.
func (r *csvReader) finish(startLine int) ([]string, error) {
	if err := r.endCell(startLine); err != nil {
		return nil, err
	}
	text := string(r.buf)
	cells := make([]string, len(r.ends))
	start := 0
	for i, end := range r.ends {
		cells[i] = text[start:end]
		start = end
	}
	return cells, nil
}

// delimiters Leadsheet recognises, in order of preference on a tie.
var delimiters = [...]byte{',', ';', '\t', '|'}

// SniffDelimiter picks the field separator of a CSV sample among comma,
// semicolon, tab and pipe: the one that splits the most lines into the same
// number of fields (quoted text is ignored). It returns ',' when nothing
// stands out.
func SniffDelimiter(sample []byte) rune {
	const maxLines = 50
	var counts [len(delimiters)][]int
	var cur [len(delimiters)]int
	inQuote, lines := false, 0
	complete := len(sample) > 0 && sample[len(sample)-1] == '\n'
	for i := 0; i < len(sample) && lines < maxLines; i++ {
		c := sample[i]
		if c == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		if c == '\n' {
			for d := range delimiters {
				counts[d] = append(counts[d], cur[d])
				cur[d] = 0
			}
			lines++
			continue
		}
		for d, dc := range delimiters {
			if c == dc {
				cur[d]++
			}
		}
	}
	if !inQuote && (complete || lines == 0) && lines < maxLines {
		for d := range delimiters {
			if cur[d] > 0 || lines == 0 {
				counts[d] = append(counts[d], cur[d])
			}
		}
	}
	best, bestFreq, bestMode := 0, 0, 0
	for d := range delimiters {
		freq := map[int]int{}
		for _, n := range counts[d] {
			if n > 0 {
				freq[n]++
			}
		}
		mode, f := 0, 0
		for n, k := range freq {
			if k > f || k == f && n > mode {
				mode, f = n, k
			}
		}
		if f > bestFreq || f == bestFreq && f > 0 && mode > bestMode {
			best, bestFreq, bestMode = d, f, mode
		}
	}
	return rune(delimiters[best])
}

// String describes the delimiter in words for notes and logs.
func delimiterName(d rune) string {
	switch d {
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	case '|':
		return "pipe"
	}
	return fmt.Sprintf("%q", d)
}
