package marketo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// keyringTestEnv is set (to 1) where a real, unlocked Secret Service runs,
// e.g. under .ci/keyring-session.sh.
const keyringTestEnv = "LEADSHEET_KEYRING_TEST"

// TestKeyringRealSecretService saves, loads, lists and deletes accounts
// through the real OS keyring and checks that no secret reaches the file.
func TestKeyringRealSecretService(t *testing.T) {
	if os.Getenv(keyringTestEnv) != "1" {
		t.Skipf("skipping: set %s=1 and run inside a D-Bus session with an unlocked Secret Service, e.g. .ci/keyring-session.sh go test -run Keyring ./marketo/", keyringTestEnv)
	}
	dir := t.TempDir()
	s := NewCredentialStore(dir)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	soap := Profile{Name: "acme soap " + suffix, API: ProfileSOAP, SOAP: SOAPCredentials{
		Endpoint: "https://123-ABC-456.mktoapi.com/soap/mktows/2_2", UserID: "acme_1", EncryptionKey: "enc-KEY-" + suffix}}
	rest := Profile{Name: "acme rest " + suffix, API: ProfileREST, ForeignSysPersonIDField: "crmPersonId", REST: RESTCredentials{
		BaseURL: "https://123-ABC-456.mktorest.com/rest", IdentityURL: "https://123-ABC-456.mktorest.com/identity",
		ClientID: "client-" + suffix, ClientSecret: "client-SECRET-" + suffix}}
	t.Cleanup(func() {
		_ = keyring.Delete(KeyringService, soap.Name)
		_ = keyring.Delete(KeyringService, rest.Name)
	})
	for _, p := range []Profile{soap, rest} {
		if err := s.Save(p); err != nil {
			t.Fatalf("save %q: %v", p.Name, err)
		}
	}
	file, err := os.ReadFile(filepath.Join(dir, accountsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{soap.SOAP.EncryptionKey, rest.REST.ClientSecret, "enc-KEY", "SECRET"} {
		if bytes.Contains(file, []byte(secret)) {
			t.Errorf("the accounts file holds a secret (%q):\n%s", secret, file)
		}
	}
	for _, public := range []string{soap.SOAP.UserID, rest.REST.ClientID, rest.ForeignSysPersonIDField} {
		if !bytes.Contains(file, []byte(public)) {
			t.Errorf("the accounts file lacks %q", public)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, accountsFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("accounts file mode: %v %v", fi.Mode(), err)
	}
	for _, want := range []Profile{soap, rest} {
		got, err := s.Load(want.Name)
		if err != nil {
			t.Fatalf("load %q: %v", want.Name, err)
		}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) || got.SOAP.EncryptionKey != want.SOAP.EncryptionKey || got.REST.ClientSecret != want.REST.ClientSecret {
			t.Errorf("loaded %+v, want %+v", got, want)
		}
	}
	list, err := s.List()
	if err != nil || len(list) != 2 || list[0].Name != rest.Name || list[1].Name != soap.Name {
		t.Fatalf("list: %v %v", list, err)
	}
	if list[0].REST.ClientSecret != "" || list[1].SOAP.EncryptionKey != "" {
		t.Error("List returned secrets")
	}

	// Saving again replaces the secret.
	soap.SOAP.EncryptionKey = "rotated-" + suffix
	if err := s.Save(soap); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(soap.Name); err != nil || got.SOAP.EncryptionKey != soap.SOAP.EncryptionKey {
		t.Errorf("after rotation: %v %v", got.SOAP.EncryptionKey == soap.SOAP.EncryptionKey, err)
	}

	// A secret removed from the keyring behind Leadsheet's back.
	if err := keyring.Delete(KeyringService, rest.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(rest.Name); !errors.Is(err, ErrSecretMissing) {
		t.Errorf("load without secret: %v", err)
	}

	for _, name := range []string{soap.Name, rest.Name} {
		if err := s.Delete(name); err != nil {
			t.Fatalf("delete %q: %v", name, err)
		}
	}
	if _, err := keyring.Get(KeyringService, soap.Name); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("secret still in the keyring after Delete: %v", err)
	}
	if _, err := s.Load(soap.Name); !errors.Is(err, ErrProfileNotFound) {
		t.Errorf("load after delete: %v", err)
	}
	if err := s.Delete(soap.Name); !errors.Is(err, ErrProfileNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if list, err := s.List(); err != nil || len(list) != 0 {
		t.Errorf("list after delete: %v %v", list, err)
	}
}

// Without a reachable Secret Service the store says so in plain words and
// writes nothing.
func TestKeyringUnavailable(t *testing.T) {
	if os.Getenv(keyringTestEnv) == "1" {
		t.Skip("skipping: a real keyring is available in this run")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-such-bus"))
	dir := t.TempDir()
	s := NewCredentialStore(dir)
	err := s.Save(Profile{Name: "acme", API: ProfileSOAP, SOAP: SOAPCredentials{Endpoint: "https://x.mktoapi.com/soap/mktows/2_2", UserID: "u", EncryptionKey: "hunter2"}})
	if !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("save without a keyring: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "Leadsheet could not reach your system keyring (Secret Service).") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("message: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, accountsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("accounts file written although the secret could not be stored: %v", err)
	}
}

func TestProfileValidation(t *testing.T) {
	s := NewCredentialStore(t.TempDir())
	for _, p := range []Profile{
		{API: ProfileSOAP, SOAP: SOAPCredentials{EncryptionKey: "k"}},
		{Name: "x", API: "graphql"},
		{Name: "x", API: ProfileSOAP},
		{Name: "x", API: ProfileREST, SOAP: SOAPCredentials{EncryptionKey: "k"}},
		{Name: "x", API: ProfileREST, REST: RESTCredentials{ClientSecret: "s"}, Budget: Budget{Concurrency: 11}},
		{Name: "x", API: ProfileREST, REST: RESTCredentials{ClientSecret: "s"}, Budget: Budget{CallsPer20s: 101}},
		{Name: "x", API: ProfileREST, REST: RESTCredentials{ClientSecret: "s"}, Budget: Budget{DailyQuota: -1}},
	} {
		if err := s.Save(p); err == nil || errors.Is(err, ErrKeyringUnavailable) {
			t.Errorf("save %+v: %v, want a validation error before the keyring", p, err)
		}
	}
}

// The file is read without the keyring: List works on it alone, and a
// damaged file is reported, not overwritten.
func TestAccountsFile(t *testing.T) {
	dir := t.TempDir()
	doc := `{"version":1,"accounts":[
	  {"name":"zeta","api":"rest","rest":{"baseUrl":"https://z.mktorest.com/rest","clientId":"zc"},"foreignSysPersonIdField":"crmId","budget":{"concurrency":10,"dailyQuota":200000}},
	  {"name":"alpha","api":"soap","soap":{"endpoint":"https://a.mktoapi.com/soap/mktows/2_2","userId":"au"}}]}`
	if err := os.WriteFile(filepath.Join(dir, accountsFile), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := NewCredentialStore(dir).List()
	if err != nil {
		t.Fatal(err)
	}
	want := []Profile{
		{Name: "alpha", API: ProfileSOAP, SOAP: SOAPCredentials{Endpoint: "https://a.mktoapi.com/soap/mktows/2_2", UserID: "au"}},
		{Name: "zeta", API: ProfileREST, REST: RESTCredentials{BaseURL: "https://z.mktorest.com/rest", ClientID: "zc"}, ForeignSysPersonIDField: "crmId",
			Budget: Budget{Concurrency: 10, DailyQuota: 200_000}},
	}
	if fmt.Sprintf("%#v", list) != fmt.Sprintf("%#v", want) || list[1].REST.ClientID != "zc" {
		t.Errorf("list %+v", list)
	}
	if err := os.WriteFile(filepath.Join(dir, accountsFile), []byte(`{"accounts":[`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = NewCredentialStore(dir).List()
	var syntaxErr *json.SyntaxError
	if err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "add your accounts again") {
		t.Errorf("damaged file: %v", err)
	} else if strings.Contains(err.Error(), "unexpected end of JSON") || !errors.As(err, &syntaxErr) {
		t.Errorf("damaged file: %v should be plain words with the parser's error kept only for errors.As", err)
	}
	if list, err := NewCredentialStore(t.TempDir()).List(); err != nil || len(list) != 0 {
		t.Errorf("no file yet: %v %v", list, err)
	}
}

func TestBudget(t *testing.T) {
	for _, tc := range []struct {
		b     Budget
		want  Budget
		share string
	}{
		{Budget{}, Budget{5, 50, 50_000}, "Using half of your instance's API budget (5 calls at once, 50 per 20 seconds); other integrations keep the rest."},
		{Budget{Concurrency: 10, CallsPer20s: 100}, Budget{10, 100, 50_000}, "Using all of your instance's API budget"},
		{Budget{Concurrency: 3, CallsPer20s: 30, DailyQuota: 10_000}, Budget{3, 30, 10_000}, "Using 3 of the instance's 10 calls at once and 30 of its 100 calls per 20 seconds"},
	} {
		if got := tc.b.Effective(); got != tc.want || !strings.HasPrefix(tc.b.Share(), tc.share) || tc.b.Check() != "" {
			t.Errorf("%+v: effective %+v, share %q, check %q", tc.b, got, tc.b.Share(), tc.b.Check())
		}
	}
}

func TestProfileNewClient(t *testing.T) {
	soap := Profile{Name: "s", API: ProfileSOAP, SOAP: SOAPCredentials{Endpoint: "https://a.mktoapi.com/soap/mktows/2_2", UserID: "u", EncryptionKey: "k"}}
	if c, err := soap.NewClient(nil); err != nil {
		t.Error(err)
	} else if _, ok := c.(*SOAPClient); !ok {
		t.Errorf("SOAP profile made %T", c)
	}
	rest := Profile{Name: "r", API: ProfileREST, ForeignSysPersonIDField: "crmId", REST: RESTCredentials{BaseURL: "https://a.mktorest.com/rest", ClientID: "c", ClientSecret: "s"}}
	if c, err := rest.NewClient(nil); err != nil {
		t.Error(err)
	} else if rc, ok := c.(*RESTClient); !ok || rc.fspiField != "crmId" {
		t.Errorf("REST profile made %T", c)
	}
	if _, err := (Profile{Name: "x", API: "ftp"}).NewClient(nil); err == nil {
		t.Error("unknown API accepted")
	}
}
