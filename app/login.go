package app

import (
	"github.com/heraldhq/herald/app/autostart"
	"github.com/heraldhq/herald/app/model"
)

// loginEntry is what starts at login: this program, opening the desktop app; hidden (the
// "Start hidden" setting) adds --hidden, so it opens in the tray.
var loginEntry = func(hidden bool) (autostart.Entry, error) {
	if hidden {
		return autostart.Self("Herald", "--hidden")
	}
	return autostart.Self("Herald")
}

// setStartAtLogin writes or removes the OS's start-at-login entry and keeps the choice; on
// failure the setting stays as it was and the error says why.
func (d *desktop) setStartAtLogin(on bool) error {
	e, err := loginEntry(d.prefs.get().StartHidden)
	if err == nil {
		if on {
			err = autostart.Enable(e)
		} else {
			err = autostart.Disable(e)
		}
	}
	if err != nil {
		d.log.Error("start at login", "err", err)
		return err
	}
	d.prefs.update(func(s *model.Settings) { s.StartAtLogin = on })
	d.tray.sync()
	return nil
}

// setStartHidden keeps the "Start hidden" choice and writes the start-at-login entry again
// when there is one, so its command says --hidden or not.
func (d *desktop) setStartHidden(on bool) {
	d.prefs.update(func(s *model.Settings) { s.StartHidden = on })
	if d.startsAtLogin() {
		d.setStartAtLogin(true)
	}
}

// startsAtLogin reports whether the OS has the entry (the truth, whatever the settings say).
func (d *desktop) startsAtLogin() bool {
	e, err := loginEntry(false)
	return err == nil && autostart.Enabled(e)
}
