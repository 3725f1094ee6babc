package fieldtype

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A number is written without exponent only between these powers of ten:
// Marketo's float fields hold a float64, which has no value from 1e309 up
// and none but zero below about 1e-324. The bound also keeps the plain
// digits Leadsheet writes for a cell like 1E+300 short.
const (
	maxPoint = 309
	minPoint = -324
)

// number is a decimal number as written: sign, the digits before and after
// the point, and the power of ten of an exponent ("1.5E+3").
type number struct {
	neg        bool
	whole      string
	frac       string
	exp        int
	hasExp     bool
	hasPoint   bool
	plusSigned bool
}

// parseNumber reads [+-]digits[.digits][e[+-]digits], with at least one
// digit before or after the point. Go's strconv would also take hex, "Inf",
// "NaN" and underscores, none of which belongs in a lead.
func parseNumber(s string) (number, bool) {
	var n number
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		n.neg, n.plusSigned = s[i] == '-', s[i] == '+'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	n.whole = s[start:i]
	if i < len(s) && s[i] == '.' {
		n.hasPoint = true
		i++
		start = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		n.frac = s[start:i]
	}
	if n.whole == "" && n.frac == "" {
		return n, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			expNeg = s[i] == '-'
			i++
		}
		start = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if start == i || i-start > 4 {
			return n, false
		}
		e, _ := strconv.Atoi(s[start:i])
		if expNeg {
			e = -e
		}
		n.exp, n.hasExp = e, true
	}
	return n, i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// plain writes the number without exponent, leading zeros or trailing
// fractional zeros ("+007.50" → "7.5", "1.5E+3" → "1500", "-0" → "0").
// ok is false when the number is too large or too small for a float64.
func (n number) plain(s string) (string, bool) {
	if !n.hasExp && !n.plusSigned && canonicalDigits(n) {
		return s, true // already plain: the common case, without allocating
	}
	digits := n.whole + n.frac
	point := len(n.whole) + n.exp
	lead := 0
	for lead < len(digits) && digits[lead] == '0' {
		lead++
	}
	digits, point = digits[lead:], point-lead
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return "0", true
	}
	if point > maxPoint || point < minPoint {
		return "", false
	}
	var b strings.Builder
	if n.neg {
		b.WriteByte('-')
	}
	switch {
	case point <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(digits)
	case point >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", point-len(digits)))
	default:
		b.WriteString(digits[:point])
		b.WriteByte('.')
		b.WriteString(digits[point:])
	}
	return b.String(), true
}

// canonicalDigits reports whether the digits are already written the
// plain way: no leading zero before other digits, a point only with a
// fraction that does not end in zero, and no "-0".
func canonicalDigits(n number) bool {
	if n.whole == "" || len(n.whole) > 1 && n.whole[0] == '0' {
		return false
	}
	if n.hasPoint && (n.frac == "" || n.frac[len(n.frac)-1] == '0') {
		return false
	}
	if n.neg && strings.Trim(n.whole+n.frac, "0") == "" {
		return false
	}
	return true
}

// normalizeInteger reads a whole number for Marketo's integer, score and
// (with percent) percent fields, all 32-bit integers in Marketo.
func normalizeInteger(s string, percent bool) (string, string) {
	cell := s
	what := "whole numbers like 42"
	if percent {
		what = "whole percentages like 30 (or 30%)"
		s = strings.TrimSpace(strings.TrimSuffix(s, "%"))
	}
	if strings.Contains(s, ",") {
		return "", fmt.Sprintf("%s has a comma. Write whole numbers without thousands separators, like %s.", quote(cell), strings.ReplaceAll(s, ",", ""))
	}
	n, ok := parseNumber(s)
	if !ok {
		return "", fmt.Sprintf("%s is not a whole number; this field takes %s.", quote(cell), what)
	}
	v, ok := n.plain(s)
	if !ok {
		return "", fmt.Sprintf("%s does not fit this field; Marketo's whole-number fields hold -2,147,483,648 to 2,147,483,647.", quote(cell))
	}
	if strings.Contains(v, ".") {
		msg := fmt.Sprintf("%s is not a whole number; this field takes %s. Round it in the file.", quote(cell), what)
		if f, err := strconv.ParseFloat(v, 64); percent && !strings.HasSuffix(cell, "%") && err == nil && f != 0 && math.Abs(f) < 1 {
			// Shift the point in the digits as written: 0.07 * 100 in
			// floating point is 7.000000000000001.
			hundred := n
			hundred.exp, hundred.hasExp = n.exp+2, true
			if p, ok := hundred.plain(s); ok {
				msg += fmt.Sprintf(" If %s means %s%%, write %s.", s, p, p)
			}
		}
		return "", msg
	}
	if _, err := strconv.ParseInt(v, 10, 32); err != nil {
		return "", fmt.Sprintf("%s does not fit this field; Marketo's whole-number fields hold -2,147,483,648 to 2,147,483,647.", quote(cell))
	}
	return v, ""
}

