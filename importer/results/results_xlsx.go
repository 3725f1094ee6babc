package results

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"leadsheet/importer"
	"leadsheet/importer/sheet"
)

// writeXLSXResults copies the workbook at opts.Input to w with the result
// columns added to opts.Sheet. Every part but that sheet is copied as
// stored (compressed bytes included); the sheet's XML is streamed through a
// rewriter that only appends cells at the end of rows, so its own cells,
// styles, formulas, merged cells and column widths stay as they were.
//
// An encrypted workbook is decrypted in memory with opts.Password, and the
// copy is encrypted with the same password.
func writeXLSXResults(w io.Writer, sheetPart string, opts ResultsOptions, results []importer.RowResult) error {
	f, err := os.Open(opts.Input)
	if err != nil {
		return fmt.Errorf("open the workbook to copy it: %w", err)
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	if sheet.Sniff(head[:n]) != sheet.FormatCFB {
		st, err := f.Stat()
		if err != nil {
			return err
		}
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			return fmt.Errorf("open the workbook to copy it: %w", err)
		}
		return copyWithResults(w, zr, sheetPart, opts, results)
	}
	if opts.Password == "" {
		return errors.New("the workbook is protected with a password; give the password to write its results")
	}
	raw, err := os.ReadFile(opts.Input)
	if err != nil {
		return err
	}
	pkg, err := excelize.Decrypt(raw, &excelize.Options{Password: opts.Password})
	if err != nil {
		return fmt.Errorf("decrypt the workbook to copy it: %w", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		return fmt.Errorf("open the workbook to copy it: %w", err)
	}
	var plain bytes.Buffer
	if err := copyWithResults(&plain, zr, sheetPart, opts, results); err != nil {
		return err
	}
	enc, err := excelize.Encrypt(plain.Bytes(), &excelize.Options{Password: opts.Password})
	if err != nil {
		return fmt.Errorf("encrypt the results like the workbook: %w", err)
	}
	_, err = w.Write(enc)
	return err
}

// copyWithResults writes the package zr to w with the result columns added.
func copyWithResults(w io.Writer, zr *zip.Reader, sheetPart string, opts ResultsOptions, results []importer.RowResult) error {
	var sheetFile *zip.File
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, sheetPart) {
			sheetFile = f
		}
	}
	if sheetFile == nil {
		return fmt.Errorf("the workbook has no part %s for sheet %q", sheetPart, opts.Sheet)
	}
	used, err := scanSheet(sheetFile)
	if err != nil {
		return err
	}
	extras := newExtraRows(opts.HeaderRow, used.maxCol+1, results, opts)

	zw := zip.NewWriter(w)
	// The copy is written once and read back rarely: favour speed; the
	// result is still about as small as Excel's own files.
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for _, f := range zr.File {
		if f != sheetFile {
			if err := zw.Copy(f); err != nil {
				return fmt.Errorf("copy %s: %w", f.Name, err)
			}
			continue
		}
		hdr := f.FileHeader
		hdr.Method = zip.Deflate
		hdr.CompressedSize64, hdr.UncompressedSize64, hdr.CRC32 = 0, 0, 0
		dst, err := zw.CreateHeader(&hdr)
		if err != nil {
			return err
		}
		src, err := f.Open()
		if err != nil {
			return fmt.Errorf("read sheet %q: %w", opts.Sheet, err)
		}
		rw := &sheetRewriter{extras: extras, firstCol: used.maxCol + 1, maxRow: used.maxRow}
		err = rw.rewrite(dst, src)
		src.Close()
		if err != nil {
			return fmt.Errorf("add results to sheet %q: %w", opts.Sheet, err)
		}
	}
	return zw.Close()
}

// extraRows is what the results add to the sheet, in row order: the
// header names on the header row, then each result's status, lead ID and
// reason. Cells are laid out as each row is written, so a million results
// cost no more memory than the results themselves.
type extraRows struct {
	headerRow int
	firstCol  int
	results   []importer.RowResult // sorted by Row, the header row left out
	header    int                  // index of the header row among the rows
	opts      ResultsOptions
}

