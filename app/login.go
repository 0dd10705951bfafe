package app

import (
	"github.com/heraldhq/herald/app/autostart"
	"github.com/heraldhq/herald/app/model"
)

// loginEntry is what starts at login: this program, opening the desktop app.
var loginEntry = func() (autostart.Entry, error) { return autostart.Self("Herald") }

// setStartAtLogin writes or removes the OS's start-at-login entry and keeps the choice; on
// failure the setting stays as it was and the error says why.
func (d *desktop) setStartAtLogin(on bool) error {
	e, err := loginEntry()
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

// startsAtLogin reports whether the OS has the entry (the truth, whatever the settings say).
func (d *desktop) startsAtLogin() bool {
	e, err := loginEntry()
	return err == nil && autostart.Enabled(e)
}
