package marketo

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"leadsheet/marketo/internal/reftest"
)

const nsXSD = "http://www.w3.org/2001/XMLSchema"

// extractSchema cuts the <xs:schema> element out of a WSDL and makes it a
// standalone XSD: the namespace prefixes it uses are declared on
// wsdl:definitions, so those declarations are copied onto it.
func extractSchema(wsdl []byte) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(wsdl))
	scopes := []map[string]string{{}}
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			return nil, fmt.Errorf("no xs:schema found: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			scope := map[string]string{}
			for k, v := range scopes[len(scopes)-1] {
				scope[k] = v
			}
			own := map[string]bool{}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" {
					scope[a.Name.Local] = a.Value
					own[a.Name.Local] = true
				} else if a.Name.Space == "" && a.Name.Local == "xmlns" {
					scope[""] = a.Value
					own[""] = true
				}
			}
			if t.Name.Local == "schema" && scope[t.Name.Space] == nsXSD {
				return cutElement(d, wsdl, off, t, scope, own)
			}
			scopes = append(scopes, scope)
		case xml.EndElement:
			scopes = scopes[:len(scopes)-1]
		}
	}
}

// cutElement returns the element whose start tag begins at off and was just
// read, as a document of its own, with every namespace declaration in scope
// written onto its start tag.
func cutElement(d *xml.Decoder, doc []byte, off int64, start xml.StartElement, scope map[string]string, own map[string]bool) ([]byte, error) {
	depth := 1
	for depth > 0 {
		tok, err := d.RawToken()
		if err != nil {
			return nil, err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	end := d.InputOffset()
	el := doc[off:end]
	name := start.Name.Local
	if start.Name.Space != "" {
		name = start.Name.Space + ":" + name
	}
	if !bytes.HasPrefix(el, []byte("<"+name)) {
		return nil, fmt.Errorf("element at %d does not start with <%s", off, name)
	}
	var decls strings.Builder
	for prefix, uri := range scope {
		if own[prefix] || prefix == "xml" {
			continue
		}
		if prefix == "" {
			fmt.Fprintf(&decls, ` xmlns="%s"`, uri)
		} else {
			fmt.Fprintf(&decls, ` xmlns:%s="%s"`, prefix, uri)
		}
	}
	var out bytes.Buffer
	out.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	out.Write(el[:1+len(name)])
	out.WriteString(decls.String())
	out.Write(el[1+len(name):])
	return out.Bytes(), nil
}

// envelopeParts checks a request's SOAP 1.1 frame (an Envelope holding a
// Header and a Body) and returns each element directly inside Header and
// Body as a standalone document, keyed by local name.
func envelopeParts(doc []byte) (map[string][]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	parts := map[string][]byte{}
	type frame struct {
		scope map[string]string
		name  string
	}
	stack := []frame{{scope: map[string]string{}}}
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			scope := map[string]string{}
			for k, v := range stack[len(stack)-1].scope {
				scope[k] = v
			}
			own := map[string]bool{}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" {
					scope[a.Name.Local], own[a.Name.Local] = a.Value, true
				} else if a.Name.Space == "" && a.Name.Local == "xmlns" {
					scope[""], own[""] = a.Value, true
				}
			}
			ns := scope[t.Name.Space]
			depth := len(stack)
			switch {
			case depth == 1 && (ns != nsSOAPEnv || t.Name.Local != "Envelope"):
				return nil, fmt.Errorf("root is {%s}%s, not a SOAP 1.1 Envelope", ns, t.Name.Local)
			case depth == 2 && (ns != nsSOAPEnv || (t.Name.Local != "Header" && t.Name.Local != "Body")):
				return nil, fmt.Errorf("Envelope holds {%s}%s", ns, t.Name.Local)
			case depth == 3:
				if ns != nsMktows {
					return nil, fmt.Errorf("%s holds {%s}%s, not a mktows element", stack[2].name, ns, t.Name.Local)
				}
				part, err := cutElement(d, doc, off, t, scope, own)
				if err != nil {
					return nil, err
				}
				parts[t.Name.Local] = part
				continue
			}
			stack = append(stack, frame{scope: scope, name: t.Name.Local})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 1 && len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("text %q inside %s", t, stack[len(stack)-1].name)
			}
		}
	}
	return parts, nil
}

// xmllint validates doc against schema and returns its complaints.
func xmllint(t *testing.T, dir, schema string, name string, doc []byte) error {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", schema, p).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	return nil
}

