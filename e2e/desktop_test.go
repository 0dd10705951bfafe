//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDesktopApp runs the real desktop binary under Xvfb with a private D-Bus session whose
// notification server and tray watcher are this test: the app starts its hub with the demo
// on a free port and subscribes to itself; an alert published with `herald publish` must
// reach D-Bus as a native notification; the tray must register and offer its menu; the
// window must draw; and a second start with the same preferences must come back as the
// first run was left (port, do not disturb set from the tray menu).
func TestDesktopApp(t *testing.T) {
	for _, tool := range []string{"Xvfb", "dbus-daemon", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/setup.sh (apt packages xvfb, dbus-x11, imagemagick)", tool)
		}
	}
	display := startXvfb(t)
	busAddr := startSessionBus(t)
	desk := newFakeDesktop(t, busAddr)

	cfg := t.TempDir()
	port := freePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	const key = "e2e-desktop-key-0123456789abcdef"
	env := []string{
		"DISPLAY=" + display, "DBUS_SESSION_BUS_ADDRESS=" + busAddr, "LIBGL_ALWAYS_SOFTWARE=1",
		"LANG=en_US.UTF-8", "XDG_CONFIG_HOME=" + cfg, "XDG_CACHE_HOME=" + filepath.Join(cfg, "cache"),
		"HERALD_KEY=" + key,
	}

	// A teammate's hub, already in the preferences as a feed with a price alert (as if set up
	// in an earlier session); everything else is the first-run default, the port comes from
	// the command line.
	remote := startHub(t)
	seedPreferences(t, cfg, map[string]any{
		"feeds":       []map[string]any{{"name": "CI", "url": remote.URL, "channels": []string{"ci"}, "enabled": true}},
		"rules":       []map[string]any{{"event": "notification", "enabled": true}, {"event": "alert", "enabled": true}},
		"priceAlerts": []map[string]any{{"symbol": "ZZZ", "above": true, "threshold": 100}},
		"hub":         map[string]any{"enabled": true, "port": 7878, "demo": true},
	})
	app := start(t, env, heraldGUI(), "gui", "--port", strconv.Itoa(port), "--config-dir", cfg)
	waitHealthy(t, url, 60*time.Second)
	item := desk.waitTray(t, 30*time.Second)
	waitSubscribed(t, url, 30*time.Second) // the app follows its own hub

	// (b) an alert published from outside becomes a native, urgent notification.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	alert := `{"level":"critical","title":"E2E: disk full","message":"volume /data is at 99%"}`
	if out, err := runHerald(t, ctx, nil, "publish", "--url", url, "--channel", "ops", "--event", "alert", "--token", key, "--json", alert); err != nil {
		t.Fatalf("herald publish: %v\n%s", err, out)
	}
	n := desk.waitNotification(t, "E2E: disk full", 30*time.Second)
	if n.AppName != "Herald" || n.Summary == "E2E: disk full" && !strings.Contains(n.Body, "volume /data is at 99%") {
		t.Errorf("notification app %q body %q, want Herald and the alert's message", n.AppName, n.Body)
	}
	if u, ok := n.Hints["urgency"]; !ok || fmt.Sprint(u.Value()) != "2" {
		t.Errorf("a critical alert should be urgent (urgency 2), hints %v", n.Hints)
	}
	if n.Timeout != 0 {
		t.Errorf("a critical alert must stay until dismissed (expire timeout 0), got %d ms", n.Timeout)
	}

	// The remote feed: a stock quote in the other spelling (stock_update, change_percent,
	// numeric strings) crosses the seeded price alert.
	waitSubscribed(t, remote.URL, 30*time.Second)
	quote := `{"symbol":"ZZZ","price":"150.5","change":"1.5","change_percent":"1.01"}`
	if out, err := runHerald(t, ctx, nil, "publish", "--url", remote.URL, "--channel", "ci", "--event", "stock_update", "--token", remote.Key, "--json", quote); err != nil {
		t.Fatalf("herald publish to the remote hub: %v\n%s", err, out)
	}
	if n := desk.waitNotification(t, "Price alert: ZZZ above 100", 30*time.Second); n.Summary == "Price alert: ZZZ above 100" && !strings.Contains(n.Body, "ZZZ is at 150.50") {
		t.Errorf("price alert body %q", n.Body)
	}

	// (a) the window draws: stock cards and the log give a screenshot many colours.
	shot := screenshot(t, display, "desktop-live.png", 500, 20*time.Second)
	t.Logf("screenshot: %s", shot)

	// (c) the tray's menu, as a desktop shell reads it, then a click on "Pause notifications".
	items := trayLayout(t, desk.conn, item)
	for _, want := range []string{"Hide window", "Pause notifications", "Hub on", "Quit"} {
		if _, ok := items[want]; !ok {
			t.Errorf("tray menu lacks %q: %v", want, items)
		}
	}
	if items["Pause notifications"].toggle != 0 || items["Hub on"].toggle != 1 {
		t.Errorf("first run: pause %d hub %d, want 0 and 1", items["Pause notifications"].toggle, items["Hub on"].toggle)
	}
	// A flood of 1,000 events/s must not freeze the window: the tray click is handled on the
	// UI goroutine, so its toggle changing proves the app still responds. Memory stays flat
	// because the log is a ring.
	rssBefore := rssKiB(t, app.Cmd.Process.Pid)
	flooded := make(chan error, 1)
	floodCtx, floodCancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer floodCancel()
	go func() { flooded <- flood(floodCtx, url, key, 5, 1000) }()
	chooseTray(t, desk.conn, app, item, "Pause notifications", toggled("Pause notifications", 1), 15*time.Second)
	if err := <-flooded; err != nil {
		t.Fatalf("flood: %v", err)
	}
	rssAfter := rssKiB(t, app.Cmd.Process.Pid)
	t.Logf("RSS before the flood %d MiB, after 5,000 events %d MiB", rssBefore>>10, rssAfter>>10)
	if rssAfter-rssBefore > 200<<10 {
		t.Errorf("RSS grew by %d MiB during a 5,000-event flood", (rssAfter-rssBefore)>>10)
	}
	screenshot(t, display, "desktop-flood.png", 500, 20*time.Second)
	app.Stop()
	if app.StopTimedOut {
		t.Errorf("the app did not exit within 10 s of SIGINT; its goroutines (SIGQUIT) are in its output:\n%s", app.Output())
	} else if app.Cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("the app exited with %v after SIGINT:\n%s", app.Cmd.ProcessState, app.Output())
	}
	checkAppLog(t, app.Output())

	// The app keeps its settings in $XDG_CONFIG_HOME/herald/settings.json (--config-dir
	// sets XDG_CONFIG_HOME).
	prefsFile := filepath.Join(cfg, "herald", "settings.json")
	if b, err := os.ReadFile(prefsFile); err != nil || !strings.Contains(string(b), `"dnd":true`) {
		t.Errorf("preferences at %s should hold dnd true: %v %.300s", prefsFile, err, b)
	}

	// Second run, no flags but the same config folder: the same port, DND still on.
	app2 := start(t, env, heraldGUI(), "gui", "--config-dir", cfg)
	waitHealthy(t, url, 60*time.Second)
	item2 := desk.waitTray(t, 30*time.Second)
	waitTrayToggle(t, desk.conn, item2, "Pause notifications", 1, 10*time.Second)
	screenshot(t, display, "desktop-restarted.png", 500, 20*time.Second)

	// The tray hides and shows the window.
	chooseTray(t, desk.conn, app2, item2, "Hide window", toggled("Show window", 0), 10*time.Second)
	waitWindowVisible(t, display, false, 10*time.Second)
	chooseTray(t, desk.conn, app2, item2, "Show window", toggled("Hide window", 0), 10*time.Second)
	waitWindowVisible(t, display, true, 10*time.Second)

	// The app's hub sits behind the same guard as `herald serve`.
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the app's hub sent CSP %q, nosniff %q; want the guard's headers", csp, resp.Header.Get("X-Content-Type-Options"))
	}

	// The tray's hub switch restarts the hub in the background: off, then on again, and the
	// app follows its own hub once more.
	chooseTray(t, desk.conn, app2, item2, "Hub on", toggled("Hub on", 0), 15*time.Second)
	waitDown(t, url, 15*time.Second)
	chooseTray(t, desk.conn, app2, item2, "Hub on", toggled("Hub on", 1), 15*time.Second)
	waitHealthy(t, url, 30*time.Second)
	waitSubscribed(t, url, 30*time.Second)
	app2.Stop()
	if app2.StopTimedOut {
		t.Errorf("the app did not exit within 10 s of SIGINT; its goroutines (SIGQUIT) are in its output:\n%s", app2.Output())
	}
	checkAppLog(t, app2.Output())
}

