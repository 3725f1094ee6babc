package fieldtype

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone tests must not depend on the machine's zone files

	"leadsheet/marketo"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return l
}

// normalizeCase is one cell for one field: want is the value sent, or
// problem a substring of the refusal.
type normalizeCase struct {
	name    string
	f       marketo.Field
	cell    string
	o       Options
	want    string
	problem string
}

func runNormalize(t *testing.T, tests []normalizeCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, p := Normalize(tc.f, tc.cell, tc.o)
			if tc.problem == "" {
				if p != "" || got != tc.want {
					t.Fatalf("Normalize(%s, %.60q) = %.60q, %q; want %.60q", tc.f.Type, tc.cell, got, p, tc.want)
				}
				return
			}
			if got != "" || !strings.Contains(p, tc.problem) {
				t.Fatalf("Normalize(%s, %.60q) = %.60q, %q; want a problem containing %q", tc.f.Type, tc.cell, got, p, tc.problem)
			}
			if strings.Contains(strings.ToLower(p), "row ") {
				t.Errorf("problem %q names a row; the validator adds that", p)
			}
		})
	}
}

func TestNormalizeDate(t *testing.T) {
	date := marketo.Field{Name: "Birthdate", Type: "date"}
	day := Options{DateOrder: DayFirst}
	month := Options{DateOrder: MonthFirst}
	runNormalize(t, []normalizeCase{
		{"iso", date, "2024-03-05", Options{}, "2024-03-05", ""},
		{"iso with spaces around", date, "  2024-03-05 ", Options{}, "2024-03-05", ""},
		{"year first with slashes", date, "2024/3/5", Options{}, "2024-03-05", ""},
		{"year first with dots", date, "2024.03.05", Options{}, "2024-03-05", ""},
		{"iso datetime at midnight", date, "2024-03-05T00:00:00", Options{}, "2024-03-05", ""},
		{"datetime at midnight with a space", date, "2024-03-05 00:00", Options{}, "2024-03-05", ""},
		{"datetime at midnight in UTC", date, "2024-03-05T00:00:00Z", Options{}, "2024-03-05", ""},
		{"iso datetime with a time", date, "2024-03-05T14:30:00", Options{}, "", `"2024-03-05T14:30:00" has a time of day (14:30)`},
		{"seconds only after midnight", date, "2024-03-05T00:00:01", Options{}, "", "has a time of day"},
		{"serial", date, "45356", Options{}, "2024-03-05", ""},
		{"serial in a 1904 workbook", date, "43894", Options{Date1904: true}, "2024-03-05", ""},
		{"serial with a zero fraction", date, "45356.0", Options{}, "2024-03-05", ""},
		{"smallest serial", date, "10000", Options{}, "1927-05-18", ""},
		{"largest serial", date, "2958465", Options{}, "9999-12-31", ""},
		{"serial too small", date, "9999", Options{}, "", `"9999" is a number, not a date`},
		{"serial too large", date, "2958466", Options{}, "", "is a number, not a date"},
		{"negative serial", date, "-45356", Options{}, "", "is a number, not a date"},
		{"yyyymmdd number", date, "20240305", Options{}, "", "is a number, not a date"},
		{"serial with a time", date, "45356.5", Options{}, "", "Excel date with a time of day"},
		{"day first", date, "05/03/2024", day, "2024-03-05", ""},
		{"month first", date, "05/03/2024", month, "2024-05-03", ""},
		{"order unset", date, "03/05/2024", Options{}, "", "Choose this sheet's date order (day/month or month/day)"},
		{"order unset even when only one order fits", date, "25/12/2024", Options{}, "", "does not guess"},
		{"dots, day first", date, "5.3.2024", day, "2024-03-05", ""},
		{"dashes, day first", date, "05-03-2024", day, "2024-03-05", ""},
		{"two-digit year 24", date, "5/3/24", day, "2024-03-05", ""},
		{"two-digit year 69 is 2069", date, "5/3/69", day, "2069-03-05", ""},
		{"two-digit year 70 is 1970", date, "5/3/70", day, "1970-03-05", ""},
		{"two-digit year 99", date, "5/3/99", day, "1999-03-05", ""},
		{"two-digit year 00", date, "5/3/00", day, "2000-03-05", ""},
		{"three-digit year", date, "5/3/202", day, "", `"5/3/202" is not a date. Write it like 2024-03-05.`},
		{"mixed separators", date, "05/03-2024", day, "", "is not a date"},
		{"february 31st", date, "31/02/2026", day, "", `"31/02/2026" is not a date: February 2026 has no 31st (text dates are read day first`},
		{"leap day", date, "29/02/2024", day, "2024-02-29", ""},
		{"no leap day", date, "29/02/2025", day, "", "February 2025 has no 29th"},
		{"month 25 read day first", date, "12/25/2024", day, "", "there is no month 25 (text dates are read day first, as chosen"},
		{"month 25 read month first", date, "25/12/2024", month, "", "there is no month 25 (text dates are read month first"},
		{"day 0", date, "00/03/2024", day, "", "there is no day 0"},
		{"iso month 13", date, "2024-13-01", Options{}, "", "there is no month 13"},
		{"Excel's 1900 leap-year bug", date, "1900-02-29", Options{}, "", "February 1900 has no 29th"},
		{"year 0", date, "0000-01-01", Options{}, "", "the year must be from 1 to 9999"},
		{"day month-abbreviation year", date, "5 Mar 2024", Options{}, "2024-03-05", ""},
		{"day month year", date, "5 March 2024", Options{}, "2024-03-05", ""},
		{"month day, year", date, "March 5, 2024", Options{}, "2024-03-05", ""},
		{"abbreviation with a dot", date, "Mar. 5, 2024", Options{}, "2024-03-05", ""},
		{"month day year", date, "mar 5 2024", Options{}, "2024-03-05", ""},
		{"dd-mmm-yyyy", date, "5-Mar-2024", Options{}, "2024-03-05", ""},
		{"dd-mmm-yy", date, "05-MAR-24", Options{}, "2024-03-05", ""},
		{"ordinal day", date, "5th March 2024", Options{}, "2024-03-05", ""},
		{"sept", date, "Sept 5, 2024", Options{}, "2024-09-05", ""},
		{"weekday that agrees", date, "Tue, 5 Mar 2024", Options{}, "2024-03-05", ""},
		{"weekday that does not agree", date, "Mon, 5 Mar 2024", Options{}, "", "5 March 2024 was a Tuesday, not a Monday"},
		{"named month without its 30th", date, "30 Feb 2024", Options{}, "", "February 2024 has no 30th"},
		{"unknown month name", date, "5 Foo 2024", Options{}, "", "is not a date"},
		{"named date at midnight", date, "5 Mar 2024 00:00", Options{}, "2024-03-05", ""},
		{"words", date, "yesterday", Options{}, "", `"yesterday" is not a date. Write it like 2024-03-05.`},
		{"time without a date", date, "14:30:00", Options{}, "", "is a time of day without a date"},
		{"T after a text date", date, "05/03/2024T00:00", day, "", "is not a date"},
	})
}

