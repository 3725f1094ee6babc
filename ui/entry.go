package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// dialogEntry is a text field for dialogs. A focused field receives every
// key, so without this Esc would never reach the window and could not
// cancel the dialog the operator is typing in.
type dialogEntry struct {
	widget.Entry
	onEscape func()
}

func newDialogEntry(password bool, onEscape func()) *dialogEntry {
	e := &dialogEntry{onEscape: onEscape}
	e.Password = password
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.ExtendBaseWidget(e)
	if password {
		// Operators paste secrets; let them check what they pasted.
		var reveal *widget.Button
		reveal = widget.NewButtonWithIcon("", theme.VisibilityOffIcon(), func() {
			e.Password = !e.Password
			if e.Password {
				reveal.SetIcon(theme.VisibilityOffIcon())
			} else {
				reveal.SetIcon(theme.VisibilityIcon())
			}
			e.Refresh()
		})
		reveal.Importance = widget.LowImportance
		e.ActionItem = reveal
	}
	return e
}

// TypedKey cancels the dialog on Esc and types everything else.
func (e *dialogEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}
