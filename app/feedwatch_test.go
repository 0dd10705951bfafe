package app

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
)

// A feed whose hub is not there: after 30 s (on the watch's clock) one notification says it
// is down, the tray menu names it first and opens the Feeds panel; later looks add none.
func TestFeedDownNotifiesOnceAndShowsInTheTray(t *testing.T) {
	d, a, rec, _, ui := trayDesktop(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close() // nobody listens there now: the feed keeps retrying
	if err := d.feeds.PutFeed("", model.FeedConfig{Name: "teammate", URL: "http://" + addr, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	downs := func() (n int) {
		for _, s := range rec.Sent() {
			if s.Title == "Feed teammate is down" {
				n++
			}
		}
		return n
	}
	w, shown := &model.FeedWatch{}, ""
	now := time.Now()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if f := d.feeds.Feeds(); len(f) == 2 && f[1].Status.Phase != model.PhaseConnecting && f[1].Status.Phase != model.PhaseLive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the feed never went to retrying: %+v", d.feeds.Feeds())
		}
	}
	for i := 0; i <= 40; i += 2 {
		d.observeFeeds(w, now.Add(time.Duration(i)*time.Second), &shown)
		if i < 30 && downs() > 0 {
			t.Fatalf("down notified after %d s, before 30 s", i)
		}
	}
	if n := downs(); n != 1 {
		t.Fatalf("%d down notifications after 40 s, want 1: %+v", n, rec.Sent())
	}
	ui(func() {
		first := a.menu.Items[0]
		if first.Label != "⚠ 1 feed down: teammate" {
			t.Fatalf("the tray menu starts with %q", first.Label)
		}
		first.Action()
		if got := d.tabs.Selected().Text; got != "Feeds" || !d.visible.Load() {
			t.Errorf("the tray line opened %q (window visible %v), want Feeds", got, d.visible.Load())
		}
	})
	for i := 42; i <= 120; i += 2 {
		d.observeFeeds(w, now.Add(time.Duration(i)*time.Second), &shown)
	}
	if n := downs(); n != 1 {
		t.Errorf("%d down notifications after two minutes down, want still 1", n)
	}
	// Removed, it is no longer down.
	if err := d.feeds.RemoveFeed("teammate"); err != nil {
		t.Fatal(err)
	}
	d.observeFeeds(w, now.Add(122*time.Second), &shown)
	ui(func() {
		for _, it := range a.menu.Items {
			if strings.HasPrefix(it.Label, "⚠") {
				t.Errorf("the tray still says %q with the feed removed", it.Label)
			}
		}
	})
}
