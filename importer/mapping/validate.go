package mapping

import (
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"leadsheet/importer"
	"leadsheet/marketo"
)

// Validator checks rows before anything is sent, one row at a time, so a
// sheet of any size streams through it. It remembers a 64-bit hash of each
// key it has seen (not the key itself) to find duplicates. Not safe for
// concurrent use.
type Validator struct {
	m       importer.Mapping
	dedup   bool
	columns []columnRule
	sheet   []importer.Problem
	seed    maphash.Seed
	seen    map[uint64]int // key hash -> first row number
}

// columnRule is what the validator knows about one mapped column.
type columnRule struct {
	header string
	kind   importer.TargetKind
	field  string
	typ    string // Marketo data type, lower case; "" if unknown
	length int    // 0 = no known limit
}

// maxLeadText bounds the text of one lead: Marketo's REST API takes at most
// 1 MB a request, and 300 leads of this size keep a batch in memory small.
const maxLeadText = 128 << 10

// defaultStringLength is Marketo's limit for string-like fields whose
// length the field list does not give.
const defaultStringLength = 255

// NewValidator prepares the checks for a mapping. fields is the instance's
// field list, or nil when unknown (then attribute names and types are not
// checked, and lengths only for the key fields). With dedup off every row
// creates a new lead, which the validator reports once for the sheet.
func NewValidator(m importer.Mapping, fields []marketo.Field, dedup bool) *Validator {
	v := &Validator{m: m, dedup: dedup, seed: maphash.MakeSeed(), seen: make(map[uint64]int)}
	byName := make(map[string]marketo.Field, len(fields))
	byFold := make(map[string]marketo.Field, len(fields))
	for _, f := range fields {
		byName[f.Name] = f
		byFold[strings.ToLower(f.Name)] = f
	}
	hasKey := false
	for i, t := range m.Columns {
		header := ""
		if i < len(m.Headers) {
			header = m.Headers[i]
		}
		r := columnRule{header: header, kind: t.Kind, field: t.Field}
		switch t.Kind {
		case importer.ToID:
			hasKey = true
		case importer.ToEmail:
			hasKey = true
			r.typ, r.length = "email", defaultStringLength
		case importer.ToForeignSysPersonID:
			hasKey = true
			r.length = defaultStringLength
		case importer.ToAttribute:
			if fields != nil {
				f, ok := byName[t.Field]
				if !ok {
					msg := fmt.Sprintf("Marketo has no field %q, so column %q cannot be sent. Map the column to another field or skip it.", t.Field, header)
					if g, ok := byFold[strings.ToLower(t.Field)]; ok {
						msg = fmt.Sprintf("Marketo has no field %q; did you mean %q? Column %q cannot be sent as it is mapped.", t.Field, g.Name, header)
					}
					v.sheet = append(v.sheet, importer.Problem{Column: header, Severity: importer.Invalid, Message: msg})
					r.kind = importer.Skip
				} else {
					r.typ, r.length = strings.ToLower(f.Type), f.Length
					if f.ReadOnly {
						v.sheet = append(v.sheet, importer.Problem{Column: header, Severity: importer.Invalid,
							Message: fmt.Sprintf("The Marketo field %q is read-only, so column %q cannot be sent. Skip the column.", t.Field, header)})
						r.kind = importer.Skip
					}
				}
			}
		}
		if r.length == 0 {
			switch r.typ {
			case "string", "email", "phone", "url":
				r.length = defaultStringLength
			}
		}
		v.columns = append(v.columns, r)
	}
	v.sheet = append(v.sheet, sharedTargets(m)...)
	if !hasKey {
		v.sheet = append(v.sheet, importer.Problem{Severity: importer.Invalid,
			Message: "No column is mapped to Email, Marketo Id or ForeignSysPersonId, so Marketo cannot tell who a row is. Map the email column to Email."})
	}
	if !dedup {
		v.sheet = append(v.sheet, importer.Problem{Severity: importer.Warning,
			Message: "Dedup is off: every row creates a new lead in Marketo, even if the person exists."})
	}
	return v
}

// SheetProblems are the problems with the mapping as a whole (Row 0): a
// column mapped to a field Marketo does not have, no key column, dedup off.
// An Invalid sheet problem about a column means that column is not sent; an
// Invalid one without a column means no row can be sent.
func (v *Validator) SheetProblems() []importer.Problem {
	return append([]importer.Problem(nil), v.sheet...)
}

