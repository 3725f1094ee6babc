package importer

import (
	"reflect"
	"testing"
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
		if got := ColumnLetter(n); got != want {
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
