package marketo

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Namespaces of the SOAP 1.1 envelope and of Marketo's mktows schema.
const (
	nsSOAPEnv = "http://schemas.xmlsoap.org/soap/envelope/"
	nsMktows  = "http://www.marketo.com/mktows/"
	nsXSI     = "http://www.w3.org/2001/XMLSchema-instance"
)

// timestampLayout is W3C date-time with a numeric offset (never "Z") and no
// fractional seconds, as Marketo's samples send it.
const timestampLayout = "2006-01-02T15:04:05-07:00"

// authHeader is the content of the AuthenticationHeader SOAP header.
type authHeader struct {
	userID    string
	signature string
	timestamp string
}

// newAuthHeader signs userID at time t: the signature is the lowercase hex
// HMAC-SHA1 of timestamp+userID under the encryption key. Marketo checks the
// timestamp's age, so each attempt needs a fresh header.
func newAuthHeader(userID string, key []byte, t time.Time) authHeader {
	ts := t.Format(timestampLayout)
	return authHeader{userID: userID, signature: sign(key, ts, userID), timestamp: ts}
}

func sign(key []byte, timestamp, userID string) string {
	m := hmac.New(sha1.New, key)
	m.Write([]byte(timestamp))
	m.Write([]byte(userID))
	return hex.EncodeToString(m.Sum(nil))
}

const envelopeStart = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
	`<SOAP-ENV:Envelope xmlns:SOAP-ENV="` + nsSOAPEnv + `" xmlns:ns1="` + nsMktows + `">` +
	`<SOAP-ENV:Header><ns1:AuthenticationHeader><mktowsUserId>`

const envelopeEnd = `</SOAP-ENV:Body></SOAP-ENV:Envelope>`

// appendEnvelopeHead writes everything up to and including <SOAP-ENV:Body>.
func appendEnvelopeHead(dst []byte, h authHeader) []byte {
	dst = append(dst, envelopeStart...)
	dst = appendEscaped(dst, h.userID)
	dst = append(dst, "</mktowsUserId><requestSignature>"...)
	dst = appendEscaped(dst, h.signature)
	dst = append(dst, "</requestSignature><requestTimestamp>"...)
	dst = appendEscaped(dst, h.timestamp)
	dst = append(dst, "</requestTimestamp></ns1:AuthenticationHeader></SOAP-ENV:Header><SOAP-ENV:Body>"...)
	return dst
}

// appendSyncMultipleLeads writes a complete syncMultipleLeads request. Only
// the global elements carry the ns1 prefix; the schema has no
// elementFormDefault, so every child is unqualified. LeadRecord children
// follow the schema's order: Id, Email, ForeignSysPersonId, ForeignSysType,
// leadAttributeList. Absent values are omitted (all are minOccurs=0), and
// dedupEnabled is always sent so Marketo never falls back on a default.
func appendSyncMultipleLeads(dst []byte, h authHeader, leads []Lead, dedup bool) []byte {
	dst = appendEnvelopeHead(dst, h)
	dst = append(dst, "<ns1:paramsSyncMultipleLeads><leadRecordList>"...)
	for i := range leads {
		l := &leads[i]
		dst = append(dst, "<leadRecord>"...)
		if l.ID != 0 {
			dst = append(dst, "<Id>"...)
			dst = strconv.AppendInt(dst, int64(l.ID), 10)
			dst = append(dst, "</Id>"...)
		}
		if l.Email != "" {
			dst = append(dst, "<Email>"...)
			dst = appendEscaped(dst, l.Email)
			dst = append(dst, "</Email>"...)
		}
		if l.ForeignSysPersonID != "" {
			dst = append(dst, "<ForeignSysPersonId>"...)
			dst = appendEscaped(dst, l.ForeignSysPersonID)
			dst = append(dst, "</ForeignSysPersonId><ForeignSysType>"...)
			dst = append(dst, foreignSysType(l.ForeignSysType)...)
			dst = append(dst, "</ForeignSysType>"...)
		}
		if len(l.Attributes) > 0 {
			dst = append(dst, "<leadAttributeList>"...)
			for _, a := range l.Attributes {
				dst = append(dst, "<attribute><attrName>"...)
				dst = appendEscaped(dst, a.Name)
				dst = append(dst, "</attrName><attrValue>"...)
				dst = appendEscaped(dst, a.Value)
				dst = append(dst, "</attrValue></attribute>"...)
			}
			dst = append(dst, "</leadAttributeList>"...)
		}
		dst = append(dst, "</leadRecord>"...)
	}
	dst = append(dst, "</leadRecordList><dedupEnabled>"...)
	dst = strconv.AppendBool(dst, dedup)
	dst = append(dst, "</dedupEnabled></ns1:paramsSyncMultipleLeads>"...)
	return append(dst, envelopeEnd...)
}

