package model

import (
	"testing"
	"time"
)

// An event with a source's notice notifies as the source meant it, with no rule for its
// type: its title and text, critical for priority 4-5 and low for 1-2, its click address
// and buttons; do not disturb still holds it back.
func TestNoticeNotifies(t *testing.T) {
	now := time.Unix(1700000000, 0)
	g := &Engine{Window: time.Millisecond}
	acts := []Action{{Kind: "view", Label: "Open", URL: "https://x.example/"}}
	cases := []struct {
		prio        int
		urgent, low bool
	}{{5, true, false}, {4, true, false}, {3, false, false}, {2, false, true}, {1, false, true}}
	for i, c := range cases {
		e := Event{Feed: "alerts", Type: "message", Notice: &Notice{Title: "Disk full", Body: "sda1", Priority: c.prio, Click: "https://x.example/c", Actions: acts}}
		out := g.Process(e, now.Add(time.Duration(i)*time.Second))
		if len(out) != 1 {
			t.Fatalf("priority %d: %d notifications, want 1", c.prio, len(out))
		}
		n := out[0]
		if n.Title != "Disk full" || n.Body != "sda1" || n.Urgent != c.urgent || n.Low != c.low || n.Click != "https://x.example/c" || len(n.Actions) != 1 || n.Source == nil {
			t.Fatalf("priority %d: %+v", c.prio, n)
		}
	}
	g.DND = true
	if out := g.Process(Event{Feed: "alerts", Type: "message", Notice: &Notice{Title: "x", Priority: 3}}, now.Add(time.Minute)); len(out) != 0 {
		t.Fatalf("do not disturb let %+v through", out)
	}
}
