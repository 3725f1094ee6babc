package marketo

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchLeads is a typical trade-show batch: email key and eight attributes.
func benchLeads(n int) []Lead {
	leads := make([]Lead, n)
	for i := range leads {
		leads[i] = Lead{
			Email: fmt.Sprintf("visitor%04d@example-company.com", i),
			Attributes: []Attribute{
				{Name: "FirstName", Value: "Anna"}, {Name: "LastName", Value: fmt.Sprintf("Müller-%d", i)},
				{Name: "Company", Value: "Smith & Sons GmbH"}, {Name: "Title", Value: "Head of Marketing"},
				{Name: "Phone", Value: "+49 30 1234567"}, {Name: "City", Value: "Berlin"},
				{Name: "Country", Value: "Germany"}, {Name: "LeadSource", Value: "Trade Show <Berlin 2026>"},
			},
		}
	}
	return leads
}

func BenchmarkEncodeSyncMultipleLeads300(b *testing.B) {
	leads := benchLeads(MaxBatch)
	key := []byte("sandbox-encryption-key")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("IST", 5*3600+1800))
	size := len(appendSyncMultipleLeads(nil, newAuthHeader("u", key, now), leads, true))
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		h := newAuthHeader("leadsheet_sandbox_1", key, now)
		_ = appendSyncMultipleLeads(make([]byte, 0, syncRequestSize(leads)), h, leads, true)
	}
}

func syncResponse(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns1="http://www.marketo.com/mktows/"><SOAP-ENV:Body><ns1:successSyncMultipleLeads><result><syncStatusList>`)
	for i := range n {
		if i%10 == 9 {
			fmt.Fprintf(&sb, `<syncStatus><leadId>%d</leadId><status>FAILED</status><error>Invalid Email 'x@': not an email address</error></syncStatus>`, 0)
			continue
		}
		fmt.Fprintf(&sb, `<syncStatus><leadId>%d</leadId><status>UPDATED</status><error xsi:nil="true" /></syncStatus>`, 1090000+i)
	}
	sb.WriteString(`</syncStatusList></result></ns1:successSyncMultipleLeads></SOAP-ENV:Body></SOAP-ENV:Envelope>`)
	return []byte(sb.String())
}

func BenchmarkDecodeSyncMultipleLeads300(b *testing.B) {
	body := syncResponse(MaxBatch)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := decodeSyncResponse(body, make([]SyncStatus, 0, MaxBatch))
		if err != nil || len(out) != MaxBatch {
			b.Fatalf("%d statuses, %v", len(out), err)
		}
	}
}

func BenchmarkEncodeRESTSync300(b *testing.B) {
	c := &RESTClient{}
	leads := benchLeads(MaxBatch)
	p, err := c.plan(leads, true, CreateOrUpdate)
	if err != nil {
		b.Fatal(err)
	}
	body := c.appendSyncBody(nil, p, "", leads)
	if !json.Valid(body) {
		b.Fatal("invalid JSON")
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		_ = c.appendSyncBody(make([]byte, 0, restRequestSize(leads, "")), p, "", leads)
	}
}
