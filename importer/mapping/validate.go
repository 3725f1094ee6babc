package mapping

import (
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"unicode/utf8"

	"leadsheet/importer"
	"leadsheet/importer/fieldtype"
	"leadsheet/marketo"
)

// Validator checks rows before anything is sent, one row at a time, so a
// sheet of any size streams through it, and normalises each cell for its
// Marketo field's type (dates, numbers, booleans) in the lead it returns.
// It remembers a 64-bit hash of each key it has seen (not the key itself)
// to find duplicates. Not safe for concurrent use.
type Validator struct {
	send    importer.Mapping // the mapping, less the columns refused for the whole sheet
	dedup   bool
	values  fieldtype.Options
	columns []columnRule
	sheet   []importer.Problem
	seed    maphash.Seed
	seen    map[uint64]int // key hash -> first row number
	cells   []string       // the row's cells as sent; reused from row to row
}

// columnRule is what the validator knows about one mapped column.
type columnRule struct {
	header string
	kind   importer.TargetKind // Skip also for a column refused for the whole sheet
	field  marketo.Field       // the Marketo field when typed
	typed  bool                // cells are checked and normalised by fieldtype for field
	length int                 // character limit of an untyped column; 0 = none
}

// maxLeadText bounds the text of one lead: Marketo's REST API takes at most
// 1 MB a request, and 300 leads of this size keep a batch in memory small.
const maxLeadText = 128 << 10

// defaultStringLength is Marketo's limit for ForeignSysPersonId, which the
// field list does not describe.
const defaultStringLength = 255

// NewValidator prepares the checks for a mapping. fields is the instance's
// field list, or nil when unknown (then attribute names and types are not
// checked, and only the key columns are). values are the operator's choices
// for reading dates, times and yes/no cells. With dedup off every row
// creates a new lead, which the validator reports once for the sheet.
func NewValidator(m importer.Mapping, fields []marketo.Field, dedup bool, values fieldtype.Options) *Validator {
	v := &Validator{dedup: dedup, values: values, seed: maphash.MakeSeed(), seen: make(map[uint64]int)}
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
		r := columnRule{header: header, kind: t.Kind}
		switch t.Kind {
		case importer.ToID:
			hasKey = true
		case importer.ToEmail:
			hasKey = true
			// Whatever type the field list gives Email, the key is matched
			// as an email address; only its length is taken from the list.
			r.field, r.typed = marketo.Field{Name: "Email", Type: "email", Length: byName["Email"].Length}, true
		case importer.ToForeignSysPersonID:
			hasKey = true
			r.length = defaultStringLength
		case importer.ToAttribute:
			if fields == nil {
				break
			}
			f, ok := byName[t.Field]
			var msg string
			switch {
			case !ok:
				msg = fmt.Sprintf("Marketo has no field %q, so column %q cannot be sent. Map the column to another field or skip it.", t.Field, header)
				if g, ok := byFold[strings.ToLower(t.Field)]; ok {
					msg = fmt.Sprintf("Marketo has no field %q; did you mean %q? Column %q cannot be sent as it is mapped.", t.Field, g.Name, header)
				}
			case f.CRMManaged:
				msg = fmt.Sprintf("Marketo's CRM sync owns the field %q (the CRM, such as Salesforce or Dynamics, writes it), so column %q cannot be sent. Skip the column, or change the values in the CRM.", t.Field, header)
			case f.ReadOnly:
				msg = fmt.Sprintf("The Marketo field %q is read-only, so column %q cannot be sent. Skip the column.", t.Field, header)
			default:
				r.field, r.typed = f, true
			}
			if msg != "" {
				v.sheet = append(v.sheet, importer.Problem{Column: header, Severity: importer.Invalid, Message: msg})
				r.kind = importer.Skip
			}
		}
		v.columns = append(v.columns, r)
	}
	// A refused column is left out of the mapping the leads are built
	// with, rather than blanked, so that ClearBlanks cannot clear it either.
	v.send = m
	v.send.Columns = make([]importer.Target, len(m.Columns))
	for i, r := range v.columns {
		if r.kind != importer.Skip {
			v.send.Columns[i] = m.Columns[i]
		}
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
// problems. The row is sendable unless a problem is Invalid. Each cell of
// a column with a known Marketo field is sent normalised for the field's
// type (a date as 2024-03-05, "Yes" as true); a problem with a cell names
// the column in its message, for lists that show only the message.
// Columns whose sheet problem made them unsendable are left out of the
// lead.
func (v *Validator) Check(r importer.Row) (marketo.Lead, []importer.Problem) {
	var probs []importer.Problem
	bad := func(col, format string, args ...any) {
		probs = append(probs, importer.Problem{Row: r.Number, Column: col, Severity: importer.Invalid, Message: fmt.Sprintf(format, args...)})
	}
	if cap(v.cells) < len(v.columns) {
		v.cells = make([]string, len(v.columns))
	}
	cells := v.cells[:len(v.columns)]
	text := 0
	for i, c := range v.columns {
		cells[i] = ""
		if c.kind == importer.Skip {
			continue
		}
		val := ""
		if i < len(r.Cells) {
			val = strings.TrimSpace(r.Cells[i])
		}
		if val == "" {
			if c.typed && c.kind == importer.ToAttribute {
				cells[i], _ = fieldtype.BlankValue(c.field, v.optionsFor(i))
			}
			continue
		}
		cells[i] = val
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
		if c.typed {
			out, p := fieldtype.Normalize(c.field, val, v.optionsFor(i))
			if p != "" {
				bad(c.header, "%s: %s", columnName(c.header, i), p)
				continue
			}
			cells[i] = out
			continue
		}
		if c.length > 0 {
			if n := utf8.RuneCountInString(val); n > c.length {
				bad(c.header, "%s is %d characters long; Marketo allows %d. Shorten it.", c.header, n, c.length)
			}
		}
	}
	lead := v.send.Lead(cells)
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
	return lead, probs
}

// optionsFor are the reading options for column i: tick marks only in the
// columns the mapping names as tick columns, so that a blank cell in any
// other yes/no column never turns into No.
func (v *Validator) optionsFor(i int) fieldtype.Options {
	o := v.values
	o.Booleans = fieldtype.BoolWords
	if v.send.Tick(i) {
		o.Booleans = fieldtype.BoolMarks
	}
	return o
}

// columnName is how a message names column i: its header, or its letter
// when the header is blank.
func columnName(header string, i int) string {
	if header != "" {
		return header
	}
	return "Column " + importer.ColumnLetter(i+1)
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

// keyOf is the normalised key Marketo matches on, for duplicate detection.
func (v *Validator) keyOf(l marketo.Lead) (string, string) {
	switch l.Key() {
	case marketo.KeyID:
		return "i" + strconv.Itoa(l.ID), "Marketo Id"
	case marketo.KeyForeignSysPersonID:
		return "f" + l.ForeignSysType + "\x00" + strings.ToLower(l.ForeignSysPersonID), "ForeignSysPersonId"
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
