package mapping

import (
	"fmt"
	"strings"
	"unicode"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// Confidence says how sure [AutoMap] is about a column's target.
type Confidence int

// Confidence levels, weakest first.
const (
	None    Confidence = iota // not mapped: the column is skipped
	Guess                     // the header contains a known name ("Business Email")
	Synonym                   // the header is a known synonym ("E-mail", "Vorname")
	Exact                     // the header is the field's name or label, ignoring case, spaces and punctuation
)

func (c Confidence) String() string {
	switch c {
	case Exact:
		return "exact"
	case Synonym:
		return "synonym"
	case Guess:
		return "guess"
	default:
		return "none"
	}
}

// Match is AutoMap's verdict on one column, with its reason in plain words
// for the UI ("\"E-mail\" is a common name for Email").
type Match struct {
	Confidence Confidence
	Reason     string
}

// StandardFields is the built-in list of common Marketo lead fields (SOAP
// API names), used for auto-mapping when no field list is known.
func StandardFields() []marketo.Field {
	str := func(name, label string) marketo.Field {
		return marketo.Field{Name: name, DisplayName: label, Type: "string", Length: 255}
	}
	return []marketo.Field{
		{Name: "Id", DisplayName: "Id", Type: "integer", ReadOnly: true},
		{Name: "Email", DisplayName: "Email Address", Type: "email", Length: 255},
		str("FirstName", "First Name"),
		str("LastName", "Last Name"),
		str("MiddleName", "Middle Name"),
		str("Salutation", "Salutation"),
		str("Company", "Company Name"),
		str("Title", "Job Title"),
		{Name: "Phone", DisplayName: "Phone Number", Type: "phone", Length: 255},
		{Name: "MobilePhone", DisplayName: "Mobile Phone Number", Type: "phone", Length: 255},
		{Name: "Fax", DisplayName: "Fax Number", Type: "phone", Length: 255},
		str("Address", "Address"),
		str("City", "City"),
		str("State", "State"),
		str("PostalCode", "Postal Code"),
		str("Country", "Country"),
		{Name: "Website", DisplayName: "Website", Type: "url", Length: 255},
		str("Industry", "Industry"),
		{Name: "AnnualRevenue", DisplayName: "Annual Revenue", Type: "currency"},
		{Name: "NumberOfEmployees", DisplayName: "Num Employees", Type: "integer"},
		str("LeadSource", "Lead Source"),
		str("LeadStatus", "Lead Status"),
		str("Department", "Department"),
		{Name: "DateOfBirth", DisplayName: "Date of Birth", Type: "date"},
		{Name: "Unsubscribed", DisplayName: "Unsubscribed", Type: "boolean"},
		{Name: "LeadScore", DisplayName: "Lead Score", Type: "score"},
		str("ForeignSysPersonId", "Foreign Sys Person Id"),
		str("ForeignSysType", "Foreign Sys Type"),
	}
}

// synonyms maps a canonical field (by normalized API name) to normalized
// header spellings that mean it. Keys "id", "email", "foreignsyspersonid"
// and "foreignsystype" become key targets.
var synonyms = map[string][]string{
	"id":                 {"marketoid", "leadid", "id", "mktoid", "marketoleadid"},
	"email":              {"email", "emailaddress", "mail", "workemail", "emailadresse", "courriel", "businessemail", "eaddress", "emailaddr"},
	"foreignsyspersonid": {"foreignsyspersonid", "externalid", "crmid", "foreignid", "sfdcid", "salesforceid", "contactid", "personid"},
	"foreignsystype":     {"foreignsystype", "externalsystem", "crmtype", "foreignsystem", "crmsystem"},
	"firstname":          {"firstname", "givenname", "vorname", "prenom", "prénom", "forename", "fname", "first"},
	"lastname":           {"lastname", "surname", "familyname", "nachname", "nom", "lname", "last"},
	"middlename":         {"middlename", "middleinitial"},
	"salutation":         {"salutation", "anrede", "prefix", "civilite"},
	"company":            {"company", "companyname", "organisation", "organization", "firma", "unternehmen", "societe", "société", "account", "accountname", "employer", "org"},
	"title":              {"title", "jobtitle", "position", "role", "jobrole", "funktion", "designation"},
	"phone":              {"phone", "telephone", "tel", "phonenumber", "telefon", "telefonnummer", "businessphone", "workphone", "officephone", "téléphone"},
	"mobilephone":        {"mobile", "cell", "mobilephone", "cellphone", "mobilenumber", "handy", "mobil", "portable"},
	"fax":                {"fax", "faxnumber"},
	"address":            {"address", "street", "streetaddress", "strasse", "straße", "adresse", "address1"},
	"city":               {"city", "town", "stadt", "ort", "ville"},
	"state":              {"state", "region", "province", "county", "bundesland", "stateprovince"},
	"postalcode":         {"zip", "zipcode", "postcode", "postalcode", "plz", "postleitzahl", "codepostal"},
	"country":            {"country", "land", "pays", "countryname"},
	"website":            {"website", "url", "web", "homepage", "webseite", "companywebsite", "site"},
	"industry":           {"industry", "branche", "sector"},
	"annualrevenue":      {"annualrevenue", "revenue", "umsatz"},
	"numberofemployees":  {"numberofemployees", "employees", "numemployees", "companysize", "mitarbeiter", "headcount"},
	"leadsource":         {"leadsource", "source"},
	"department":         {"department", "abteilung", "dept"},
}

// normalizeHeader folds case and drops spaces and punctuation: "E-Mail
// Address" and "email_address" both become "emailaddress".
func normalizeHeader(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// AutoMap proposes a target for each header. Headers are compared with the
// fields' API names and labels ignoring case, spaces and punctuation (Exact),
// then with common synonyms in several languages (Synonym), then by
// containing a known name (Guess). fields is the instance's field list, or
// nil to use [StandardFields]. Each target is given to one column only: the
// most confident, then the leftmost.
func AutoMap(headers []string, fields []marketo.Field) (importer.Mapping, []Match) {
	if fields == nil {
		fields = StandardFields()
	}
	byNorm := make(map[string]marketo.Field, 2*len(fields))
	for _, f := range fields {
		if n := normalizeHeader(f.DisplayName); n != "" {
			if _, dup := byNorm[n]; !dup {
				byNorm[n] = f
			}
		}
	}
	for _, f := range fields { // API names win over labels
		byNorm[normalizeHeader(f.Name)] = f
	}
	m := importer.Mapping{Headers: append([]string(nil), headers...), Columns: make([]importer.Target, len(headers))}
	matches := make([]Match, len(headers))
	type cand struct {
		t importer.Target
		m Match
	}
	cands := make([]cand, len(headers))
	for i, h := range headers {
		t, match := mapOne(h, byNorm)
		cands[i] = cand{t, match}
	}
	// Resolve conflicts: strongest claim first, then leftmost column.
	taken := map[importer.Target]int{}
	for level := Exact; level >= Guess; level-- {
		for i, c := range cands {
			if c.m.Confidence != level {
				continue
			}
			if j, ok := taken[c.t]; ok {
				matches[i] = Match{None, fmt.Sprintf("%s is already mapped from column %q", TargetName(c.t), headers[j])}
				continue
			}
			taken[c.t] = i
			m.Columns[i], matches[i] = c.t, c.m
		}
	}
	for i, c := range cands {
		if c.m.Confidence == None {
			matches[i] = c.m
		}
	}
	return m, matches
}

// TargetName names a target in words for messages: "Marketo Id",
// "Email", a field's API name.
func TargetName(t importer.Target) string {
	switch t.Kind {
	case importer.ToID:
		return "Marketo Id"
	case importer.ToEmail:
		return "Email"
	case importer.ToForeignSysPersonID:
		return "ForeignSysPersonId"
	case importer.ToForeignSysType:
		return "ForeignSysType"
	case importer.ToAttribute:
		return t.Field
	case importer.ToMemberStatus:
		return "Program member status"
	}
	return "Skip"
}

func mapOne(header string, byNorm map[string]marketo.Field) (importer.Target, Match) {
	n := normalizeHeader(header)
	if n == "" {
		return importer.Target{}, Match{None, "the column has no header"}
	}
	if n == "id" {
		// A bare "ID" is as often the operator's own numbering as Marketo's
		// lead id, and a wrong id updates someone else's lead.
		return importer.Target{Kind: importer.ToID}, Match{Guess, fmt.Sprintf("%q may be the Marketo lead Id; check it is not your own numbering", header)}
	}
	// Exact: the header is a field's API name or label.
	if f, ok := byNorm[n]; ok {
		return TargetFor(f.Name), Match{Exact, fmt.Sprintf("%q is the name of the Marketo field %s", header, f.Name)}
	}
	if canon, ok := bareKeyField(n); ok { // keys exist even when the field list omits them
		return TargetFor(canon), Match{Exact, fmt.Sprintf("%q is the Marketo key %s", header, TargetName(TargetFor(canon)))}
	}
	// Synonym: a known spelling of a field the instance has.
	for canon, syns := range synonyms {
		for _, s := range syns {
			if s == n {
				if t, name, ok := resolveCanon(canon, byNorm); ok {
					return t, Match{Synonym, fmt.Sprintf("%q is a common name for %s", header, name)}
				}
			}
		}
	}
	// Guess: the header contains a known name ("Business Email Address").
	bestLen, bestCanon, bestWord := 0, "", ""
	for canon, syns := range synonyms {
		for _, s := range syns {
			if len(s) >= 4 && (len(s) > bestLen || len(s) == bestLen && canon < bestCanon) && strings.Contains(n, s) {
				bestLen, bestCanon, bestWord = len(s), canon, s
			}
		}
	}
	for norm, f := range byNorm {
		if c := normalizeHeader(f.Name); len(norm) >= 5 && (len(norm) > bestLen || len(norm) == bestLen && c < bestCanon) && strings.Contains(n, norm) {
			bestLen, bestCanon, bestWord = len(norm), normalizeHeader(f.Name), norm
		}
	}
	if bestCanon != "" {
		if t, name, ok := resolveCanon(bestCanon, byNorm); ok {
			return t, Match{Guess, fmt.Sprintf("%q contains %q, so it probably is %s; check it", header, bestWord, name)}
		}
	}
	return importer.Target{}, Match{None, fmt.Sprintf("no Marketo field looks like %q; pick one or leave it skipped", header)}
}

// bareKeyField recognises the key fields by their own names.
func bareKeyField(n string) (string, bool) {
	switch n {
	case "id", "email", "foreignsyspersonid", "foreignsystype":
		return n, true
	}
	return "", false
}

// resolveCanon turns a canonical field into a target, using the instance's
// spelling of the field when the list has it. Keys are always available.
func resolveCanon(canon string, byNorm map[string]marketo.Field) (importer.Target, string, bool) {
	if _, ok := bareKeyField(canon); ok {
		t := TargetFor(canon)
		return t, TargetName(t), true
	}
	if f, ok := byNorm[canon]; ok {
		return importer.Target{Kind: importer.ToAttribute, Field: f.Name}, f.Name, true
	}
	return importer.Target{}, "", false
}

// TargetFor maps a field name to a target: the key fields get their own
// kinds (whatever their case and punctuation), anything else is an
// attribute of that name.
func TargetFor(name string) importer.Target {
	switch normalizeHeader(name) {
	case "id":
		return importer.Target{Kind: importer.ToID}
	case "email":
		return importer.Target{Kind: importer.ToEmail}
	case "foreignsyspersonid":
		return importer.Target{Kind: importer.ToForeignSysPersonID}
	case "foreignsystype":
		return importer.Target{Kind: importer.ToForeignSysType}
	}
	return importer.Target{Kind: importer.ToAttribute, Field: name}
}
