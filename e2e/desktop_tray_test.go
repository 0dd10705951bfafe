//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tray app's conveniences on the real binary, under Xvfb with openbox, a private D-Bus
// session whose notification server and tray watcher the test owns, and an empty HOME: a
// notification carries the default action and the unread count shows in the title and the
// tray menu; with the window hidden, the server's ActionInvoked for that notification brings
// the window back (the event's detail open, the count cleared); Escape closes the detail;
// "Start at login" writes an autostart entry that runs this binary.
func TestDesktopTrayConveniences(t *testing.T) {
	for _, tool := range []string{"Xvfb", "dbus-daemon", "openbox", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/setup.sh (apt packages xvfb, dbus-x11, openbox, xdotool, imagemagick)", tool)
		}
	}
	display := startXvfb(t)
	busAddr := startSessionBus(t)
	desk := newFakeDesktop(t, busAddr)
	start(t, []string{"DISPLAY=" + display}, "openbox", "--sm-disable")

	home := t.TempDir()
	cfg := filepath.Join(home, ".config")
	port := freePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	const key = "e2e-tray-key-0123456789abcdef012"
	env := []string{
		"DISPLAY=" + display, "DBUS_SESSION_BUS_ADDRESS=" + busAddr, "LIBGL_ALWAYS_SOFTWARE=1",
		"LANG=en_US.UTF-8", "HOME=" + home, "XDG_CONFIG_HOME=" + cfg, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_RUNTIME_DIR=" + home, "HERALD_KEY=" + key,
	}
	app := start(t, env, heraldGUI(), "gui", "--port", strconv.Itoa(port))
	waitHealthy(t, url, 60*time.Second)
	item := desk.waitTray(t, 30*time.Second)
	waitSubscribed(t, url, 30*time.Second)
	waitWindowVisible(t, display, true, 30*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	alert := `{"level":"error","title":"E2E: build 42 failed","message":"the test step failed"}`
	if out, err := runHerald(t, ctx, nil, "publish", "--url", url, "--channel", "ci", "--event", "alert", "--token", key, "--json", alert); err != nil {
		t.Fatalf("herald publish: %v\n%s", err, out)
	}
	n := desk.waitNotification(t, "E2E: build 42 failed", 30*time.Second)
	if len(n.Actions) < 2 || n.Actions[0] != "default" {
		t.Fatalf("the notification offers no default action: %q", n.Actions)
	}
	waitTrayLabel(t, desk, item, "Notifications (1 unread)…", 15*time.Second)
	waitWindowName(t, display, "Herald (1 unread)", 15*time.Second)

	// Hide the window from the tray, then click the notification.
	chooseTray(t, desk.conn, app, item, "Hide window", func(m map[string]trayItem) bool { _, ok := m["Show window"]; return ok }, 20*time.Second)
	waitWindowVisible(t, display, false, 10*time.Second)
	if err := desk.conn.Emit("/org/freedesktop/Notifications", "org.freedesktop.Notifications.ActionInvoked", n.ID, "default"); err != nil {
		t.Fatal(err)
	}
	waitWindowVisible(t, display, true, 15*time.Second)
	waitWindowName(t, display, "Herald", 15*time.Second) // read now
	waitTrayLabel(t, desk, item, "Notifications…", 15*time.Second)
	shot := screenshot(t, display, "desktop-notification-click.png", 200, 20*time.Second)
	t.Logf("screenshot: %s", shot)

	// Escape closes the detail (nothing has the keyboard after a click opened it).
	xdo(t, display, "search", "--onlyvisible", "--name", "^Herald$", "windowactivate", "--sync")
	xdo(t, display, "key", "Escape")
	time.Sleep(time.Second) // for the screenshot only: the next step's check waits for real
	screenshot(t, display, "desktop-notification-click-escaped.png", 200, 20*time.Second)
	// Ctrl+2 shows Feeds: the app keeps the panel shown in its settings.
	xdo(t, display, "key", "ctrl+2")
	settings := filepath.Join(cfg, "herald", "settings.json")
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if b, _ := os.ReadFile(settings); strings.Contains(string(b), `"tab":"Feeds"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Ctrl+2 did not switch to the Feeds panel (settings.json never said tab Feeds)")
		}
	}
	screenshot(t, display, "desktop-keys-ctrl2.png", 100, 20*time.Second)

	// Start at login from the tray: an XDG autostart entry that runs this very binary.
	chooseTray(t, desk.conn, app, item, "Start at login", toggled("Start at login", 1), 20*time.Second)
	entry := filepath.Join(cfg, "autostart", "herald.desktop")
	b, err := os.ReadFile(entry)
	exe, _ := filepath.EvalSymlinks(heraldGUI())
	if err != nil || !strings.Contains(string(b), "\nExec="+exe+"\n") {
		t.Errorf("autostart entry %s: %v\n%s\nwant Exec=%s", entry, err, b, exe)
	}
	chooseTray(t, desk.conn, app, item, "Start at login", toggled("Start at login", 0), 20*time.Second)
	if _, err := os.Stat(entry); !os.IsNotExist(err) {
		t.Errorf("the entry is still there after switching it off: %v", err)
	}
	app.Stop()
	checkAppLog(t, app.Output())
}

func xdo(t *testing.T, display string, args ...string) {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
}

func waitWindowName(t *testing.T, display, name string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Herald")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, _ := cmd.Output()
		var names []string
		for _, id := range strings.Fields(string(out)) {
			c := exec.Command("xdotool", "getwindowname", id)
			c.Env = cmd.Env
			nm, _ := c.Output()
			names = append(names, strings.TrimSpace(string(nm)))
		}
		for _, got := range names {
			if got == name {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no visible window named %q within %v (saw %q)", name, within, names)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitTrayLabel(t *testing.T, desk *fakeDesktop, item, label string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		items := trayLayout(t, desk.conn, item)
		if _, ok := items[label]; ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tray menu never showed %q: %v", label, items)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
