package job

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"leadsheet/importer"
	"leadsheet/importer/mapping"
	"leadsheet/importer/sheet"
	"leadsheet/marketo"
)

// Proposal is a mapping for a sheet's header with who chose each column:
// a saved preset when one fits, else the automatic mapping.
type Proposal struct {
	Mapping importer.Mapping
	Origins []Origin
	Matches []mapping.Match // AutoMap's verdict per column; zero for preset columns
	Preset  *mapping.Preset // the preset used, if any
}

// Propose maps header: with the preset saved for these headers in
// presetDir (if presetDir is not empty and one fits), else automatically
// against fields (nil: the standard fields of api). Columns AutoMap only
// guessed are marked Guessed: [Job.MappingProblem] refuses them until
// the operator confirms.
func Propose(header sheet.Header, fields []marketo.Field, api, presetDir string) (Proposal, error) {
	if presetDir != "" {
		p, ok, err := mapping.FindPreset(presetDir, header.Names)
		if err != nil {
			return Proposal{}, fmt.Errorf("read saved mappings in %s: %w", presetDir, err)
		}
		if ok {
			return FromPreset(header, p), nil
		}
	}
	if fields == nil {
		fields = StandardFields(api)
	}
	m, matches := mapping.AutoMap(header.Names, fields)
	pr := Proposal{Mapping: m, Matches: matches, Origins: make([]Origin, len(m.Columns))}
	// A synonym is a spelling someone listed on purpose ("Marketo Id",
	// "E-mail Address"); a guess only contains a known name ("Business
	// Phone Email") or is a bare "ID", which is as often the operator's
	// own numbering.
	for i, t := range m.Columns {
		if t.Kind != importer.Skip && matches[i].Confidence == mapping.Guess {
			pr.Origins[i] = Guessed
		}
	}
	return pr, nil
}

// FromPreset applies a saved preset to header.
func FromPreset(header sheet.Header, p mapping.Preset) Proposal {
	m := p.MappingFor(header.Names)
	pr := Proposal{Mapping: m, Matches: make([]mapping.Match, len(m.Columns)), Origins: make([]Origin, len(m.Columns)), Preset: &p}
	for i := range pr.Origins {
		pr.Origins[i] = Preset
	}
	return pr
}

// Set maps column i to t on the operator's word.
func (p *Proposal) Set(i int, t importer.Target) {
	p.Mapping.Columns[i] = t
	p.Origins[i] = Operator
}

// Confirm takes column i's target as the operator's own.
func (p *Proposal) Confirm(i int) { p.Origins[i] = Operator }

// Guessed lists the columns whose key target was guessed and not yet
// confirmed.
func (p *Proposal) Guessed() []int {
	var out []int
	for i, t := range p.Mapping.Columns {
		if isKey(t.Kind) && p.Origins[i] == Guessed {
			out = append(out, i)
		}
	}
	return out
}

// StandardFields is the built-in list of common lead fields in the API's
// own spelling (REST names start lower case: firstName, not FirstName),
// used when Marketo's field list is not known.
func StandardFields(api string) []marketo.Field {
	fs := mapping.StandardFields()
	if api != marketo.ProfileREST {
		return fs
	}
	for i := range fs {
		r, n := utf8.DecodeRuneInString(fs[i].Name)
		fs[i].Name = string(unicode.ToLower(r)) + fs[i].Name[n:]
	}
	return fs
}

// TargetFlag is how a target is written after --map COL=.
func TargetFlag(t importer.Target) string {
	switch t.Kind {
	case importer.ToID:
		return "id"
	case importer.ToEmail:
		return "email"
	case importer.ToForeignSysPersonID:
		return "foreignsyspersonid"
	case importer.ToForeignSysType:
		return "foreignsystype"
	case importer.ToAttribute:
		return t.Field
	case importer.ToMemberStatus:
		return "memberstatus"
	}
	return "skip"
}

// DescribeTarget names a target for a mapping listing.
func DescribeTarget(t importer.Target) string {
	switch {
	case t.Kind == importer.Skip:
		return "(not sent)"
	case isKey(t.Kind):
		return mapping.TargetName(t) + " (key)"
	}
	return mapping.TargetName(t)
}

// ParseTarget reads a field as the operator writes it: a lead field's API
// name, or email, id (also marketoid, leadid), foreignsyspersonid,
// foreignsystype, memberstatus (also programstatus: the column holding
// each row's program member status) or skip.
func ParseTarget(field string) importer.Target {
	switch strings.ToLower(strings.NewReplacer(" ", "", "_", "", "-", "").Replace(field)) {
	case "skip", "":
		return importer.Target{Kind: importer.Skip}
	case "marketoid", "leadid":
		return importer.Target{Kind: importer.ToID}
	case "memberstatus", "programstatus":
		return importer.Target{Kind: importer.ToMemberStatus}
	}
	return mapping.TargetFor(field)
}
