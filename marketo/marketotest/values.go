package marketotest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// checkValue validates a value for a field and returns it in the form the
// store keeps. An empty value clears the field and is always accepted. The
// reason, when not empty, is the sentence a SOAP FAILED record carries;
// REST answers every refusal with Marketo's recorded 1003 "Invalid value
// for field" instead.
//
// The rules are Adobe's field-types.md where it has one and the sandbox's
// guess (doc.go) where it is silent: whole numbers for integer, percent
// and score; plain decimals for float and currency; true/false, 1/0 or
// yes/no for boolean; yyyy-mm-dd for date; ISO 8601 with an offset or Z
// for datetime, kept in UTC to the second as Marketo answers it.
func checkValue(f *FieldDef, v string) (string, string) {
	norm, reason, _ := checkValueKind(f, v)
	return norm, reason
}

// checkValueKind is checkValue, also saying whether the value is of the
// wrong type for the field (a number field given text, say) rather than
// too long or not UTF-8: a bulk import words the two differently.
func checkValueKind(f *FieldDef, v string) (norm, reason string, badType bool) {
	if v == "" {
		return "", "", false
	}
	bad := func(want string) (string, string, bool) {
		return "", fmt.Sprintf("Invalid value '%s' for field '%s': %s expected", clip(v), f.SOAPName, want), true
	}
	switch f.DataType {
	case TypeInteger, TypePercent, TypeScore:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil {
			return bad("a whole number")
		}
		return strconv.FormatInt(n, 10), "", false
	case TypeFloat, TypeCurrency:
		t := strings.TrimSpace(v)
		x, err := strconv.ParseFloat(t, 64)
		if err != nil || !isDecimal(t) {
			return bad("a number")
		}
		return strconv.FormatFloat(x, 'f', -1, 64), "", false
	case TypeBoolean:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1", "yes":
			return "true", "", false
		case "false", "0", "no":
			return "false", "", false
		}
		return bad("true or false")
	case TypeDate:
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return bad("a date like 2010-05-07")
		}
		return v, "", false
	case TypeDateTime:
		t, ok := parseDateTime(v)
		if !ok {
			return bad("a date and time with its offset, like 2010-05-07T15:41:32-05:00")
		}
		return t.UTC().Format("2006-01-02T15:04:05Z"), "", false
	case TypeEmail:
		if reason := checkEmail(v); reason != "" {
			return "", fmt.Sprintf("Invalid value '%s' for field '%s': %s", clip(v), f.SOAPName, reason), true
		}
	}
	if f.Length > 0 {
		n := utf8.RuneCountInString(v)
		unit := "characters"
		if f.DataType == TypeText {
			n, unit = len(v), "bytes" // Adobe: text areas hold 30,000 bytes
		}
		if n > f.Length {
			return "", fmt.Sprintf("Value for field '%s' is too long: %d %s, at most %d", f.SOAPName, n, unit, f.Length), false
		}
	}
	if !utf8.ValidString(v) {
		return "", fmt.Sprintf("Value for field '%s' is not valid UTF-8", f.SOAPName), false
	}
	return v, "", false
}

// isDecimal reports whether v is a plain decimal number: an optional sign,
// digits and at most one point. strconv.ParseFloat also takes exponents,
// hex floats, Inf and NaN, which a Marketo number field is not documented
// to take.
func isDecimal(v string) bool {
	if v != "" && (v[0] == '+' || v[0] == '-') {
		v = v[1:]
	}
	digits, point := 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !point:
			point = true
		default:
			return false
		}
	}
	return digits > 0
}

// parseDateTime reads an ISO 8601 date and time with an offset or Z, to the
// minute or the second, with an optional fraction of a second (W3C's
// profile, which Adobe's field-types.md names). Without an offset the
// instant is ambiguous, so it is refused.
func parseDateTime(v string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// checkEmail applies the rules Marketo documents: one address, ASCII only.
func checkEmail(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return "only ASCII characters are allowed in an email address"
		}
		if v[i] <= ' ' || strings.IndexByte("\",;<>()[]\\", v[i]) >= 0 {
			return "not a valid email address"
		}
	}
	at := strings.IndexByte(v, '@')
	if at <= 0 || at != strings.LastIndexByte(v, '@') || at == len(v)-1 || len(v) > 255 {
		return "not a valid email address"
	}
	return ""
}

// clip keeps echoed values short so a reason stays readable.
func clip(v string) string {
	const max = 80
	if len(v) <= max {
		return v
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "..."
}
