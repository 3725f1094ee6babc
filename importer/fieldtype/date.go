package fieldtype

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Excel serial numbers read as dates: a general-format cell holding one of
// these is a date whose cell lost its date format (the reader already
// shows cells with a date format as dates). Smaller numbers are far more
// likely counts or ids than dates before 1927, so they are refused.
const (
	minSerial = 10000   // 1927-05-18
	maxSerial = 2958465 // 9999-12-31, the last date Excel shows
)

// stamp is a calendar date, with a wall-clock time and an offset when the
// cell gives them.
type stamp struct {
	year, month, day     int
	hour, min, sec, nsec int
	hasTime              bool
	zone                 *time.Location // the cell's own offset; nil when it has none
}

// normalizeDate reads a date for a Marketo date field and writes it as
// yyyy-mm-dd. A date with a time is taken only at midnight, which is how
// the reader shows a date typed into a cell with a date-and-time format.
func normalizeDate(s string, o Options) (string, string) {
	if isISODate(s) {
		return s, "" // what the reader shows for date cells: no allocation
	}
	st, p := parseStamp(s, o, false)
	if p != "" {
		return "", p
	}
	if st.hour != 0 || st.min != 0 || st.sec != 0 || st.nsec != 0 {
		return "", fmt.Sprintf("%s has a time of day (%02d:%02d); this field takes a date only. Remove the time, or format the column as a date without the time.", quote(s), st.hour, st.min)
	}
	return isoDate(st.year, st.month, st.day), ""
}

// isoDate writes yyyy-mm-dd for a valid date.
func isoDate(y, m, d int) string {
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}

// normalizeDateTime reads a date and time for a Marketo datetime field and
// writes it as RFC 3339 with an offset, to the second. A cell without an
// offset is read as wall-clock time in o's zone, with the offset that zone
// had at that instant (so summer and winter dates get their own); a date
// alone is midnight there. A wall-clock time that the zone skipped when
// its clocks went forward is refused. One that happened twice when they
// went back is the earlier of the two.
func normalizeDateTime(s string, o Options) (string, string) {
	st, p := parseStamp(s, o, true)
	if p != "" {
		return "", p
	}
	if st.zone != nil {
		return time.Date(st.year, time.Month(st.month), st.day, st.hour, st.min, st.sec, st.nsec, st.zone).Format(time.RFC3339), ""
	}
	loc := o.zone()
	t, ok := inZone(st, loc)
	if !ok {
		zone := loc.String()
		if loc == time.Local {
			zone = "this computer's time zone (" + zone + ")"
		}
		return "", fmt.Sprintf("%s did not happen in %s: the clocks jumped forward over it (daylight saving time). Check the time, or the time zone chosen for this import.", quote(s), zone)
	}
	return t.Format(time.RFC3339), ""
}

// inZone is the instant st's wall-clock time names in loc. Near a change
// of offset a wall-clock time can name two instants (the earlier is
// taken) or none; time.Date leaves which it picks unspecified, so the
// candidates are tried one by one: for each offset in force within two
// days, the instant that reads st's wall clock with that offset, if that
// offset is really in force then.
func inZone(st stamp, loc *time.Location) (time.Time, bool) {
	w := time.Date(st.year, time.Month(st.month), st.day, st.hour, st.min, st.sec, st.nsec, time.UTC)
	var best time.Time
	found := false
	for _, probe := range [...]time.Duration{-48 * time.Hour, 0, 48 * time.Hour} {
		_, off := w.Add(probe).In(loc).Zone()
		c := w.Add(-time.Duration(off) * time.Second)
		if _, got := c.In(loc).Zone(); got == off && (!found || c.Before(best)) {
			best, found = c, true
		}
	}
	if found {
		return best.In(loc), true
	}
	if !st.hasTime {
		// Some zones jump forward at midnight, so the day starts at 01:00:
		// the instant the clocks would have shown midnight under the old
		// offset. A day the zone skipped altogether is still refused.
		_, off := w.Add(-48 * time.Hour).In(loc).Zone()
		c := w.Add(-time.Duration(off) * time.Second).In(loc)
		if c.Year() == st.year && int(c.Month()) == st.month && c.Day() == st.day {
			return c, true
		}
	}
	return time.Time{}, false
}

// isISODate reports whether s is a valid date written yyyy-mm-dd.
func isISODate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[:4]) || !allDigits(s[5:7]) || !allDigits(s[8:]) {
		return false
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:])
	return dateProblem(y, m, d) == ""
}

