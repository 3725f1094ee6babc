package ui

import (
	"errors"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/zalando/go-keyring"

	"leadsheet/marketo"
)

// These tests use go-keyring's in-memory backend (a process-wide switch,
// so they are not parallel); the marketo package tests the real keyring.

func TestAccountSavedInKeyringAndTested(t *testing.T) {
	keyring.MockInit()
	store := marketo.NewCredentialStore(t.TempDir())
	ui, loop := newTestApp(t, Options{Accounts: store, Sandbox: true})
	waitReady(t, ui, loop)
	srv := ui.accounts.sandbox

	f := ui.accounts.showDialog()
	f.name.SetText("Acme sandbox")
	f.kind.SetSelected(KindREST)
	f.base.SetText(srv.RESTBaseURL())
	f.ident.SetText(srv.IdentityURL())
	f.clientID.SetText(srv.Config().ClientID)
	test.Type(f.secret, srv.Config().ClientSecret)
	test.Tap(f.test)
	loop.pump(t, "the connection test", func() bool { return strings.HasPrefix(f.status.Text, "Connected") })

	test.Tap(f.save)
	loop.pump(t, "the saved account to connect", func() bool {
		c := ui.accounts.conn
		return c != nil && c.name == "Acme sandbox" && c.fields != nil
	})
	p, err := store.Load("Acme sandbox")
	if err != nil || p.REST.ClientSecret != srv.Config().ClientSecret {
		t.Fatalf("stored profile: %+v, %v", p, err)
	}
	if strings.Contains(string(mustRead(t, store.Dir()+"/accounts.json")), srv.Config().ClientSecret) {
		t.Error("the client secret is in the accounts file")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeyringUnavailable(t *testing.T) {
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	store := marketo.NewCredentialStore(t.TempDir())
	ui, loop := newTestApp(t, Options{Accounts: store})

	f := ui.accounts.showDialog()
	f.name.SetText("acme")
	f.base.SetText("https://123-abc-456.mktorest.com/rest")
	f.ident.SetText("https://123-abc-456.mktorest.com/identity")
	f.clientID.SetText("id")
	test.Type(f.secret, "secret")
	test.Tap(f.save)
	if !strings.HasPrefix(f.status.Text, "This computer's keyring") || !strings.Contains(f.status.Text, "The local sandbox works without it") {
		t.Errorf("status = %q", f.status.Text)
	}
	// The sandbox still works without a keyring.
	test.Tap(f.sandbox)
	loop.pump(t, "the sandbox to connect", func() bool { c := ui.accounts.conn; return c != nil && c.fields != nil })
}
