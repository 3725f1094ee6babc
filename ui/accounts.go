package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"leadsheet/importer/job"
	"leadsheet/marketo"
	"leadsheet/marketo/marketotest"
	"leadsheet/ui/viewmodel"
)

// sandboxAccount is the name the in-process sandbox goes by in the picker.
const sandboxAccount = "Local sandbox (demo)"

// connection is the Marketo the window talks to.
type connection struct {
	name   string
	acct   job.Account // the API and where it sends, for the journal key
	client viewmodel.Client
	fields []marketo.Field
	budget marketo.Budget // the account's share of the instance; zero fields: the fair share
}

// accountsView is the account picker in the header and the account dialog.
type accountsView struct {
	ui       *App
	store    viewmodel.AccountStore // nil: the keyring-backed store could not be set up
	names    []string               // saved account names
	picker   *widget.Select
	manage   *widget.Button
	sandbox  *marketotest.Server
	conn     *connection
	onChange []func(*connection)
}

func newAccountsView(ui *App) *accountsView {
	v := &accountsView{ui: ui, store: ui.opts.Accounts}
	v.picker = widget.NewSelect(nil, v.choose)
	v.picker.PlaceHolder = "Choose a Marketo account"
	v.manage = widget.NewButtonWithIcon("Accounts", theme.AccountIcon(), func() { v.showDialog() })
	v.refreshPicker()
	v.onChange = append(v.onChange, ui.connChanged)
	return v
}

func (v *accountsView) refreshPicker() {
	v.names = nil
	if v.store != nil {
		// The list holds no secrets and never touches the keyring; a
		// damaged file shows as no accounts rather than blocking the app.
		if ps, err := v.store.List(); err == nil {
			for _, p := range ps {
				v.names = append(v.names, p.Name)
			}
		}
	}
	v.picker.SetOptions(append(slices.Clone(v.names), sandboxAccount))
}

// close stops the in-process sandbox if one runs.
func (v *accountsView) close() {
	if v.sandbox != nil {
		v.sandbox.Close()
		v.sandbox = nil
	}
}

// useSandbox selects the in-process sandbox, starting it if needed.
func (v *accountsView) useSandbox() {
	if v.picker.Selected == sandboxAccount {
		return
	}
	v.picker.SetSelected(sandboxAccount)
}

// sandboxClient starts the local Marketo (once) and returns a REST client
// for it. Its credentials are the sandbox's public demo values, so nothing
// touches the keyring: the tour works where no keyring exists.
func (v *accountsView) sandboxClient() (viewmodel.Client, viewmodel.Account, error) {
	if u := strings.TrimSuffix(v.ui.opts.SandboxURL, "/"); u != "" {
		acc := viewmodel.Account{Name: sandboxAccount, Kind: viewmodel.KindREST, BaseURL: u + marketotest.RESTPath, IdentityURL: u + marketotest.IdentityPath,
			ClientID: marketotest.DefaultClientID}
		c, err := acc.Connect(marketotest.DefaultClientSecret, nil)
		return c, acc, err
	}
	if v.sandbox == nil {
		cfg := marketotest.DefaultConfig()
		if c := v.ui.opts.SandboxConfig; c != nil {
			cfg = *c
		}
		v.sandbox = marketotest.NewServer(cfg)
	}
	cfg := v.sandbox.Config()
	acc := viewmodel.Account{Name: sandboxAccount, Kind: viewmodel.KindREST, BaseURL: v.sandbox.RESTBaseURL(), IdentityURL: v.sandbox.IdentityURL(), ClientID: cfg.ClientID}
	c, err := acc.Connect(cfg.ClientSecret, nil)
	return c, acc, err
}

// choose connects to the picked account in the background and fetches its
// field list for the Map step.
func (v *accountsView) choose(name string) {
	var (
		client viewmodel.Client
		acc    viewmodel.Account
		err    error
	)
	if name == sandboxAccount {
		client, acc, err = v.sandboxClient()
	} else if slices.Contains(v.names, name) {
		var secret string
		acc, secret, err = v.load(name)
		if err == nil {
			client, err = acc.Connect(secret, nil)
		}
	} else {
		return
	}
	if err != nil {
		v.setConn(nil)
		v.ui.present(dialog.NewError(err, v.ui.win))
		return
	}
	conn := &connection{name: name, client: client, acct: job.AccountOf(acc.Profile("")), budget: acc.Budget}
	v.setConn(conn)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, fields, err := viewmodel.TestConnection(ctx, client)
		v.ui.opts.Do(func() {
			if v.conn != conn {
				return
			}
			if err != nil {
				v.ui.present(dialog.NewError(fmt.Errorf("%s: %w", name, err), v.ui.win))
				return
			}
			conn.fields = fields
			v.setConn(conn)
		})
	}()
}

func (v *accountsView) setConn(c *connection) {
	v.conn = c
	for _, f := range v.onChange {
		f(c)
	}
}

