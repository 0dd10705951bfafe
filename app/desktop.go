package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/backend"
	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/app/notify"
	"github.com/heraldhq/herald/app/ui"
	"github.com/heraldhq/herald/assets"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/demo"
	"github.com/heraldhq/herald/server/node"
)

// batchInterval paces UI refreshes: events arriving faster are shown together.
const batchInterval = 50 * time.Millisecond

// onUI runs f on the UI goroutine. Tests on Fyne's test driver (which runs f at once, on the
// calling goroutine) replace it to serialise with their own widget calls.
var onUI = fyne.Do

// desktop is the running app: model, backends, window and panels.
type desktop struct {
	ctx   context.Context
	app   fyne.App
	win   fyne.Window
	log   *slog.Logger
	prefs *prefs

	events  *model.Log
	stocks  *model.Stocks
	batch   *model.Batcher[model.Event]
	notify  notify.Notifier
	inbox   *model.Inbox // the notifications shown, for the history and unread count (inbox.go)
	engMu   sync.Mutex
	engine  *model.Engine
	conn    *model.Connection // what the hubs' herald.* events said, per feed
	hub     *backend.Hub
	feeds   *backend.Feeds
	rate    rateMeter
	visible atomic.Bool // the window shows; atomic as the one-second tick reads it off the UI goroutine

	tabs      *sidebar
	stockP    *ui.StockPanel
	logP      *ui.EventLog
	feedsP    *ui.FeedsPanel
	hubP      *ui.HubPanel
	settingsP *ui.SettingsPanel
	status    *widget.Label
	dndBtn    *widget.Button
	tray      *trayMenu
	stopLAN   func()                      // ends browsing the LAN (lan.go); nil when discovery is off
	quitAsk   *dialog.ConfirmDialog       // open while asking whether to quit (no tray host)
	staleTabs map[*container.TabItem]bool // drawn in an earlier theme while hidden
	last      *lastState                  // the cards and log rows kept across a restart (laststate.go)

	wg sync.WaitGroup
}

// newDesktop builds the app on a (a real app, or Fyne's test app) and starts the hub, the
// feeds and the batcher; they stop when ctx ends and shutdown is called.
func newDesktop(ctx context.Context, a fyne.App, key string, o options, log *slog.Logger, n notify.Notifier) *desktop {
	d := &desktop{ctx: ctx, app: a, log: log, notify: n,
		events: model.NewLog(model.DefaultLogCap), stocks: model.NewStocks(), conn: model.NewConnection(),
		batch: model.NewBatcher[model.Event](model.DefaultLogCap), inbox: model.NewInbox(0)}
	d.notify = historyNotifier{next: n, inbox: d.inbox}
	d.visible.Store(true)
	if o.dir == "" {
		o.dir = configDir()
	}
	d.prefs = loadPrefs(a, o.dir, log)
	s := d.prefs.get()
	if o.port > 0 {
		s.Hub.Port = o.port
	}
	if o.theme != "" {
		s.Theme = o.theme
	}
	if o.tab != "" {
		s.Tab = o.tab
	}
	d.prefs.set(s)
	a.Settings().SetTheme(ui.Theme{Variant: s.Theme})
	d.engine = &model.Engine{Rules: s.Rules, PriceAlerts: s.PriceAlerts, DND: s.DND, NotifySimulated: s.DemoNotify,
		DNDUntil: s.DNDUntil, DNDLetCritical: s.DNDLetCritical}

	// The window first: Fyne wants it before any widget.
	d.win = a.NewWindow("Herald")
	d.win.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))

	d.restoreState(o.dir) // laststate.go: before any feed or the demo quotes
	d.feeds = backend.NewFeeds(ctx, backend.FeedsOptions{
		Sink:    func(e model.Event) { d.batch.Add(e) },
		Changed: func() {}, // the one-second tick refreshes the feed states
		Save:    func(c []model.FeedConfig) { d.prefs.update(func(s *model.Settings) { s.Feeds = c }) },
	})
	d.feeds.Load(s.Feeds)
	// Load tidied the saved feeds (a token pasted inside a URL moves to its own field):
	// keep them as they run.
	d.prefs.update(func(s *model.Settings) { s.Feeds = d.feeds.Configs() })
	d.hub = &backend.Hub{Key: key, Logger: log, RunDemo: runDemo(log), OnChange: d.hubChanged}
	// The hub's history survives quitting, Apply and crashes. It lives in the app's own
	// folder, which one running copy holds; `herald serve` keeps its own file (history.db),
	// so both can run on one machine.
	d.hub.HistoryFile = filepath.Join(o.dir, "app-history.db")
	showLAN := func() {}
	if o.discovery {
		showLAN = d.startDiscovery() // lan.go
	}

	// The hub starts before the panels are built, so they show its real state.
	if err := d.hub.ApplyHub(s.Hub); err != nil {
		log.Error("hub", "err", err)
	}
	d.buildWindow(s)
	showLAN()
	d.setupTray()
	d.wg.Add(4)
	go func() { defer d.wg.Done(); d.batch.Run(ctx, batchInterval, d.deliver) }()
	go func() { defer d.wg.Done(); d.tick(ctx) }()
	go func() { defer d.wg.Done(); d.watchFeeds(ctx, newFeedWatch()) }() // feedwatch.go
	go func() { defer d.wg.Done(); d.keepState(ctx) }()                  // laststate.go
	return d
}

