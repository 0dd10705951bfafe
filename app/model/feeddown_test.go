package model

import (
	"strings"
	"testing"
	"time"
)

// feedAt is one feed in phase p, as the feeds panel lists it.
func feedAt(name string, p Phase) FeedInfo {
	return FeedInfo{Config: FeedConfig{Name: name, Enabled: true}, Status: FeedStatus{Phase: p, Err: "connection refused"}}
}

// The watch on a fake clock, one observation per second as the app makes them: what each
// scenario notifies, in order ("down teammate", "back teammate"), and which feeds the tray
// lists as down at the end.
func TestFeedWatch(t *testing.T) {
	L, R, F, C, O := PhaseLive, PhaseRetrying, PhaseFailed, PhaseConnecting, PhaseOff
	type run = watchRun
	for _, c := range []struct {
		name    string
		runs    []run
		want    []string
		downNow bool
	}{
		{"live all along", []run{{L, 120}}, nil, false},
		{"a short retry is no outage", []run{{L, 5}, {R, 20}, {L, 60}}, nil, false},
		{"retrying past 30 s: down once, back once", []run{{L, 5}, {R, 90}, {L, 30}}, []string{"down", "back"}, false},
		{"still down: one notification however long", []run{{L, 5}, {R, 600}}, []string{"down"}, true},
		{"failed for good: down at once", []run{{L, 5}, {F, 3}}, []string{"down"}, true},
		{"never connected at start: down after 30 s", []run{{C, 40}}, []string{"down"}, true},
		{"back needs 10 s live", []run{{R, 40}, {L, 5}, {R, 5}, {L, 5}}, []string{"down"}, true},
		// Flapping: down, then live for a few seconds and away again, over and over for ten
		// minutes: one down, no back until it stays, and no second down within the holdoff.
		{"flapping stays one outage", append([]run{{R, 35}}, repeat([]run{{L, 3}, {R, 4}}, 90)...), []string{"down"}, true},
		// Out and back twice within the holdoff: the second outage shows on the tray but
		// notifies neither its start nor its end.
		{"second outage within the holdoff is quiet", []run{{R, 35}, {L, 15}, {R, 35}, {L, 15}}, []string{"down", "back"}, false},
		{"second outage after the holdoff notifies again", []run{{R, 35}, {L, 15}, {L, 300}, {R, 35}, {L, 15}}, []string{"down", "back", "down", "back"}, false},
		{"switched off while down: nothing more", []run{{R, 40}, {O, 30}, {L, 30}}, []string{"down"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := &FeedWatch{}
			now := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
			var got []string
			for _, r := range c.runs {
				for range r.secs {
					for _, n := range w.Observe([]FeedInfo{feedAt("teammate", r.p), {Config: FeedConfig{Name: "This hub"}, Own: true, Status: FeedStatus{Phase: PhaseFailed}}}, now) {
						switch {
						case strings.HasSuffix(n.Title, " is down"):
							got = append(got, "down")
						case strings.HasSuffix(n.Title, " is back"):
							got = append(got, "back")
						default:
							t.Fatalf("unexpected notification %+v", n)
						}
						if !strings.Contains(n.Title, "teammate") || n.Tab != "Feeds" {
							t.Errorf("notification %+v: want it to name teammate and open Feeds", n)
						}
					}
					now = now.Add(time.Second)
				}
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("notified %q, want %q", got, c.want)
			}
			if down := w.Down(); (len(down) == 1 && down[0] == "teammate") != c.downNow || len(down) > 1 {
				t.Errorf("down at the end: %q, want teammate down %v (never the own hub)", down, c.downNow)
			}
		})
	}
}

// watchRun is phase p for secs seconds.
type watchRun struct {
	p    Phase
	secs int
}

func repeat(rs []watchRun, n int) []watchRun {
	var out []watchRun
	for range n {
		out = append(out, rs...)
	}
	return out
}

// Feeds going down together make one notification that names them all, with each reason.
func TestFeedWatchTogether(t *testing.T) {
	w := &FeedWatch{}
	now := time.Now()
	fs := []FeedInfo{feedAt("a", PhaseFailed), feedAt("b", PhaseFailed)}
	ns := w.Observe(fs, now)
	if len(ns) != 1 || ns[0].Title != "2 feeds are down: a, b" || !strings.Contains(ns[0].Body, "a: failed: connection refused") {
		t.Fatalf("got %+v", ns)
	}
	if got := DownLabel(w.Down()); got != "⚠ 2 feeds down: a, b" {
		t.Errorf("tray label %q", got)
	}
	if got := DownLabel([]string{"teammate"}); got != "⚠ 1 feed down: teammate" {
		t.Errorf("tray label %q", got)
	}
	if got := DownLabel(nil); got != "" {
		t.Errorf("tray label with none down: %q", got)
	}
}
