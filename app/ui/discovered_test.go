package ui

import (
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/discovery"
)

type fakeLAN struct {
	hubs []discovery.Hub
	err  error
}

func (f *fakeLAN) LANHubs() ([]discovery.Hub, error) { return f.hubs, f.err }

var (
	openHub   = discovery.Hub{Instance: "Ana on lab-3", Name: "Ana on lab-3", URL: "http://192.168.1.23:7878", Version: "0.1.0"}
	lockedHub = discovery.Hub{Instance: "build farm", Name: "build farm", URL: "https://192.168.1.40:7443", Version: "0.1.0", TokenRequired: true}
)

// The hubs found are listed with one click to follow: an open hub becomes a feed of all its
// channels (*) and its button turns to "Following"; a hub that needs a token opens the
// filled-in form instead; a network that cannot be searched says why.
func TestFeedsPanelLANHubs(t *testing.T) {
	test.NewTempApp(t)
	mgr := &fakeFeeds{list: []model.FeedInfo{{Own: true, Config: model.FeedConfig{Name: "This hub", URL: "http://127.0.0.1:7878"}}}}
	lan := &fakeLAN{}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	p := NewFeedsPanel(mgr, w)
	w.SetContent(p.Object())
	p.ShowLANHubs(lan)
	if names, _ := p.LANHubRows(); len(names) != 0 || p.LANNote() != "Looking for Herald hubs shared on this network… none so far." {
		t.Errorf("no hubs: rows %q, note %q", names, p.LANNote())
	}

	lan.hubs = []discovery.Hub{openHub, lockedHub}
	p.Refresh()
	names, buttons := p.LANHubRows()
	if want := []string{"Ana on lab-3", "build farm"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("rows %q, want %q", names, want)
	}
	if want := []string{"Follow", "Follow with token…"}; !reflect.DeepEqual(buttons, want) {
		t.Errorf("buttons %q, want %q", buttons, want)
	}

	test.Tap(p.lan.rows.Objects[0].(*lanRow).follow)
	if len(mgr.list) != 2 {
		t.Fatalf("following the open hub: feeds %+v", mgr.list)
	}
	got := mgr.list[1].Config
	if want := (model.FeedConfig{Name: "Ana on lab-3", URL: "http://192.168.1.23:7878", Channels: []string{"*"}, Enabled: true}); !reflect.DeepEqual(got, want) {
		t.Errorf("feed %+v, want %+v", got, want)
	}
	if _, buttons := p.LANHubRows(); buttons[0] != "Following" || !p.lan.rows.Objects[0].(*lanRow).follow.Disabled() {
		t.Errorf("after following: buttons %q (disabled %v)", buttons, p.lan.rows.Objects[0].(*lanRow).follow.Disabled())
	}

	test.Tap(p.lan.rows.Objects[1].(*lanRow).follow)
	if len(mgr.list) != 2 || w.Canvas().Overlays().Top() == nil {
		t.Errorf("a hub that needs a token: feeds %d, dialog shown %v; want the form, no feed yet", len(mgr.list), w.Canvas().Overlays().Top() != nil)
	}

	lan.hubs, lan.err = nil, errors.New("discovery: no network interface is up with multicast and an IPv4 address")
	p.Refresh()
	if names, _ := p.LANHubRows(); len(names) != 0 || p.LANNote() != "Cannot look for hubs: "+lan.err.Error() {
		t.Errorf("error: rows %q, note %q", names, p.LANNote())
	}
}

func TestFreeNameAndBaseURL(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	p := NewFeedsPanel(&fakeFeeds{list: []model.FeedInfo{{Config: model.FeedConfig{Name: "hub"}}, {Config: model.FeedConfig{Name: "hub (2)"}}}}, w)
	if n := p.freeName("hub"); n != "hub (3)" {
		t.Errorf("freeName = %q", n)
	}
	for in, want := range map[string]string{
		"http://h:1":                     "http://h:1",
		"http://h:1/":                    "http://h:1",
		"http://h:1/events?channel=*":    "http://h:1",
		" https://h:1/events/?token=x  ": "https://h:1",
	} {
		if got := baseURL(in); got != want {
			t.Errorf("baseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCaptureFeedsLAN draws the Feeds panel with hubs found (light and dark) into
// HERALD_SHOTS_DIR when it is set.
func TestCaptureFeedsLAN(t *testing.T) {
	dir := os.Getenv("HERALD_SHOTS_DIR")
	for _, variant := range []string{"light", "dark"} {
		a := test.NewTempApp(t)
		a.Settings().SetTheme(Theme{Variant: variant})
		w := test.NewTempWindow(t, widget.NewLabel(""))
		w.Resize(fyne.NewSize(1000, 700))
		p := NewFeedsPanel(&fakeFeeds{list: []model.FeedInfo{
			{Own: true, Config: model.FeedConfig{Name: "This hub", URL: "http://127.0.0.1:7878", Channels: []string{"*"}}, Status: model.FeedStatus{Phase: model.PhaseLive}},
			{Config: model.FeedConfig{Name: "Ana on lab-3", URL: "http://192.168.1.23:7878", Channels: []string{"*"}}, Status: model.FeedStatus{Phase: model.PhaseLive}},
		}}, w)
		w.SetContent(p.Object())
		p.ShowLANHubs(&fakeLAN{hubs: []discovery.Hub{openHub, lockedHub, {Instance: "x", Name: "Raspberry Pi in the hall", URL: "http://192.168.1.61:7878", Version: "0.1.0"}}})
		img := w.Canvas().Capture()
		if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 400 {
			t.Fatalf("captured %v", b)
		}
		if dir == "" {
			continue
		}
		f, err := os.Create(filepath.Join(dir, "desktop-feeds-lan-"+variant+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

// The hub panel says under which name the shared hub is announced, and nothing when it is not.
func TestHubPanelSaysAnnounced(t *testing.T) {
	test.NewTempApp(t)
	for _, tt := range []struct {
		announced string
		want      bool
	}{{"ana on lab-3", true}, {"", false}} {
		w := test.NewTempWindow(t, widget.NewLabel(""))
		hub := &fakeHub{s: model.HubSettings{Enabled: true, Port: 7878, LAN: true},
			st: model.HubStatus{Running: true, URLs: []string{"http://127.0.0.1:7878", "http://192.168.1.5:7878"}, Announced: tt.announced}}
		p := NewHubPanel(hub, w)
		w.SetContent(p.Object())
		p.Refresh()
		found := false
		for _, o := range p.urls.Objects {
			if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, "Announced on this network as \u201cana on lab-3\u201d") {
				found = true
			}
		}
		if found != tt.want {
			t.Errorf("announced %q: note shown %v, want %v", tt.announced, found, tt.want)
		}
		if dir := os.Getenv("HERALD_SHOTS_DIR"); dir != "" && tt.want {
			w.Resize(fyne.NewSize(1000, 700))
			f, err := os.Create(filepath.Join(dir, "desktop-hub-announced.png"))
			if err != nil {
				t.Fatal(err)
			}
			png.Encode(f, w.Canvas().Capture())
			f.Close()
		}
	}
}