// currencySigns are the signs a currency cell may start with.
const currencySigns = "$€£¥"

// normalizeDecimal reads a number for Marketo's float and currency fields.
// Currency also takes one leading currency sign and comma thousands
// groups, but only when the commas cannot be a decimal comma: a decimal
// point follows them ("1,234.50") or there are two or more ("1,234,567").
// "1,234" alone could be 1.234 written the European way, so it is refused.
func normalizeDecimal(s string, currency bool) (string, string) {
	cell := s
	example := "numbers like 1234.5"
	if currency {
		example = "amounts like 1234.50 or $1,234.50"
	}
	sign, rest := "", s
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		sign, rest = rest[:1], rest[1:]
	}
	if r, ok := leadingCurrency(rest); ok {
		if !currency {
			return "", fmt.Sprintf("%s has a currency sign; this field takes plain %s. Remove the sign.", quote(cell), example)
		}
		rest = strings.TrimLeft(rest[len(r):], " ")
		if sign == "" && rest != "" && (rest[0] == '-' || rest[0] == '+') {
			sign, rest = rest[:1], rest[1:]
		}
		s = sign + rest
	}
	if strings.HasSuffix(rest, "%") {
		return "", fmt.Sprintf("%s has a percent sign; this field takes plain %s. Remove the sign (write 0.5 for 50%%).", quote(cell), example)
	}
	if strings.Contains(rest, ",") {
		commas := strings.Count(rest, ",")
		grouped := thousandsGrouped(rest)
		switch {
		case grouped && (strings.Contains(rest, ".") || commas > 1):
			plain := sign + strings.ReplaceAll(rest, ",", "")
			if !currency {
				return "", fmt.Sprintf("%s has a thousands separator; write the number without it, like %s.", quote(cell), plain)
			}
			s = plain
		case grouped:
			thousand, decimal := sign+strings.ReplaceAll(rest, ",", ""), sign+strings.ReplaceAll(rest, ",", ".")
			return "", fmt.Sprintf("%s could mean %s or %s; Leadsheet does not guess whether the comma is a decimal comma. Write it as %s or %s.", quote(cell), thousand, decimal, thousand, decimal)
		default:
			return "", fmt.Sprintf("%s has a comma; Leadsheet does not guess whether it is a decimal comma or a thousands separator. Write the number with a decimal point and no separators, like 1234.5.", quote(cell))
		}
	}
	n, ok := parseNumber(s)
	if !ok {
		return "", fmt.Sprintf("%s is not a number; this field takes %s.", quote(cell), example)
	}
	v, ok := n.plain(s)
	if !ok {
		return "", fmt.Sprintf("%s is too large or too small a number for Marketo.", quote(cell))
	}
	return v, ""
}

// leadingCurrency returns the currency sign s starts with.
func leadingCurrency(s string) (string, bool) {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || !strings.ContainsRune(currencySigns, r) {
		return "", false
	}
	return s[:size], true
}

// thousandsGrouped reports whether s is 1 to 3 digits followed by groups
// of a comma and exactly 3 digits, then optionally a point and digits.
func thousandsGrouped(s string) bool {
	whole, _, _ := strings.Cut(s, ".")
	first, groups, ok := strings.Cut(whole, ",")
	if !ok || len(first) < 1 || len(first) > 3 || !allDigits(first) {
		return false
	}
	for groups != "" {
		g, more, _ := strings.Cut(groups, ",")
		if len(g) != 3 || !allDigits(g) {
			return false
		}
		groups = more
	}
	return !strings.HasSuffix(whole, ",")
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
