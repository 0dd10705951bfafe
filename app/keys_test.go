package app

import (
	"context"
	"image/png"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	fynedesktop "fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/app/notify"
	"github.com/heraldhq/herald/app/settingsfile"
)

// trayDesktop builds the whole desktop on Fyne's test driver with a tray, the hub on a free
// port and the settings in a temporary folder; steps run as on the UI goroutine.
func trayDesktop(t *testing.T) (d *desktop, a *trayApp, rec *notify.Recorder, dir string, ui func(func())) {
	t.Helper()
	var mu sync.Mutex
	onUI = func(f func()) { mu.Lock(); defer mu.Unlock(); f() }
	trayHost = func() bool { return true }
	t.Cleanup(func() { onUI, trayHost = fyne.Do, trayHostRunning })
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	a = &trayApp{App: test.NewTempApp(t)}
	rec = &notify.Recorder{}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	mu.Lock()
	d = newDesktop(ctx, a, "keys-test-key-0123456789abcdef", options{port: port, dir: dir}, slog.New(slog.NewTextHandler(io.Discard, nil)), rec)
	d.win.Resize(fyne.NewSize(1000, 700))
	mu.Unlock()
	t.Cleanup(func() { cancel(); d.wg.Wait(); d.shutdown() })
	return d, a, rec, dir, func(f func()) { mu.Lock(); defer mu.Unlock(); f() }
}

func press(c fyne.Canvas, key fyne.KeyName) {
	c.(fyne.Shortcutable).TypedShortcut(&fynedesktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault})
}

// shot keeps a PNG of the window in $HERALD_SHOTS_DIR, as the ui tests do (the software
// painter crashed now and then on this whole desktop, so the suite does not ask for them).
func shot(t *testing.T, c fyne.Canvas, name string) {
	dir := os.Getenv("HERALD_SHOTS_DIR")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, c.Capture()); err != nil {
		t.Fatal(err)
	}
}

// waitLogged waits (off the UI lock) until the batcher has handed n events of feed to the
// log (the demo's events arrive too).
func waitLogged(t *testing.T, d *desktop, feed string, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(d.events.View(model.Filter{Feed: feed}, 0)) < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the log holds fewer than %d events from %s", n, feed)
		}
	}
}

// The keyboard: Ctrl+1…5 switch panels, Ctrl+F puts the cursor in the log's search, Enter
// there opens the first match, Escape closes the dialog, Ctrl+H shows the notification
// history, Ctrl+Q quits.
func TestKeyboardShortcuts(t *testing.T) {
	d, a, _, _, ui := trayDesktop(t)
	d.batch.Add(model.Event{Time: time.Now(), Feed: "CI", Type: "build", ID: "1", Data: `{"title":"Build 41 green"}`},
		model.Event{Time: time.Now(), Feed: "CI", Type: "deploy", ID: "2", Data: `{"title":"Deploy v2 done"}`})
	waitLogged(t, d, "CI", 2)
	ui(func() {
		c := d.win.Canvas()
		for i, want := range []string{"Live", "Feeds", "Hub", "Broadcast", "Settings"} {
			press(c, fyne.KeyName(string(rune('1'+i))))
			if got := d.tabs.Selected().Text; got != want {
				t.Errorf("Ctrl+%d shows %s, want %s", i+1, got, want)
			}
		}
		press(c, fyne.KeyF)
		search, ok := c.Focused().(*widget.Entry)
		if d.tabs.Selected().Text != "Live" || !ok || search != d.logP.Search() {
			t.Fatalf("Ctrl+F: tab %s, focused %T; want the log's search on Live", d.tabs.Selected().Text, c.Focused())
		}
		test.Type(search, "Deploy v2 done") // the demo runs too: a text only our event has
		d.logP.Refresh()
		search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		top := c.Overlays().Top()
		if top == nil || !strings.Contains(test.RenderObjectToMarkup(top), "deploy from CI") {
			t.Fatalf("Enter in the search opened no detail of the deploy event")
		}
		if c.Focused() != nil {
			t.Errorf("focus stays on %T with the dialog open: Escape would not reach the window", c.Focused())
		}
		c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if c.Overlays().Top() != nil {
			t.Error("Escape left the dialog open")
		}
		press(c, fyne.KeyH)
		if top := c.Overlays().Top(); top == nil || !strings.Contains(test.RenderObjectToMarkup(top), "Notifications") {
			t.Error("Ctrl+H opened no notification history")
		}
		c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if c.Overlays().Top() != nil {
			t.Error("Escape left the history open")
		}
		press(c, fyne.KeyQ)
		if a.quits != 1 {
			t.Errorf("Ctrl+Q: %d quits, want 1", a.quits)
		}
	})
}