// runDemo runs the demo simulators on the own hub, as `herald serve --demo` does.
func runDemo(log *slog.Logger) func(ctx context.Context, h *server.Hub) {
	return node.Demo(demo.Options{Logger: log})
}

// hubChanged keeps the hub's settings and re-points the own feed after the hub started or
// stopped (from the hub panel, the tray or at start-up).
func (d *desktop) hubChanged() {
	hs := d.hub.HubSettings()
	d.prefs.update(func(s *model.Settings) { s.Hub = hs })
	d.feeds.SetOwn(d.hub.LocalURL())
}

func (d *desktop) buildWindow(s model.Settings) {
	d.stockP = ui.NewStockPanel(d.stocks)
	d.stockP.SetDemo(s.Hub.Enabled && s.Hub.Demo)
	d.stockP.SetCards(s.Cards)
	d.stockP.OnCardsChanged = func(c model.Cards) { d.prefs.update(func(s *model.Settings) { s.Cards = c }) }
	d.stockP.FeedNames = func() []string {
		var names []string
		for _, f := range d.feeds.Feeds() {
			names = append(names, f.Config.Name)
		}
		return names
	}
	d.logP = ui.NewEventLog(d.events, d.win, s.LogFilter)
	d.logP.OnFilterChanged = func(f model.Filter) { d.prefs.update(func(s *model.Settings) { s.LogFilter = f }) }
	d.feedsP = ui.NewFeedsPanel(gapFeeds{d.feeds, d.conn}, d.win)
	d.hubP = ui.NewHubPanel(d.hub, d.win)
	d.hubP.OnApplied = func(err error) {
		if err != nil {
			d.log.Error("hub", "err", err)
		}
		hs := d.hub.HubSettings()
		d.stockP.SetDemo(hs.Enabled && hs.Demo)
		d.tray.sync()
		d.updateStatus()
	}
	pub := &backend.Publisher{Own: d.hub.Server}
	broadcast := ui.NewBroadcastPanel(pub)
	d.settingsP = ui.NewSettingsPanel(ui.NotifySettings{Rules: s.Rules, PriceAlerts: s.PriceAlerts, DND: s.DND, Theme: s.Theme, DemoNotify: s.DemoNotify, StartHidden: s.StartHidden})
	d.settingsP.OnChange = d.settingsChanged
	d.settingsP.OnTest = func() {
		d.notify.Notify(model.Notification{Title: "Herald", Body: "Notifications work. You will see alerts like this one."})
	}

	live := container.NewVSplit(d.stockP.Object(), d.logP.Object())
	live.Offset = 0.3
	d.tabs = newSidebar(
		container.NewTabItemWithIcon("Live", theme.HomeIcon(), live),
		container.NewTabItemWithIcon("Feeds", theme.DownloadIcon(), container.NewPadded(d.feedsP.Object())),
		container.NewTabItemWithIcon("Hub", theme.ComputerIcon(), container.NewPadded(d.hubP.Object())),
		container.NewTabItemWithIcon("Broadcast", theme.MailSendIcon(), container.NewPadded(broadcast.Object())),
		container.NewTabItemWithIcon("Settings", theme.SettingsIcon(), container.NewPadded(d.settingsP.Object())),
	)
	for _, t := range d.tabs.Items {
		if t.Text == s.Tab {
			d.tabs.Select(t)
		}
	}
	d.tabs.OnSelected = func(t *container.TabItem) {
		if d.staleTabs[t] {
			delete(d.staleTabs, t)
			d.app.Settings().SetTheme(d.app.Settings().Theme()) // re-themes the tab now shown
		}
		d.prefs.update(func(s *model.Settings) { s.Tab = t.Text })
		d.refreshAll()
	}

	d.status = widget.NewLabel("")
	d.status.Truncation = fyne.TextTruncateEllipsis // a long error must not widen the window
	d.status.Importance = widget.LowImportance
	d.dndBtn = widget.NewButtonWithIcon("", theme.VolumeUpIcon(), d.showQuietMenu) // quiet.go
	d.dndBtn.Importance = widget.LowImportance
	d.showDND(s.DND)
	bar := container.NewBorder(widget.NewSeparator(), nil, nil, d.dndBtn, d.status)
	d.win.SetContent(container.NewBorder(nil, bar, nil, nil, d.tabs.Object()))
	d.win.Resize(fyne.NewSize(s.Width, s.Height))
	d.setupKeys() // keys.go
	d.refreshAll()
}

