package importer

import (
	"fmt"
	"testing"

	"leadsheet/marketo"
)

func TestMappingLeadBlanks(t *testing.T) {
	m := Mapping{
		Headers: []string{"Email", "City", "Title", "Notes"},
		Columns: []Target{{Kind: ToEmail}, {Kind: ToAttribute, Field: "city"}, {Kind: ToAttribute, Field: "title"}, {Kind: Skip}},
	}
	cells := []string{" a@x.com ", "  ", "CEO"}
	for _, tc := range []struct {
		clear bool
		want  []marketo.Attribute
	}{
		{false, []marketo.Attribute{{Name: "title", Value: "CEO"}}},
		{true, []marketo.Attribute{{Name: "city", Clear: true}, {Name: "title", Value: "CEO"}}},
	} {
		m.ClearBlanks = tc.clear
		l := m.Lead(cells)
		if l.Email != "a@x.com" || fmt.Sprint(l.Attributes) != fmt.Sprint(tc.want) {
			t.Errorf("ClearBlanks %v: %+v, want attributes %+v", tc.clear, l, tc.want)
		}
	}
	m.ClearBlanks = true
	short := m.Lead([]string{"a@x.com"})
	if want := []marketo.Attribute{{Name: "city", Clear: true}, {Name: "title", Clear: true}}; fmt.Sprint(short.Attributes) != fmt.Sprint(want) {
		t.Errorf("a short row's missing cells are blanks too: %+v", short.Attributes)
	}
}
