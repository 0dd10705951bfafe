//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/netns"
)

// lanHub is one entry of `herald discover --json`.
type lanHub struct {
	Name, URL, Version string
	TokenRequired      bool
}

// TestDiscoverHubsOnLAN runs entirely inside a private network namespace (loopback only,
// multicast on): a teammate's `herald serve` on 0.0.0.0 and the desktop app with LAN sharing
// on both announce themselves; `herald discover`, another process, lists both; the app's
// Feeds panel lists the teammate's hub under "Hubs on your network" (not its own), one click
// on Follow subscribes to it (its /stats shows the stream); and when the teammate's hub
// stops, its goodbye takes it off `herald discover`'s list.
func TestDiscoverHubsOnLAN(t *testing.T) {
	if !netns.Isolate(t) {
		return
	}
	for _, tool := range []string{"Xvfb", "dbus-daemon", "import", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/setup.sh (apt packages xvfb, dbus-x11, imagemagick, xdotool)", tool)
		}
	}
	const key = "e2e-discover-key-0123456789abcdef"
	version := strings.TrimSpace(mustRun(t, "version", "--short"))

	// The teammate's hub: another process, on every interface of the namespace.
	port := freePort(t)
	teamURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	home := t.TempDir()
	team := start(t, []string{"XDG_CONFIG_HOME=" + home, "HOME=" + home}, herald(),
		"serve", "--addr", fmt.Sprintf("0.0.0.0:%d", port), "--key", key, "--advertise-name", "ops hub")
	waitHealthy(t, teamURL, 20*time.Second)

	// The desktop app, LAN sharing on, Feeds tab open.
	display := startXvfb(t)
	busAddr := startSessionBus(t)
	newFakeDesktop(t, busAddr)
	cfg := t.TempDir()
	appPort := freePort(t)
	appURL := fmt.Sprintf("http://127.0.0.1:%d", appPort)
	seedPreferences(t, cfg, map[string]any{
		"hub":   map[string]any{"enabled": true, "port": appPort, "lan": true, "demo": false},
		"width": 1000, "height": 640, "tab": "Feeds", "trayHintShown": true,
	})
	app := start(t, []string{
		"DISPLAY=" + display, "DBUS_SESSION_BUS_ADDRESS=" + busAddr, "LIBGL_ALWAYS_SOFTWARE=1",
		"LANG=en_US.UTF-8", "XDG_CONFIG_HOME=" + cfg, "XDG_CACHE_HOME=" + filepath.Join(cfg, "cache"), "HERALD_KEY=" + key,
	}, heraldGUI(), "gui", "--config-dir", cfg)
	waitHealthy(t, appURL, 60*time.Second)

	// `herald discover` lists both hubs, with their TXT data.
	hubs := discoverUntil(t, 20*time.Second, func(hs []lanHub) bool { return len(hs) == 2 })
	byURL := map[string]lanHub{}
	for _, h := range hubs {
		byURL[h.URL] = h
	}
	if h := byURL[teamURL]; h.Name != "ops hub" || h.Version != version || h.TokenRequired {
		t.Errorf("the teammate's hub is listed as %+v, want ops hub, version %s, no token", h, version)
	}
	if h := byURL[appURL]; !strings.Contains(h.Name, " on ") || h.Version != version {
		t.Errorf("the app's hub is listed as %+v, want \"USER on HOST\", version %s", h, version)
	}
	text := mustRun(t, "discover", "--timeout", "2s")
	if !strings.Contains(text, "ops hub") || !strings.Contains(text, teamURL) {
		t.Errorf("herald discover (table) does not list ops hub at %s:\n%s", teamURL, text)
	}

	// The Feeds panel lists the teammate's hub with a Follow button: the one accent-coloured
	// button in the lower half of the window (the app's own hub is not listed). Click it.
	shot := screenshot(t, display, "desktop-feeds-lan.png", 100, 20*time.Second)
	x, y := findFollowButton(t, shot, 20*time.Second, display)
	click := exec.Command("xdotool", "mousemove", "--sync", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
	click.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := click.CombinedOutput(); err != nil {
		t.Fatalf("xdotool click: %v %s", err, out)
	}
	waitSubscribed(t, teamURL, 20*time.Second) // the app now follows the teammate's hub
	screenshot(t, display, "desktop-feeds-lan-following.png", 100, 10*time.Second)

	// The teammate's hub stops: its goodbye takes it off the list at once.
	team.Stop()
	discoverUntil(t, 10*time.Second, func(hs []lanHub) bool { return len(hs) == 1 && hs[0].URL == appURL })
	app.Stop()
	checkAppLog(t, app.Output())
}

// mustRun runs a headless herald subcommand and returns its stdout and stderr.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := runHerald(t, ctx, nil, args...)
	if err != nil {
		t.Fatalf("herald %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// discoverUntil runs `herald discover --json` until its list satisfies ok.
func discoverUntil(t *testing.T, within time.Duration, ok func([]lanHub) bool) []lanHub {
	t.Helper()
	var hs []lanHub
	for deadline := time.Now().Add(within); ; {
		out := mustRun(t, "discover", "--json", "--timeout", "2s")
		hs = nil
		if err := json.Unmarshal([]byte(out), &hs); err != nil {
			t.Fatalf("herald discover --json printed %q: %v", out, err)
		}
		if ok(hs) {
			return hs
		}
		if time.Now().After(deadline) {
			t.Fatalf("herald discover still lists %+v after %v", hs, within)
		}
	}
}

// findFollowButton returns the centre of the patch of the accent colour (a saturated blue,
// whichever shade the theme picks) in the lower right quarter of the screen, where "Hubs on your network" puts its Follow
// buttons; it takes screenshots until one appears.
func findFollowButton(t *testing.T, shot string, within time.Duration, display string) (int, int) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		f, err := os.Open(shot)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if x, y, n := accentPatch(img); n > 400 {
			return x, y
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Follow button (accent colour) in the lower half of %s", shot)
		}
		time.Sleep(500 * time.Millisecond)
		shot = screenshot(t, display, "desktop-feeds-lan.png", 100, 5*time.Second)
	}
}

// accentPatch returns the centre and size of the accent-coloured pixels in the window's
// lower right quarter (the window sits at 0,0 and is 1000x640).
func accentPatch(img image.Image) (x, y, n int) {
	var sx, sy int
	for py := 320; py < 640 && py < img.Bounds().Max.Y; py++ {
		for px := 500; px < 1000 && px < img.Bounds().Max.X; px++ {
			r, g, b, _ := img.At(px, py).RGBA()
			if r, g, b := int(r>>8), int(g>>8), int(b>>8); b >= 200 && b > r+80 && b > g+40 {
				sx, sy, n = sx+px, sy+py, n+1
			}
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	return sx / n, sy / n, n
}
