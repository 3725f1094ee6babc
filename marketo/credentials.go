package marketo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/zalando/go-keyring"
)

// Profile kinds: which Marketo API a saved account uses.
const (
	ProfileSOAP = "soap"
	ProfileREST = "rest"
)

// Profile is one saved Marketo account. Only the part for API is used; the
// other may be empty.
type Profile struct {
	Name string
	API  string // ProfileSOAP or ProfileREST
	SOAP SOAPCredentials
	REST RESTCredentials
	// ForeignSysPersonIDField is the REST custom field standing in for
	// ForeignSysPersonId (see RESTOptions).
	ForeignSysPersonIDField string
	Budget                  Budget
}

// Budget is an account's share of its Marketo instance's API limits. An
// instance allows 10 calls at once, 100 calls per 20 seconds and a daily
// quota for every integration together (the CRM sync among them); Adobe
// asks one integration to take at most half of the first two. Zero fields
// mean that fair share, and the default quota.
type Budget struct {
	Concurrency int `json:"concurrency,omitempty"` // calls at once, 1 to 10; 0 means 5
	CallsPer20s int `json:"callsPer20s,omitempty"` // calls per 20 seconds, 1 to 100; 0 means 50
	DailyQuota  int `json:"dailyQuota,omitempty"`  // the instance's calls per day (Admin > Web Services); 0 means 50,000
}

// Marketo's limits for a whole instance, and Adobe's fair share of them
// for one integration.
const (
	MaxConcurrency      = 10
	MaxCallsPer20s      = 100
	FairConcurrency     = 5
	FairCallsPer20s     = 50
	DefaultDailyQuota   = 50_000
	maxDailyQuotaSanity = 10_000_000
)

// Effective fills in the defaults.
func (b Budget) Effective() Budget {
	if b.Concurrency <= 0 {
		b.Concurrency = FairConcurrency
	}
	if b.CallsPer20s <= 0 {
		b.CallsPer20s = FairCallsPer20s
	}
	if b.DailyQuota <= 0 {
		b.DailyQuota = DefaultDailyQuota
	}
	return b
}

// Check says in plain words what is wrong with a budget, or "".
func (b Budget) Check() string {
	switch {
	case b.Concurrency < 0 || b.Concurrency > MaxConcurrency:
		return fmt.Sprintf("Calls at once must be from 1 to %d (Marketo allows %d for the whole instance); %d is not.", MaxConcurrency, MaxConcurrency, b.Concurrency)
	case b.CallsPer20s < 0 || b.CallsPer20s > MaxCallsPer20s:
		return fmt.Sprintf("Calls per 20 seconds must be from 1 to %d (Marketo allows %d for the whole instance); %d is not.", MaxCallsPer20s, MaxCallsPer20s, b.CallsPer20s)
	case b.DailyQuota < 0 || b.DailyQuota > maxDailyQuotaSanity:
		return fmt.Sprintf("The daily quota must be the number of calls Marketo allows a day (Admin > Web Services; 50,000 unless bought up); %d is not.", b.DailyQuota)
	}
	return ""
}

// Share says how much of the instance's limits the budget takes, for the
// operator: "half of your instance's API budget".
func (b Budget) Share() string {
	e := b.Effective()
	switch {
	case e.Concurrency >= MaxConcurrency && e.CallsPer20s >= MaxCallsPer20s:
		return fmt.Sprintf("Using all of your instance's API budget (%d calls at once, %d per 20 seconds): other integrations, such as the CRM sync, may be slowed while this runs.", e.Concurrency, e.CallsPer20s)
	case e.Concurrency*2 == MaxConcurrency && e.CallsPer20s*2 == MaxCallsPer20s:
		return fmt.Sprintf("Using half of your instance's API budget (%d calls at once, %d per 20 seconds); other integrations keep the rest.", e.Concurrency, e.CallsPer20s)
	}
	return fmt.Sprintf("Using %d of the instance's %d calls at once and %d of its %d calls per 20 seconds; other integrations keep the rest.", e.Concurrency, MaxConcurrency, e.CallsPer20s, MaxCallsPer20s)
}

