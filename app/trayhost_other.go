//go:build !linux

package app

// trayHostRunning is true where the tray is part of the desktop (Windows, macOS) or cannot
// be asked about.
func trayHostRunning() bool { return true }
