package marketo

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
)

func tlsSkipVerify() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		raw      string
		ok       bool
		insecure bool
	}{
		{"https://123-ABC-456.mktoapi.com/soap/mktows/2_2", true, false},
		{"  https://123-abc-456.mktorest.com/rest/  ", true, false},
		{"http://127.0.0.1:8750/soap/mktows/2_2", true, false},
		{"http://127.9.8.7/x", true, false},
		{"http://localhost:8750/rest", true, false},
		{"http://LOCALHOST/rest", true, false},
		{"http://[::1]:8750/rest", true, false},
		{"http://123-ABC-456.mktoapi.com/soap/mktows/2_2", false, true},
		{"http://10.0.0.1/soap", false, true},
		{"http://128.0.0.1/soap", false, true},
		{"http://localhost.example.com/soap", false, true},
		{"http://[::2]/soap", false, true},
		{"ftp://example.com/x", false, false},
		{"123-ABC-456.mktoapi.com/soap", false, false},
		{"", false, false},
		{"https://user:hunter2@example.com/soap", false, false},
	}
	for _, tt := range tests {
		u, err := parseEndpoint("SOAP endpoint", tt.raw)
		if (err == nil) != tt.ok {
			t.Errorf("%q: err %v, want ok=%v", tt.raw, err, tt.ok)
			continue
		}
		if err != nil {
			if errors.Is(err, ErrInsecureEndpoint) != tt.insecure {
				t.Errorf("%q: %v, want insecure=%v", tt.raw, err, tt.insecure)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("%q: error repeats the password: %v", tt.raw, err)
			}
			continue
		}
		if u.Scheme == "" || u.Host == "" {
			t.Errorf("%q parsed as %v", tt.raw, u)
		}
	}
}

func TestJoinURL(t *testing.T) {
	for _, base := range []string{"https://x.mktorest.com/rest", "https://x.mktorest.com/rest/", "https://x.mktorest.com/rest//"} {
		u, err := parseEndpoint("REST endpoint", base)
		if err != nil {
			t.Fatal(err)
		}
		if got := joinURL(u, "/v1/leads.json"); got != "https://x.mktorest.com/rest/v1/leads.json" {
			t.Errorf("joinURL(%q) = %q", base, got)
		}
	}
}

func TestNewHTTPClientDefaults(t *testing.T) {
	hc := NewHTTPClient()
	if hc.Timeout <= 0 {
		t.Error("no overall timeout")
	}
	tr, ok := hc.Transport.(interface{ CloseIdleConnections() })
	if !ok || tr == nil {
		t.Fatal("no transport")
	}
	c, err := checkHTTPClient(hc)
	if err != nil || c != hc {
		t.Errorf("default client refused: %v", err)
	}
}
