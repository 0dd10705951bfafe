package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// TestShowEventLargeDrawsOnlyWhatShows: the detail dialog of the hub's largest event builds
// a screenful of text objects, not one per line of the whole event (the toolkit wrapping one
// 62 KB label froze the window for over a minute; BenchmarkShowEvent has the timings), and
// "Copy all" still copies every line.
func TestShowEventLargeDrawsOnlyWhatShows(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 700))
	l := NewEventLog(model.NewLog(10), w, model.Filter{})
	w.SetContent(l.Object())
	ev := bigEvent(64 << 10)
	lines := ev.DetailLines(detailColumns)
	if len(lines) < 2000 {
		t.Fatalf("the test event pretty-prints to %d lines; want a large one", len(lines))
	}
	l.ShowEvent(ev)
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog opened")
	}
	texts := 0
	var copyAll *widget.Button
	for _, o := range test.LaidOutObjects(top) {
		switch x := o.(type) {
		case *canvas.Text:
			if x.Text != "" {
				texts++
			}
		case *widget.Button:
			if x.Text == "Copy all" {
				copyAll = x
			}
		}
	}
	if texts > 200 {
		t.Errorf("the dialog built %d text objects for a %d-line event; it should draw only the lines in sight", texts, len(lines))
	}
	if l.detailLines == nil || l.detailLines.Length() != len(lines) {
		t.Fatalf("the detail list should hold all %d lines", len(lines))
	}
	if copyAll == nil {
		t.Fatal("no Copy all button")
	}
	test.Tap(copyAll)
	if got := a.Clipboard().Content(); got != strings.Join(lines, "\n") || !strings.Contains(got, `"test-case-`) {
		t.Errorf("Copy all put %d bytes on the clipboard, want the whole %d-line text", len(got), len(lines))
	}
}
