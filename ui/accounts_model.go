package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"leadsheet/marketo"
)

// API kinds of an account.
const (
	KindREST = "REST"
	KindSOAP = "SOAP"
)

// Account is a saved Marketo connection without its secret: everything here
// may be stored in preferences. The secret (REST client secret or SOAP
// encryption key) lives only in the OS keyring.
type Account struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Endpoint    string `json:"endpoint,omitempty"`    // SOAP endpoint URL
	UserID      string `json:"userId,omitempty"`      // SOAP user ID
	BaseURL     string `json:"baseUrl,omitempty"`     // REST base URL (…/rest)
	IdentityURL string `json:"identityUrl,omitempty"` // REST identity URL (…/identity)
	ClientID    string `json:"clientId,omitempty"`    // REST client ID
	LookupField string `json:"lookupField,omitempty"` // REST field standing in for ForeignSysPersonId
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
	switch a.Kind {
	case KindSOAP:
		c, err := marketo.NewSOAPClient(marketo.SOAPCredentials{Endpoint: a.Endpoint, UserID: a.UserID, EncryptionKey: secret}, hc)
		if err != nil {
			return nil, fmt.Errorf("account %q: %w", a.Name, err)
		}
		return c, nil
	default:
		c, err := marketo.NewRESTClient(marketo.RESTCredentials{BaseURL: a.BaseURL, IdentityURL: a.IdentityURL, ClientID: a.ClientID, ClientSecret: secret},
			marketo.RESTOptions{HTTPClient: hc, ForeignSysPersonIDField: a.LookupField})
		if err != nil {
			return nil, fmt.Errorf("account %q: %w", a.Name, err)
		}
		return c, nil
	}
}

// TestConnection asks Marketo for its lead fields, the cheapest call that
// proves the account works, and says what it found.
func TestConnection(ctx context.Context, c marketo.FieldLister) (string, []marketo.Field, error) {
	fields, err := c.LeadFields(ctx)
	if err != nil {
		return "", nil, connectionTrouble(err)
	}
	return fmt.Sprintf("Connected: Marketo knows %s lead fields.", count(len(fields))), fields, nil
}

// connectionTrouble turns a failed connection into advice.
func connectionTrouble(err error) error {
	switch {
	case marketo.IsAuth(err):
		return fmt.Errorf("Marketo did not accept these credentials. Check the user ID or client ID and the secret in Marketo's Admin > Web Services (or LaunchPoint). Details: %w", err)
	case marketo.IsQuota(err):
		return fmt.Errorf("this Marketo instance has used up today's API quota; try again tomorrow. Details: %w", err)
	case marketo.IsRateLimit(err):
		return fmt.Errorf("Marketo is busy with other API calls; wait a minute and try again. Details: %w", err)
	default:
		return fmt.Errorf("could not reach Marketo. Check the URL and your network. Details: %w", err)
	}
}

// prefs is the part of fyne.Preferences the account list uses.
type prefs interface {
	String(key string) string
	SetString(key, value string)
}

const accountsKey = "accounts"

// Accounts is the saved list of accounts (without secrets).
type Accounts struct {
	prefs prefs
	list  []Account
}

// LoadAccounts reads the account list from preferences.
func LoadAccounts(p prefs) *Accounts {
	a := &Accounts{prefs: p}
	if s := p.String(accountsKey); s != "" {
		// A damaged list is dropped rather than blocking the app; the
		// secrets stay in the keyring and come back when re-entered.
		_ = json.Unmarshal([]byte(s), &a.list)
	}
	return a
}

// List returns the accounts sorted by name.
func (a *Accounts) List() []Account { return slices.Clone(a.list) }

// Names returns the account names in order.
func (a *Accounts) Names() []string {
	names := make([]string, len(a.list))
	for i, acc := range a.list {
		names[i] = acc.Name
	}
	return names
}

// Get finds an account by name.
func (a *Accounts) Get(name string) (Account, bool) {
	i := slices.IndexFunc(a.list, func(x Account) bool { return x.Name == name })
	if i < 0 {
		return Account{}, false
	}
	return a.list[i], true
}

// Put adds or replaces an account (by name) and saves the list.
func (a *Accounts) Put(acc Account) error {
	if strings.TrimSpace(acc.Name) == "" {
		return errors.New("please give the account a name")
	}
	if i := slices.IndexFunc(a.list, func(x Account) bool { return x.Name == acc.Name }); i >= 0 {
		a.list[i] = acc
	} else {
		a.list = append(a.list, acc)
	}
	slices.SortFunc(a.list, func(x, y Account) int { return strings.Compare(x.Name, y.Name) })
	return a.save()
}

// Delete removes an account and saves the list.
func (a *Accounts) Delete(name string) error {
	a.list = slices.DeleteFunc(a.list, func(x Account) bool { return x.Name == name })
	return a.save()
}

func (a *Accounts) save() error {
	b, err := json.Marshal(a.list)
	if err != nil {
		return fmt.Errorf("save accounts: %w", err)
	}
	a.prefs.SetString(accountsKey, string(b))
	return nil
}
