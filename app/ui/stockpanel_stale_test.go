package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/heraldhq/herald/app/model"
)

// A card kept from the last run shows its last price greyed, with "as of" its time, until
// its feed quotes it again.
func TestStaleCardUntilAFreshQuote(t *testing.T) {
	test.NewTempApp(t)
	s := model.NewStocks()
	at := time.Now().Add(-time.Hour)
	s.Restore([]model.Stock{{Feed: "broker", Updated: at, History: []float64{189, 190.5},
		Quote: model.Quote{Symbol: "AAPL", Price: 190.5, Change: 1.5, ChangePercent: 0.79}}})
	p := NewStockPanel(s)
	p.Refresh()
	c := p.cards[model.StockKey("broker", "AAPL")]
	if c == nil {
		t.Fatal("no card for the restored quote")
	}
	if c.price.Text != "190.50" || !strings.Contains(c.source.Text, "as of "+at.Format("15:04")) || c.price.Color != theme.Color(theme.ColorNamePlaceHolder) {
		t.Errorf("restored card: price %q colour %v, source %q; want 190.50 greyed, as of %s", c.price.Text, c.price.Color, c.source.Text, at.Format("15:04"))
	}
	s.Apply("broker", model.Quote{Symbol: "AAPL", Price: 191, Change: 2, HasChange: true}, time.Now())
	p.Refresh()
	if c.price.Text != "191.00" || strings.Contains(c.source.Text, "as of") || c.price.Color == theme.Color(theme.ColorNamePlaceHolder) {
		t.Errorf("after a fresh quote: price %q, source %q; want it fresh", c.price.Text, c.source.Text)
	}
	if got := StaleSince(time.Date(2026, 12, 6, 9, 0, 0, 0, time.Local), time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)); got != "as of 6 Dec" {
		t.Errorf("yesterday: %q", got)
	}
}
