package sheet

import (
	"reflect"
	"strings"
	"testing"

	"leadsheet/importer"
)

func TestNewHeader(t *testing.T) {
	tests := []struct {
		name  string
		cells []string
		want  []string
	}{
		{"plain", []string{"Email", "Name"}, []string{"Email", "Name"}},
		{"blank", []string{"Email", "", "Name"}, []string{"Email", "Column B", "Name"}},
		{"duplicates", []string{"Email", "email", "EMAIL"}, []string{"Email", "email (2)", "EMAIL (3)"}},
		{"generated name taken", []string{"Email", "Email (2)", "Email"}, []string{"Email", "Email (2)", "Email (3)"}},
		{"blank name taken", []string{"Column B", "", "x"}, []string{"Column B", "Column B (2)", "x"}},
		{"trailing blanks dropped", []string{"A", " ", ""}, []string{"A"}},
		{"trimmed and one line", []string{"  First\nName "}, []string{"First Name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHeader(3, tc.cells)
			if !reflect.DeepEqual(h.Names, tc.want) {
				t.Errorf("Names = %q, want %q", h.Names, tc.want)
			}
			if h.Row != 3 || len(h.Letters) != len(h.Names) || len(h.Original) != len(h.Names) {
				t.Errorf("header = %+v", h)
			}
		})
	}
}

func TestColumnLetter(t *testing.T) {
	for n, want := range map[int]string{1: "A", 26: "Z", 27: "AA", 52: "AZ", 703: "AAA", 16384: "XFD", 0: ""} {
		if got := importer.ColumnLetter(n); got != want {
			t.Errorf("ColumnLetter(%d) = %q, want %q", n, got, want)
		}
		if n > 0 {
			if c, _, ok := cellRef(want + "7"); !ok || c != n {
				t.Errorf("cellRef(%s7) = %d, %v", want, c, ok)
			}
		}
	}
}

func TestDetectHeaderRow(t *testing.T) {
	data := [][]string{{"anna@example.com", "Anna", "Smith", "6505551000"}, {"bob@example.com", "Bob", "Jones", "6505551001"}}
	header := []string{"Email", "First", "Last", "Phone"}
	tests := []struct {
		name string
		rows [][]string
		want int
	}{
		{"header first", append([][]string{header}, data...), 0},
		{"title and blank above", append([][]string{{"Leads export March"}, nil, header}, data...), 2},
		{"title and note", append([][]string{{"Trade show"}, {"Exported:", "2024-03-05"}, {}, header}, data...), 3},
		{"all blank", [][]string{nil, {"", " "}}, -1},
		{"single column", [][]string{{"Email"}, {"a@example.com"}}, 0},
		{"numbers only", [][]string{{"1", "2", "3"}, {"4", "5", "6"}}, 0},
		{"header with gaps", append([][]string{{"Report"}, {"Email", "", "Last", "Phone"}}, data...), 1},
		{"none", nil, -1},
	}
	for _, tc := range tests {
		if got := DetectHeaderRow(tc.rows); got != tc.want {
			t.Errorf("%s: DetectHeaderRow = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestGuessHeaderRow(t *testing.T) {
	data := [][]string{{"anna@example.com", "Anna", "Acme"}, {"bob@example.com", "Bob", "Initech"}}
	header := []string{"Email", "First Name", "Company"}
	tests := []struct {
		name   string
		rows   [][]string
		want   int
		sure   bool
		reason string // substring of the reason when not sure
	}{
		{"header first", append([][]string{header}, data...), 0, true, ""},
		{"title above", append([][]string{{"Leads March"}, header}, data...), 1, true, ""},
		{"group row over the header", append([][]string{{"Contact", "", "Company"}, header}, data...), 1, false, "row 1 looks like a group title over row 2"},
		{"group row with a gap at the end", [][]string{{"Person", "", "", ""}, {"Email", "First", "Last", "Phone"}, {"a@example.com", "A", "B", "650"}}, 1, true, ""},
		{"two group rows", append([][]string{{"Who", "", ""}, {"Contact", "", "Company"}, header}, data...), 2, false, "group title"},
		{"numbers only", [][]string{{"1", "2", "3"}, {"4", "5", "6"}}, 0, false, "no row looks like column names"},
		{"wide note above", append([][]string{{"Exported:", "2024-03-05", "Jo"}, header}, data...), 1, false, "row 1 above it also has several filled cells"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := GuessHeaderRow(tc.rows)
			if g.Index != tc.want || g.Sure != tc.sure {
				t.Errorf("GuessHeaderRow = %+v, want index %d sure %v", g, tc.want, tc.sure)
			}
			if !tc.sure && !strings.Contains(g.Reason, tc.reason) {
				t.Errorf("reason %q, want %q", g.Reason, tc.reason)
			}
			if got := DetectHeaderRow(tc.rows); got != g.Index {
				t.Errorf("DetectHeaderRow = %d, GuessHeaderRow = %d", got, g.Index)
			}
		})
	}
}
