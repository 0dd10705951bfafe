//go:build linux

package app

import "github.com/godbus/dbus/v5"

// trayHostRunning reports whether a StatusNotifierWatcher owns its name on the session bus:
// without one (GNOME without the AppIndicator extension, a bare X server) the tray icon is
// invisible, so closing the window must quit instead of hiding the app where nobody can
// find it again.
func trayHostRunning() bool {
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	var owned bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&owned)
	return err == nil && owned
}