// settingsChanged applies the settings panel's changes to the engine and keeps them.
func (d *desktop) settingsChanged(n ui.NotifySettings) {
	d.engMu.Lock()
	if n.DND != d.engine.DND {
		d.engine.DNDUntil = time.Time{} // switched by hand: until switched back
	}
	d.engine.Rules, d.engine.PriceAlerts, d.engine.DND = n.Rules, n.PriceAlerts, n.DND
	d.engine.NotifySimulated = n.DemoNotify
	d.engMu.Unlock()
	if d.prefs.get().Theme != n.Theme {
		d.app.Settings().SetTheme(ui.Theme{Variant: n.Theme})
		d.stockP.Restyle() // the cards draw with explicit colours
		// Fyne re-themes only what is on screen: the other tabs, drawn earlier, would keep
		// their icons in the old colours (white on white) until re-themed when shown.
		d.staleTabs = map[*container.TabItem]bool{}
		for _, t := range d.tabs.Items {
			d.staleTabs[t] = t != d.tabs.Selected()
		}
	}
	if n.StartHidden != d.prefs.get().StartHidden {
		d.setStartHidden(n.StartHidden) // login.go: the start-at-login entry follows
	}
	d.prefs.update(func(s *model.Settings) {
		if s.DND != n.DND {
			s.DNDUntil = time.Time{}
		}
		s.Rules, s.PriceAlerts, s.DND, s.Theme = n.Rules, n.PriceAlerts, n.DND, n.Theme
		s.DemoNotify = n.DemoNotify
	})
	d.showDND(n.DND)
	d.tray.sync()
}

// setDND switches do not disturb from the status bar or the tray.
func (d *desktop) setDND(on bool) {
	d.settingsP.SetDND(on) // calls settingsChanged through OnChange
}

func (d *desktop) showDND(bool) {
	d.showQuiet() // quiet.go: says until when
}

// deliver runs on the batcher's goroutine: the model takes the batch, the rules decide on
// notifications, and the UI refreshes once.
func (d *desktop) deliver(evs []model.Event) {
	for i := range evs {
		evs[i].Note, _ = d.conn.Describe(evs[i])
	}
	d.events.Add(evs...)
	now := time.Now()
	var out []model.Notification
	d.engMu.Lock()
	for _, e := range evs {
		d.stocks.Ingest(e)
		out = append(out, d.engine.Process(e, now)...)
	}
	d.engMu.Unlock()
	d.rate.add(len(evs), now)
	for _, n := range out {
		d.notify.Notify(n)
	}
	onUI(d.refreshLive)
}

// tick flushes coalesced notifications and refreshes the slow-changing panels each second.
func (d *desktop) tick(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	unread := 0
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d.second(now, &unread)
		}
	}
}

// second is one tick. While the window is hidden it asks the UI goroutine for nothing
// unless the tray has something new to show (the unread count, a timed do not disturb
// ending): each onUI wakes Fyne's event loop, and a hidden app should sleep. It reports
// whether it asked.
func (d *desktop) second(now time.Time, unread *int) bool {
	d.engMu.Lock()
	out := d.engine.Flush(now)
	expired := d.engine.Quiet().Expired(now)
	d.engMu.Unlock()
	for _, n := range out {
		d.notify.Notify(n)
	}
	d.savePositions()
	n := d.inbox.Unread()
	if !d.visible.Load() && !expired && n == *unread {
		return false
	}
	*unread = n
	onUI(func() {
		d.expireQuiet(now) // quiet.go
		d.showUnread()     // inbox.go
		d.refreshSlow()
		d.keepWindowSize()
	})
	return true
}

func (d *desktop) refreshLive() {
	if !d.visible.Load() {
		return
	}
	d.stockP.Refresh()
	d.logP.Refresh()
}

