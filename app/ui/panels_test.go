package ui

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

func TestStockPanelBothShapes(t *testing.T) {
	test.NewTempApp(t)
	s := model.NewStocks()
	p := NewStockPanel(s)
	w := test.NewTempWindow(t, p.Object())
	w.Resize(fyne.NewSize(800, 400))
	if p.empty.Visible() == false {
		t.Fatal("no quotes yet: the hint should show")
	}
	s.Ingest(model.Event{Type: "stock-update", Data: `{"symbol":"AAPL","price":189.5,"change":1.5,"changePercent":0.8}`})
	s.Ingest(model.Event{Type: "stock_update", Data: `{"symbol":"MSFT","price":"402.10","change":"-3.20","change_percent":"-0.79"}`})
	p.Refresh()
	for _, tt := range []struct{ sym, price, change, pct string }{
		{"AAPL", "189.50", "+1.50", "+0.80%"},
		{"MSFT", "402.10", "-3.20", "-0.79%"},
	} {
		price, change, pct, ok := p.Card("", tt.sym)
		if !ok || price != tt.price || change != tt.change || pct != tt.pct {
			t.Errorf("%s card = %q %q %q (found %v), want %q %q %q", tt.sym, price, change, pct, ok, tt.price, tt.change, tt.pct)
		}
	}
	if p.cards[model.StockKey("", "AAPL")].change.Color != up() || p.cards[model.StockKey("", "MSFT")].change.Color != down() {
		t.Error("rising should be green and falling red")
	}
	if p.empty.Visible() {
		t.Error("the hint should hide once quotes arrived")
	}
	s.Ingest(model.Event{Type: "stock-update", Data: `{"symbol":"AAPL","price":191,"change":3,"changePercent":1.6}`})
	p.Refresh()
	if price, _, _, _ := p.Card("", "AAPL"); price != "191.00" {
		t.Errorf("card not updated in place: %q", price)
	}
	if n := len(p.grid.Objects) - 1; n != 2 { // and the "Add symbol" tile
		t.Errorf("%d cards, want 2", n)
	}
	if got := len(p.cards[model.StockKey("", "AAPL")].spark.values); got != 2 {
		t.Errorf("sparkline has %d points, want 2", got)
	}
}

// TestStockPanelCardPerFeed: the same symbol from two feeds makes two cards, each naming its
// feed and showing only its own prices.
func TestStockPanelCardPerFeed(t *testing.T) {
	test.NewTempApp(t)
	s := model.NewStocks()
	p := NewStockPanel(s)
	test.NewTempWindow(t, p.Object()).Resize(fyne.NewSize(800, 400))
	s.Ingest(model.Event{Feed: "Broker", Type: "stock-update", Data: `{"symbol":"ACME","price":100}`})
	s.Ingest(model.Event{Feed: "Teammate", Type: "stock-update", Data: `{"symbol":"ACME","price":250}`})
	s.Ingest(model.Event{Feed: "Broker", Type: "stock-update", Data: `{"symbol":"ACME","price":101}`})
	p.Refresh()
	if n := len(p.grid.Objects) - 1; n != 2 { // and the "Add symbol" tile
		t.Fatalf("%d cards, want one ACME card per feed", n)
	}
	for _, tt := range []struct{ feed, price string }{{"Broker", "101.00"}, {"Teammate", "250.00"}} {
		price, _, _, ok := p.Card(tt.feed, "ACME")
		if !ok || price != tt.price {
			t.Errorf("%s's ACME card shows %q (found %v), want %s", tt.feed, price, ok, tt.price)
		}
		if src := p.cards[model.StockKey(tt.feed, "ACME")].source.Text; src != tt.feed {
			t.Errorf("card names its source %q, want %q", src, tt.feed)
		}
	}
}

func newTestLog(t *testing.T, capacity int) (*model.Log, *EventLog) {
	test.NewTempApp(t)
	l := model.NewLog(capacity)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	el := NewEventLog(l, w, model.Filter{})
	w.SetContent(el.Object())
	w.Resize(fyne.NewSize(900, 500))
	return l, el
}

