package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/app/notify"
	"github.com/heraldhq/herald/app/statefile"
)

// Quit and start again: the cards come back with their last quotes, greyed as of their
// time until quoted again, and so do the log's rows; a damaged file is set aside, reported,
// and the app starts without it.
func TestCardsAndRowsComeBackAfterARestart(t *testing.T) {
	var ui sync.Mutex
	onUI = func(f func()) { ui.Lock(); defer ui.Unlock(); f() }
	trayHost = func() bool { return true }
	defer func() { onUI, trayHost = fyne.Do, trayHostRunning }()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	a := &trayApp{App: test.NewTempApp(t)}
	var logged strings.Builder
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logged}, nil))
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	run := func(steps func(d *desktop)) {
		ctx, cancel := context.WithCancel(context.Background())
		ui.Lock()
		d := newDesktop(ctx, a, "state-test-key-0123456789abcdef", options{port: port, dir: dir}, log, &notify.Recorder{})
		ui.Unlock()
		steps(d)
		cancel()
		d.wg.Wait()
		d.shutdown()
	}
	at := time.Now().Add(-2 * time.Minute)
	run(func(d *desktop) {
		d.deliver([]model.Event{
			{Time: at, Feed: "broker", Type: "stock-update", ID: "1796644879312-1", Data: `{"symbol":"AAPL","price":190.5,"change":1.5}`},
			{Time: at, Feed: "teammate", Type: "alert", ID: "1796644879312-2", Data: `{"title":"disk full","n":9007199254740993}`},
		})
	})
	if _, err := os.Stat(filepath.Join(dir, statefile.Name)); err != nil {
		t.Fatalf("nothing kept at quit: %v", err)
	}
	run(func(d *desktop) {
		ui.Lock()
		defer ui.Unlock()
		price, change, _, ok := d.stockP.Card("broker", "AAPL")
		if !ok || price != "190.50" || change != "+1.50" {
			t.Errorf("AAPL card after the restart: %v %q %q, want 190.50 +1.50", ok, price, change)
		}
		if snap := d.stocks.Snapshot(); len(snap) == 0 || !snap[0].Stale {
			t.Errorf("the kept quote is not marked stale: %+v", snap)
		}
		rows := d.events.View(model.Filter{Feed: "teammate"}, 0)
		if len(rows) != 1 || rows[0].Data != `{"title":"disk full","n":9007199254740993}` || !rows[0].Time.Equal(at) {
			t.Errorf("teammate's rows after the restart: %+v", rows)
		}
	})
	os.WriteFile(filepath.Join(dir, statefile.Name), []byte(`{"version":1,"cards":[{"fe`), 0o600)
	run(func(d *desktop) {
		if n := len(d.events.View(model.Filter{Feed: "teammate"}, 0)); n != 0 {
			t.Errorf("%d rows from a damaged file", n)
		}
	})
	logMu.Lock()
	out := logged.String()
	logMu.Unlock()
	if !strings.Contains(out, "is damaged") {
		t.Errorf("the damaged file was not reported:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, statefile.Name+".bad")); err != nil {
		t.Errorf("the damaged file was not set aside: %v", err)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
