package app

import (
	"strconv"

	"fyne.io/fyne/v2"
	fynedesktop "fyne.io/fyne/v2/driver/desktop"
)

// setupKeys binds the window's keyboard shortcuts: Ctrl+1…5 switch panels, Ctrl+F searches
// the log, Ctrl+H shows the notification history, Ctrl+Q quits, Enter in the search opens the
// first match, Escape closes the dialog on top. (Cmd instead of Ctrl on macOS.)
func (d *desktop) setupKeys() {
	c := d.win.Canvas()
	mod := fyne.KeyModifierShortcutDefault
	for i := range d.tabs.Items {
		c.AddShortcut(&fynedesktop.CustomShortcut{KeyName: fyne.KeyName(strconv.Itoa(i + 1)), Modifier: mod},
			func(fyne.Shortcut) { d.tabs.SelectIndex(i) })
	}
	c.AddShortcut(&fynedesktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: mod}, func(fyne.Shortcut) {
		d.tabs.SelectIndex(0) // the log is on Live
		d.logP.FocusSearch(c)
	})
	c.AddShortcut(&fynedesktop.CustomShortcut{KeyName: fyne.KeyH, Modifier: mod}, func(fyne.Shortcut) { d.showHistory() })
	c.AddShortcut(&fynedesktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: mod}, func(fyne.Shortcut) { d.app.Quit() })
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			d.closeTopDialog()
		}
	})
	d.logP.UseKeyboard()
}

// closeTopDialog closes the dialog or pop-up on top of the window (Escape); the quit
// question counts as answered "Keep running".
func (d *desktop) closeTopDialog() {
	if d.quitAsk != nil {
		d.quitAsk.Hide() // answers false through its callback
		return
	}
	if top := d.win.Canvas().Overlays().Top(); top != nil {
		top.Hide()
	}
}
