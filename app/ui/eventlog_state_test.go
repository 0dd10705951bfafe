package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// A filter kept from the last run hides everything the log has now: the bar above the
// table says so, and one click shows everything again (and is kept).
func TestRestoredFilterIsVisibleAndClears(t *testing.T) {
	test.NewTempApp(t)
	l := model.NewLog(10)
	l.Add(model.Event{Feed: "This hub", Type: "tick", Data: "1"}, model.Event{Feed: "This hub", Type: "tick", Data: "2"})
	w := test.NewTempWindow(t, widget.NewLabel(""))
	el := NewEventLog(l, w, model.Filter{Feed: "CI", Text: "deploy"})
	var kept []model.Filter
	el.OnFilterChanged = func(f model.Filter) { kept = append(kept, f) }
	w.SetContent(el.Object())
	w.Resize(fyne.NewSize(900, 500))
	el.Refresh()
	if len(el.Rows()) != 0 {
		t.Fatalf("the restored filter should hide both events: %+v", el.Rows())
	}
	if b := el.FilterBanner(); !strings.Contains(b, `feed "CI"`) || !strings.Contains(b, `text "deploy"`) || !strings.Contains(b, "0 of 2 events") {
		t.Errorf("filter bar %q: want the feed, the text and 0 of 2 events", b)
	}
	if !el.ClearFilter.Visible() {
		t.Error("the clear button should show while a filter is on")
	}
	test.Tap(el.ClearFilter)
	if len(el.Rows()) != 2 || el.FilterBanner() != "" || el.Filter() != (model.Filter{}) {
		t.Errorf("after Show all: %d rows, bar %q, filter %+v", len(el.Rows()), el.FilterBanner(), el.Filter())
	}
	if len(kept) == 0 || kept[len(kept)-1] != (model.Filter{}) {
		t.Errorf("the cleared filter was not kept: %+v", kept)
	}
	if el.search.Text != "" || el.feedSel.Selected != allFeeds {
		t.Errorf("controls after clear: search %q feed %q", el.search.Text, el.feedSel.Selected)
	}
}

// The hub's connection events read as connection states, not as data rows.
func TestControlRowsLookLikeStates(t *testing.T) {
	l, el := newTestLog(t, 10)
	c := model.NewConnection()
	evs := []model.Event{
		{Feed: "This hub", Type: model.ControlConnected, Data: `{"id":"c3","channels":["*"]}`, Time: time.Now()},
		{Feed: "This hub", Type: model.ControlShutdown, Data: `{"reason":"the hub is shutting down; reconnect later"}`, Time: time.Now()},
		{Feed: "This hub", Type: model.ControlConnected, Data: `{"id":"c1","channels":["*"]}`, Time: time.Now()},
		{Feed: "This hub", Type: model.ControlGap, ID: "1-2", Data: `{"reason":"trimmed","lastEventId":"1-2"}`, Time: time.Now()},
		{Feed: "This hub", Type: "message", Data: `{"text":"hello"}`, Time: time.Now()},
	}
	for i := range evs {
		evs[i].Note, _ = c.Describe(evs[i])
	}
	l.Add(evs...)
	el.Refresh()
	cell := func(row, col int) *widget.Label {
		lb := widget.NewLabel("")
		el.updateCell(widget.TableCellID{Row: row, Col: col}, lb)
		return lb
	}
	// newest first: message, gap, connected, shutdown, connected
	if ev, data := cell(1, colEvent), cell(1, colData); ev.Text != "⚠ gap" || ev.Importance != widget.WarningImportance || !ev.TextStyle.Italic ||
		!strings.Contains(data.Text, "the hub restarted") || strings.Contains(data.Text, "trimmed") {
		t.Errorf("gap row: %q (%v, %+v) / %q", ev.Text, ev.Importance, ev.TextStyle, data.Text)
	}
	if id := cell(1, colID); id.Text != "" {
		t.Errorf("a gap row shows id %q; the hub sends none", id.Text)
	}
	if ev := cell(3, colEvent); ev.Text != "○ hub stopping" || ev.Importance != widget.LowImportance {
		t.Errorf("shutdown row: %q %v", ev.Text, ev.Importance)
	}
	if ev, data := cell(4, colEvent), cell(4, colData); ev.Text != "● connected" || data.Text != "Connected · channels *" {
		t.Errorf("connected row: %q / %q", ev.Text, data.Text)
	}
	if ev := cell(0, colEvent); ev.Text != "message" || ev.TextStyle.Italic {
		t.Errorf("a message row must keep its plain style: %q %+v", ev.Text, ev.TextStyle)
	}
}

// In an 800 px window the data column keeps a readable width; a wide window gives it more.
func TestEventLogColumnsFit(t *testing.T) {
	_, el := newTestLog(t, 10)
	fit := el.root.(*fyne.Container).Objects[0].(*fitColumns)
	for _, tt := range []struct {
		width   float32
		atLeast float32
	}{{660, 300}, {1400, 700}} {
		fit.Resize(fyne.NewSize(tt.width, 300))
		fit.Refresh()
		test.WidgetRenderer(fit).Layout(fyne.NewSize(tt.width, 300))
		if fit.data < tt.atLeast {
			t.Errorf("table %v wide: data column %v, want at least %v", tt.width, fit.data, tt.atLeast)
		}
	}
}

// The demo's made-up events say so in the log too.
func TestSimulatedRowsSaySo(t *testing.T) {
	l, el := newTestLog(t, 10)
	l.Add(model.Event{Feed: "This hub", Type: "notification", Data: `{"title":"Job failed","simulated":true}`},
		model.Event{Feed: "CI", Type: "notification", Data: `{"title":"Job failed"}`})
	el.Refresh()
	lb := widget.NewLabel("")
	el.updateCell(widget.TableCellID{Row: 1, Col: colFeed}, lb)
	if lb.Text != "This hub · simulated" || !lb.TextStyle.Italic {
		t.Errorf("demo row feed cell %q %+v", lb.Text, lb.TextStyle)
	}
	el.updateCell(widget.TableCellID{Row: 0, Col: colFeed}, lb)
	if lb.Text != "CI" || lb.TextStyle.Italic {
		t.Errorf("real row feed cell %q %+v", lb.Text, lb.TextStyle)
	}
}
