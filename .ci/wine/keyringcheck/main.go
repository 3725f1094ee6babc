// Command keyringcheck proves, on Windows (run under Wine by
// .ci/windows-smoke.sh), that Leadsheet's saved-account store keeps a secret
// in the Windows Credential Manager and reads it back: it saves an account
// through marketo.CredentialStore, finds the secret in the credential store
// itself (and not in the accounts file), loads it back, deletes it and checks
// it is gone. It prints one line per step and exits 1 on the first failure.
//
// It lives under .ci/ (outside ./...) because it is a test tool, not part of
// the product; build it with
//
//	GOOS=windows GOARCH=amd64 go build -o keyringcheck.exe ./.ci/wine/keyringcheck/main.go
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zalando/go-keyring"

	"leadsheet/marketo"
)

func main() {
	if err := check(); err != nil {
		fmt.Println("keyring: FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("keyring: OK")
}

func check() error {
	dir, err := os.MkdirTemp("", "keyringcheck")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	// A unique name and secret, so a leftover from an earlier run cannot pass.
	stamp := time.Now().Format("20060102T150405.000000000")
	name := "keyringcheck " + stamp
	secret := "encryption-key-" + stamp
	store := marketo.NewCredentialStore(dir)
	p := marketo.Profile{Name: name, API: marketo.ProfileSOAP, SOAP: marketo.SOAPCredentials{
		Endpoint: "http://127.0.0.1:8750/soap/mktows/2_2", UserID: "leadsheet_sandbox_1", EncryptionKey: secret,
	}}
	if err := store.Save(p); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	fmt.Println("keyring: saved account", name)

	raw, err := keyring.Get(marketo.KeyringService, name)
	if err != nil {
		return fmt.Errorf("the secret is not in the Credential Manager: %w", err)
	}
	if !strings.Contains(raw, secret) {
		return fmt.Errorf("the Credential Manager holds %q, not the saved secret", raw)
	}
	fmt.Println("keyring: the secret is in the Credential Manager")
	file, err := os.ReadFile(filepath.Join(store.Dir(), "accounts.json"))
	if err != nil {
		return fmt.Errorf("read the accounts file: %w", err)
	}
	if strings.Contains(string(file), secret) {
		return errors.New("the secret was written to the accounts file")
	}

	got, err := store.Load(name)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if got.SOAP.EncryptionKey != secret {
		return fmt.Errorf("load returned encryption key %q, want %q", got.SOAP.EncryptionKey, secret)
	}
	fmt.Println("keyring: loaded the secret back")

	if err := store.Delete(name); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if _, err := keyring.Get(marketo.KeyringService, name); !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("after delete the Credential Manager still answers (err %v)", err)
	}
	if _, err := store.Load(name); !errors.Is(err, marketo.ErrProfileNotFound) {
		return fmt.Errorf("after delete, load gave %v, want ErrProfileNotFound", err)
	}
	fmt.Println("keyring: deleted")
	return nil
}