// parseStamp reads every form of date (and, for datetime, of date and
// time) a sheet holds:
//
//   - Excel serial numbers from 10000 to 2958465 (1927 to 9999), in
//     Excel's 1900 date system, with a fraction for the time of day;
//   - year first: 2024-03-05, 2024/3/5, 2024.03.05;
//   - day and month as numbers, in the order the operator chose:
//     05/03/2024, 5.3.2024, 05-03-24. Two-digit years 00 to 69 are 2000 to
//     2069, and 70 to 99 are 1970 to 1999, as Excel reads them;
//   - English month names: 5 Mar 2024, March 5, 2024, 5-Mar-24, 5th March
//     2024, with an optional weekday in front (Tue, 5 Mar 2024), which must
//     agree with the date;
//
// each optionally followed by a time: after a T or a space for year-first
// dates, after a space otherwise. A time is h:mm, h:mm:ss or h:mm:ss.fff,
// optionally with AM or PM, then optionally an offset: Z, UTC, GMT,
// +01:00, +0100 or +01.
func parseStamp(s string, o Options, datetime bool) (stamp, string) {
	noun, example := "a date", "2024-03-05"
	if datetime {
		noun, example = "a date and time", "2024-03-05 14:30"
	}
	notDate := func(detail string) string {
		if detail != "" {
			return fmt.Sprintf("%s is not %s: %s.", quote(s), noun, detail)
		}
		return fmt.Sprintf("%s is not %s. Write it like %s.", quote(s), noun, example)
	}
	if looksNumeric(s) {
		return serialStamp(s, datetime, o.Date1904, notDate)
	}
	datePart, clockPart := s, ""
	if i := strings.IndexByte(s, ':'); i >= 0 {
		j := strings.LastIndexAny(s[:i], " T")
		if j < 0 {
			if _, _, ok := parseClock(s); ok {
				return stamp{}, fmt.Sprintf("%s is a time of day without a date; this field takes %s, like %s.", quote(s), noun, example)
			}
			return stamp{}, notDate("")
		}
		datePart, clockPart = strings.TrimRight(s[:j], " ,"), s[j+1:]
		if s[j] == 'T' {
			if a, _, _, ok := splitNumericDate(datePart); !ok || len(a) != 4 {
				return stamp{}, notDate("")
			}
		}
	}
	var st stamp
	if a, b, c, ok := splitNumericDate(datePart); ok {
		switch {
		case len(a) == 4 && len(b) <= 2 && len(c) <= 2:
			st.year, st.month, st.day = atoi(a), atoi(b), atoi(c)
			if p := dateProblem(st.year, st.month, st.day); p != "" {
				return stamp{}, notDate(p)
			}
		case len(a) <= 2 && len(b) <= 2 && (len(c) == 2 || len(c) == 4):
			order := "day first"
			switch o.DateOrder {
			case DayFirst:
				st.day, st.month = atoi(a), atoi(b)
			case MonthFirst:
				st.month, st.day = atoi(a), atoi(b)
				order = "month first"
			default:
				return stamp{}, fmt.Sprintf("%s could be day/month/year or month/day/year, and Leadsheet does not guess. Choose this sheet's date order (day/month or month/day) for the import, or write the date as year-month-day, like 2024-03-05.", quote(s))
			}
			st.year = fullYear(c)
			if p := dateProblem(st.year, st.month, st.day); p != "" {
				return stamp{}, fmt.Sprintf("%s is not %s: %s (text dates are read %s, as chosen for this import).", quote(s), noun, p, order)
			}
		default:
			return stamp{}, notDate("")
		}
	} else {
		var p string
		var named bool
		st.year, st.month, st.day, named, p = parseNamedDate(datePart)
		if !named {
			return stamp{}, notDate("")
		}
		if p != "" {
			return stamp{}, notDate(p)
		}
	}
	if clockPart != "" {
		c, p, ok := parseClock(clockPart)
		if !ok {
			return stamp{}, notDate("")
		}
		if p != "" {
			return stamp{}, notDate(p)
		}
		st.hour, st.min, st.sec, st.nsec, st.zone = c.hour, c.min, c.sec, c.nsec, c.zone
		st.hasTime = true
	}
	return st, ""
}

// looksNumeric reports whether s is a plain number (digits with at most
// one point, optionally signed), which for a date field can only be an
// Excel serial.
func looksNumeric(s string) bool {
	n, ok := parseNumber(s)
	return ok && !n.hasExp
}

