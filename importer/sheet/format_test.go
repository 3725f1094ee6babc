package sheet

import "testing"

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		raw, code string
		date1904  bool
		want      string
	}{
		{"6505551000", "0.00E+00", false, "6505551000"},
		{"6.505551E+9", "General", false, "6505551000"},
		{"12345678901234567", "General", false, "12345678901234567"},
		{"1.2345678901234567E+19", "General", false, "12345678901234600000"},
		{"0.30000000000000004", "General", false, "0.3"},
		{"2134", "00000", false, "02134"},
		{"123456", "00000", false, "123456"},
		{"2134.5", "00000", false, "2134.5"},
		{"-5", "00000", false, "-5"},
		{"2134", `[<=99999]00000;00000-0000`, false, "02134"},
		{"42", "@", false, "42"},
		{"1234.5", "#,##0.00", false, "1234.5"},
		{"1234.5", `"$"#,##0.00`, false, "1234.5"},
		{"0.5", "0%", false, "50%"},
		{"45356", "yyyy-mm-dd", false, "2024-03-05"},
		{"45356", "m/d/yy", false, "2024-03-05"},
		{"45356", "mmm yyyy", false, "2024-03-05"},
		{"45356", `[$-F800]dddd\, mmmm dd\, yyyy`, false, "2024-03-05"},
		{"45356.25", "dd.mm.yyyy hh:mm:ss", false, "2024-03-05T06:00:00"},
		{"45356.9999999", "yyyy-mm-dd hh:mm", false, "2024-03-06T00:00:00"},
		{"0.75", "h:mm AM/PM", false, "18:00:00"},
		{"0.5", "mm:ss", false, "12:00:00"},
		{"1.25", "[h]:mm", false, "30:00:00"},
		{"43894", "yyyy-mm-dd", true, "2024-03-05"},
		{"0", "yyyy-mm-dd", true, "1904-01-01"},
		{"60", "yyyy-mm-dd", false, "1900-02-29"},
		{"60.5", "yyyy-mm-dd hh:mm", false, "1900-02-29T12:00:00"},
		{"-1", "yyyy-mm-dd", false, "-1"},
		{"99999999", "yyyy-mm-dd", false, "99999999"},
		{"abc", "yyyy-mm-dd", false, "abc"},
		{"", "General", false, ""},
		{"1e400", "General", false, "1e400"},
		{"NaN", "yyyy-mm-dd", false, "NaN"},
		{"7", `"Order "0000`, false, "0007"},
		{"12", `0 "hours"`, false, "12"},
	}
	for _, tc := range tests {
		if got := FormatNumber(tc.raw, tc.code, tc.date1904); got != tc.want {
			t.Errorf("FormatNumber(%q, %q, %v) = %q, want %q", tc.raw, tc.code, tc.date1904, got, tc.want)
		}
	}
}

func TestBuiltinNumFmt(t *testing.T) {
	tests := map[int]numKind{0: numGeneral, 1: numGeneral, 11: numGeneral, 49: numGeneral, 9: numPercent,
		14: numDate, 15: numDate, 17: numDate, 18: numTime, 21: numTime, 22: numDateTime, 45: numTime, 46: numElapsed, 47: numTime}
	for id, want := range tests {
		if got := builtinNumFmt(id).kind; got != want {
			t.Errorf("builtinNumFmt(%d) = %v, want %v", id, got, want)
		}
	}
}
