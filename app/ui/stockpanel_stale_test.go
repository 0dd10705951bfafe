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
	// An hour ago may be yesterday (CI runs past midnight): expect what StaleSince says for
	// it, whose own cases are checked below.
	at := time.Now().Add(-time.Hour)
	want := StaleSince(at, time.Now())
	s.Restore([]model.Stock{{Feed: "broker", Updated: at, History: []float64{189, 190.5},
		Quote: model.Quote{Symbol: "AAPL", Price: 190.5, Change: 1.5, ChangePercent: 0.79}}})
	p := NewStockPanel(s)
	p.Refresh()
	c := p.cards[model.StockKey("broker", "AAPL")]
	if c == nil {
		t.Fatal("no card for the restored quote")
	}
	if c.price.Text != "190.50" || !strings.Contains(c.source.Text, want) || c.price.Color != theme.Color(theme.ColorNamePlaceHolder) {
		t.Errorf("restored card: price %q colour %v, source %q; want 190.50 greyed, %s", c.price.Text, c.price.Color, c.source.Text, want)
	}
	s.Apply("broker", model.Quote{Symbol: "AAPL", Price: 191, Change: 2, HasChange: true}, time.Now())
	p.Refresh()
	if c.price.Text != "191.00" || strings.Contains(c.source.Text, "as of") || c.price.Color == theme.Color(theme.ColorNamePlaceHolder) {
		t.Errorf("after a fresh quote: price %q, source %q; want it fresh", c.price.Text, c.source.Text)
	}
	if got := StaleSince(time.Date(2026, 12, 6, 9, 0, 0, 0, time.Local), time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)); got != "as of 6 Dec" {
		t.Errorf("yesterday: %q", got)
	}
	if got := StaleSince(time.Date(2026, 12, 7, 23, 51, 0, 0, time.Local), time.Date(2026, 12, 8, 0, 51, 0, 0, time.Local)); got != "as of 7 Dec" {
		t.Errorf("an hour ago, before midnight: %q", got)
	}
	if got := StaleSince(time.Date(2026, 12, 7, 9, 5, 0, 0, time.Local), time.Date(2026, 12, 7, 10, 5, 0, 0, time.Local)); got != "as of 09:05" {
		t.Errorf("an hour ago today: %q", got)
	}
}
