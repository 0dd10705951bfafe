package ui

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// StockPanel shows a card per (feed, symbol), updated in place; each card names its feed.
type StockPanel struct {
	stocks  *model.Stocks
	version uint64
	cards   map[string]*stockCard // by model.StockKey
	grid    *fyne.Container
	hint    *widget.Label
	empty   fyne.CanvasObject
	root    *fyne.Container
	arr     model.Cards // pinned and removed cards
	shown   []string    // the keys of the cards in the grid, in order
	addTile fyne.CanvasObject

	// OnCardsChanged, when set, is told the arrangement after the user pins, removes or adds
	// a card (to keep it). FeedNames lists the feeds to offer in "Add symbol".
	OnCardsChanged func(model.Cards)
	FeedNames      func() []string
}

// Card sizes: as wide as the panel allows between these, so four cards fit side by side in an
// 800 px window and five in the default 1180 px one.
const (
	cardMinWidth  = 160
	cardMaxWidth  = 240
	cardHeight    = 150
	hintNoDemo    = "Waiting for stock quotes…\nTurn on the demo in Hub, or add a feed that sends stock-update events."
	hintDemoStart = "The demo is starting: its simulated quotes arrive in a moment…"
)

// NewStockPanel returns a panel over the given stock state; call Refresh after updates.
func NewStockPanel(stocks *model.Stocks) *StockPanel {
	p := &StockPanel{stocks: stocks, cards: map[string]*stockCard{}}
	p.grid = container.New(&cardGrid{})
	add := widget.NewButtonWithIcon("Add symbol", theme.ContentAddIcon(), p.addDialog)
	add.Importance = widget.LowImportance
	p.addTile = container.NewCenter(add)
	p.hint = widget.NewLabel(hintNoDemo)
	p.hint.Alignment = fyne.TextAlignCenter
	p.hint.Importance = widget.LowImportance
	p.empty = container.NewCenter(p.hint)
	p.root = container.NewStack(p.empty, container.NewVScroll(container.NewPadded(p.grid)))
	p.Refresh()
	return p
}

// SetDemo says whether this computer's hub runs the demo, so the hint before the first quote
// does not ask to turn on a demo that is already starting.
func (p *StockPanel) SetDemo(on bool) {
	if on {
		p.hint.SetText(hintDemoStart)
	} else {
		p.hint.SetText(hintNoDemo)
	}
}

// Hint returns the text shown while there are no quotes (tests).
func (p *StockPanel) Hint() string { return p.hint.Text }

// Restyle redraws every card in the current theme's colours; the cards draw with explicit
// colours, which a theme switch does not update by itself.
func (p *StockPanel) Restyle() {
	for _, c := range p.cards {
		c.restyle()
	}
	p.version = 0
	p.Refresh()
}

// cardGrid lays the cards out in rows, each card as wide as the row allows between
// cardMinWidth and cardMaxWidth, so a narrow window gets narrower cards before a card
// wraps into a row below.
type cardGrid struct{ width float32 }

func (g *cardGrid) columns(width float32, n int) (int, float32) {
	pad := theme.Padding()
	cols := max(1, min(n, int((width+pad)/(cardMinWidth+pad))))
	w := min(float32(cardMaxWidth), (width-pad*float32(cols-1))/float32(cols))
	return cols, max(w, 1)
}

func (g *cardGrid) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	g.width = size.Width
	cols, w := g.columns(size.Width, len(objs))
	pad := theme.Padding()
	for i, o := range objs {
		r, c := i/cols, i%cols
		o.Move(fyne.NewPos(float32(c)*(w+pad), float32(r)*(cardHeight+pad)))
		o.Resize(fyne.NewSize(w, cardHeight))
	}
}

func (g *cardGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) == 0 {
		return fyne.NewSize(0, 0)
	}
	cols, _ := g.columns(max(g.width, cardMinWidth), len(objs))
	rows := (len(objs) + cols - 1) / cols
	return fyne.NewSize(cardMinWidth, float32(rows)*cardHeight+float32(rows-1)*theme.Padding())
}

// Object returns the panel's canvas object.
func (p *StockPanel) Object() fyne.CanvasObject { return p.root }

// SetCards applies a kept arrangement (pinned and removed cards).
func (p *StockPanel) SetCards(c model.Cards) {
	p.arr = c
	p.version = 0
	p.Refresh()
}

// Cards returns the arrangement in effect.
func (p *StockPanel) Cards() model.Cards { return p.arr }

// Shown returns the keys (model.StockKey) of the cards shown, in order (tests).
func (p *StockPanel) Shown() []string { return p.shown }

