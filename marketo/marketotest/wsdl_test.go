package marketotest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"leadsheet/marketo/internal/reftest"
)

func getWSDL(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") {
		t.Fatalf("GET %s: HTTP %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return b
}

func TestWSDLServedAndWellFormed(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	for _, q := range []string{"?WSDL", "?wsdl", "?Wsdl", "?wsdl="} {
		b := getWSDL(t, srv.SOAPEndpoint()+q)
		if _, err := parseXML(bytes.NewReader(b)); err != nil {
			t.Fatalf("%s: not well-formed: %v", q, err)
		}
		if !bytes.Contains(b, []byte(`<soap:address location="`+srv.SOAPEndpoint()+`" />`)) {
			t.Errorf("%s: soap:address is not the endpoint %s", q, srv.SOAPEndpoint())
		}
	}
	resp, err := http.Get(srv.SOAPEndpoint())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET without ?WSDL: HTTP %d, want 405", resp.StatusCode)
	}
}

// schemaDefs returns each named top-level definition of a WSDL's schema,
// message, portType operation and binding operation, re-encoded without
// comments or whitespace, keyed by kind and name.
func schemaDefs(t *testing.T, wsdl []byte) map[string]string {
	t.Helper()
	root, err := parseXML(bytes.NewReader(wsdl))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var canon func(b *strings.Builder, n *xnode)
	canon = func(b *strings.Builder, n *xnode) {
		b.WriteString("<{" + n.name.Space + "}" + n.name.Local)
		for _, a := range n.attrs {
			if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
				continue
			}
			b.WriteString(" " + a.Name.Local + "=" + strings.TrimSpace(a.Value))
		}
		b.WriteString(">")
		for _, c := range n.children {
			if c.name.Local == "documentation" {
				continue
			}
			canon(b, c)
		}
		b.WriteString("</>")
	}
	add := func(kind string, n *xnode) {
		var b strings.Builder
		canon(&b, n)
		for _, a := range n.attrs {
			if a.Name.Local == "name" {
				out[kind+" "+a.Value] = b.String()
			}
		}
	}
	const wsdlNS, xsNS = "http://schemas.xmlsoap.org/wsdl/", "http://www.w3.org/2001/XMLSchema"
	for _, schema := range root.child(wsdlNS, "types").all(xsNS, "schema") {
		for _, c := range schema.children {
			add(c.name.Local, c)
		}
	}
	for _, m := range root.all(wsdlNS, "message") {
		add("message", m)
	}
	for _, op := range root.child(wsdlNS, "portType").all(wsdlNS, "operation") {
		add("portType operation", op)
	}
	for _, op := range root.child(wsdlNS, "binding").all(wsdlNS, "operation") {
		add("binding operation", op)
	}
	return out
}

func TestWSDLMatchesMarketos(t *testing.T) {
	want := schemaDefs(t, reftest.Read(t, "mktows-2_2.wsdl"))
	got := schemaDefs(t, WSDL("http://127.0.0.1/soap/mktows/2_2"))
	if len(got) < 30 {
		t.Fatalf("only %d definitions found in the sandbox WSDL", len(got))
	}
	for name, def := range got {
		if want[name] != def {
			t.Errorf("%s differs from Marketo's WSDL:\n got: %s\nwant: %s", name, def, want[name])
		}
	}
}

// TestAnswersValidateAgainstTheSchema checks requests and the sandbox's
// answers against the XSD in the sandbox's WSDL, with xmllint.
func TestAnswersValidateAgainstTheSchema(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (apt-get install libxml2-utils); schema validation skipped")
	}
	dir := t.TempDir()
	wsdl := WSDL("http://127.0.0.1/soap/mktows/2_2")
	start := bytes.Index(wsdl, []byte("<xs:schema"))
	end := bytes.Index(wsdl, []byte("</xs:schema>")) + len("</xs:schema>")
	schema := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		strings.Replace(string(wsdl[start:end]), "<xs:schema ", `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="http://www.marketo.com/mktows/" `, 1)
	xsd := filepath.Join(dir, "mktows.xsd")
	if err := os.WriteFile(xsd, []byte(schema), 0o600); err != nil {
		t.Fatal(err)
	}

	srv, clock := newTestServer(t, nil)
	_, syncAnswer := postSOAP(t, srv, "", envelope(authHeader(srv.Config(), clock.Now()), syncBody("true", append(seedRecords, `<Id>424242</Id>`)...)))
	_, describeAnswer := postSOAP(t, srv, "", envelope(authHeader(srv.Config(), clock.Now()), `<ns1:paramsDescribeMObject><objectName>LeadRecord</objectName></ns1:paramsDescribeMObject>`))
	docs := map[string]string{
		"request.xml":  bodyElement(t, envelope(authHeader(srv.Config(), clock.Now()), syncBody("true", seedRecords...))),
		"sync.xml":     bodyElement(t, syncAnswer),
		"describe.xml": bodyElement(t, describeAnswer),
	}
	for name, doc := range docs {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(xmllint, "--noout", "--schema", xsd, p).CombinedOutput()
		if err != nil {
			t.Errorf("%s does not validate: %v\n%s\n%s", name, err, out, doc)
		}
	}
}

// bodyElement cuts the first element inside SOAP-ENV:Body out as its own
// document, declaring the prefixes the envelope declared.
func bodyElement(t *testing.T, env string) string {
	t.Helper()
	_, rest, ok := strings.Cut(env, "<SOAP-ENV:Body>")
	inner, _, ok2 := strings.Cut(rest, "</SOAP-ENV:Body>")
	if !ok || !ok2 {
		t.Fatalf("no SOAP body in %s", env)
	}
	inner = strings.TrimSpace(inner)
	tagEnd := strings.IndexAny(inner, " >")
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + inner[:tagEnd] +
		` xmlns:ns1="http://www.marketo.com/mktows/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` + inner[tagEnd:]
}

