//go:build linux

package notify

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/heraldhq/herald/app/model"
)

type call struct {
	summary string
	urgency any
	timeout int32
}

type server struct{ calls chan call }

func (s server) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	var u any
	if v, ok := hints["urgency"]; ok {
		u = v.Value()
	}
	s.calls <- call{summary, u, timeout}
	return 1, nil
}

// On a real D-Bus session, an urgent notification is critical and never expires (timeout 0),
// so it stays until the user dismisses it; an ordinary one keeps a timeout.
func TestUrgentStaysUntilDismissed(t *testing.T) {
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatal("dbus-daemon is missing: run scripts/setup.sh (apt package dbus-x11)")
	}
	dir, err := os.MkdirTemp("", "herald-notify-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	addr := "unix:path=" + filepath.Join(dir, "bus")
	daemon := exec.Command("dbus-daemon", "--session", "--nofork", "--address="+addr)
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { daemon.Process.Kill(); daemon.Wait() }()
	var conn *dbus.Conn
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if conn, err = dbus.Connect(addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("private session bus: %v", err)
		}
	}
	defer conn.Close()
	srv := server{calls: make(chan call, 4)}
	if err := conn.Export(srv, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning the notification service: %v %v", r, err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr) // before the first dbus.SessionBus in this process
	t.Setenv("XDG_CACHE_HOME", dir)

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
		select {
		case c := <-srv.calls:
			if c.summary != tt.n.Title || c.urgency != tt.wantUrgency || (c.timeout == 0) != tt.neverExpire {
				t.Errorf("%s: sent %+v, want urgency %d, never expires %v", tt.n.Title, c, tt.wantUrgency, tt.neverExpire)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s never reached the notification service", tt.n.Title)
		}
	}
}