// waitDown waits until nothing answers at url any more.
func waitDown(t *testing.T, url string, within time.Duration) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := c.Get(url + "/healthz")
		if err != nil {
			return
		}
		resp.Body.Close()
	}
	t.Fatalf("%s still answers %v after the hub was switched off", url, within)
}

// startXvfb starts a virtual X server on a free display number and returns ":N".
func startXvfb(t *testing.T) string {
	t.Helper()
	for n := 90 + os.Getpid()%400; n < 990; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		if _, err := os.Stat(sock); err == nil {
			continue
		}
		p := start(t, nil, "Xvfb", fmt.Sprintf(":%d", n), "-screen", "0", "1280x800x24", "-nolisten", "tcp")
		// Ready when the socket exists and the lock names our process (another Xvfb that
		// took the number first would name its own).
		lock, mine := fmt.Sprintf("/tmp/.X%d-lock", n), strconv.Itoa(p.Cmd.Process.Pid)
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			b, err := os.ReadFile(lock)
			owner := strings.TrimSpace(string(b))
			if err == nil && owner != "" && owner != mine {
				break
			}
			if _, err := os.Stat(sock); err == nil && owner == mine {
				return fmt.Sprintf(":%d", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		p.Stop() // lost a race for this display: try the next
	}
	t.Fatal("no free X display number for Xvfb")
	return ""
}

// waitSubscribed waits until the hub's /stats shows an open stream (the app's own feed).
func waitSubscribed(t *testing.T, url string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/stats")
		if err == nil {
			var s struct{ Connections int }
			json.NewDecoder(resp.Body).Decode(&s)
			resp.Body.Close()
			if s.Connections > 0 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the app did not subscribe to its own hub within %v", within)
}

// screenshot captures the X screen until it shows at least minColours distinct colours (a
// drawn window, not a blank or half-drawn one), keeps it in the test's temp dir and, when
// HERALD_ARTIFACTS is set, there too, and returns its path.
func screenshot(t *testing.T, display, name string, minColours int, within time.Duration) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	deadline := time.Now().Add(within)
	colours := 0
	for {
		cmd := exec.Command("import", "-display", display, "-window", "root", path)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		colours = distinctColours(t, path)
		if colours >= minColours || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if dir := os.Getenv("HERALD_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err == nil {
			copyFile(t, path, filepath.Join(dir, name))
		}
	}
	if colours < minColours {
		t.Fatalf("screenshot %s has %d distinct colours, want at least %d: the window did not draw", path, colours, minColours)
	}
	return path
}

func distinctColours(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
		}
	}
	return len(seen)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Logf("cannot keep the screenshot in HERALD_ARTIFACTS: %v", err)
		return
	}
	defer out.Close()
	io.Copy(out, in)
}