func TestEventLogFilterPauseCapExport(t *testing.T) {
	l, el := newTestLog(t, 3)
	l.Add(model.Event{Feed: "hub", Type: "message", Data: "one"},
		model.Event{Feed: "ci", Type: "alert", Data: `{"message":"disk"}`})
	el.Refresh()
	if len(el.Rows()) != 2 || el.Rows()[0].Type != "alert" {
		t.Fatalf("rows %+v", el.Rows())
	}
	if got := el.feedSel.Options; len(got) != 3 {
		t.Errorf("feed choices %v, want All + hub + ci", got)
	}
	el.feedSel.SetSelected("ci")
	if len(el.Rows()) != 1 || el.Filter().Feed != "ci" {
		t.Errorf("feed filter: %+v", el.Rows())
	}
	el.feedSel.SetSelected(allFeeds)
	test.Type(el.search, "ONE")
	if len(el.Rows()) != 1 || el.Rows()[0].Data != "one" {
		t.Errorf("text filter: %+v", el.Rows())
	}
	el.search.SetText("")

	el.TogglePause()
	l.Add(model.Event{Feed: "hub", Type: "message", Data: "while paused"})
	el.Refresh()
	if len(el.Rows()) != 2 || !strings.Contains(el.status.Text, "1 new") {
		t.Errorf("paused: rows %d status %q", len(el.Rows()), el.status.Text)
	}
	el.TogglePause()
	el.Refresh()
	if el.Rows()[0].Data != "while paused" {
		t.Errorf("resume should show the new event first: %+v", el.Rows()[0])
	}

	l.Add(model.Event{Type: "message", Data: "4"}, model.Event{Type: "message", Data: "5"})
	el.Refresh()
	if len(el.Rows()) != 3 || el.Rows()[2].Data != "while paused" {
		t.Errorf("cap 3 should keep the newest three: %+v", el.Rows())
	}
	var buf bytes.Buffer
	if err := el.Export(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"while paused"`) || !strings.Contains(lines[2], `"data":"5"`) {
		t.Errorf("export (oldest first):\n%s", buf.String())
	}
	el.Clear()
	if len(el.Rows()) != 0 {
		t.Errorf("clear left %d rows", len(el.Rows()))
	}
}

func TestEventLogCellsAndDialog(t *testing.T) {
	l, el := newTestLog(t, 10)
	l.Add(model.Event{Feed: "hub", Type: "alert", ID: "9", Data: `{"level":"critical","message":"x"}`, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	el.Refresh()
	lb := widget.NewLabel("")
	el.updateCell(widget.TableCellID{Row: 0, Col: 2}, lb)
	if lb.Text != "alert" || lb.Importance != widget.DangerImportance {
		t.Errorf("event cell %q importance %v", lb.Text, lb.Importance)
	}
	el.updateCell(widget.TableCellID{Row: 0, Col: 0}, lb)
	if want := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Local().Format("2 Jan 15:04"); lb.Text != want { // not today: with its day
		t.Errorf("time cell %q, want %q", lb.Text, want)
	}
	el.ShowEvent(el.Rows()[0]) // must not panic; the dialog holds the pretty JSON
	if !strings.Contains(el.Rows()[0].Pretty(), "\n  \"level\": \"critical\"") {
		t.Error("pretty print")
	}
}

func TestFeedsPanelStates(t *testing.T) {
	test.NewTempApp(t)
	now := time.Unix(1700000000, 0)
	mgr := &fakeFeeds{list: []model.FeedInfo{{Own: true, Config: model.FeedConfig{Name: "This hub", URL: "http://127.0.0.1:7878"}, Status: model.FeedStatus{Phase: model.PhaseLive, Events: 12, LastEvent: now.Add(-5 * time.Second)}}}}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	p := NewFeedsPanel(mgr, w)
	p.now = func() time.Time { return now }
	w.SetContent(p.Object())
	p.Refresh()
	if name, state, counters := p.Row(0); name != "This hub" || state != "live" || counters != "12 events · last 5 s ago" {
		t.Errorf("row 0 = %q %q %q", name, state, counters)
	}
	f := NewFeedForm(model.FeedConfig{Enabled: true})
	test.Type(f.Name, "CI")
	test.Type(f.URL, "not a url")
	if p.Save("", f) || !strings.Contains(f.Err.Text, "not an http(s) address") {
		t.Errorf("bad URL accepted; error %q", f.Err.Text)
	}
	f.URL.SetText("http://10.0.0.9:7878")
	f.Channels.SetText("builds, deploys")
	f.Headers.SetText("X-Api-Key: k")
	if !p.Save("", f) {
		t.Fatalf("valid feed refused: %q", f.Err.Text)
	}
	got := mgr.list[1].Config
	if got.Name != "CI" || len(got.Channels) != 2 || got.Headers["X-Api-Key"] != "k" || !got.Enabled {
		t.Errorf("saved %+v", got)
	}
	mgr.list[1].Status = model.FeedStatus{Phase: model.PhaseRetrying, RetryAt: now.Add(4 * time.Second), Err: "connection refused"}
	p.Refresh()
	if _, state, _ := p.Row(1); state != "retrying in 4 s (connection refused)" {
		t.Errorf("retrying state %q", state)
	}
	mgr.list[1].Status = model.FeedStatus{Phase: model.PhaseFailed, Err: "401 Unauthorized"}
	p.Refresh()
	if _, state, _ := p.Row(1); state != "failed: 401 Unauthorized" {
		t.Errorf("failed state %q", state)
	}
	// the list renders rows for both feeds without panicking
	row := p.createRow()
	p.updateRow(1, row)
	if r := row.(*feedRow); r.state.Importance != widget.DangerImportance || !r.remove.Visible() {
		t.Errorf("failed row: importance %v", r.state.Importance)
	}
	p.updateRow(0, row)
	if row.(*feedRow).remove.Visible() {
		t.Error("the own hub cannot be removed")
	}
}

func TestBroadcastValidation(t *testing.T) {
	test.NewTempApp(t)
	pub := &fakePub{}
	p := NewBroadcastPanel(pub)
	test.NewTempWindow(t, p.Object())
	tests := []struct {
		name    string
		set     func()
		wantErr string
	}{
		{"empty message", func() {}, "nothing to send"},
		{"bad channel", func() { p.Channel.SetText("no spaces"); p.Message.SetText("x") }, "channel"},
		{"reserved event", func() { p.Event.SetText("herald.connected"); p.Message.SetText("x") }, "reserved"},
		{"bad json", func() { p.Format.SetSelected(formatJSON); p.Message.SetText("{nope") }, "not valid JSON"},
		{"remote without token", func() { p.Target.SetSelected(targetRemote); p.RemoteURL.SetText("http://h:1"); p.Message.SetText("x") }, "needs a token"},
		{"remote bad url", func() { p.Target.SetSelected(targetRemote); p.RemoteURL.SetText("h:1"); p.Message.SetText("x") }, "not an http(s) address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.Target.SetSelected(targetOwn)
			p.Channel.SetText("default")
			p.Event.SetText("notification")
			p.Format.SetSelected(formatText)
			p.Message.SetText("")
			p.Title.SetText("")
			tt.set()
			err := p.SendNow()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || p.Result.Text != err.Error() {
				t.Errorf("err %v (shown %q), want %q", err, p.Result.Text, tt.wantErr)
			}
		})
	}
	if len(pub.got) != 0 {
		t.Fatalf("invalid forms were sent: %+v", pub.got)
	}
	p.Target.SetSelected(targetOwn)
	p.Channel.SetText("alerts")
	p.Event.SetText("alert")
	p.Level.SetSelected("critical")
	p.Format.SetSelected(formatText)
	p.Title.SetText("Disk")
	p.Message.SetText("full")
	if err := p.SendNow(); err != nil {
		t.Fatal(err)
	}
	if got := pub.got[0]; got.Channel != "alerts" || got.Event != "alert" || got.Data != `{"level":"critical","message":"full","title":"Disk"}` {
		t.Errorf("sent %+v", got)
	}
	if !strings.Contains(p.Result.Text, "id 42") {
		t.Errorf("result %q", p.Result.Text)
	}
	pub.fail = errors.New("403: token may not publish to alerts")
	if err := p.SendNow(); err == nil || p.Result.Text != pub.fail.Error() {
		t.Errorf("publish errors must show in the window: %q", p.Result.Text)
	}
}

func TestHubPanel(t *testing.T) {
	test.NewTempApp(t)
	hub := &fakeHub{s: model.HubSettings{Enabled: true, Port: 7878, Demo: true},
		st: model.HubStatus{Running: true, URLs: []string{"http://127.0.0.1:7878", "http://192.168.1.5:7878"}, Connections: 3, Channels: 2}}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	p := NewHubPanel(hub, w)
	w.SetContent(p.Object())
	if p.Port.Text != "7878" || !p.Demo.Checked || len(p.urls.Objects) != 4 || p.qr.Resource == nil { // the tip, its "Turn on sharing" and 2 URLs
		t.Fatalf("panel shows port %q demo %v, %d URLs, qr %v", p.Port.Text, p.Demo.Checked, len(p.urls.Objects), p.qr.Resource)
	}
	if !strings.Contains(p.counts.Text, "3 connections · 2 channels") {
		t.Errorf("counts %q", p.counts.Text)
	}
	p.Port.SetText("99999")
	if err := p.Apply(); err == nil || !strings.Contains(p.Err.Text, "1 to 65535") || hub.applied != 0 {
		t.Errorf("bad port: %v", err)
	}
	p.Port.SetText("8080")
	p.Redis.SetText("localhost:6379")
	if err := p.Apply(); err == nil || !strings.Contains(p.Err.Text, "redis://") {
		t.Errorf("bad redis URL: %v", err)
	}
	p.Redis.SetText("")
	p.LAN.SetChecked(true)
	err := p.Apply()
	p.Wait()
	if err != nil || hub.s.Port != 8080 || !hub.s.LAN || p.Err.Text != "" {
		t.Errorf("apply: %v, %+v", err, hub.s)
	}
	hub.fail = errors.New("port 8080 is in use: pick another")
	p.Apply()
	p.Wait()
	if p.Err.Text != hub.fail.Error() {
		t.Errorf("apply errors must show: %q", p.Err.Text)
	}
	if link, err := p.Invite("alerts", "*", time.Hour); err != nil || !strings.Contains(link, "token=") {
		t.Errorf("invite %q %v", link, err)
	}
	if _, err := QRFor("http://x", 128); err != nil {
		t.Error(err)
	}
}

func TestSettingsPanel(t *testing.T) {
	test.NewTempApp(t)
	p := NewSettingsPanel(NotifySettings{Rules: model.DefaultRules()})
	test.NewTempWindow(t, p.Object())
	var last NotifySettings
	changes := 0
	p.OnChange = func(s NotifySettings) { last = s; changes++ }
	test.Tap(p.DND)
	if !last.DND || changes != 1 {
		t.Errorf("DND change: %+v", last)
	}
	if err := p.AddRule(); err == nil {
		t.Error("an empty rule was accepted")
	}
	p.RuleEvent.SetText("deploy")
	p.SetFeeds([]string{"This hub", "ci"})
	p.RuleFeed.SetSelected("ci")
	if err := p.AddRule(); err != nil || len(last.Rules) != 3 || last.Rules[2] != (model.Rule{Feed: "ci", Event: "deploy", Enabled: true}) {
		t.Errorf("add rule: %v %+v", err, last.Rules)
	}
	p.Symbol.SetText("aapl")
	p.Threshold.SetText("abc")
	if err := p.AddPriceAlert(); err == nil || !strings.Contains(p.Err.Text, "not a number") {
		t.Errorf("bad threshold: %v", err)
	}
	p.Threshold.SetText("150")
	p.Direction.SetSelected("below")
	if err := p.AddPriceAlert(); err != nil || len(last.PriceAlerts) != 1 || last.PriceAlerts[0].String() != "AAPL below 150" {
		t.Errorf("add alert: %v %+v", err, last.PriceAlerts)
	}
	before := changes
	p.SetDND(false) // from the tray: reported like a click
	if last.DND || changes != before+1 {
		t.Errorf("SetDND(false) from elsewhere: DND %v after %d changes", last.DND, changes)
	}
	p.Theme.SetSelected("Dark")
	if last.Theme != "dark" {
		t.Errorf("theme %q", last.Theme)
	}
	if len(p.rules.Objects) != 3 || len(p.alerts.Objects) != 1 {
		t.Errorf("%d rule rows, %d alert rows", len(p.rules.Objects), len(p.alerts.Objects))
	}
}

// TestStockCardsPinRemoveAdd: a card's menu pins it to the front or removes it, "Add symbol"
// adds a card that follows the chosen feed before its first quote, and every change is
// handed on to be kept.
func TestStockCardsPinRemoveAdd(t *testing.T) {
	test.NewTempApp(t)
	s := model.NewStocks()
	p := NewStockPanel(s)
	test.NewTempWindow(t, p.Object()).Resize(fyne.NewSize(1000, 400))
	var kept model.Cards
	p.OnCardsChanged = func(c model.Cards) { kept = c }
	for _, q := range []struct{ feed, sym string }{{"Broker", "AAPL"}, {"Broker", "MSFT"}, {"Teammate", "MSFT"}} {
		s.Ingest(model.Event{Feed: q.feed, Type: "stock-update", Data: `{"symbol":"` + q.sym + `","price":10}`})
	}
	p.Refresh()
	key := model.StockKey
	order := func() string { return strings.Join(p.Shown(), " | ") }
	msft := model.CardRef{Feed: "Teammate", Symbol: "MSFT"}
	if m := p.cardMenu(msft); m.Items[0].Label != "Pin to the front" || m.Items[1].Label != "Remove card" {
		t.Fatalf("card menu %v", m.Items)
	}
	p.cardMenu(msft).Items[0].Action()
	if p.Shown()[0] != key("Teammate", "MSFT") || !kept.IsPinned(msft) {
		t.Errorf("after Pin: %s, kept %+v", order(), kept)
	}
	if m := p.cardMenu(msft); m.Items[0].Label != "Unpin" {
		t.Errorf("a pinned card's menu offers %q", m.Items[0].Label)
	}
	p.cardMenu(model.CardRef{Feed: "Broker", Symbol: "AAPL"}).Items[1].Action()
	if slices.Contains(p.Shown(), key("Broker", "AAPL")) || len(kept.Hidden) != 1 {
		t.Errorf("after Remove: %s, kept %+v", order(), kept)
	}
	p.Pin(model.CardRef{Feed: "Broker", Symbol: "tsla"}) // what Add symbol does
	if price, change, _, ok := p.Card("Broker", "TSLA"); !ok || price != "–" || change != "no quote yet" {
		t.Errorf("added card: %q %q %v (%s)", price, change, ok, order())
	}
	s.Ingest(model.Event{Feed: "Broker", Type: "stock-update", Data: `{"symbol":"TSLA","price":250}`})
	p.Refresh()
	if price, _, _, _ := p.Card("Broker", "TSLA"); price != "250.00" {
		t.Errorf("the added card did not follow its feed: %q", price)
	}
	p2 := NewStockPanel(s) // started again with what was kept
	p2.SetCards(kept)
	if strings.Join(p2.Shown(), " | ") != order() {
		t.Errorf("kept arrangement %s, want %s", strings.Join(p2.Shown(), " | "), order())
	}
}
