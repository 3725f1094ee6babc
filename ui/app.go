package ui

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"leadsheet/assets"
	"leadsheet/importer/job"
	"leadsheet/marketo/marketotest"
	"leadsheet/ui/viewmodel"
)

// Options configure the window.
type Options struct {
	Version string // shown in the About dialog
	// Sandbox starts the local Marketo in-process, selects it as the account
	// and opens the bundled sample workbook (or Open, when given).
	Sandbox bool
	// SandboxConfig sets up that local Marketo; nil means its defaults
	// (Marketo's own limits).
	SandboxConfig *marketotest.Config
	// SandboxURL, when set, is a sandbox already running (`leadsheet
	// sandbox`) to use instead of starting one inside the app: its stored
	// leads can then be looked at while the window syncs, and its memory is
	// not the window's.
	SandboxURL string
	// Open is a workbook to open right away.
	Open string
	// AutoSync starts the sync as soon as the opened file is mapped, and
	// Quit closes the app when that run ends; together they let a script
	// measure a whole run through the real window.
	AutoSync, Quit bool
	// Accounts saves Marketo accounts with their secrets in the OS keyring
	// (a *marketo.CredentialStore); nil means no store could be set up:
	// accounts cannot be saved, the sandbox still works.
	Accounts viewmodel.AccountStore
	// Dirs is where journals and presets live, shared with `leadsheet
	// sync` (job.DefaultDirs); empty means the app's own storage folder.
	Dirs job.Dirs
	// Do runs a function on the Fyne goroutine; nil means fyne.Do. Tests
	// pass a function that runs it inline.
	Do func(func())
	// BulkPoll is the first wait before reading a Bulk Import job's
	// status; 0 means run.DefaultBulkPollFirst (5 s, as Adobe asks). Tests
	// shorten it for a sandbox that imports at once.
	BulkPoll time.Duration
	// KeepTheme leaves the app's theme alone (tests use Fyne's test
	// theme); otherwise the window uses the default theme with readable
	// status colours on light backgrounds.
	KeepTheme bool
}

// The steps of the window, in order.
const (
	stepFile = iota
	stepMap
	stepSync
)

var stepNames = [...]string{"File", "Map", "Sync"}

// App is Leadsheet's one window and the state behind it.
type App struct {
	fyne fyne.App
	win  fyne.Window
	opts Options

	steps   [3]*widget.Button
	done    [3]bool
	current int
	body    *fyne.Container

	file       *fileView
	mapping    *mapView
	sync       *syncView
	accounts   *accountsView
	history    *historyView
	historyBtn *widget.Button // shows the History page
	sess       session
	dialogs    []dialog.Dialog // open dialogs, newest last, for Esc
}

// present shows a dialog and remembers it until it closes, so Esc can
// cancel it.
func (ui *App) present(d dialog.Dialog) {
	ui.dialogs = append(ui.dialogs, d)
	d.SetOnClosed(func() {
		ui.dialogs = slices.DeleteFunc(ui.dialogs, func(x dialog.Dialog) bool { return x == d })
	})
	d.Show()
}

// dismissTop cancels the newest open dialog, as if its Cancel or Close
// button was pressed.
func (ui *App) dismissTop() {
	if n := len(ui.dialogs); n > 0 {
		ui.dialogs[n-1].Hide()
	}
}

// New builds the window of a; call ShowAndRun on App.Window to run it.
func New(a fyne.App, opts Options) *App {
	if opts.Do == nil {
		opts.Do = fyne.Do
	}
	ui := &App{fyne: a, opts: opts}
	if !opts.KeepTheme {
		a.Settings().SetTheme(newReadableTheme())
	}
	ui.win = a.NewWindow("Leadsheet")
	ui.win.SetIcon(Icon())
	ui.win.Resize(fyne.NewSize(1180, 760))

	ui.sync = newSyncView(ui.win, opts.Do, ui.openPath)
	ui.sync.present = ui.present
	ui.sync.onRunning = ui.runningChanged
	ui.sess.stopPreview = ui.sync.preview.stop
	ui.accounts = newAccountsView(ui)
	ui.mapping = newMapView(ui)
	ui.mapping.onChange = ui.mappingChanged
	ui.file = newFileView(ui)
	ui.history = newHistoryView(ui)
	ui.historyBtn = widget.NewButtonWithIcon("History", theme.HistoryIcon(), func() { ui.show(pageHistory) })

	for i := range ui.steps {
		step := i
		ui.steps[i] = widget.NewButton("", func() { ui.show(step) })
	}
	ui.body = container.NewStack()
	// The separators are drawn and the done mark is a theme icon: font
	// glyphs such as "✓" and "──" are missing from some Windows fonts.
	bar := container.NewHBox(ui.steps[0], stepLink(), ui.steps[1], stepLink(), ui.steps[2])
	about := widget.NewButtonWithIcon("", theme.InfoIcon(), ui.showAbout)
	header := container.NewBorder(nil, nil, bar, container.NewHBox(ui.historyBtn, ui.accounts.picker, ui.accounts.manage, about))
	ui.win.SetContent(container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil,
		container.NewPadded(ui.body)))
	ui.win.SetOnDropped(ui.dropped)
	ui.addShortcuts()
	ui.win.SetOnClosed(ui.Close)
	ui.adoptOldFolder()
	ui.show(stepFile)

	switch {
	case opts.Sandbox && opts.Open != "":
		ui.accounts.useSandbox()
		ui.file.open(opts.Open, "")
	case opts.Sandbox:
		ui.accounts.useSandbox()
		ui.openSample()
	case opts.Open != "":
		ui.file.open(opts.Open, "")
	}
	return ui
}