// TestRequestsValidateAgainstWSDLSchema sends requests with the real client,
// captures the bytes on the wire and validates the AuthenticationHeader and
// the body element of each against the XSD inside Marketo's WSDL.
func TestRequestsValidateAgainstWSDLSchema(t *testing.T) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint not installed (apt-get install libxml2-utils); schema validation skipped")
	}
	xsd, err := extractSchema(reftest.Read(t, "mktows-2_2.wsdl"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	schema := filepath.Join(dir, "mktows.xsd")
	if err := os.WriteFile(schema, xsd, 0o644); err != nil {
		t.Fatal(err)
	}

	srv, seen := recordingServer(t)
	c := testSOAPClient(t, srv.URL)
	batches := []struct {
		leads []Lead
		dedup bool
	}{
		{goldenLeads(), true},
		{goldenLeads(), false},
		{[]Lead{{ID: 2147483647, Email: "max@example.com", ForeignSysPersonID: "F", ForeignSysType: ForeignSysNetSuite,
			Attributes: []Attribute{{Name: "Company", Value: "<b>&amp;</b>"}, {Name: "Empty", Value: ""}}}}, true},
		{[]Lead{{Email: "plain@example.com"}}, false},
	}
	for _, b := range batches {
		if _, err := c.SyncLeads(context.Background(), b.leads, b.dedup); err != nil {
			t.Fatal(err)
		}
	}
	// The describe request is captured too; the recording server's answer
	// does not fit it, which does not matter here.
	_, _ = c.LeadFields(context.Background())

	reqs := seen()
	if len(reqs) != len(batches)+1 {
		t.Fatalf("captured %d requests", len(reqs))
	}
	for i, r := range reqs {
		parts, err := envelopeParts(r.body)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body := "paramsSyncMultipleLeads"
		if i == len(batches) {
			body = "paramsDescribeMObject"
		}
		if len(parts) != 2 || parts["AuthenticationHeader"] == nil || parts[body] == nil {
			t.Fatalf("request %d has parts %v, want AuthenticationHeader and %s", i, keys(parts), body)
		}
		for name, doc := range parts {
			if err := xmllint(t, dir, schema, fmt.Sprintf("req%d-%s.xml", i, name), doc); err != nil {
				t.Errorf("request %d does not validate: %v", i, err)
			}
		}
	}

	// The check can fail: documents that break the schema are refused.
	for name, bad := range map[string]string{
		"lowercase id":  `<ns1:paramsSyncMultipleLeads xmlns:ns1="http://www.marketo.com/mktows/"><leadRecordList><leadRecord><id>1</id></leadRecord></leadRecordList></ns1:paramsSyncMultipleLeads>`,
		"wrong order":   `<ns1:paramsSyncMultipleLeads xmlns:ns1="http://www.marketo.com/mktows/"><leadRecordList><leadRecord><Email>a@x.com</Email><Id>1</Id></leadRecord></leadRecordList></ns1:paramsSyncMultipleLeads>`,
		"qualified kid": `<ns1:paramsSyncMultipleLeads xmlns:ns1="http://www.marketo.com/mktows/"><ns1:leadRecordList/></ns1:paramsSyncMultipleLeads>`,
		"bad fs type":   `<ns1:paramsSyncMultipleLeads xmlns:ns1="http://www.marketo.com/mktows/"><leadRecordList><leadRecord><ForeignSysPersonId>1</ForeignSysPersonId><ForeignSysType>SAP</ForeignSysType></leadRecord></leadRecordList></ns1:paramsSyncMultipleLeads>`,
	} {
		if err := xmllint(t, dir, schema, "bad.xml", []byte(bad)); err == nil {
			t.Errorf("xmllint accepted a document with a %s", name)
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestExtractSchema(t *testing.T) {
	wsdl := []byte(`<?xml version="1.0"?><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:tns="urn:t" xmlns:xs="http://www.w3.org/2001/XMLSchema"><wsdl:types><xs:schema targetNamespace="urn:t"><xs:element name="a" type="tns:A"/><xs:complexType name="A"><xs:sequence><xs:element name="b" type="xs:string"/></xs:sequence></xs:complexType></xs:schema></wsdl:types></wsdl:definitions>`)
	got, err := extractSchema(wsdl)
	if err != nil {
		t.Fatal(err)
	}
	var probe struct {
		XMLName xml.Name
		Target  string `xml:"targetNamespace,attr"`
	}
	if err := xml.Unmarshal(got, &probe); err != nil {
		t.Fatalf("extracted schema is not well-formed: %v\n%s", err, got)
	}
	if probe.XMLName.Space != nsXSD || probe.XMLName.Local != "schema" || probe.Target != "urn:t" {
		t.Errorf("extracted %+v", probe)
	}
	for _, decl := range []string{`xmlns:tns="urn:t"`, `xmlns:xs="http://www.w3.org/2001/XMLSchema"`, `xmlns:wsdl=`} {
		if !bytes.Contains(got, []byte(decl)) {
			t.Errorf("schema lacks %s: %s", decl, got)
		}
	}
	if _, err := extractSchema([]byte(`<a/>`)); err == nil {
		t.Error("document without a schema accepted")
	}
}
