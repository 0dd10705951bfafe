package app

import (
	"context"
	"os"
	"time"

	"fyne.io/fyne/v2"

	"github.com/heraldhq/herald/app/model"
)

// feedWatchEvery is how often the feeds' states are looked at for outages: coarse next to
// the 30 s that make a feed "down", and cheap (a copy of a few structs), so it may run
// while the window is hidden.
const feedWatchEvery = 2 * time.Second

// newFeedWatch is the outage watch; HERALD_FEED_DOWN_AFTER (a Go duration) shortens the
// 30 s for tests and the impatient.
func newFeedWatch() *model.FeedWatch {
	w := &model.FeedWatch{}
	if d, err := time.ParseDuration(os.Getenv("HERALD_FEED_DOWN_AFTER")); err == nil && d > 0 {
		w.DownAfter = d
		w.BackAfter = min(model.DefaultBackAfter, d)
	}
	return w
}

// watchFeeds notifies once when a feed goes down and once when it is back (model.FeedWatch),
// and names the feeds that are down in the tray menu, until ctx ends.
func (d *desktop) watchFeeds(ctx context.Context, w *model.FeedWatch) {
	t := time.NewTicker(feedWatchEvery)
	defer t.Stop()
	shown := ""
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d.observeFeeds(w, now, &shown)
		}
	}
}

// observeFeeds is one look: the notifications due (unless do not disturb holds them back),
// and the tray's line when it changed.
func (d *desktop) observeFeeds(w *model.FeedWatch, now time.Time, shown *string) {
	for _, n := range w.Observe(d.feeds.Feeds(), now) {
		d.engMu.Lock()
		quiet := d.engine.Quiet().Blocks(n, now)
		d.engMu.Unlock()
		if !quiet {
			d.notify.Notify(n)
		}
	}
	if label := model.DownLabel(w.Down()); label != *shown {
		*shown = label
		onUI(func() { d.tray.showDown(label) })
	}
}

// showDown puts the line about feeds that are down at the top of the tray menu ("⚠ 1 feed
// down: teammate", opening the Feeds panel), or takes it away when label is "".
func (t *trayMenu) showDown(label string) {
	if t == nil || !t.registered {
		return
	}
	if t.down == nil {
		t.down = fyne.NewMenuItem("", func() {
			t.d.bringToFront()
			t.d.openTab("Feeds")
		})
	}
	items := make([]*fyne.MenuItem, 0, len(t.menu.Items)+1)
	if label != "" {
		t.down.Label = label
		items = append(items, t.down)
	}
	for _, it := range t.menu.Items {
		if it != t.down {
			items = append(items, it)
		}
	}
	t.menu.Items = items
	t.refresh()
}

// openTab shows the panel named name.
func (d *desktop) openTab(name string) {
	for _, it := range d.tabs.Items {
		if it.Text == name {
			d.tabs.Select(it)
		}
	}
}