// Check validates one row and returns the lead to send and the row's
// problems. The row is sendable unless a problem is Invalid. Columns whose
// sheet problem made them unsendable are left out of the lead.
func (v *Validator) Check(r importer.Row) (marketo.Lead, []importer.Problem) {
	var probs []importer.Problem
	bad := func(col, format string, args ...any) {
		probs = append(probs, importer.Problem{Row: r.Number, Column: col, Severity: importer.Invalid, Message: fmt.Sprintf(format, args...)})
	}
	lead := v.m.Lead(r.Cells)
	text := 0
	for i, c := range v.columns {
		if i >= len(r.Cells) || c.kind == importer.Skip {
			continue
		}
		val := strings.TrimSpace(r.Cells[i])
		if val == "" {
			continue
		}
		if c.kind == importer.ToAttribute && v.blocked(i) {
			continue
		}
		text += len(val)
		if len(val) > importer.MaxCellChars && utf8.RuneCountInString(val) > importer.MaxCellChars {
			bad(c.header, "The %s cell holds more than 32,767 characters, the most Excel keeps in a cell, so Leadsheet read only the start of it. Shorten the cell in the file, or skip the column.", c.header)
			continue
		}
		switch c.kind {
		case importer.ToID:
			if !validMarketoID(val) {
				bad(c.header, "Marketo Id must be a whole number from 1 to 2,147,483,647, not %q. Fix the id or clear the cell.", short(val))
			}
			continue
		case importer.ToForeignSysType:
			switch strings.ToUpper(val) {
			case marketo.ForeignSysCustom, marketo.ForeignSysSFDC, marketo.ForeignSysNetSuite:
			default:
				bad(c.header, "ForeignSysType must be CUSTOM, SFDC or NETSUITE, not %q.", short(val))
			}
			continue
		}
		if c.length > 0 {
			if n := utf8.RuneCountInString(val); n > c.length {
				bad(c.header, "%s is %d characters long; Marketo allows %d. Shorten it.", c.header, n, c.length)
				continue
			}
		}
		if msg := checkType(c.typ, val); msg != "" {
			bad(c.header, "%s", msg)
		}
	}
	if text > maxLeadText {
		bad("", "The row holds %d KB of text in its mapped columns; Leadsheet sends at most %d KB a lead, so that a batch stays within what Marketo accepts in one call. Shorten the longest cells.", text>>10, maxLeadText>>10)
	}
	if lead.Key() == marketo.KeyNone {
		bad("", "The row has no Email, Marketo Id or ForeignSysPersonId, so Marketo cannot tell who it is. Fill one in or leave the row out.")
	}
	if key, name := v.keyOf(lead); key != "" && !hasInvalid(probs) {
		h := maphash.String(v.seed, key)
		if first, dup := v.seen[h]; dup {
			msg := fmt.Sprintf("Same %s as row %d. With dedup on, this row will update the lead created by row %d (this row's values win).", name, first, first)
			if !v.dedup {
				msg = fmt.Sprintf("Same %s as row %d. Dedup is off, so Marketo will create two separate leads.", name, first)
			}
			probs = append(probs, importer.Problem{Row: r.Number, Column: v.keyHeader(lead.Key()), Severity: importer.Warning, Message: msg})
		} else {
			v.seen[h] = r.Number
		}
	}
	if len(v.sheet) > 0 {
		lead.Attributes = v.dropBlocked(lead.Attributes)
	}
	return lead, probs
}

// validMarketoID accepts what Marketo's Id (an xs:int in the WSDL, an
// integer in REST) can hold: digits only, 1 to 2,147,483,647. Leading zeros
// are kept by Excel text cells and mean the same number; signs, decimals
// and exponents are refused rather than guessed at.
func validMarketoID(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	id, err := strconv.ParseInt(s, 10, 32)
	return err == nil && id > 0
}

// sharedTargets finds targets fed by more than one column. Mapping.Lead lets
// the last non-empty cell win, so one of the operator's columns would be
// dropped without a word; each such target is a problem for the whole sheet.
// Attribute names are compared ignoring case, as Marketo's REST API does.
func sharedTargets(m importer.Mapping) []importer.Problem {
	type use struct {
		name string
		cols []int
	}
	var order []string
	uses := map[string]*use{}
	for i, t := range m.Columns {
		if t.Kind == importer.Skip {
			continue
		}
		key := strconv.Itoa(int(t.Kind)) + "\x00" + strings.ToLower(t.Field)
		u, ok := uses[key]
		if !ok {
			u = &use{name: TargetName(t)}
			uses[key] = u
			order = append(order, key)
		}
		u.cols = append(u.cols, i)
	}
	var probs []importer.Problem
	for _, key := range order {
		u := uses[key]
		if len(u.cols) < 2 {
			continue
		}
		names := make([]string, len(u.cols))
		for j, i := range u.cols {
			header := ""
			if i < len(m.Headers) {
				header = m.Headers[i]
			}
			names[j] = fmt.Sprintf("%q (%s)", header, importer.ColumnLetter(i+1))
		}
		msg := fmt.Sprintf("Columns %s and %s are both mapped to %s. Map one of them to Skip.", names[0], names[1], u.name)
		if len(names) > 2 {
			msg = fmt.Sprintf("Columns %s and %s are all mapped to %s. Map all but one of them to Skip.",
				strings.Join(names[:len(names)-1], ", "), names[len(names)-1], u.name)
		}
		probs = append(probs, importer.Problem{Severity: importer.Invalid, Message: msg})
	}
	return probs
}

