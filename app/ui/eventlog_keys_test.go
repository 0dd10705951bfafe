package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// TestEnterOpensFocusedRow: with the event table focused, the arrows move to a row and
// Enter (or keypad Enter) opens that row's detail, the way Space always did.
func TestEnterOpensFocusedRow(t *testing.T) {
	for _, key := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter} {
		t.Run(string(key), func(t *testing.T) {
			test.NewTempApp(t)
			w := test.NewTempWindow(t, widget.NewLabel(""))
			w.Resize(fyne.NewSize(1000, 700))
			log := model.NewLog(10)
			for _, id := range []string{"first", "second"} {
				log.Add(model.Event{Feed: "f", Type: "message", ID: id, Data: id})
			}
			l := NewEventLog(log, w, model.Filter{})
			w.SetContent(l.Object())
			l.Refresh()
			if w.Canvas().Overlays().Top() != nil {
				t.Fatal("a dialog is open before any key")
			}
			focusable, ok := l.tableObj.(fyne.Focusable)
			if !ok {
				t.Fatalf("the table in the window (%T) cannot take the keyboard", l.tableObj)
			}
			w.Canvas().Focus(focusable)
			focusable.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
			focusable.TypedKey(&fyne.KeyEvent{Name: key})
			if w.Canvas().Overlays().Top() == nil {
				t.Fatalf("%s on the focused row opened no detail", key)
			}
		})
	}
}
