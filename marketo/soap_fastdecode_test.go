package marketo

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

// slowDecode reads a syncMultipleLeads answer with encoding/xml only.
func slowDecode(data []byte) ([]SyncStatus, error) {
	var out []SyncStatus
	err := decodeEnvelope(data, "successSyncMultipleLeads", func(d *xml.Decoder, _ xml.StartElement, _ *envelope) error {
		var err error
		out, err = decodeSyncStatuses(d, out)
		return err
	})
	return out, err
}

const fastHead = `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns1="http://www.marketo.com/mktows/">
  <SOAP-ENV:Body>
    <ns1:successSyncMultipleLeads>
      <result>
        <syncStatusList>`

const fastTail = `
        </syncStatusList>
      </result>
    </ns1:successSyncMultipleLeads>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>
`

// fastCases are answers for both readers; fast says whether the scanner
// should read them itself.
var fastCases = []struct {
	name string
	body string
	fast bool
}{
	{"marketo shape", fastHead + `
          <syncStatus>
            <leadId>1090240</leadId>
            <status>UPDATED</status>
            <error xsi:nil="true" />
          </syncStatus>
          <syncStatus><leadId>0</leadId><status>FAILED</status><error>Lead Not Found &amp; &lt;gone&gt; &#x263A; &#65;</error></syncStatus>
          <syncStatus><leadId>7</leadId><status>CREATED</status></syncStatus>
          <syncStatus><leadId>8</leadId><status>CREATED</status><error/></syncStatus>
          <syncStatus><leadId>9</leadId><status>CREATED</status><error xsi:nil="1"></error></syncStatus>` + fastTail, true},
	{"empty list", strings.Replace(fastHead, "<syncStatusList>", "<syncStatusList/>", 1) + "</result></ns1:successSyncMultipleLeads></SOAP-ENV:Body></SOAP-ENV:Envelope>", true},
	{"space before > in end tags", fastHead + `<syncStatus><leadId>1</leadId><status>CREATED</status></syncStatus></syncStatusList></result></ns1:successSyncMultipleLeads ></SOAP-ENV:Body ></SOAP-ENV:Envelope>`, true},
	{"comment", fastHead + `<!-- x --><syncStatus><leadId>1</leadId><status>CREATED</status></syncStatus>` + fastTail, false},
	{"cdata error", fastHead + `<syncStatus><leadId>1</leadId><status>FAILED</status><error><![CDATA[a<b]]></error></syncStatus>` + fastTail, false},
	{"carriage return in error", fastHead + "<syncStatus><leadId>1</leadId><status>FAILED</status><error>a\r\nb</error></syncStatus>" + fastTail, false},
	{"unbound nil prefix", fastHead + `<syncStatus><leadId>1</leadId><status>CREATED</status><error i:nil="true"/></syncStatus>` + fastTail, false},
	{"nil false", fastHead + `<syncStatus><leadId>1</leadId><status>FAILED</status><error xsi:nil="false">why</error></syncStatus>` + fastTail, false},
	{"children reordered", fastHead + `<syncStatus><status>CREATED</status><leadId>1</leadId></syncStatus>` + fastTail, false},
	{"extra child", fastHead + `<syncStatus><leadId>1</leadId><status>CREATED</status><error/><x/></syncStatus>` + fastTail, false},
	{"padded id", fastHead + `<syncStatus><leadId> 12 </leadId><status>CREATED</status></syncStatus>` + fastTail, false},
	{"entity in status", fastHead + `<syncStatus><leadId>12</leadId><status>&#67;REATED</status></syncStatus>` + fastTail, false},
	{"prefixed children", fastHead + `<ns1:syncStatus><leadId>12</leadId><status>CREATED</status></ns1:syncStatus>` + fastTail, false},
	{"xsi declared on the success element", `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><m:successSyncMultipleLeads xmlns:m="http://www.marketo.com/mktows/" xmlns:q="http://www.w3.org/2001/XMLSchema-instance"><result><syncStatusList><syncStatus><leadId>3</leadId><status>UPDATED</status><error q:nil="true"/></syncStatus></syncStatusList></result></m:successSyncMultipleLeads></e:Body></e:Envelope>`, true},
	{"trailing element in body", fastHead + `<syncStatus><leadId>1</leadId><status>CREATED</status></syncStatus></syncStatusList></result></ns1:successSyncMultipleLeads><x/></SOAP-ENV:Body></SOAP-ENV:Envelope>`, false},
}

// Both readers agree on every answer, and the scanner takes the answers it
// is meant for.
func TestFastDecodeMatchesEncodingXML(t *testing.T) {
	for _, tt := range fastCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeSyncResponse([]byte(tt.body), nil)
			want, werr := slowDecode([]byte(tt.body))
			if (err == nil) != (werr == nil) || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("fast path %+v %v; encoding/xml %+v %v", got, err, want, werr)
			}
			if err != nil {
				t.Fatalf("not decoded: %v", err)
			}
			if took := tookFastPath(t, tt.body); took != tt.fast {
				t.Errorf("scanner read it itself: %v, want %v", took, tt.fast)
			}
		})
	}
}

func tookFastPath(t *testing.T, body string) bool {
	t.Helper()
	took := false
	err := decodeEnvelope([]byte(body), "successSyncMultipleLeads", func(d *xml.Decoder, _ xml.StartElement, env *envelope) error {
		if _, ok := fastSyncStatuses(env, int(d.InputOffset()), nil); ok {
			took = true
			return errConsumed
		}
		_, err := decodeSyncStatuses(d, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return took
}

// A truncated answer is refused whichever reader sees it.
func TestFastDecodeTruncated(t *testing.T) {
	body := syncResponse(20)
	for _, cut := range []int{len(body) - 1, len(body) - 12, len(body) - 40, len(body) / 2, 300} {
		if _, err := decodeSyncResponse(body[:cut], nil); err == nil {
			t.Errorf("answer cut at %d of %d accepted", cut, len(body))
		}
	}
}

func TestFastDecodeAllocations(t *testing.T) {
	body := syncResponse(MaxBatch)
	out := make([]SyncStatus, 0, MaxBatch)
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := decodeSyncResponse(body, out[:0]); err != nil {
			t.Fatal(err)
		}
	})
	// The envelope walk costs a fixed few dozen; each FAILED status one
	// string for its reason. encoding/xml alone needs about 35 per status.
	if allocs > 150 {
		t.Errorf("%v allocations to read 300 statuses; the scanner is not being used", allocs)
	}
}

func FuzzDecodeSyncResponse(f *testing.F) {
	for _, tt := range fastCases {
		f.Add([]byte(tt.body))
	}
	f.Add(syncResponse(3))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeSyncResponse(body, nil)
		want, werr := slowDecode(body)
		if (err == nil) != (werr == nil) || (err == nil && fmt.Sprint(got) != fmt.Sprint(want)) {
			t.Fatalf("readers disagree on %q:\nfast %+v %v\nxml  %+v %v", body, got, err, want, werr)
		}
	})
}
