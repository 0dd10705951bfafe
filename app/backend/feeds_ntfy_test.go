package backend

import (
	"context"
	"strings"
	"testing"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/internal/ntfyfixture"
)

// An ntfy topic pasted as http://host/alerts (a host whose name does not say ntfy: the
// app asks its /v1/health) is followed at /alerts/sse with its access token; its messages
// arrive with their notice, open and keepalive events are not rows, and a reconnect and a
// restart resume with since=<last message id>, so nothing published meanwhile is lost.
func TestNtfyFeedFollowsAndResumes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := ntfyfixture.Start()
	defer srv.Close()
	srv.Token = "tk_fixture0123456789"

	s := newSink()
	f := NewFeeds(ctx, FeedsOptions{Sink: s.add})
	cfg := model.FeedConfig{Name: "alerts", URL: srv.URL + "/alerts", Token: srv.Token, Enabled: true}
	if err := f.PutFeed("", cfg); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, f, "alerts", func(st model.FeedStatus) bool { return st.Phase == model.PhaseLive })
	if got := f.Feeds()[0].Source; !strings.HasPrefix(got, "ntfy topic alerts on 127.0.0.1:") {
		t.Fatalf("feed row source = %q, want ntfy topic alerts on the fixture", got)
	}
	m1 := srv.Publish(ntfyfixture.Message{Topic: "alerts", Title: "Disk full", Message: "sda1 at 99%", Priority: 5, Tags: []string{"warning", "db"}})
	srv.Publish(ntfyfixture.Message{Topic: "other", Message: "not ours"})
	e := s.waitFor(t, "the first message", func(e model.Event) bool { return e.ID == m1.ID })
	if e.Type != "message" || e.Notice == nil || e.Notice.Title != "⚠️ Disk full" || e.Notice.Body != "sda1 at 99%\nTags: db" || !e.Notice.Urgent() {
		t.Fatalf("event = %+v notice %+v", e, e.Notice)
	}

	// The connection drops; a message comes while the feed reconnects.
	srv.DropConnections()
	m2 := srv.Publish(ntfyfixture.Message{Topic: "alerts", Message: "while reconnecting"})
	s.waitFor(t, "the message sent while reconnecting", func(e model.Event) bool { return e.ID == m2.ID })
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; !strings.Contains(last, "since="+m1.ID) {
		t.Fatalf("the reconnect asked %q, want since=%s (ntfy's resume rule)", last, m1.ID)
	}

	// The app quits; a message comes; the app starts again from the saved position.
	saved := f.Configs()
	f.Stop()
	m3 := srv.Publish(ntfyfixture.Message{Topic: "alerts", Message: "while the app was closed", Priority: 2})
	s2 := newSink()
	f2 := NewFeeds(ctx, FeedsOptions{Sink: s2.add})
	defer f2.Stop()
	if saved[0].LastID != m2.ID {
		t.Fatalf("saved position %q, want the last message %q", saved[0].LastID, m2.ID)
	}
	f2.Load(saved)
	got := s2.waitFor(t, "the message sent while the app was closed", func(e model.Event) bool { return e.ID == m3.ID })
	if got.Notice == nil || !got.Notice.Low() || got.Notice.Title != "alerts" {
		t.Fatalf("replayed notice %+v", got.Notice)
	}
	for _, e := range append(s.all(), s2.all()...) {
		if e.ID == m1.ID || e.ID == m2.ID || e.ID == m3.ID {
			continue
		}
		t.Fatalf("unexpected row %+v (open/keepalive or another topic's message)", e)
	}
	if n := countID(s2.all(), m2.ID); n != 0 {
		t.Fatalf("the restart replayed %d already-seen messages", n)
	}
}

func countID(evs []model.Event, id string) int {
	n := 0
	for _, e := range evs {
		if e.ID == id {
			n++
		}
	}
	return n
}

// all returns a copy of the events so far.
func (s *sink) all() []model.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.Event(nil), s.evs...)
}