func newExtraRows(headerRow, firstCol int, results []importer.RowResult, opts ResultsOptions) *extraRows {
	// Sorted results, as both front ends pass them, are read in place: a
	// copy of a million would be 40 MB.
	rs := []importer.RowResult(sortedResults(results))
	byRow := func(r importer.RowResult, row int) int { return r.Row - row }
	h, found := slices.BinarySearchFunc(rs, headerRow, byRow)
	if found {
		// The header row gets its own cells; a result for it is dropped,
		// from a copy, as the caller's slice is not ours to change.
		rs = slices.Clone(rs)
		for ; found; h, found = slices.BinarySearchFunc(rs, headerRow, byRow) {
			rs = slices.Delete(rs, h, h+1)
		}
	}
	return &extraRows{headerRow: headerRow, firstCol: firstCol, results: rs, header: h, opts: opts}
}

func (e *extraRows) len() int { return len(e.results) + 1 }

// row is the sheet row of the i-th extra row.
func (e *extraRows) row(i int) int {
	switch {
	case i == e.header:
		return e.headerRow
	case i > e.header:
		return e.results[i-1].Row
	}
	return e.results[i].Row
}

// cells are the i-th extra row's cells: column, text, and whether the
// text is a number.
func (e *extraRows) cells(i int, fn func(col int, text string, number bool)) {
	if i == e.header {
		for k, name := range headersFor(e.opts) {
			fn(e.firstCol+k, name, false)
		}
		return
	}
	if i > e.header {
		i--
	}
	for k, v := range resultCells(e.results[i], true, e.opts) {
		if v != "" {
			fn(e.firstCol+k, v, k == 1)
		}
	}
}

// sheetUse is the extent of a sheet's cells.
type sheetUse struct {
	maxCol, maxRow int
}

// scanSheet streams a sheet's XML once to find its last used column, so
// the result columns come after every cell the operator has.
func scanSheet(f *zip.File) (sheetUse, error) {
	rc, err := f.Open()
	if err != nil {
		return sheetUse{}, err
	}
	defer rc.Close()
	var use sheetUse
	row, col := 0, 0
	want := func(local []byte) bool { return string(local) == "c" || string(local) == "row" }
	err = walkTags(bufio.NewReaderSize(rc, 64<<10), io.Discard, want, func(t tag, out *bufio.Writer) error {
		switch {
		case string(t.local) == "row" && !t.closing:
			if n, ok := rowAttr(t.raw); ok {
				row = n
			} else {
				row++
			}
			col = 0
			use.maxRow = max(use.maxRow, row)
		case string(t.local) == "c" && !t.closing:
			if ref, ok := attr(t.raw, "r"); ok {
				if c, _, ok := splitRef(ref); ok {
					col = c
				} else {
					col++
				}
			} else {
				col++
			}
			use.maxCol = max(use.maxCol, col)
		}
		return nil
	})
	return use, err
}

// sheetRewriter copies a worksheet's XML, appending the result cells to
// the end of each row and adding rows the sheet has no element for.
type sheetRewriter struct {
	extras   *extraRows
	next     int // index of the next extra row to place
	firstCol int
	maxRow   int
	prefix   string // namespace prefix of the sheet's elements, with colon
	row      int
}

func (s *sheetRewriter) rewrite(dst io.Writer, src io.Reader) error {
	bw := bufio.NewWriterSize(dst, 64<<10)
	want := func(local []byte) bool {
		switch string(local) {
		case "row", "dimension", "sheetData":
			return true
		}
		return false
	}
	err := walkTags(bufio.NewReaderSize(src, 64<<10), bw, want, s.tag)
	if err != nil {
		return err
	}
	return bw.Flush()
}

func (s *sheetRewriter) tag(t tag, out *bufio.Writer) error {
	switch string(t.local) {
	case "dimension":
		if !t.closing {
			return s.dimension(t, out)
		}
	case "sheetData":
		if !t.closing {
			s.prefix = string(t.prefix)
		}
		switch {
		case t.selfClosing:
			fmt.Fprintf(out, "<%s>", t.name)
			s.flushBefore(out, int(^uint(0)>>1))
			fmt.Fprintf(out, "</%s>", t.name)
			return nil
		case t.closing:
			s.flushBefore(out, int(^uint(0)>>1))
		}
	case "row":
		if t.closing {
			s.appendCells(out, s.row)
			break
		}
		if n, ok := rowAttr(t.raw); ok {
			s.row = n
		} else {
			s.row++
		}
		s.flushBefore(out, s.row)
		if s.next < s.extras.len() && s.extras.row(s.next) == s.row {
			// spans is only a hint of the row's columns, now out of date.
			t.raw = dropAttr(t.raw, "spans")
		}
		if t.selfClosing {
			out.Write(bytes.TrimSuffix(bytes.TrimSpace(t.raw[:len(t.raw)-1]), []byte("/")))
			out.WriteByte('>')
			s.appendCells(out, s.row)
			fmt.Fprintf(out, "</%s>", t.name)
			return nil
		}
	}
	out.Write(t.raw)
	return nil
}

