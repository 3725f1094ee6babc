package mapping

import (
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone test must not depend on the machine's zone files

	"leadsheet/importer"
	"leadsheet/importer/fieldtype"
	"leadsheet/marketo"
)

func TestValidatorCheck(t *testing.T) {
	fields := []marketo.Field{
		{Name: "Email", Type: "email", Length: 255},
		{Name: "FirstName", Type: "string"},
		{Name: "Score", Type: "integer"},
		{Name: "Revenue", Type: "currency"},
		{Name: "Birthday", Type: "date"},
		{Name: "LastSeen", Type: "datetime"},
		{Name: "OptIn", Type: "boolean"},
		{Name: "Code", Type: "string", Length: 5},
		{Name: "Notes", Type: "text"},
	}
	m := importer.Mapping{
		Headers: []string{"Id", "Email", "CRM", "First", "Score", "Revenue", "Birthday", "LastSeen", "OptIn", "Code", "Notes"},
		Columns: []importer.Target{{Kind: importer.ToID}, {Kind: importer.ToEmail}, {Kind: importer.ToForeignSysPersonID}, {Kind: importer.ToAttribute, Field: "FirstName"}, {Kind: importer.ToAttribute, Field: "Score"},
			{Kind: importer.ToAttribute, Field: "Revenue"}, {Kind: importer.ToAttribute, Field: "Birthday"}, {Kind: importer.ToAttribute, Field: "LastSeen"}, {Kind: importer.ToAttribute, Field: "OptIn"}, {Kind: importer.ToAttribute, Field: "Code"}, {Kind: importer.ToAttribute, Field: "Notes"}},
	}
	row := func(set map[int]string) []string {
		c := make([]string, len(m.Headers))
		for i, v := range set {
			c[i] = v
		}
		return c
	}
	tests := []struct {
		name    string
		cells   []string
		key     marketo.KeyKind
		invalid string // substring of the Invalid message, "" for none
		warning string
	}{
		{"valid email row", row(map[int]string{1: "anna@example.com", 3: "Anna", 4: "42", 5: "1234.5", 6: "2024-03-05", 7: "2024-03-05T14:30:00", 8: "TRUE", 9: "AB", 10: strings.Repeat("x", 1000)}), marketo.KeyEmail, "", ""},
		{"no key", row(map[int]string{3: "Anna"}), marketo.KeyNone, "no Email, Marketo Id or ForeignSysPersonId", ""},
		{"non-ascii email", row(map[int]string{1: "zoë@exämple.com"}), marketo.KeyEmail, `Email: "zoë@exämple.com" has a character Marketo does not accept`, ""},
		{"bad email", row(map[int]string{1: "anna.example.com"}), marketo.KeyEmail, "Email: \"anna.example.com\" is not an email address (it needs exactly one @)", ""},
		{"email without tld", row(map[int]string{1: "anna@localhost"}), marketo.KeyEmail, "needs a dot", ""},
		{"email too long", row(map[int]string{1: strings.Repeat("a", 64) + "@" + strings.Repeat("b", 187) + ".com"}), marketo.KeyEmail, "Email: This is 256 characters long; Marketo allows 255", ""},
		{"bad id", row(map[int]string{0: "12a", 1: "b@example.com"}), marketo.KeyEmail, "whole number from 1 to 2,147,483,647", ""},
		{"negative id", row(map[int]string{0: "-3"}), marketo.KeyNone, "whole number from 1 to 2,147,483,647", ""},
		{"id wins", row(map[int]string{0: "77", 1: "c@example.com", 2: "X1"}), marketo.KeyID, "", ""},
		{"fspi over email", row(map[int]string{1: "c@example.com", 2: "X1"}), marketo.KeyForeignSysPersonID, "", ""},
		{"fspi too long", row(map[int]string{2: strings.Repeat("x", 256)}), marketo.KeyForeignSysPersonID, "CRM is 256 characters long; Marketo allows 255", ""},
		{"too long default 255", row(map[int]string{1: "d@example.com", 3: strings.Repeat("é", 256)}), marketo.KeyEmail, "First: This is 256 characters long; Marketo allows 255", ""},
		{"too long field length", row(map[int]string{1: "d@example.com", 9: "ABCDEF"}), marketo.KeyEmail, "Code: This is 6 characters long; Marketo allows 5", ""},
		{"text counts bytes", row(map[int]string{1: "d@example.com", 10: strings.Repeat("é", 15001)}), marketo.KeyEmail, "Notes: This is 30,002 bytes long", ""},
		{"integer", row(map[int]string{1: "e@example.com", 4: "4.5"}), marketo.KeyEmail, `Score: "4.5" is not a whole number`, ""},
		{"currency", row(map[int]string{1: "e@example.com", 5: "12 EUR"}), marketo.KeyEmail, `Revenue: "12 EUR" is not a number`, ""},
		{"currency decimal comma", row(map[int]string{1: "e@example.com", 5: "$1,5"}), marketo.KeyEmail, "does not guess whether it is a decimal comma", ""},
		{"text date without an order", row(map[int]string{1: "e@example.com", 6: "03/05/2024"}), marketo.KeyEmail, `Birthday: "03/05/2024" could be day/month/year or month/day/year`, ""},
		{"leap bug date", row(map[int]string{1: "e@example.com", 6: "1900-02-29"}), marketo.KeyEmail, `Birthday: "1900-02-29" is not a date: February 1900 has no 29th.`, ""},
		{"datetime", row(map[int]string{1: "e@example.com", 7: "yesterday"}), marketo.KeyEmail, `LastSeen: "yesterday" is not a date and time.`, ""},
		{"boolean", row(map[int]string{1: "e@example.com", 8: "maybe"}), marketo.KeyEmail, `OptIn: "maybe" is not a yes/no value`, ""},
		{"two problems in one row", row(map[int]string{1: "e@example.com", 4: "x", 8: "maybe"}), marketo.KeyEmail, `Score: "x" is not a whole number`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := NewValidator(m, fields, true, fieldtype.Options{})
			lead, probs := v.Check(importer.Row{Number: 5, Cells: tc.cells})
			if lead.Key() != tc.key {
				t.Errorf("key = %v, want %v", lead.Key(), tc.key)
			}
			var inv, warn []string
			for _, p := range probs {
				if p.Row != 5 {
					t.Errorf("problem row = %d", p.Row)
				}
				if p.Column != "" && !strings.HasPrefix(p.Message, p.Column) && !strings.Contains(p.Message, "Marketo Id") {
					t.Errorf("problem in column %q does not name it: %q", p.Column, p.Message)
				}
				if p.Severity == importer.Invalid {
					inv = append(inv, p.Message)
				} else {
					warn = append(warn, p.Message)
				}
			}
			if tc.invalid == "" && len(inv) > 0 {
				t.Errorf("unexpected invalid: %q", inv)
			}
			if tc.invalid != "" && (len(inv) == 0 || !strings.Contains(strings.Join(inv, "|"), tc.invalid)) {
				t.Errorf("invalid = %q, want one containing %q", inv, tc.invalid)
			}
			if got := strings.Join(warn, "|"); tc.warning == "" && got != "" || !strings.Contains(got, tc.warning) {
				t.Errorf("warnings = %q, want %q", warn, tc.warning)
			}
		})
	}
}