// Client is what a saved account connects to: a Marketo that syncs leads and
// lists lead fields.
type Client interface {
	Syncer
	FieldLister
}

// NewClient builds the client for p's API. hc may be nil.
func (p Profile) NewClient(hc *http.Client) (Client, error) {
	switch p.API {
	case ProfileSOAP:
		return NewSOAPClient(p.SOAP, hc)
	case ProfileREST:
		return NewRESTClient(p.REST, RESTOptions{HTTPClient: hc, ForeignSysPersonIDField: p.ForeignSysPersonIDField})
	}
	return nil, fmt.Errorf("account %q uses API %q; Leadsheet knows %q and %q", p.Name, p.API, ProfileSOAP, ProfileREST)
}

// KeyringService is the service name Leadsheet's secrets are stored under
// in the OS keyring.
const KeyringService = "leadsheet"

// Errors of the credential store.
var (
	// ErrKeyringUnavailable: the OS keyring could not be used. Secrets are
	// never written anywhere else, so the account cannot be saved or loaded.
	ErrKeyringUnavailable = errors.New("Leadsheet could not reach your system keyring (Secret Service). On Linux, install and unlock gnome-keyring or KeePassXC's Secret Service, then try again.")
	// ErrProfileNotFound: no saved account has that name.
	ErrProfileNotFound = errors.New("no saved Marketo account has that name")
	// ErrSecretMissing: the account's settings are saved but its secret is
	// not in the keyring (deleted there, or saved on another computer).
	ErrSecretMissing = errors.New("the account's secret is not in the system keyring; enter it again in the account settings")
)

// keyringError carries the keyring's own words for the log, while reading
// as ErrKeyringUnavailable's plain message.
type keyringError struct {
	op  string
	err error
}

func (e *keyringError) Error() string {
	return fmt.Sprintf("%s (%s: %v)", ErrKeyringUnavailable.Error(), e.op, e.err)
}

func (e *keyringError) Is(target error) bool { return target == ErrKeyringUnavailable }
func (e *keyringError) Unwrap() error        { return e.err }

// CredentialStore saves Marketo accounts: names, addresses and IDs in a JSON
// file in its directory, secrets (encryption key, client secret) only in the
// OS keyring, under [KeyringService] with the account name as user. It is
// safe for concurrent use within one process.
//
// The keyring API cannot be cancelled, so its methods take no context; on a
// desktop a locked keyring may show an unlock prompt and wait for it.
type CredentialStore struct {
	dir string
	mu  sync.Mutex
}

// accountsFile is the name of the non-secret file in the store's directory.
const accountsFile = "accounts.json"

// NewCredentialStore returns a store keeping its file in dir (created on
// first save).
func NewCredentialStore(dir string) *CredentialStore { return &CredentialStore{dir: dir} }

// DefaultCredentialStore returns the store in the user's configuration
// directory (os.UserConfigDir()/leadsheet).
func DefaultCredentialStore() (*CredentialStore, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return nil, fmt.Errorf("find the folder for Leadsheet's settings: %w", err)
	}
	return NewCredentialStore(filepath.Join(base, "leadsheet")), nil
}

// Dir is the directory holding the store's file.
func (s *CredentialStore) Dir() string { return s.dir }

// storedProfile is a Profile without its secrets, as written to the file.
type storedProfile struct {
	Name string `json:"name"`
	API  string `json:"api"`
	SOAP *struct {
		Endpoint string `json:"endpoint"`
		UserID   string `json:"userId"`
	} `json:"soap,omitempty"`
	REST *struct {
		BaseURL     string `json:"baseUrl"`
		IdentityURL string `json:"identityUrl,omitempty"`
		ClientID    string `json:"clientId"`
	} `json:"rest,omitempty"`
	ForeignSysPersonIDField string  `json:"foreignSysPersonIdField,omitempty"`
	Budget                  *Budget `json:"budget,omitempty"`
}