// flushBefore writes new row elements for extra rows before row n that the
// sheet has no element for.
func (s *sheetRewriter) flushBefore(out *bufio.Writer, n int) {
	for s.next < s.extras.len() && s.extras.row(s.next) < n {
		fmt.Fprintf(out, "<%srow r=\"%d\">", s.prefix, s.extras.row(s.next))
		s.writeCells(out, s.next)
		fmt.Fprintf(out, "</%srow>", s.prefix)
		s.next++
	}
}

// appendCells writes the extra cells of row n, if it has any.
func (s *sheetRewriter) appendCells(out *bufio.Writer, n int) {
	if s.next < s.extras.len() && s.extras.row(s.next) == n {
		s.writeCells(out, s.next)
		s.next++
	}
}

func (s *sheetRewriter) writeCells(out *bufio.Writer, i int) {
	p, row := s.prefix, s.extras.row(i)
	s.extras.cells(i, func(col int, text string, number bool) {
		ref := importer.ColumnLetter(col) + strconv.Itoa(row)
		if number {
			fmt.Fprintf(out, `<%sc r="%s"><%sv>%s</%sv></%sc>`, p, ref, p, text, p, p)
			return
		}
		fmt.Fprintf(out, `<%sc r="%s" t="inlineStr"><%sis><%st xml:space="preserve">`, p, ref, p, p)
		xml.EscapeText(out, []byte(text)) //nolint:errcheck // bufio.Writer keeps the error for Flush
		fmt.Fprintf(out, `</%st></%sis></%sc>`, p, p, p)
	})
}

// dimension widens the sheet's used range to take in the result columns.
func (s *sheetRewriter) dimension(t tag, out *bufio.Writer) error {
	lastRow := s.maxRow
	if n := s.extras.len(); n > 0 {
		lastRow = max(lastRow, s.extras.row(n-1))
	}
	start := "A1"
	if ref, ok := attr(t.raw, "ref"); ok {
		start, _, _ = strings.Cut(ref, ":")
	}
	end := ">"
	if t.selfClosing {
		end = "/>"
	}
	fmt.Fprintf(out, `<%s ref="%s:%s%d"%s`, t.name, start, importer.ColumnLetter(s.firstCol+len(headersFor(s.extras.opts))-1), max(lastRow, 1), end)
	return nil
}

// tag is one markup tag of a streamed XML document. Its byte slices point
// into a buffer reused for the next tag.
type tag struct {
	raw         []byte // the whole tag, '<' to '>'
	name        []byte // qualified name, e.g. "x:row"
	prefix      []byte // "x:" or empty
	local       []byte // "row"
	closing     bool   // </row>
	selfClosing bool   // <row/>
}

