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

	"github.com/heraldhq/herald/app/notify"
	"github.com/heraldhq/herald/app/settingsfile"
)

// trayApp is Fyne's test app with a system tray (the test app has none) and a Quit that
// only counts, so the desktop sets up its tray and close intercept as on a real desktop.
type trayApp struct {
	fyne.App
	menu  *fyne.Menu
	quits int
}

func (a *trayApp) SetSystemTrayMenu(m *fyne.Menu)  { a.menu = m }
func (a *trayApp) SetSystemTrayIcon(fyne.Resource) {}
func (a *trayApp) SetSystemTrayWindow(fyne.Window) {}
func (a *trayApp) Quit()                           { a.quits++ }
func hints(rec *notify.Recorder) (n int) {
	for _, x := range rec.Sent() {
		if x.Title == hintTitle {
			n++
		}
	}
	return n
}

// Closing the window hides it to the tray; the hint says so the first time only, also
// after the app started again on the same preferences. Without a tray host it asks whether
// to quit.
func TestCloseHidesToTrayWithOneHint(t *testing.T) {
	var ui sync.Mutex // stands in for the UI goroutine, as in TestPreferencesComeBack
	onUI = func(f func()) { ui.Lock(); defer ui.Unlock(); f() }
	defer func() { onUI = fyne.Do }()
	tray := true
	trayHost = func() bool { return tray }
	defer func() { trayHost = trayHostRunning }()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	a := &trayApp{App: test.NewTempApp(t)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := &notify.Recorder{}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	const key = "close-test-key-0123456789abcdef"
	dir := t.TempDir() // the settings file, kept across the two runs

	run := func(steps func(d *desktop)) {
		ctx, cancel := context.WithCancel(context.Background())
		ui.Lock()
		d := newDesktop(ctx, a, key, options{port: port, dir: dir}, log, rec)
		if a.menu == nil {
			t.Fatal("the tray menu was not set up")
		}
		steps(d)
		ui.Unlock()
		cancel()
		d.wg.Wait()
		d.shutdown()
	}
	run(func(d *desktop) {
		d.closeWindow()
		if d.visible.Load() || hints(rec) != 1 || a.quits != 0 {
			t.Errorf("first close: visible %v, %d hints, %d quits; want hidden, 1 hint, no quit", d.visible.Load(), hints(rec), a.quits)
		}
		d.setVisible(true)
		d.closeWindow()
		if d.visible.Load() || hints(rec) != 1 {
			t.Errorf("second close: visible %v, %d hints; want hidden, still 1 hint", d.visible.Load(), hints(rec))
		}
	})
	if s, _, err := settingsfile.Load(filepath.Join(dir, settingsfile.Name)); err != nil || !s.HintShown {
		t.Errorf("preferences after the hint: shown %v (%v), want true", s.HintShown, err)
	}
	run(func(d *desktop) { // started again on the same preferences
		d.closeWindow()
		if d.visible.Load() || hints(rec) != 1 {
			t.Errorf("close after a restart: visible %v, %d hints; want hidden, no new hint", d.visible.Load(), hints(rec))
		}
		// Without a tray host closing asks first (quitting stops the hub): "Keep running"
		// keeps everything, "Quit" quits.
		tray = false
		d.setVisible(true)
		d.closeWindow()
		if a.quits != 0 || d.quitAsk == nil || !d.visible.Load() {
			t.Fatalf("close without a tray host: %d quits, asking %v, visible %v; want a question first", a.quits, d.quitAsk != nil, d.visible.Load())
		}
		d.closeWindow() // closing again while asked: still one question
		d.answerQuit(false)
		if a.quits != 0 || d.quitAsk != nil {
			t.Errorf("Keep running: %d quits", a.quits)
		}
		d.closeWindow()
		d.answerQuit(true)
		if a.quits != 1 {
			t.Errorf("Quit: %d quits, want 1", a.quits)
		}
	})
}
