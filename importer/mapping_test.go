package importer

import (
	"reflect"
	"testing"

	"leadsheet/marketo"
)

func TestAutoMap(t *testing.T) {
	restFields := []marketo.Field{
		{Name: "email", DisplayName: "Email Address", Type: "email", Length: 255},
		{Name: "firstName", DisplayName: "First Name", Type: "string", Length: 255},
		{Name: "lastName", DisplayName: "Last Name", Type: "string", Length: 255},
		{Name: "company", DisplayName: "Company Name", Type: "string", Length: 255},
		{Name: "postalCode", DisplayName: "Postal Code", Type: "string", Length: 255},
		{Name: "tradeshowBooth", DisplayName: "Tradeshow Booth", Type: "string", Length: 50},
	}
	tests := []struct {
		name    string
		headers []string
		fields  []marketo.Field
		want    []Target
		conf    []Confidence
	}{
		{"standard synonyms", []string{"E-mail", "Vorname", "Nachname", "Firma", "Telefon", "PLZ", "Job Title", "Stadt"}, nil,
			[]Target{{Kind: ToEmail}, {ToAttribute, "FirstName"}, {ToAttribute, "LastName"}, {ToAttribute, "Company"}, {ToAttribute, "Phone"}, {ToAttribute, "PostalCode"}, {ToAttribute, "Title"}, {ToAttribute, "City"}},
			[]Confidence{Exact, Synonym, Synonym, Synonym, Synonym, Synonym, Exact, Synonym}},
		{"exact names any case", []string{"EMAIL", "first_name", "Company Name", "Mobile Phone Number"}, nil,
			[]Target{{Kind: ToEmail}, {ToAttribute, "FirstName"}, {ToAttribute, "Company"}, {ToAttribute, "MobilePhone"}},
			[]Confidence{Exact, Exact, Exact, Exact}},
		{"keys", []string{"Marketo ID", "External Id", "CRM Type", "Email Address"}, nil,
			[]Target{{Kind: ToID}, {Kind: ToForeignSysPersonID}, {Kind: ToForeignSysType}, {Kind: ToEmail}},
			[]Confidence{Synonym, Synonym, Synonym, Exact}},
		{"bare id is a guess", []string{"ID"}, nil, []Target{{Kind: ToID}}, []Confidence{Guess}},
		{"rest field names", []string{"Email", "Given Name", "Surname", "Organisation", "Zip Code", "Tradeshow booth", "Notes"}, restFields,
			[]Target{{Kind: ToEmail}, {ToAttribute, "firstName"}, {ToAttribute, "lastName"}, {ToAttribute, "company"}, {ToAttribute, "postalCode"}, {ToAttribute, "tradeshowBooth"}, {}},
			[]Confidence{Exact, Synonym, Synonym, Synonym, Synonym, Exact, None}},
		{"guess by containment", []string{"Business Email Address (primary)", "Mobile phone (private)"}, nil,
			[]Target{{Kind: ToEmail}, {ToAttribute, "MobilePhone"}}, []Confidence{Guess, Guess}},
		{"field not in instance", []string{"Vorname"}, restFields[:1], []Target{{}}, []Confidence{None}},
		{"one column per target", []string{"Email", "E-mail", "Work Email"}, nil,
			[]Target{{Kind: ToEmail}, {}, {}}, []Confidence{Exact, None, None}},
		{"blank header", []string{""}, nil, []Target{{}}, []Confidence{None}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, matches := AutoMap(tc.headers, tc.fields)
			if !reflect.DeepEqual(m.Columns, tc.want) {
				t.Errorf("Columns = %+v\nwant      %+v", m.Columns, tc.want)
			}
			for i, mt := range matches {
				if mt.Confidence != tc.conf[i] {
					t.Errorf("column %q: confidence %v, want %v (%s)", tc.headers[i], mt.Confidence, tc.conf[i], mt.Reason)
				}
				if mt.Reason == "" {
					t.Errorf("column %q: no reason", tc.headers[i])
				}
			}
			if !reflect.DeepEqual(m.Headers, tc.headers) {
				t.Errorf("Headers = %q", m.Headers)
			}
		})
	}
}

func TestMappingLead(t *testing.T) {
	m := Mapping{
		Headers: []string{"Id", "Email", "CRM", "Type", "Company", "Skip"},
		Columns: []Target{{Kind: ToID}, {Kind: ToEmail}, {Kind: ToForeignSysPersonID}, {Kind: ToForeignSysType}, {ToAttribute, "Company"}, {}},
	}
	tests := []struct {
		name  string
		cells []string
		fst   string
		want  marketo.Lead
	}{
		{"all", []string{"42", " a@example.com ", "C-1", "sfdc", "Acme", "x"}, "",
			marketo.Lead{ID: 42, Email: "a@example.com", ForeignSysPersonID: "C-1", ForeignSysType: "SFDC", Attributes: []marketo.Attribute{{Name: "Company", Value: "Acme"}}}},
		{"fspi defaults to CUSTOM", []string{"", "", "C-2", "", "", ""}, "",
			marketo.Lead{ForeignSysPersonID: "C-2", ForeignSysType: "CUSTOM"}},
		{"fspi mapping default", []string{"", "", "C-3", "", "", ""}, "NETSUITE",
			marketo.Lead{ForeignSysPersonID: "C-3", ForeignSysType: "NETSUITE"}},
		{"type without fspi dropped", []string{"", "b@example.com", "", "SFDC", "", ""}, "",
			marketo.Lead{Email: "b@example.com"}},
		{"bad id left out, empty cells not sent", []string{"abc", "c@example.com", "", "", "  ", ""}, "",
			marketo.Lead{Email: "c@example.com"}},
		{"short row", []string{"7"}, "", marketo.Lead{ID: 7}},
	}
	for _, tc := range tests {
		m.ForeignSysType = tc.fst
		if got := m.Lead(tc.cells); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Lead = %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}
