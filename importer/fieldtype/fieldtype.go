// Package fieldtype normalises one cell for one Marketo field type: it
// turns what an operator's sheet holds (Excel serial dates, text dates in
// the sheet's day/month order, "Yes", "$1,234.50") into the form Marketo
// accepts for the field, or says in plain words why the cell cannot be
// sent. It does no I/O and holds no state, so the pre-flight check and the
// sandbox can apply exactly the same rules.
//
// Cells arrive as the sheet reader shows them: numbers as plain digits
// ("1234.5", "45123"), cells with a date format as "2024-03-05", cells with
// a date-and-time format as "2024-03-05T14:30:00" (no zone), text as typed.
package fieldtype

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"leadsheet/marketo"
)

// DateOrder is how a sheet writes text dates whose day and month are both
// numbers, such as 03/05/2024. Nothing in such a date tells 3 May from
// March 5, so the operator chooses; Leadsheet never guesses.
type DateOrder uint8

// Date orders.
const (
	// DateOrderUnset refuses every numeric text date (even 25/12/2024,
	// whose order could be inferred: a sheet that mixes inferred and
	// refused dates would be read inconsistently).
	DateOrderUnset DateOrder = iota
	DayFirst                 // 03/05/2024 is 3 May 2024
	MonthFirst               // 03/05/2024 is March 5, 2024
)

// BoolStyle is how a sheet writes yes/no values.
type BoolStyle uint8

// Boolean styles.
const (
	// BoolWords: true/false, yes/no, y/n or 1/0, in any case. A blank cell
	// sends nothing.
	BoolWords BoolStyle = iota
	// BoolMarks: a tick column. x, X, ✓, ✔ (or the words above) mean true
	// and a blank cell means false.
	BoolMarks
)

// Options are the operator's choices that the cells themselves cannot
// tell. The zero value is usable: text dates with numeric day and month
// are refused, times without an offset are read in time.Local, and
// booleans are words.
type Options struct {
	DateOrder DateOrder
	// Zone is where times written without an offset were noted. nil means
	// time.Local.
	Zone     *time.Location
	Booleans BoolStyle
	// Date1904 says the workbook counts serial dates from 1904, so a bare
	// serial number is read in that system.
	Date1904 bool
}

func (o Options) zone() *time.Location {
	if o.Zone == nil {
		return time.Local
	}
	return o.Zone
}

// Marketo's default limits when the field list gives no length.
const (
	defaultStringChars = 255    // string, email, phone, url, reference
	defaultTextBytes   = 30_000 // text area, counted in bytes
)

// Normalize returns the value to send to Marketo for a non-blank cell of
// field f, or a problem in plain words (what is wrong, what to do) when the
// cell cannot be sent. The problem names neither the row nor the column:
// the caller adds them. Surrounding spaces are ignored; a blank cell gives
// ("", "") — see BlankValue for what a blank cell means.
//
// Types Leadsheet does not know (formula, or a type newer than this
// package) pass through unchanged, checked only against f.Length when the
// field list gives one.
func Normalize(f marketo.Field, cell string, o Options) (value string, problem string) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return "", ""
	}
	switch typ := strings.ToLower(strings.TrimSpace(f.Type)); typ {
	case "date":
		return normalizeDate(s, o)
	case "datetime":
		return normalizeDateTime(s, o)
	case "integer", "score":
		return normalizeInteger(s, false)
	case "percent":
		return normalizeInteger(s, true)
	case "float":
		return normalizeDecimal(s, false)
	case "currency":
		return normalizeDecimal(s, true)
	case "boolean":
		return normalizeBool(s, o.Booleans)
	case "email":
		if p := checkChars(s, f.Length, defaultStringChars); p != "" {
			return "", p
		}
		if p := checkEmail(s); p != "" {
			return "", p
		}
		return s, ""
	case "string", "phone", "reference":
		return refuseOr(s, checkChars(s, f.Length, defaultStringChars))
	case "url":
		if p := checkChars(s, f.Length, defaultStringChars); p != "" {
			return "", p
		}
		if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
			return "", fmt.Sprintf("%s has a space; a web address cannot contain spaces. Remove them, or write each one as %%20.", quote(s))
		}
		return s, ""
	case "text":
		return refuseOr(s, checkBytes(s, f.Length))
	default:
		return refuseOr(s, checkChars(s, f.Length, 0))
	}
}

// refuseOr is s when there is no problem, and no value when there is one.
func refuseOr(s, problem string) (string, string) {
	if problem != "" {
		return "", problem
	}
	return s, ""
}

// BlankValue is what a blank cell of field f sends when the operator's
// style gives blanks a meaning: under BoolMarks an unticked boolean is
// false. ok is false when a blank cell sends nothing.
func BlankValue(f marketo.Field, o Options) (value string, ok bool) {
	if o.Booleans == BoolMarks && strings.EqualFold(strings.TrimSpace(f.Type), "boolean") {
		return "false", true
	}
	return "", false
}

// boolWords are the words both styles read, true then false.
var boolWords = [...][2]string{{"true", "false"}, {"yes", "no"}, {"y", "n"}, {"1", "0"}}

func normalizeBool(s string, style BoolStyle) (string, string) {
	for _, w := range boolWords {
		switch {
		case strings.EqualFold(s, w[0]):
			return "true", ""
		case strings.EqualFold(s, w[1]):
			return "false", ""
		}
	}
	if style == BoolMarks {
		switch s {
		case "x", "X", "✓", "✔":
			return "true", ""
		}
		return "", fmt.Sprintf("%s is not a tick. This column is read as ticks: x or ✓ (or yes, true, 1) means yes, a blank cell means no, and no, false or 0 also mean no.", quote(s))
	}
	return "", fmt.Sprintf("%s is not a yes/no value. Write true or false, yes or no, y or n, or 1 or 0.", quote(s))
}

// checkChars refuses s when it has more characters than the field's length
// (or def when the field list gives none; 0 means no limit).
func checkChars(s string, length, def int) string {
	if length <= 0 {
		length = def
	}
	if length <= 0 || len(s) <= length {
		return ""
	}
	if n := utf8.RuneCountInString(s); n > length {
		return fmt.Sprintf("This is %s characters long; Marketo allows %s in this field. Shorten it.", thousands(n), thousands(length))
	}
	return ""
}

// checkBytes refuses a text area value past its limit, which Marketo
// counts in bytes of UTF-8, not characters.
func checkBytes(s string, length int) string {
	if length <= 0 {
		length = defaultTextBytes
	}
	if len(s) <= length {
		return ""
	}
	return fmt.Sprintf("This is %s bytes long; Marketo stores at most %s bytes in this field, and letters with accents and other non-English characters take 2 to 4 bytes each. Shorten it.", thousands(len(s)), thousands(length))
}

// quote quotes a cell for a message, shortened so a long cell does not
// swamp the message.
func quote(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		r := []rune(s)
		s = string(r[:37]) + "..."
	}
	return fmt.Sprintf("%q", s)
}

// thousands writes n with comma thousands separators, as in 30,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