func serialStamp(s string, datetime, date1904 bool, notDate func(string) string) (stamp, string) {
	notSerial := func() string {
		return fmt.Sprintf("%s is a number, not a date. If the column holds dates, format its cells as dates in Excel, or write them like 2024-03-05.", quote(s))
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < minSerial || v >= maxSerial+1 {
		return stamp{}, notSerial()
	}
	day := math.Floor(v)
	frac := v - day
	if !datetime && frac != 0 {
		return stamp{}, fmt.Sprintf("%s is an Excel date with a time of day; this field takes a date only. Format the column as a date without the time.", quote(s))
	}
	// Serials count days from 1899-12-30 in the 1900 system (which makes
	// the first 60 wrong, through Excel's 1900 leap-year bug; those are
	// below minSerial), from 1904-01-01 in the 1904 one. Time is rounded
	// to the second, as Excel shows it.
	t := time.Date(1899, 12, 30+int(day), 0, 0, int(math.Round(frac*86400)), 0, time.UTC)
	if date1904 {
		t = time.Date(1904, 1, 1+int(day), 0, 0, int(math.Round(frac*86400)), 0, time.UTC)
	}
	if t.Year() > 9999 {
		return stamp{}, notSerial()
	}
	return stamp{year: t.Year(), month: int(t.Month()), day: t.Day(), hour: t.Hour(), min: t.Minute(), sec: t.Second(), hasTime: frac != 0}, ""
}

// splitNumericDate splits digits, separator, digits, the same separator,
// digits, where the separator is / - or . ("05/03/2024").
func splitNumericDate(s string) (a, b, c string, ok bool) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 || i == len(s) || i > 4 {
		return "", "", "", false
	}
	sep := s[i]
	if sep != '/' && sep != '-' && sep != '.' {
		return "", "", "", false
	}
	a, rest := s[:i], s[i+1:]
	b, c, found := strings.Cut(rest, string(sep))
	if !found || !allDigits(b) || !allDigits(c) || len(b) > 4 || len(c) > 4 {
		return "", "", "", false
	}
	return a, b, c, true
}

// fullYear reads a 2- or 4-digit year; 2-digit years follow Excel's
// rule: 00-69 are 2000-2069 and 70-99 are 1970-1999.
func fullYear(s string) int {
	y := atoi(s)
	if len(s) == 2 {
		if y < 70 {
			return 2000 + y
		}
		return 1900 + y
	}
	return y
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// parseNamedDate reads a date with an English month name. named is false
// when s is not of that form at all; problem says what is wrong with a
// date of that form that does not exist.
func parseNamedDate(s string) (y, m, d int, named bool, problem string) {
	tokens := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '-' || r == '/' || r == '.' })
	weekday := -1
	if len(tokens) == 4 {
		if weekday = weekdayNumber(tokens[0]); weekday < 0 {
			return 0, 0, 0, false, ""
		}
		tokens = tokens[1:]
	}
	if len(tokens) != 3 {
		return 0, 0, 0, false, ""
	}
	yearTok := tokens[2]
	if !allDigits(yearTok) || len(yearTok) != 2 && len(yearTok) != 4 {
		return 0, 0, 0, false, ""
	}
	var dayTok string
	if m = monthNumber(tokens[0]); m > 0 {
		dayTok = tokens[1]
	} else if m = monthNumber(tokens[1]); m > 0 {
		dayTok = tokens[0]
	} else {
		return 0, 0, 0, false, ""
	}
	if d = dayNumber(dayTok); d < 0 {
		return 0, 0, 0, false, ""
	}
	y = fullYear(yearTok)
	if p := dateProblem(y, m, d); p != "" {
		return 0, 0, 0, true, p
	}
	if got := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Weekday(); weekday >= 0 && int(got) != weekday {
		return 0, 0, 0, true, fmt.Sprintf("%d %s %d was a %s, not a %s", d, time.Month(m), y, got, time.Weekday(weekday))
	}
	return y, m, d, true, ""
}

// monthNumber is 1-12 for an English month name or its first three
// letters (and "Sept"), in any case; 0 otherwise.
func monthNumber(s string) int {
	for m := time.January; m <= time.December; m++ {
		name := m.String()
		if strings.EqualFold(s, name) || strings.EqualFold(s, name[:3]) {
			return int(m)
		}
	}
	if strings.EqualFold(s, "sept") {
		return 9
	}
	return 0
}

// weekdayNumber is 0-6 (Sunday first) for an English weekday name or its
// first three letters; -1 otherwise.
func weekdayNumber(s string) int {
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := d.String()
		if strings.EqualFold(s, name) || strings.EqualFold(s, name[:3]) {
			return int(d)
		}
	}
	return -1
}

// dayNumber reads a day of 1 or 2 digits with an optional English ordinal
// suffix ("5th"); -1 when s is not one.
func dayNumber(s string) int {
	if len(s) > 2 {
		switch strings.ToLower(s[len(s)-2:]) {
		case "st", "nd", "rd", "th":
			s = s[:len(s)-2]
		}
	}
	if !allDigits(s) || len(s) > 2 {
		return -1
	}
	return atoi(s)
}

