package ui

import "fyne.io/fyne/v2/widget"

// SetText shows s on l and reports whether it changed. Unlike Label.SetText it leaves an
// unchanged label alone: every Refresh marks the window for a whole repaint, and the
// one-second tick sets the same texts again and again while nothing happens.
func SetText(l *widget.Label, s string) bool {
	if l.Text == s {
		return false
	}
	l.SetText(s)
	return true
}
