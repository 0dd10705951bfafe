package app

import (
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/app/settingsfile"
)

// settingsKey is the Fyne preference where earlier versions kept every setting as one JSON
// document; it is read once, when the app's own settings file does not exist yet.
const settingsKey = "settings.v1"

// saveDelay gathers a burst of changes (a window drag, a feed's position each second) into
// one write.
const saveDelay = 300 * time.Millisecond

// prefs keeps model.Settings in the app's settings file (see app/settingsfile: written
// atomically, in the background shortly after a change, and once more when the app stops).
type prefs struct {
	mu    sync.Mutex
	s     model.Settings
	path  string
	log   *slog.Logger
	dirty bool
	kick  chan struct{}
	wmu   sync.Mutex // one write at a time
}

// configDir is the app's own folder: $XDG_CONFIG_HOME/herald (where the hub key lives too).
func configDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "herald")
}

// loadPrefs reads the settings from dir's settings file, or, on the first run of this
// version, from Fyne's preferences of a; it then keeps them in the file until stop.
func loadPrefs(a fyne.App, dir string, log *slog.Logger) *prefs {
	p := &prefs{path: filepath.Join(dir, settingsfile.Name), log: log, kick: make(chan struct{}, 1)}
	s, found, err := settingsfile.Load(p.path)
	if err != nil {
		log.Warn("preferences", "err", err)
	}
	if !found {
		if old := a.Preferences().String(settingsKey); old != "" {
			if s, err = model.DecodeSettings(old); err != nil {
				log.Warn("preferences", "err", err)
			}
			p.dirty = true // moved into the settings file at the first save
		}
	}
	p.s = s
	go p.writer()
	if p.dirty {
		p.signal()
	}
	return p
}

func (p *prefs) get() model.Settings {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.s
}

func (p *prefs) set(s model.Settings) {
	p.mu.Lock()
	p.s, p.dirty = s, true
	p.mu.Unlock()
	p.signal()
}

func (p *prefs) update(change func(*model.Settings)) {
	p.mu.Lock()
	change(&p.s)
	p.dirty = true
	p.mu.Unlock()
	p.signal()
}

func (p *prefs) signal() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// writer saves shortly after changes, for the life of the process (one small goroutine;
// flush covers the last changes when the app stops).
func (p *prefs) writer() {
	for range p.kick {
		time.Sleep(saveDelay)
		p.flush()
	}
}

// flush writes the settings now when they changed since the last write.
func (p *prefs) flush() {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.mu.Lock()
	if !p.dirty {
		p.mu.Unlock()
		return
	}
	s := p.s
	p.dirty = false
	p.mu.Unlock()
	if err := settingsfile.Save(p.path, s); err != nil {
		p.log.Error("preferences", "err", err)
		p.mu.Lock()
		p.dirty = true // try again with the next change
		p.mu.Unlock()
	}
}
