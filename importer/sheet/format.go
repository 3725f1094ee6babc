package sheet

import (
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// numKind is how a numeric cell is shown, decided once per cell style from
// its number format.
type numKind uint8

const (
	numGeneral  numKind = iota // the stored number, never in scientific notation
	numDate                    // YYYY-MM-DD
	numTime                    // HH:MM:SS
	numDateTime                // YYYY-MM-DDTHH:MM:SS
	numElapsed                 // [h]:mm:ss durations: H:MM:SS, hours may pass 24
	numPadded                  // integer left-padded with zeros to width (postcodes)
	numPercent                 // value × 100 followed by %
)

// numFormat is the display rule of one cell style.
type numFormat struct {
	kind  numKind
	width int // digits for numPadded
}

// maxExcelSerial is 9999-12-31, the last date Excel can show.
const maxExcelSerial = 2958465.99999

// builtinNumFmt classifies Excel's built-in number format ids (ECMA-376
// 18.8.30 plus the East Asian date ids Excel writes).
func builtinNumFmt(id int) numFormat {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 54, id == 57, id == 58:
		return numFormat{kind: numDate}
	case id == 22:
		return numFormat{kind: numDateTime}
	case id >= 18 && id <= 21, id == 45, id == 47, id >= 32 && id <= 35, id == 55, id == 56:
		return numFormat{kind: numTime}
	case id == 46:
		return numFormat{kind: numElapsed}
	case id == 9 || id == 10:
		return numFormat{kind: numPercent}
	}
	return numFormat{kind: numGeneral}
}

// classifyFormatCode reads a custom number format code such as "00000",
// "dd/mm/yyyy hh:mm" or "0.00%". Literal text ("..."), escaped characters,
// fill/pad characters and bracketed colours or locales are ignored; only the
// first section (positive numbers) counts.
func classifyFormatCode(code string) numFormat {
	var (
		b                 strings.Builder
		elapsed, percent  bool
		inQuote           bool
		zeros, nonZeroNum int
	)
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case inQuote:
			if c == '"' {
				inQuote = false
			}
			continue
		case c == '"':
			inQuote = true
			continue
		case c == '\\' || c == '_' || c == '*':
			i++ // the next character is literal or padding
			continue
		case c == '[':
			end := strings.IndexByte(code[i:], ']')
			if end < 0 {
				i = len(code)
				continue
			}
			inner := strings.ToLower(code[i+1 : i+end])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				elapsed = true
				b.WriteString(inner)
			}
			i += end
			continue
		case c == ';':
			i = len(code) // only the first section
			continue
		case c == '%':
			percent = true
		case c == '0':
			zeros++
		case c == '#' || c == '?' || c == '.' || c == ',' || c == '/' || c == 'E' || c == 'e' && i+1 < len(code) && (code[i+1] == '+' || code[i+1] == '-'):
			nonZeroNum++
		}
		b.WriteByte(c)
	}
	s := strings.ToLower(b.String())
	if strings.Contains(s, "general") || s == "@" {
		return numFormat{kind: numGeneral}
	}
	// "e+" / "e-" is scientific notation, not a date part.
	s = strings.NewReplacer("e+", "", "e-", "").Replace(s)
	hasDate := strings.ContainsAny(s, "dy")
	hasTime := strings.ContainsAny(s, "hs") || strings.Contains(s, "am/pm") || strings.Contains(s, "a/p")
	if !hasDate && !hasTime && strings.Contains(s, "m") && !strings.ContainsAny(s, "0#?") {
		hasDate = true // "mmm" alone is a month
	}
	switch {
	case elapsed:
		return numFormat{kind: numElapsed}
	case hasDate && hasTime:
		return numFormat{kind: numDateTime}
	case hasDate:
		return numFormat{kind: numDate}
	case hasTime:
		return numFormat{kind: numTime}
	case percent:
		return numFormat{kind: numPercent}
	case zeros > 1 && nonZeroNum == 0:
		return numFormat{kind: numPadded, width: zeros}
	}
	return numFormat{kind: numGeneral}
}

// FormatNumber shows a number stored in a cell the way an operator expects to
// read it, given the cell's number format code ("General", "00000",
// "yyyy-mm-dd", "0.00E+00", ...) and the workbook's date system. Numbers
// never come out in scientific notation and integers keep all their stored
// digits; dates become ISO 8601. raw is returned unchanged when it is not a
// number.
func FormatNumber(raw, formatCode string, date1904 bool) string {
	return formatNumber(raw, classifyFormatCode(formatCode), date1904)
}

func formatNumber(raw string, nf numFormat, date1904 bool) string {
	if raw == "" {
		return ""
	}
	if nf.kind == numGeneral {
		return plainNumber(raw)
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return raw
	}
	switch nf.kind {
	case numPadded:
		s := plainNumber(raw)
		if v >= 0 && v == math.Trunc(v) && len(s) < nf.width && isDigits(s) {
			return strings.Repeat("0", nf.width-len(s)) + s
		}
		return s
	case numPercent:
		return plainNumber(strconv.FormatFloat(v*100, 'g', 15, 64)) + "%"
	case numTime:
		secs := int64(math.Round((v - math.Floor(v)) * 86400))
		return clock(secs % 86400)
	case numElapsed:
		if v < 0 {
			return plainNumber(raw)
		}
		return clock(int64(math.Round(v * 86400)))
	}
	// Dates and datetimes.
	if v < 0 || v > maxExcelSerial {
		return plainNumber(raw)
	}
	var date, clk string
	if !date1904 && v >= 60 && v < 61 {
		// Excel's 1900 leap-year bug: serial 60 is the 29th of February 1900,
		// a day that never was. Show what Excel shows.
		date = "1900-02-29"
		clk = clock(int64(math.Round((v - 60) * 86400)))
	} else {
		t, err := excelize.ExcelDateToTime(v, date1904)
		if err != nil {
			return plainNumber(raw)
		}
		date = t.Format("2006-01-02")
		clk = t.Format("15:04:05")
	}
	if nf.kind == numDate {
		return date
	}
	return date + "T" + clk
}

// clock formats seconds as HH:MM:SS (hours may exceed 23 for durations).
func clock(secs int64) string {
	h, m, s := secs/3600, secs/60%60, secs%60
	return twoDigits(h) + ":" + twoDigits(m) + ":" + twoDigits(s)
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// plainNumber writes a stored number without exponent. Integer text is kept
// digit for digit (a 20-digit id stays whole); other values are rounded to
// Excel's 15 significant digits, as Excel shows them, so 0.1+0.2 reads 0.3.
func plainNumber(raw string) string {
	if isInteger(raw) {
		return raw
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return raw
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if err != nil {
		return raw
	}
	if r == 0 {
		return "0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

func isInteger(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	return isDigits(s)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
