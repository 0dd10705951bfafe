//go:build linux

package notify

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/heraldhq/herald/app/model"
)

// The tests here share one private D-Bus session (dbus.SessionBus connects once per
// process), on which the test owns org.freedesktop.Notifications as a desktop shell does.
var desk *fakeServer

func TestMain(m *testing.M) {
	os.Exit(runWithBus(m))
}

func runWithBus(m *testing.M) int {
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		fmt.Fprintln(os.Stderr, "dbus-daemon is missing: run scripts/setup.sh (apt package dbus-x11)")
		return 1
	}
	dir, err := os.MkdirTemp("", "herald-notify-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	addr := "unix:path=" + filepath.Join(dir, "bus")
	daemon := exec.Command("dbus-daemon", "--session", "--nofork", "--address="+addr)
	if err := daemon.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "dbus-daemon:", err)
		return 1
	}
	defer func() { daemon.Process.Kill(); daemon.Wait() }()
	var conn *dbus.Conn
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if conn, err = dbus.Connect(addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "private session bus:", err)
			return 1
		}
	}
	defer conn.Close()
	desk = &fakeServer{conn: conn, calls: make(chan call, 16)}
	if err := conn.Export(desk, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if r, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		fmt.Fprintf(os.Stderr, "owning the notification service: %v %v\n", r, err)
		return 1
	}
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", addr) // before the first dbus.SessionBus in this process
	os.Setenv("XDG_CACHE_HOME", dir)
	return m.Run()
}

type call struct {
	id      uint32
	summary string
	actions []string
	urgency any
	timeout int32
}

type fakeServer struct {
	conn  *dbus.Conn
	mu    sync.Mutex
	next  uint32
	calls chan call
}

func (s *fakeServer) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	var u any
	if v, ok := hints["urgency"]; ok {
		u = v.Value()
	}
	s.mu.Lock()
	s.next++
	id := s.next
	s.mu.Unlock()
	s.calls <- call{id, summary, actions, u, timeout}
	return id, nil
}

func (s *fakeServer) wait(t *testing.T, title string) call {
	t.Helper()
	select {
	case c := <-s.calls:
		if c.summary != title {
			t.Fatalf("sent %q, want %q", c.summary, title)
		}
		return c
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never reached the notification service", title)
	}
	return call{}
}

// An urgent notification is critical and never expires (timeout 0), so it stays until the
// user dismisses it; an ordinary one keeps a timeout. Both offer the default action.
func TestUrgentStaysUntilDismissed(t *testing.T) {
	b := NewBeeep("Herald", []byte("not a png"))
	for _, tt := range []struct {
		n           model.Notification
		wantUrgency byte
		neverExpire bool
	}{
		{model.Notification{Title: "Disk full", Body: "/data at 99%", Urgent: true}, 2, true},
		{model.Notification{Title: "Deploy done", Body: "v2"}, 1, false},
	} {
		if err := b.Notify(tt.n); err != nil {
			t.Fatalf("%s: %v", tt.n.Title, err)
		}
		c := desk.wait(t, tt.n.Title)
		if c.urgency != tt.wantUrgency || (c.timeout == 0) != tt.neverExpire {
			t.Errorf("%s: sent %+v, want urgency %d, never expires %v", tt.n.Title, c, tt.wantUrgency, tt.neverExpire)
		}
		if len(c.actions) != 2 || c.actions[0] != "default" {
			t.Errorf("%s: actions %q, want the default action", tt.n.Title, c.actions)
		}
	}
}

// Clicking a notification (the server's ActionInvoked for its id) hands that notification,
// with the event it is about, to the app; a click on someone else's notification does not.
func TestClickOpensTheNotification(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := NewBeeep("Herald", []byte("not a png"))
	opened := make(chan model.Notification, 4)
	if err := b.Listen(ctx, func(n model.Notification) { opened <- n }); err != nil {
		t.Fatal(err)
	}
	ev := &model.Event{Feed: "CI", Type: "alert", ID: "42", Data: `{"title":"Build failed"}`}
	for _, n := range []model.Notification{
		{Title: "Build failed", Source: ev, ID: 7},
		{Title: "Deploy done", ID: 8},
	} {
		if err := b.Notify(n); err != nil {
			t.Fatal(err)
		}
	}
	first, second := desk.wait(t, "Build failed"), desk.wait(t, "Deploy done")
	emit := func(id uint32, action string) {
		if err := desk.conn.Emit("/org/freedesktop/Notifications", "org.freedesktop.Notifications.ActionInvoked", id, action); err != nil {
			t.Fatal(err)
		}
	}
	emit(second.id+100, "default") // not ours
	emit(first.id, "default")
	select {
	case n := <-opened:
		if n.ID != 7 || n.Source == nil || n.Source.ID != "42" || n.Source.Feed != "CI" {
			t.Fatalf("opened %+v, want the Build failed notification with its event", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a click on the notification never reached the app")
	}
	select {
	case n := <-opened:
		t.Fatalf("a click on an unknown id opened %+v", n)
	case <-time.After(300 * time.Millisecond):
	}
}