func TestValidatorDuplicatesAndSheetProblems(t *testing.T) {
	fields := []marketo.Field{{Name: "Email", Type: "email"}, {Name: "FirstName", Type: "string"}, {Name: "Id", Type: "integer", ReadOnly: true},
		{Name: "SFDCOwner", Type: "string", CRMManaged: true}}
	m := importer.Mapping{
		Headers: []string{"Email", "First", "Booth", "ro", "Owner"},
		Columns: []importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "FirstName"}, {Kind: importer.ToAttribute, Field: "booth"}, {Kind: importer.ToAttribute, Field: "Id"},
			{Kind: importer.ToAttribute, Field: "SFDCOwner"}},
	}
	for _, dedup := range []bool{true, false} {
		v := NewValidator(m, fields, dedup, fieldtype.Options{})
		sheet := v.SheetProblems()
		msgs := ""
		for _, p := range sheet {
			if p.Row != 0 {
				t.Errorf("sheet problem with row %d", p.Row)
			}
			msgs += p.Message + "|"
		}
		if !strings.Contains(msgs, `no field "booth"`) || !strings.Contains(msgs, "read-only") ||
			!strings.Contains(msgs, `Marketo's CRM sync owns the field "SFDCOwner" (the CRM, such as Salesforce or Dynamics, writes it), so column "Owner" cannot be sent. Skip the column`) {
			t.Errorf("sheet problems = %s", msgs)
		}
		if got := strings.Contains(msgs, "Dedup is off: every row creates a new lead in Marketo, even if the person exists"); got == dedup {
			t.Errorf("dedup %v: dedup warning present = %v", dedup, got)
		}
		_, p1 := v.Check(importer.Row{Number: 12, Cells: []string{"Anna@Example.com", "Anna", "B1", "9", "Jo"}})
		lead, p2 := v.Check(importer.Row{Number: 40, Cells: []string{"anna@example.com", "Anna", "B2", "9", "Jo"}})
		if len(p1) != 0 {
			t.Errorf("first row problems: %v", p1)
		}
		if len(p2) != 1 || p2[0].Severity != importer.Warning || !strings.Contains(p2[0].Message, "row 12") || p2[0].Column != "Email" {
			t.Fatalf("duplicate: %+v", p2)
		}
		if dedup != strings.Contains(p2[0].Message, "update the lead created by row 12") {
			t.Errorf("dedup %v message: %s", dedup, p2[0].Message)
		}
		if len(lead.Attributes) != 1 || lead.Attributes[0].Name != "FirstName" {
			t.Errorf("refused columns still sent: %+v", lead.Attributes)
		}
	}
	v := NewValidator(importer.Mapping{Headers: []string{"First"}, Columns: []importer.Target{{Kind: importer.ToAttribute, Field: "FirstName"}}}, nil, true, fieldtype.Options{})
	if p := v.SheetProblems(); len(p) != 1 || !strings.Contains(p[0].Message, "No column is mapped") {
		t.Errorf("no key column: %+v", p)
	}
}

