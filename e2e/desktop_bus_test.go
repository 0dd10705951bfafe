//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// startSessionBus starts a private D-Bus session daemon and returns its address.
func startSessionBus(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "herald-bus-") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "bus")
	addr := "unix:path=" + sock
	start(t, nil, "dbus-daemon", "--session", "--nofork", "--address="+addr)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(sock); err == nil {
			return addr
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("dbus-daemon did not create its socket within 10 s")
	return ""
}

// notification is one org.freedesktop.Notifications.Notify call.
type notification struct {
	ID                           uint32 // the id the server answered
	Actions                      []string
	AppName, Icon, Summary, Body string
	Hints                        map[string]dbus.Variant
	Timeout                      int32 // ms; 0: until dismissed, -1: the server decides
}

// fakeDesktop owns the session's notification server and tray watcher names, the way a
// desktop shell does, and records what the app sends them.
type fakeDesktop struct {
	conn   *dbus.Conn
	notes  chan notification
	trays  chan string // unique bus names of registered tray items
	nextID uint32
}

func newFakeDesktop(t *testing.T, addr string) *fakeDesktop {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connecting to the private session bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	d := &fakeDesktop{conn: conn, notes: make(chan notification, 64), trays: make(chan string, 8)}
	if err := conn.Export(notifyServer{d}, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(trayWatcher{d}, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"org.freedesktop.Notifications", "org.kde.StatusNotifierWatcher"} {
		if r, err := conn.RequestName(name, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
			t.Fatalf("owning %s on the private bus: reply %v, %v", name, r, err)
		}
	}
	return d
}

type notifyServer struct{ d *fakeDesktop }

// Notify implements org.freedesktop.Notifications.Notify.
func (s notifyServer) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	s.d.nextID++
	select {
	case s.d.notes <- notification{ID: s.d.nextID, Actions: actions, AppName: app, Icon: icon, Summary: summary, Body: body, Hints: hints, Timeout: timeout}:
	default:
	}
	return s.d.nextID, nil
}

func (s notifyServer) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"body", "icon-static"}, nil
}

func (s notifyServer) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "herald-e2e", "herald", "1", "1.2", nil
}

func (s notifyServer) CloseNotification(id uint32) *dbus.Error { return nil }

type trayWatcher struct{ d *fakeDesktop }

// RegisterStatusNotifierItem implements org.kde.StatusNotifierWatcher's registration.
func (w trayWatcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	w.d.trays <- string(sender)
	return nil
}

func (d *fakeDesktop) waitTray(t *testing.T, within time.Duration) string {
	t.Helper()
	select {
	case s := <-d.trays:
		return s
	case <-time.After(within):
		t.Fatalf("no tray item registered with the StatusNotifierWatcher within %v", within)
	}
	return ""
}

// waitNotification waits for a notification titled title, on its own or named in the body
// of a coalesced one ("and N more: title, …").
func (d *fakeDesktop) waitNotification(t *testing.T, title string, within time.Duration) notification {
	t.Helper()
	deadline := time.After(within)
	var seen []string
	for {
		select {
		case n := <-d.notes:
			if n.Summary == title || strings.Contains(n.Body, title) {
				return n
			}
			seen = append(seen, n.Summary)
		case <-deadline:
			t.Fatalf("no notification %q on D-Bus within %v (saw %q)", title, within, seen)
		}
	}
}

// trayItem is one entry of the tray menu as com.canonical.dbusmenu describes it.
type trayItem struct {
	id     int32
	toggle int32
}

// trayLayout reads the tray menu of the item owned by busName, as a desktop shell does, once
// it is whole: Fyne rebuilds the menu on every change by emptying it and adding the items
// one by one (Quit last), so a read in between sees part of it.
func trayLayout(t *testing.T, conn *dbus.Conn, busName string) map[string]trayItem {
	t.Helper()
	items, _ := trayLayoutSettled(t, conn, busName)
	return items
}

