package marketotest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMainServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"--addr", "127.0.0.1:0", "--rate-limit", "5", "--client-secret", "s3"}, outW, &stderr)
		outW.Close()
	}()
	printed := map[string]string{}
	sc := bufio.NewScanner(outR)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
			printed[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		if strings.HasPrefix(sc.Text(), "Limits:") {
			break
		}
	}
	go io.Copy(io.Discard, outR) //nolint:errcheck // drain the rest

	for _, k := range []string{"SOAP endpoint", "WSDL", "User ID", "Encryption key", "REST base URL", "Identity URL", "Client ID", "Client secret", "Stored leads", "Statistics"} {
		if printed[k] == "" {
			t.Errorf("Main did not print %q; printed %v", k, printed)
		}
	}
	if printed["User ID"] != DefaultUserID || printed["Client secret"] != "s3" || !strings.Contains(printed["Limits"], "5 calls per 20s") {
		t.Errorf("printed %v", printed)
	}
	endpoint := printed["SOAP endpoint"]
	root := strings.TrimSuffix(endpoint, SOAPPath)
	cfg := DefaultConfig()
	status, body := postRaw(t, endpoint, envelope(authHeader(cfg, time.Now()), syncBody("", `<Email>main@example.com</Email>`)))
	if status != http.StatusOK || !strings.Contains(body, "<status>CREATED</status>") {
		t.Fatalf("sandbox SOAP call: %d %s", status, body)
	}
	resp, err := http.Get(root + "/sandbox/leads")
	if err != nil {
		t.Fatal(err)
	}
	var leads []Lead
	err = json.NewDecoder(resp.Body).Decode(&leads)
	resp.Body.Close()
	if err != nil || len(leads) != 1 || leads[0].Email != "main@example.com" {
		t.Errorf("/sandbox/leads = %+v, %v", leads, err)
	}
	resp, err = http.Get(root + "/sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	var st Stats
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || st.Calls["SOAP syncMultipleLeads"] != 1 || st.LeadsCreated != 1 {
		t.Errorf("/sandbox/stats = %+v, %v", st, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Main returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Main did not stop after cancel")
	}
	if _, err := http.Get(root + "/sandbox/stats"); err == nil {
		t.Error("sandbox still answers after Main returned")
	}
}

func TestMainRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--drop", "1.5"}, {"--nonsense"}, {"extra"}, {"--addr", "256.0.0.1:1"},
		{"--field", "lastEventAt"}, {"--field", "lastEventAt:moment"}, {"--field", ":datetime"}, {"--field", "a,b:string"},
		{"--partition", "Default"}, {"--partition", ""}, {"--partition", ":Asia"}, {"--partition", "EMEA", "--partition", "EMEA"},
		{"--deny-partition", "Nope"}, {"--deny-partition", " "}} {
		var out, errOut strings.Builder
		if err := Main(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("Main(%q) succeeded", args)
		}
	}
}

func TestParseFieldFlag(t *testing.T) {
	f, err := parseFieldFlag(" lastEventAt : DateTime ")
	if err != nil || f != (FieldDef{SOAPName: "LastEventAt", RESTName: "lastEventAt", DisplayName: "lastEventAt", DataType: TypeDateTime, Custom: true}) {
		t.Errorf("parseFieldFlag: %+v, %v", f, err)
	}
}

func postRaw(t testing.TB, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "text/xml; charset=UTF-8", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// BenchmarkSyncMultipleLeads300 measures the sandbox's own cost for one
// full batch: parse, authenticate, apply 300 records, encode the answer.
func BenchmarkSyncMultipleLeads300(b *testing.B) {
	cfg := DefaultConfig()
	cfg.RateLimit, cfg.MaxConcurrent, cfg.DailyQuota = 0, 0, 0
	srv := NewHandler(cfg)
	records := make([]string, 300)
	for i := range records {
		records[i] = fmt.Sprintf("<Email>bench%d@example.com</Email>", i) +
			attrs("FirstName", "Anna", "LastName", fmt.Sprintf("Lee %d", i), "Company", "Example &amp; Co", "Phone", "+49 30 1234567", "NumberOfEmployees", "250")
	}
	body := syncBody("true", records...)
	b.ReportAllocs()
	for b.Loop() {
		env := envelope(authHeader(cfg, time.Now()), body)
		req := httptest.NewRequest(http.MethodPost, SOAPPath, strings.NewReader(env))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("HTTP %d: %s", rec.Code, rec.Body.String())
		}
	}
}
