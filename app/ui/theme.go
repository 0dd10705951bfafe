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

// Accent is Herald's brand colour (a calm blue), used as the primary colour: a deeper shade
// on light backgrounds and a lighter one on dark, so text in it reads at WCAG AA (4.5:1).
var Accent = color.NRGBA{R: 0x25, G: 0x63, B: 0xeb, A: 0xff}

// AccentDark is the primary colour of the dark variant (with dark text on its buttons).
var AccentDark = color.NRGBA{R: 0x60, G: 0xa5, B: 0xfa, A: 0xff}

// Color implements fyne.Theme. Every colour text is drawn in has a contrast of at least
// 4.5:1 on the background and on the stock cards (theme_test.go measures it); Fyne's
// defaults for the light variant (orange #FF9800, grey hints) do not.
func (t Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch t.Variant {
	case "light":
		v = theme.VariantLight
	case "dark":
		v = theme.VariantDark
	}
	dark := v == theme.VariantDark
	pick := func(onLight, onDark color.NRGBA) color.Color {
		if dark {
			return onDark
		}
		return onLight
	}
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return pick(Accent, AccentDark)
	case theme.ColorNameForegroundOnPrimary:
		return pick(color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}, color.NRGBA{R: 0x0f, G: 0x17, B: 0x2a, A: 0xff})
	case theme.ColorNameDisabled:
		// Muted (timestamps, hints, ids), yet readable: Fyne's 26 % alpha is not.
		return pick(color.NRGBA{A: 0x90}, color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x80})
	case theme.ColorNamePlaceHolder:
		if !dark {
			return color.NRGBA{R: 0x6b, G: 0x6b, B: 0x6b, A: 0xff}
		}
	case theme.ColorNameSuccess:
		return pick(color.NRGBA{R: 0x16, G: 0x65, B: 0x34, A: 0xff}, color.NRGBA{R: 0x4a, G: 0xde, B: 0x80, A: 0xff})
	case theme.ColorNameError:
		return pick(color.NRGBA{R: 0xb9, G: 0x1c, B: 0x1c, A: 0xff}, color.NRGBA{R: 0xf8, G: 0x71, B: 0x71, A: 0xff})
	case theme.ColorNameWarning:
		if !dark {
			return color.NRGBA{R: 0xa1, G: 0x4a, B: 0x00, A: 0xff}
		}
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