// flood publishes perSecond events a second for seconds seconds, in batches of 100 every
// 100 ms (bounded in count and time).
func flood(ctx context.Context, url, key string, seconds, perSecond int) error {
	batch := perSecond / 10
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	n := 0
	for i := 0; i < seconds*10; i++ {
		msgs := make([]map[string]any, batch)
		for j := range msgs {
			n++
			msgs[j] = map[string]any{"channel": "flood", "event": "message", "data": fmt.Sprintf("flood event %d", n)}
		}
		body, _ := json.Marshal(msgs)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/publish", strings.NewReader(string(body)))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("publish batch %d: %s", i, resp.Status)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// rssKiB returns a process's resident memory in KiB.
func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kb
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// waitWindowVisible waits until a window named Herald is (or is no longer) mapped.
func waitWindowVisible(t *testing.T, display string, want bool, within time.Duration) {
	t.Helper()
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Fatal("xdotool is missing: run scripts/setup.sh")
	}
	deadline := time.Now().Add(within)
	for {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", `^Herald( \([0-9]+ unread\))?$`) // the title counts unread notifications
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		err := cmd.Run()
		if (err == nil) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("window visible should be %v within %v", want, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkAppLog fails on what Fyne logs when a widget is touched outside the UI goroutine, and
// on panics.
func checkAppLog(t *testing.T, out string) {
	t.Helper()
	for _, bad := range []string{"Error in Fyne call thread", "panic:", "DATA RACE"} {
		if strings.Contains(out, bad) {
			t.Errorf("the app logged %q:\n%s", bad, out)
		}
	}
}

// seedPreferences writes Herald's settings file under XDG_CONFIG_HOME, as an earlier session
// would have left it.
func seedPreferences(t *testing.T, configHome string, settings map[string]any) {
	t.Helper()
	doc, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(configHome, "herald")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "settings.json"), doc, 0o600); err != nil {
		t.Fatal(err)
	}
}
