package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/heraldhq/herald/app/model"
)

func fourQuotes(s *model.Stocks, simulated bool) {
	sim := ""
	if simulated {
		sim = `,"simulated":true`
	}
	for _, sym := range []string{"AAPL", "AMZN", "GOOGL", "MSFT"} {
		s.Ingest(model.Event{Type: "stock-update", Data: `{"symbol":"` + sym + `","price":100,"change":1` + sim + `}`})
	}
}

// In an 800x600 window the stock strip is about 660 x 165 px: all four demo cards must be
// inside it, side by side, none pushed below the split.
func TestStockCardsFitAnEightHundredWindow(t *testing.T) {
	test.NewTempApp(t)
	s := model.NewStocks()
	p := NewStockPanel(s)
	fourQuotes(s, false)
	p.Refresh()
	w := test.NewTempWindow(t, p.Object())
	w.SetPadded(false)
	for _, width := range []float32{660, 1040} {
		w.Resize(fyne.NewSize(width, 165))
		for sym, c := range p.cards {
			pos, size := c.root.Position(), c.root.Size()
			if pos.X+size.Width > width || pos.Y+size.Height > 165 || size.Width < cardMinWidth {
				t.Errorf("%v px: card %s at %v size %v is cut off or crushed", width, sym, pos, size)
			}
		}
	}
}

// While the demo starts, the empty panel says quotes are coming, not "turn on the demo";
// the demo's quotes say on their card that they are simulated.
func TestStockPanelDemo(t *testing.T) {
	test.NewTempApp(t)
	s := model.NewStocks()
	p := NewStockPanel(s)
	test.NewTempWindow(t, p.Object())
	if p.Hint() != hintNoDemo {
		t.Errorf("without the demo: %q", p.Hint())
	}
	p.SetDemo(true)
	if p.Hint() != hintDemoStart || !p.empty.Visible() {
		t.Errorf("with the demo on: %q (visible %v)", p.Hint(), p.empty.Visible())
	}
	fourQuotes(s, true)
	s.Ingest(model.Event{Type: "stock-update", Data: `{"symbol":"REAL","price":5}`})
	p.Refresh()
	demo, real := p.cards[model.StockKey("", "AAPL")].source.Text, p.cards[model.StockKey("", "REAL")].source.Text
	if !strings.Contains(demo, "simulated") || strings.Contains(real, "simulated") {
		t.Errorf("simulated label: demo card %q, real card %q", demo, real)
	}
}

// A theme switch redraws the cards in the new colours, without waiting for a new quote.
func TestStockCardsFollowTheTheme(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(Theme{Variant: "dark"})
	s := model.NewStocks()
	p := NewStockPanel(s)
	test.NewTempWindow(t, p.Object())
	fourQuotes(s, false)
	p.Refresh()
	a.Settings().SetTheme(Theme{Variant: "light"})
	p.Restyle()
	c := p.cards[model.StockKey("", "AAPL")]
	light := Theme{Variant: "light"}
	if c.bg.FillColor != light.Color(theme.ColorNameInputBackground, theme.VariantLight) ||
		c.price.Color != light.Color(theme.ColorNameForeground, theme.VariantLight) ||
		c.change.Color != light.Color(theme.ColorNameSuccess, theme.VariantLight) {
		t.Errorf("after the switch to light: bg %v price %v change %v", c.bg.FillColor, c.price.Color, c.change.Color)
	}
}
