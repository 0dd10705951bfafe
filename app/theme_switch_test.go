package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/heraldhq/herald/app/notify"
	"github.com/heraldhq/herald/app/ui"
)

// A theme switch re-themes every tab: the one on screen at once, each other one when it is
// next shown (Fyne re-themes only what is on screen, so a tab drawn earlier kept white icons
// on the light background), and the stock cards, which draw with explicit colours.
func TestThemeSwitchReachesHiddenTabs(t *testing.T) {
	var uiMu sync.Mutex
	onUI = func(f func()) { uiMu.Lock(); defer uiMu.Unlock(); f() }
	defer func() { onUI = fyne.Do }()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	a := test.NewTempApp(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	uiMu.Lock()
	d := newDesktop(ctx, a, "theme-test-key-0123456789abcdef", options{port: port, theme: "dark", tab: "Settings", dir: t.TempDir()},
		slog.New(slog.NewTextHandler(io.Discard, nil)), &notify.Recorder{})
	d.settingsP.Theme.SetSelected("Light") // as the user picks it
	if th, ok := a.Settings().Theme().(ui.Theme); !ok || th.Variant != "light" {
		t.Errorf("app theme %#v after picking Light", a.Settings().Theme())
	}
	live := d.tabs.Items[0]
	if !d.staleTabs[live] || d.staleTabs[d.tabs.Selected()] {
		t.Errorf("after the switch: Live stale %v, Settings stale %v; want only the hidden tabs", d.staleTabs[live], d.staleTabs[d.tabs.Selected()])
	}
	d.tabs.Select(live)
	if d.staleTabs[live] {
		t.Error("Live was shown but is still marked for re-theming")
	}
	uiMu.Unlock()
	cancel()
	d.wg.Wait()
	d.shutdown()
}
