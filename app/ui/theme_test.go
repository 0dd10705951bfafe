package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// luminance is WCAG 2's relative luminance of an opaque colour.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// over paints fg (possibly translucent) on an opaque bg, as the screen shows it.
func over(fg, bg color.Color) color.Color {
	f, b := color.NRGBAModel.Convert(fg).(color.NRGBA), color.NRGBAModel.Convert(bg).(color.NRGBA)
	a := float64(f.A) / 255
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*a + float64(y)*(1-a))) }
	return color.NRGBA{R: mix(f.R, b.R), G: mix(f.G, b.G), B: mix(f.B, b.B), A: 0xff}
}

// contrast is WCAG 2's contrast ratio of text fg on background bg.
func contrast(fg, bg color.Color) float64 {
	l1, l2 := luminance(over(fg, bg)), luminance(bg)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}

// Every colour text is drawn in (labels of every importance, the stock cards, hints) reads
// at WCAG AA (4.5:1) on the window background and on the cards, in light and in dark.
func TestThemeContrast(t *testing.T) {
	texts := []fyne.ThemeColorName{
		theme.ColorNameForeground, theme.ColorNameDisabled, theme.ColorNamePlaceHolder,
		theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameError,
		theme.ColorNameWarning, theme.ColorNameSuccess,
	}
	backgrounds := []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameInputBackground}
	for _, variant := range []string{"light", "dark"} {
		th := Theme{Variant: variant}
		for _, bgName := range backgrounds {
			bg := over(th.Color(bgName, 0), th.Color(theme.ColorNameBackground, 0))
			for _, fgName := range texts {
				if r := contrast(th.Color(fgName, 0), bg); r < 4.5 {
					t.Errorf("%s: %s on %s has contrast %.2f:1, want at least 4.5:1", variant, fgName, bgName, r)
				}
			}
		}
		// White text on the primary colour (a HighImportance button).
		if r := contrast(th.Color(theme.ColorNameForegroundOnPrimary, 0), th.Color(theme.ColorNamePrimary, 0)); r < 4.5 {
			t.Errorf("%s: text on a primary button has contrast %.2f:1", variant, r)
		}
	}
}

func TestContrastFormula(t *testing.T) {
	if r := contrast(color.Black, color.White); math.Abs(r-21) > 0.01 {
		t.Errorf("black on white %.2f, want 21", r)
	}
	// The two colours the issue names fail on white.
	if r := contrast(color.NRGBA{R: 0xff, G: 0x98, A: 0xff}, color.White); r > 2.2 {
		t.Errorf("#FF9800 on white %.2f, want about 2.16", r)
	}
	if r := contrast(color.NRGBA{R: 0xa7, G: 0xa7, B: 0xa7, A: 0xff}, color.White); r > 2.5 {
		t.Errorf("#A7A7A7 on white %.2f, want about 2.4", r)
	}
}
