// Package app is Herald's Fyne desktop app: windows, panels, tray and notifications. It talks
// to the hub and the SSE client only through small interfaces, so both stay free of Fyne.
package app

import (
	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/assets"
)

// Run opens the desktop app and blocks until it quits; it returns the process exit code.
func Run(args []string) int {
	a := fyneapp.NewWithID("dev.herald.app")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	w := a.NewWindow("Herald")
	w.SetContent(widget.NewLabel("Herald"))
	w.Resize(fyne.NewSize(1100, 720))
	w.ShowAndRun()
	return 0
}
