package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2/test"

	"leadsheet/marketo"
	"leadsheet/ui/viewmodel"
)

// memStore is an AccountStore in memory, so these tests swap no global
// (go-keyring's mock backend is process-wide). marketo's own tests cover
// the real keyring-backed store. Like that store, List leaves secrets out;
// broken makes every call fail as an unusable keyring does.
type memStore struct {
	mu       sync.Mutex
	profiles map[string]marketo.Profile
	broken   error
}

func newMemStore() *memStore { return &memStore{profiles: make(map[string]marketo.Profile)} }

func (s *memStore) Save(p marketo.Profile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return fmt.Errorf("save account %q: %w", p.Name, s.broken)
	}
	s.profiles[p.Name] = p
	return nil
}

func (s *memStore) Load(name string) (marketo.Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return marketo.Profile{}, fmt.Errorf("load account %q: %w", name, s.broken)
	}
	p, ok := s.profiles[name]
	if !ok {
		return marketo.Profile{}, fmt.Errorf("load account %q: no such account", name)
	}
	return p, nil
}

func (s *memStore) List() ([]marketo.Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []marketo.Profile
	for _, p := range s.profiles {
		p.SOAP.EncryptionKey, p.REST.ClientSecret = "", ""
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b marketo.Profile) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

func (s *memStore) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return fmt.Errorf("delete account %q: %w", name, s.broken)
	}
	delete(s.profiles, name)
	return nil
}

func TestAccountSavedAndTested(t *testing.T) {
	store := newMemStore()
	ui, loop := newTestApp(t, Options{Accounts: store, Sandbox: true})
	waitReady(t, ui, loop)
	srv := ui.accounts.sandbox

	f := ui.accounts.showDialog()
	f.name.SetText("Acme sandbox")
	f.kind.SetSelected(viewmodel.KindREST)
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
	if p.API != marketo.ProfileREST || p.REST.BaseURL != srv.RESTBaseURL() || p.REST.ClientID != srv.Config().ClientID {
		t.Errorf("stored profile: %+v", p)
	}
}

func TestKeyringUnavailable(t *testing.T) {
	store := newMemStore()
	store.broken = fmt.Errorf("%w: The name org.freedesktop.secrets was not provided by any .service files", marketo.ErrKeyringUnavailable)
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
