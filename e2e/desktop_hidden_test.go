//go:build linux

package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// `herald gui --hidden` (what the start-at-login entry runs when Settings say "Start
// hidden") on the real binary: with a tray host it starts in the tray, the window unmapped,
// and the tray's "Show window" brings it up; without one it shows the window, since
// nothing else could.
func TestDesktopStartsHidden(t *testing.T) {
	for _, tool := range []string{"Xvfb", "dbus-daemon", "openbox", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/setup.sh", tool)
		}
	}
	display := startXvfb(t)
	start(t, []string{"DISPLAY=" + display}, "openbox", "--sm-disable")
	run := func(t *testing.T, tray bool) {
		busAddr := startSessionBus(t)
		var desk *fakeDesktop
		if tray {
			desk = newFakeDesktop(t, busAddr)
		}
		home := t.TempDir()
		port := freePort(t)
		url := fmt.Sprintf("http://127.0.0.1:%d", port)
		env := []string{
			"DISPLAY=" + display, "DBUS_SESSION_BUS_ADDRESS=" + busAddr, "LIBGL_ALWAYS_SOFTWARE=1",
			"LANG=en_US.UTF-8", "HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
			"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "XDG_RUNTIME_DIR=" + home,
			"HERALD_KEY=e2e-hidden-key-0123456789abcdef0", "HERALD_DISCOVERY=false",
		}
		app := start(t, env, heraldGUI(), "gui", "--hidden", "--port", strconv.Itoa(port))
		waitHealthy(t, url, 60*time.Second)
		waitSubscribed(t, url, 30*time.Second) // the app is up and running its feeds
		if !tray {
			waitWindowVisible(t, display, true, 30*time.Second)
			screenshot(t, display, "desktop-hidden-no-tray.png", 200, 20*time.Second)
			app.Stop()
			checkAppLog(t, app.Output())
			return
		}
		item := desk.waitTray(t, 30*time.Second)
		time.Sleep(2 * time.Second) // a window that was going to map has done so by now
		waitWindowVisible(t, display, false, time.Second)
		waitTrayLabel(t, desk, item, "Show window", 15*time.Second)
		chooseTray(t, desk.conn, app, item, "Show window", func(m map[string]trayItem) bool { _, ok := m["Hide window"]; return ok }, 20*time.Second)
		waitWindowVisible(t, display, true, 20*time.Second)
		screenshot(t, display, "desktop-hidden-shown-from-tray.png", 200, 20*time.Second)
		app.Stop()
		checkAppLog(t, app.Output())
	}
	t.Run("tray", func(t *testing.T) { run(t, true) })
	t.Run("no tray", func(t *testing.T) { run(t, false) })
}