// blocked reports whether column i was refused for the whole sheet.
func (v *Validator) blocked(i int) bool {
	return v.m.Columns[i].Kind == importer.ToAttribute && v.columns[i].kind == importer.Skip
}

func (v *Validator) dropBlocked(attrs []marketo.Attribute) []marketo.Attribute {
	blocked := map[string]bool{}
	for i := range v.columns {
		if v.blocked(i) {
			blocked[v.m.Columns[i].Field] = true
		}
	}
	if len(blocked) == 0 {
		return attrs
	}
	out := attrs[:0]
	for _, a := range attrs {
		if !blocked[a.Name] {
			out = append(out, a)
		}
	}
	return out
}

// keyOf is the normalised key Marketo matches on, for duplicate detection.
func (v *Validator) keyOf(l marketo.Lead) (string, string) {
	switch l.Key() {
	case marketo.KeyID:
		return "i" + strconv.Itoa(l.ID), "Marketo Id"
	case marketo.KeyForeignSysPersonID:
		return "f" + l.ForeignSysType + "\x00" + l.ForeignSysPersonID, "ForeignSysPersonId"
	case marketo.KeyEmail:
		return "e" + strings.ToLower(l.Email), "Email"
	}
	return "", ""
}

func (v *Validator) keyHeader(k marketo.KeyKind) string {
	want := map[marketo.KeyKind]importer.TargetKind{marketo.KeyID: importer.ToID, marketo.KeyForeignSysPersonID: importer.ToForeignSysPersonID, marketo.KeyEmail: importer.ToEmail}[k]
	for _, c := range v.columns {
		if c.kind == want {
			return c.header
		}
	}
	return ""
}

func hasInvalid(ps []importer.Problem) bool {
	for _, p := range ps {
		if p.Severity == importer.Invalid {
			return true
		}
	}
	return false
}

// short trims a value for quoting in a message.
func short(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:37]) + "..."
}

// checkType returns a plain-words problem when val does not fit a Marketo
// data type, or "" when it does (or the type is not checked).
func checkType(typ, val string) string {
	switch typ {
	case "email":
		return CheckEmail(val)
	case "integer", "score":
		if _, err := strconv.ParseInt(val, 10, 64); err != nil {
			return fmt.Sprintf("%q is not a whole number; this field takes numbers like 42.", short(val))
		}
	case "float", "currency", "percent":
		if _, err := strconv.ParseFloat(val, 64); err != nil {
			return fmt.Sprintf("%q is not a number; this field takes numbers like 1234.5 (no currency signs or thousands separators).", short(val))
		}
	case "date":
		if _, err := time.Parse("2006-01-02", val); err != nil {
			return fmt.Sprintf("%q is not a date Marketo accepts; write it as year-month-day, like 2024-03-05.", short(val))
		}
	case "datetime":
		if !isDateTime(val) {
			return fmt.Sprintf("%q is not a date and time Marketo accepts; write it like 2024-03-05T14:30:00 or 2024-03-05.", short(val))
		}
	case "boolean":
		switch strings.ToLower(val) {
		case "true", "false", "1", "0", "yes", "no":
		default:
			return fmt.Sprintf("%q is not a yes/no value; use TRUE or FALSE.", short(val))
		}
	}
	return ""
}

func isDateTime(val string) bool {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if _, err := time.Parse(layout, val); err == nil {
			return true
		}
	}
	return false
}

// CheckEmail returns a plain-words problem with an email address, or "" when
// it is well-formed. Marketo rejects addresses with non-ASCII letters.
func CheckEmail(s string) string {
	for _, r := range s {
		if r >= utf8.RuneSelf {
			return fmt.Sprintf("Email %q has a character Marketo does not accept (%q); Marketo takes only plain letters a-z, digits and . _ %% + - in emails.", short(s), r)
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 || strings.Count(s, "@") != 1 {
		return fmt.Sprintf("%q is not an email address (it needs exactly one @).", short(s))
	}
	local, domain := s[:at], s[at+1:]
	if local == "" || len(local) > 64 || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return fmt.Sprintf("%q is not a valid email address (check the part before the @).", short(s))
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c <= ' ' || strings.IndexByte("\"(),:;<>[\\]", c) >= 0 {
			return fmt.Sprintf("%q is not a valid email address (it contains %q before the @).", short(s), string(c))
		}
	}
	labels := strings.Split(domain, ".")
	if len(domain) > 253 || len(labels) < 2 {
		return fmt.Sprintf("%q is not a valid email address (the part after the @ needs a dot, like example.com).", short(s))
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Sprintf("%q is not a valid email address (check the part after the @).", short(s))
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Sprintf("%q is not a valid email address (%q is not allowed after the @).", short(s), string(c))
			}
		}
	}
	if tld := labels[len(labels)-1]; len(tld) < 2 || strings.Trim(tld, "0123456789") == "" {
		return fmt.Sprintf("%q is not a valid email address (it does not end in a domain like .com).", short(s))
	}
	return ""
}
