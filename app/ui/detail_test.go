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
	if got := a.Clipboard().Content(); got != ev.Pretty() || !strings.Contains(got, `"test-case-`) {
		t.Errorf("Copy all put %d bytes on the clipboard, want the whole %d-line text", len(got), len(lines))
	}
}

// TestShowEventCopiesWhatWasSent: the dialog shows and "Copy all" copies the publisher's own
// tokens, indented: integers beyond 2^53, the key order, 0.0 and a line longer than the
// dialog's width (drawn over several lines, copied as one).
func TestShowEventCopiesWhatWasSent(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 700))
	l := NewEventLog(model.NewLog(10), w, model.Filter{})
	w.SetContent(l.Object())
	long := strings.Repeat("x", 2*detailColumns)
	ev := model.Event{Feed: "hub", Type: "order", Data: `{"z":9007199254740993,"a":0.0,"ns":1796644879312123457,"note":"` + long + `"}`}
	want := "{\n  \"z\": 9007199254740993,\n  \"a\": 0.0,\n  \"ns\": 1796644879312123457,\n  \"note\": \"" + long + "\"\n}"
	l.ShowEvent(ev)
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog opened")
	}
	var shown []string
	var copyAll *widget.Button
	for _, o := range test.LaidOutObjects(top) {
		switch x := o.(type) {
		case *widget.Label:
			shown = append(shown, x.Text)
		case *widget.Button:
			if x.Text == "Copy all" {
				copyAll = x
			}
		}
	}
	joined := strings.Join(shown, "\n")
	for _, s := range []string{`"z": 9007199254740993,`, `"a": 0.0,`, `"ns": 1796644879312123457,`} {
		if !strings.Contains(joined, s) {
			t.Errorf("the dialog does not show %s; it shows:\n%s", s, joined)
		}
	}
	if copyAll == nil {
		t.Fatal("no Copy all button")
	}
	test.Tap(copyAll)
	if got := a.Clipboard().Content(); got != want {
		t.Errorf("Copy all copied\n%q\nwant\n%q", got, want)
	}
}
