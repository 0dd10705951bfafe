package backend

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/server/auth"
)

const testKey = "backend-test-key-0123456789abcdef"

type sink struct {
	mu  sync.Mutex
	evs []model.Event
	ch  chan struct{}
}

func newSink() *sink { return &sink{ch: make(chan struct{}, 1)} }

func (s *sink) add(e model.Event) {
	s.mu.Lock()
	s.evs = append(s.evs, e)
	s.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

// waitFor waits until an event passes ok, or fails the test after 10 s.
func (s *sink) waitFor(t *testing.T, what string, ok func(model.Event) bool) model.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		for _, e := range s.evs {
			if ok(e) {
				s.mu.Unlock()
				return e
			}
		}
		s.mu.Unlock()
		select {
		case <-s.ch:
		case <-deadline:
			t.Fatalf("no event %s within 10 s; got %+v", what, s.evs)
		}
	}
}

func waitStatus(t *testing.T, f *Feeds, name string, ok func(model.FeedStatus) bool) model.FeedStatus {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, fi := range f.Feeds() {
			if fi.Config.Name == name && ok(fi.Status) {
				return fi.Status
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("feed %s never reached the wanted state: %+v", name, f.Feeds())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestHubFeedsAndPublish(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := &Hub{Key: testKey, Logger: quiet()}
	if err := h.ApplyHub(model.HubSettings{Enabled: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	base := h.LocalURL()
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("local URL %q", base)
	}
	s := newSink()
	var saved [][]model.FeedConfig
	var smu sync.Mutex
	f := NewFeeds(ctx, FeedsOptions{Sink: s.add, Save: func(c []model.FeedConfig) { smu.Lock(); saved = append(saved, c); smu.Unlock() }})
	defer f.Stop()
	f.SetOwn(base)
	waitStatus(t, f, OwnFeedName, func(st model.FeedStatus) bool { return st.Phase == model.PhaseLive })

	pub := &Publisher{Own: h.Server}
	id, err := pub.Publish(ctx, model.Target{}, model.Outgoing{Channel: "alerts", Event: "alert", Data: `{"level":"critical"}`})
	if err != nil || id == "" {
		t.Fatalf("publish to own hub: %q %v", id, err)
	}
	e := s.waitFor(t, "alert on the own feed", func(e model.Event) bool { return e.Type == "alert" })
	if e.Feed != OwnFeedName || e.ID != id || e.Data != `{"level":"critical"}` {
		t.Errorf("event %+v, want id %s", e, id)
	}

	// over HTTP with a scoped token, as to a remote hub
	tok, err := auth.Mint(testKey, []string{"chat"}, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Publish(ctx, model.Target{URL: base, Token: tok}, model.Outgoing{Channel: "chat", Event: "message", Data: "hi"}); err != nil {
		t.Fatalf("publish over HTTP: %v", err)
	}
	s.waitFor(t, "chat message", func(e model.Event) bool { return e.Data == "hi" })
	if _, err := pub.Publish(ctx, model.Target{URL: base, Token: tok}, model.Outgoing{Channel: "alerts", Event: "x", Data: "no"}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("a token without the right should give 403: %v", err)
	}

	// a user feed on the same hub, one channel only
	if err := f.PutFeed("", model.FeedConfig{Name: "chat only", URL: base, Channels: []string{"chat"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := f.PutFeed("", model.FeedConfig{Name: "chat only", URL: base, Enabled: true}); err == nil {
		t.Error("a duplicate name was accepted")
	}
	waitStatus(t, f, "chat only", func(st model.FeedStatus) bool { return st.Phase == model.PhaseLive })
	pub.Publish(ctx, model.Target{}, model.Outgoing{Channel: "chat", Event: "message", Data: "second"})
	s.waitFor(t, "second on the user feed", func(e model.Event) bool { return e.Feed == "chat only" && e.Data == "second" })
	st := waitStatus(t, f, "chat only", func(st model.FeedStatus) bool { return st.Events >= 1 })
	if st.LastEvent.IsZero() {
		t.Error("last event time not set")
	}
	if err := f.RemoveFeed("chat only"); err != nil {
		t.Fatal(err)
	}
	smu.Lock()
	if len(saved) != 2 || len(saved[0]) != 1 || len(saved[1]) != 0 {
		t.Errorf("saves %+v", saved)
	}
	smu.Unlock()

	stt := h.HubStatus()
	if !stt.Running || stt.Connections < 1 || stt.Published < 3 {
		t.Errorf("hub status %+v", stt)
	}
	link, err := h.Invite([]string{"alerts"}, []string{"*"}, time.Hour)
	if err != nil || !strings.Contains(link, "/?token=") {
		t.Errorf("invite %q %v", link, err)
	}
}

func TestFeedRetriesAndHubErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// a port with nothing listening
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	f := NewFeeds(ctx, FeedsOptions{Sink: func(model.Event) {}})
	defer f.Stop()
	if err := f.PutFeed("", model.FeedConfig{Name: "down", URL: "http://127.0.0.1:" + strconv.Itoa(port), Enabled: true}); err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, f, "down", func(st model.FeedStatus) bool { return st.Phase == model.PhaseRetrying })
	if st.Err == "" || st.RetryAt.IsZero() {
		t.Errorf("retrying without a reason or time: %+v", st)
	}
	if err := f.PutFeed("down", model.FeedConfig{Name: "down", URL: "http://127.0.0.1:1", Enabled: false}); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, f, "down", func(st model.FeedStatus) bool { return st.Phase == model.PhaseOff })

	// the hub refuses a port in use, and says so
	busy, _ := net.Listen("tcp", "127.0.0.1:0")
	defer busy.Close()
	h := &Hub{Key: testKey, Logger: quiet()}
	err := h.ApplyHub(model.HubSettings{Enabled: true, Port: busy.Addr().(*net.TCPAddr).Port})
	if err == nil || !strings.Contains(err.Error(), "pick another port") {
		t.Fatalf("busy port: %v", err)
	}
	if st := h.HubStatus(); st.Running || st.Err == "" {
		t.Errorf("status after failure %+v", st)
	}
	if _, err := (&Publisher{Own: h.Server}).Publish(ctx, model.Target{}, model.Outgoing{Channel: "a", Data: "x"}); err == nil {
		t.Error("publishing to a stopped own hub should fail")
	}
}
