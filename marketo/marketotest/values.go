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
// reason, when not empty, is the sentence a FAILED or skipped record carries.
func checkValue(f *FieldDef, v string) (string, string) {
	if v == "" {
		return "", ""
	}
	bad := func(want string) (string, string) {
		return "", fmt.Sprintf("Invalid value '%s' for field '%s': %s expected", clip(v), f.SOAPName, want)
	}
	switch f.DataType {
	case TypeInteger:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil {
			return bad("a whole number")
		}
		return strconv.FormatInt(n, 10), ""
	case TypeFloat, TypeCurrency:
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || strings.ContainsAny(v, "eEnN") {
			return bad("a number")
		}
		return strconv.FormatFloat(x, 'f', -1, 64), ""
	case TypeBoolean:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1", "yes":
			return "true", ""
		case "false", "0", "no":
			return "false", ""
		}
		return bad("true or false")
	case TypeDate:
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return bad("a date like 2010-05-07")
		}
		return v, ""
	case TypeDateTime:
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return bad("a date and time like 2010-05-07T15:41:32-05:00")
		}
		return v, ""
	case TypeEmail:
		if reason := checkEmail(v); reason != "" {
			return "", fmt.Sprintf("Invalid value '%s' for field '%s': %s", clip(v), f.SOAPName, reason)
		}
	}
	if f.Length > 0 {
		n := utf8.RuneCountInString(v)
		if f.DataType == TypeText {
			n = len(v)
		}
		if n > f.Length {
			return "", fmt.Sprintf("Value for field '%s' is too long: %d characters, at most %d", f.SOAPName, n, f.Length)
		}
	}
	if !utf8.ValidString(v) {
		return "", fmt.Sprintf("Value for field '%s' is not valid UTF-8", f.SOAPName)
	}
	return v, ""
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