func (p *StockPanel) arrange(c model.Cards) {
	p.arr = c
	p.version = 0
	p.Refresh()
	if p.OnCardsChanged != nil {
		p.OnCardsChanged(c)
	}
}

// Pin, Unpin and Remove change one card as its menu does.
func (p *StockPanel) Pin(r model.CardRef)    { p.arrange(p.arr.Pin(r)) }
func (p *StockPanel) Unpin(r model.CardRef)  { p.arrange(p.arr.Unpin(r)) }
func (p *StockPanel) Remove(r model.CardRef) { p.arrange(p.arr.Remove(r)) }

// cardMenu is what a tap on a card offers.
func (p *StockPanel) cardMenu(r model.CardRef) *fyne.Menu {
	pin := fyne.NewMenuItem("Pin to the front", func() { p.Pin(r) })
	if p.arr.IsPinned(r) {
		pin = fyne.NewMenuItem("Unpin", func() { p.Unpin(r) })
	}
	return fyne.NewMenu(r.Symbol, pin, fyne.NewMenuItem("Remove card", func() { p.Remove(r) }))
}

// addDialog asks for a symbol and the feed whose quotes its card follows.
func (p *StockPanel) addDialog() {
	win := fyne.CurrentApp().Driver().AllWindows()
	if len(win) == 0 {
		return
	}
	var feeds []string
	if p.FeedNames != nil {
		feeds = p.FeedNames()
	}
	sym := widget.NewEntry()
	sym.SetPlaceHolder("e.g. AAPL")
	feed := widget.NewSelect(feeds, nil)
	if len(feeds) > 0 {
		feed.SetSelected(feeds[0])
	}
	items := []*widget.FormItem{widget.NewFormItem("Symbol", sym), widget.NewFormItem("From feed", feed)}
	dialog.ShowForm("Add a stock card", "Add", "Cancel", items, func(ok bool) {
		if ok && strings.TrimSpace(sym.Text) != "" {
			p.Pin(model.CardRef{Feed: feed.Selected, Symbol: sym.Text})
		}
	}, win[0])
}

// Card returns the texts of the card for symbol from feed (price, change, percent), for
// tests.
func (p *StockPanel) Card(feed, symbol string) (price, change, percent string, ok bool) {
	c, ok := p.cards[model.StockKey(feed, symbol)]
	if !ok {
		return "", "", "", false
	}
	return c.price.Text, c.change.Text, c.percent.Text, true
}

// Refresh updates the cards when a quote arrived since the last call.
func (p *StockPanel) Refresh() {
	v := p.stocks.Version()
	if v == p.version && len(p.cards) > 0 {
		return
	}
	p.version = v
	snap := p.arr.Arrange(p.stocks.Snapshot())
	keys := make([]string, 0, len(snap))
	for _, s := range snap {
		c, ok := p.cards[s.Key()]
		if !ok {
			c = newStockCard(s.Symbol, s.Feed)
			ref := model.CardRef{Feed: s.Feed, Symbol: s.Symbol}
			c.tap = newTapArea(c.root, func(at fyne.Position) {
				if cv := fyne.CurrentApp().Driver().CanvasForObject(c.tap); cv != nil {
					widget.ShowPopUpMenuAtPosition(p.cardMenu(ref), cv, at)
				}
			})
			p.cards[s.Key()] = c
		}
		if !ok || c.changed(s) { // a quote on one card redraws that card, not all of them
			c.update(s)
		}
		keys = append(keys, s.Key())
	}
	if !slices.Equal(keys, p.shown) {
		p.shown = keys
		objs := make([]fyne.CanvasObject, 0, len(snap)+1)
		for _, k := range keys {
			objs = append(objs, p.cards[k].tap)
		}
		p.grid.Objects = append(objs, p.addTile)
		p.grid.Refresh()
	}
	if len(snap) > 0 {
		p.empty.Hide()
	} else {
		p.empty.Show()
	}
}

type stockCard struct {
	root    fyne.CanvasObject
	bg      *canvas.Rectangle
	symbol  *canvas.Text
	price   *canvas.Text
	change  *canvas.Text
	percent *canvas.Text
	source  *canvas.Text // the feed's name, and "simulated" on the demo's made-up prices
	feed    string
	spark   *Sparkline
	texts   *fyne.Container // laid out again when a text's width changes
	last    model.Stock
	tap     *tapArea // root, tappable for the card's menu
}

// tapArea makes a card tappable (left or right click) for its menu.
type tapArea struct {
	widget.BaseWidget
	content fyne.CanvasObject
	onTap   func(fyne.Position)
}

func newTapArea(content fyne.CanvasObject, onTap func(fyne.Position)) *tapArea {
	t := &tapArea{content: content, onTap: onTap}
	t.ExtendBaseWidget(t)
	return t
}

