package marketo

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// errNotSOAP marks an answer that is not a SOAP envelope at all (a web page,
// JSON, plain text); the caller describes it from the raw bytes.
var errNotSOAP = errors.New("not a SOAP envelope")

// soapFault is a SOAP 1.1 Fault with Marketo's serviceException detail.
// faultcode/faultstring/detail are unqualified in SOAP 1.1, and the
// serviceException is matched by namespace, whatever its prefix.
type soapFault struct {
	FaultCode   string `xml:"faultcode"`
	FaultString string `xml:"faultstring"`
	Detail      struct {
		ServiceException struct {
			Name    string `xml:"name"`
			Message string `xml:"message"`
			Code    string `xml:"code"`
		} `xml:"http://www.marketo.com/mktows/ serviceException"`
	} `xml:"detail"`
}

func (f *soapFault) toError(status int) *Error {
	se := f.Detail.ServiceException
	code := strings.TrimSpace(se.Code)
	msg := strings.TrimSpace(se.Message)
	fs := strings.TrimSpace(f.FaultString)
	// Some faults carry the code only in faultstring: "20014 - Authentication failed".
	if c, rest, ok := strings.Cut(fs, " - "); ok && isDigits(c) {
		if code == "" {
			code = c
		}
		if code == c {
			fs = rest
		}
	}
	if msg == "" {
		msg = fs
	}
	if msg == "" {
		msg = "SOAP fault " + strings.TrimSpace(f.FaultCode)
	}
	return &Error{API: SOAP, Code: code, Message: msg, HTTPStatus: status}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// envelope is what decodeEnvelope learnt on its way to the Body's element:
// the raw bytes and how the answer spelt its element names, for the fast
// syncStatus reader.
type envelope struct {
	data                     []byte
	envName, bodyName, qname string          // names as written, with their prefixes
	xsi                      map[string]bool // prefixes bound to the XSI namespace on those elements
}

// errConsumed tells decodeEnvelope that the body reader checked the rest of
// the document itself.
var errConsumed = errors.New("answer read to its end")

// decodeEnvelope walks a SOAP answer to the first element of its Body. A
// Fault becomes an *Error (HTTPStatus set by the caller); the element named
// want in the mktows namespace is handed to body; anything else is an error.
// Elements are matched by namespace, never by prefix.
func decodeEnvelope(data []byte, want string, body func(d *xml.Decoder, start xml.StartElement, env *envelope) error) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	env := &envelope{data: data}
	start, off, err := nextStart(d)
	if err != nil {
		return err
	}
	if start.Name.Space != nsSOAPEnv || start.Name.Local != "Envelope" {
		return errNotSOAP
	}
	env.envName = env.note(off, start)
	for {
		el, off, err := nextChild(d)
		if err != nil {
			return err
		}
		if el == nil {
			return errors.New("the SOAP answer has no Body")
		}
		if el.Name.Space == nsSOAPEnv && el.Name.Local == "Body" {
			env.bodyName = env.note(off, *el)
			break
		}
		if err := d.Skip(); err != nil {
			return err
		}
	}
	el, off, err := nextChild(d)
	if err != nil {
		return err
	}
	switch {
	case el == nil:
		return errors.New("the SOAP answer's Body is empty")
	case el.Name.Space == nsSOAPEnv && el.Name.Local == "Fault":
		var f soapFault
		if err := d.DecodeElement(&f, el); err != nil {
			return err
		}
		return f.toError(0)
	case el.Name.Space == nsMktows && el.Name.Local == want:
		env.qname = env.note(off, *el)
		if err := body(d, *el, env); err == errConsumed {
			return nil
		} else if err != nil {
			return err
		}
		// Read to the end, so a truncated answer is not taken as complete.
		for {
			if _, err := d.Token(); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("the SOAP answer holds <%s> (namespace %q) instead of <%s>", el.Name.Local, el.Name.Space, want)
	}
}

// note records the XSI prefixes the element starting at off declares and
// returns its name as written.
func (e *envelope) note(off int64, el xml.StartElement) string {
	for _, a := range el.Attr {
		if a.Name.Space == "xmlns" {
			if e.xsi == nil {
				e.xsi = map[string]bool{}
			}
			e.xsi[a.Name.Local] = a.Value == nsXSI
		}
	}
	return e.rawName(off)
}

// rawName returns the element name written at off ("<ns1:foo ...").
func (e *envelope) rawName(off int64) string {
	b := e.data[off:]
	if len(b) == 0 || b[0] != '<' {
		return ""
	}
	end := bytes.IndexAny(b, " \t\r\n/>")
	if end < 0 {
		return ""
	}
	return string(b[1:end])
}

// nextStart returns the document's first element and its byte offset,
// skipping the prolog.
func nextStart(d *xml.Decoder) (xml.StartElement, int64, error) {
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			return xml.StartElement{}, 0, errNotSOAP
		}
		if err != nil {
			return xml.StartElement{}, 0, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, off, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return xml.StartElement{}, 0, errNotSOAP
			}
		}
	}
}

