package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// readableTheme is Fyne's default theme, following the system's light or
// dark setting, with the success and warning colours darkened on light
// backgrounds: the default bright green and orange are hard to read as
// text on white, and the Sync step writes its counts and statuses in them.
type readableTheme struct{ fyne.Theme }

func newReadableTheme() fyne.Theme { return readableTheme{theme.DefaultTheme()} }

func (t readableTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if v == theme.VariantLight {
		switch n {
		case theme.ColorNameSuccess:
			return color.NRGBA{R: 0x1b, G: 0x7f, B: 0x37, A: 0xff}
		case theme.ColorNameWarning:
			return color.NRGBA{R: 0xb2, G: 0x5b, B: 0x00, A: 0xff}
		}
	}
	return t.Theme.Color(n, v)
}
