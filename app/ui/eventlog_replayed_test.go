package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// A replayed row shows the time the hub stored it (with the day when that was not today)
// marked ↺; its feed cell stays as it is.
func TestReplayedRowsSaySo(t *testing.T) {
	l, el := newTestLog(t, 10)
	yesterday := time.Now().Add(-24 * time.Hour)
	l.Add(model.Event{Feed: "teammate", Type: "alert", Data: `{"title":"disk full"}`, Time: yesterday, Received: time.Now(), Replayed: true},
		model.Event{Feed: "teammate", Type: "alert", Data: `{"title":"disk ok"}`, Time: time.Now()})
	el.Refresh()
	lb := widget.NewLabel("")
	el.updateCell(widget.TableCellID{Row: 1, Col: colFeed}, lb)
	if lb.Text != "teammate" {
		t.Errorf("replayed row's feed cell %q", lb.Text)
	}
	el.updateCell(widget.TableCellID{Row: 1, Col: colTime}, lb)
	if want := "↺ " + yesterday.Format("Mon 15:04"); lb.Text != want || !lb.TextStyle.Italic {
		t.Errorf("replayed row's time %q, want %q", lb.Text, want)
	}
	el.updateCell(widget.TableCellID{Row: 0, Col: colTime}, lb)
	if strings.HasPrefix(lb.Text, "↺") || lb.TextStyle.Italic {
		t.Errorf("live row's time cell %q %+v", lb.Text, lb.TextStyle)
	}
	if got := arrivedNote(el.Rows()[1]); got != " (stored by the hub; replayed, received "+el.Rows()[1].Received.Format("15:04:05")+")" {
		t.Errorf("detail note %q", got)
	}
	if got := arrivedNote(el.Rows()[0]); got != "" {
		t.Errorf("live row's detail note %q", got)
	}
}

func TestRowTime(t *testing.T) {
	now := time.Date(2026, 12, 7, 14, 0, 0, 0, time.Local)
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{now.Add(-time.Minute), "13:59:00"},
		{now.Add(-20 * time.Hour), "Sun 18:00"},
		{now.Add(-10 * 24 * time.Hour), "27 Nov 14:00"},
	} {
		if got := RowTime(c.t, now); got != c.want {
			t.Errorf("RowTime(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}
