//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDesktopTeammateRestart drives the desktop app against a teammate's real `herald serve`
// (private: reading needs a token), under Xvfb with openbox as the window manager and a
// private D-Bus session whose notification server is this test:
//
//  1. joining: the feed is the teammate's invite link as pasted (token in the URL) with the
//     Channels field left empty; a notification published on a channel other than "default"
//     must arrive, so the token was used and empty meant every channel;
//  2. one running copy: with another window on top, a second launch must exit at once, bring
//     Herald's window to the front, and start no second hub, tray or notifier;
//  3. a feed's place survives a restart: the app is closed, 50 notifications are published,
//     the app starts again; the teammate's hub must replay them (its /stats) and the app
//     must raise exactly one recap notification, not 50.
func TestDesktopTeammateRestart(t *testing.T) {
	for _, tool := range []string{"Xvfb", "dbus-daemon", "openbox", "xdotool", "xmessage", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/setup.sh (apt packages xvfb, dbus-x11, openbox, xdotool, x11-utils, imagemagick)", tool)
		}
	}
	display := startXvfb(t)
	busAddr := startSessionBus(t)
	desk := newFakeDesktop(t, busAddr)
	start(t, []string{"DISPLAY=" + display}, "openbox", "--sm-disable")

	home := t.TempDir()
	cfg := filepath.Join(home, ".config")
	port := freePort(t)
	own := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := []string{
		"DISPLAY=" + display, "DBUS_SESSION_BUS_ADDRESS=" + busAddr, "LIBGL_ALWAYS_SOFTWARE=1",
		"LANG=en_US.UTF-8", "HOME=" + home, "XDG_CONFIG_HOME=" + cfg, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_RUNTIME_DIR=" + home, "HERALD_KEY=e2e-teammate-key-0123456789abcdef",
	}

	// The teammate's hub needs a token to read; their invite link carries one.
	remote := startHub(t, "--private")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tok, err := runHerald(t, ctx, nil, "token", "--key", remote.Key, "--subscribe", "*", "--publish", "*")
	if err != nil {
		t.Fatalf("herald token: %v\n%s", err, tok)
	}
	tok = strings.TrimSpace(strings.Split(tok, "\n")[0])
	invite := remote.URL + "/?token=" + tok
	seedPreferences(t, cfg, map[string]any{
		"feeds": []map[string]any{{"name": "Teammate", "url": invite, "enabled": true}},
		"rules": []map[string]any{{"event": "notification", "enabled": true}, {"event": "alert", "enabled": true}},
		"hub":   map[string]any{"enabled": true, "port": port, "demo": false},
	})
	publish := func(channel, event, data string) {
		t.Helper()
		if out, err := runHerald(t, ctx, nil, "publish", "--url", remote.URL, "--channel", channel, "--event", event, "--token", remote.Key, "--json", data); err != nil {
			t.Fatalf("herald publish: %v\n%s", err, out)
		}
	}

	app := start(t, env, heraldGUI(), "gui")
	waitHealthy(t, own, 60*time.Second)
	desk.waitTray(t, 30*time.Second)
	waitSubscribed(t, remote.URL, 30*time.Second)

	// 1. Joined with the pasted link and no channels: a channel other than "default" arrives.
	publish("team.builds", "notification", `{"title":"E2E: joined","message":"build 7 is green"}`)
	desk.waitNotification(t, "E2E: joined", 30*time.Second)
	settings := readSettings(t, cfg)
	if f := settings.Feeds; len(f) != 1 || strings.Contains(f[0].URL, "token") || f[0].Token != tok {
		t.Errorf("saved feed %+v: the token belongs in its own field, not the URL", f)
	}

	// 2. One running copy. Another window covers Herald's and has the focus.
	waitWindowVisible(t, display, true, 20*time.Second)
	cover := start(t, []string{"DISPLAY=" + display}, "xmessage", "-geometry", "1280x800+0+0", "-name", "cover", "cover window")
	waitActiveWindow(t, display, "cover", 10*time.Second)
	second := start(t, env, heraldGUI(), "gui")
	done := make(chan error, 1)
	go func() { done <- second.Cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the second launch exited with %v:\n%s", err, second.Output())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the second launch still runs after 30 s:\n%s", second.Output())
	}
	if !strings.Contains(second.Output(), "already running") {
		t.Errorf("the second launch should say Herald is already running; it said:\n%s", second.Output())
	}
	if strings.Contains(second.Output(), "hub started") || strings.Contains(second.Output(), "level=ERROR") {
		t.Errorf("the second launch started things it should not:\n%s", second.Output())
	}
	waitActiveWindow(t, display, "Herald", 10*time.Second)
	screenshot(t, display, "desktop-second-launch-raised.png", 200, 20*time.Second)
	cover.Stop()
	select {
	case s := <-desk.trays:
		t.Errorf("a second tray item registered (%s)", s)
	case <-time.After(time.Second):
	}
	if app.Cmd.ProcessState != nil {
		t.Fatalf("the first copy exited: %v", app.Cmd.ProcessState)
	}
	waitHealthy(t, own, 5*time.Second) // still the first copy's hub

	// 3. The app closes (its last position saved), the teammate publishes 50 notifications.
	publish("team", "message", `"before closing"`)
	time.Sleep(3 * time.Second) // the position reaches the settings file
	app.Stop()
	if code := app.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("the app exited with %d:\n%s", code, app.Output())
	}
	checkAppLog(t, app.Output())
	if last := readSettings(t, cfg).Feeds[0].LastID; last == "" {
		t.Fatalf("the app did not save the feed's position:\n%s", app.Output())
	}
	drain(desk)
	replayedBefore := remoteStats(t, remote.URL).Replayed
	for i := range 50 {
		publish("team.builds", "notification", fmt.Sprintf(`{"title":"away %d","message":"published while the app was closed"}`, i))
	}

	app2 := start(t, env, heraldGUI(), "gui")
	waitHealthy(t, own, 60*time.Second)
	recap := desk.waitNotification(t, "50 events while you were away", 60*time.Second)
	if !strings.Contains(recap.Body, "Teammate: 50") || !strings.Contains(recap.Body, "50 would have notified: away 0, away 1, away 2") {
		t.Errorf("recap body %q", recap.Body)
	}
	// Exactly one: nothing else in the next few seconds (each of the 50 would have notified).
	select {
	case n := <-desk.notes:
		t.Errorf("another notification after the recap: %q %q", n.Summary, n.Body)
	case <-time.After(6 * time.Second):
	}
	if got := remoteStats(t, remote.URL).Replayed - replayedBefore; got < 50 {
		t.Errorf("the teammate's hub replayed %d events after the restart, want 50", got)
	}
	screenshot(t, display, "desktop-after-recap.png", 200, 20*time.Second)
	app2.Stop()
	checkAppLog(t, app2.Output())
}

