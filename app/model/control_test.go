package model

import (
	"strings"
	"testing"
	"time"
)

func TestConnectionDescribes(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	ev := func(feed, typ, data string, at time.Duration) Event {
		return Event{Feed: feed, Type: typ, Data: data, Time: t0.Add(at)}
	}
	c := NewConnection()
	steps := []struct {
		e        Event
		want     string // substring of the note; "" means not a control event
		warnHub  string // substring of the hub feed's warning afterwards ("" none)
		notWant  string
		wantNote bool
	}{
		{ev("hub", "message", `{"text":"hi"}`, 0), "", "", "", false},
		{ev("hub", ControlConnected, `{"id":"c7","channels":["*"]}`, 0), "Connected · channels *", "", "restarted", true},
		// A hub restart: shutdown, then a connection numbered from 1 again and a gap the
		// hub calls "trimmed": the app calls it a restart.
		{ev("hub", ControlShutdown, `{"reason":"the hub is shutting down; reconnect later"}`, time.Second), "shutting down", "", "", true},
		{ev("hub", ControlConnected, `{"id":"c1","channels":["*"]}`, 2*time.Second), "the hub restarted", "", "", true},
		{ev("hub", ControlGap, `{"reason":"trimmed","lastEventId":"1700000000000-5"}`, 2*time.Second), "Events may be missing: the hub restarted", "hub restarted", "trimmed", true},
		// A crash (no shutdown event) is recognised by the connection number going back.
		{ev("ci", ControlConnected, `{"id":"c40","channels":["builds"]}`, 0), "channels builds", "", "", true},
		{ev("ci", ControlConnected, `{"id":"c2","channels":["builds"]}`, 3*time.Second), "restarted", "", "", true},
		{ev("ci", ControlConnected, `{"id":"c3","channels":["builds"]}`, 4*time.Second), "Connected", "", "restarted", true},
		{ev("ci", ControlGap, `{"reason":"trimmed","lastEventId":"1-1"}`, 4*time.Second), "no longer keeps events that old", "", "restarted", true},
		{ev("ci", ControlGap, `{"reason":"slow","missed":12}`, 5*time.Second), "up to 12 events were skipped", "", "", true},
		{ev("ci", "herald.busy", `{"reason":"too many connections"}`, 6*time.Second), "busy: too many connections", "", "", true},
	}
	for i, s := range steps {
		note, ok := c.Describe(s.e)
		if ok != s.wantNote || !strings.Contains(note, s.want) || s.notWant != "" && strings.Contains(note, s.notWant) {
			t.Errorf("step %d %s %s: note %q (%v), want %q without %q", i, s.e.Feed, s.e.Type, note, ok, s.want, s.notWant)
		}
		if s.warnHub != "" {
			if w, _ := c.Warning("hub", s.e.Time); !strings.Contains(w, s.warnHub) {
				t.Errorf("step %d: hub warning %q, want %q", i, w, s.warnHub)
			}
		}
	}
	if w, at := c.Warning("ci", t0.Add(10*time.Second)); !strings.Contains(w, "skipped") || !at.Equal(t0.Add(5*time.Second)) {
		t.Errorf("ci warning %q at %v: the newest gap's reason and time", w, at)
	}
	if w, _ := c.Warning("ci", t0.Add(5*time.Second+GapWarnFor+time.Second)); w != "" {
		t.Errorf("warning %q still shown after %v", w, GapWarnFor)
	}
	if w, _ := c.Warning("nobody", t0); w != "" {
		t.Errorf("a feed without a gap warns %q", w)
	}
}

func TestGapReason(t *testing.T) {
	for _, tt := range []struct {
		reason  string
		restart bool
		want    string
	}{
		{"trimmed", false, "no longer keeps"},
		{"trimmed", true, "restarted"},
		{"unknown-id", false, "did not know"},
		{"unavailable", false, "Redis"},
		{"slow", false, "fell behind"},
		{"", false, "did not say"},
		{"weird", false, `"weird"`},
	} {
		if got := GapReason(tt.reason, tt.restart, 0); !strings.Contains(got, tt.want) {
			t.Errorf("GapReason(%q, %v) = %q, want %q", tt.reason, tt.restart, got, tt.want)
		}
	}
}

func TestSimulatedEventsDoNotNotify(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	demo := Event{Feed: "This hub", Type: "notification", Data: `{"level":"error","title":"Job failed","message":"build #61 failed","simulated":true}`}
	real := Event{Feed: "This hub", Type: "notification", Data: `{"level":"error","title":"Job failed","message":"build #61 failed","note":"\"simulated\" is a word"}`}
	if !demo.Simulated() || real.Simulated() {
		t.Fatalf("Simulated: demo %v real %v", demo.Simulated(), real.Simulated())
	}
	g := &Engine{Rules: DefaultRules()}
	if got := g.Process(demo, t0); len(got) != 0 {
		t.Errorf("a simulated event notified by default: %+v", got)
	}
	if got := g.Process(real, t0); len(got) != 1 || got[0].Title != "Job failed" {
		t.Errorf("a real event: %+v", got)
	}
	g = &Engine{Rules: DefaultRules(), NotifySimulated: true}
	if got := g.Process(demo, t0); len(got) != 1 || got[0].Title != "Demo: Job failed" {
		t.Errorf("with demo notifications on: %+v, want one titled Demo: Job failed", got)
	}
	if s, _ := DecodeSettings(""); s.DemoNotify {
		t.Error("demo notifications must be off on a first run")
	}
}

func TestQuitWarning(t *testing.T) {
	for _, tt := range []struct {
		hub   HubStatus
		lan   bool
		feeds int
		want  []string
	}{
		{HubStatus{Running: true, Connections: 4}, true, 2, []string{"no tray", "your local network stops and 3 subscribers are cut off.", "2 feeds stop"}},
		{HubStatus{Running: true, Connections: 2}, false, 0, []string{"this computer stops and 1 subscriber is cut off."}},
		{HubStatus{Running: true, Connections: 1}, false, 0, []string{"this computer stops."}},
		{HubStatus{}, false, 1, []string{"closing the window quits", "Your feed stops"}},
	} {
		got := QuitWarning(tt.hub, tt.lan, tt.feeds)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("QuitWarning(%+v, %v, %d) = %q, want %q in it", tt.hub, tt.lan, tt.feeds, got, w)
			}
		}
	}
}
