//go:build linux

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/sseclient"
)

// TestDesktopHubKeepsHistory: the desktop app's own hub keeps its history in the config
// folder (app-history.db), so after quitting the app and starting it again a teammate
// resuming with the id it had gets every event after it, with no herald.gap.
func TestDesktopHubKeepsHistory(t *testing.T) {
	for _, tool := range []string{"Xvfb", "dbus-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/setup.sh (apt packages xvfb, dbus-x11)", tool)
		}
	}
	display := startXvfb(t)
	busAddr := startSessionBus(t)
	newFakeDesktop(t, busAddr)
	cfg := t.TempDir()
	port := freePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	const key = "e2e-desktop-key-0123456789abcdef"
	env := []string{
		"DISPLAY=" + display, "DBUS_SESSION_BUS_ADDRESS=" + busAddr, "LIBGL_ALWAYS_SOFTWARE=1",
		"LANG=en_US.UTF-8", "XDG_CONFIG_HOME=" + cfg, "XDG_CACHE_HOME=" + filepath.Join(cfg, "cache"),
		"HERALD_KEY=" + key,
	}
	seedPreferences(t, cfg, map[string]any{"hub": map[string]any{"enabled": true, "port": 7878}})
	publish := func(data string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := runHerald(t, ctx, nil, "publish", "--url", url, "--token", key, "--channel", "team", data)
		if err != nil {
			t.Fatalf("herald publish: %v\n%s", err, out)
		}
		return strings.TrimSpace(out)
	}

	app := start(t, env, heraldGUI(), "gui", "--port", strconv.Itoa(port), "--config-dir", cfg)
	waitHealthy(t, url, 60*time.Second)
	ids := []string{publish("one"), publish("two"), publish("three")}
	if _, err := os.Stat(filepath.Join(cfg, "herald", "app-history.db")); err != nil {
		t.Fatalf("the app's hub keeps no history file in the config folder: %v", err)
	}
	app.Stop() // quit the app
	checkAppLog(t, app.Output())

	app = start(t, env, heraldGUI(), "gui", "--port", strconv.Itoa(port), "--config-dir", cfg)
	waitHealthy(t, url, 60*time.Second)
	ids = append(ids, publish("four"))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events?channel=team", nil)
	req.Header.Set("Last-Event-ID", ids[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := sseclient.NewParser(resp.Body)
	want := []string{"two", "three", "four"}
	for i := 0; i < len(want); {
		e, err := p.Next()
		if err != nil {
			t.Fatalf("after %d events: %v", i, err)
		}
		switch {
		case e.Type == "herald.gap":
			t.Fatalf("herald.gap after the app restarted: %s", e.Data)
		case e.Type != "message":
			continue
		case e.Data != want[i] || e.ID != ids[i+1]:
			t.Fatalf("event %d = %q id %s, want %q id %s", i, e.Data, e.ID, want[i], ids[i+1])
		}
		i++
	}
	app.Stop()
	checkAppLog(t, app.Output())
}