func TestNormalizeDateTime(t *testing.T) {
	dt := marketo.Field{Name: "LastSeen", Type: "datetime"}
	chicago := zone(t, "America/Chicago")
	ct := Options{Zone: chicago}
	runNormalize(t, []normalizeCase{
		{"reader datetime, winter", dt, "2024-03-05T14:30:00", ct, "2024-03-05T14:30:00-06:00", ""},
		{"reader datetime, summer", dt, "2024-07-05T14:30:00", ct, "2024-07-05T14:30:00-05:00", ""},
		{"space and minutes", dt, "2024-03-05 14:30", ct, "2024-03-05T14:30:00-06:00", ""},
		{"Z kept", dt, "2024-03-05T14:30:00Z", ct, "2024-03-05T14:30:00Z", ""},
		{"offset kept", dt, "2024-03-05T14:30:00+01:00", ct, "2024-03-05T14:30:00+01:00", ""},
		{"offset without colon, fraction dropped", dt, "2024-03-05T14:30:00.250+0100", ct, "2024-03-05T14:30:00+01:00", ""},
		{"offset in hours", dt, "2024-03-05T14:30:00-05", ct, "2024-03-05T14:30:00-05:00", ""},
		{"UTC word", dt, "2024-03-05 14:30 UTC", ct, "2024-03-05T14:30:00Z", ""},
		{"zero offset", dt, "2024-03-05T14:30:00+00:00", ct, "2024-03-05T14:30:00Z", ""},
		{"date alone is midnight in the zone", dt, "2024-03-05", ct, "2024-03-05T00:00:00-06:00", ""},
		{"serial with a fraction", dt, "45356.6041666667", ct, "2024-03-05T14:30:00-06:00", ""},
		{"serial without a fraction", dt, "45356", ct, "2024-03-05T00:00:00-06:00", ""},
		{"serial too small", dt, "123.5", ct, "", "is a number, not a date"},
		{"text date day first with a time", dt, "05/03/2024 14:30", Options{Zone: chicago, DateOrder: DayFirst}, "2024-03-05T14:30:00-06:00", ""},
		{"text date month first with PM", dt, "03/05/2024 2:30 PM", Options{Zone: chicago, DateOrder: MonthFirst}, "2024-03-05T14:30:00-06:00", ""},
		{"text date, order unset", dt, "03/05/2024 14:30", ct, "", "does not guess"},
		{"month name with pm", dt, "March 5, 2024 2:30 pm", ct, "2024-03-05T14:30:00-06:00", ""},
		{"RFC 1123", dt, "Tue, 05 Mar 2024 14:30:00 +0000", ct, "2024-03-05T14:30:00Z", ""},
		{"12 AM", dt, "5 Mar 2024 12:00 AM", ct, "2024-03-05T00:00:00-06:00", ""},
		{"12 PM", dt, "5 Mar 2024 12:15 PM", ct, "2024-03-05T12:15:00-06:00", ""},
		{"skipped by daylight saving", dt, "2024-03-10 02:30", ct, "", `"2024-03-10 02:30" did not happen in America/Chicago: the clocks jumped forward`},
		{"repeated hour takes the earlier", dt, "2024-11-03 01:30", ct, "2024-11-03T01:30:00-05:00", ""},
		{"after the repeated hour", dt, "2024-11-03 02:30", ct, "2024-11-03T02:30:00-06:00", ""},
		{"day starting at 01:00", dt, "2024-09-08", Options{Zone: zone(t, "America/Santiago")}, "2024-09-08T01:00:00-03:00", ""},
		{"midnight skipped with a time given", dt, "2024-09-08 00:30", Options{Zone: zone(t, "America/Santiago")}, "", "did not happen in America/Santiago"},
		{"day the zone skipped", dt, "2011-12-30", Options{Zone: zone(t, "Pacific/Apia")}, "", "did not happen in Pacific/Apia"},
		{"far zone", dt, "2024-03-05T14:30:00", Options{Zone: zone(t, "Asia/Kolkata")}, "2024-03-05T14:30:00+05:30", ""},
		{"words", dt, "yesterday", ct, "", `"yesterday" is not a date and time. Write it like 2024-03-05 14:30.`},
		{"time without a date", dt, "14:30", ct, "", "is a time of day without a date; this field takes a date and time"},
		{"hour 25", dt, "2024-03-05 25:00", ct, "", "is not a date and time: there is no hour 25"},
		{"minute 60", dt, "2024-03-05 14:60", ct, "", "there is no minute 60"},
		{"second 60", dt, "2024-03-05 14:59:60", ct, "", "there is no second 60"},
		{"13 PM", dt, "2024-03-05 13:30 PM", ct, "", "with AM or PM the hour runs from 1 to 12, not 13"},
		{"offset too far", dt, "2024-03-05T14:30:00+15:00", ct, "", "is not a time zone offset"},
		{"zone abbreviation", dt, "2024-03-05T14:30:00 CET", ct, "", "is not a date and time"},
		{"impossible date with a time", dt, "2026-02-31 10:00", ct, "", "February 2026 has no 31st"},
		{"SOAP's spelling of the type", marketo.Field{Type: "dateTime"}, "2024-03-05T14:30:00", ct, "2024-03-05T14:30:00-06:00", ""},
	})
}

