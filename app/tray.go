package app

import (
	"fyne.io/fyne/v2"
	fynedesktop "fyne.io/fyne/v2/driver/desktop"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/assets"
)

// trayMenu is the system tray's menu: show/hide, pause notifications, hub on/off (Fyne adds
// Quit). Without a tray (no desktop.App), closing the window quits.
type trayMenu struct {
	d          *desktop
	menu       *fyne.Menu
	show, dnd  *fyne.MenuItem
	hub        *fyne.MenuItem
	desk       fynedesktop.App
	registered bool
}

func (d *desktop) setupTray() {
	t := &trayMenu{d: d}
	d.tray = t
	desk, ok := d.app.(fynedesktop.App)
	if !ok {
		return
	}
	t.desk, t.registered = desk, true
	t.show = fyne.NewMenuItem("Hide window", func() { d.setVisible(!d.visible) })
	t.dnd = fyne.NewMenuItem("Pause notifications", func() { d.setDND(!d.settingsP.Settings().DND) })
	t.hub = fyne.NewMenuItem("Hub on", func() {
		// Through the hub panel, so the restart runs off the UI goroutine like Apply does.
		s := d.hub.HubSettings()
		s.Enabled = !s.Enabled
		d.hubP.ApplySettings(s)
		t.sync()
	})
	t.menu = fyne.NewMenu("Herald", t.show, t.dnd, t.hub)
	desk.SetSystemTrayMenu(t.menu)
	desk.SetSystemTrayIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	t.sync()

	d.win.SetCloseIntercept(func() {
		if !trayHostRunning() {
			d.app.Quit() // no tray to come back from
			return
		}
		d.setVisible(false)
		if !d.prefs.get().HintShown {
			d.prefs.update(func(s *model.Settings) { s.HintShown = true })
			d.notify.Notify(model.Notification{Title: "Herald is still running",
				Body: "It keeps watching your feeds from the tray. Choose Quit in the tray menu to stop it."})
		}
	})
}

// sync shows the current states in the menu.
func (t *trayMenu) sync() {
	if t == nil || !t.registered {
		return
	}
	if t.d.visible {
		t.show.Label = "Hide window"
	} else {
		t.show.Label = "Show window"
	}
	t.dnd.Checked = t.d.settingsP.Settings().DND
	t.hub.Checked = t.d.hub.HubSettings().Enabled
	t.menu.Refresh()
}

func (d *desktop) setVisible(v bool) {
	d.visible = v
	if v {
		d.win.Show()
		d.win.RequestFocus()
		d.refreshAll()
	} else {
		d.win.Hide()
	}
	d.tray.sync()
}
