//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDesktopCloseWithoutTray closes the window the way a person does, with the window
// manager (openbox, Alt+F4), on a desktop without a tray host: the app must not vanish with
// its hub but ask; the question stays until answered, and Quit (chosen from the keyboard)
// stops the app and its hub cleanly.
func TestDesktopCloseWithoutTray(t *testing.T) {
	for _, tool := range []string{"Xvfb", "openbox", "xdotool", "dbus-daemon", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/setup.sh", tool)
		}
	}
	display := startXvfb(t)
	busAddr := startSessionBus(t) // no StatusNotifierWatcher on it: no tray host
	cfg := t.TempDir()
	start(t, []string{"DISPLAY=" + display, "HOME=" + cfg}, "openbox")
	port := freePort(t)
	env := []string{
		"DISPLAY=" + display, "DBUS_SESSION_BUS_ADDRESS=" + busAddr, "LIBGL_ALWAYS_SOFTWARE=1",
		"LANG=C.UTF-8", "HOME=" + cfg, "XDG_CONFIG_HOME=" + cfg, "HERALD_KEY=e2e-close-key-0123456789abcdef",
	}
	app := start(t, env, heraldGUI(), "gui", "--port", strconv.Itoa(port), "--discovery=false")
	waitHealthy(t, "http://127.0.0.1:"+strconv.Itoa(port), 60*time.Second)
	waitWindowVisible(t, display, true, 30*time.Second)
	xdo := func(args ...string) {
		t.Helper()
		cmd := exec.Command("xdotool", args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v\n%s", args, err, out)
		}
	}
	xdo("search", "--onlyvisible", "--name", "^Herald$", "windowactivate", "--sync")
	xdo("key", "--clearmodifiers", "alt+F4")
	waitOutput(t, app, "asking whether to quit", 15*time.Second)
	time.Sleep(time.Second)
	if app.Cmd.ProcessState != nil {
		t.Fatalf("the app quit on close without asking:\n%s", app.Output())
	}
	waitWindowVisible(t, display, true, 5*time.Second)
	screenshot(t, display, "desktop-close-ask.png", 200, 20*time.Second)

	// Keep running is the first button, Quit the second.
	xdo("key", "Tab", "Tab", "space")
	done := make(chan error, 1)
	go func() { done <- app.Cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the app exited with %v after Quit", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("Quit in the question did not quit within 20 s:\n%s", app.Output())
	}
	if !strings.Contains(app.Output(), "hub stopped") {
		t.Errorf("the hub did not stop cleanly:\n%s", app.Output())
	}
}