// TestNormalizeDateTimeLocal checks that the zero Options read times in
// the machine's zone, whatever it is.
func TestNormalizeDateTimeLocal(t *testing.T) {
	want := time.Date(2024, 7, 5, 14, 30, 0, 0, time.Local).Format(time.RFC3339)
	got, p := Normalize(marketo.Field{Type: "datetime"}, "2024-07-05T14:30:00", Options{})
	if p != "" || got != want {
		t.Fatalf("got %q, %q; want %q in time.Local", got, p, want)
	}
}

func TestNormalizeNumbers(t *testing.T) {
	integer := marketo.Field{Name: "Employees", Type: "integer"}
	score := marketo.Field{Name: "LeadScore", Type: "score"}
	percent := marketo.Field{Name: "Probability", Type: "percent"}
	float := marketo.Field{Name: "Weight", Type: "float"}
	currency := marketo.Field{Name: "AnnualRevenue", Type: "currency"}
	runNormalize(t, []normalizeCase{
		{"integer", integer, "42", Options{}, "42", ""},
		{"negative", integer, "-7", Options{}, "-7", ""},
		{"plus sign", integer, "+7", Options{}, "7", ""},
		{"leading zeros", integer, "007", Options{}, "7", ""},
		{"zero fraction", integer, "42.0", Options{}, "42", ""},
		{"zeros fraction", integer, "42.000", Options{}, "42", ""},
		{"minus zero", integer, "-0", Options{}, "0", ""},
		{"exponent", integer, "1e3", Options{}, "1000", ""},
		{"int32 max", integer, "2147483647", Options{}, "2147483647", ""},
		{"int32 min", integer, "-2147483648", Options{}, "-2147483648", ""},
		{"past int32", integer, "2147483648", Options{}, "", `"2147483648" does not fit this field; Marketo's whole-number fields hold -2,147,483,648 to 2,147,483,647`},
		{"far past int32", integer, "99999999999999999999", Options{}, "", "does not fit this field"},
		{"huge exponent", integer, "1e400", Options{}, "", "does not fit this field"},
		{"fraction", integer, "14.1", Options{}, "", `"14.1" is not a whole number; this field takes whole numbers like 42. Round it`},
		{"thousands separator", integer, "1,234", Options{}, "", `"1,234" has a comma. Write whole numbers without thousands separators, like 1234.`},
		{"letters", integer, "14c", Options{}, "", "is not a whole number"},
		{"space inside", integer, "1 000", Options{}, "", "is not a whole number"},
		{"hex", integer, "0x10", Options{}, "", "is not a whole number"},
		{"score", score, "10", Options{}, "10", ""},
		{"score fraction", score, "2.5", Options{}, "", "is not a whole number"},
		{"percent number", percent, "30", Options{}, "30", ""},
		{"percent sign stripped", percent, "100%", Options{}, "100", ""},
		{"percent sign after a space", percent, "100 %", Options{}, "100", ""},
		{"percent fraction", percent, "12.5%", Options{}, "", `"12.5%" is not a whole number; this field takes whole percentages like 30 (or 30%)`},
		{"percent as a fraction of one", percent, "0.5", Options{}, "", "If 0.5 means 50%, write 50."},
		{"percent hint in exact digits", percent, "0.07", Options{}, "", "If 0.07 means 7%, write 7."},
		{"past int32 below", integer, "-2147483649", Options{}, "", "does not fit this field"},
		{"two percent signs", percent, "50%%", Options{}, "", "is not a whole number"},
		{"percent words", percent, "half", Options{}, "", "is not a whole number"},
		{"float", float, "1234.5", Options{}, "1234.5", ""},
		{"trailing zeros", float, "1234.50", Options{}, "1234.5", ""},
		{"negative fraction", float, "-0.5", Options{}, "-0.5", ""},
		{"no digit before the point", float, ".5", Options{}, "0.5", ""},
		{"no digit after the point", float, "5.", Options{}, "5", ""},
		{"plus", float, "+3.25", Options{}, "3.25", ""},
		{"exponent written out", float, "1.5E+3", Options{}, "1500", ""},
		{"negative exponent", float, "1e-3", Options{}, "0.001", ""},
		{"digits kept exactly", float, "12345678901234567890.12", Options{}, "12345678901234567890.12", ""},
		{"letter after", float, "14c", Options{}, "", `"14c" is not a number; this field takes numbers like 1234.5.`},
		{"decimal comma", float, "1,5", Options{}, "", `"1,5" has a comma; Leadsheet does not guess whether it is a decimal comma`},
		{"thousands in a float", float, "1,234.5", Options{}, "", `"1,234.5" has a thousands separator; write the number without it, like 1234.5.`},
		{"comma that could be either", float, "1,234", Options{}, "", `"1,234" could mean 1234 or 1.234`},
		{"currency sign in a float", float, "$12", Options{}, "", "has a currency sign"},
		{"percent sign in a float", float, "50%", Options{}, "", "has a percent sign"},
		{"NaN", float, "NaN", Options{}, "", "is not a number"},
		{"Inf", float, "Inf", Options{}, "", "is not a number"},
		{"hex float", float, "0x1p-2", Options{}, "", "is not a number"},
		{"too large", float, "1e400", Options{}, "", "is too large or too small a number"},
		{"exponent too long", float, "1e99999", Options{}, "", "is not a number"},
		{"currency", currency, "1234.50", Options{}, "1234.5", ""},
		{"dollars with thousands", currency, "$1,234.50", Options{}, "1234.5", ""},
		{"euro", currency, "€12", Options{}, "12", ""},
		{"pound and a space", currency, "£ 12.5", Options{}, "12.5", ""},
		{"yen with two groups", currency, "¥1,234,567", Options{}, "1234567", ""},
		{"minus before the sign", currency, "-$5", Options{}, "-5", ""},
		{"minus after the sign", currency, "$-5", Options{}, "-5", ""},
		{"thousands without a sign", currency, "1,234.50", Options{}, "1234.5", ""},
		{"one group, no point", currency, "$1,234", Options{}, "", `"$1,234" could mean 1234 or 1.234; Leadsheet does not guess`},
		{"currency decimal comma", currency, "1,5", Options{}, "", "does not guess whether it is a decimal comma"},
		{"european grouping", currency, "1.234,50", Options{}, "", "does not guess"},
		{"bad group", currency, "1,23.5", Options{}, "", "does not guess"},
		{"two signs", currency, "$$5", Options{}, "", "is not a number; this field takes amounts like 1234.50 or $1,234.50"},
		{"sign after", currency, "5$", Options{}, "", "is not a number"},
		{"letters before the sign", currency, "US$5", Options{}, "", "is not a number"},
	})
}

