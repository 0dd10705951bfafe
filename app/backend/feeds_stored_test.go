package backend

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
)

// After a restart, the events published while the app was closed show the time the hub
// stored them (not when the app came back), with the arrival kept beside it, and are
// marked replayed up to the hub's herald.live exactly: a live event right after the replay
// is not, however soon it comes.
func TestReplayedEventsShowTheirStoredTime(t *testing.T) {
	h := &Hub{Key: testKey, Logger: quiet()}
	if err := h.ApplyHub(model.HubSettings{Enabled: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	ctx := context.Background()
	pub := &Publisher{Own: h.Server}
	publish := func(data string) {
		t.Helper()
		if _, err := pub.Publish(ctx, model.Target{}, model.Outgoing{Channel: "team", Event: "message", Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	ctx1, cancel1 := context.WithCancel(ctx)
	s1 := newSink()
	f1 := NewFeeds(ctx1, FeedsOptions{Sink: s1.add})
	if err := f1.PutFeed("", model.FeedConfig{Name: "Teammate", URL: h.LocalURL(), Enabled: true}); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, f1, "Teammate", func(st model.FeedStatus) bool { return st.Phase == model.PhaseLive })
	publish("before")
	s1.waitFor(t, "before", func(e model.Event) bool { return e.Data == "before" })
	f1.Stop()
	cancel1()

	// Closed: the teammate publishes, and some time passes before the app starts again.
	publishedFrom := time.Now().Truncate(time.Millisecond)
	for i := range 5 {
		publish("away " + strconv.Itoa(i))
	}
	publishedTo := time.Now()
	time.Sleep(1500 * time.Millisecond)

	s2 := newSink()
	f2 := NewFeeds(ctx, FeedsOptions{Sink: s2.add})
	defer f2.Stop()
	started := time.Now()
	f2.Load(f1.Configs())
	s2.waitFor(t, "away 4", func(e model.Event) bool { return e.Data == "away 4" })
	publish("live") // at once: no pause for a guess to go by
	s2.waitFor(t, "live", func(e model.Event) bool { return e.Data == "live" })

	s2.mu.Lock()
	defer s2.mu.Unlock()
	for _, e := range s2.evs {
		switch {
		case strings.HasPrefix(e.Data, "away"):
			if !e.Replayed {
				t.Errorf("%q is not marked replayed", e.Data)
			}
			// The hub's clock is this one (skew: the latency of herald.connected).
			if e.Time.Before(publishedFrom.Add(-time.Second)) || e.Time.After(publishedTo.Add(100*time.Millisecond)) {
				t.Errorf("%q shows %v, want its publish time between %v and %v", e.Data, e.Time.Format(time.StampMilli), publishedFrom.Format(time.StampMilli), publishedTo.Format(time.StampMilli))
			}
			if e.Received.Before(started) {
				t.Errorf("%q: received %v, want the arrival after the restart (%v)", e.Data, e.Received, started)
			}
		case e.Data == "live":
			if e.Replayed {
				t.Error("the live event right after the replay is marked replayed")
			}
			if !e.Received.IsZero() {
				t.Errorf("the live event has a separate arrival time %v", e.Received)
			}
		case e.Type == "herald.live":
			t.Error("herald.live reached the log; it is the connection's state, not a row")
		}
	}
}