// trayLayoutSettled waits for a whole menu (Quit, added last, is there) that two reads 100 ms
// apart agree on (same revision) and returns it with its revision. A menu that keeps
// changing gets 2 s to settle, then its latest whole read is taken (a click on it may be
// lost, which chooseTray handles); no whole menu within 10 s fails the test.
func trayLayoutSettled(t *testing.T, conn *dbus.Conn, busName string) (map[string]trayItem, uint32) {
	t.Helper()
	start := time.Now()
	items, rev := readTrayLayout(t, conn, busName)
	for {
		time.Sleep(100 * time.Millisecond)
		again, rev2 := readTrayLayout(t, conn, busName)
		_, whole := again["Quit"]
		if whole && (rev2 == rev || time.Since(start) > 2*time.Second) {
			return again, rev2
		}
		items, rev = again, rev2
		if time.Since(start) > 10*time.Second {
			t.Fatalf("no whole tray menu within 10 s (revision %d): %v", rev, items)
		}
	}
}

// readTrayLayout reads the tray menu once, whatever state it is in.
func readTrayLayout(t *testing.T, conn *dbus.Conn, busName string) (map[string]trayItem, uint32) {
	t.Helper()
	var rev uint32
	var layout struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	call := conn.Object(busName, "/StatusNotifierMenu").Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if err := call.Store(&rev, &layout); err != nil {
		t.Fatalf("reading the tray menu: %v", err)
	}
	out := map[string]trayItem{}
	for _, c := range layout.Children {
		v, ok := c.Value().([]any)
		if !ok || len(v) < 2 {
			continue
		}
		id, _ := v[0].(int32)
		props, _ := v[1].(map[string]dbus.Variant)
		label, _ := props["label"].Value().(string)
		var toggle int32
		if ts, ok := props["toggle-state"]; ok {
			toggle, _ = ts.Value().(int32)
		}
		if label != "" {
			out[label] = trayItem{id: id, toggle: toggle}
		}
	}
	return out, rev
}

// chooseTray chooses the tray entry labelled label, as a user does, until done says the
// app acted on it. A click can be lost without the app being at fault: Fyne's systray gives
// every rebuilt menu new item ids (a click on an id read just before a rebuild finds no
// item, and the app logs "no menu item with ID n"), and it hands a click to the item's
// goroutine without waiting (dropped when that goroutine is not receiving yet). Such a
// click is chosen again from a fresh read; a click that was taken is never repeated before
// the app had 5 s to act on it, so a slow app is not toggled twice.
func chooseTray(t *testing.T, conn *dbus.Conn, app *Proc, busName, label string, done func(map[string]trayItem) bool, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	var items map[string]trayItem
	for attempt := 1; ; attempt++ {
		items, _ = trayLayoutSettled(t, conn, busName)
		it, ok := items[label]
		if !ok {
			t.Fatalf("tray menu lacks %q: %v", label, items)
		}
		clickTray(t, conn, busName, it.id)
		lost := fmt.Sprintf("no menu item with ID %d\n", it.id)
		retry := time.Now().Add(5 * time.Second)
		for {
			items, _ = readTrayLayout(t, conn, busName)
			if done(items) {
				if attempt > 1 {
					t.Logf("tray %q: taken on click %d", label, attempt)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("tray %q: the app did not act on %d click(s) within %v; menu now %v", label, attempt, within, items)
			}
			if strings.Contains(app.Output(), lost) || time.Now().After(retry) {
				break // the click found no item, or was dropped: choose again
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// toggled is chooseTray's done for a checkbox entry: label shows toggle-state want.
func toggled(label string, want int32) func(map[string]trayItem) bool {
	return func(items map[string]trayItem) bool {
		it, ok := items[label]
		return ok && it.toggle == want
	}
}

// clickTray sends the "clicked" event a desktop shell sends when a menu entry is chosen.
func clickTray(t *testing.T, conn *dbus.Conn, busName string, id int32) {
	t.Helper()
	call := conn.Object(busName, "/StatusNotifierMenu").Call("com.canonical.dbusmenu.Event", 0, id, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix()))
	if call.Err != nil {
		t.Fatalf("clicking tray item %d: %v", id, call.Err)
	}
}

func waitTrayToggle(t *testing.T, conn *dbus.Conn, busName, label string, want int32, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	var got map[string]trayItem
	for time.Now().Before(deadline) {
		got, _ = readTrayLayout(t, conn, busName)
		if it, ok := got[label]; ok && it.toggle == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("tray item %q never had toggle-state %d: %v", label, want, got)
}