func TestValidatorTwoColumnsOneTarget(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		targets []importer.Target
		want    string // substring of the fatal sheet problem, "" for none
	}{
		{"two emails", []string{"Email", "Name", "Phone", "Notes", "Work Email"},
			[]importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "FirstName"}, {}, {}, {Kind: importer.ToEmail}},
			`Columns "Email" (A) and "Work Email" (E) are both mapped to Email. Map one of them to Skip.`},
		{"two ids", []string{"Email", "ID", "Marketo Id"},
			[]importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToID}, {Kind: importer.ToID}},
			`Columns "ID" (B) and "Marketo Id" (C) are both mapped to Marketo Id.`},
		{"two foreign ids", []string{"CRM", "SFDC"},
			[]importer.Target{{Kind: importer.ToForeignSysPersonID}, {Kind: importer.ToForeignSysPersonID}},
			`Columns "CRM" (A) and "SFDC" (B) are both mapped to ForeignSysPersonId.`},
		{"two foreign types", []string{"CRM", "Type", "System"},
			[]importer.Target{{Kind: importer.ToForeignSysPersonID}, {Kind: importer.ToForeignSysType}, {Kind: importer.ToForeignSysType}},
			`Columns "Type" (B) and "System" (C) are both mapped to ForeignSysType.`},
		{"two to one field", []string{"Email", "First", "Given name"},
			[]importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "FirstName"}, {Kind: importer.ToAttribute, Field: "FirstName"}},
			`Columns "First" (B) and "Given name" (C) are both mapped to FirstName.`},
		{"field names differ in case only", []string{"Email", "First", "first"},
			[]importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "FirstName"}, {Kind: importer.ToAttribute, Field: "firstname"}},
			`Columns "First" (B) and "first" (C) are both mapped to`},
		{"three to one key", []string{"Email", "E-mail", "Mail"},
			[]importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToEmail}, {Kind: importer.ToEmail}},
			`Columns "Email" (A), "E-mail" (B) and "Mail" (C) are all mapped to Email. Map all but one of them to Skip.`},
		{"skips may repeat", []string{"Email", "a", "b"}, []importer.Target{{Kind: importer.ToEmail}, {}, {}}, ""},
		{"different keys are fine", []string{"Email", "Id", "CRM"}, []importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToID}, {Kind: importer.ToForeignSysPersonID}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := NewValidator(importer.Mapping{Headers: tc.headers, Columns: tc.targets}, nil, true, fieldtype.Options{})
			var fatal []string
			for _, p := range v.SheetProblems() {
				if p.Severity == importer.Invalid && p.Column == "" {
					fatal = append(fatal, p.Message)
				}
			}
			if tc.want == "" {
				if len(fatal) > 0 {
					t.Errorf("unexpected fatal problems: %q", fatal)
				}
				return
			}
			if len(fatal) != 1 || !strings.Contains(fatal[0], tc.want) {
				t.Errorf("fatal problems = %q, want one containing %q", fatal, tc.want)
			}
		})
	}
}

