package backend

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/heraldhq/herald/app/model"
)

// gate holds back new connections while closed, so a test can publish events at a moment
// when no subscription is listening; it records the Last-Event-ID each request sent.
type gate struct {
	mu      sync.Mutex
	closed  chan struct{} // nil: open
	lastIDs []string
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	wait := g.closed
	g.lastIDs = append(g.lastIDs, r.Header.Get("Last-Event-ID"))
	g.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (g *gate) close() { g.mu.Lock(); g.closed = make(chan struct{}); g.mu.Unlock() }
func (g *gate) open() {
	g.mu.Lock()
	close(g.closed)
	g.closed = nil
	g.mu.Unlock()
}
func (g *gate) last() string { g.mu.Lock(); defer g.mu.Unlock(); return g.lastIDs[len(g.lastIDs)-1] }

// An edited feed on the same stream resumes after the last event it had: events published
// while it restarts arrive once, none twice. With other channels it starts fresh.
func TestEditedFeedResumes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := &Hub{Key: testKey, Logger: quiet()}
	if err := h.ApplyHub(model.HubSettings{Enabled: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	base := h.LocalURL()
	pub := &Publisher{Own: h.Server}
	var ids []string // in publish order
	publish := func(n int) {
		for range n {
			id, err := pub.Publish(ctx, model.Target{}, model.Outgoing{Channel: "ticks", Event: "tick", Data: strconv.Itoa(len(ids))})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
	}

	s := newSink()
	g := &gate{}
	f := NewFeeds(ctx, FeedsOptions{Sink: s.add})
	f.client = &http.Client{Transport: g}
	defer f.Stop()
	cfg := model.FeedConfig{Name: "ticks", URL: base, Channels: []string{"ticks"}, Enabled: true}
	if err := f.PutFeed("", cfg); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, f, "ticks", func(st model.FeedStatus) bool { return st.Phase == model.PhaseLive })
	publish(3)
	s.waitFor(t, "the third tick", func(e model.Event) bool { return e.ID == ids[2] })

	// Edit (a header) and restart; nothing listens until the gate opens.
	g.close()
	cfg.Headers = map[string]string{"X-Team": "ops"}
	if err := f.PutFeed("ticks", cfg); err != nil {
		t.Fatal(err)
	}
	publish(3)
	g.open()
	waitStatus(t, f, "ticks", func(st model.FeedStatus) bool { return st.Phase == model.PhaseLive })
	if got := g.last(); got != ids[2] {
		t.Errorf("the restarted feed sent Last-Event-ID %q, want %q (the last event it had)", got, ids[2])
	}
	publish(3)
	s.waitFor(t, "the last tick", func(e model.Event) bool { return e.ID == ids[len(ids)-1] })
	var got []string
	s.mu.Lock()
	for _, e := range s.evs {
		if e.Type == "tick" {
			got = append(got, e.ID)
		}
	}
	s.mu.Unlock()
	if len(got) != len(ids) {
		t.Fatalf("received %d ticks %v, published %d %v (lost or repeated across the restart)", len(got), got, len(ids), ids)
	}
	for i := range ids {
		if got[i] != ids[i] {
			t.Fatalf("tick %d is %s, want %s; received %v", i, got[i], ids[i], got)
		}
	}

	if st := waitStatus(t, f, "ticks", func(st model.FeedStatus) bool { return true }); st.Events < int64(len(ids)) {
		t.Errorf("the feed counts %d events after the edit, want at least %d (the count goes on)", st.Events, len(ids))
	}

	// Other channels are another stream: no resume.
	cfg.Channels = []string{"ticks", "other"}
	if err := f.PutFeed("ticks", cfg); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, f, "ticks", func(st model.FeedStatus) bool { return st.Phase == model.PhaseLive })
	if got := g.last(); got != "" {
		t.Errorf("a feed with other channels resumed from %q; it should start fresh", got)
	}
}