// dropped opens the first local file dropped onto the window.
func (ui *App) dropped(_ fyne.Position, uris []fyne.URI) {
	if ui.sync.running {
		return
	}
	for _, u := range uris {
		if u.Scheme() == "file" {
			ui.show(stepFile)
			ui.file.open(u.Path(), "")
			return
		}
	}
}

// Window is the app's window.
func (ui *App) Window() fyne.Window { return ui.win }

// Close stops what the window started: a run or an undo in progress and
// the local sandbox.
func (ui *App) Close() {
	if ui.sync.cancel != nil {
		ui.sync.cancel()
	}
	ui.history.close()
	if ui.sync.stopQuota != nil {
		ui.sync.stopQuota()
	}
	ui.sync.preview.stop()
	ui.accounts.close()
}

// Icon is the app icon as a Fyne resource.
func Icon() fyne.Resource { return fyne.NewStaticResource("icon.png", assets.Icon) }

func (ui *App) addShortcuts() {
	c := ui.win.Canvas()
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		if ui.sync.running {
			return
		}
		ui.show(stepFile)
		ui.file.browse()
	})
	sync := func(fyne.Shortcut) {
		if ui.sync.plan != nil && !ui.history.undoing() {
			ui.show(stepSync)
			ui.sync.onStart()
		}
	}
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}, sync)
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyEnter, Modifier: fyne.KeyModifierShortcutDefault}, sync)
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			ui.dismissTop()
		}
	})
}

// stepLink is the short line drawn between two steps of the step bar.
func stepLink() fyne.CanvasObject {
	line := canvas.NewLine(theme.Color(theme.ColorNameDisabled))
	line.StrokeWidth = 2
	return container.NewGridWrap(fyne.NewSize(28, 36), container.NewCenter(container.NewGridWrap(fyne.NewSize(24, 2), line)))
}

// show switches to a step, or to the History page; the operator can move
// between them freely.
func (ui *App) show(step int) {
	ui.current = step
	for i, b := range ui.steps {
		b.SetText(fmt.Sprintf("%d  %s", i+1, stepNames[i]))
		if ui.done[i] {
			b.SetIcon(theme.ConfirmIcon())
		} else {
			b.SetIcon(nil)
		}
		b.IconPlacement = widget.ButtonIconTrailingText
		if i == step {
			b.Importance = widget.HighImportance
		} else {
			b.Importance = widget.LowImportance
		}
		b.Refresh()
	}
	if step == pageHistory {
		ui.historyBtn.Importance = widget.HighImportance
	} else {
		ui.historyBtn.Importance = widget.MediumImportance
	}
	ui.historyBtn.Refresh()
	var content fyne.CanvasObject
	switch step {
	case stepFile:
		content = ui.file.content
	case stepMap:
		content = ui.mapping.content
	case stepSync:
		ui.sync.refresh()
		content = ui.sync.content
	case pageHistory:
		ui.history.reload()
		content = ui.history.content
	}
	ui.body.Objects = []fyne.CanvasObject{content}
	ui.body.Refresh()
}

func (ui *App) markDone(step int, done bool) {
	if ui.done[step] != done {
		ui.done[step] = done
		ui.show(ui.current)
	}
}

// updateTitle names the file and sheet in the window title.
func (ui *App) updateTitle() {
	t := "Leadsheet"
	if f := ui.file.model; f != nil && f.Path != "" {
		t += " — " + filepath.Base(f.Path)
		if f.Sheet != "" {
			t += " · " + f.Sheet
		}
	}
	ui.win.SetTitle(t)
}

// runningChanged locks what a run depends on while it goes: the file,
// sheet, header row and account. Once it ends, what changed meanwhile
// (an account's field list arriving) is applied.
func (ui *App) runningChanged(running bool) {
	for i, b := range ui.steps {
		if i != stepSync {
			enable(b, !running)
		}
	}
	ui.file.lock(running)
	enable(ui.accounts.picker, !running)
	enable(ui.accounts.manage, !running)
	ui.history.runningChanged(running)
	if !running && ui.opts.Quit {
		ui.fyne.Quit()
		return
	}
	if !running {
		s := &ui.sess
		conn, plan := s.staleConn, s.stalePlan
		s.staleConn, s.stalePlan = false, false
		switch {
		case conn:
			ui.connChanged(ui.accounts.conn)
		case plan:
			ui.mappingChanged()
		}
	}
}

// openPath opens a file with the desktop's default application.
func (ui *App) openPath(path string) {
	u := storage.NewFileURI(path)
	parsed, err := url.Parse(u.String())
	if err != nil {
		ui.present(dialog.NewError(fmt.Errorf("cannot open %s: %w", path, err), ui.win))
		return
	}
	if err := ui.fyne.OpenURL(parsed); err != nil {
		ui.present(dialog.NewInformation("Results saved", "The results workbook is saved at:\n"+path, ui.win))
	}
}

func (ui *App) showAbout() {
	d := dialog.NewCustom("About Leadsheet", "Close", container.NewVBox(
		container.NewGridWrap(fyne.NewSize(96, 96), widget.NewIcon(Icon())),
		widget.NewLabelWithStyle("Leadsheet "+ui.opts.Version, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel("Imports an Excel sheet into Marketo as leads, row by row, and shows\nwhat happened to each row."),
	), ui.win)
	ui.present(d)
}