// load reads a saved account with its secret, turning keyring trouble into advice.
func (v *accountsView) load(name string) (viewmodel.Account, string, error) {
	if v.store == nil {
		return viewmodel.Account{}, "", errKeyring(nil)
	}
	p, err := v.store.Load(name)
	switch {
	case errors.Is(err, marketo.ErrSecretMissing):
		return viewmodel.Account{}, "", fmt.Errorf("the secret of %q is not in this computer's keyring any more: open Accounts and enter it again", name)
	case errors.Is(err, marketo.ErrKeyringUnavailable):
		return viewmodel.Account{}, "", errKeyring(err)
	case err != nil:
		return viewmodel.Account{}, "", err
	}
	acc, secret := viewmodel.AccountOf(p)
	return acc, secret, nil
}

func errKeyring(err error) error {
	msg := "This computer's keyring (where Leadsheet keeps Marketo secrets) cannot be used, so accounts cannot be saved or opened. " +
		"On Linux, install and unlock GNOME Keyring or KWallet, then restart Leadsheet. The local sandbox works without it."
	if err == nil {
		return errors.New(msg)
	}
	return fmt.Errorf("%s Details: %w", msg, err)
}

// accountForm is the account editor's widgets.
type accountForm struct {
	name, base, ident, clientID, lookup, endpoint, userID, secret *dialogEntry
	concurrency, callsPer20s, dailyQuota                          *dialogEntry // the API budget
	existing                                                      *widget.Select
	kind                                                          *widget.RadioGroup
	status                                                        *widget.Label
	test, save, sandbox                                           *widget.Button
}

