package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// "Send a test notification" keeps the promise of do not disturb and says why nothing shows.
func TestTestNotificationHonoursDND(t *testing.T) {
	test.NewTempApp(t)
	p := NewSettingsPanel(NotifySettings{Rules: model.DefaultRules(), DND: true})
	test.NewTempWindow(t, p.Object())
	sent := 0
	p.OnTest = func() { sent++ }
	test.Tap(p.TestButton)
	if sent != 0 || !strings.Contains(p.TestResult.Text, "Do not disturb is on") {
		t.Errorf("with DND on: %d sent, result %q", sent, p.TestResult.Text)
	}
	test.Tap(p.DND)
	test.Tap(p.TestButton)
	if sent != 1 || !strings.HasPrefix(p.TestResult.Text, "Sent") {
		t.Errorf("with DND off: %d sent, result %q", sent, p.TestResult.Text)
	}
}

// Rules name only feeds that exist: the feed is picked from a list; a rule whose feed was
// removed since says so.
func TestRuleFeedPicker(t *testing.T) {
	test.NewTempApp(t)
	p := NewSettingsPanel(NotifySettings{Rules: []model.Rule{{Feed: "Old CI", Event: "deploy", Enabled: true}}})
	test.NewTempWindow(t, p.Object())
	var last NotifySettings
	p.OnChange = func(s NotifySettings) { last = s }
	p.SetFeeds([]string{"This hub", "CI"})
	if got := p.RuleFeed.Options; len(got) != 3 || got[0] != anyFeed || got[2] != "CI" {
		t.Errorf("feed choices %v", got)
	}
	p.RuleFeed.SetSelected("Typo feed") // not offered: stays on the current choice
	p.RuleEvent.SetText("alert")
	if err := p.AddRule(); err != nil || last.Rules[1] != (model.Rule{Event: "alert", Enabled: true}) {
		t.Errorf("rule for any feed: %v %+v", err, last.Rules)
	}
	p.RuleFeed.SetSelected("CI")
	p.RuleEvent.SetText("build.*")
	if err := p.AddRule(); err != nil || last.Rules[2] != (model.Rule{Feed: "CI", Event: "build.*", Enabled: true}) {
		t.Errorf("rule for CI: %v %+v", err, last.Rules)
	}
	gone := p.rules.Objects[0].(*fyne.Container).Objects[0].(*widget.Label)
	if !strings.Contains(gone.Text, "no such feed") || gone.Importance != widget.WarningImportance {
		t.Errorf("rule for a removed feed reads %q (%v)", gone.Text, gone.Importance)
	}
}

// The demo's notifications are a choice in the settings, off unless picked.
func TestDemoNotifyChoice(t *testing.T) {
	test.NewTempApp(t)
	p := NewSettingsPanel(NotifySettings{Rules: model.DefaultRules()})
	test.NewTempWindow(t, p.Object())
	var last NotifySettings
	p.OnChange = func(s NotifySettings) { last = s }
	if p.DemoNotify.Checked {
		t.Fatal("demo notifications on by default")
	}
	test.Tap(p.DemoNotify)
	if !last.DemoNotify {
		t.Error("ticking the box did not turn demo notifications on")
	}
}

// The Port field is as wide as a port, not as wide as the window.
func TestHubPortFieldWidth(t *testing.T) {
	test.NewTempApp(t)
	p := NewHubPanel(&fakeHub{s: model.HubSettings{Enabled: true, Port: 7878}}, nil)
	w := test.NewTempWindow(t, p.Object())
	w.Resize(fyne.NewSize(1100, 700))
	if got := p.Port.Size().Width; got > 2*portWidth || got < 60 {
		t.Errorf("port field %v px wide in a 1100 px window", got)
	}
}
