package ui

import (
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// TestCaptureDialogs renders the dialogs with Fyne's software painter and, when
// HERALD_SHOTS_DIR is set, writes them there as PNGs to look at (light and dark). Without
// the variable it still checks that each dialog renders a non-empty image.
func TestCaptureDialogs(t *testing.T) {
	dir := os.Getenv("HERALD_SHOTS_DIR")
	for _, variant := range []string{"light", "dark"} {
		a := test.NewTempApp(t)
		a.Settings().SetTheme(Theme{Variant: variant})
		for _, c := range []struct {
			name string
			open func(w fyne.Window)
		}{
			{"event", func(w fyne.Window) {
				l := model.NewLog(10)
				el := NewEventLog(l, w, model.Filter{})
				w.SetContent(el.Object())
				el.ShowEvent(model.Event{Time: time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC), Feed: "CI", Type: "alert", ID: "1795323437467-12",
					Data: `{"level":"critical","title":"Build failed","message":"main #812 failed on the test step","commit":"4f2a9c1","tests":{"passed":412,"failed":3}}`})
			}},
			{"addfeed", func(w fyne.Window) {
				p := NewFeedsPanel(&fakeFeeds{}, w)
				w.SetContent(p.Object())
				p.EditDialog(model.FeedConfig{Enabled: true})
			}},
			{"feeds-states", func(w fyne.Window) {
				now := time.Now()
				p := NewFeedsPanel(&fakeFeeds{list: []model.FeedInfo{
					{Own: true, Config: model.FeedConfig{Name: "This hub", URL: "http://127.0.0.1:7878", Channels: []string{"*"}}, Status: model.FeedStatus{Phase: model.PhaseLive, Events: 1234, LastEvent: now}},
					{Config: model.FeedConfig{Name: "CI server", URL: "http://10.0.0.9:7878", Channels: []string{"builds", "deploys"}}, Status: model.FeedStatus{Phase: model.PhaseRetrying, RetryAt: now.Add(4 * time.Second), Err: "dial tcp 10.0.0.9:7878: connect: connection refused", Events: 87, LastEvent: now.Add(-3 * time.Minute)}},
					{Config: model.FeedConfig{Name: "Status page", URL: "https://status.example.com/stream"}, Status: model.FeedStatus{Phase: model.PhaseFailed, Err: "401 Unauthorized: the token is missing or wrong"}},
					{Config: model.FeedConfig{Name: "Paused feed", URL: "http://10.0.0.7:7878"}, Status: model.FeedStatus{Phase: model.PhaseOff}},
				}}, w)
				w.SetContent(p.Object())
			}},
			{"broadcast-error", func(w fyne.Window) {
				p := NewBroadcastPanel(&fakePub{})
				w.SetContent(p.Object())
				p.Target.SetSelected(targetRemote)
				p.RemoteURL.SetText("http://192.168.1.20:7878")
				p.Message.SetText("deploy done")
				p.SendNow() // no token: the error shows under the form
			}},
			{"hub-restarting", func(w fyne.Window) {
				hub := &slowHub{s: model.HubSettings{Enabled: true, Port: 7878}, release: make(chan struct{})}
				p := NewHubPanel(hub, w)
				w.SetContent(p.Object())
				test.Tap(p.ApplyButton) // stays restarting until the test ends
				t.Cleanup(func() { close(hub.release); p.Wait() })
			}},
			{"hub-error", func(w fyne.Window) {
				hub := &slowHub{s: model.HubSettings{Enabled: true, Port: 7878}, release: make(chan struct{}),
					fail: errors.New("port 7878 is in use by another program: pick another port")}
				close(hub.release)
				p := NewHubPanel(hub, w)
				w.SetContent(p.Object())
				test.Tap(p.ApplyButton)
				p.Wait()
			}},
			{"log-filtered-gap", func(w fyne.Window) {
				l, c := model.NewLog(50), model.NewConnection()
				at := time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
				for i, e := range []model.Event{
					{Feed: "CI", Type: model.ControlConnected, Data: `{"id":"c8","channels":["builds"]}`},
					{Feed: "CI", Type: "build", ID: "1795323437467-1", Data: `{"title":"main #811 passed"}`},
					{Feed: "CI", Type: model.ControlShutdown, Data: `{"reason":"the hub is shutting down; reconnect later"}`},
					{Feed: "CI", Type: model.ControlConnected, Data: `{"id":"c1","channels":["builds"]}`},
					{Feed: "CI", Type: model.ControlGap, Data: `{"reason":"trimmed","lastEventId":"1795323437467-1"}`},
					{Feed: "CI", Type: "alert", ID: "1795323499000-1", Data: `{"level":"warning","title":"slow tests"}`},
					{Feed: "This hub", Type: "tick", ID: "1795323499000-2", Data: `{"time":"09:30:06"}`},
				} {
					e.Time = at.Add(time.Duration(i) * time.Second)
					e.Note, _ = c.Describe(e)
					l.Add(e)
				}
				el := NewEventLog(l, w, model.Filter{Feed: "CI"})
				w.SetContent(el.Object())
			}},
			{"feeds-gap", func(w fyne.Window) {
				p := NewFeedsPanel(&fakeFeeds{list: []model.FeedInfo{
					{Own: true, Config: model.FeedConfig{Name: "This hub", URL: "http://127.0.0.1:7878", Channels: []string{"*"}}, Status: model.FeedStatus{Phase: model.PhaseLive, Events: 1234, LastEvent: time.Now()}},
					{Config: model.FeedConfig{Name: "CI server", URL: "http://10.0.0.9:7878", Channels: []string{"builds"}}, Status: model.FeedStatus{Phase: model.PhaseLive, Events: 87, LastEvent: time.Now(),
						Gap: model.GapReason("trimmed", true, 0), GapAt: time.Date(2026, 11, 22, 9, 30, 0, 0, time.Local)}},
				}}, w)
				w.SetContent(p.Object())
			}},
			{"settings-dnd-test", func(w fyne.Window) {
				p := NewSettingsPanel(NotifySettings{Rules: append(model.DefaultRules(), model.Rule{Feed: "Old CI", Event: "deploy", Enabled: true}), DND: true})
				p.SetFeeds([]string{"This hub", "CI server"})
				w.SetContent(p.Object())
				p.SendTest()
			}},
			{"invite", func(w fyne.Window) {
				p := NewHubPanel(&fakeHub{s: model.HubSettings{Enabled: true, Port: 7878, LAN: true}, st: model.HubStatus{Running: true, URLs: []string{"http://127.0.0.1:7878", "http://192.168.1.5:7878"}}}, w)
				w.SetContent(p.Object())
				p.inviteDialog()
				test.Tap(p.lastInvite)
			}},
			{"invite-local-only", func(w fyne.Window) {
				p := NewHubPanel(&fakeHub{s: model.HubSettings{Enabled: true, Port: 7878}, st: model.HubStatus{Running: true, URLs: []string{"http://127.0.0.1:7878"}}}, w)
				w.SetContent(p.Object())
				p.inviteDialog()
				test.Tap(p.lastInvite)
			}},
			{"hub-local-only", func(w fyne.Window) {
				p := NewHubPanel(&fakeHub{s: model.HubSettings{Enabled: true, Port: 7878}, st: model.HubStatus{Running: true, URLs: []string{"http://127.0.0.1:7878"}}}, w)
				w.SetContent(p.Object())
			}},
			{"event-62KB", func(w fyne.Window) {
				el := NewEventLog(model.NewLog(10), w, model.Filter{})
				w.SetContent(el.Object())
				el.ShowEvent(bigEvent(62 << 10))
			}},
			{"addfeed-invite-pasted", func(w fyne.Window) {
				p := NewFeedsPanel(&fakeFeeds{}, w)
				w.SetContent(p.Object())
				p.EditDialog(model.FeedConfig{Enabled: true})
				if f := p.lastForm; f != nil {
					f.Name.SetText("Teammate")
					f.URL.SetText("http://192.168.1.5:7878/?token=eyJhbGciOiJIUzI1NiJ9.eyJoZXJhbGQiOnt9fQ.c2ln")
				}
			}},
			{"feed-error-detail", func(w fyne.Window) {
				mgr := &fakeFeeds{list: []model.FeedInfo{{Config: model.FeedConfig{Name: "CI server", URL: "http://10.0.0.9:7878", Channels: []string{"builds"}, Enabled: true},
					Status: model.FeedStatus{Phase: model.PhaseFailed, Err: `401 Unauthorized: channel "builds" is private: subscribing needs a token (add ?token=… to the URL, or send 'Authorization: Bearer …')`}}}}
				p := NewFeedsPanel(mgr, w)
				w.SetContent(p.Object())
				p.EditDialog(mgr.list[0].Config)
			}},
			{"channel-picker", func(w fyne.Window) {
				p := NewFeedsPanel(&fakeFeeds{channels: []string{"alerts", "ci.builds", "ci.deploys", "stocks"}}, w)
				w.SetContent(p.Object())
				p.EditDialog(model.FeedConfig{Enabled: true})
				p.lastForm.URL.SetText("http://10.0.0.2:7878")
				p.PickChannels(p.lastForm)
				p.WaitPick()
			}},
			{"stocks-per-feed", func(w fyne.Window) {
				s := model.NewStocks()
				for i, f := range []string{"Broker", "Teammate"} {
					for j := range 20 {
						s.Ingest(model.Event{Feed: f, Type: "stock-update", Data: fmt.Sprintf(`{"symbol":"ACME","price":%g}`, float64(100+i*50)+float64(j)*0.4)})
						s.Ingest(model.Event{Feed: f, Type: "stock-update", Data: fmt.Sprintf(`{"symbol":"MSFT","price":%g,"change":-2}`, float64(400+i*3)-float64(j)*0.3)})
					}
				}
				p := NewStockPanel(s)
				p.SetCards(model.Cards{Pinned: []model.CardRef{{Feed: "Teammate", Symbol: "MSFT"}, {Feed: "Broker", Symbol: "TSLA"}}})
				w.SetContent(p.Object())
			}},
		} {
			w := test.NewTempWindow(t, widget.NewLabel(""))
			w.Resize(fyne.NewSize(1000, 700))
			c.open(w)
			img := w.Canvas().Capture()
			if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 400 {
				t.Fatalf("%s: captured %v", c.name, b)
			}
			if dir == "" {
				continue
			}
			f, err := os.Create(filepath.Join(dir, "desktop-dialog-"+c.name+"-"+variant+".png"))
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
}