func TestValidatorMarketoID(t *testing.T) {
	m := importer.Mapping{Headers: []string{"Marketo Id", "Email"}, Columns: []importer.Target{{Kind: importer.ToID}, {Kind: importer.ToEmail}}}
	tests := []struct {
		id    string
		valid bool
	}{
		{"1", true},
		{"2147483647", true}, // the WSDL's xs:int maximum
		{" 12 ", true},       // cells are trimmed before use
		{"007", true},        // leading zeros: the same number (Excel text cells keep them)
		{"2147483648", false},
		{"9999999999", false},
		{"99999999999999999999", false},
		{"0", false},
		{"-5", false},
		{"+12", false},
		{"12.0", false},
		{"1e3", false},
		{"12a", false},
		{"1 2", false},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			_, probs := NewValidator(m, nil, true, fieldtype.Options{}).Check(importer.Row{Number: 2, Cells: []string{tc.id, "a@example.com"}})
			if hasInvalid(probs) == tc.valid {
				t.Errorf("Id %q: problems %+v, want valid=%v", tc.id, probs, tc.valid)
			}
			if !tc.valid && (len(probs) == 0 || probs[0].Column != "Marketo Id" || !strings.Contains(probs[0].Message, "2,147,483,647")) {
				t.Errorf("Id %q: message %+v does not name the column and the range", tc.id, probs)
			}
		})
	}
}

func TestValidatorTooMuchText(t *testing.T) {
	m := importer.Mapping{Headers: []string{"Email", "Notes", "Bio", "Extra"}, Columns: []importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "Notes"}, {Kind: importer.ToAttribute, Field: "Bio"}, {}}}
	long := strings.Repeat("é", importer.MaxCellChars+1)
	tests := []struct {
		name  string
		cells []string
		want  string // substring of the Invalid message, "" for a sendable row
	}{
		{"at Excel's limit", []string{"a@example.com", strings.Repeat("é", importer.MaxCellChars)}, ""},
		{"past Excel's limit", []string{"a@example.com", long}, "The Notes cell holds more than 32,767 characters"},
		{"past the limit in a skipped column", []string{"a@example.com", "", "", long}, ""},
		{"past the limit in the key", []string{strings.Repeat("a", importer.MaxCellChars+1)}, "The Email cell holds more than 32,767"},
		{"row past the lead budget", []string{"a@example.com", strings.Repeat("n", 30000) + strings.Repeat("ü", 20000), strings.Repeat("b", 30000) + strings.Repeat("ü", 20000)}, "Leadsheet sends at most 128 KB a lead"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := NewValidator(m, nil, true, fieldtype.Options{}).Check(importer.Row{Number: 4, Cells: tc.cells})
			var inv []string
			for _, p := range probs {
				if p.Severity == importer.Invalid {
					inv = append(inv, p.Message)
				}
			}
			if tc.want == "" && len(inv) > 0 || tc.want != "" && !strings.Contains(strings.Join(inv, "|"), tc.want) {
				t.Errorf("invalid = %q, want %q", inv, tc.want)
			}
		})
	}
}

