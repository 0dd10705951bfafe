package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
)

// TestFeedFormTakesInviteLink: pasting a teammate's invite link into Add feed's URL moves the
// token into the token field, leaves a clean address, and an empty Channels field follows
// every channel.
func TestFeedFormTakesInviteLink(t *testing.T) {
	test.NewTempApp(t)
	f := NewFeedForm(model.FeedConfig{Enabled: true})
	test.NewTempWindow(t, widget.NewForm(f.Items()...))
	f.Name.SetText("Teammate")
	f.URL.SetText("http://192.168.1.5:7878/?token=eyJhbGciOiJIUzI1NiJ9.e30.sig")
	if f.URL.Text != "http://192.168.1.5:7878" || f.Token.Text != "eyJhbGciOiJIUzI1NiJ9.e30.sig" {
		t.Fatalf("after the paste: URL %q token %q", f.URL.Text, f.Token.Text)
	}
	cfg, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	if u := cfg.EventsURL(); u != "http://192.168.1.5:7878/events?channel=%2A" {
		t.Errorf("events URL %q: want every channel and no token", u)
	}
	if !strings.Contains(f.Channels.PlaceHolder, "all channels") {
		t.Errorf("the Channels placeholder %q should say that empty means all", f.Channels.PlaceHolder)
	}
	// An /events address with its channels fills the Channels field.
	f.URL.SetText("http://10.0.0.2:7878/events?channel=builds&channel=deploys")
	if f.URL.Text != "http://10.0.0.2:7878" || f.Channels.Text != "builds, deploys" {
		t.Errorf("URL %q channels %q", f.URL.Text, f.Channels.Text)
	}
}

// TestInviteWithoutSharingSaysSo: with LAN sharing off the invite dialog says the link only
// works on this computer and offers to turn sharing on; that restarts the hub with sharing
// on and the notice goes away.
func TestInviteWithoutSharingSaysSo(t *testing.T) {
	test.NewTempApp(t)
	hub := &fakeHub{s: model.HubSettings{Enabled: true, Port: 7878}, st: model.HubStatus{Running: true, URLs: []string{"http://127.0.0.1:7878"}}}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 700))
	p := NewHubPanel(hub, w)
	w.SetContent(p.Object())
	if !hasButton(p.urls, "Turn on sharing") {
		t.Error("the hub panel shows a 127.0.0.1 address without offering to turn sharing on")
	}
	p.inviteDialog()
	if !p.lastWarn.Visible() || !hasLabel(p.lastWarn, "127.0.0.1") {
		t.Fatal("the invite dialog does not say the link only works on this computer")
	}
	test.Tap(findButton(p.lastWarn, "Turn on sharing"))
	p.Wait()
	if hub.applied != 1 || !hub.s.LAN || !p.LAN.Checked {
		t.Fatalf("Turn on sharing: applied %d, settings %+v", hub.applied, hub.s)
	}
	if p.lastWarn.Visible() {
		t.Error("the notice should go once sharing is on")
	}
	p.inviteDialog()
	if p.lastWarn.Visible() {
		t.Error("with sharing on the invite dialog should not warn")
	}
}

func findButton(o fyne.CanvasObject, text string) *widget.Button {
	for _, x := range test.LaidOutObjects(o) {
		if b, ok := x.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	return nil
}

func hasButton(o fyne.CanvasObject, text string) bool { return findButton(o, text) != nil }

func hasLabel(o fyne.CanvasObject, part string) bool {
	for _, x := range test.LaidOutObjects(o) {
		if l, ok := x.(*widget.Label); ok && strings.Contains(l.Text, part) {
			return true
		}
	}
	return false
}

// TestFeedRetryAndFullError: a failing feed offers Retry now in its row and, in its edit
// dialog, the whole reason (the row cuts it) with Retry now too.
func TestFeedRetryAndFullError(t *testing.T) {
	test.NewTempApp(t)
	long := "dial tcp 10.0.0.9:7878: connect: connection refused (the teammate's laptop is asleep or its hub is off; it will be tried again)"
	mgr := &fakeFeeds{list: []model.FeedInfo{
		{Config: model.FeedConfig{Name: "CI", URL: "http://10.0.0.9:7878", Enabled: true}, Status: model.FeedStatus{Phase: model.PhaseRetrying, Err: long}},
		{Config: model.FeedConfig{Name: "Fine", URL: "http://10.0.0.8:7878", Enabled: true}, Status: model.FeedStatus{Phase: model.PhaseLive}},
	}}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 700))
	p := NewFeedsPanel(mgr, w)
	w.SetContent(p.Object())
	retry := findButton(p.Object(), "Retry now")
	if retry == nil || !retry.Visible() {
		t.Fatal("a retrying feed's row has no Retry now")
	}
	test.Tap(retry)
	if len(mgr.retried) != 1 || mgr.retried[0] != "CI" {
		t.Errorf("retried %v, want CI", mgr.retried)
	}
	p.EditDialog(mgr.list[0].Config)
	top := w.Canvas().Overlays().Top()
	if !hasLabel(top, "asleep or its hub is off; it will be tried again") {
		t.Error("the edit dialog does not show the whole reason")
	}
	test.Tap(findButton(top, "Retry now"))
	if len(mgr.retried) != 2 {
		t.Errorf("Retry now in the dialog: retried %v", mgr.retried)
	}
}

// TestChannelPicker: Pick… lists the hub's channels (from its /stats) and puts the ticked
// ones into the Channels field.
func TestChannelPicker(t *testing.T) {
	test.NewTempApp(t)
	mgr := &fakeFeeds{channels: []string{"alerts", "team.builds"}}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1000, 700))
	p := NewFeedsPanel(mgr, w)
	w.SetContent(p.Object())
	p.EditDialog(model.FeedConfig{Enabled: true})
	f := p.lastForm
	f.URL.SetText("http://10.0.0.2:7878")
	test.Tap(f.Pick)
	p.WaitPick()
	if p.lastPicker == nil || strings.Join(p.lastPicker.Options, " ") != "* alerts team.builds" {
		t.Fatalf("picker options %v", p.lastPicker)
	}
	p.lastPicker.SetSelected([]string{"alerts", "team.builds"})
	test.Tap(findButton(w.Canvas().Overlays().Top(), "Use"))
	if f.Channels.Text != "alerts, team.builds" {
		t.Errorf("Channels %q after picking", f.Channels.Text)
	}
	// Without an address the picker says what to do.
	f.URL.SetText("")
	test.Tap(f.Pick)
	p.WaitPick()
	if !strings.Contains(f.Err.Text, "address") {
		t.Errorf("error %q", f.Err.Text)
	}
}
