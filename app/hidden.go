package app

// run shows the window and runs the app until it quits; with hidden (the start-at-login
// entry's --hidden) it runs in the tray with the window hidden instead, but only where a
// tray host shows the icon: without one, a hidden window could never be reached again.
func (d *desktop) run(hidden bool) {
	if d.startHidden(hidden) {
		d.app.Run()
		return
	}
	d.win.ShowAndRun()
}

// startHidden decides whether the app starts in the tray, and hides the window if so.
func (d *desktop) startHidden(hidden bool) bool {
	if !hidden {
		return false
	}
	if d.tray == nil || !d.tray.registered || !trayHost() {
		d.log.Info("asked to start hidden, but no tray host shows the icon: showing the window")
		return false
	}
	d.log.Info("started hidden: the window opens from the tray icon")
	d.visible.Store(false)
	d.tray.sync()
	return true
}