// A click on a notification brings the hidden window back on that event's detail and
// marks it read; the unread count shows in the title and the tray menu until then.
func TestNotificationClickOpensItsEvent(t *testing.T) {
	d, a, rec, _, ui := trayDesktop(t)
	ev := model.Event{Time: time.Now(), Feed: "CI", Type: "alert", ID: "77", Data: `{"title":"Build 42 failed","level":"error"}`}
	d.batch.Add(ev)
	waitLogged(t, d, "CI", 1)
	var sent []model.Notification
	for deadline := time.Now().Add(10 * time.Second); len(sent) == 0; time.Sleep(10 * time.Millisecond) {
		if sent = rec.Sent(); time.Now().After(deadline) {
			t.Fatal("the alert never notified")
		}
	}
	n := sent[0]
	if n.ID == 0 || n.Source == nil || n.Source.ID != "77" {
		t.Fatalf("notification %+v: want a history id and the event it is about", n)
	}
	ui(func() {
		d.showUnread()
		if got := d.win.Title(); got != "Herald (1 unread)" {
			t.Errorf("title %q, want Herald (1 unread)", got)
		}
		if got := d.tray.history.Label; got != "Notifications (1 unread)…" {
			t.Errorf("tray item %q", got)
		}
		if !menuHas(a.menu, "Notifications (1 unread)…") {
			t.Error("the tray menu does not show the unread count")
		}
		d.setVisible(false)
		d.tabs.SelectIndex(2)
		d.openNotification(n) // what the D-Bus click does (app/notify TestClickOpensTheNotification)
		c := d.win.Canvas()
		top := c.Overlays().Top()
		if !d.visible.Load() || d.tabs.Selected().Text != "Live" || top == nil || !strings.Contains(test.RenderObjectToMarkup(top), "Build 42 failed") {
			t.Fatalf("after the click: visible %v, tab %s, dialog %v; want the event's detail on Live", d.visible.Load(), d.tabs.Selected().Text, top != nil)
		}
		if d.inbox.Unread() != 0 || d.win.Title() != "Herald" {
			t.Errorf("after the click: %d unread, title %q", d.inbox.Unread(), d.win.Title())
		}
		shot(t, c, "desktop-notification-opened.png")
		top.Hide()
		d.showHistory()
		shot(t, c, "desktop-notification-history.png")
		if !strings.Contains(test.RenderObjectToMarkup(c.Overlays().Top()), "Build 42 failed") {
			t.Error("the history does not list the notification")
		}
		c.Overlays().Top().Hide()
	})
}

func menuHas(m *fyne.Menu, label string) bool {
	for _, it := range m.Items {
		if it.Label == label {
			return true
		}
	}
	return false
}

// Do not disturb for an hour holds notifications back (critical ones pass when asked),
// says until when, is kept in the settings, and ends by itself.
func TestTimedDoNotDisturb(t *testing.T) {
	d, _, rec, dir, ui := trayDesktop(t)
	now := time.Now()
	ui(func() {
		d.setQuiet(model.Quiet{LetCritical: true}.For(time.Hour, now))
		if got := d.dndBtn.Text; !strings.HasPrefix(got, "Do not disturb until ") || !strings.HasSuffix(got, "(critical let through)") {
			t.Errorf("status bar says %q", got)
		}
		if !d.settingsP.Settings().DND {
			t.Error("the settings panel does not show do not disturb on")
		}
		d.showQuietMenu()
		shot(t, d.win.Canvas(), "desktop-dnd-menu.png")
		d.win.Canvas().Overlays().Top().Hide()
	})
	d.batch.Add(model.Event{Time: now, Feed: "CI", Type: "notification", Data: `{"title":"Build green"}`},
		model.Event{Time: now, Feed: "Ops", Type: "alert", Data: `{"title":"Disk full","level":"critical"}`})
	waitLogged(t, d, "Ops", 1)
	for deadline := time.Now().Add(10 * time.Second); len(rec.Sent()) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	if got := rec.Sent(); len(got) != 1 || got[0].Title != "Disk full" {
		t.Fatalf("during DND with critical let through, sent %+v; want only Disk full", got)
	}
	d.prefs.flush()
	s, _, err := settingsfile.Load(filepath.Join(dir, settingsfile.Name))
	if err != nil || !s.DND || s.DNDUntil.IsZero() || !s.DNDLetCritical {
		t.Errorf("kept settings: DND %v until %v critical %v (%v)", s.DND, s.DNDUntil, s.DNDLetCritical, err)
	}
	ui(func() {
		d.expireQuiet(now.Add(61 * time.Minute))
		if d.quiet().Active(now) || d.settingsP.Settings().DND || d.dndBtn.Text != "Notifications on" {
			t.Errorf("after the hour: quiet %+v, panel DND %v, button %q", d.quiet(), d.settingsP.Settings().DND, d.dndBtn.Text)
		}
	})
}

// The tray's "Start at login" writes the autostart entry and removes it again.
func TestStartAtLoginFromTray(t *testing.T) {
	d, a, _, _, ui := trayDesktop(t)
	entry := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "autostart", "herald.desktop")
	ui(func() {
		for _, want := range []bool{true, false} {
			for _, it := range a.menu.Items {
				if it.Label == "Start at login" {
					it.Action()
				}
			}
			_, err := os.Stat(entry)
			if (err == nil) != want || d.tray.login.Checked != want || d.prefs.get().StartAtLogin != want {
				t.Errorf("after a click: entry %v, checked %v, setting %v; want %v", err == nil, d.tray.login.Checked, d.prefs.get().StartAtLogin, want)
			}
		}
	})
}