// CreateRenderer implements fyne.Widget.
func (t *tapArea) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.content) }

// Tapped implements fyne.Tappable.
func (t *tapArea) Tapped(e *fyne.PointEvent) { t.onTap(e.AbsolutePosition) }

// TappedSecondary implements fyne.SecondaryTappable.
func (t *tapArea) TappedSecondary(e *fyne.PointEvent) { t.onTap(e.AbsolutePosition) }

func newStockCard(symbol, feed string) *stockCard {
	c := &stockCard{
		bg:      canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)),
		symbol:  canvas.NewText(symbol, theme.Color(theme.ColorNameForeground)),
		price:   canvas.NewText("", theme.Color(theme.ColorNameForeground)),
		change:  canvas.NewText("", up()),
		percent: canvas.NewText("", up()),
		source:  canvas.NewText(cutRunes(feed, 18), theme.Color(theme.ColorNamePlaceHolder)),
		spark:   NewSparkline(),
		feed:    feed,
	}
	c.source.Alignment = fyne.TextAlignTrailing
	c.source.TextSize = theme.CaptionTextSize()
	c.bg.CornerRadius = theme.Size(theme.SizeNameInputRadius) * 2
	c.symbol.TextStyle = fyne.TextStyle{Bold: true}
	c.symbol.TextSize = theme.TextSize() * 1.1
	c.price.TextSize = theme.TextSize() * 1.9
	c.price.TextStyle = fyne.TextStyle{Bold: true}
	c.percent.TextStyle = fyne.TextStyle{Bold: true}
	c.percent.Alignment = fyne.TextAlignTrailing
	c.texts = container.NewVBox(container.NewBorder(nil, nil, c.symbol, c.percent), c.price, container.NewBorder(nil, nil, c.change, nil, c.source))
	body := container.NewBorder(c.texts, nil, nil, nil, c.spark)
	c.root = container.NewStack(c.bg, container.NewPadded(container.NewPadded(body)))
	return c
}

func (c *stockCard) restyle() { c.update(c.last) }

// changed reports whether s would draw differently from what the card shows.
func (c *stockCard) changed(s model.Stock) bool {
	l := c.last
	return l.Quote != s.Quote || l.Feed != s.Feed || l.Stale != s.Stale || !l.Updated.Equal(s.Updated) ||
		!slices.Equal(l.History, s.History)
}

func (c *stockCard) update(s model.Stock) {
	c.last = s
	c.source.Text, c.source.TextStyle = cutRunes(c.feed, 18), fyne.TextStyle{}
	if s.Simulated {
		c.source.Text, c.source.TextStyle.Italic = cutRunes(c.feed, 12)+" · simulated", true
	}
	col := up()
	sign := "+"
	if !s.Up() {
		col, sign = down(), ""
	}
	c.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	c.symbol.Color = theme.Color(theme.ColorNameForeground)
	c.price.Color = theme.Color(theme.ColorNameForeground)
	c.source.Color = theme.Color(theme.ColorNamePlaceHolder)
	c.price.Text = formatPrice(s.Price)
	c.change.Text = sign + fmt.Sprintf("%.2f", s.Change)
	c.percent.Text = fmt.Sprintf("%s%.2f%%", sign, s.ChangePercent)
	if len(s.History) == 0 { // added by the user, no quote yet
		c.price.Text, c.change.Text, c.percent.Text = "–", "no quote yet", ""
		col = theme.Color(theme.ColorNamePlaceHolder)
	}
	if s.Stale { // kept from the last run: grey, and as of when, until a fresh quote
		col = theme.Color(theme.ColorNamePlaceHolder)
		c.price.Color = col
		c.source.Text, c.source.TextStyle.Italic = cutRunes(c.feed, 9)+" · "+StaleSince(s.Updated, time.Now()), true
	}
	c.change.Color, c.percent.Color = col, col
	c.bg.Refresh()
	c.texts.Refresh() // lays out again (the percent's width changes) and redraws the texts
	c.spark.Set(s.History, col)
}

// StaleSince says when a kept quote is from: "as of 14:03" today, "as of 6 Dec" before.
func StaleSince(t, now time.Time) string {
	if t.IsZero() {
		return "last run"
	}
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return "as of " + t.Format("15:04")
	}
	return "as of " + t.Format("2 Jan")
}

// cutRunes shortens s to at most n runes, ending in "…" when cut.
func cutRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// formatPrice shows two decimals, four under 1 (penny stocks, crypto fractions).
func formatPrice(f float64) string {
	if math.Abs(f) < 1 && f != 0 {
		return fmt.Sprintf("%.4f", f)
	}
	return fmt.Sprintf("%.2f", f)
}