func TestNormalizeBoolean(t *testing.T) {
	b := marketo.Field{Name: "Unsubscribed", Type: "boolean"}
	marks := Options{Booleans: BoolMarks}
	var tests []normalizeCase
	for _, w := range []string{"true", "TRUE", "Yes", "y", "Y", "1"} {
		tests = append(tests, normalizeCase{"words " + w, b, w, Options{}, "true", ""}, normalizeCase{"marks " + w, b, w, marks, "true", ""})
	}
	for _, w := range []string{"false", "False", "No", "n", "0"} {
		tests = append(tests, normalizeCase{"words " + w, b, w, Options{}, "false", ""}, normalizeCase{"marks " + w, b, w, marks, "false", ""})
	}
	for _, w := range []string{"x", "X", "✓", "✔"} {
		tests = append(tests, normalizeCase{"mark " + w, b, w, marks, "true", ""}, normalizeCase{"mark as a word " + w, b, w, Options{}, "", "is not a yes/no value"})
	}
	tests = append(tests,
		normalizeCase{"other word", b, "other", Options{}, "", `"other" is not a yes/no value. Write true or false, yes or no, y or n, or 1 or 0.`},
		normalizeCase{"other mark", b, "maybe", marks, "", `"maybe" is not a tick. This column is read as ticks: x or ✓`},
		normalizeCase{"2 is not 1", b, "2", Options{}, "", "is not a yes/no value"},
	)
	runNormalize(t, tests)
}

