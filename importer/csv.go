package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
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
)

// textEncoding is how a CSV file's bytes map to text.
type textEncoding int

const (
	encNone    textEncoding = iota // UTF-8 without a BOM (or plain ASCII)
	encUTF8                        // UTF-8 with a BOM
	encUTF16LE                     // UTF-16 little-endian (Excel's "Unicode Text")
	encUTF16BE
	encWindows1252 // not valid UTF-8: Excel's "CSV" on Western Windows
)

func (e textEncoding) String() string {
	switch e {
	case encUTF8:
		return "UTF-8"
	case encUTF16LE:
		return "UTF-16 (little-endian)"
	case encUTF16BE:
		return "UTF-16 (big-endian)"
	case encWindows1252:
		return "Windows-1252 (Western European)"
	default:
		return "UTF-8"
	}
}

// detectBOM returns the bytes after a byte-order mark and the encoding the
// mark names (encNone without one).
func detectBOM(b []byte) ([]byte, textEncoding) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:], encUTF8
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return b[2:], encUTF16LE
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return b[2:], encUTF16BE
	}
	return b, encNone
}

// csvSource is a CSV file read as a one-sheet workbook.
type csvSource struct {
	path   string
	file   *os.File
	size   int64
	name   string // the sheet name: the file name without extension
	enc    textEncoding
	delim  rune
	sepRow bool // the first line is Excel's "sep=;" hint, not data
	est    int
}

func openCSV(ctx context.Context, path string, f *os.File, size int64) (*csvSource, error) {
	s := &csvSource{path: path, file: f, size: size}
	s.name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if s.name == "" {
		s.name = "Sheet1"
	}
	head := make([]byte, 64<<10)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, openErr(path, nil, err, "The file cannot be read. Check that it is not still being copied or downloaded, then retry.")
	}
	head = head[:n]
	_, s.enc = detectBOM(head)
	if s.enc == encNone {
		switch {
		case looksUTF16(head):
			s.enc = encUTF16LE
			if head[0] == 0 {
				s.enc = encUTF16BE
			}
		default:
			valid, err := validUTF8(ctx, f)
			if err != nil {
				return nil, openErr(path, nil, err, "The file cannot be read. Check that it is not still being copied or downloaded, then retry.")
			}
			if !valid {
				s.enc = encWindows1252
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
		s.delim, s.sepRow = d, true
	} else {
		s.delim = SniffDelimiter(sample)
	}
	if lines := bytes.Count(sample, []byte("\n")); lines > 0 {
		s.est = int(int64(lines) * size / int64(n))
	} else {
		s.est = 1
	}
	return s, nil
}

// excelSepHint reads Excel's optional first line "sep=;".
func excelSepHint(sample []byte) (rune, bool) {
	line := sample
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, "\r")
	if len(line) >= 5 && bytes.EqualFold(line[:4], []byte("sep=")) {
		r, size := utf8.DecodeRune(line[4:])
		if size == len(line)-4 && r != utf8.RuneError {
			return r, true
		}
	}
	return 0, false
}

// validUTF8 checks the whole file, so a stray Windows-1252 "é" on row 90,000
// is not read as garbage. It reads at disk speed.
func validUTF8(ctx context.Context, f *os.File) (bool, error) {
	r := bufio.NewReaderSize(io.NewSectionReader(f, 0, 1<<62), 256<<10)
	buf := make([]byte, 256<<10)
	var carry []byte
	for chunks := 0; ; chunks++ {
		if chunks%64 == 0 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		n, err := r.Read(buf)
		data := append(carry, buf[:n]...)
		cut := len(trimPartialRune(data))
		if !utf8.Valid(data[:cut]) {
			return false, nil
		}
		carry = append(carry[:0:0], data[cut:]...)
		if err == io.EOF {
			return len(carry) == 0, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// decoded wraps r to produce UTF-8.
func (s *csvSource) decoded(r io.Reader) io.Reader {
	switch s.enc {
	case encUTF16LE:
		return transform.NewReader(r, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder())
	case encUTF16BE:
		return transform.NewReader(r, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder())
	case encWindows1252:
		return transform.NewReader(r, charmap.Windows1252.NewDecoder())
	}
	return r
}

func (s *csvSource) sheetNames() []SheetInfo {
	return []SheetInfo{{Name: s.name, EstimatedRows: s.est}}
}

func (s *csvSource) close() error { return s.file.Close() }

func (s *csvSource) rows(ctx context.Context, sheet string) (rowIter, error) {
	if sheet != s.name && sheet != "" {
		return nil, openErr(s.path, ErrNoSheet, nil, "This CSV file has one sheet, %q; there is no sheet %q.", s.name, sheet)
	}
	br := bufio.NewReaderSize(s.decoded(io.NewSectionReader(s.file, 0, s.size)), 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\uFEFF")) {
		br.Discard(3)
	}
	if s.sepRow {
		if _, err := br.ReadString('\n'); err != nil && err != io.EOF {
			return nil, openErr(s.path, nil, err, "The file cannot be read. Check that it is not still being copied or downloaded, then retry.")
		}
	}
	cr := csv.NewReader(br)
	cr.Comma = s.delim
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return &csvRows{ctx: ctx, src: s, r: cr}, nil
}

// csvRows numbers records the way Excel shows them when it opens the file:
// one row per record (a quoted value with line breaks stays in one row), and
// blank lines count as blank rows.
type csvRows struct {
	ctx     context.Context
	src     *csvSource
	r       *csv.Reader
	row     int // row number of the last record
	endLine int // line where the last record ended
	n       int
}

func (c *csvRows) next() (int, []string, error) {
	if c.n%1024 == 0 {
		if err := c.ctx.Err(); err != nil {
			return 0, nil, err
		}
	}
	c.n++
	rec, err := c.r.Read()
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		line := 0
		if errors.As(err, &pe) {
			line = pe.Line
		}
		return 0, nil, openErr(c.src.path, ErrCorrupt, err, "The CSV file cannot be read past line %d. Check that line in a text editor (an unclosed quote is the usual cause), fix it, and retry.", line)
	}
	start, _ := c.r.FieldPos(0)
	c.row += 1 + max(0, start-c.endLine-1)
	last := len(rec) - 1
	endLine, _ := c.r.FieldPos(last)
	c.endLine = endLine + strings.Count(rec[last], "\n")
	cells := make([]string, len(rec))
	copy(cells, rec)
	return c.row, cells, nil
}

func (c *csvRows) notes() []string { return nil }
func (c *csvRows) close() error    { return nil }

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
