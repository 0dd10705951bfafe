package app

import (
	"log/slog"
	"sync"

	"fyne.io/fyne/v2"

	"github.com/heraldhq/herald/app/model"
)

// settingsKey is the Fyne preference that holds every setting as one JSON document, so a
// change to model.Settings needs no migration of many keys.
const settingsKey = "settings.v1"

// prefs keeps model.Settings in Fyne's preferences (written to disk by Fyne, debounced, and
// once more when the app stops).
type prefs struct {
	mu sync.Mutex
	p  fyne.Preferences
	s  model.Settings
}

func loadPrefs(a fyne.App, log *slog.Logger) *prefs {
	p := &prefs{p: a.Preferences()}
	s, err := model.DecodeSettings(p.p.String(settingsKey))
	if err != nil {
		log.Warn("preferences", "err", err)
	}
	p.s = s
	return p
}

func (p *prefs) get() model.Settings {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.s
}

func (p *prefs) set(s model.Settings) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.s = s
	p.p.SetString(settingsKey, s.Encode())
}

func (p *prefs) update(change func(*model.Settings)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	change(&p.s)
	p.p.SetString(settingsKey, p.s.Encode())
}
