// Package ui holds the desktop app's panels as plain Fyne widgets. It never imports
// fyne.io/fyne/v2/app, so `CGO_ENABLED=0 go test ./app/ui/` runs on Fyne's test driver. The
// panels talk to the hub and the feeds only through the small interfaces in iface.go.
package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme is Fyne's default theme with Herald's accent, optionally pinned to light or dark.
type Theme struct {
	Variant string // "light", "dark" or "" to follow the system
}

var _ fyne.Theme = Theme{}

// Accent is Herald's brand colour (a calm blue), used as the primary colour.
var Accent = color.NRGBA{R: 0x3b, G: 0x82, B: 0xf6, A: 0xff}

// Color implements fyne.Theme.
func (t Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch t.Variant {
	case "light":
		v = theme.VariantLight
	case "dark":
		v = theme.VariantDark
	}
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return Accent
	case theme.ColorNameDisabled:
		// Fyne's default (26 % alpha) makes hint text hard to read; 45 % still reads as muted.
		if v == theme.VariantDark {
			return color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x73}
		}
		return color.NRGBA{A: 0x73}
	case theme.ColorNameSuccess:
		if v == theme.VariantDark {
			return color.NRGBA{R: 0x4a, G: 0xde, B: 0x80, A: 0xff}
		}
		return color.NRGBA{R: 0x16, G: 0xa3, B: 0x4a, A: 0xff}
	case theme.ColorNameError:
		if v == theme.VariantDark {
			return color.NRGBA{R: 0xf8, G: 0x71, B: 0x71, A: 0xff}
		}
		return color.NRGBA{R: 0xdc, G: 0x26, B: 0x26, A: 0xff}
	}
	return theme.DefaultTheme().Color(n, v)
}

// Font implements fyne.Theme.
func (t Theme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon implements fyne.Theme.
func (t Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size implements fyne.Theme.
func (t Theme) Size(n fyne.ThemeSizeName) float32 { return theme.DefaultTheme().Size(n) }

// up and down are the colours for rising and falling prices in the current theme.
func up() color.Color   { return theme.Color(theme.ColorNameSuccess) }
func down() color.Color { return theme.Color(theme.ColorNameError) }