// phpSample is the PHP sample of the syncMultipleLeads docs, in WSDL mode,
// with the WSDL cache off and the result printed as JSON.
const phpSample = `<?php
$marketoSoapEndPoint = $argv[1];
$marketoUserId = $argv[2];
$marketoSecretKey = $argv[3];
$marketoNameSpace = "http://www.marketo.com/mktows/";

$dtzObj = new DateTimeZone("America/Los_Angeles");
$dtObj  = new DateTime('now', $dtzObj);
$timeStamp = $dtObj->format(DATE_W3C);
$encryptString = $timeStamp . $marketoUserId;
$signature = hash_hmac('sha1', $encryptString, $marketoSecretKey);

$attrs = new stdClass();
$attrs->mktowsUserId = $marketoUserId;
$attrs->requestSignature = $signature;
$attrs->requestTimestamp = $timeStamp;
$authHdr = new SoapHeader($marketoNameSpace, 'AuthenticationHeader', $attrs);
$options = array("connection_timeout" => 15, "location" => $marketoSoapEndPoint, "trace" => 1, "cache_wsdl" => WSDL_CACHE_NONE);

for ($i=1000; $i < 1002; ++$i) {
  $uid = $i;
  $attrs = array();
  $attr1 = new stdClass();
  $attr1->attrName = "Company";
  $attr1->attrValue = "Marketo$uid";
  $attr2 = new stdClass();
  $attr2->attrName = "Phone";
  $attr2->attrValue = "650-555-$uid";
  $attrs[] = $attr1;
  $attrs[] = $attr2;
  $attrList = new stdClass();
  $attrList->attribute = $attrs;
  $leadRec = new stdClass();
  $leadRec->Email = 'em' . $uid . '@etestd.marketo.net';
  $leadRec->leadAttributeList = $attrList;
  $leads[] = $leadRec;
}
$leadRecordList = new stdClass();
$leadRecordList->leadRecord = $leads;
$params = new stdClass();
$params->leadRecordList = $leadRecordList;
$params->dedupEnabled = true;
$soapClient = new SoapClient($marketoSoapEndPoint ."?WSDL", $options);
try {
  $result = $soapClient->__soapCall('syncMultipleLeads', array($params), $options, $authHdr);
  echo json_encode(array("ok" => $result));
} catch (SoapFault $ex) {
  echo json_encode(array("fault" => $ex->faultstring, "request" => $soapClient->__getLastRequest()));
}
`

func TestPHPSoapClientInWSDLMode(t *testing.T) {
	php, err := exec.LookPath("php")
	if err != nil {
		t.Skip("php not installed (apt-get install php-cli php-soap); the third-party SoapClient check is skipped")
	}
	if out, err := exec.Command(php, "-r", "exit(class_exists('SoapClient') ? 0 : 1);").CombinedOutput(); err != nil {
		t.Skipf("php has no SOAP extension (apt-get install php-soap): %v %s", err, out)
	}
	srv := NewServer(DefaultConfig()) // PHP signs with the real clock
	defer srv.Close()
	script := filepath.Join(t.TempDir(), "sync.php")
	if err := os.WriteFile(script, []byte(phpSample), 0o600); err != nil {
		t.Fatal(err)
	}
	type phpResult struct {
		OK *struct {
			Result struct {
				SyncStatusList struct {
					SyncStatus []struct {
						LeadID int    `json:"leadId"`
						Status string `json:"status"`
					} `json:"syncStatus"`
				} `json:"syncStatusList"`
			} `json:"result"`
		} `json:"ok"`
		Fault   string `json:"fault"`
		Request string `json:"request"`
	}
	run := func(key string) phpResult {
		cmd := exec.Command(php, script, srv.SOAPEndpoint(), DefaultUserID, key)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("php: %v\n%s\n%s", err, out, stderr.String())
			}
			t.Fatal(err)
		}
		var r phpResult
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("php printed %s (%v)\n%s", out, err, stderr.String())
		}
		return r
	}
	for _, want := range []string{"CREATED", "UPDATED"} {
		r := run(DefaultEncryptionKey)
		if r.OK == nil {
			t.Fatalf("PHP SoapClient got a fault: %s\nrequest: %s", r.Fault, r.Request)
		}
		st := r.OK.Result.SyncStatusList.SyncStatus
		if len(st) != 2 || st[0].Status != want || st[1].Status != want {
			t.Fatalf("PHP SoapClient statuses = %+v, want two %s", st, want)
		}
	}
	leads := srv.Leads()
	if len(leads) != 2 || leads[1].Email != "em1001@etestd.marketo.net" || leads[1].Fields["Company"] != "Marketo1001" {
		t.Errorf("leads after the PHP calls = %+v", leads)
	}
	if r := run("wrong-key"); r.Fault != "20014 - Authentication failed" {
		t.Errorf("PHP SoapClient with a wrong key: %+v, want fault 20014", r)
	}
}

// Keep the decoder honest about what a response element looks like to a
// namespace-aware reader: the answer's leadId elements are unqualified.
func TestAnswerChildrenAreUnqualified(t *testing.T) {
	srv, clock := newTestServer(t, nil)
	_, body := postSOAP(t, srv, "", envelope(authHeader(srv.Config(), clock.Now()), syncBody("", `<Email>q@example.com</Email>`)))
	dec := xml.NewDecoder(strings.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			top := se.Name.Local == "Envelope" || se.Name.Local == "Body" || se.Name.Local == "successSyncMultipleLeads"
			if top == (se.Name.Space == "") {
				t.Errorf("element %s is in namespace %q", se.Name.Local, se.Name.Space)
			}
		}
	}
}
