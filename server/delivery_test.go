package server

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHundredSubscribersGetEveryEventInOrder(t *testing.T) {
	th := newTestHub(t, Config{})
	const subs, events = 100, 500
	streams := make([]*stream, subs)
	for i := range streams {
		streams[i] = th.open(t, "?channel=fan")
		streams[i].expect(t, "herald.connected")
	}
	ids := make([]string, events)
	go func() {
		for i := range ids {
			rs, err := th.Publish(context.Background(), Message{Channel: "fan", Data: fmt.Sprint(i)})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = rs[0].ID
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan string, subs)
	for _, s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev := ID{}
			for i := range events {
				ev := s.next(t, false)
				id, err := ParseID(ev.ID)
				if ev.Data != fmt.Sprint(i) || err != nil || !prev.Less(id) {
					errs <- fmt.Sprintf("event %d: got %+v after id %v", i, ev, prev)
					return
				}
				prev = id
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if st := th.Stats(); st.Delivered != subs*events || st.Published != events {
		t.Errorf("stats delivered %d published %d, want %d and %d", st.Delivered, st.Published, subs*events, events)
	}
}

func TestReplayAfterLastEventID(t *testing.T) {
	th := newTestHub(t, Config{})
	var ids []string
	for i := range 20 {
		ids = append(ids, th.mustPublish(t, "log", "", fmt.Sprint(i)))
	}
	for _, via := range []string{"header", "query"} {
		t.Run(via, func(t *testing.T) {
			var s *stream
			if via == "header" {
				s = th.open(t, "?channel=log", "Last-Event-ID", ids[9])
			} else {
				s = th.open(t, "?channel=log&lastEventId="+url.QueryEscape(ids[9]))
			}
			s.expect(t, "herald.connected")
			want := ids[10:] // everything after ids[9], including earlier subtests' live events
			got := s.collect(t, len(want))
			for i, ev := range got {
				if ev.ID != want[i] {
					t.Fatalf("replayed #%d = %+v, want id %s", i, ev, want[i])
				}
			}
			// herald.live marks the end of the history, right after its last event; then
			// live events follow with no duplicate.
			if ev := s.next(t, false); ev.Event != "herald.live" {
				t.Fatalf("after the replay got %+v, want herald.live", ev)
			}
			live := th.mustPublish(t, "log", "", "live")
			if ev := s.next(t, false); ev.ID != live || ev.Data != "live" {
				t.Fatalf("after replay got %+v, want the live event %s", ev, live)
			}
			ids = append(ids, live)
		})
	}
	// Resuming at the newest id replays nothing.
	last := ids[len(ids)-1]
	s := th.open(t, "?channel=log", "Last-Event-ID", last)
	s.expect(t, "herald.connected")
	s.expect(t, "herald.live")
	next := th.mustPublish(t, "log", "", "after")
	if ev := s.next(t, false); ev.ID != next {
		t.Fatalf("got %+v, want %s first", ev, next)
	}
	if st := th.Stats(); st.Replayed != 21 {
		t.Errorf("replayed = %d, want 10 + 11", st.Replayed)
	}
}

func TestGapWhenHistoryIsGone(t *testing.T) {
	th := newTestHub(t, Config{History: 5})
	first := th.mustPublish(t, "g", "", "0")
	var ids []string
	for i := 1; i < 10; i++ {
		ids = append(ids, th.mustPublish(t, "g", "", fmt.Sprint(i)))
	}
	tests := []struct {
		name, lastID, reason string
	}{
		{"older than kept", first, "trimmed"},
		{"not an id", "hello", "unknown-id"},
		{"an earlier run of the hub", "1-3", "trimmed"},
		{"from the future", "99999999999999-1", "trimmed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := th.open(t, "?channel=g", "Last-Event-ID", tt.lastID)
			s.expect(t, "herald.connected")
			gap := s.expect(t, "herald.gap")
			if !strings.Contains(gap.Data, `"reason":"`+tt.reason+`"`) || gap.ID != "" {
				t.Errorf("gap = %+v, want reason %s and no id", gap, tt.reason)
			}
			// After the gap: everything still kept (the last 5), in order.
			got := s.collect(t, 5)
			for i, ev := range got {
				if ev.ID != ids[4+i] {
					t.Errorf("after gap #%d = %s, want %s", i, ev.ID, ids[4+i])
				}
			}
		})
	}
	// The id just before the oldest kept event is no gap.
	s := th.open(t, "?channel=g", "Last-Event-ID", ids[3])
	s.expect(t, "herald.connected")
	if ev := s.next(t, false); ev.ID != ids[4] {
		t.Errorf("resume at the ring's edge: got %+v, want %s without a gap", ev, ids[4])
	}
}

func TestPatternsAndSeveralChannels(t *testing.T) {
	th := newTestHub(t, Config{})
	tests := []struct {
		query string
		want  []string // channels whose events arrive, in publish order
	}{
		{"?channel=stocks.*", []string{"stocks.aapl", "stocks.msft"}},
		{"?channel=*", []string{"stocks.aapl", "news", "stocks.msft", "stocks", "default"}},
		{"?channel=news&channel=stocks", []string{"news", "stocks"}},
		{"?channel=news,stocks.msft", []string{"news", "stocks.msft"}},
		{"", []string{"default"}},
	}
	streams := make([]*stream, len(tests))
	for i, tt := range tests {
		streams[i] = th.open(t, tt.query)
		streams[i].expect(t, "herald.connected")
	}
	for _, ch := range []string{"stocks.aapl", "news", "stocks.msft", "stocks", "default"} {
		th.mustPublish(t, ch, "", ch)
	}
	th.mustPublish(t, "end", "", "end") // not subscribed by most; see below
	for i, tt := range tests {
		got := streams[i].collect(t, len(tt.want))
		for j, ev := range got {
			if ev.Data != tt.want[j] {
				t.Errorf("%s: event %d = %q, want %q", tt.query, j, ev.Data, tt.want[j])
			}
		}
	}
	if st := th.Stats(); st.Channels["stocks.*"].Subscribers != 1 || st.Channels["news"].Subscribers != 2 || st.Connections != 5 {
		t.Errorf("stats channels = %v connections %d", st.Channels, st.Connections)
	}
}

func TestKeepAliveComments(t *testing.T) {
	th := newTestHub(t, Config{KeepAlive: 30 * time.Millisecond})
	s := th.open(t, "?channel=quiet")
	s.expect(t, "herald.connected")
	for range 2 {
		if ev := s.next(t, true); !ev.Comment {
			t.Fatalf("got %+v, want a keep-alive comment", ev)
		}
	}
}

func TestShutdownSendsEventAndKeepsHistory(t *testing.T) {
	h, err := New(Config{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	th := &testHub{Hub: h}
	srv := newServer(t, h)
	th.URL = srv
	s := th.open(t, "?channel=bye")
	s.expect(t, "herald.connected")
	id := th.mustPublish(t, "bye", "", "last words")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.Shutdown(ctx) }()
	if ev := s.next(t, false); ev.ID != id {
		t.Fatalf("got %+v, want the published event before shutdown", ev)
	}
	s.expect(t, "herald.shutdown")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := h.Publish(context.Background(), Message{Channel: "bye", Data: "late"}); statusOf(err, 0) != 503 {
		t.Errorf("publish after shutdown: %v, want 503", err)
	}
	if st := h.Stats(); st.History.LastID != id || st.Healthy {
		t.Errorf("after shutdown: last id %s (want %s), healthy %v", st.History.LastID, id, st.Healthy)
	}
}
