package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// FocusSearch puts the keyboard in the log's search field (Ctrl+F), its text selected so
// typing replaces it.
func (l *EventLog) FocusSearch(c fyne.Canvas) {
	c.Focus(l.search)
	l.search.TypedShortcut(&fyne.ShortcutSelectAll{})
}

// OpenTop opens the detail of the first row the log shows; false when it shows none.
func (l *EventLog) OpenTop() bool {
	if len(l.rows) == 0 {
		return false
	}
	l.win.Canvas().Unfocus() // so Escape reaches the window and closes the dialog
	l.ShowEvent(l.rows[0])
	return true
}

// UseKeyboard makes Enter in the search field open the first matching row, and leaves no
// widget focused once a row's dialog is open (a focused table or field would swallow the
// Escape that closes it).
func (l *EventLog) UseKeyboard() {
	l.search.OnSubmitted = func(string) { l.OpenTop() }
	open := l.table.OnSelected
	l.table.OnSelected = func(id widget.TableCellID) {
		open(id)
		// The table focuses itself after telling OnSelected (Table.Tapped): unfocus after.
		fyne.Do(l.win.Canvas().Unfocus)
	}
}

// Search returns the log's search field (tests).
func (l *EventLog) Search() *widget.Entry { return l.search }
