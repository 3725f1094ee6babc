package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"leadsheet/importer/job"
	"leadsheet/marketo"
)

// API kinds of an account.
const (
	KindREST = "REST"
	KindSOAP = "SOAP"
)

// Account is the account form's content without its secret (REST client
// secret or SOAP encryption key), which lives only in the OS keyring.
type Account struct {
	Name        string
	Kind        string // KindREST or KindSOAP
	Endpoint    string // SOAP endpoint URL
	UserID      string // SOAP user ID
	BaseURL     string // REST base URL (…/rest)
	IdentityURL string // REST identity URL (…/identity)
	ClientID    string // REST client ID
	LookupField string // REST field standing in for ForeignSysPersonId
	// Budget is the account's share of its instance's API limits; zero
	// fields mean the fair share and Marketo's default daily quota.
	Budget marketo.Budget
}

// Check says what is missing from an account, in plain words; nil when it
// can be used.
func (a Account) Check(secret string) error {
	var missing []string
	need := func(v, name string) {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	need(a.Name, "a name")
	switch a.Kind {
	case KindREST:
		need(a.BaseURL, "the REST base URL")
		need(a.IdentityURL, "the identity URL")
		need(a.ClientID, "the client ID")
		need(secret, "the client secret")
	case KindSOAP:
		need(a.Endpoint, "the SOAP endpoint")
		need(a.UserID, "the user ID")
		need(secret, "the encryption key")
	default:
		return fmt.Errorf("choose REST or SOAP for this account")
	}
	if len(missing) > 0 {
		return fmt.Errorf("please fill in %s", strings.Join(missing, ", "))
	}
	if msg := a.Budget.Check(); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// Client is what the app needs from a Marketo connection.
type Client interface {
	marketo.Syncer
	marketo.FieldLister
}

// Connect builds the client for an account and its secret.
func (a Account) Connect(secret string, hc *http.Client) (Client, error) {
	if err := a.Check(secret); err != nil {
		return nil, err
	}
	c, err := a.Profile(secret).NewClient(hc)
	if err != nil {
		return nil, fmt.Errorf("account %q: %w", a.Name, err)
	}
	return c, nil
}

// TestConnection asks Marketo for its lead fields, the cheapest call that
// proves the account works, and says what it found.
func TestConnection(ctx context.Context, c marketo.FieldLister) (string, []marketo.Field, error) {
	fields, err := c.LeadFields(ctx)
	if err != nil {
		return "", nil, ConnectionTrouble(err)
	}
	return fmt.Sprintf("Connected: Marketo knows %s lead fields.", Count(len(fields))), fields, nil
}

// ConnectionTrouble turns a failed connection into advice, worded as
// leadsheet sync words it.
func ConnectionTrouble(err error) error { return &job.ConnectError{Err: err, Tries: 1} }

// Prefs is the part of fyne.Preferences the window keeps its own settings in.
type Prefs interface {
	String(key string) string
	SetString(key, value string)
}

// AccountStore saves Marketo accounts, secrets in the OS keyring only;
// *marketo.CredentialStore is the real one. Its errors match
// marketo.ErrKeyringUnavailable when the keyring cannot be used and
// marketo.ErrSecretMissing when an account's secret is gone.
type AccountStore interface {
	Save(marketo.Profile) error
	Load(name string) (marketo.Profile, error)
	List() ([]marketo.Profile, error)
	Delete(name string) error
}

// Profile turns the account and its secret into what the store saves.
func (a Account) Profile(secret string) marketo.Profile {
	p := marketo.Profile{Name: strings.TrimSpace(a.Name), ForeignSysPersonIDField: a.LookupField, Budget: a.Budget}
	switch a.Kind {
	case KindSOAP:
		p.API = marketo.ProfileSOAP
		p.SOAP = marketo.SOAPCredentials{Endpoint: a.Endpoint, UserID: a.UserID, EncryptionKey: secret}
	default:
		p.API = marketo.ProfileREST
		p.REST = marketo.RESTCredentials{BaseURL: a.BaseURL, IdentityURL: a.IdentityURL, ClientID: a.ClientID, ClientSecret: secret}
	}
	return p
}

// AccountOf splits a saved profile into the form's fields and its secret.
func AccountOf(p marketo.Profile) (Account, string) {
	a := Account{Name: p.Name, LookupField: p.ForeignSysPersonIDField, Budget: p.Budget}
	if p.API == marketo.ProfileSOAP {
		a.Kind, a.Endpoint, a.UserID = KindSOAP, p.SOAP.Endpoint, p.SOAP.UserID
		return a, p.SOAP.EncryptionKey
	}
	a.Kind, a.BaseURL, a.IdentityURL, a.ClientID = KindREST, p.REST.BaseURL, p.REST.IdentityURL, p.REST.ClientID
	return a, p.REST.ClientSecret
}
