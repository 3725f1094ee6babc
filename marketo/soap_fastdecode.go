package marketo

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeSyncResponse reads a syncMultipleLeads answer, appending one status
// per syncStatus to out.
//
// encoding/xml allocates for every token (about 35 allocations per status),
// so answers written the way Marketo writes them (see syncmultipleleads.md)
// are read by a strict scanner over the bytes instead. Anything it does not
// expect (comments, CDATA, other attributes, \r in text, unusual spacing
// inside tags) makes it give up without a verdict, and encoding/xml reads the
// answer from where the scanner started; the scanner never accepts what
// encoding/xml would refuse.
func decodeSyncResponse(data []byte, out []SyncStatus) ([]SyncStatus, error) {
	base := len(out)
	err := decodeEnvelope(data, "successSyncMultipleLeads", func(d *xml.Decoder, _ xml.StartElement, env *envelope) error {
		if res, ok := fastSyncStatuses(env, int(d.InputOffset()), out); ok {
			out = res
			return errConsumed
		}
		var err error
		out, err = decodeSyncStatuses(d, out[:base])
		return err
	})
	return out, err
}

// scan is a cursor over an answer's bytes.
type scan struct {
	b []byte
	i int
}

func (s *scan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// lit consumes l if the input continues with it.
func (s *scan) lit(l string) bool {
	if len(s.b)-s.i >= len(l) && string(s.b[s.i:s.i+len(l)]) == l {
		s.i += len(l)
		return true
	}
	return false
}

// endTag consumes "</name>", allowing space before the '>'.
func (s *scan) endTag(name string) bool {
	if name == "" || !s.lit("</") || !s.lit(name) {
		return false
	}
	s.space()
	return s.lit(">")
}

// text returns the character data up to the next '<', or false when it holds
// something the scanner leaves to encoding/xml.
func (s *scan) text() ([]byte, bool) {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] != '<' {
		c := s.b[s.i]
		if c == '\r' || (c < 0x20 && c != '\t' && c != '\n') || c == ']' {
			return nil, false
		}
		s.i++
	}
	t := s.b[start:s.i]
	return t, s.i < len(s.b) && utf8.Valid(t)
}

// fastSyncStatuses reads <result><syncStatusList>…</syncStatusList></result>
// and the end tags of the success element, Body and Envelope, starting at
// off (just after the success element's start tag). ok is false when the
// scanner gives up; out is then unchanged in its first len(out) entries.
func fastSyncStatuses(env *envelope, off int, out []SyncStatus) ([]SyncStatus, bool) {
	s := scan{b: env.data, i: off}
	s.space()
	if !s.lit("<result>") {
		return out, false
	}
	s.space()
	if !s.lit("<syncStatusList/>") {
		if !s.lit("<syncStatusList>") {
			return out, false
		}
		for {
			s.space()
			if s.lit("</syncStatusList>") {
				break
			}
			st, ok := s.syncStatus(env)
			if !ok {
				return out, false
			}
			out = append(out, st)
		}
	}
	s.space()
	if !s.lit("</result>") {
		return out, false
	}
	for _, name := range []string{env.qname, env.bodyName, env.envName} {
		s.space()
		if !s.endTag(name) {
			return out, false
		}
	}
	s.space()
	return out, s.i == len(s.b)
}

func (s *scan) syncStatus(env *envelope) (SyncStatus, bool) {
	var st SyncStatus
	if !s.lit("<syncStatus>") {
		return st, false
	}
	s.space()
	if !s.lit("<leadId>") {
		return st, false
	}
	id, ok := s.text()
	if !ok || len(id) == 0 || len(id) > 10 {
		return st, false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return st, false
		}
		st.LeadID = st.LeadID*10 + int(c-'0')
	}
	if !s.lit("</leadId>") {
		return st, false
	}
	s.space()
	if !s.lit("<status>") {
		return st, false
	}
	status, ok := s.text()
	if !ok {
		return st, false
	}
	switch string(status) {
	case string(Created):
		st.Status = Created
	case string(Updated):
		st.Status = Updated
	case string(Failed):
		st.Status = Failed
	default:
		return st, false
	}
	if !s.lit("</status>") {
		return st, false
	}
	s.space()
	if s.lit("<error") {
		if !s.errorElement(env, &st) {
			return st, false
		}
		s.space()
	}
	return st, s.lit("</syncStatus>")
}

// errorElement reads the rest of an <error> element: empty, nil
// (xsi:nil="true" with a prefix bound to the XSI namespace) or text.
func (s *scan) errorElement(env *envelope, st *SyncStatus) bool {
	isNil := false
	before := s.i
	s.space()
	if s.i > before && s.i < len(s.b) && s.b[s.i] != '/' && s.b[s.i] != '>' {
		// The one attribute the scanner knows: xsi:nil.
		eq := bytes.IndexByte(s.b[s.i:], '=')
		if eq < 0 {
			return false
		}
		prefix, local, found := bytes.Cut(s.b[s.i:s.i+eq], []byte(":"))
		if !found || string(local) != "nil" || !env.xsi[string(prefix)] {
			return false
		}
		s.i += eq
		if !s.lit(`="true"`) && !s.lit(`="1"`) {
			return false
		}
		isNil = true
		s.space()
	}
	if s.lit("/>") {
		return true
	}
	if !s.lit(">") {
		return false
	}
	t, ok := s.text()
	if !ok || !s.lit("</error>") {
		return false
	}
	if isNil || len(t) == 0 {
		return true
	}
	msg, ok := unescape(t)
	if !ok {
		return false
	}
	st.Error = strings.TrimSpace(msg)
	return true
}

// unescape decodes XML character data with the predefined entities and
// character references; false for anything else.
func unescape(t []byte) (string, bool) {
	amp := -1
	for i, c := range t {
		if c == '&' {
			amp = i
			break
		}
	}
	if amp < 0 {
		return string(t), true
	}
	out := make([]byte, 0, len(t))
	out = append(out, t[:amp]...)
	for i := amp; i < len(t); {
		if t[i] != '&' {
			out = append(out, t[i])
			i++
			continue
		}
		semi := -1
		for j := i + 1; j < len(t) && j < i+12; j++ {
			if t[j] == ';' {
				semi = j
				break
			}
		}
		if semi < 0 {
			return "", false
		}
		ent := string(t[i+1 : semi])
		switch ent {
		case "amp":
			out = append(out, '&')
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "quot":
			out = append(out, '"')
		case "apos":
			out = append(out, '\'')
		default:
			var n uint64
			var err error
			switch {
			case strings.HasPrefix(ent, "#x"):
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			case strings.HasPrefix(ent, "#"):
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			default:
				return "", false
			}
			r := rune(n)
			if err != nil || !xmlChar(r) {
				return "", false
			}
			out = utf8.AppendRune(out, r)
		}
		i = semi + 1
	}
	return string(out), true
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}