// dateProblem says why y-m-d is not a date, or "" when it is one.
func dateProblem(y, m, d int) string {
	switch {
	case y < 1 || y > 9999:
		return "the year must be from 1 to 9999"
	case m < 1 || m > 12:
		return fmt.Sprintf("there is no month %d", m)
	case d < 1:
		return "there is no day 0"
	}
	if last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		return fmt.Sprintf("%s %d has no %s", time.Month(m), y, ordinal(d))
	}
	return ""
}

// ordinal writes 1st, 2nd, 3rd, 4th, ... 31st.
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// clockTime is a time of day read from a cell, with the cell's offset.
type clockTime struct {
	hour, min, sec, nsec int
	zone                 *time.Location
}

// parseClock reads h:mm[:ss[.fff]] [AM|PM] [Z|UTC|GMT|±hh[:mm]]. ok is
// false when s is not of that form; problem says what is wrong with a time
// of that form that does not exist ("there is no hour 25").
func parseClock(s string) (c clockTime, problem string, ok bool) {
	sc := scanner{s: s}
	h, ok1 := sc.digits(1, 2)
	if !ok1 || !sc.take(':') {
		return c, "", false
	}
	mi, ok2 := sc.digits(2, 2)
	if !ok2 {
		return c, "", false
	}
	sec := 0
	if sc.take(':') {
		if sec, ok = sc.digits(2, 2); !ok {
			return c, "", false
		}
		if sc.take('.') {
			start := sc.i
			if _, ok = sc.digits(1, 9); !ok {
				return c, "", false
			}
			frac := s[start:sc.i]
			c.nsec = atoi(frac + strings.Repeat("0", 9-len(frac)))
		}
	}
	sc.spaces()
	ampm := ""
	if rest := s[sc.i:]; len(rest) >= 2 && (strings.EqualFold(rest[:2], "am") || strings.EqualFold(rest[:2], "pm")) {
		ampm = strings.ToUpper(rest[:2])
		sc.i += 2
		sc.spaces()
	}
	offset, hasZone := 0, false
	switch rest := s[sc.i:]; {
	case rest == "":
	case strings.EqualFold(rest, "Z") || strings.EqualFold(rest, "UTC") || strings.EqualFold(rest, "GMT"):
		hasZone = true
		sc.i = len(s)
	case rest[0] == '+' || rest[0] == '-':
		sc.i++
		oh, okh := sc.digits(2, 2)
		if !okh {
			return c, "", false
		}
		om := 0
		if sc.i < len(s) {
			sc.take(':')
			if om, ok = sc.digits(2, 2); !ok {
				return c, "", false
			}
		}
		if oh > 14 || om > 59 || oh == 14 && om > 0 {
			return c, fmt.Sprintf("%s is not a time zone offset (offsets run from -14:00 to +14:00)", rest), true
		}
		offset, hasZone = oh*3600+om*60, true
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return c, "", false
	}
	if sc.i != len(s) {
		return c, "", false
	}
	switch {
	case ampm != "" && (h < 1 || h > 12):
		return c, fmt.Sprintf("with AM or PM the hour runs from 1 to 12, not %d", h), true
	case h > 23:
		return c, fmt.Sprintf("there is no hour %d", h), true
	case mi > 59:
		return c, fmt.Sprintf("there is no minute %d", mi), true
	case sec > 59:
		return c, fmt.Sprintf("there is no second %d", sec), true
	}
	switch {
	case ampm == "AM" && h == 12:
		h = 0
	case ampm == "PM" && h != 12:
		h += 12
	}
	c.hour, c.min, c.sec = h, mi, sec
	if hasZone {
		c.zone = time.UTC
		if offset != 0 {
			c.zone = time.FixedZone("", offset)
		}
	}
	return c, "", true
}

// scanner reads a string byte by byte.
type scanner struct {
	s string
	i int
}

// digits reads between minN and maxN digits as a number.
func (sc *scanner) digits(minN, maxN int) (int, bool) {
	start := sc.i
	for sc.i < len(sc.s) && sc.i-start < maxN && isDigit(sc.s[sc.i]) {
		sc.i++
	}
	if sc.i-start < minN {
		return 0, false
	}
	return atoi(sc.s[start:sc.i]), true
}

func (sc *scanner) take(c byte) bool {
	if sc.i < len(sc.s) && sc.s[sc.i] == c {
		sc.i++
		return true
	}
	return false
}

func (sc *scanner) spaces() {
	for sc.i < len(sc.s) && sc.s[sc.i] == ' ' {
		sc.i++
	}
}
