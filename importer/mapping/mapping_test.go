package mapping

import (
	"reflect"
	"testing"

	"leadsheet/importer"
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
		want    []importer.Target
		conf    []Confidence
	}{
		{"standard synonyms", []string{"E-mail", "Vorname", "Nachname", "Firma", "Telefon", "PLZ", "Job Title", "Stadt"}, nil,
			[]importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "FirstName"}, {Kind: importer.ToAttribute, Field: "LastName"}, {Kind: importer.ToAttribute, Field: "Company"}, {Kind: importer.ToAttribute, Field: "Phone"}, {Kind: importer.ToAttribute, Field: "PostalCode"}, {Kind: importer.ToAttribute, Field: "Title"}, {Kind: importer.ToAttribute, Field: "City"}},
			[]Confidence{Exact, Synonym, Synonym, Synonym, Synonym, Synonym, Exact, Synonym}},
		{"exact names any case", []string{"EMAIL", "first_name", "Company Name", "Mobile Phone Number"}, nil,
			[]importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "FirstName"}, {Kind: importer.ToAttribute, Field: "Company"}, {Kind: importer.ToAttribute, Field: "MobilePhone"}},
			[]Confidence{Exact, Exact, Exact, Exact}},
		{"keys", []string{"Marketo ID", "External Id", "CRM Type", "Email Address"}, nil,
			[]importer.Target{{Kind: importer.ToID}, {Kind: importer.ToForeignSysPersonID}, {Kind: importer.ToForeignSysType}, {Kind: importer.ToEmail}},
			[]Confidence{Synonym, Synonym, Synonym, Exact}},
		{"bare id is a guess", []string{"ID"}, nil, []importer.Target{{Kind: importer.ToID}}, []Confidence{Guess}},
		{"rest field names", []string{"Email", "Given Name", "Surname", "Organisation", "Zip Code", "Tradeshow booth", "Notes"}, restFields,
			[]importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "firstName"}, {Kind: importer.ToAttribute, Field: "lastName"}, {Kind: importer.ToAttribute, Field: "company"}, {Kind: importer.ToAttribute, Field: "postalCode"}, {Kind: importer.ToAttribute, Field: "tradeshowBooth"}, {}},
			[]Confidence{Exact, Synonym, Synonym, Synonym, Synonym, Exact, None}},
		{"guess by containment", []string{"Business Email Address (primary)", "Mobile phone (private)"}, nil,
			[]importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "MobilePhone"}}, []Confidence{Guess, Guess}},
		{"field not in instance", []string{"Vorname"}, restFields[:1], []importer.Target{{}}, []Confidence{None}},
		{"one column per target", []string{"Email", "E-mail", "Work Email"}, nil,
			[]importer.Target{{Kind: importer.ToEmail}, {}, {}}, []Confidence{Exact, None, None}},
		{"blank header", []string{""}, nil, []importer.Target{{}}, []Confidence{None}},
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
	m := importer.Mapping{
		Headers: []string{"Id", "Email", "CRM", "Type", "Company", "Skip"},
		Columns: []importer.Target{{Kind: importer.ToID}, {Kind: importer.ToEmail}, {Kind: importer.ToForeignSysPersonID}, {Kind: importer.ToForeignSysType}, {Kind: importer.ToAttribute, Field: "Company"}, {}},
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