// nextChild returns the next child element of the current element and its
// byte offset, or nil at the current element's end tag.
func nextChild(d *xml.Decoder) (*xml.StartElement, int64, error) {
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, 0, io.ErrUnexpectedEOF
			}
			return nil, 0, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return &t, off, nil
		case xml.EndElement:
			return nil, 0, nil
		}
	}
}

// isNil reports xsi:nil="true" on an element.
func isNil(start xml.StartElement) bool {
	for _, a := range start.Attr {
		if a.Name.Space == nsXSI && a.Name.Local == "nil" {
			v := strings.TrimSpace(a.Value)
			return v == "true" || v == "1"
		}
	}
	return false
}

// unqualified reports whether a child element is in no namespace, as the
// schema makes every local element. The mktows namespace is tolerated too,
// since qualifying children is a common server-side slip and names are
// still unambiguous.
func unqualified(n xml.Name) bool { return n.Space == "" || n.Space == nsMktows }

// readText reads a simple element's text up to its end tag. An element with
// xsi:nil="true" reads as "".
func readText(d *xml.Decoder, start xml.StartElement) (string, error) {
	var sb []byte
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			sb = append(sb, t...)
		case xml.StartElement:
			return "", fmt.Errorf("<%s> holds an unexpected element <%s>", start.Name.Local, t.Name.Local)
		case xml.EndElement:
			if isNil(start) {
				return "", nil
			}
			return string(sb), nil
		}
	}
}

// decodeSyncStatuses reads the syncStatus entries of successSyncMultipleLeads
// (result/syncStatusList/syncStatus), in document order.
func decodeSyncStatuses(d *xml.Decoder, out []SyncStatus) ([]SyncStatus, error) {
	depth := 1
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return out, io.ErrUnexpectedEOF
			}
			return out, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "syncStatus" && unqualified(t.Name) {
				st, err := readSyncStatus(d)
				if err != nil {
					return out, err
				}
				out = append(out, st)
				continue
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return out, nil
}

func readSyncStatus(d *xml.Decoder) (SyncStatus, error) {
	var st SyncStatus
	var haveID, haveStatus bool
	for {
		el, _, err := nextChild(d)
		if err != nil {
			return st, err
		}
		if el == nil {
			break
		}
		if !unqualified(el.Name) {
			if err := d.Skip(); err != nil {
				return st, err
			}
			continue
		}
		switch el.Name.Local {
		case "leadId":
			s, err := readText(d, *el)
			if err != nil {
				return st, err
			}
			if s = strings.TrimSpace(s); s != "" {
				id, err := strconv.Atoi(s)
				if err != nil {
					return st, fmt.Errorf("a syncStatus has leadId %q, which is not a number", s)
				}
				st.LeadID = id
			}
			haveID = true
		case "status":
			s, err := readText(d, *el)
			if err != nil {
				return st, err
			}
			switch Status(strings.TrimSpace(s)) {
			case Created:
				st.Status = Created
			case Updated:
				st.Status = Updated
			case Failed:
				st.Status = Failed
			default:
				return st, fmt.Errorf("a syncStatus has status %q, not CREATED, UPDATED or FAILED: %w", s, ErrMismatchedAnswer)
			}
			haveStatus = true
		case "error":
			s, err := readText(d, *el)
			if err != nil {
				return st, err
			}
			st.Error = strings.TrimSpace(s)
		default:
			if err := d.Skip(); err != nil {
				return st, err
			}
		}
	}
	if !haveID || !haveStatus {
		return st, fmt.Errorf("a syncStatus lacks its leadId or status: %w", ErrMismatchedAnswer)
	}
	return st, nil
}

// describeResult is successDescribeMObject's content. Nil (xsi:nil) values
// decode as zero values.
type describeResult struct {
	Result struct {
		Metadata struct {
			Name   string `xml:"name"`
			Fields []struct {
				Name          string `xml:"name"`
				DisplayName   string `xml:"displayName"`
				DataType      string `xml:"dataType"`
				Size          string `xml:"size"`
				IsReadonly    string `xml:"isReadonly"`
				UpdateBlocked string `xml:"isUpdateBlocked"`
			} `xml:"fieldList>field"`
		} `xml:"metadata"`
	} `xml:"result"`
}

func (r *describeResult) fields() []Field {
	src := r.Result.Metadata.Fields
	out := make([]Field, 0, len(src))
	for _, f := range src {
		name := strings.TrimSpace(f.Name)
		if name == "" {
			continue
		}
		fl := Field{
			Name:        name,
			DisplayName: strings.TrimSpace(f.DisplayName),
			Type:        strings.TrimSpace(f.DataType),
			ReadOnly:    xsdTrue(f.IsReadonly) || xsdTrue(f.UpdateBlocked),
		}
		if fl.DisplayName == "" {
			fl.DisplayName = name
		}
		if n, err := strconv.Atoi(strings.TrimSpace(f.Size)); err == nil && n > 0 {
			fl.Length = n
		}
		out = append(out, fl)
	}
	return out
}

func xsdTrue(s string) bool {
	s = strings.TrimSpace(s)
	return s == "true" || s == "1"
}