// waitActiveWindow waits until the focused window's name matches name (openbox keeps
// _NET_ACTIVE_WINDOW, which xdotool reads).
func waitActiveWindow(t *testing.T, display, name string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	var got string
	for {
		cmd := exec.Command("xdotool", "getactivewindow", "getwindowname")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, _ := cmd.Output()
		got = strings.TrimSpace(string(out))
		if got == name || strings.HasPrefix(got, name+" (") { // "Herald (2 unread)"
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the active window is %q after %v, want %q", got, within, name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// savedSettings is the part of the app's settings file these tests read.
type savedSettings struct {
	Feeds []struct {
		Name, URL, Token string
		LastID           string `json:"lastId"`
	}
}

func readSettings(t *testing.T, configHome string) savedSettings {
	t.Helper()
	var s savedSettings
	b, err := os.ReadFile(filepath.Join(configHome, "herald", "settings.json"))
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	if err != nil {
		t.Fatalf("reading the app's settings: %v", err)
	}
	return s
}

type hubStats struct {
	Replayed uint64
}

func remoteStats(t *testing.T, url string) hubStats {
	t.Helper()
	resp, err := http.Get(url + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s hubStats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// drain forgets the notifications received so far.
func drain(d *fakeDesktop) {
	for {
		select {
		case <-d.notes:
		default:
			return
		}
	}
}