// refreshSlow is the one-second refresh of what changes without events (the panel shown, the
// paused count, the status bar). Each part redraws only when what it shows changed, so a
// window at rest is not repainted; it returns how many parts redrew.
func (d *desktop) refreshSlow() int {
	if !d.visible.Load() {
		return 0
	}
	n := 0
	count := func(redrew bool) {
		if redrew {
			n++
		}
	}
	switch d.tabs.Selected().Text {
	case "Feeds":
		count(d.feedsP.Refresh())
	case "Hub":
		count(d.hubP.Refresh())
	case "Settings":
		d.offerFeeds() // SetFeeds does nothing for the same names
	}
	count(d.logP.Refresh()) // the paused count
	count(d.updateStatus())
	return n
}

func (d *desktop) refreshAll() {
	d.stockP.Refresh()
	d.logP.Refresh()
	d.feedsP.Refresh()
	d.hubP.Refresh()
	d.offerFeeds()
	d.updateStatus()
}

// offerFeeds gives the settings panel the feed names a rule can name.
func (d *desktop) offerFeeds() {
	var names []string
	for _, f := range d.feeds.Feeds() {
		names = append(names, f.Config.Name)
	}
	d.settingsP.SetFeeds(names)
}

// gapFeeds is the feed list as the feeds panel shows it: each feed's state with the reason
// its events may be missing, from the hub's last herald.gap.
type gapFeeds struct {
	ui.FeedManager
	conn *model.Connection
}

func (g gapFeeds) Feeds() []model.FeedInfo {
	fs, now := g.FeedManager.Feeds(), time.Now()
	for i := range fs {
		fs[i].Status.Gap, fs[i].Status.GapAt = g.conn.Warning(fs[i].Config.Name, now)
	}
	return fs
}

func (d *desktop) updateStatus() bool {
	hub := "Hub off"
	if st := d.hub.HubStatus(); st.Running {
		hub = fmt.Sprintf("Hub on %s · %s", st.URLs[len(st.URLs)-1], ui.Plural(st.Connections, "connection"))
	} else if st.Err != "" {
		hub = "Hub not running: " + st.Err
	}
	live, total := 0, 0
	for _, f := range d.feeds.Feeds() {
		total++
		if f.Status.Phase == model.PhaseLive {
			live++
		}
	}
	return ui.SetText(d.status, fmt.Sprintf("%s   ·   %d of %d feeds live   ·   %s events/s", hub, live, total, formatRate(d.rate.perSecond(time.Now()))))
}

func (d *desktop) keepWindowSize() {
	if !d.visible.Load() {
		return
	}
	sz := d.win.Canvas().Size()
	s := d.prefs.get()
	if sz.Width >= 400 && sz.Height >= 300 && (sz.Width != s.Width || sz.Height != s.Height) {
		d.prefs.update(func(s *model.Settings) { s.Width, s.Height = sz.Width, sz.Height })
	}
}

// shutdown stops the backends after the window closed and saves the settings, with each
// feed's final position.
func (d *desktop) shutdown() {
	if d.stopLAN != nil {
		d.stopLAN()
	}
	d.feeds.Stop()
	d.hub.Stop()
	d.saveState() // laststate.go
	d.savePositions()
	d.prefs.flush()
}

// savePositions keeps each feed's last event id in the settings when one moved, so a
// restart resumes there (written shortly after, with the next settings save).
func (d *desktop) savePositions() {
	cfgs := d.feeds.Configs()
	s := d.prefs.get()
	if len(cfgs) != len(s.Feeds) {
		return // the list is being changed; its own save follows
	}
	moved := false
	for i := range cfgs {
		if cfgs[i].Name != s.Feeds[i].Name {
			return
		}
		moved = moved || cfgs[i].LastID != s.Feeds[i].LastID
	}
	if moved {
		d.prefs.update(func(s *model.Settings) {
			if len(s.Feeds) == len(cfgs) {
				for i := range cfgs {
					if s.Feeds[i].Name == cfgs[i].Name {
						s.Feeds[i].LastID = cfgs[i].LastID
					}
				}
			}
		})
	}
}

// rateMeter counts events per second, averaged over the last few whole seconds so bursty
// feeds (a demo tick once a second) read steadily.
type rateMeter struct {
	mu   sync.Mutex
	secs [8]int64 // the second each bucket counts
	n    [8]int
}

const rateWindow = 5 // seconds averaged

func (r *rateMeter) add(n int, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := now.Unix()
	i := s % int64(len(r.n))
	if r.secs[i] != s {
		r.secs[i], r.n[i] = s, 0
	}
	r.n[i] += n
}

func (r *rateMeter) perSecond(now time.Time) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	total := 0
	for s := now.Unix() - rateWindow; s < now.Unix(); s++ {
		if i := s % int64(len(r.n)); r.secs[i] == s {
			total += r.n[i]
		}
	}
	return float64(total) / rateWindow
}

func formatRate(r float64) string {
	if r < 10 {
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.0f", r)
}
