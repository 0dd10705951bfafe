package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/app/notify"
	"github.com/heraldhq/herald/app/settingsfile"
)

// TestPreferencesComeBack builds the app twice on the same preferences: what the user set in
// the first (a feed, DND, a price alert, the tab, the log filter, the window size, the hub
// port) is there in the second.
func TestPreferencesComeBack(t *testing.T) {
	// The test driver runs fyne.Do at once on the calling goroutine; one lock stands in for
	// the UI goroutine, held by the test whenever it touches widgets.
	var ui sync.Mutex
	onUI = func(f func()) { ui.Lock(); defer ui.Unlock(); f() }
	defer func() { onUI = fyne.Do }()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	a := test.NewTempApp(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := &notify.Recorder{}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	const key = "prefs-test-key-0123456789abcdef"
	dir := t.TempDir() // the settings file, kept across the two runs

	ctx1, cancel1 := context.WithCancel(context.Background())
	ui.Lock()
	d1 := newDesktop(ctx1, a, key, options{port: port, dir: dir}, log, rec)
	if d1.hub.HubStatus().Running != true {
		t.Fatalf("first run: hub not running: %+v", d1.hub.HubStatus())
	}
	if err := d1.feeds.PutFeed("", model.FeedConfig{Name: "CI", URL: "http://127.0.0.1:1", Channels: []string{"builds"}}); err != nil {
		t.Fatal(err)
	}
	d1.settingsP.SetDND(true)
	d1.settingsP.Symbol.SetText("AAPL")
	d1.settingsP.Threshold.SetText("200")
	if err := d1.settingsP.AddPriceAlert(); err != nil {
		t.Fatal(err)
	}
	d1.hubP.Demo.SetChecked(false)
	if err := d1.hubP.Apply(); err != nil {
		t.Fatal(err)
	}
	d1.hubP.Wait()         // the restart runs in the background
	d1.tabs.SelectIndex(2) // Hub
	d1.logP.SetFilter(model.Filter{Type: "alert", Text: "disk"})
	d1.win.Resize(fyne.NewSize(900, 640))
	d1.keepWindowSize()
	ui.Unlock()
	cancel1()
	d1.wg.Wait()
	d1.shutdown()

	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	ui.Lock()
	defer ui.Unlock()
	d2 := newDesktop(ctx2, a, key, options{dir: dir}, log, rec)
	defer func() { ui.Unlock(); cancel2(); d2.wg.Wait(); d2.shutdown(); ui.Lock() }()
	s := d2.prefs.get()
	if got := d2.hub.HubSettings(); got.Port != port || got.Demo || !got.Enabled {
		t.Errorf("hub settings %+v, want port %d, demo off, enabled", got, port)
	}
	if c := d2.feeds.Configs(); len(c) != 1 || c[0].Name != "CI" || c[0].Channels[0] != "builds" {
		t.Errorf("feeds %+v", c)
	}
	if !d2.settingsP.Settings().DND || !d2.engine.DND {
		t.Error("DND did not come back")
	}
	if pa := d2.engine.PriceAlerts; len(pa) != 1 || pa[0].String() != "AAPL above 200" {
		t.Errorf("price alerts %+v", pa)
	}
	if d2.tabs.Selected().Text != "Hub" {
		t.Errorf("tab %q, want Hub", d2.tabs.Selected().Text)
	}
	if f := d2.logP.Filter(); f.Type != "alert" || f.Text != "disk" {
		t.Errorf("log filter %+v", f)
	}
	if s.Width != 900 || s.Height != 640 {
		t.Errorf("window size %vx%v, want 900x640", s.Width, s.Height)
	}
	// Everything went to the app's own settings file; Fyne's preferences (rewritten in
	// place, not atomically) hold nothing of it.
	if got, found, err := settingsfile.Load(filepath.Join(dir, settingsfile.Name)); err != nil || !found || !got.DND {
		t.Errorf("settings file: %v found %v dnd %v", err, found, got.DND)
	}
	if old := a.Preferences().String(settingsKey); old != "" {
		t.Errorf("Fyne's preferences were written: %.80s", old)
	}
}

// TestSettingsMoveFromFynePreferences: settings an earlier version kept in Fyne's
// preferences come back, and from then on live in the settings file.
func TestSettingsMoveFromFynePreferences(t *testing.T) {
	a := test.NewTempApp(t)
	old := model.DefaultSettings()
	old.DND, old.Tab = true, "Feeds"
	a.Preferences().SetString(settingsKey, old.Encode())
	dir := t.TempDir()
	p := loadPrefs(a, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if s := p.get(); !s.DND || s.Tab != "Feeds" {
		t.Fatalf("moved settings %+v", s)
	}
	p.flush()
	if got, found, err := settingsfile.Load(filepath.Join(dir, settingsfile.Name)); err != nil || !found || !got.DND || got.Tab != "Feeds" {
		t.Errorf("settings file after the move: %v found %v %+v", err, found, got)
	}
}