// TestValidatorNormalisesLead checks that the lead holds each cell as
// Marketo takes it for its field's type, that a blank tick cell sends
// false only under the tick style, and that nothing is converted when the
// field list is unknown.
func TestValidatorNormalisesLead(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	fields := []marketo.Field{
		{Name: "Email", Type: "email", Length: 255}, {Name: "Birthday", Type: "date"}, {Name: "LastSeen", Type: "datetime"},
		{Name: "Score", Type: "integer"}, {Name: "Revenue", Type: "currency"}, {Name: "OptIn", Type: "boolean"},
		{Name: "Pct", Type: "percent"}, {Name: "Nick", Type: "string"}, {Name: "Locked", Type: "boolean", ReadOnly: true},
		{Name: "Unsubscribed", Type: "boolean"},
	}
	// Opt in is a tick column; Unsubscribed is another yes/no column,
	// whose blank cells must never become No.
	m := importer.Mapping{
		Headers: []string{"Email", "Birthday", "Last seen", "Score", "Revenue", "Opt in", "Pct", "Nick", "Notes", "Locked", "Unsubscribed"},
		Columns: []importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "Birthday"}, {Kind: importer.ToAttribute, Field: "LastSeen"},
			{Kind: importer.ToAttribute, Field: "Score"}, {Kind: importer.ToAttribute, Field: "Revenue"}, {Kind: importer.ToAttribute, Field: "OptIn"},
			{Kind: importer.ToAttribute, Field: "Pct"}, {Kind: importer.ToAttribute, Field: "Nick"}, {}, {Kind: importer.ToAttribute, Field: "Locked"},
			{Kind: importer.ToAttribute, Field: "Unsubscribed"}},
		Ticks: []bool{5: true, 10: false},
	}
	full := []string{" anna@example.com ", "05/03/2024", "45356.6041666667", "42.0", "$1,234.50", "✓", "100%", "  Anna ", "junk", "", ""}
	ticks := fieldtype.Options{DateOrder: fieldtype.DayFirst, Zone: chicago}
	attrs := func(kv ...string) []marketo.Attribute {
		var a []marketo.Attribute
		for i := 0; i < len(kv); i += 2 {
			a = append(a, marketo.Attribute{Name: kv[i], Value: kv[i+1]})
		}
		return a
	}
	tests := []struct {
		name   string
		fields []marketo.Field
		values fieldtype.Options
		cells  []string
		want   []marketo.Attribute
	}{
		{"every type", fields, ticks, full, attrs("Birthday", "2024-03-05", "LastSeen", "2024-03-05T14:30:00-06:00", "Score", "42", "Revenue", "1234.5", "OptIn", "true", "Pct", "100", "Nick", "Anna")},
		{"month first", fields, fieldtype.Options{DateOrder: fieldtype.MonthFirst, Zone: chicago}, []string{"a@example.com", "05/03/2024"}, attrs("Birthday", "2024-05-03", "OptIn", "false")},
		{"blank tick is false", fields, ticks, []string{"a@example.com"}, attrs("OptIn", "false")},
		{"a blank tick is No, a blank word sends nothing", fields, fieldtype.Options{}, []string{"a@example.com", "", "", "", "", " ", "", "", "", "", " "}, attrs("OptIn", "false")},
		{"unknown fields are sent as typed", nil, ticks, full, attrs("Birthday", "05/03/2024", "LastSeen", "45356.6041666667", "Score", "42.0", "Revenue", "$1,234.50", "OptIn", "✓", "Pct", "100%", "Nick", "Anna")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := NewValidator(m, tc.fields, true, tc.values)
			lead, probs := v.Check(importer.Row{Number: 3, Cells: tc.cells})
			if hasInvalid(probs) {
				t.Fatalf("problems: %+v", probs)
			}
			if lead.Email != strings.TrimSpace(tc.cells[0]) {
				t.Errorf("email = %q", lead.Email)
			}
			if !reflect.DeepEqual(lead.Attributes, tc.want) {
				t.Errorf("attributes = %+v\nwant        %+v", lead.Attributes, tc.want)
			}
		})
	}
	// The validator reuses its scratch cells: a later row must not see an
	// earlier one's values.
	v := NewValidator(m, fields, true, ticks)
	v.Check(importer.Row{Number: 2, Cells: full})
	if lead, _ := v.Check(importer.Row{Number: 3, Cells: []string{"b@example.com"}}); !reflect.DeepEqual(lead.Attributes, attrs("OptIn", "false")) {
		t.Errorf("second row attributes = %+v", lead.Attributes)
	}
}

// TestValidatorClearBlanks checks what blank cells send when the operator
// asked for blanks to clear fields: a tick column still sends false, and a
// column refused for the whole sheet sends nothing at all.
func TestValidatorClearBlanks(t *testing.T) {
	fields := []marketo.Field{{Name: "Email", Type: "email"}, {Name: "OptIn", Type: "boolean"}, {Name: "City", Type: "string"},
		{Name: "Locked", Type: "string", ReadOnly: true}, {Name: "Owner", Type: "string", CRMManaged: true}}
	m := importer.Mapping{
		Headers:     []string{"Email", "Opt in", "City", "Locked", "Owner"},
		Columns:     []importer.Target{{Kind: importer.ToEmail}, {Kind: importer.ToAttribute, Field: "OptIn"}, {Kind: importer.ToAttribute, Field: "City"}, {Kind: importer.ToAttribute, Field: "Locked"}, {Kind: importer.ToAttribute, Field: "Owner"}},
		ClearBlanks: true,
	}
	tests := []struct {
		name  string
		ticks []bool
		want  []marketo.Attribute
	}{
		{"ticks", []bool{1: true}, []marketo.Attribute{{Name: "OptIn", Value: "false"}, {Name: "City", Clear: true}}},
		{"words", nil, []marketo.Attribute{{Name: "OptIn", Clear: true}, {Name: "City", Clear: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m.Ticks = tc.ticks
			lead, probs := NewValidator(m, fields, true, fieldtype.Options{}).Check(importer.Row{Number: 2, Cells: []string{"a@example.com"}})
			if hasInvalid(probs) {
				t.Fatalf("problems: %+v", probs)
			}
			if !reflect.DeepEqual(lead.Attributes, tc.want) {
				t.Errorf("attributes = %+v, want %+v", lead.Attributes, tc.want)
			}
		})
	}
}
