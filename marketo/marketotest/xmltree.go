package marketotest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaces the SOAP side matches elements by. Prefixes never matter.
const (
	nsSOAPEnv = "http://schemas.xmlsoap.org/soap/envelope/"
	nsMktows  = "http://www.marketo.com/mktows/"
	nsXSI     = "http://www.w3.org/2001/XMLSchema-instance"
)

// maxXMLDepth bounds nesting so a hostile document cannot exhaust memory
// through the element stack; Marketo's deepest request is far shallower.
const maxXMLDepth = 64

// xnode is one element of a parsed request. Only the text directly inside
// an element is kept, which is all a document/literal request carries.
type xnode struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*xnode
	text     string
}

// parseXML reads a whole document into a tree, with namespaces resolved.
func parseXML(r io.Reader) (*xnode, error) {
	dec := xml.NewDecoder(r)
	var root *xnode
	var stack []*xnode
	var text [][]byte
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return nil, fmt.Errorf("elements nested deeper than %d", maxXMLDepth)
			}
			n := &xnode{name: t.Name, attrs: t.Attr}
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("more than one root element")
				}
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
			text = append(text, nil)
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.text = string(text[len(text)-1])
			stack = stack[:len(stack)-1]
			text = text[:len(text)-1]
		case xml.CharData:
			if len(stack) > 0 {
				text[len(text)-1] = append(text[len(text)-1], t...)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// child returns the first child with the given namespace and local name.
func (n *xnode) child(space, local string) *xnode {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name.Space == space && c.name.Local == local {
			return c
		}
	}
	return nil
}

// all returns every child with the given namespace and local name.
func (n *xnode) all(space, local string) []*xnode {
	if n == nil {
		return nil
	}
	var out []*xnode
	for _, c := range n.children {
		if c.name.Space == space && c.name.Local == local {
			out = append(out, c)
		}
	}
	return out
}

// isNil reports xsi:nil="true" (or "1").
func (n *xnode) isNil() bool {
	for _, a := range n.attrs {
		if a.Name.Space == nsXSI && a.Name.Local == "nil" {
			v := strings.TrimSpace(a.Value)
			return v == "true" || v == "1"
		}
	}
	return false
}

// value returns an unqualified child's text and whether it was present and
// not nil.
func (n *xnode) value(local string) (string, bool) {
	c := n.child("", local)
	if c == nil || c.isNil() {
		return "", false
	}
	return c.text, true
}
