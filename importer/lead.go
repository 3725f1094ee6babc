package importer

import (
	"strconv"
	"strings"

	"leadsheet/marketo"
)

// Lead builds the lead for one row's cells (one per mapped column). Values
// are trimmed; empty cells are not sent, so they never blank a field in
// Marketo, unless ClearBlanks asks that an empty attribute cell clear its
// field (an Attribute with Clear set). An Id that is not a whole number is left out (the validator
// reports it). ForeignSysType comes from its column, else the mapping's
// default, else CUSTOM when the row has a ForeignSysPersonId.
func (m Mapping) Lead(cells []string) marketo.Lead {
	var l marketo.Lead
	for i, t := range m.Columns {
		if t.Kind == Skip {
			continue
		}
		v := "" // a row shorter than the header ends in blank cells
		if i < len(cells) {
			v = strings.TrimSpace(cells[i])
		}
		if v == "" {
			if t.Kind == ToAttribute && m.ClearBlanks {
				l.Attributes = append(l.Attributes, marketo.Attribute{Name: t.Field, Clear: true})
			}
			continue
		}
		switch t.Kind {
		case ToID:
			if id, err := strconv.Atoi(v); err == nil && id > 0 {
				l.ID = id
			}
		case ToEmail:
			l.Email = v
		case ToForeignSysPersonID:
			l.ForeignSysPersonID = v
		case ToForeignSysType:
			l.ForeignSysType = strings.ToUpper(v)
		case ToAttribute:
			if l.Attributes == nil {
				l.Attributes = make([]marketo.Attribute, 0, len(m.Columns)-i)
			}
			l.Attributes = append(l.Attributes, marketo.Attribute{Name: t.Field, Value: v})
		}
	}
	if l.ForeignSysPersonID != "" && l.ForeignSysType == "" {
		l.ForeignSysType = strings.ToUpper(m.ForeignSysType)
		if l.ForeignSysType == "" {
			l.ForeignSysType = marketo.ForeignSysCustom
		}
	}
	if l.ForeignSysPersonID == "" {
		l.ForeignSysType = ""
	}
	return l
}
