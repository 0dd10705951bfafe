package backend

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
)

// TestFeedResumesAfterAppRestart: the app saves each feed's last event id; started again on
// those settings, the feed resumes there, so the 50 events published while the app was
// closed arrive (once, marked Replayed, from the hub's history) and the next live event is
// not marked.
func TestFeedResumesAfterAppRestart(t *testing.T) {
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

	// First run of the app.
	ctx1, cancel1 := context.WithCancel(ctx)
	s1 := newSink()
	f1 := NewFeeds(ctx1, FeedsOptions{Sink: s1.add})
	if err := f1.PutFeed("", model.FeedConfig{Name: "Teammate", URL: h.LocalURL(), Enabled: true}); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, f1, "Teammate", func(st model.FeedStatus) bool { return st.Phase == model.PhaseLive })
	for i := range 3 {
		publish("before " + strconv.Itoa(i))
	}
	last := s1.waitFor(t, "before 2", func(e model.Event) bool { return e.Data == "before 2" })
	f1.Stop()
	cancel1()
	saved := f1.Configs()
	if len(saved) != 1 || saved[0].LastID != last.ID || last.ID == "" {
		t.Fatalf("saved %+v, want the last id %q", saved, last.ID)
	}

	// The app is closed: the teammate publishes.
	for i := range 50 {
		publish("away " + strconv.Itoa(i))
	}
	replayedBefore := h.Server().Stats().Replayed

	// Second run, on the saved settings.
	s2 := newSink()
	f2 := NewFeeds(ctx, FeedsOptions{Sink: s2.add})
	defer f2.Stop()
	f2.Load(saved)
	s2.waitFor(t, "away 49", func(e model.Event) bool { return e.Data == "away 49" })
	time.Sleep(2 * replayQuiet)
	publish("live")
	s2.waitFor(t, "live", func(e model.Event) bool { return e.Data == "live" })

	s2.mu.Lock()
	defer s2.mu.Unlock()
	away := 0
	for _, e := range s2.evs {
		switch {
		case strings.HasPrefix(e.Data, "before"):
			t.Errorf("%q came again after the restart", e.Data)
		case strings.HasPrefix(e.Data, "away"):
			away++
			if !e.Replayed {
				t.Errorf("%q is not marked as replayed", e.Data)
			}
		case e.Data == "live" && e.Replayed:
			t.Error("the live event after the replay is marked as replayed")
		case strings.HasPrefix(e.Type, "herald.") && e.Replayed:
			t.Errorf("control event %s marked as replayed", e.Type)
		}
	}
	if away != 50 {
		t.Errorf("%d of the 50 events published while the app was closed arrived", away)
	}
	if got := h.Server().Stats().Replayed - replayedBefore; got < 50 {
		t.Errorf("the hub replayed %d events, want 50", got)
	}
	if c := f2.Configs(); c[0].LastID == saved[0].LastID {
		t.Errorf("the position did not move on: %q", c[0].LastID)
	}
}
