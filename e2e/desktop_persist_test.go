//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDesktopReplayDownAndRestore runs the real app against a teammate's real `herald
// serve`, under Xvfb with openbox and a private D-Bus session whose notification server and
// tray watcher are this test:
//
//  1. closed and started again, the app shows the events published meanwhile at the time
//     the hub stored them, marked replayed (read back from the app's kept state, and seen
//     in a screenshot), with the stock card and the log rows of the first run back too, the
//     card marked as of its last quote;
//  2. the teammate's hub is killed: exactly one "down" notification, the tray names the
//     feed; the hub comes back: exactly one "back" notification, the tray line goes.
func TestDesktopReplayDownAndRestore(t *testing.T) {
	for _, tool := range []string{"Xvfb", "dbus-daemon", "openbox", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/setup.sh", tool)
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
		"XDG_RUNTIME_DIR=" + home, "HERALD_KEY=e2e-persist-key-0123456789abcdef0", "HERALD_DISCOVERY=false",
		"HERALD_FEED_DOWN_AFTER=5s", // instead of 30 s: the rule is the same, the test shorter
	}
	remote := startHub(t)
	seedPreferences(t, cfg, map[string]any{
		"feeds": []map[string]any{{"name": "teammate", "url": remote.URL, "enabled": true}},
		"rules": []map[string]any{{"event": "notification", "enabled": true}, {"event": "alert", "enabled": true}},
		"hub":   map[string]any{"enabled": true, "port": port, "demo": false},
		"tab":   "Live",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	publish := func(event, data string) {
		t.Helper()
		if out, err := runHerald(t, ctx, nil, "publish", "--url", remote.URL, "--channel", "team", "--event", event, "--token", remote.Key, "--json", data); err != nil {
			t.Fatalf("herald publish: %v\n%s", err, out)
		}
	}
	var seen []notification // every notification of the run, in order
	waitNote := func(title string, within time.Duration) {
		t.Helper()
		deadline := time.After(within)
		for {
			select {
			case n := <-desk.notes:
				seen = append(seen, n)
				if n.Summary == title {
					return
				}
			case <-deadline:
				t.Fatalf("no notification %q within %v; saw %v", title, within, summaries(seen))
			}
		}
	}
	launch := func() (*Proc, string) {
		app := start(t, env, heraldGUI(), "gui")
		waitHealthy(t, own, 60*time.Second)
		item := desk.waitTray(t, 30*time.Second)
		waitSubscribed(t, remote.URL, 30*time.Second)
		return app, item
	}

	// First run: a quote and an alert arrive.
	app, _ := launch()
	publish("stock-update", `{"symbol":"ACME","price":12.5,"change":0.5}`)
	publish("alert", `{"level":"error","title":"E2E: before","message":"seen live"}`)
	waitNote("E2E: before", 30*time.Second)
	app.Stop()
	checkAppLog(t, app.Output())

	// Closed: three alerts; then a while passes before the app comes back.
	publishedFrom := time.Now().Add(-time.Second)
	for i := range 3 {
		publish("alert", fmt.Sprintf(`{"level":"error","title":"E2E: away %d"}`, i))
	}
	publishedTo := time.Now().Add(time.Second)
	time.Sleep(3 * time.Second)
	relaunched := time.Now()
	app, item := launch()
	waitNote("3 events while you were away", 30*time.Second)
	time.Sleep(time.Second) // the batch is drawn
	shot := screenshot(t, display, "desktop-replayed-and-restored.png", 200, 20*time.Second)
	t.Logf("screenshot: %s", shot)

	// 2. The teammate's hub goes away, and comes back on its address and history.
	remote.Stop()
	waitNote("Feed teammate is down", 60*time.Second)
	waitTrayLabel(t, desk, item, "⚠ 1 feed down: teammate", 15*time.Second)
	screenshot(t, display, "desktop-feed-down.png", 200, 20*time.Second)
	addr := strings.TrimPrefix(remote.URL, "http://")
	remote.Proc = start(t, []string{"XDG_CONFIG_HOME=" + remote.ConfigDir, "HOME=" + remote.ConfigDir}, herald(),
		"serve", "--addr", addr, "--key", remote.Key)
	waitHealthy(t, remote.URL, 20*time.Second)
	waitNote("Feed teammate is back", 90*time.Second)
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, ok := trayLayout(t, desk.conn, item)["⚠ 1 feed down: teammate"]; !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the tray still names the feed as down after it came back")
		}
	}
	time.Sleep(3 * time.Second) // a second "back" or "down" would come by now
	drainInto(desk, &seen)
	downs, backs := 0, 0
	for _, n := range seen {
		switch n.Summary {
		case "Feed teammate is down":
			downs++
		case "Feed teammate is back":
			backs++
		}
	}
	if downs != 1 || backs != 1 {
		t.Errorf("%d down and %d back notifications, want one each: %v", downs, backs, summaries(seen))
	}
	app.Stop()
	checkAppLog(t, app.Output())

	// What the app showed, as it kept it: the rows and the card of both runs.
	var st struct {
		Cards []struct {
			Feed, Symbol string
			Price        float64
		} `json:"cards"`
		Events []struct {
			Time     time.Time `json:"time"`
			Received time.Time `json:"received"`
			Feed     string    `json:"feed"`
			Data     string    `json:"data"`
			Replayed bool      `json:"replayed"`
		} `json:"events"`
	}
	b, err := os.ReadFile(filepath.Join(cfg, "herald", "last-state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Cards) != 1 || st.Cards[0].Symbol != "ACME" || st.Cards[0].Price != 12.5 {
		t.Errorf("kept cards %+v, want ACME at 12.5 from the first run", st.Cards)
	}
	before, away := 0, 0
	for _, e := range st.Events {
		switch {
		case strings.Contains(e.Data, "E2E: before"):
			before++
			if e.Replayed {
				t.Errorf("the first run's row came back marked replayed: %+v", e)
			}
		case strings.Contains(e.Data, "E2E: away"):
			away++
			if !e.Replayed || e.Time.Before(publishedFrom) || e.Time.After(publishedTo) || e.Received.Before(relaunched) {
				t.Errorf("row %q: replayed %v, time %v, received %v; want replayed, stored between %v and %v, received after %v",
					e.Data, e.Replayed, e.Time.Format(time.StampMilli), e.Received.Format(time.StampMilli),
					publishedFrom.Format(time.StampMilli), publishedTo.Format(time.StampMilli), relaunched.Format(time.StampMilli))
			}
		}
	}
	if before != 1 || away != 3 {
		t.Errorf("kept rows: %d from the first run, %d replayed; want 1 and 3 (each once)", before, away)
	}

	// Third start: the kept card and rows are there before anything arrives; the card is
	// stale (its feed has not quoted since).
	remote.Stop()
	app = start(t, env, heraldGUI(), "gui")
	waitHealthy(t, own, 60*time.Second)
	waitWindowVisible(t, display, true, 30*time.Second)
	time.Sleep(1500 * time.Millisecond)
	shot = screenshot(t, display, "desktop-restored-after-restart.png", 200, 20*time.Second)
	t.Logf("screenshot: %s", shot)
	app.Stop()
	checkAppLog(t, app.Output())
}

func summaries(ns []notification) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.Summary)
	}
	return out
}

// drainInto adds the notifications waiting in d to seen.
func drainInto(d *fakeDesktop, seen *[]notification) {
	for {
		select {
		case n := <-d.notes:
			*seen = append(*seen, n)
		default:
			return
		}
	}
}
