package sheet

import (
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
)

// FileFormat is what the first bytes of a file say it is, whatever its name.
type FileFormat int

// File formats [Sniff] tells apart.
const (
	FormatUnknown FileFormat = iota // binary data of no known kind
	FormatEmpty                     // no bytes at all
	FormatZip                       // a zip archive: .xlsx/.xlsm (or another zip)
	FormatCFB                       // OLE compound file: legacy .xls or an encrypted .xlsx
	FormatHTML                      // a web page (often saved as .xls by web exports)
	FormatXML2003                   // Excel 2003 XML spreadsheet
	FormatText                      // plain text: read as CSV
)

func (f FileFormat) String() string {
	switch f {
	case FormatEmpty:
		return "empty"
	case FormatZip:
		return "zip"
	case FormatCFB:
		return "cfb"
	case FormatHTML:
		return "html"
	case FormatXML2003:
		return "xml2003"
	case FormatText:
		return "text"
	default:
		return "unknown"
	}
}

var (
	zipMagic      = []byte("PK\x03\x04")
	zipEmptyMagic = []byte("PK\x05\x06")
	cfbMagic      = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}
)

// sniffLen is how many leading bytes [Sniff] looks at.
const sniffLen = 8 << 10

// Sniff classifies a file from its first bytes (up to 8 KiB are used).
func Sniff(head []byte) FileFormat {
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	switch {
	case len(head) == 0:
		return FormatEmpty
	case bytes.HasPrefix(head, zipMagic), bytes.HasPrefix(head, zipEmptyMagic):
		return FormatZip
	case bytes.HasPrefix(head, cfbMagic):
		return FormatCFB
	}
	if _, enc := detectBOM(head); enc != EncUTF8 && enc != EncNone {
		return FormatText // UTF-16 with a BOM
	}
	if looksUTF16(head) {
		return FormatText
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return FormatUnknown
	}
	text, _ := detectBOM(head)
	lead := bytes.ToLower(bytes.TrimLeft(text, " \t\r\n"))
	if bytes.HasPrefix(lead, []byte("<?xml")) && bytes.Contains(lead, []byte("urn:schemas-microsoft-com:office:spreadsheet")) {
		return FormatXML2003
	}
	if bytes.HasPrefix(lead, []byte("<!doctype html")) || bytes.HasPrefix(lead, []byte("<html")) ||
		bytes.HasPrefix(lead, []byte("<table")) ||
		(bytes.HasPrefix(lead, []byte("<")) && (bytes.Contains(lead, []byte("<html")) || bytes.Contains(lead, []byte("<table")))) {
		return FormatHTML
	}
	if !utf8.Valid(trimPartialRune(text)) && controlRatio(text) > 0.1 {
		return FormatUnknown
	}
	return FormatText
}

// trimPartialRune drops an incomplete UTF-8 sequence cut off at the end of a
// sample, so a valid file is not judged invalid by where the sample ends.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return b
		}
		if c >= 0xC0 { // start byte of a sequence: is it complete?
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

// controlRatio is the share of bytes that are control characters other than
// tab, CR and LF: high in binary files, near zero in any text encoding.
func controlRatio(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	n := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f' {
			n++
		}
	}
	return float64(n) / float64(len(b))
}

// looksUTF16 reports text written as UTF-16 without a BOM: every other byte
// is zero for Latin text.
func looksUTF16(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	evenZero, oddZero := 0, 0
	n := min(len(b), 512) &^ 1
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			evenZero++
		}
		if b[i+1] == 0 {
			oddZero++
		}
	}
	half := n / 2
	return (oddZero*10 >= half*8 && evenZero == 0) || (evenZero*10 >= half*8 && oddZero == 0)
}

// cfbKind looks inside an OLE compound file: an encrypted OOXML workbook
// holds EncryptionInfo and EncryptedPackage streams; anything else (a
// "Workbook" or "Book" stream) is a legacy .xls.
func cfbKind(r io.ReaderAt) (encrypted bool, err error) {
	doc, err := mscfb.New(r)
	if err != nil {
		return false, err
	}
	var info, pkg bool
	for entry, err := doc.Next(); err == nil; entry, err = doc.Next() {
		switch entry.Name {
		case "EncryptionInfo":
			info = true
		case "EncryptedPackage":
			pkg = true
		}
	}
	return info && pkg, nil
}