// showDialog opens the account editor: pick an account or start a new one,
// fill in REST or SOAP details, test, save.
func (v *accountsView) showDialog() *accountForm {
	name := newDialogEntry(false, v.ui.dismissTop)
	kind := widget.NewRadioGroup([]string{viewmodel.KindREST, viewmodel.KindSOAP}, nil)
	kind.Horizontal = true
	base := newDialogEntry(false, v.ui.dismissTop)
	base.SetPlaceHolder("https://123-ABC-456.mktorest.com/rest")
	ident := newDialogEntry(false, v.ui.dismissTop)
	ident.SetPlaceHolder("https://123-ABC-456.mktorest.com/identity")
	clientID := newDialogEntry(false, v.ui.dismissTop)
	lookup := newDialogEntry(false, v.ui.dismissTop)
	lookup.SetPlaceHolder("optional: REST field used for ForeignSysPersonId")
	endpoint := newDialogEntry(false, v.ui.dismissTop)
	endpoint.SetPlaceHolder("https://123-ABC-456.mktoapi.com/soap/mktows/2_2")
	userID := newDialogEntry(false, v.ui.dismissTop)
	secret := newDialogEntry(true, v.ui.dismissTop)
	concurrency := newDialogEntry(false, v.ui.dismissTop)
	concurrency.SetPlaceHolder(viewmodel.HintConcurrency)
	callsPer20s := newDialogEntry(false, v.ui.dismissTop)
	callsPer20s.SetPlaceHolder(viewmodel.HintCallsPer20s)
	dailyQuota := newDialogEntry(false, v.ui.dismissTop)
	dailyQuota.SetPlaceHolder(viewmodel.HintDailyQuota)
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord

	// One form, so every label lines up; its rows follow the API chosen.
	form := widget.NewForm()
	kind.OnChanged = func(k string) {
		items := []*widget.FormItem{widget.NewFormItem("Name", name), widget.NewFormItem("API", kind)}
		if k == viewmodel.KindSOAP {
			items = append(items, widget.NewFormItem("SOAP endpoint", endpoint), widget.NewFormItem("User ID", userID),
				widget.NewFormItem("Encryption key", secret))
		} else {
			items = append(items, widget.NewFormItem("REST base URL", base), widget.NewFormItem("Identity URL", ident),
				widget.NewFormItem("Client ID", clientID), widget.NewFormItem("Client secret", secret),
				widget.NewFormItem("Lookup field", lookup))
		}
		form.Items = items
		form.Refresh()
	}
	// The budget is the same for both APIs: SOAP calls count against the
	// instance's limits too.
	budgetFields := widget.NewForm(widget.NewFormItem(viewmodel.CaptionConcurrency, concurrency),
		widget.NewFormItem(viewmodel.CaptionCallsPer20s, callsPer20s), widget.NewFormItem(viewmodel.CaptionDailyQuota, dailyQuota))
	budgetNote := widget.NewLabel(viewmodel.BudgetExplained)
	budgetNote.Wrapping = fyne.TextWrapWord
	budgetNote.Importance = widget.LowImportance
	read := func() (viewmodel.Account, error) {
		b, err := viewmodel.ParseBudget(concurrency.Text, callsPer20s.Text, dailyQuota.Text)
		return viewmodel.Account{Name: name.Text, Kind: kind.Selected, BaseURL: base.Text, IdentityURL: ident.Text, ClientID: clientID.Text,
			LookupField: lookup.Text, Endpoint: endpoint.Text, UserID: userID.Text, Budget: b}, err
	}
	load := func(acc viewmodel.Account) {
		name.SetText(acc.Name)
		base.SetText(acc.BaseURL)
		ident.SetText(acc.IdentityURL)
		clientID.SetText(acc.ClientID)
		lookup.SetText(acc.LookupField)
		endpoint.SetText(acc.Endpoint)
		userID.SetText(acc.UserID)
		c, r, q := viewmodel.BudgetTexts(acc.Budget)
		concurrency.SetText(c)
		callsPer20s.SetText(r)
		dailyQuota.SetText(q)
		secret.SetText("")
		status.SetText("")
		if acc.Kind == "" {
			acc.Kind = viewmodel.KindREST
		}
		kind.SetSelected(acc.Kind)
	}
	var del *widget.Button
	existing := widget.NewSelect(v.names, func(n string) {
		if del != nil {
			enable(del, n != "")
		}
		acc, sec, err := v.load(n)
		if err != nil && v.store != nil {
			// Show what is saved even when the secret cannot be read.
			if ps, lerr := v.store.List(); lerr == nil {
				for _, p := range ps {
					if p.Name == n {
						acc, _ = viewmodel.AccountOf(p)
					}
				}
			}
		}
		load(acc)
		secret.SetText(sec)
		if err != nil {
			status.SetText(err.Error())
		}
	})
	existing.PlaceHolder = "New account"
	newBtn := widget.NewButtonWithIcon("New", theme.ContentAddIcon(), func() {
		existing.ClearSelected()
		load(viewmodel.Account{})
	})
	test := widget.NewButtonWithIcon("Test connection", theme.MediaPlayIcon(), nil)
	test.OnTapped = func() {
		acc, err := read()
		if err != nil {
			status.SetText(err.Error())
			return
		}
		client, err := acc.Connect(secret.Text, nil)
		if err != nil {
			status.SetText(err.Error())
			return
		}
		status.SetText("Testing…")
		test.Disable()
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			msg, _, err := viewmodel.TestConnection(ctx, client)
			if err != nil {
				msg = err.Error()
			}
			v.ui.opts.Do(func() {
				status.SetText(msg)
				test.Enable()
			})
		}()
	}
	var d dialog.Dialog
	save := widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), func() {
		acc, err := read()
		if err != nil {
			status.SetText(err.Error())
			return
		}
		if err := acc.Check(secret.Text); err != nil {
			status.SetText(err.Error())
			return
		}
		if v.store == nil {
			status.SetText(errKeyring(nil).Error())
			return
		}
		if err := v.store.Save(acc.Profile(secret.Text)); err != nil {
			if errors.Is(err, marketo.ErrKeyringUnavailable) {
				err = errKeyring(err)
			}
			status.SetText(err.Error())
			return
		}
		v.refreshPicker()
		d.Hide()
		// Picking it connects; an account saved again while picked is
		// connected again, with its new details.
		if v.picker.Selected == acc.Name {
			v.choose(acc.Name)
		} else {
			v.picker.SetSelected(acc.Name)
		}
	})
	save.Importance = widget.HighImportance
	del = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() {
		n := existing.Selected
		if n == "" {
			return
		}
		if v.store == nil {
			return
		}
		if err := v.store.Delete(n); err != nil {
			status.SetText(err.Error())
			return
		}
		v.refreshPicker()
		existing.SetOptions(v.names)
		existing.ClearSelected()
		load(viewmodel.Account{})
	})
	del.Importance = widget.DangerImportance
	del.Disable()
	sandboxBtn := widget.NewButtonWithIcon("Use the local sandbox", theme.ComputerIcon(), func() {
		d.Hide()
		v.useSandbox()
	})
	note := widget.NewLabel("Secrets are kept in this computer's keyring, never in files.")
	note.TextStyle.Italic = true
	// The budget stands beside the connection, so the dialog fits in the
	// window without scrolling.
	budget := container.New(layout.NewGridWrapLayout(fyne.NewSize(340, 440)),
		container.NewVBox(bold(viewmodel.BudgetHeading), budgetNote, budgetFields))
	body := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel("Account"), newBtn, existing),
		container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewSeparator(), budget), container.NewVBox(form, note, status)),
		container.NewHBox(test, sandboxBtn, del, save),
	)
	if v.store == nil {
		status.SetText(errKeyring(nil).Error())
	}
	load(viewmodel.Account{})
	if sel := v.picker.Selected; sel != "" && sel != sandboxAccount {
		existing.SetSelected(sel)
	}
	d = dialog.NewCustom("Marketo accounts", "Close", container.NewGridWrap(fyne.NewSize(1000, 520), body), v.ui.win)
	v.ui.present(d)
	return &accountForm{name: name, base: base, ident: ident, clientID: clientID, lookup: lookup, endpoint: endpoint,
		userID: userID, secret: secret, concurrency: concurrency, callsPer20s: callsPer20s, dailyQuota: dailyQuota,
		existing: existing, kind: kind, status: status, test: test, save: save, sandbox: sandboxBtn}
}