func TestBlankValue(t *testing.T) {
	tests := []struct {
		f      marketo.Field
		o      Options
		want   string
		wantOK bool
	}{
		{marketo.Field{Type: "boolean"}, Options{Booleans: BoolMarks}, "false", true},
		{marketo.Field{Type: "Boolean"}, Options{Booleans: BoolMarks}, "false", true},
		{marketo.Field{Type: "boolean"}, Options{}, "", false},
		{marketo.Field{Type: "string"}, Options{Booleans: BoolMarks}, "", false},
		{marketo.Field{Type: "date"}, Options{Booleans: BoolMarks, DateOrder: DayFirst}, "", false},
	}
	for _, tc := range tests {
		if got, ok := BlankValue(tc.f, tc.o); got != tc.want || ok != tc.wantOK {
			t.Errorf("BlankValue(%s, %+v) = %q, %v; want %q, %v", tc.f.Type, tc.o, got, ok, tc.want, tc.wantOK)
		}
	}
	if got, p := Normalize(marketo.Field{Type: "boolean"}, "  ", Options{Booleans: BoolMarks}); got != "" || p != "" {
		t.Errorf("Normalize of a blank cell = %q, %q; want nothing (BlankValue says what a blank means)", got, p)
	}
}

func TestNormalizeText(t *testing.T) {
	email := marketo.Field{Name: "Email", Type: "email"}
	str := marketo.Field{Name: "FirstName", Type: "string"}
	text := marketo.Field{Name: "Notes", Type: "text"}
	tests := []normalizeCase{
		{"email too long", email, strings.Repeat("a", 64) + "@" + strings.Repeat("b", 187) + ".com", Options{}, "", "256 characters long; Marketo allows 255"},
		{"email within its field length", marketo.Field{Type: "email", Length: 20}, "a@example.com", Options{}, "a@example.com", ""},
		{"email past its field length", marketo.Field{Type: "email", Length: 10}, "a@example.com", Options{}, "", "13 characters long; Marketo allows 10"},
		{"string at 255", str, strings.Repeat("é", 255), Options{}, strings.Repeat("é", 255), ""},
		{"string past 255 counts characters", str, strings.Repeat("é", 256), Options{}, "", "This is 256 characters long; Marketo allows 255 in this field. Shorten it."},
		{"string field length", marketo.Field{Type: "string", Length: 5}, "ABCDEF", Options{}, "", "6 characters long; Marketo allows 5"},
		{"phone kept as typed", marketo.Field{Type: "phone"}, "+1 (650) 555-0100", Options{}, "+1 (650) 555-0100", ""},
		{"phone past 255", marketo.Field{Type: "phone"}, strings.Repeat("1", 256), Options{}, "", "256 characters long"},
		{"reference", marketo.Field{Type: "reference"}, "Acme Inc", Options{}, "Acme Inc", ""},
		{"reference past its length", marketo.Field{Type: "reference", Length: 3}, "Acme", Options{}, "", "allows 3"},
		{"url", marketo.Field{Type: "url"}, "https://example.com/a?b=c", Options{}, "https://example.com/a?b=c", ""},
		{"url with a space", marketo.Field{Type: "url"}, "https://example.com/a b", Options{}, "", `"https://example.com/a b" has a space; a web address cannot contain spaces`},
		{"url with a no-break space", marketo.Field{Type: "url"}, "https://example.com/a\u00a0b", Options{}, "", "has a space"},
		{"url past 255", marketo.Field{Type: "url"}, "https://example.com/" + strings.Repeat("a", 236), Options{}, "", "256 characters long"},
		{"text at 30,000 bytes", text, strings.Repeat("a", 30000), Options{}, strings.Repeat("a", 30000), ""},
		{"text past 30,000 bytes", text, strings.Repeat("a", 30001), Options{}, "", "This is 30,001 bytes long; Marketo stores at most 30,000 bytes in this field"},
		{"text counts bytes, not characters", text, strings.Repeat("é", 15001), Options{}, "", "30,002 bytes long"},
		{"text field length", marketo.Field{Type: "text", Length: 10}, "0123456789a", Options{}, "", "at most 10 bytes"},
		{"formula passes through", marketo.Field{Type: "formula"}, "anything at all", Options{}, "anything at all", ""},
		{"unknown type passes through", marketo.Field{Type: "hologram"}, " 3D ", Options{}, "3D", ""},
		{"unknown type with a length", marketo.Field{Type: "hologram", Length: 3}, "abcd", Options{}, "", "4 characters long; Marketo allows 3"},
		{"no type", marketo.Field{}, strings.Repeat("z", 1000), Options{}, strings.Repeat("z", 1000), ""},
	}
	for _, e := range []string{"a@example.com", "first.last+tag@sub.example.co.uk", "o'brien@example.ie", "x_y-z@ex-ample.com", "Anna@Example.COM"} {
		tests = append(tests, normalizeCase{"email " + e, email, e, Options{}, e, ""})
	}
	for _, bad := range []struct{ cell, problem string }{
		{"a", "it needs exactly one @"},
		{"anna.example.com", "it needs exactly one @"},
		{"a@@b.com", "it needs exactly one @"},
		{"@example.com", "check the part before the @"},
		{".a@example.com", "check the part before the @"},
		{"a..b@example.com", "check the part before the @"},
		{"a b@example.com", `it contains " " before the @`},
		{"<a@example.com>", `it contains "<" before the @`},
		{"a@", "needs a dot"},
		{"a@b", "needs a dot"},
		{"anna@localhost", "needs a dot"},
		{"a@-ex.com", "check the part after the @"},
		{"a@example..com", "check the part after the @"},
		{"a@ex_ample.com", `"_" is not allowed after the @`},
		{"a@example.c", "does not end in a domain like .com"},
		{"a@example.123", "does not end in a domain like .com"},
		{"zoë@exämple.com", "Marketo takes only plain letters a-z"},
		{"ü@example.com", "a character Marketo does not accept"},
	} {
		tests = append(tests, normalizeCase{"bad email " + bad.cell, email, bad.cell, Options{}, "", bad.problem})
	}
	runNormalize(t, tests)
}

// TestPercentHint checks that the hint for a fraction written where a
// percentage belongs is given only when the cell has no percent sign: 0.5
// may mean 50%, 0.5% does not.
func TestPercentHint(t *testing.T) {
	percent := marketo.Field{Type: "percent"}
	for cell, hint := range map[string]bool{"0.5": true, "-0.25": true, "0.5%": false, "1.5": false} {
		_, p := Normalize(percent, cell, Options{})
		if got := strings.Contains(p, "If "); p == "" || got != hint {
			t.Errorf("%q: problem %q, want hint %v", cell, p, hint)
		}
	}
}

// TestProblemsQuoteShort checks that a refusal quotes the start of a long
// cell, not all of it.
func TestProblemsQuoteShort(t *testing.T) {
	cell := strings.Repeat("ab", 100) + "!"
	_, p := Normalize(marketo.Field{Type: "integer"}, cell, Options{})
	if !strings.Contains(p, `"`+strings.Repeat("ab", 18)+`a..."`) || len(p) > 200 {
		t.Fatalf("problem %q does not quote the cell short", p)
	}
}