type accountsDoc struct {
	Version  int             `json:"version"`
	Accounts []storedProfile `json:"accounts"`
}

// secrets is the keyring entry of one account.
type secrets struct {
	EncryptionKey string `json:"encryptionKey,omitempty"`
	ClientSecret  string `json:"clientSecret,omitempty"`
}

// maxSecretBytes keeps an entry well under Windows Credential Manager's
// 2560-byte limit.
const maxSecretBytes = 2000

func (p Profile) check() error {
	if strings.TrimSpace(p.Name) == "" {
		return errors.New("the account needs a name")
	}
	switch p.API {
	case ProfileSOAP:
		if p.SOAP.EncryptionKey == "" {
			return fmt.Errorf("account %q: the SOAP encryption key is empty", p.Name)
		}
	case ProfileREST:
		if p.REST.ClientSecret == "" {
			return fmt.Errorf("account %q: the REST client secret is empty", p.Name)
		}
	default:
		return fmt.Errorf("account %q: API must be %q or %q, not %q", p.Name, ProfileSOAP, ProfileREST, p.API)
	}
	if msg := p.Budget.Check(); msg != "" {
		return fmt.Errorf("account %q: %s", p.Name, msg)
	}
	return nil
}

func (p Profile) stored() storedProfile {
	sp := storedProfile{Name: p.Name, API: p.API, ForeignSysPersonIDField: p.ForeignSysPersonIDField}
	if p.Budget != (Budget{}) {
		b := p.Budget
		sp.Budget = &b
	}
	if p.SOAP.Endpoint != "" || p.SOAP.UserID != "" {
		sp.SOAP = &struct {
			Endpoint string `json:"endpoint"`
			UserID   string `json:"userId"`
		}{p.SOAP.Endpoint, p.SOAP.UserID}
	}
	if p.REST.BaseURL != "" || p.REST.IdentityURL != "" || p.REST.ClientID != "" {
		sp.REST = &struct {
			BaseURL     string `json:"baseUrl"`
			IdentityURL string `json:"identityUrl,omitempty"`
			ClientID    string `json:"clientId"`
		}{p.REST.BaseURL, p.REST.IdentityURL, p.REST.ClientID}
	}
	return sp
}

func (sp storedProfile) profile() Profile {
	p := Profile{Name: sp.Name, API: sp.API, ForeignSysPersonIDField: sp.ForeignSysPersonIDField}
	if sp.Budget != nil {
		p.Budget = *sp.Budget
	}
	if sp.SOAP != nil {
		p.SOAP.Endpoint, p.SOAP.UserID = sp.SOAP.Endpoint, sp.SOAP.UserID
	}
	if sp.REST != nil {
		p.REST.BaseURL, p.REST.IdentityURL, p.REST.ClientID = sp.REST.BaseURL, sp.REST.IdentityURL, sp.REST.ClientID
	}
	return p
}

