package app

import (
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
)

// While the window is hidden the one-second tick asks the UI goroutine for nothing (each
// request wakes Fyne's event loop), unless the tray has news: here a notification's unread
// count, which must reach the tray menu.
func TestTickRestsWhileHidden(t *testing.T) {
	d, a, _, _, ui := trayDesktop(t)
	ui(func() { d.setVisible(false) })
	unread := d.inbox.Unread()
	for i := 0; i < 3; i++ {
		if d.second(time.Now(), &unread) {
			t.Fatalf("second %d while hidden with nothing new: asked the UI goroutine for a refresh", i)
		}
	}
	d.notify.Notify(model.Notification{Title: "Build failed", Body: "main is red"})
	if !d.second(time.Now(), &unread) {
		t.Fatal("a new unread notification while hidden: the tick did not update the tray")
	}
	found := false
	ui(func() {
		for _, it := range a.menu.Items {
			found = found || strings.Contains(it.Label, "(1 unread)")
		}
	})
	if !found {
		t.Errorf("tray menu after the tick: no item says \"(1 unread)\"")
	}
	if d.second(time.Now(), &unread) {
		t.Error("the second after: asked again for the same unread count")
	}
	ui(func() { d.setVisible(true) })
	if !d.second(time.Now(), &unread) {
		t.Error("window showing: the tick did not refresh it")
	}
}

// With the window showing and nothing happening, the one-second refresh redraws nothing on
// any panel (Fyne repaints the whole window for one changed label); something new redraws.
func TestRefreshSlowRedrawsOnlyWhatChanged(t *testing.T) {
	d, _, _, _, ui := trayDesktop(t)
	for _, tab := range []string{"Live", "Feeds", "Hub", "Settings"} {
		ui(func() { d.openTab(tab) })
		// The own feed connects and the hub counts it in the first moments: wait for rest.
		deadline := time.Now().Add(10 * time.Second)
		redrew := -1
		for ; time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			ui(func() { d.refreshSlow(); redrew = d.refreshSlow() })
			if redrew == 0 {
				break
			}
		}
		if redrew != 0 {
			t.Errorf("%s panel at rest: the one-second refresh still redrew %d parts each time", tab, redrew)
		}
	}
	ui(func() { d.openTab("Live") })
	d.events.Add(model.Event{Feed: "ci", Type: "build", Data: `{"ok":false}`, Time: time.Now()})
	var redrew int
	ui(func() { redrew = d.refreshSlow() })
	if redrew == 0 {
		t.Error("a new event in the log: the one-second refresh redrew nothing")
	}
}