// walkTags copies an XML document from r to w, handing each element tag to
// fn (which writes it, changed or not) and copying text, comments, CDATA
// and processing instructions as they are. Attribute values may hold '>'.
// Only tags whose local name want accepts are parsed; the others are
// copied like text ('<' cannot occur unescaped in text or attribute
// values, so the next '<' always starts the next piece of markup).
func walkTags(r *bufio.Reader, w io.Writer, want func(local []byte) bool, fn func(tag, *bufio.Writer) error) error {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriter(w)
	}
	var buf []byte
	for {
		text, err := r.ReadSlice('<')
		for errors.Is(err, bufio.ErrBufferFull) {
			bw.Write(text)
			text, err = r.ReadSlice('<')
		}
		if err == io.EOF {
			bw.Write(text)
			return bw.Flush()
		}
		if err != nil {
			return err
		}
		bw.Write(text[:len(text)-1])
		buf = append(buf[:0], '<')
		if peek, _ := r.Peek(3); string(peek) == "!--" {
			if buf, err = readUntil(r, buf, "-->"); err != nil {
				return err
			}
			bw.Write(buf)
			continue
		}
		if peek, _ := r.Peek(8); string(peek) == "![CDATA[" {
			if buf, err = readUntil(r, buf, "]]>"); err != nil {
				return err
			}
			bw.Write(buf)
			continue
		}
		if !want(peekLocal(r)) {
			bw.WriteByte('<')
			continue
		}
		for {
			chunk, err := r.ReadSlice('>')
			buf = append(buf, chunk...)
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil {
				return fmt.Errorf("sheet XML ends inside a tag: %w", err)
			}
			if !openQuote(buf) {
				break
			}
		}
		if len(buf) > 1 && (buf[1] == '?' || buf[1] == '!') {
			bw.Write(buf)
			continue
		}
		if err := fn(parseTag(buf), bw); err != nil {
			return err
		}
	}
}

// peekLocal returns the local name of the tag r is at (just after its
// '<'), without consuming it; empty for markup that is not an element.
func peekLocal(r *bufio.Reader) []byte {
	peek, _ := r.Peek(24)
	start := 0
	if len(peek) > 0 && peek[0] == '/' {
		start = 1
	}
	for i := start; i < len(peek); i++ {
		switch peek[i] {
		case ':':
			start = i + 1
		case ' ', '\t', '\r', '\n', '/', '>':
			return peek[start:i]
		}
	}
	return peek[start:]
}

// openQuote reports whether b ends inside a quoted attribute value.
func openQuote(b []byte) bool {
	var quote byte
	for _, c := range b {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		}
	}
	return quote != 0
}

func readUntil(r *bufio.Reader, buf []byte, end string) ([]byte, error) {
	for !bytes.HasSuffix(buf, []byte(end)) {
		c, err := r.ReadByte()
		if err != nil {
			return buf, fmt.Errorf("sheet XML ends inside %q: %w", end, err)
		}
		buf = append(buf, c)
	}
	return buf, nil
}

func parseTag(raw []byte) tag {
	t := tag{raw: raw}
	body := raw[1 : len(raw)-1]
	if len(body) > 0 && body[0] == '/' {
		t.closing = true
		body = body[1:]
	}
	if bytes.HasSuffix(body, []byte("/")) {
		t.selfClosing = true
	}
	end := bytes.IndexAny(body, " \t\r\n/>")
	if end < 0 {
		end = len(body)
	}
	t.name = body[:end]
	t.local = t.name
	if i := bytes.IndexByte(t.name, ':'); i >= 0 {
		t.prefix, t.local = t.name[:i+1], t.name[i+1:]
	}
	return t
}

// attr finds an unprefixed attribute's value in a raw tag.
func attr(raw []byte, name string) (string, bool) {
	for i := 0; ; {
		j := bytes.Index(raw[i:], []byte(name+"="))
		if j < 0 {
			return "", false
		}
		j += i
		i = j + len(name) + 1
		if c := raw[j-1]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			continue
		}
		if i >= len(raw) {
			return "", false
		}
		q := raw[i]
		if q != '"' && q != '\'' {
			continue
		}
		k := bytes.IndexByte(raw[i+1:], q)
		if k < 0 {
			return "", false
		}
		return string(raw[i+1 : i+1+k]), true
	}
}

func rowAttr(raw []byte) (int, bool) {
	v, ok := attr(raw, "r")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n > 0
}

// splitRef splits a cell reference like "AB12" into column 28 and row 12.
func splitRef(ref string) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		i++
	}
	if i == 0 || i > 3 {
		return 0, 0, false
	}
	row, err := strconv.Atoi(ref[i:])
	if err != nil {
		return 0, 0, false
	}
	return col, row, true
}

// dropAttr removes an unprefixed attribute from a raw tag.
func dropAttr(raw []byte, name string) []byte {
	v, ok := attr(raw, name)
	if !ok {
		return raw
	}
	for _, q := range []string{`"`, "'"} {
		whole := []byte(" " + name + "=" + q + v + q)
		if i := bytes.Index(raw, whole); i >= 0 {
			return slices.Concat(raw[:i], raw[i+len(whole):])
		}
	}
	return raw
}