// Save stores p, replacing a saved account of the same name. The secret goes
// to the keyring first, so a failing keyring leaves the file unchanged.
func (s *CredentialStore) Save(p Profile) error {
	p.Name = strings.TrimSpace(p.Name)
	if err := p.check(); err != nil {
		return err
	}
	sec, err := json.Marshal(secrets{EncryptionKey: p.SOAP.EncryptionKey, ClientSecret: p.REST.ClientSecret})
	if err != nil {
		return fmt.Errorf("save account %q: %w", p.Name, err)
	}
	if len(sec) > maxSecretBytes {
		return fmt.Errorf("save account %q: the secrets are longer than the keyring can hold", p.Name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := keyring.Set(KeyringService, p.Name, string(sec)); err != nil {
		return &keyringError{op: "store the secret of account " + p.Name, err: err}
	}
	doc, err := s.read()
	if err != nil {
		return err
	}
	sp := p.stored()
	i := slices.IndexFunc(doc.Accounts, func(a storedProfile) bool { return a.Name == p.Name })
	if i >= 0 {
		doc.Accounts[i] = sp
	} else {
		doc.Accounts = append(doc.Accounts, sp)
	}
	return s.write(doc)
}

// Load returns the saved account name with its secrets from the keyring.
func (s *CredentialStore) Load(name string) (Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc, err := s.read()
	if err != nil {
		return Profile{}, err
	}
	i := slices.IndexFunc(doc.Accounts, func(a storedProfile) bool { return a.Name == name })
	if i < 0 {
		return Profile{}, fmt.Errorf("load account %q: %w", name, ErrProfileNotFound)
	}
	p := doc.Accounts[i].profile()
	raw, err := keyring.Get(KeyringService, name)
	if errors.Is(err, keyring.ErrNotFound) {
		return p, fmt.Errorf("load account %q: %w", name, ErrSecretMissing)
	}
	if err != nil {
		return p, &keyringError{op: "read the secret of account " + name, err: err}
	}
	var sec secrets
	if err := json.Unmarshal([]byte(raw), &sec); err != nil {
		return p, fmt.Errorf("load account %q: the keyring entry is damaged; enter the secret again: %w", name, ErrSecretMissing)
	}
	p.SOAP.EncryptionKey, p.REST.ClientSecret = sec.EncryptionKey, sec.ClientSecret
	return p, nil
}

// List returns the saved accounts by name, without their secrets (it does
// not touch the keyring).
func (s *CredentialStore) List() ([]Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc, err := s.read()
	if err != nil {
		return nil, err
	}
	out := make([]Profile, len(doc.Accounts))
	for i, a := range doc.Accounts {
		out[i] = a.profile()
	}
	slices.SortFunc(out, func(a, b Profile) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Delete removes a saved account and its keyring entry.
func (s *CredentialStore) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc, err := s.read()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(doc.Accounts, func(a storedProfile) bool { return a.Name == name })
	kerr := keyring.Delete(KeyringService, name)
	switch {
	case errors.Is(kerr, keyring.ErrNotFound):
		if i < 0 {
			return fmt.Errorf("delete account %q: %w", name, ErrProfileNotFound)
		}
	case kerr != nil:
		return &keyringError{op: "delete the secret of account " + name, err: kerr}
	}
	if i < 0 {
		return nil
	}
	doc.Accounts = slices.Delete(doc.Accounts, i, i+1)
	return s.write(doc)
}

func (s *CredentialStore) path() string { return filepath.Join(s.dir, accountsFile) }

func (s *CredentialStore) read() (accountsDoc, error) {
	b, err := os.ReadFile(s.path())
	if errors.Is(err, os.ErrNotExist) {
		return accountsDoc{Version: 1}, nil
	}
	if err != nil {
		return accountsDoc{}, fmt.Errorf("read saved accounts: %w", err)
	}
	var doc accountsDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return accountsDoc{}, &damagedFileError{path: s.path(), cause: err}
	}
	return doc, nil
}

// write replaces the file atomically (temporary file, then rename), so a
// crash never leaves half a file.
func (s *CredentialStore) write(doc accountsDoc) error {
	doc.Version = 1
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("save accounts: %w", err)
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("save accounts: %w", err)
	}
	f, err := os.CreateTemp(s.dir, accountsFile+".*")
	if err != nil {
		return fmt.Errorf("save accounts: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(append(b, '\n'))
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("save accounts: %w", err)
	}
	if err := os.Rename(tmp, s.path()); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("save accounts: %w", err)
	}
	return nil
}

// damagedFileError reports a saved accounts file that cannot be read. Its
// text is for the operator, so the parser's cause is kept only for
// errors.As, not printed.
type damagedFileError struct {
	path  string
	cause error
}

func (e *damagedFileError) Error() string {
	return fmt.Sprintf("the saved accounts file %s is damaged and Leadsheet cannot read it; rename or delete that file, then add your accounts again", e.path)
}

func (e *damagedFileError) Unwrap() error { return e.cause }
