package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// A feed that is live again after a gap shows amber with the reason, not a plain green.
func TestFeedRowAmberAfterGap(t *testing.T) {
	test.NewTempApp(t)
	at := time.Date(2026, 12, 1, 9, 41, 0, 0, time.Local)
	mgr := &fakeFeeds{list: []model.FeedInfo{
		{Own: true, Config: model.FeedConfig{Name: "This hub", URL: "http://127.0.0.1:7878"},
			Status: model.FeedStatus{Phase: model.PhaseLive, Events: 3, Gap: "the hub restarted without its history", GapAt: at}},
		{Config: model.FeedConfig{Name: "CI", URL: "http://10.0.0.9:7878"}, Status: model.FeedStatus{Phase: model.PhaseLive, Events: 3}},
	}}
	p := NewFeedsPanel(mgr, test.NewTempWindow(t, widget.NewLabel("")))
	row := p.createRow()
	p.updateRow(0, row)
	r := row.(*feedRow)
	if r.state.Importance != widget.WarningImportance || !strings.Contains(r.state.Text, "events may be missing") ||
		r.counters.Text != "since 09:41: the hub restarted without its history" {
		t.Errorf("after a gap: state %q (%v), counters %q", r.state.Text, r.state.Importance, r.counters.Text)
	}
	p.updateRow(1, row) // the same row widget reused for a healthy feed
	if r.state.Importance != widget.SuccessImportance || r.state.Text != "live" || strings.Contains(r.counters.Text, "since") {
		t.Errorf("healthy feed in a reused row: %q (%v), %q", r.state.Text, r.state.Importance, r.counters.Text)
	}
}