// foreignSysType returns the type sent with a ForeignSysPersonId. The WSDL
// says a type must accompany the id; when the sheet gives none, CUSTOM (an
// id from a system Marketo has no native integration with) is the only
// honest default. Callers validate unknown values before sending.
func foreignSysType(t string) string {
	if t == "" {
		return ForeignSysCustom
	}
	return t
}

func validForeignSysType(t string) bool {
	switch t {
	case "", ForeignSysCustom, ForeignSysSFDC, ForeignSysNetSuite:
		return true
	}
	return false
}

// appendDescribeMObject writes a describeMObject request for objectName.
func appendDescribeMObject(dst []byte, h authHeader, objectName string) []byte {
	dst = appendEnvelopeHead(dst, h)
	dst = append(dst, "<ns1:paramsDescribeMObject><objectName>"...)
	dst = appendEscaped(dst, objectName)
	dst = append(dst, "</objectName></ns1:paramsDescribeMObject>"...)
	return append(dst, envelopeEnd...)
}

// syncRequestSize estimates the encoded size of a request so the buffer is
// allocated once.
func syncRequestSize(leads []Lead) int {
	n := len(envelopeStart) + 400
	for i := range leads {
		l := &leads[i]
		n += 160 + len(l.Email) + len(l.ForeignSysPersonID)
		for _, a := range l.Attributes {
			n += 70 + len(a.Name) + len(a.Value) + len(a.Value)/8
		}
	}
	return n
}

// appendEscaped writes s as XML character data. Besides & < >, it writes \r
// as a reference so the value survives XML's line-end normalisation, and it
// replaces what XML 1.0 cannot carry at all (control characters, U+FFFE,
// U+FFFF, invalid UTF-8) with U+FFFD, as encoding/xml does.
func appendEscaped(dst []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '\r':
				esc = "&#xD;"
			case c < 0x20 && c != '\t' && c != '\n':
				esc = "\uFFFD"
			default:
				i++
				continue
			}
			dst = append(dst, s[last:i]...)
			dst = append(dst, esc...)
			i++
			last = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, s[last:i]...)
			dst = append(dst, "\uFFFD"...)
			i += size
			last = i
			continue
		}
		i += size
	}
	return append(dst, s[last:]...)
}

// SOAPSyncMaxBytes is the largest syncMultipleLeads request Leadsheet
// builds. Marketo documents no size limit for SOAP, only that batches over
// 300 "may result in timeouts"; XML takes about twice the bytes JSON does
// for the same leads, so 2,000,000 bytes cuts batches at about the amount
// of data REST's cap ([RESTSyncMaxBytes]) lets through, keeping long-text
// batches from growing to many megabytes.
const SOAPSyncMaxBytes = 2_000_000

// soapUserIDAllowance is the user ID length soapSyncOverhead assumes; only
// the client knows the real one.
const soapUserIDAllowance = 256

// soapSyncOverhead is at least the bytes of a syncMultipleLeads request
// outside its lead records: envelope, signed header, dedupEnabled.
var soapSyncOverhead = len(appendSyncMultipleLeads(nil, authHeader{
	userID:    strings.Repeat("u", soapUserIDAllowance),
	signature: strings.Repeat("0", 40),
	timestamp: timestampLayout,
}, nil, false))

// SOAPLeadBytes is the bytes lead adds to a syncMultipleLeads request: its
// leadRecord, XML-escaped.
func SOAPLeadBytes(l Lead) int {
	n := len("<leadRecord></leadRecord>")
	if l.ID != 0 {
		n += len("<Id></Id>") + len(strconv.Itoa(l.ID))
	}
	if l.Email != "" {
		n += len("<Email></Email>") + xmlEscapedLen(l.Email)
	}
	if l.ForeignSysPersonID != "" {
		n += len("<ForeignSysPersonId></ForeignSysPersonId><ForeignSysType></ForeignSysType>") +
			xmlEscapedLen(l.ForeignSysPersonID) + len(foreignSysType(l.ForeignSysType))
	}
	if len(l.Attributes) > 0 {
		n += len("<leadAttributeList></leadAttributeList>")
		for _, a := range l.Attributes {
			n += len("<attribute><attrName></attrName><attrValue></attrValue></attribute>") +
				xmlEscapedLen(a.Name) + xmlEscapedLen(a.Value)
		}
	}
	return n
}

// xmlEscapedLen is len(appendEscaped(nil, s)) without building it.
func xmlEscapedLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				n += len("&amp;")
			case c == '<' || c == '>':
				n += len("&lt;")
			case c == '\r':
				n += len("&#xD;")
			case c < 0x20 && c != '\t' && c != '\n':
				n += len("\uFFFD")
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			n += len("\uFFFD")
		} else {
			n += size
		}
		i += size
	}
	return n
}
